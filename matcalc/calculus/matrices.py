"""Matrix expressions built without sympy's ``doit()``: transposes pushed inward, flat
products with their numbers in front, Hadamard products; a name declared symmetric or spd
is its own transpose (and the step that uses that says so). ``entry_of`` goes the other
way: the element form of an entry of a matrix expression.
"""

from __future__ import annotations

from contextvars import ContextVar
from functools import lru_cache

import sympy
from sympy import (
    Expr,
    HadamardPower,
    HadamardProduct,
    Identity,
    MatAdd,
    MatMul,
    Mul,
    OneMatrix,
    Rational,
    S,
    Sum,
    Transpose,
    igcd,
    ilcm,
)

from .. import ops
from ..errors import NoMatrixForm
from ..index.symbols import (
    UPSTREAMS,
    Apply,
    BatchSum,
    Broadcast,
    Element,
    IndexSum,
    Pick,
    Slice,
    free_symbols,
)

SYMMETRIC: ContextVar[frozenset] = ContextVar("symmetric", default=frozenset())
USED: ContextVar[set | None] = ContextVar("used", default=None)


def transpose(m: Expr) -> Expr:
    """Mᵀ, pushed inward: (AB)ᵀ = BᵀAᵀ, (A ∘ B)ᵀ = Aᵀ ∘ Bᵀ, (Aᵀ)ᵀ = A; Aᵀ = A for a name
    declared symmetric or spd (the step that uses it says so)."""
    if isinstance(m, Transpose):
        return m.arg
    if isinstance(m, sympy.MatrixSymbol) and m.name in SYMMETRIC.get():
        used = USED.get()
        if used is not None:
            used.add(m.name)
        return m
    if isinstance(m, sympy.Inverse) and isinstance(m.arg, sympy.MatrixSymbol) and \
            m.arg.name in SYMMETRIC.get():
        used = USED.get()  # (Σ⁻¹)ᵀ = Σ⁻¹ because Σ is: the step says so
        if used is not None:
            used.add(m.arg.name)
        return m
    if isinstance(m, MatMul):
        scalars = [a for a in m.args if not a.is_Matrix]
        mats = [transpose(a) for a in reversed(m.args) if a.is_Matrix]
        return matmul(*scalars, *mats)
    if isinstance(m, HadamardProduct):
        return HadamardProduct(*[transpose(a) for a in m.args])
    if isinstance(m, MatAdd) and len(m.args) > 1:
        return MatAdd(*[transpose(a) for a in m.args])
    if isinstance(m, HadamardPower):
        return HadamardPower(transpose(m.base), m.exp)
    if isinstance(m, OneMatrix):
        return OneMatrix(m.shape[1], m.shape[0])
    if isinstance(m, Identity):
        return m
    if isinstance(m, Apply) and ops.get(m.name).transposes:
        return Apply(m.name, transpose(m.arg))
    return Transpose(m)


def matmul(*args: Expr) -> Expr:
    """A product with nested products flattened and scalars in front."""
    scalars: list[Expr] = []
    mats: list[Expr] = []
    for a in args:
        parts = a.args if isinstance(a, MatMul) else (a,)
        for part in parts:
            (mats if part.is_Matrix else scalars).append(part)
    coeff = Mul(*scalars)
    if coeff == 1:
        return mats[0] if len(mats) == 1 else MatMul(*mats)
    return MatMul(coeff, *mats)


@lru_cache(maxsize=4096)
def tidy(m: Expr) -> Expr:
    """Products inside products flattened, their numbers multiplied: after a substitution,
    2 (2 (2 G)) is 8 G (sympy's MatMul.shape is exponential in the nesting)."""
    if not m.args or not isinstance(m, sympy.MatrixExpr) or isinstance(m, sympy.MatrixSymbol):
        return m
    args = [tidy(a) if isinstance(a, sympy.MatrixExpr) else a for a in m.args]
    if isinstance(m, MatMul):
        return matmul(*args)
    if isinstance(m, MatAdd):
        return add_like(args)
    return m.func(*args)


def add_like(terms) -> Expr:
    """A sum with like terms (the same but for a number) combined, in the order they first
    appear: ∂L/∂D + ∂L/∂D is 2 ∂L/∂D (issue 21: ``B = A; C = A; D = B + C``), and G − G
    drops out (a sum left empty is a zero matrix of its shape)."""
    coeffs: dict = {}
    for term in terms:
        numbers = [a for a in term.args if a.is_number] if isinstance(term, MatMul) else []
        rest = matmul(*[a for a in term.args if not a.is_number]) if numbers else term
        number = Mul(*numbers) if numbers else S.One
        coeffs[rest] = coeffs.get(rest, S.Zero) + number
    kept = [matmul(c, rest) for rest, c in coeffs.items() if c != 0]
    if not kept:
        first = next(iter(coeffs))
        return sympy.ZeroMatrix(*first.shape)
    return kept[0] if len(kept) == 1 else MatAdd(*kept)


def hadamard(a: Expr, b: Expr) -> Expr:
    parts = [*(a.args if isinstance(a, HadamardProduct) else (a,)),
             *(b.args if isinstance(b, HadamardProduct) else (b,))]
    return HadamardProduct(*parts)


def scale(coeff: Expr, m: Expr) -> Expr:
    """coeff · M, with a number that M's terms share moved out: (1/2)(2x − 2a) = x − a."""
    if isinstance(m, MatAdd) and len(m.args) > 1:
        numbers = [a.args[0] if isinstance(a, MatMul) and a.args[0].is_Rational else S.One
                   for a in m.args]
        common = Rational(igcd(*[abs(n.p) for n in numbers]), ilcm(*[n.q for n in numbers]))
        if common != 1 and common != 0:
            m = MatAdd(*[matmul(1 / common, a) for a in m.args])
            coeff = coeff * common
    if coeff == 1:
        return m
    return matmul(coeff, m)


def entry_of(m: Expr, row: Expr, col: Expr, supply) -> Expr:
    """The entry (row, col) of a matrix expression, as an element form:
    (A B)_ij = Σ_p a_ip b_pj,  (A ∘ B)_ij = a_ij b_ij,  (Aᵀ)_ij = a_ji,  (𝟏𝟏ᵀ)_ij = 1."""
    rows, cols = m.shape
    row = sympy.Integer(0) if rows == 1 else row
    col = sympy.Integer(0) if cols == 1 else col
    if isinstance(m, sympy.MatrixSymbol):
        return Element(m, row, col)
    if isinstance(m, Slice):  # (T_β)_ij = t_{β,i,j}
        return Element(m.tensor, *m.labels, row, col)
    if isinstance(m, BatchSum):  # (Σ_β M_β)_ij = Σ_β (M_β)_ij
        return IndexSum(entry_of(m.matrix, row, col, supply), *m.limits)
    if isinstance(m, Transpose):
        return entry_of(m.arg, col, row, supply)
    if isinstance(m, MatAdd):
        return sympy.Add(*[entry_of(a, row, col, supply) for a in m.args])
    if isinstance(m, HadamardProduct):
        return Mul(*[entry_of(a, row, col, supply) for a in m.args])
    if isinstance(m, HadamardPower):
        return entry_of(m.base, row, col, supply) ** m.exp
    if isinstance(m, OneMatrix):
        return S.One
    if isinstance(m, sympy.ZeroMatrix):
        return S.Zero
    if isinstance(m, Identity):
        return sympy.KroneckerDelta(row, col)
    if isinstance(m, MatMul):
        scalars = [a for a in m.args if not a.is_Matrix]
        mats = [a for a in m.args if a.is_Matrix]
        indices = [row]
        limits = []
        for left in mats[:-1]:
            inner = left.shape[1]
            if inner == 1:
                indices.append(sympy.Integer(0))
            else:
                p = supply.fresh()
                indices.append(p)
                limits.append((p, sympy.Integer(0), inner - 1))
        indices.append(col)
        body = Mul(*scalars, *[entry_of(a, indices[t], indices[t + 1], supply)
                               for t, a in enumerate(mats)])
        return IndexSum(body, *limits) if limits else body
    if isinstance(m, sympy.Inverse):  # (M⁻¹)_rc: differentiated by its own lemma
        return Element(m, row, col)
    if isinstance(m, sympy.DiagonalOf):  # diag(M)_r = m_rr
        return entry_of(m.arg, row, row, supply)
    if isinstance(m, Broadcast):  # (c 𝟏ᵀ)_rc = c_r
        return entry_of(m.column, row, sympy.Integer(0), supply)
    if isinstance(m, Apply) and ops.get(m.name).entry is not None:  # a row-wise f(M)_rc
        return ops.get(m.name).entry(m, row, col, supply, entry_of)
    if isinstance(m, Apply) and ops.get(m.name).elementwise:
        return ops.get(m.name).function(entry_of(m.arg, row, col, supply))
    if isinstance(m, sympy.MatrixBase):  # written out: (e_0, e_1, …)_r picks entry r
        return _pick(row, [_pick(col, list(m.row(r))) for r in range(m.rows)])
    raise NoMatrixForm(f"no element form for {type(m).__name__}")


def _pick(at: Expr, items: list) -> Expr:
    """Entry ``at`` of a list written out: the item itself for a list of one."""
    return items[0] if len(items) == 1 else Pick(at, *items)


# ---------------------------------------------------------------- read by the printers

def diagonal_of(e: Expr) -> Expr | None:
    """v for I ∘ (v 𝟏ᵀ), the matrix diag(v) (how a diagonal matrix of a vector is built),
    else None."""
    if not isinstance(e, sympy.HadamardProduct) or len(e.args) != 2:
        return None
    eye = [a for a in e.args if isinstance(a, sympy.Identity)]
    spread = [a for a in e.args if isinstance(a, sympy.MatMul) and len(a.args) == 2
              and isinstance(a.args[1], sympy.OneMatrix) and a.args[0].is_Matrix
              and a.args[0].shape[1] == 1]
    if eye and spread:
        return spread[0].args[0]
    # I ∘ (𝟏 vᵀ) is diag(v) too (the transpose of I ∘ (v 𝟏ᵀ))
    rows = [a for a in e.args if isinstance(a, sympy.MatMul) and len(a.args) == 2
            and isinstance(a.args[0], sympy.OneMatrix) and a.args[1].is_Matrix
            and a.args[1].shape[0] == 1]
    return transpose(rows[0].args[1]) if eye and rows else None


def is_negative(term: Expr) -> bool:
    """A term printed with a minus sign: −2 a, −(A B). Cheap, unlike sympy's
    could_extract_minus_sign, which negates (and re-simplifies) matrix products."""
    if term.is_number:
        return bool(term < 0)
    if isinstance(term, Sum):  # Σ_l (−g_il p_il) is written − Σ_l g_il p_il
        return is_negative(term.function)
    if isinstance(term, (sympy.Mul, sympy.MatMul)) and term.args:
        first = term.args[0]
        if isinstance(term, sympy.MatMul) and isinstance(first, sympy.Mul):
            first = first.args[0]  # −(a/b) M: the scalar's own sign
        return bool(first.is_number and first < 0)
    return False


def negated(term: Expr) -> Expr:
    """−term without sympy's doit() (which would turn A A into A²)."""
    if term.is_number:
        return -term
    if isinstance(term, Sum):
        return IndexSum(negated(term.function), *term.limits)
    if isinstance(term, (sympy.Mul, sympy.MatMul)) and (
            term.args[0].is_number or isinstance(term.args[0], sympy.Mul)):
        coeff, rest = -term.args[0], term.args[1:]
        if coeff == 1:
            return rest[0] if len(rest) == 1 else term.func(*rest)
        return term.func(coeff, *rest)
    return -term


def hadamard_order(args, order: dict[str, int]) -> list:
    """∂L/∂B ∘ B ∘ (1 − B): upstream first, plain names before compound factors."""
    def source_rank(expr: Expr) -> int:
        names = [s.name for s in free_symbols(expr) if hasattr(s, "name")]
        return min((order.get(n, 99) for n in names), default=99)
    return sorted(args, key=lambda a: (not isinstance(a, UPSTREAMS),
                                       not isinstance(a, sympy.MatrixSymbol),
                                       isinstance(a, sympy.MatAdd), source_rank(a)))
