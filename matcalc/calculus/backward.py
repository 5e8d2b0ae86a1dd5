"""The backward pass over the computation graph: one local derivation per name.

A name X that feeds the results Z₁, Z₂, … gets

    ∂L/∂x_ij = Σ_k Σ_l ∂L/∂z1_kl ∂z1_kl/∂x_ij + Σ_p Σ_q ∂L/∂z2_pq ∂z2_pq/∂x_ij + …

(chain rule; with several terms it is a fan-out), derived by the core engine from the
statements' own element forms: substitute, differentiate, fold definitions, collapse the
deltas, recognise the matrix form. Each ∂L/∂Z is a named gradient, derived the same way;
the output's is the upstream gradient (or, for a scalar output, the output is the loss).

A named gradient is substituted into its consumers when that is simpler: always when it is
a plain sum of names (∂L/∂Z2 = P − T), and when substituting at the index level lets the
algebra cancel (a row-wise normalisation followed by cross-entropy gives P − T).
"""

from __future__ import annotations

import sympy
from sympy import Expr, Integer, S, Symbol

from .. import ops
from ..errors import NoMatrixForm
from ..index.reshape import View
from ..index.symbols import (
    OUTPUT_INDICES,
    UPSTREAMS,
    WRT_INDICES,
    ChainPartial,
    Element,
    Index,
    IndexSum,
    IndexSupply,
    Partial,
    ScalarGrad,
    Slice,
    TensorSymbol,
    TensorUpstream,
    axis_indices,
    dim,
    role_indices,
    stack_labels,
    upstream_symbol,
)
from ..language.program import Assignment, names_in
from ..ops.maps import maps_entry, of_result
from ..results import Derivation, Gradient
from . import vector_route
from .collapse import Term, collapse_all
from .definitions import Definition, fold_definitions, reciprocal
from .differentiate import (
    differentiate,
    move_inside,
    outside,
    push_partial,
    replace_partials,
)
from .facts import centred
from .logistic import simplify_logistic
from .lower import Lowering, lower
from .matrices import entry_of, matmul, tidy, transpose
from .proof import Proof
from .prove import Outcome, differentiate_step, finish
from .recognise import entry_of_result, recognise_under
from .rowsums import quotient_route, row_sums_route
from .symmetric import symmetric_inputs, symmetrise

ARTICLE = ("article", "element")  # the seed articles' orders (prove.STEPS)
ENTRYWISE_SIZE = 4000  # nodes: past it, the inlined form stays the matrices put in


def backward(d: Derivation, wanted: list[str]) -> dict[str, Gradient]:
    """Every gradient the wanted ones need, in the order of the backward pass."""
    statements = d.program.statements
    reaches = set(d.outputs)
    for statement in reversed(statements):
        if statement.target in reaches:
            reaches.update(names_in(statement.value))
    consumers = {}
    for statement in statements:
        for name in names_in(statement.value):
            if statement.target in reaches:
                consumers.setdefault(name, []).append(statement)
    # every name whose gradient is needed: the wanted ones and all they feed, downstream
    needed, frontier = set(wanted), list(wanted)
    while frontier:
        for statement in consumers.get(frontier.pop(), []):
            if statement.target not in d.outputs and statement.target not in needed:
                needed.add(statement.target)
                frontier.append(statement.target)
    # results come after what they read, so reverse program order has every consumer's
    # gradient ready (no recursion: a long chain cannot exhaust the stack)
    memo: dict[str, Gradient] = {}
    definitions = foldable(d)
    facts = centred(d.program, d.shapes)
    targets = [s.target for s in statements]
    for name in [t for t in reversed(targets) if t in needed] + \
            [n for n in wanted if n not in targets]:
        memo[name] = GradientOfName(d, name, consumers.get(name, []), memo,
                                    definitions, facts,
                                    compact=d.inline and name in wanted).derive()
    order = [t for t in reversed(targets) if t in memo] + [n for n in memo if n not in targets]
    return {name: memo[name] for name in order}


def shares(d: Derivation, name: str) -> dict[str, Gradient]:
    """A fan-out's paths one at a time: for each result Z that reads X, the share
    Σ_k Σ_l ∂L/∂z_kl ∂z_kl/∂x_ij of that path alone (CS231n's ``dx += …`` of one
    consumer), derived as ∂L/∂X is when Z is X's only consumer. The shares add up to
    ∂L/∂X. Empty unless X feeds several results."""
    grad = d.all_gradients.get(name)
    if grad is None or len(grad.consumers) < 2:
        return {}
    statements = {s.target: s for s in d.program.statements}
    memo, definitions = dict(d.all_gradients), foldable(d)
    facts = centred(d.program, d.shapes)
    return {target: GradientOfName(d, name, [statements[target]], memo, definitions,
                                   facts).derive()
            for target in grad.consumers}


def staged_shares(d: Derivation) -> list[tuple[str, str, Gradient]]:
    """CS231n's staged pass (seed 003), as shares: for each statement Z in reverse order,
    for each name X it reads whose gradient the derivation needs, (Z, X, the share
    Σ ∂L/∂z ∂z/∂x of Z alone, derived from that statement with nothing substituted) —
    the requested names first, in the order asked for (--wrt x,w: dx before dw), then the
    intermediates in the program's order (dfdz = q before dfdq = z, dnum before dinvden).
    ``render.staged`` writes them as (local gradient) * (upstream)."""
    definitions, facts = foldable(d), centred(d.program, d.shapes)
    names = [x.name for x in d.program.declarations] + d.program.names()
    order = {name: k for k, name in enumerate(dict.fromkeys(names))}
    targets = {s.target for s in d.program.statements}
    wanted = list(d.gradients)
    out = []
    for statement in reversed(d.program.statements):
        if statement.target not in d.all_gradients and statement.target not in d.outputs:
            continue
        read = sorted((n for n in names_in(statement.value) if n in d.all_gradients),
                      key=lambda n: (n not in wanted, wanted.index(n) if n in wanted else 0,
                                     n in targets, order.get(n, len(order))))
        for name in read:
            share = GradientOfName(d, name, [statement], {}, definitions, facts).derive()
            share.owner = d
            out.append((statement.target, name, share))
    return out


def _jacobian_entries(expr: Expr, forms: dict) -> Expr | None:
    """``expr`` with each chain rule's ∂y_k/∂x_i of a declared map's result y = g(x) as
    the entry of the Jacobian symbol ∂y/∂x (``maps``; ∂y/∂x_i, dy/dx for a map to a
    scalar), or None unless every one is."""
    found = {}
    for p in expr.atoms(ChainPartial):
        form, var = forms.get(p.expr), p.var
        if not maps_entry(form, var):
            return None
        found[p] = of_result(ops.of_node(form).differentiate(form, var, differentiate),
                             p.expr.matrix.name if isinstance(p.expr, Element) else p.expr.name)
    return expr.xreplace(found) if found else None


def upstream_of(d: Derivation, target: str) -> Expr | None:
    """∂L/∂Z as a matrix (or a scalar symbol); None for the scalar output, which is L."""
    if target in d.outputs and target not in d.upstreams:
        return None
    return upstream_symbol(d.names.symbols[target], target, d.loss)


def foldable(d: Derivation) -> list[Definition]:
    return [Definition(df.name, df.element_lhs,
                       role_indices(d.shapes.names[df.name], OUTPUT_INDICES,
                                    avoid=d.names.shown()),
                       df.element_rhs) for df in d.definitions]


def fitted(value: Expr, like: Expr) -> Expr:
    """A vector gradient turned to the orientation of the symbol it replaces."""
    if getattr(value, "is_Matrix", False) and getattr(like, "is_Matrix", False) and \
            value.shape != like.shape and value.shape == (like.shape[1], like.shape[0]):
        return transpose(value)
    return value


def put_in(result: Expr, values: dict) -> Expr:
    """Named gradients replaced by their values, turned to fit. A gradient of a size-1
    vector or matrix whose value came out a number (2 z) replaces its entry (∂L/∂z)_00 by
    that number, and the 1×1 matrix itself by the number times 𝟏𝟏ᵀ."""
    entries, matrices = {}, {}
    for upstream, value in values.items():
        value = sign_inside(fitted(value, upstream))
        if isinstance(upstream, TensorUpstream):  # each slice ∂L/∂Z_β: the value's at β
            matrices.update({s: at_labels(value, s.labels)
                             for s in result.atoms(Slice) if s.tensor == upstream})
            continue
        if getattr(upstream, "is_Matrix", False) and not getattr(value, "is_Matrix", False):
            entries.update({e: value for e in result.atoms(Element) if e.matrix == upstream})
            value = matmul(value, sympy.OneMatrix(*upstream.shape))
        matrices[upstream] = value
    if entries:
        result = result.xreplace(entries)
    return result.xreplace(matrices)


def entry_in_place(value: Expr, element: Element, supply) -> Expr:
    """The value of a named gradient (its matrix form) read where ``element`` reads the
    gradient's symbol: (V)_kl; for a stack's entry ∂L/∂z_{β,k,l}, the value's slice at the
    entry's own leading indices."""
    if element.order > 2:
        return entry_of(at_labels(value, element.indices[:-2]), *element.indices[-2:], supply)
    return entry_of(value, element.row, element.col, supply)


def at_labels(value: Expr, labels: tuple) -> Expr:
    """A matrix form over slices read at other leading indices (its own aligned with
    ``labels`` from the right, as numpy aligns stacks): ∂L/∂Z_β's value at β′."""
    own = stack_labels(value)
    return value.xreplace(dict(zip(own[::-1], labels[::-1])))


def sign_inside(value: Expr) -> Expr:
    """−(Y − B) as B − Y where it is put into another formula: the sign goes where the
    article places it in the result itself (seed 001 eqs. 32, 42), and inside a sum where
    the result is used ((P − T) W3ᵀ, not −((T − P) W3ᵀ))."""
    if isinstance(value, sympy.MatMul) and len(value.args) == 2 and value.args[0] == -1 \
            and isinstance(value.args[1], sympy.MatAdd):
        return sympy.MatAdd(*[matmul(sympy.S.NegativeOne, term) for term in value.args[1].args])
    return value


def _chains(value: Expr, outputs: tuple[str, ...]) -> bool:
    """A sum of two or more named gradients (∂L/∂X3 + ∂L/∂Y3, a residual stream): put in,
    each would bring its own, and along a chain of n blocks the lines would grow as n²."""
    named = [s for s in value.free_symbols
             if isinstance(s, (*UPSTREAMS, ScalarGrad)) and
             (s.name if isinstance(s, UPSTREAMS) else s.of) not in outputs]
    return len(named) > 1


def at_once_scalar(d: Derivation) -> bool:
    """A program of one statement whose names are all scalars (f = x y): its derivatives
    are written at once, as seeds 003 and 004 write ∂f/∂x = y."""
    return len(d.program.statements) == 1 and not any(d.shapes.names.values())


def has_entries(form: Expr) -> bool:
    """An element form that writes entries (c_kl = a_kl + b_kl), not only scalar names
    (f = num invden, which is the definition itself)."""
    return form.has(Element) or form.has(sympy.Sum)


def size(expr: Expr) -> int:
    return sum(1 for _ in sympy.preorder_traversal(expr))


def is_plain(expr: Expr) -> bool:
    """A sum of names and multiples of names (P − T, ∂f/∂den, 2 x): cheaper to read in
    place than by name, so it is substituted into the rules that use it."""
    if expr.is_number or isinstance(expr, (sympy.MatrixSymbol, sympy.Symbol)):
        return True
    if isinstance(expr, (sympy.MatAdd, sympy.Add)):
        return all(is_plain(a) for a in expr.args)
    if isinstance(expr, (sympy.MatMul, sympy.Mul)):
        named = [a for a in expr.args if not a.is_number]
        return len(named) <= 1 and all(is_plain(a) for a in named)
    if isinstance(expr, sympy.Transpose):
        return is_plain(expr.arg)
    return False


class GradientOfName:
    """∂L/∂X for one name X, from the statements that read X, in terms of the named
    gradients ∂L/∂Z of their results (already derived: the walk goes backwards)."""

    def __init__(self, d: Derivation, name: str, consumers: list[Assignment],
                 memo: dict[str, Gradient], definitions: list[Definition],
                 centred: dict[str, int] | None = None, compact: bool = False):
        self.d, self.name, self.consumers, self.memo = d, name, consumers, memo
        shape = d.shapes.names[name]
        self.shape = shape
        self._name_entry(WRT_INDICES)
        self.supply = IndexSupply(d.names.letters())
        self.definitions = definitions
        self.centred = centred or {}
        self.compact = compact

    def _name_entry(self, letters: tuple[str, ...]) -> None:
        """The entry x_ij the proof differentiates by (one index for a vector or a 1×n
        row), and everything named after it."""
        d, name = self.d, self.name
        self.wrt_idx = axis_indices(self.shape, letters, avoid=d.names.shown())
        self.free = tuple(i for i in self.wrt_idx if isinstance(i, Index))
        self.var = d.names.element(name, self.wrt_idx)
        top = Symbol(d.loss)
        self.lhs = Partial(top, self.var)
        self.matrix_lhs = Partial(top, d.names.symbols[name])
        self.dims = {i: dim(n) for i, n in zip(self.wrt_idx, self.shape) if isinstance(i, Index)}
        self.unit = set()
        self.declared = False  # ∂L/∂X is a declared map's own symbol (``_declared``)
        self.proof = Proof(self.lhs, self.free)
        self.proof.written = d.names.written

    def _output_letters(self, shape: tuple) -> tuple[str, ...]:
        """k, l for the first result's entry; j when a vector feeds a vector, as seed 000
        writes ∂L/∂x_i = Σ_j ∂L/∂y_j ∂y_j/∂x_i."""
        if len(self.free) == 1 and str(self.free[0]) == "i" and \
                sum(1 for n in shape if n != 1) == 1:
            return ("j",)
        return OUTPUT_INDICES

    def _line_up(self, form: Expr, out_idx: tuple) -> None:
        """A vector added along the rows takes the column's letter, as seed 001 writes the
        bias b_j in c_ij = a_ij + b_j: when every entry of it in its first result's element
        form has that result's column index l, its own index is j."""
        if len(self.free) != 1 or len(out_idx) != 2 or \
                not all(isinstance(i, Index) for i in out_idx):
            return  # only a vector broadcast over a matrix's rows (not a 1×n result)
        matrix = self.d.names.symbols[self.name]
        entries = [e for e in form.atoms(Element) if e.matrix == matrix]
        position = 1 if matrix.shape[0] == 1 else 0
        if entries and all((e.row, e.col)[position] == out_idx[1] for e in entries):
            self._name_entry(("j",))

    def derive(self) -> Gradient:
        d = self.d
        if not self.consumers:
            return self._zero()
        # chain rule over every result that reads X (a fan-out when there are several)
        pieces = []
        first = d.shapes.names[self.consumers[0].target]
        if not first:  # the first result is a scalar: its sums take k, l (seed 001 eq. 30)
            self.supply = IndexSupply(d.names.letters(), lead=OUTPUT_INDICES)
        for n, statement in enumerate(self.consumers):
            shape = d.shapes.names[statement.target]
            taken = frozenset(str(i) for i in self.free)  # β′ beside the wrt's own β
            idx = axis_indices(shape, self._output_letters(shape), primed=taken,
                               avoid=d.names.shown()) if n == 0 \
                else \
                axis_indices(shape, tuple(self.supply.fresh().name for _ in shape))
            pieces.append((statement, idx))
        forms = {d.names.element(s.target, idx): lower(s.value, idx, Lowering(d.names, self.supply))
                 for s, idx in pieces}
        self._line_up(next(iter(forms.values())), pieces[0][1])
        if self._declared(pieces, forms):  # ∂L/∂X is g's own symbol: dy/dx, ∂y/∂X
            form = next(iter(forms.values()))
            entry = ops.of_node(form).differentiate(form, self.var, differentiate)
            return self._gradient(entry.matrix if isinstance(entry, Element) else entry,
                                  entry)
        proof = self.proof
        chain = []
        for statement, idx in pieces:
            g = upstream_of(d, statement.target)
            y = d.names.element(statement.target, idx)
            if isinstance(g, TensorSymbol):
                g = Element(g, *idx)
            elif isinstance(g, sympy.MatrixExpr):
                g = Element(g, idx[0], idx[1] if len(idx) > 1 else 0)
            # the loss itself: its own definition, so that ∂f/∂a never reads as circular
            body = push_partial(forms[y], self.var) if g is None and len(pieces) > 1 else \
                ChainPartial(y, self.var) if g is None else g * ChainPartial(y, self.var)
            limits = [(k, Integer(0), dim(n) - 1)
                      for k, n in zip(idx, d.shapes.names[statement.target])
                      if isinstance(k, Index)]
            chain.append(IndexSum(body, *limits) if limits else body)
        expr = d.names.written.record(sympy.Add(*chain), chain)  # in the consumers' order
        targets = [s.target for s, _ in pieces]
        if len(pieces) > 1 or upstream_of(d, targets[0]) is not None:
            proof.record(expr, "chain_rule" if len(pieces) == 1 else "fan_out",
                         over=[str(k) for _, idx in pieces for k in idx
                               if isinstance(k, Index)], names=targets,
                         wrt=self.name)
        # substitute the element forms of those results
        # (only the chain rule's ∂z_kl/∂x_ij: a plain ∂h0/∂x_i, from the loss's own
        # definition h1 = h0, holds h0 fixed — its path through h0 is counted already)
        loss_itself = len(pieces) == 1 and upstream_of(d, targets[0]) is None
        at_once = loss_itself and d.style == "article" and at_once_scalar(d)
        # seed 000: a product whose result is a vector keeps ∂y_j/∂w_ij before y's form
        route = d.style == "article" and len(pieces) == 1 and not loss_itself and \
            vector_route.applies(pieces[0][0], pieces[0][1], self.name)
        at_jacobian = False  # the chain rule's own ∂y_k/∂x_i is the Jacobian's entry
        if at_once:
            # seeds 003 and 004: a scalar function of scalars is differentiated at once,
            # ∂f/∂x = y, without its definition ∂(x y)/∂x and the constant factors' line
            expr = outside(next(iter(forms.values())), self.var)
        elif route:
            expr = vector_route.keep_then_differentiate(proof, expr, forms, self.name,
                                                        targets[0])
        elif loss_itself and d.style in ARTICLE:
            # seed 001 eq. 30: −∂(Σ_k Σ_l y_kl log b_kl)/∂b_ij, then the derivative inside
            form = next(iter(forms.values()))
            expr = outside(form, self.var)
            proof.record(expr, "element_form", names=targets, entries=has_entries(form))
            inside, constants = move_inside(expr)
            if inside != expr:
                expr = inside
                proof.record(expr, "linearity", wrt=self.name, constants=constants,
                             sums=form.has(sympy.Sum))
        elif d.style == "article" and \
                (jacobian := _jacobian_entries(expr, forms)) is not None:
            # y = g(x), g a declared map: the chain rule's ∂y_k/∂x_i is the entry of the
            # Jacobian symbol ∂y/∂x itself; g_k(x) written out and differentiated would
            # give the same symbol back (seed 002: ∇ₓz = (∂y/∂x)ᵀ ∇_y z)
            expr, at_jacobian = jacobian, True
        else:
            expr = replace_partials(expr, lambda p: push_partial(forms[p.expr], p.var)
                                    if isinstance(p, ChainPartial) and p.expr in forms else p)
            proof.record(expr, "element_form", names=targets,
                         entries=any(has_entries(f) for f in forms.values()))
        feeds = [f for f in self.definitions if f.name in targets]
        if not (route or at_jacobian):
            expr = differentiate_step(proof, expr, self.name, "delta" if at_once else d.style,
                                      fold=lambda e: fold_definitions(e, feeds))
        if d.style in ARTICLE:  # e^{−x}/(1 + e^{−x})² → (1 − s) s, seed 003's steps
            expr = simplify_logistic(proof, expr, lambda base: reciprocal(feeds, base),
                                     d.names.written)
        # only the results X feeds can appear in its derivative (not f itself, where f is
        # differentiated at once: seed 003's (eˣ)′ = eˣ, not f)
        folded, used = fold_definitions(expr, feeds) if not at_once else (expr, [])
        if used:
            expr = folded
            proof.record(expr, "by_definition", names=used)
        # seed 001 eq. 27: softmax's row sums as diag(∂L/∂B Bᵀ), in the article's steps
        rows = row_sums_route(proof, expr, self.free) if d.style in ARTICLE else None
        mark = proof.mark()
        if rows is not None:
            outcome = Outcome(rows[0], rows[1], [Term(S.One, (rows[1],), ())], rows[1])
        else:
            outcome = finish(proof, expr, self.wrt_idx, self.dims, d.shapes.assumptions,
                             self.unit, centred=self.centred,
                             max_free=max(2, len(self.wrt_idx)))  # a stack: per matrix
        if route or at_jacobian:  # the transpose and the product in one step (seed 000)
            vector_route.merge_transpose(proof, mark)
        if not outcome.terms:
            return self._zero(zero=False)
        self.shallow = outcome.shallow
        result = None if outcome.result is None else self._substitute(outcome.result)
        index_form = outcome.index_form
        if self.name in symmetric_inputs(d.program, d.shapes.assumptions,
                                         d.symmetric_gradient) and len(self.free) == 2:
            result, index_form = symmetrise(self.proof, result, index_form, self.name,
                                            self.free, d.shapes.assumptions)
        return self._gradient(result, index_form, outcome.no_matrix_form, outcome.form)

    def _declared(self, pieces, forms) -> bool:
        """The loss is L = g(X) for a declared map g, read at X itself: ∂L/∂X is g's own
        symbol (dz/dy of seed 002's z = g(y)), which the chain rule downstream reads as it
        stands — a derivation would only write ∂L/∂X = ∂g(X)/∂X = ∂L/∂X."""
        if len(pieces) != 1 or upstream_of(self.d, pieces[0][0].target) is not None or \
                self.name in self.d.upstreams:
            return False
        if not maps_entry(next(iter(forms.values())), self.var):
            return False
        self.declared = True
        return True

    def _substitute(self, result: Expr) -> Expr:
        """Put the named gradients of this rule's consumers in, where that is simpler."""
        for statement in self.consumers:
            target = statement.target
            known = self.memo.get(target)
            upstream = upstream_of(self.d, target)
            if known is None or known.result is None or upstream is None or \
                    known.declared or not result.has(upstream) or \
                    target in dict(self.d.program.aliases):
                continue  # (a gradient the program names, Δ ≡ ∂L/∂Z, stays named)
            if is_plain(known.result) and not _chains(known.result, self.d.upstreams):
                result = tidy(put_in(result, {upstream: known.result}))
                self.proof.record(entry_of_result(result, self.wrt_idx), "substitute",
                                  names=[target], loss=self.d.loss)
                continue
            names = {s for s in known.result.free_symbols if hasattr(s, "name")}
            if not names & {s for s in result.free_symbols if s != upstream} or \
                    len(self.consumers) > 1:
                continue
            # seed 001 eqs. 31-32: −Y/B into B ∘ (∂L/∂B − diag(∂L/∂B Bᵀ)), as matrices
            route = quotient_route(self.proof, result, upstream, fitted(known.result, upstream),
                                   self.d.shapes.assumptions, self.free, self.d.loss)
            if route is not None:
                result = route
                continue
            candidate = self._substitute_entries(result, upstream,
                                                 fitted(known.result, upstream))
            if candidate is not None and size(candidate[0]) < size(result):
                result, steps = candidate
                self.proof.add(steps)
        return result

    def _substitute_entries(self, result, upstream, value):
        """Substitute ∂L/∂Z into the matrix form entry by entry and let the algebra cancel,
        as seed 001 eqs. 31-32 put ∂L/∂B = −Y/B into B ∘ (∂L/∂B − …):
        p_ij (∂L/∂p_ij − Σ_l ∂L/∂p_il p_il) → p_ij (−t_ij/p_ij + Σ_l t_il/p_il p_il) → …;
        None if it does not help. The trial's steps are taken out of the proof and
        returned."""
        proof = self.proof
        mark = proof.mark()
        # the entry at the gradient's own position, read the way the result is turned: a
        # vector's gradient may have come out a row 𝟏ᵀM, whose entry j is (0, j)
        at = entry_of_result(result, self.free)
        try:
            expr = entry_of(result, at.row, at.col, self.supply) if result.is_Matrix \
                else result
            proof.record(expr, "entry_by_entry")
            replacements = {}
            for element in expr.atoms(Element):
                if element.matrix == upstream:
                    replacements[element] = entry_in_place(value, element, self.supply)
            if isinstance(upstream, ScalarGrad):
                replacements[upstream] = value
            target = upstream.of if isinstance(upstream, ScalarGrad) else upstream.name
            proof.record(expr.xreplace(replacements), "substitute", names=[target],
                         loss=self.d.loss)
            collapsed = collapse_all(proof.last, proof, self.unit, self.d.shapes.assumptions)
            recognised = recognise_under(self.d.shapes.assumptions, collapsed.terms,
                                         self.wrt_idx, self.dims, proof)
        except NoMatrixForm:
            proof.since(mark)
            return None
        return recognised.result, proof.since(mark)

    def _inlined(self, result: Expr | None) -> Expr | None:
        """Every named gradient ∂L/∂Z in the result replaced by its own inlined form."""
        if result is None:
            return None
        replacements = {}
        for node in sympy.preorder_traversal(result):
            if isinstance(node, View) and isinstance(node.base, UPSTREAMS) and \
                    node.base.name not in self.d.upstreams:
                return None  # a view of ∂L/∂Z reads it as an array: no value to put in
            target = node.of if isinstance(node, ScalarGrad) else \
                node.name if isinstance(node, UPSTREAMS) else None
            if target is None or target in self.d.upstreams:
                continue
            known = self.memo.get(target)
            if known is None or known.inlined is None:
                return None
            replacements[node] = known.inlined
        return tidy(put_in(result, replacements)) if replacements else result

    def _gradient(self, result, index_form, why: str | None = None,
                  form: dict | None = None) -> Gradient:
        inlined, steps = self._inlined(result), []
        if self.compact and inlined is not None and inlined != result:
            compact = self._entrywise(index_form)
            if compact is not None and size(compact[0]) < size(inlined):
                inlined, steps = compact
        return Gradient(self.name, self.shape, self.lhs, self._matrix_lhs(result),
                        self.proof.steps, result, index_form, why,
                        [s.target for s in self.consumers], inlined, inline_steps=steps,
                        axes=self.wrt_idx, declared=self.declared, form=form)

    def _matrix_lhs(self, result: Expr | None) -> Expr:
        """∂L/∂X, or ∂L/∂X_β for a stack whose matrix form holds slice by slice."""
        symbol = self.d.names.symbols[self.name]
        labels = stack_labels(result) if getattr(result, "is_Matrix", False) else ()
        if labels and isinstance(symbol, TensorSymbol):
            return Partial(self.matrix_lhs.expr, Slice(symbol, labels))
        return self.matrix_lhs

    def _entrywise(self, index_form: Expr) -> tuple[Expr, list] | None:
        """The inlined form found entry by entry: each named gradient's matrix form put in
        at the index level, the deltas collapsed and like terms collected — with the facts
        of the definitions (a centred name sums to 0) — then recognised. Batch norm's staged
        backward pass becomes its compact textbook form this way. None if a named gradient
        has no matrix form, or the expression grows past ENTRYWISE_SIZE."""
        d = self.d
        proof = Proof(self.lhs, self.wrt_idx)
        proof.record(index_form, "named_result")
        expr, collapsed = index_form, None
        for _ in range(len(d.program.statements)):
            named = {}
            for node in sympy.preorder_traversal(expr):
                target = node.of if isinstance(node, ScalarGrad) else \
                    node.name if isinstance(node, UPSTREAMS) else None
                if target is not None and target not in d.upstreams:
                    named[target] = node
            if not named:
                break
            replacements = {}
            for target, upstream in named.items():
                known = self.memo.get(target)
                if known is None or known.result is None:
                    return None
                value = fitted(known.result, upstream)
                if isinstance(upstream, ScalarGrad):
                    replacements[upstream] = value
                    continue
                for element in expr.atoms(Element):
                    if element.matrix == upstream:
                        replacements[element] = entry_in_place(value, element, self.supply)
            expr = expr.xreplace(replacements)
            proof.record(expr, "substitute", names=sorted(named), loss=d.loss)
            collapsed = collapse_all(expr, proof, self.unit, d.shapes.assumptions,
                                     self.centred)
            expr = sympy.Add(*[t.expr() for t in collapsed.terms])
            if size(expr) > ENTRYWISE_SIZE:
                return None
        if collapsed is None or not collapsed.terms:
            return None
        try:
            recognised = recognise_under(d.shapes.assumptions, collapsed.terms, self.wrt_idx,
                                         self.dims, proof)
        except NoMatrixForm:
            return None
        return recognised.result, proof.steps

    def _zero(self, zero: bool = True) -> Gradient:
        symbol = self.d.names.symbols[self.name]
        value = sympy.ZeroMatrix(*symbol.shape[-2:]) if isinstance(  # a stack: every slice
            symbol, (sympy.MatrixExpr, TensorSymbol)) else Integer(0)
        return Gradient(self.name, self.shape, self.lhs, self.matrix_lhs, self.proof.steps,
                        value, Integer(0), None, [s.target for s in self.consumers], value,
                        zero=zero, axes=self.wrt_idx)
