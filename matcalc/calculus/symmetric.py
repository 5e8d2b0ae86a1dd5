"""The gradient with respect to a symmetric input: the last step of its proof.

The proof before this step treats the entries s_ij of S as independent and finds G, with
G_ij = ∂L/∂s_ij. On the symmetric matrices s_ij and s_ji are one coordinate: moving S
along E_ij + E_ji (i ≠ j) changes L by G_ij + G_ji, along E_ii by G_ii. The gradient in
the space of symmetric matrices (under the inner product tr(AᵀB), the one a gradient step
that keeps S symmetric uses) is the projection of G onto it:

    sym(G) = (G + Gᵀ)/2,    ⟨sym(G), D⟩ = ⟨G, D⟩ for every symmetric D.

That is the default for a name declared ``symmetric`` or ``spd`` (``SYM``); ``FULL`` keeps
G. When G is already symmetric (Gᵀ = G with the declared names' transposes dropped:
∂ log det S/∂S = S⁻¹, ∂ xᵀSx/∂S = x xᵀ) the step is still written, with G unchanged, so
that the reader sees the convention applied and why it changes nothing — never
(S⁻¹ + S⁻¹)/2.
"""

from __future__ import annotations

from functools import singledispatch

from sympy import (
    Expr,
    HadamardPower,
    HadamardProduct,
    Identity,
    MatAdd,
    MatMul,
    Mul,
    Rational,
    S,
)

from .. import ops
from ..index.symbols import Apply, Index, fresh_index, substitute
from .matrices import SYMMETRIC, matmul, scale, transpose
from .proof import Proof
from .recognise import entry_of_result

SYM, FULL = "sym", "full"
CONVENTIONS = (SYM, FULL)
ASSUMPTIONS = ("symmetric", "spd")
KEY = "symmetric_gradient"  # the step's reason, phrased by the templates


def symmetric_inputs(program, assumptions: dict[str, str], convention: str) -> list[str]:
    """The inputs whose gradient is sym(G) under the convention: those declared symmetric
    or spd, if the convention is ``SYM``."""
    if convention != SYM:
        return []
    return [n for n in program.inputs() if assumptions.get(n) in ASSUMPTIONS]


def symmetrise(proof: Proof, result: Expr | None, index_form: Expr, name: str,
               free: tuple, assumptions: dict[str, str]) -> tuple[Expr | None, Expr]:
    """Record the step G → sym(G) = (G + Gᵀ)/2 and return the new (matrix form, index
    form). Gᵀ is pushed inward, the declared symmetric names being their own transposes
    (a bᵀ → ½(a bᵀ + b aᵀ)); the terms of G that are symmetric already stay as they are
    (S⁻¹ − a bᵀ → S⁻¹ − ½(a bᵀ + b aᵀ)), and a symmetric G is left whole. Without a matrix
    form the index form is symmetrised: ½(g_ij + g_ji)."""
    i, j = free
    swapped = _swap(index_form, i, j)
    if result is None:
        same = swapped == index_form
        sym = index_form if same else Rational(1, 2) * (index_form + swapped)
        proof.record(sym, KEY, names=[name], unchanged=same)
        return None, sym
    token = SYMMETRIC.set(frozenset(n for n, a in assumptions.items() if a in ASSUMPTIONS))
    try:
        sym = sym_of(result)
    finally:
        SYMMETRIC.reset(token)
    same = sym == result
    proof.record(entry_of_result(sym, free), KEY, names=[name], unchanged=same)
    return sym, index_form if same else Rational(1, 2) * (index_form + swapped)


def sym_of(g: Expr) -> Expr:
    """(G + Gᵀ)/2, written as simply as the terms allow: a symmetric G as it is, c·M as
    c·sym(M), a sum's symmetric terms as they are and ½(N + Nᵀ) of the rest N."""
    if is_symmetric(g):
        return g
    coeff, core = _coefficient(g)
    if coeff != 1:
        return scale(coeff, sym_of(core))
    if isinstance(g, MatAdd):
        kept = [t for t in g.args if is_symmetric(t)]
        rest = [t for t in g.args if not is_symmetric(t)]
        if kept:
            return MatAdd(*kept, sym_of(rest[0] if len(rest) == 1 else MatAdd(*rest)))
    return scale(Rational(1, 2), MatAdd(*_terms(g), *_terms(transpose(g))))


def _terms(g: Expr) -> tuple[Expr, ...]:
    return g.args if isinstance(g, MatAdd) else (g,)


def _coefficient(g: Expr) -> tuple[Expr, Expr]:
    """(c, M) for a product c M of a number and matrices; else (1, g)."""
    if isinstance(g, MatMul):
        numbers = [a for a in g.args if not a.is_Matrix]
        if numbers:
            return Mul(*numbers), matmul(*[a for a in g.args if a.is_Matrix])
    return S.One, g


@singledispatch
def is_symmetric(g: Expr) -> bool:
    """Gᵀ = G, seen from its form: Gᵀ pushed inward (the declared symmetric names their own
    transposes) is G again — S⁻¹, x xᵀ, A Aᵀ, a bᵀ + b aᵀ."""
    return getattr(g, "is_square", False) and transpose(g) == g


@is_symmetric.register
def _identity(g: Identity) -> bool:
    return True


@is_symmetric.register
def _hadamard(g: HadamardProduct) -> bool:
    """I ∘ M is diagonal; a Hadamard product of symmetric factors is symmetric."""
    return any(isinstance(a, Identity) for a in g.args) or \
        all(is_symmetric(a) for a in g.args) or transpose(g) == g


@is_symmetric.register
def _sum(g: MatAdd) -> bool:
    return all(is_symmetric(a) for a in g.args) or transpose(g) == g


@is_symmetric.register
def _product(g: MatMul) -> bool:
    coeff, core = _coefficient(g)
    return is_symmetric(core) if coeff != 1 else transpose(g) == g


@is_symmetric.register
def _power(g: HadamardPower) -> bool:
    return is_symmetric(g.base)


@is_symmetric.register
def _elementwise(g: Apply) -> bool:
    """f(M) entry by entry is symmetric with M (a row-wise f, softmax, is not)."""
    op = ops.get(g.name)
    return (op.elementwise and op.entry is None and is_symmetric(g.arg)) or \
        transpose(g) == g


def _swap(expr: Expr, i: Index, j: Index) -> Expr:
    """expr with the free indices i and j exchanged (g_ij → g_ji)."""
    taken = {s.name for s in expr.free_symbols} | {i.name, j.name}
    spare = fresh_index(taken)
    return substitute(substitute(substitute(expr, i, spare), j, i), spare, j)


__all__ = ["CONVENTIONS", "FULL", "KEY", "SYM", "is_symmetric", "sym_of",
           "symmetric_inputs", "symmetrise"]
