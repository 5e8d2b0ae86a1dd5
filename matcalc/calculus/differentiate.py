"""The chain rule over indices, and differentiation of element forms to Kronecker deltas.

    ∂L/∂a_ij = Σ_k Σ_l ∂L/∂c_kl · ∂c_kl/∂a_ij                          (chain rule)
    ∂a_kp/∂a_ij = δ_ki δ_pj                                             (entries)
    ∂(f g)/∂x = f′ g + f g′,  ∂f(u)/∂x = f′(u) ∂u/∂x,  ∂Σ_p e/∂x = Σ_p ∂e/∂x

``differentiate`` has one rule per sympy node type; an unknown type is an error, never a
silent zero.
"""

from __future__ import annotations

from functools import singledispatch

import sympy
from sympy import Add, Expr, KroneckerDelta, Mul, Number, Pow, S, Sum, Symbol

from .. import ops
from ..errors import UnsupportedError
from ..index.symbols import Element, Index, IndexSum, Partial, Pick, UnusedSupply, unused_index
from ..ops.maps import Jacobian, MapDerivative
from .matrices import entry_of


def push_partial(expr: Expr, wrt: Expr) -> Expr:
    """∂(Σ_p e)/∂x → Σ_p ∂e/∂x: move the derivative inside sums, as the seed proofs do."""
    if isinstance(expr, Sum):
        return IndexSum(push_partial(expr.function, wrt), *expr.limits)
    return Partial(expr, wrt)


def outside(expr: Expr, wrt: Expr) -> Expr:
    """∂(−Σ_k Σ_l e)/∂x → −∂(Σ_k Σ_l e)/∂x: a number in front stays in front."""
    coeff, rest = expr.as_coeff_Mul()
    return coeff * Partial(rest, wrt) if coeff != 1 else Partial(expr, wrt)


def move_inside(expr: Expr) -> tuple[Expr, bool]:
    """Linearity, as seed 001 eq. 30 takes its derivative inside the sums:
    ∂(Σ_k Σ_l y_kl log b_kl)/∂b_ij → Σ_k Σ_l y_kl ∂(log b_kl)/∂b_ij — factors that do
    not depend on x leave the derivative. Also says whether a factor left."""
    pulled: list[Expr] = []
    return replace_partials(expr, lambda p: _inside(p.expr, p.var, pulled)), bool(pulled)


def _inside(expr: Expr, wrt: Expr, pulled: list) -> Expr:
    if isinstance(expr, Sum):
        return IndexSum(_inside(expr.function, wrt, pulled), *expr.limits)
    if isinstance(expr, Mul):
        matrix = getattr(wrt, "matrix", wrt)
        constant = [f for f in expr.args if not f.has(matrix)]
        if constant and len(constant) < len(expr.args):
            pulled.extend(constant)
            rest = Mul(*[f for f in expr.args if f.has(matrix)])
            return Mul(*constant) * _inside(rest, wrt, pulled)
    return Partial(expr, wrt)


def replace_partials(expr: Expr, rule) -> Expr:
    """Replace every ``Partial`` node by ``rule(partial)``."""
    found = {p: rule(p) for p in expr.atoms(Partial)}
    return expr.xreplace(found) if found else expr


@singledispatch
def differentiate(expr: Expr, wrt: Expr) -> Expr:
    raise UnsupportedError(f"cannot differentiate {type(expr).__name__} ({expr})")


@differentiate.register
def _d_number(expr: Number, wrt: Expr) -> Expr:
    return S.Zero


@differentiate.register
def _d_constant(expr: sympy.NumberSymbol, wrt: Expr) -> Expr:
    """e (exp(1)), π: constants."""
    return S.Zero


@differentiate.register
def _d_symbol(expr: Symbol, wrt: Expr) -> Expr:
    return S.One if expr == wrt else S.Zero


@differentiate.register
def _d_element(expr: Element, wrt: Expr) -> Expr:
    """∂m_rc/∂m_ij = δ_ri δ_cj — at any order, one δ per axis (∂t_{b,r,c}/∂t_{β,i,j} =
    δ_bβ δ_ri δ_cj); entries of other matrices do not depend on m.

    For an inverse, the lemma ∂(M⁻¹)_rc = −Σ_p Σ_q (M⁻¹)_rp ∂m_pq (M⁻¹)_qc.
    """
    if isinstance(expr.matrix, sympy.Inverse):
        return _d_inverse(expr, wrt)
    if isinstance(expr.matrix, Jacobian):  # of a declared map (``ops.maps``)
        raise _no_second_derivative(expr.matrix.name)
    if not isinstance(wrt, Element) or expr.matrix != wrt.matrix:
        return S.Zero
    return sympy.Mul(*[KroneckerDelta(a, b) for a, b in zip(expr.indices, wrt.indices)])


def _d_inverse(expr: Element, wrt: Expr) -> Expr:
    inverse = expr.matrix
    p, q = _fresh_pair(expr, wrt)
    d = differentiate(entry_of(inverse.arg, p, q, UnusedSupply(expr, wrt, p, q)), wrt)
    if d == 0:
        return S.Zero
    size = inverse.shape[0]
    body = Element(inverse, expr.row, p) * d * Element(inverse, q, expr.col)
    return -IndexSum(body, (p, 0, size - 1), (q, 0, size - 1))


@differentiate.register
def _d_determinant(expr: sympy.Determinant, wrt: Expr) -> Expr:
    """Jacobi's formula: ∂ det M = det M Σ_p Σ_q (M⁻¹)_qp ∂m_pq."""
    m = expr.arg
    p, q = _fresh_pair(expr, wrt)
    d = differentiate(entry_of(m, p, q, UnusedSupply(expr, wrt, p, q)), wrt)
    if d == 0:
        return S.Zero
    size = m.shape[0]
    return expr * IndexSum(Element(sympy.Inverse(m), q, p) * d, (p, 0, size - 1), (q, 0, size - 1))


def _fresh_pair(*exprs: Expr) -> tuple[Index, Index]:
    first = unused_index(*exprs)
    second = unused_index(*exprs, first)
    return first, second


@differentiate.register
def _d_map_derivative(expr: MapDerivative, wrt: Expr) -> Expr:
    raise _no_second_derivative(expr.name)


def _no_second_derivative(symbol: str) -> UnsupportedError:
    """A declared map's derivative is a symbol with no derivative of its own."""
    return UnsupportedError(f"the derivative {symbol} of a declared map is a symbol with no "
                            "derivative of its own: there is no second derivative (a "
                            "Hessian) through the map")


@differentiate.register
def _d_add(expr: Add, wrt: Expr) -> Expr:
    return Add(*[differentiate(a, wrt) for a in expr.args])


@differentiate.register
def _d_mul(expr: Mul, wrt: Expr) -> Expr:
    """Product rule: Σ_t (Π_{s≠t} f_s) ∂f_t, the terms in the order of the factors (the
    entries of one matrix in the order they are written: their indices were handed out so)."""
    args = expr.args
    terms = []
    for t, factor in enumerate(args):
        d = differentiate(factor, wrt)
        if d != 0:
            terms.append(Mul(*args[:t], d, *args[t + 1:]))
    return Add(*terms, evaluate=False) if len(terms) > 1 else Add(*terms)


@differentiate.register
def _d_pow(expr: Pow, wrt: Expr) -> Expr:
    """∂(uᶜ)/∂x = c uᶜ⁻¹ ∂u/∂x; an exponent that varies too (uˢ, s a name) adds
    uˢ log u ∂s/∂x, where the base is positive (the checker draws it so)."""
    base, exponent = expr.args
    d = differentiate(base, wrt)
    power = S.Zero if d == 0 else exponent * base ** (exponent - 1) * d
    if exponent.is_number:
        return power
    d_exponent = differentiate(exponent, wrt)
    if d_exponent == 0:
        return power
    return power + expr * sympy.log(base) * d_exponent


@differentiate.register
def _d_sum(expr: Sum, wrt: Expr) -> Expr:
    d = differentiate(expr.function, wrt)
    return S.Zero if d == 0 else IndexSum(d, *expr.limits)


@differentiate.register
def _d_function(expr: sympy.Function, wrt: Expr) -> Expr:
    """∂f(u)/∂x = f′(u) ∂u/∂x, with f′ from the operation's record; a node with a rule of
    its own (a row-wise entry) differentiates itself."""
    op = ops.of_node(expr)
    if op is None or (op.derivative is None and op.differentiate is None):
        raise UnsupportedError(f"no derivative rule for {expr.func}")
    if op.differentiate is not None:
        return op.differentiate(expr, wrt, differentiate)
    (u,) = expr.args
    d = differentiate(u, wrt)
    if d == 0:
        return S.Zero
    return op.derivative(u, expr) * d


@differentiate.register
def _d_pick(expr: Pick, wrt: Expr) -> Expr:
    """∂(e_1, e_2, …)_k/∂x = (∂e_1/∂x, ∂e_2/∂x, …)_k: entry by entry."""
    k, *items = expr.args
    return Pick(k, *[differentiate(e, wrt) for e in items])


@differentiate.register
def _d_delta(expr: KroneckerDelta, wrt: Expr) -> Expr:
    return S.Zero
