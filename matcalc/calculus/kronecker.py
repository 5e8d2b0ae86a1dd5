"""Recognise: an index form with four free indices (a Jacobian of a matrix by a matrix, a
Hessian by a matrix; three with a vector) read as a matrix in the vec convention
(``index.vec``), from the Kronecker products its terms are entries of.

With rows (r₁, r₂) and columns (c₁, c₂) — ∂vec(Y)/∂vec(X)ᵀ has y_kl's position (k,l) as its
row and x_ij's (i,j) as its column — a term that is a product of a factor of (r₁, c₁) and a
factor of (r₂, c₂) is an entry of a Kronecker product; one of (r₁, c₂) and (r₂, c₁), of a
commutation matrix times one; one of (r₁, r₂) and (c₁, c₂), of an outer product of vecs.
When vec stacks the columns (Magnus–Neudecker):

    (P ⊗ Q)_{(r₁,r₂),(c₁,c₂)}      = q_{r₁c₁} p_{r₂c₂}      Y = A X B:  a_ki b_jl ↦ Bᵀ ⊗ A
    (K (A ⊗ B))_{(r₁,r₂),(c₁,c₂)}  = a_{r₁c₂} b_{r₂c₁}      log det X:  ↦ −K (X⁻ᵀ ⊗ X⁻¹)
    (vec(A) vec(B)ᵀ)_{(r₁,r₂),(c₁,c₂)} = a_{r₁r₂} b_{c₁c₂}

and when it stacks the rows, (P ⊗ Q)_{(r₁,r₂),(c₁,c₂)} = p_{r₁c₁} q_{r₂c₂}. Each factor is
read in matrix form by the recogniser of two free indices (δ_ik ↦ I, x_i x_k ↦ x xᵀ,
δ_jl p_j ↦ diag(p)); then Kronecker products with a side in common are added on the
other side: I ⊗ A + I ⊗ Aᵀ = I ⊗ (A + Aᵀ).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy
from sympy import Expr, Integer, KroneckerProduct, MatAdd, MatMul, S

from ..errors import NoMatrixForm
from ..index.symbols import BatchSum, Element, Index, entry_letter, indices_of
from ..index.vec import Commutation, Duplication, Rows, Vec, VecIndex, scaled_commutation
from .collapse import Term
from .proof import Proof
from .recognise import OUTER_LABELS, recognise_under

# the pairings of the four indices a term may factor along, in the order tried
PAIRINGS = {
    "kronecker": ((0, 2), (1, 3)),    # (r₁, c₁) and (r₂, c₂)
    "commutation": ((0, 3), (1, 2)),  # (r₁, c₂) and (r₂, c₁)
    "outer": ((0, 1), (2, 3)),        # (r₁, r₂) and (c₁, c₂)
}


@dataclass
class Layout:
    """Rows (r₁, r₂) and columns (c₁, c₂) of the vec matrix, a missing index 0 (a vector's
    second, of size 1); their sizes; what vec stacks."""

    rows: tuple[Expr, Expr]
    cols: tuple[Expr, Expr]
    dims: dict
    order: str = "columns"
    names: frozenset = frozenset()  # the program's names (x_p's letter must not be one)

    @property
    def indices(self) -> tuple[Expr, Expr, Expr, Expr]:
        return (*self.rows, *self.cols)

    def shape(self) -> tuple[Expr, Expr]:
        """The vec matrix's rows and columns."""
        return (self.size(self.rows[0]) * self.size(self.rows[1]),
                self.size(self.cols[0]) * self.size(self.cols[1]))

    def size(self, index: Expr) -> Expr:
        return self.dims.get(index, Integer(1)) if isinstance(index, Index) else Integer(1)

    def position(self, pair: tuple[Expr, Expr]) -> Expr:
        """The vec position of entry (a, b): (a,b), or a alone for a vector's (its other
        index is 0, of size 1)."""
        if not isinstance(pair[1], Index):
            return pair[0]
        if not isinstance(pair[0], Index):
            return pair[1]
        return VecIndex(*pair, self.size(pair[0]), self.size(pair[1]), self.order)

    def entry(self, matrix: Expr) -> Expr:
        """matrix_{(r₁,r₂),(c₁,c₂)} as an index expression."""
        return Element(matrix, self.position(self.rows), self.position(self.cols))


def vec_form(terms: list[Term], layout: Layout, assumptions: dict[str, str],
             proof: Proof) -> Expr:
    """The matrix (in the layout's vec convention) whose entry is the index form Σ terms;
    the steps are recorded in ``proof``. Raises NoMatrixForm where a term does not factor
    into two matrices (Σ_n x_ni x_nk s_nj δ_jl: the sum ties the two sides)."""
    layout, pieces = _best(terms, layout, assumptions)
    kinds = list(dict.fromkeys(kind for kind, _, _ in pieces))
    params = {"order": [layout.order], "kinds": kinds, "letters": _letters(layout.names),
              "rows": [str(i) if isinstance(i, Index) else "1" for i in layout.rows],
              "cols": [str(i) if isinstance(i, Index) else "1" for i in layout.cols]}
    batches = [m for _, _, m in pieces if isinstance(m, BatchSum)]
    if batches:  # Σ_p …: x_p is row p of X
        rows = sorted({r.name for b in batches for r in b.atoms(Rows)})
        params["rows_of"] = rows
        params["row_letters"] = [entry_letter(r, layout.names) for r in rows]
        params["label"] = [str(batches[0].limits[0][0])]
    proof.record(sympy.Add(*[c * layout.entry(m) for _, c, m in pieces]), "kronecker",
                 **params)
    merges: list[str] = []
    parts = _merged([(c, m) for _, c, m in pieces], merges)
    result = _total(parts)
    if len(parts) < len(pieces):
        proof.record(layout.entry(result), "factor_kronecker",
                     merges=list(dict.fromkeys(merges)), letters=_letters(layout.names))
    return result


# the letters of the rules the steps state ((P ⊗ Q)_… = p q), none a name of the program
LETTERS = (("P", "Q", "R"), ("U", "V", "W"), ("F", "G", "H"), ("L", "M", "N"))


def _letters(names: frozenset) -> list[str]:
    taken = {n.upper() for n in names}
    return list(next((t for t in LETTERS if not taken & set(t)), LETTERS[0]))


def _best(terms: list[Term], layout: Layout, assumptions: dict[str, str]
          ) -> tuple[Layout, list[tuple[str, Expr, Expr]]]:
    """The pieces of every term, with a vector's one index placed first or second in its
    pair — b_k is entry (k, 1) of b as a column and (1, k) of bᵀ, the same vec position —
    whichever reads more terms as plain Kronecker products (x_i s_j δ_jk: diag(s) ⊗ x)."""
    best, failure = None, None
    for candidate in _paddings(layout):
        try:
            pieces = [_piece(term, candidate, assumptions) for term in terms]
        except NoMatrixForm as why:
            failure = failure or why
            continue
        score = sum(kind == "kronecker" for kind, _, _ in pieces)
        if best is None or score > best[0]:
            best = (score, candidate, pieces)
    if best is None:
        raise failure
    return best[1], best[2]


def _paddings(layout: Layout) -> list[Layout]:
    """The layout, and each side with one index padded in front rather than behind."""
    def sides(pair):
        return [pair, pair[::-1]] if not isinstance(pair[1], Index) else [pair]
    return [Layout(rows, cols, layout.dims, layout.order, layout.names)
            for rows in sides(layout.rows) for cols in sides(layout.cols)]


def _piece(term: Term, layout: Layout, assumptions: dict[str, str]) -> tuple[str, Expr, Expr]:
    """(pairing, scalar, matrix) for one term: coefficient · matrix_{(r₁,r₂),(c₁,c₂)}."""
    free = [i for i in layout.indices if isinstance(i, Index)]
    term = _counted(term)
    components = _components(term)
    for kind, sides in PAIRINGS.items():
        groups = [{layout.indices[n] for n in side} for side in sides]
        placed: list[list[int]] = [[], [], []]  # side 0, side 1, scalar
        for n, (factors, _) in enumerate(components):
            used = set().union(*map(indices_of, factors)) & set(free)
            where = 2 if not used else next((s for s, g in enumerate(groups) if used <= g), None)
            if where is None:
                break
            placed[where].append(n)
        else:
            matrices = [_side(term, components, placed[s], [layout.indices[n] for n in sides[s]],
                              layout, assumptions) for s in (0, 1)]
            scalar = term.coeff * _scalar(term, components, placed[2], assumptions)
            return kind, scalar, _product(kind, *matrices, layout)
    for limit in term.sums:
        batched = _batched(term, limit, layout, assumptions)
        if batched is not None:
            return batched
    raise NoMatrixForm("a term does not factor into a Kronecker product "
                       "(a sum ties its two sides)")


def _batched(term: Term, limit: tuple, layout: Layout, assumptions: dict[str, str]
             ) -> tuple[str, Expr, Expr] | None:
    """Σ_p of Kronecker products, where only the sum over p (a batch's examples) ties the
    two sides: x_pi x_pk s_pj δ_jl ↦ Σ_p diag(s_p) ⊗ x_p x_pᵀ, x_p being row p of X (a
    column). Each side is read over the stack of rows (``Rows``) with p as its label."""
    p = limit[0]
    rows = _rows_read(term, p)
    if rows is None:
        return None
    inner = Term(term.coeff, rows, tuple(s for s in term.sums if s[0] != p))
    components = _components(inner)
    free = [i for i in layout.indices if isinstance(i, Index)]
    for kind, sides in PAIRINGS.items():
        if kind == "outer":
            continue
        groups = [{layout.indices[n] for n in side} for side in sides]
        placed: list[list[int]] = [[], []]
        for n, (factors, _) in enumerate(components):
            used = set().union(*map(indices_of, factors)) & set(free)
            where = 0 if not used else next((s for s, g in enumerate(groups) if used <= g),
                                            None)
            if where is None:
                break
            placed[where].append(n)
        else:
            try:
                matrices = [_side(inner, components, placed[s],
                                  [layout.indices[n] for n in sides[s]], layout, assumptions,
                                  label=p) for s in (0, 1)]
            except NoMatrixForm:
                return None
            product = _product(kind, *matrices, layout)
            return kind, inner.coeff, BatchSum(product, limit)
    return None


def _rows_read(term: Term, p: Index) -> tuple[Expr, ...] | None:
    """The term's factors with every entry x_pa of a matrix read at p in its first index
    made the entry a of x_p (``Rows``); None where p is read any other way."""
    swaps = {}
    for factor in term.factors:
        for e in factor.atoms(Element):
            if p not in e.indices:
                continue
            if not isinstance(e.matrix, sympy.MatrixSymbol) or e.indices[0] != p or \
                    p in e.indices[1:] or e.matrix.shape[1] == 1:
                return None
            rows = Rows(e.matrix.name, (*e.matrix.shape, Integer(1)))
            swaps[e] = Element(rows, p, e.indices[1], Integer(0))
    if not swaps:
        return None
    return tuple(f.xreplace(swaps) for f in term.factors)


def _counted(term: Term) -> Term:
    """The term with each sum over an index no factor reads taken as its count:
    Σ_p c = (high − low + 1) c."""
    read = set().union(*map(indices_of, term.factors)) if term.factors else set()
    idle = [s for s in term.sums if s[0] not in read]
    if not idle:
        return term
    count = sympy.Mul(*[high - low + 1 for _, low, high in idle])
    return Term(term.coeff * count, term.factors, tuple(s for s in term.sums if s not in idle))


def _components(term: Term) -> list[tuple[list[Expr], list[tuple]]]:
    """The term's factors in groups joined by the sums they share, each with its sums."""
    summed = {limit[0]: limit for limit in term.sums}
    groups: list[tuple[list[Expr], set]] = []
    for factor in term.factors:
        bound = indices_of(factor) & set(summed)
        joined = [g for g in groups if g[1] & bound]
        merged = ([factor], set(bound))
        for g in joined:
            merged[0][:0] = g[0]
            merged[1].update(g[1])
            groups.remove(g)
        groups.append(merged)
    return [(factors, [summed[i] for i in summed if i in bound]) for factors, bound in groups]


def _side(term: Term, components, chosen: list[int], pair: list[Expr], layout: Layout,
          assumptions: dict[str, str], label: Index | None = None) -> Expr:
    """The matrix of shape (size of pair[0], size of pair[1]) whose (a, b) entry is the
    product of the chosen components (one per slice at ``label``, if given)."""
    rows, cols = (layout.size(i) for i in pair)
    if not chosen:
        return sympy.OneMatrix(rows, cols) if (rows, cols) != (1, 1) else sympy.Identity(1)
    factors = [f for n in chosen for f in components[n][0]]
    sums = tuple(s for n in chosen for s in components[n][1])
    free = tuple(i for i in pair if isinstance(i, Index))
    if label is not None:
        free = (label, *free)
    token = OUTER_LABELS.set(label is not None)
    try:
        recognised = recognise_under(assumptions, [Term(S.One, tuple(factors), sums)], free,
                                     layout.dims, Proof(None, free)).result
    finally:
        OUTER_LABELS.reset(token)
    if not getattr(recognised, "is_Matrix", False):  # the same number at every entry
        return _scaled(recognised, sympy.OneMatrix(rows, cols) if (rows, cols) != (1, 1)
                       else sympy.Identity(1))
    if recognised.shape != (rows, cols):
        recognised = recognised.T
    if recognised.shape != (rows, cols):
        raise NoMatrixForm(f"a factor of shape {recognised.shape} where ({rows}, {cols}) is "
                           "wanted")
    return recognised


def _scalar(term: Term, components, chosen: list[int], assumptions: dict[str, str]) -> Expr:
    """The product of the components with no free index (a trace, a sum), in matrix form."""
    if not chosen:
        return S.One
    factors = [f for n in chosen for f in components[n][0]]
    sums = tuple(s for n in chosen for s in components[n][1])
    if not sums:
        return sympy.Mul(*factors)
    return recognise_under(assumptions, [Term(S.One, tuple(factors), sums)], (), {},
                           Proof(None, ())).result


def _product(kind: str, first: Expr, second: Expr, layout: Layout) -> Expr:
    """The matrix whose entry is first_{ab} second_{cd} in the pairing ``kind``."""
    if kind == "outer":
        return _matmul(Vec(first, layout.order), sympy.Transpose(Vec(second, layout.order)))
    if kind == "kronecker":  # first: (r₁, c₁), second: (r₂, c₂)
        return _kron(second, first) if layout.order == "columns" else _kron(first, second)
    # commutation: first (r₁, c₂), second (r₂, c₁); K_ab with a or b 1 is the identity
    r1, r2 = (layout.size(i) for i in layout.rows)
    kron = _kron(first, second) if layout.order == "columns" else _kron(second, first)
    if r1 == 1 or r2 == 1:
        return kron
    return _matmul(Commutation(r2, r1, layout.order), kron)


def _kron(a: Expr, b: Expr) -> Expr:
    """a ⊗ b, where a 1×1 side is a scalar factor (xᵀ ⊗ 1 = xᵀ)."""
    if a.shape == (1, 1):
        return _scaled(_number(a), b)
    if b.shape == (1, 1):
        return _scaled(_number(b), a)
    return KroneckerProduct(a, b)


def _number(m: Expr) -> Expr:
    """The one entry of a 1×1 matrix, as a scalar."""
    if isinstance(m, (sympy.Identity, sympy.OneMatrix)):
        return S.One
    if isinstance(m, MatMul) and len(m.args) == 2 and not m.args[0].is_Matrix and \
            isinstance(m.args[1], (sympy.Identity, sympy.OneMatrix)):
        return m.args[0]
    return Element(m, 0, 0)


def _matmul(*args: Expr) -> Expr:
    args = [a for a in args if not isinstance(a, sympy.Identity)] or [args[0]]
    return args[0] if len(args) == 1 else MatMul(*args)


def _merged(parts: list[tuple[Expr, Expr]], merges: list[str]) -> list[tuple[Expr, Expr]]:
    """Kronecker products with a side in common, added on the other side:
    c P ⊗ Q + d P ⊗ R = P ⊗ (c Q + d R), and alike behind one commutation matrix; the
    rules used are appended to ``merges`` ("left", "right", "commutation", "batch")."""
    parts = list(parts)
    merged = True
    while merged:
        merged = False
        for a in range(len(parts)):
            for b in range(a + 1, len(parts)):
                joined = _join(parts[a], parts[b], merges)
                if joined is not None:
                    parts[a] = joined
                    del parts[b]
                    merged = True
                    break
            if merged:
                break
    return parts


def _join(one: tuple[Expr, Expr], two: tuple[Expr, Expr], merges: list[str]
          ) -> tuple[Expr, Expr] | None:
    (c, m), (d, n) = one, two
    if m == n:  # c M + d M = (c + d) M
        merges.append("like")
        return c + d, m
    if isinstance(m, BatchSum) or isinstance(n, BatchSum):  # Σ_p P_p ⊗ Q_p + Σ_p R_p ⊗ Q_p
        if not (isinstance(m, BatchSum) and isinstance(n, BatchSum)) or m.limits != n.limits:
            return None
        joined = _join((c, m.matrix), (d, n.matrix), merges)
        if joined is None:
            return None
        merges.append("batch")
        return joined[0], BatchSum(joined[1], *m.limits)
    front = S.One
    if isinstance(m, MatMul) and isinstance(n, MatMul) and m.args[0] == n.args[0] and \
            isinstance(m.args[0], Commutation) and len(m.args) == len(n.args) == 2:
        front, m, n = m.args[0], m.args[1], n.args[1]
    if not (isinstance(m, KroneckerProduct) and isinstance(n, KroneckerProduct)) or \
            len(m.args) != 2 or len(n.args) != 2:
        return None
    if m.args[0] == n.args[0]:
        joined = KroneckerProduct(m.args[0], _sum(c, m.args[1], d, n.args[1]))
        merges.append("left")
    elif m.args[1] == n.args[1]:
        joined = KroneckerProduct(_sum(c, m.args[0], d, n.args[0]), m.args[1])
        merges.append("right")
    elif front != S.One:  # K (P ⊗ Q) + K (R ⊗ T) = K (P ⊗ Q + R ⊗ T)
        joined = _sum(c, m, d, n)
        merges.append("commutation")
    else:
        return None
    return S.One, (joined if front == S.One else MatMul(front, joined))


def _sum(c: Expr, a: Expr, d: Expr, b: Expr) -> Expr:
    """c a + d b, one flat sum."""
    parts = []
    for part in (_scaled(c, a), _scaled(d, b)):
        parts.extend(part.args if isinstance(part, MatAdd) else [part])
    return MatAdd(*parts)


def _scaled(c: Expr, m: Expr) -> Expr:
    if c == 1:
        return m
    return MatMul(c, *m.args) if isinstance(m, MatMul) else MatMul(c, m)


def _total(parts: list[tuple[Expr, Expr]]) -> Expr:
    shown = [_scaled(c, m) for c, m in parts if c != 0]
    if not shown:
        raise NoMatrixForm("the terms cancel")
    return shown[0] if len(shown) == 1 else MatAdd(*shown)


def in_vech(h: Expr, duplication: Duplication) -> Expr:
    """D_nᵀ H D_n, the Hessian H by vec(S) of a symmetric S taken in vech(S), with
    D_nᵀ K_nn = D_nᵀ (K_nn D_n = D_n: a symmetric matrix is its own transpose) and a number
    in front: −D_nᵀ (S⁻¹ ⊗ S⁻¹) D_n for H = −K_nn (S⁻¹ ⊗ S⁻¹)."""
    if isinstance(h, sympy.ZeroMatrix):
        return sympy.ZeroMatrix(duplication.shape[1], duplication.shape[1])
    terms = [scaled_commutation(t) for t in (h.args if isinstance(h, MatAdd) else (h,))]
    scalar = terms[0][0] if len(terms) == 1 else S.One
    inner = terms[0][2] if len(terms) == 1 else MatAdd(*[_scaled(c, m) for c, _, m in terms])
    core = MatMul(sympy.Transpose(duplication), inner, duplication)
    return core if scalar == 1 else MatMul(scalar, *core.args)
