"""Kronecker deltas collapse sums; each collapse is recorded with the index values it keeps.

An element form is first spread into terms, each a coefficient, a product of factors and
the indices summed over it:

    Σ_k Σ_l g_kl Σ_p δ_ki δ_pj b_pl   →   term{sums: k, l, p; factors: g_kl δ_ki δ_pj b_pl}

In a term, δ(u, v) with u summed substitutes u → v everywhere and removes both the sum
over u and the δ; the term keeps only u = v. A δ between two free indices stays (it is an
identity matrix); a δ between two different constants makes the term vanish.

    Σ_l g_il b_jl                                   (∵ only k = i, p = j remain)
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy
from sympy import Add, Expr, Integer, KroneckerDelta, Mul, S, Sum

from ..index.reshape import Div, Joint, Mod
from ..index.symbols import (
    UPSTREAMS,
    Element,
    Index,
    IndexSum,
    free_symbols,
    fresh_index,
    indices_of,
    substitute,
    substitute_all,
)


@dataclass(frozen=True)
class Term:
    """coefficient · Π factors, summed over ``sums`` (each an (index, low, high) limit)."""

    coeff: Expr
    factors: tuple[Expr, ...]
    sums: tuple[tuple[Index, Expr, Expr], ...]

    def expr(self) -> Expr:
        body = Mul(self.coeff, *self.factors)
        return IndexSum(body, *self.sums) if self.sums else body

    def summed(self) -> set[Index]:
        return {limit[0] for limit in self.sums}


def expand(expr: Expr, top: bool = True, spread: bool = True) -> list[Term]:
    """Distribute products over ``Sum`` signs and over sums that hold a δ or a ``Sum``.

    A sum of plain entries such as (1 − b_ij) stays one factor: it is an elementwise
    matrix (1 − B) to the recogniser, as it is to a reader. When two factors bring sums
    over the same index (the product rule copies a sum), the second one is renamed, so
    one term never sums twice over one name.
    """
    taken = {s.name for s in expr.atoms(Index)}
    return _expand(expr, top, taken, spread)


def _expand(expr: Expr, top: bool, taken: set[str], spread: bool) -> list[Term]:
    if isinstance(expr, Add) and (top or (spread and _spreads(expr))):
        return [t for arg in expr.args for t in _expand(arg, top, taken, spread)]
    if isinstance(expr, Sum):
        bound = {limit[0] for limit in expr.limits}
        out = []
        for t in _expand(expr.function, top, taken, spread):
            t = _rename_bound(t, bound, taken)  # an inner sum that shadows an outer one
            # a sum inside a factor (sin(Σ_p …)) over an index this sum binds: renamed too,
            # so that Σ_p (… sin(Σ_p …) u_p…) never reads two sums as one p
            factors = tuple(_rebind(f, bound, taken) for f in t.factors)
            out.append(Term(t.coeff, factors, tuple(expr.limits) + t.sums))
        return out
    if isinstance(expr, Mul):
        terms = [Term(S.One, (), ())]
        for arg in expr.args:
            terms = [_merge(a, b, taken) for a in terms
                     for b in _expand(arg, False, taken, spread)]
        return terms
    if expr == 0:
        return []
    if expr.is_number or not _has_index_or_entry(expr):
        return [Term(expr, (), ())]
    return [Term(S.One, (expr,), ())]


def _merge(a: Term, b: Term, taken: set[str]) -> Term:
    """a · b, renaming summed indices that the other side also uses (bound or free), so
    that no sum captures an index of the other factor."""
    if a.sums:
        a = _rename_bound(a, _uses(b), taken)
    if b.sums:
        b = _rename_bound(b, _uses(a), taken)
    factors = a.factors + b.factors
    coeff = a.coeff * b.coeff
    if any(f.is_Pow and f.exp.is_negative for f in factors):
        product = Mul(*factors)  # p_ij · t_ij/p_ij is t_ij: a factor that cancels goes
        if len(Mul.make_args(product)) < len(factors):
            extra, product = product.as_coeff_Mul()
            coeff *= extra
            factors = () if product == 1 else Mul.make_args(product)
    return Term(coeff, factors, a.sums + b.sums)


def _uses(term: Term) -> set[Index]:
    return {limit[0] for limit in term.sums} | {i for f in term.factors
                                                 for i in indices_of(f)}


def _rename_bound(term: Term, avoid: set[Index], taken: set[str]) -> Term:
    clash = [limit[0] for limit in term.sums if limit[0] in avoid]
    if not clash:
        return term
    renames = {}
    for index in clash:
        renames[index] = fresh_index(taken, like=index.name)
        taken.add(renames[index].name)
    return Term(term.coeff, tuple(substitute_all(f, renames) for f in term.factors),
                tuple((renames.get(i, i), lo, hi) for i, lo, hi in term.sums))


def _rebind(expr: Expr, outer: set, taken: set[str]) -> Expr:
    """``expr`` with every sum inside it that binds an index of ``outer`` given a fresh
    index instead (p → p1), the same sum with another name for its running index."""
    if not expr.args or not expr.has(Sum):
        return expr
    if isinstance(expr, Sum):
        clash = [limit[0] for limit in expr.limits if limit[0] in outer]
        if clash:
            renames = {}
            for index in clash:
                renames[index] = fresh_index(taken, like=index.name)
                taken.add(renames[index].name)
            expr = expr.xreplace(renames)
    args = [_rebind(a, outer, taken) for a in expr.args]
    return expr.func(*args) if args != list(expr.args) else expr


def _spreads(expr: Expr) -> bool:
    """A δ or a ``Sum`` in the expression's own sums and products (not inside a function),
    or a sum over more than two indices, which no elementwise matrix can be: (a_pi b_jl +
    c_ki d_jp) is two products to read as matrix products, not one factor."""
    if isinstance(expr, (KroneckerDelta, Sum)):
        return True
    if isinstance(expr, Add) and len(indices_of(expr)) > 2:
        return True
    return isinstance(expr, (Add, Mul)) and any(_spreads(a) for a in expr.args)


def _has_index_or_entry(expr: Expr) -> bool:
    return bool(indices_of(expr)) or expr.has(Element)


def total(terms: list[Term]) -> Expr:
    return Add(*[t.expr() for t in terms])


def collapse_term(term: Term) -> tuple[Term | None, list[tuple[Index, Expr]]]:
    """Remove every δ that ties a summed index; returns the new term and the kept pairs.
    A reshape's index map collapses too (``_index_map``): Σ_η Σ_κ δ(ηk+κ, j) f(η, κ) =
    f(⌊j/k⌋, j mod k), and Σ_j δ(⌊j/k⌋, η) δ(j mod k, κ) f(j) = f(ηk+κ)."""
    kept: list[tuple[Index, Expr]] = []
    factors = list(term.factors)
    if term.coeff == 0 or any(f == 0 for f in factors):
        return None, kept
    limits = {limit[0]: limit for limit in term.sums}
    sums = list(term.sums)
    used = {s.name for f in factors for s in f.atoms(Index)} | {i.name for i in limits}
    while True:
        moves = None
        for factor in factors:
            if not isinstance(factor, KroneckerDelta):
                continue
            a, b = factor.args
            if a in limits or b in limits:
                u, v = (a, b) if a in limits else (b, a)
                if v in limits and _is_wrt_or_output(u) and not _is_wrt_or_output(v):
                    u, v = v, u
                moves = [(u, v)]
                break
            moves = _index_map(factor, factors, limits)
            if moves is None:
                moves = _shifted(factor, factors, limits)
            if moves is not None:
                break
        else:
            break
        if not moves:  # δ(ηk+κ, η′k+κ′) = δ(η, η′) δ(κ, κ′): split, then go on
            a, b = factor.args
            factors.remove(factor)
            factors += [KroneckerDelta(a.high, b.high), KroneckerDelta(a.low, b.low)]
            continue
        if moves[0][1] is None:  # Σ_j f(⌊j/k⌋, j mod k) = Σ_η Σ_κ f(η, κ), j = ηk + κ
            j, _, at = moves[0]
            high = fresh_index(used)  # names the term never had: the reason names both
            low = fresh_index(used | {high.name})
            used |= {high.name, low.name}
            del limits[j]
            limits[high] = (high, Integer(0), at.major - 1)
            limits[low] = (low, Integer(0), at.minor - 1)
            joint = Joint(high, low, *at.split)
            kept.append((j, joint))  # said in the reason: the sum over j runs as two
            factors = [substitute(f, j, joint) for f in factors]
            sums = [s for s in sums if s[0] != j] + [limits[high], limits[low]]
            continue
        if len(moves) == 1:
            factors.remove(factor)
        for u, v in moves:
            del limits[u]
            kept.append((u, v))
            factors = [substitute(f, u, v) for f in factors]
        if any(f == 0 for f in factors):
            return None, kept
    factors = [f for f in factors if f != 1]
    coeff = term.coeff
    sums = tuple(limit for limit in sums if limit[0] in limits)
    return Term(coeff, tuple(factors), sums), kept


def _shifted(delta: KroneckerDelta, factors: list, limits: dict) -> list | None:
    """[(q, v − rest)] for δ(q + rest, v) with q summed, of coefficient ±1, read elsewhere
    only as the plain index of an axis exactly as long as q's range: Σ_q δ(u + q − P, i)
    w_q = w_{i−u+P}, and where i − u + P falls outside the kernel the entry reads 0 (the
    zero padding), as the δ then never fires. An upstream gradient's index is taken first
    (the flipped kernel: Σ_q ∂L/∂y_{i+P−q} w_q); None if no index qualifies."""
    a, b = delta.args
    gap = sympy.expand(a - b)
    if not (isinstance(a, Add) or isinstance(b, Add)) or not gap.is_polynomial():
        return None
    candidates = []
    for q in [i for i in gap.free_symbols if i in limits]:
        coeff = gap.coeff(q)
        if coeff not in (1, -1) or (gap - coeff * q).has(q):
            continue
        entries = [f for f in factors if f is not delta and q in free_symbols(f)]
        if not entries or not all(_reads_plainly(f, q, limits[q]) for f in entries):
            continue
        upstream = any(isinstance(f.matrix, UPSTREAMS) for f in entries)
        candidates.append((not upstream, str(q), q, -(gap - coeff * q) / coeff))
    if not candidates:
        return None
    _, _, q, value = min(candidates, key=lambda c: c[:2])
    return [(q, value)]


def _reads_plainly(factor: Expr, q: Index, limit: tuple) -> bool:
    """Whether ``factor`` is an entry that reads q as one of its indices, plainly, on an
    axis exactly as long as q's range 0 … n − 1 (so that a value past the end reads 0)."""
    if not isinstance(factor, Element) or limit[1] != 0:
        return False
    shape = getattr(factor.matrix, "shape", ())
    axes = [k for k, index in enumerate(factor.indices) if q in free_symbols(index)]
    return len(axes) == 1 and factor.indices[axes[0]] == q and \
        len(shape) == len(factor.indices) and shape[axes[0]] == limit[2] + 1


def _index_map(delta: KroneckerDelta, factors: list, limits: dict) -> list | None:
    """What a δ of a reshape's index map allows, as a list of moves:

    - [] — split it: δ(ηk+κ, η′k+κ′) = δ(η, η′) δ(κ, κ′) (one split);
    - [(η, ⌊j/k⌋), (κ, j mod k)] — substitute, for δ(ηk+κ, j) with η ≠ κ both summed;
    - [(j, ηk+κ)] — substitute, for δ(⌊j/k⌋, η) beside δ(j mod k, κ) with j summed, and
      for δ((p mod g)f + ⌊p/g⌋, v) (the halves of p swapped) with p summed;
    - [(j, None, ⌊j/k⌋)] — run the sum over j as two, over (η, κ) with j = ηk + κ, for a
      summed j read through the map alone (δ(⌊j/k⌋, η) with no δ of j mod k);
    - None — none applies."""
    a, b = delta.args
    if isinstance(a, Joint) and isinstance(b, Joint) and a.split == b.split:
        return []
    for joint, other in ((a, b), (b, a)):
        if isinstance(joint, Joint) and joint.high != joint.low and joint.high in limits \
                and joint.low in limits and not {joint.high, joint.low} & free_symbols(other):
            return [(joint.high, Div(other, *joint.split)), (joint.low, Mod(other, *joint.split))]
        if isinstance(joint, Joint) and isinstance(joint.high, Mod) and \
                isinstance(joint.low, Div) and joint.high.args[0] == joint.low.args[0] and \
                joint.high.split == joint.low.split and joint.high.args[0] in limits and \
                joint.high.split == (joint.long, joint.minor, joint.major):
            # (p mod g)f + ⌊p/g⌋ = v: the halves of p swapped, so p = (v mod f)g + ⌊v/f⌋
            p, inner = joint.high.args[0], joint.high.split
            return [(p, Joint(Mod(other, *joint.split), Div(other, *joint.split), *inner))]
    for major, other in ((a, b), (b, a)):
        j = major.args[0] if isinstance(major, (Div, Mod)) else None
        if j is None or j not in limits:
            continue
        for f in factors:
            if isinstance(major, Div) and isinstance(f, KroneckerDelta) and f is not delta:
                c, d = f.args
                minor, low = (c, d) if isinstance(c, Mod) else (d, c)
                if isinstance(minor, Mod) and minor.args[0] == j and minor.split == major.split:
                    return [(j, Joint(other, low, *major.split))]
        return [(j, None, major)]  # j read through the map alone: run it as two sums
    return None


def _is_wrt_or_output(index: Expr) -> bool:
    return isinstance(index, Index) and index.name in ("k", "l")


def drop_unit_indices(term: Term, unit: set[Index]) -> Term:
    """An index over a range of size 1 can only be 0: δ(0, j) = 1 for such j."""
    factors = []
    for f in term.factors:
        if isinstance(f, KroneckerDelta) and (set(f.args) & unit) and Integer(0) in f.args:
            continue
        factors.append(f)
    return Term(term.coeff, tuple(factors), term.sums)


def collapse(terms: list[Term], unit: set[Index] = frozenset()) -> tuple[list[Term], list]:
    """Collapse every term; like terms (same factors and sums) are added together."""
    out: dict[tuple, Term] = {}
    kept_all: list[tuple[Index, Expr]] = []
    for term in terms:
        new, kept = collapse_term(term)
        kept_all.extend(kept)
        if new is None:
            continue
        if unit:
            new = drop_unit_indices(new, unit)
        key = (Mul(*new.factors), new.sums)
        if key in out:
            old = out[key]
            out[key] = Term(old.coeff + new.coeff, old.factors, old.sums)
        else:
            out[key] = new
    return [t for t in out.values() if t.coeff != 0], kept_all


def collapse_shallow(expr: Expr, unit: set[Index] = frozenset()) -> tuple[list[Term], list]:
    """Collapse the deltas that stand as factors, also inside nested sums, without
    distributing products over sums: Σ_k Σ_l g_kl p_kl δ_ki (δ_lj − Σ_q δ_qj p_kq)
    becomes Σ_l g_il p_il (δ_lj − p_ij)."""
    kept_all: list = []
    terms = []
    for term in expand(expr, spread=False):
        factors = []
        for factor in term.factors:
            factor, kept = _collapse_inside(factor, unit)
            kept_all.extend(kept)
            factors.append(factor)
        terms.append(Term(term.coeff, tuple(factors), term.sums))
    terms, kept = collapse(terms, unit)
    return terms, kept_all + kept


def _collapse_inside(expr: Expr, unit: set[Index]) -> tuple[Expr, list]:
    if isinstance(expr, Sum):
        terms, kept = collapse(expand(expr, spread=False), unit)
        return total(terms), kept
    if not expr.args or not expr.has(Sum):
        return expr, []
    kept_all: list = []
    args = []
    for arg in expr.args:
        arg, kept = _collapse_inside(arg, unit)
        kept_all.extend(kept)
        args.append(arg)
    return expr.func(*args), kept_all


ROW_SUMS_ONE = ("onehot", "prob_rows")


def apply_row_sums(terms: list[Term], assumptions: dict[str, str]) -> tuple[list[Term], list]:
    """Σ_l t_il = 1 when each row of T is one-hot or a probability distribution.

    Applies to a sum over T's last index that no other factor of the term touches.
    """
    if not any(kind in ROW_SUMS_ONE for kind in assumptions.values()):
        return terms, []
    used: list[str] = []
    out = []
    for term in terms:
        factors, sums = list(term.factors), list(term.sums)
        changed = True
        while changed:
            changed = False
            for limit in sums:
                index = limit[0]
                touching = [f for f in factors if index in indices_of(f)]
                if len(touching) != 1 or not isinstance(touching[0], Element):
                    continue
                entry = touching[0]
                name = getattr(entry.matrix, "name", None)
                vector = entry.order == 2 and entry.matrix.shape[1] == 1
                along = entry.indices[:1] if vector else entry.indices  # a stack: its last axis
                if assumptions.get(name) not in ROW_SUMS_ONE or along[-1] != index or \
                        index in along[:-1]:
                    continue
                factors.remove(entry)
                sums.remove(limit)
                if name not in used:
                    used.append(name)
                changed = True
                break
        out.append(Term(term.coeff, tuple(factors), tuple(sums)))
    if not used:
        return terms, []
    combined, _ = collapse(out)
    return combined, used


def _as_shown(kept: list[tuple[Index, Expr]], before: Expr) -> list[tuple[Index, Expr]]:
    """The kept indices by the names the line before shows: distributing a product renames
    a sum copied by the product rule (the second Σ_q becomes Σ_q1), which that line still
    writes as q: "q = l", not "q1 = l"."""
    shown = {i.name for i in before.atoms(Index)}
    out = []
    for u, v in kept:
        base = u.name.rstrip("0123456789")
        if u.name not in shown and base != u.name and base in shown:
            u = Index(base)
        out.append((u, v))
    return out


def kept_pairs(kept: list[tuple[Index, Expr]]) -> list[list[str]]:
    """The index values a collapse kept, as the reason's parameters: [["k", "i"], …]; a
    shifted one as a reader writes it, ["l", "j − q"]."""
    return [list(pair) for pair in dict.fromkeys((str(u), _index_text(v)) for u, v in kept)]


def _index_text(v: Expr) -> str:
    """An index value as text: j − q + 1 (sympy writes -q + j + 1), the positive terms
    first, a minus sign as the proofs print it."""
    if not isinstance(v, Add):
        return str(v)
    terms = sorted(v.as_ordered_terms(), key=lambda t: (t.is_number,
                                                       t.could_extract_minus_sign()))
    text = ""
    for term in terms:
        negative = term.could_extract_minus_sign()
        shown = str(-term if negative else term).replace("*", "")
        text += (" − " if negative else " + ") + shown if text else \
            ("−" if negative else "") + shown
    return text


@dataclass
class Collapsed:
    """The terms left when every δ has removed its sum, and the shallow form (δ's
    collapsed where they stand, nothing distributed)."""

    terms: list[Term]
    shallow: Expr


def collapse_all(expr: Expr, proof, unit: set[Index] = frozenset(),
                 assumptions: dict[str, str] | None = None,
                 centred: dict[str, int] | None = None) -> Collapsed:
    """δ's first where they stand (Σ_l g_il p_il (δ_lj − p_ij)), then after distributing
    products over sums; then rows that sum to 1 (``onehot``, ``prob_rows``) are summed out.
    Each change is a step of ``proof``."""
    terms, kept = collapse_shallow(expr, unit)
    shallow = total(terms)
    if kept:
        proof.record(shallow, "collapse", kept=kept_pairs(_as_shown(kept, expr)))
    terms, kept = collapse(expand(shallow), unit)
    if kept:
        proof.record(total(terms), "collapse", kept=kept_pairs(_as_shown(kept, shallow)))
    elif total(terms) != shallow:
        proof.record(total(terms), "distribute")
    terms, used = apply_row_sums(terms, assumptions or {})
    if used:
        proof.record(total(terms), "assumption", names=used,
                     assumptions=[assumptions[n] for n in used])
    if centred:
        terms, zero = apply_centred(terms, centred)
        if zero:
            proof.record(total(terms), "centred", names=zero)
    terms, collected = collect_like_terms(terms)
    if collected:
        proof.record(total(terms), "collect")
    terms, multiplied = multiply_out(terms)
    if multiplied:
        proof.record(total(terms), "multiply_out")
    return Collapsed(terms, shallow)


def apply_centred(terms: list[Term], centred: dict[str, int]) -> tuple[list[Term], list]:
    """Σ_k xc_kj (…) = 0 when Xc is centred down its columns (``facts.centred``) and
    nothing else in the term depends on k; likewise along the rows."""
    used: list[str] = []
    kept = []
    for term in terms:
        zero = None
        for index, _, _ in term.sums:
            touching = [f for f in term.factors if index in indices_of(f)]
            if len(touching) != 1 or not isinstance(touching[0], Element):
                continue
            entry = touching[0]
            name = getattr(entry.matrix, "name", None)
            if name not in centred or entry.order != 2 or entry.row == entry.col or \
                    isinstance(entry.matrix, UPSTREAMS):  # ∂L/∂Xc is no centred Xc
                continue
            if (entry.row, entry.col)[centred[name]] == index:
                zero = name
                break
        if zero is None:
            kept.append(term)
        elif zero not in used:
            used.append(zero)
    return (kept, used) if used else (terms, [])


def collect_like_terms(terms: list[Term]) -> tuple[list[Term], bool]:
    """Terms that are one term under other summation letters are added, after a sum over
    an index the term does not use is taken as a factor (Σ_p c = N c):
    2/N² Σ_p x_pj − 2/N² Σ_q x_qj ... collect to what they add up to, so that a centred
    sum Σ_p (x_pj − μ_j) vanishes where it stands in var's gradient, 2 (x_ij − μ_j)/N.
    Nothing changes unless at least two terms are alike."""
    from .definitions import canonical
    if len(terms) < 2:
        return terms, False
    groups: dict = {}
    for term in terms:
        used = set().union(*(free_symbols(f) for f in term.factors)) if term.factors else set()
        kept = tuple(limit for limit in term.sums if limit[0] in used)
        coeff = Mul(term.coeff, *[hi - lo + 1 for index, lo, hi in term.sums
                                  if index not in used])
        body = Mul(*term.factors)
        key = canonical(IndexSum(body, *kept) if kept else body)
        if key in groups:
            groups[key][0] += coeff
        else:
            groups[key] = [coeff, Term(S.One, term.factors, kept)]
    if len(groups) == len(terms):
        return terms, False
    collected = [Term(coeff, t.factors, t.sums) for coeff, t in groups.values() if coeff != 0]
    return collected, True


MULTIPLY_OUT_OPS = 60  # larger entrywise expressions are left as they are


def multiply_out(terms: list[Term]) -> tuple[list[Term], bool]:
    """Terms under the same sums share their common factors, and what remains is
    multiplied out when terms cancel there:
    σ(z_i)(1 − y_i) − y_i(1 − σ(z_i)) = σ(z_i) − y_i (logistic regression's gradient);
    Σ_p x_pi x_pj σ_p(1 − σ_p)((1 − y_p) + y_p) = Σ_p x_pi x_pj σ_p(1 − σ_p) (its Hessian).
    Long expressions, and terms with sums inside their factors, are kept as they are."""
    from .definitions import canonical
    groups: dict[tuple, list[Term]] = {}
    for t in terms:
        if not any(isinstance(f, Sum) for f in t.factors):
            groups.setdefault(t.sums, []).append(t)
    changed = False
    for sums, group in groups.items():
        if len(group) < 2:
            continue
        keys = [[canonical(f) for f in t.factors] for t in group]  # σ(Σ_r …) is σ(Σ_q …)
        common = list(keys[0])
        for found in keys[1:]:
            left = list(found)
            common = [k for k in common if k in left and not left.remove(k)]
        rest = []
        for t, found in zip(group, keys):
            remaining = list(zip(found, t.factors))
            for k in common:
                remaining.remove(next(pair for pair in remaining if pair[0] == k))
            rest.append(Mul(t.coeff, *[f for _, f in remaining]))
        if any(r.has(Sum) for r in rest):
            continue  # what is left to multiply out must be sum-free
        shared = [f for k in dict.fromkeys(common)
                  for f in [dict(zip(keys[0], group[0].factors))[k]] * common.count(k)]
        size = sum(sympy.count_ops(r) for r in rest) + len(rest) - 1  # the terms apart
        if size > MULTIPLY_OUT_OPS:
            continue
        after = sympy.expand(Add(*rest))
        apart = sum(len(Add.make_args(sympy.expand(r))) for r in rest)
        if len(Add.make_args(after)) >= apart:  # no term cancelled
            continue
        merged = expand(IndexSum(Mul(after, *shared), *sums) if sums else Mul(after, *shared))
        terms = [t for t in terms if t not in group] + merged
        changed = True
    return terms, changed
