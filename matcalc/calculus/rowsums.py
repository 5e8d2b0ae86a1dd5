"""Seed 001 eq. 27's route from softmax's derivative, written at once, to its matrix form:

    Σ_l ∂L/∂b_il b_ij (δ_jl − b_il)
        = b_ij (Σ_l ∂L/∂b_il δ_jl − Σ_l ∂L/∂b_il b_il)            (b_ij out, the sum split)
        = b_ij (Σ_l ∂L/∂b_il (Eᵀ)_lj − Σ_l ∂L/∂b_il (Bᵀ)_li)      (transpose)
        = B ∘ (∂L/∂B Eᵀ − diag(∂L/∂B Bᵀ))                         (matrix form)
        = B ∘ (∂L/∂B − diag(∂L/∂B Bᵀ))                            (the identity)

The row sums Σ_l g_il b_il are the diagonal of G Bᵀ, a column (``DiagonalOf``) broadcast
along each row (``Broadcast``), as the article writes it; the last two lines are steps at
the matrix level (``MatrixLine``), each checked entry by entry like any step. Any other
shape of expression is left to the general collapse and recognition (``prove.finish``).
"""

from __future__ import annotations

import sympy
from sympy import (
    Add,
    DiagonalOf,
    Expr,
    HadamardProduct,
    Identity,
    KroneckerDelta,
    MatAdd,
    MatMul,
    Mul,
    Sum,
    Transpose,
)

from ..index.symbols import (
    UPSTREAMS,
    Broadcast,
    Element,
    IndexSum,
    MatrixLine,
    Written,
)
from .proof import Proof


def row_sums_route(proof: Proof, expr: Expr, free: tuple) -> tuple[Expr, Expr] | None:
    """(the matrix form, the index form before it) for Σ_l g_il b_ij (δ_jl − b_il), the
    steps recorded; None (nothing recorded) for any other expression."""
    parts = _parts(expr, free)
    if parts is None:
        return None
    g, b, l, limits = parts
    i, j = free
    n = limits[2] + 1

    def over_l(body: Expr) -> Expr:
        return IndexSum(body, limits)
    g_il, b_ij, b_il = Element(g, i, l), Element(b, i, j), Element(b, i, l)
    split = b_ij * (over_l(Written(g_il, KroneckerDelta(j, l))) - over_l(Written(g_il, b_il)))
    proof.record(split, "split_sum", over=[str(l)])
    eye = Transpose(Identity(n))
    transposed = b_ij * (over_l(Written(g_il, Element(eye, l, j))) -
                         over_l(Written(g_il, Element(Transpose(b), l, i))))
    proof.record(transposed, "transpose")
    rows = Broadcast(DiagonalOf(MatMul(g, Transpose(b))), n)
    with_eye = HadamardProduct(b, MatAdd(MatMul(g, eye), MatMul(sympy.S.NegativeOne, rows)))
    proof.record(MatrixLine(with_eye, i, j), "row_sums_diag")
    result = HadamardProduct(b, MatAdd(g, MatMul(sympy.S.NegativeOne, rows)))
    proof.record(MatrixLine(result, i, j), "identity_matrix")
    return result, transposed.replace(lambda e: isinstance(e, Written), lambda e: Mul(*e.args))


def _parts(expr: Expr, free: tuple):
    """(G, B, l, the limits of l) when expr is Σ_l g_il b_ij (δ_jl − b_il) for the entry
    (i, j) of two matrices G and B; else None."""
    if not isinstance(expr, Sum) or len(expr.limits) != 1 or len(free) != 2:
        return None
    i, j = free
    l, low, _ = limits = expr.limits[0]
    if low != 0:
        return None
    factors = [f for w in Mul.make_args(expr.function)
               for f in (w.args if isinstance(w, Written) else (w,))]
    sums = [f for f in factors if isinstance(f, Add)]
    entries = [f for f in factors if isinstance(f, Element)]
    if len(factors) != 3 or len(sums) != 1 or len(entries) != 2:
        return None
    b_ij = next((e for e in entries if e.indices == (i, j)), None)
    g_il = next((e for e in entries if e.indices == (i, l)), None)
    if b_ij is None or g_il is None or g_il.matrix == b_ij.matrix:
        return None
    b, g = b_ij.matrix, g_il.matrix
    terms = set(Add.make_args(sums[0]))
    if terms not in ({KroneckerDelta(j, l), -Element(b, i, l)},
                     {KroneckerDelta(l, j), -Element(b, i, l)}):
        return None
    if not (b.is_Matrix and g.is_Matrix and b.shape == g.shape):
        return None
    return g, b, l, limits


def quotient_route(proof: Proof, result: Expr, upstream: Expr, value: Expr,
                   assumptions: dict[str, str], free: tuple, loss: str) -> Expr | None:
    """Seed 001 eqs. 31-32: ∂L/∂B = −Y/B put into eq. 27's matrix form, at the matrix level,
    for Y whose rows sum to 1 (one-hot targets, or any rows of probabilities):

        B ∘ (∂L/∂B − diag(∂L/∂B Bᵀ))
            = −B ∘ (Y/B − diag((Y/B) Bᵀ))                   (substitute ∂L/∂B)
            = −(B ∘ Y/B − B ∘ diag((Y/B) Bᵀ))               (distribute)
            = −(Y − B ∘ diag((Y/B) Bᵀ))                     (B ∘ Y/B = Y)
            = −(Y − B ∘ 𝟏)                                  (∵ each row of Y sums to 1)
            = −(Y − B)

    diag((Y/B) Bᵀ)_i = Σ_l y_il / b_il · b_il = Σ_l y_il = 1. The steps are recorded and the
    result returned; None (nothing recorded) for any other result or value."""
    parts = _quotient_parts(result, upstream, value, assumptions)
    if parts is None:
        return None
    b, y, quotient, rows = parts
    i, j = free
    minus = sympy.S.NegativeOne

    def line(m: Expr, key: str, **params) -> None:
        proof.record(MatrixLine(m, i, j), key, **params)
    spread = Broadcast(DiagonalOf(MatMul(quotient, Transpose(b))), rows)
    line(MatMul(minus, HadamardProduct(b, MatAdd(quotient, MatMul(minus, spread)))),
         "substitute", names=[upstream.name], loss=loss)
    line(MatMul(minus, MatAdd(HadamardProduct(b, quotient),
                              MatMul(minus, HadamardProduct(b, spread)))), "distribute")
    line(MatMul(minus, MatAdd(y, MatMul(minus, HadamardProduct(b, spread)))),
         "hadamard_cancel")
    ones = Broadcast(sympy.OneMatrix(b.shape[0], 1), rows)
    line(MatMul(minus, MatAdd(y, MatMul(minus, HadamardProduct(b, ones)))), "assumption",
         names=[y.name], assumptions=[assumptions[y.name]])
    done = MatMul(minus, MatAdd(y, MatMul(minus, b)))
    line(done, "hadamard_ones")
    return done


def _quotient_parts(result: Expr, upstream: Expr, value: Expr, assumptions: dict):
    """(B, Y, Y ⊘ B, B's columns) for result = B ∘ (G − diag(G Bᵀ)) with G the upstream
    and value = −(Y ⊘ B), Y's rows summing to 1; else None."""
    from .collapse import ROW_SUMS_ONE
    if not isinstance(result, HadamardProduct) or len(result.args) != 2:
        return None
    b = next((a for a in result.args if isinstance(a, sympy.MatrixSymbol)), None)
    if b is None or isinstance(b, UPSTREAMS):
        return None
    rows = b.shape[1]
    expected = HadamardProduct(b, MatAdd(upstream, MatMul(
        sympy.S.NegativeOne, Broadcast(DiagonalOf(MatMul(upstream, Transpose(b))), rows))))
    if result != expected:
        return None
    if not (isinstance(value, MatMul) and len(value.args) == 2 and value.args[0] == -1
            and isinstance(value.args[1], HadamardProduct)):
        return None
    quotient = value.args[1]
    if len(quotient.args) != 2 or sympy.HadamardPower(b, -1) not in quotient.args:
        return None
    y = next(a for a in quotient.args if a != sympy.HadamardPower(b, -1))
    if not isinstance(y, sympy.MatrixSymbol) or assumptions.get(y.name) not in ROW_SUMS_ONE:
        return None
    return b, y, quotient, rows
