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

from sympy import Expr, MatAdd, Rational

from .matrices import SYMMETRIC, scale, transpose
from .proof import Proof
from .recognise import entry_of_result
from .symbols import Index, fresh_index, substitute

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
    (a bᵀ → ½(a bᵀ + b aᵀ)); when Gᵀ = G the step leaves G as it is. Without a matrix form
    the index form is symmetrised: ½(g_ij + g_ji)."""
    i, j = free
    swapped = _swap(index_form, i, j)
    if result is None:
        same = swapped == index_form
        sym = index_form if same else Rational(1, 2) * (index_form + swapped)
        proof.record(sym, KEY, names=[name], unchanged=same)
        return None, sym
    token = SYMMETRIC.set(frozenset(n for n, a in assumptions.items() if a in ASSUMPTIONS))
    try:
        transposed = transpose(result)
    finally:
        SYMMETRIC.reset(token)
    same = transposed == result
    sym = result if same else scale(Rational(1, 2), MatAdd(result, transposed))
    proof.record(entry_of_result(sym, free), KEY, names=[name], unchanged=same)
    return sym, index_form if same else Rational(1, 2) * (index_form + swapped)


def _swap(expr: Expr, i: Index, j: Index) -> Expr:
    """expr with the free indices i and j exchanged (g_ij → g_ji)."""
    taken = {s.name for s in expr.free_symbols} | {i.name, j.name}
    spare = fresh_index(taken)
    return substitute(substitute(substitute(expr, i, spare), j, i), spare, j)


__all__ = ["CONVENTIONS", "FULL", "KEY", "SYM", "symmetric_inputs", "symmetrise"]
