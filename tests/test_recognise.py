"""The recogniser: index forms read as graphs become matrix forms, with one rule per shape
of graph. Each case states the identity it exercises."""

from __future__ import annotations

import pytest
from sympy import Integer, KroneckerDelta, MatrixSymbol, OneMatrix, Symbol, Trace, Transpose

from matcalc.calculus.collapse import Term
from matcalc.calculus.recognise import NoMatrixForm, recognise
from matcalc.index.symbols import Element, Index

i, j, k, l, p, q, r_ = (Index(x) for x in "ijklpqr")
m, n, r = (Symbol(s, integer=True, positive=True) for s in "mnr")
A, B, C = MatrixSymbol("A", m, n), MatrixSymbol("B", n, r), MatrixSymbol("C", r, m)
G = MatrixSymbol("G", m, r)
x, y = MatrixSymbol("x", m, Integer(1)), MatrixSymbol("y", r, Integer(1))
DIMS = {i: m, j: r}


def lim(index, size):
    return (index, Integer(0), size - 1)


def keys(rec):
    return [step.reason.key for step in rec.steps]


def test_path_is_a_matrix_product():
    # Σ_p a_ip b_pj = (A B)_ij
    rec = recognise([Term(Integer(1), (Element(A, i, p), Element(B, p, j)), (lim(p, n),))],
                    (i, j), DIMS)
    assert rec.result == A * B
    assert keys(rec) == ["matrix_product"]


def test_backwards_edge_is_a_transpose():
    # Σ_l g_il b_jl = (G Bᵀ)_ij
    rec = recognise([Term(Integer(1), (Element(G, i, l), Element(B, j, l)), (lim(l, r),))],
                    (i, n and j), {i: m, j: n})
    assert rec.result == G * Transpose(B)
    assert keys(rec) == ["transpose", "matrix_product"]


def test_chain_of_three():
    # Σ_p Σ_q a_ip b_pq c_qj = (A B C)_ij
    term = Term(Integer(1), (Element(C, q, j), Element(A, i, p), Element(B, p, q)),
                (lim(p, n), lim(q, r)))
    assert recognise([term], (i, j), {i: m, j: m}).result == A * B * C


def test_parallel_edges_are_a_hadamard_product():
    # a_ij g_ij... with the same shape: (A ∘ A)_ij, as coefficient 2 when the terms repeat
    rec = recognise([Term(Integer(2), (Element(A, i, j), Element(A, i, j)), ())],
                    (i, j), {i: m, j: n})
    assert "hadamard" in keys(rec)


def test_single_edge_summed_is_a_product_with_ones():
    # Σ_k g_kj = (𝟏ᵀ G)_j
    rec = recognise([Term(Integer(1), (Element(G, k, j),), (lim(k, m),))], (j,), {j: r})
    assert rec.result == OneMatrix(1, m) * G
    assert keys(rec) == ["sum_ones"]


def test_two_dangling_ends_are_an_outer_product():
    # x_i y_j = (x yᵀ)_ij
    rec = recognise([Term(Integer(1), (Element(x, i, 0), Element(y, j, 0)), ())],
                    (i, j), DIMS)
    assert rec.result == x * Transpose(y)


def test_untouched_free_index_is_a_broadcast():
    # x_i = (x 𝟏ᵀ)_ij
    rec = recognise([Term(Integer(1), (Element(x, i, 0),), ())], (i, j), DIMS)
    assert rec.result == x * OneMatrix(1, r)
    assert keys(rec) == ["broadcast"]


def test_cycle_is_a_trace():
    # Σ_p Σ_q a_pq d_qp = tr(D A)
    D = MatrixSymbol("D", n, m)
    term = Term(Integer(1), (Element(A, p, q), Element(D, q, p)), (lim(p, m), lim(q, n)))
    rec = recognise([term], (), {})
    assert rec.result == Trace(D * A)
    assert keys(rec) == ["matrix_product", "trace"]


def test_identity_from_a_free_delta():
    rec = recognise([Term(Integer(1), (KroneckerDelta(i, j),), ())], (i, j), {i: m, j: m})
    assert str(rec.result) == "I"


def test_diagonal_through_a_cycle_is_found():
    # Σ_p Σ_q a_ip b_pj c_pq d_qp = (A diag(C D) B)_ij = ((A ∘ 𝟏 ((C ∘ Dᵀ) 𝟏)ᵀ) B)_ij
    C2, D2, B2 = MatrixSymbol("C2", n, n), MatrixSymbol("D2", n, n), MatrixSymbol("B2", n, r)
    term = Term(Integer(1), (Element(A, i, p), Element(B2, p, j), Element(C2, p, q),
                             Element(D2, q, p)), (lim(p, n), lim(q, n)))
    assert recognise([term], (i, j), DIMS).result.has(B2)


def test_tetrahedron_has_no_matrix_form():
    # Σ_pqrs a_pq b_pr c_ps d_qr e_qs f_rs: every inner node meets three others; no
    # product, Hadamard or trace reduces it. Reported, never guessed.
    s_ = Index("s")
    M = {name: MatrixSymbol(name, n, n) for name in "ABCDEF"}
    pairs = [("A", p, q), ("B", p, r_), ("C", p, s_), ("D", q, r_), ("E", q, s_), ("F", r_, s_)]
    term = Term(Integer(1), tuple(Element(M[k], a, b) for k, a, b in pairs),
                tuple(lim(x, n) for x in (p, q, r_, s_)))
    with pytest.raises(NoMatrixForm, match="no matrix form"):
        recognise([term], (), {})


def test_vector_between_two_matrices_is_a_diagonal_matrix():
    # Σ_p a_ip v_p b_pj = (A diag(v) B)_ij, as Xᵀ diag(σ(1 − σ)) X in a Hessian
    from matcalc.render.printers import diagonal_of
    v = MatrixSymbol("v", n, Integer(1))
    term = Term(Integer(1), (Element(A, i, p), Element(v, p, 0), Element(B, p, j)),
                (lim(p, n),))
    rec = recognise([term], (i, j), DIMS)
    assert "diagonal_matrix" in keys(rec) and "matrix_product" in keys(rec)
    a, middle, b = rec.result.args
    assert (a, diagonal_of(middle), b) == (A, v, B)


def test_vector_beside_one_matrix_scales_it():
    # Σ_p a_pi v_p w_p = (Aᵀ (v ∘ w))_i: a vector beside one matrix is no diagonal
    v, w = MatrixSymbol("v", n, Integer(1)), MatrixSymbol("w", n, Integer(1))
    term = Term(Integer(1), (Element(A, p, i), Element(v, p, 0), Element(w, p, 0)),
                (lim(p, n),))
    rec = recognise([term], (i,), DIMS)
    assert "diagonal_matrix" not in keys(rec)


def test_terms_that_cancel_are_a_zero_matrix():
    # two copies of one term under other bound names cancel only once recognised: the
    # matrix form is 0, said as a step (it was "no matrix form: every term vanished")
    from sympy import ZeroMatrix

    from helpers import derived
    p = "softmax(softplus(A))"
    d = derived(f"A: (m, n)\nh0 = cross_entropy({p}, {p}) - cross_entropy({p}, {p})", wrt="A")
    # (once collected as like terms under renamed sums, they cancel before recognition)
    assert isinstance(d.result, ZeroMatrix) and d.steps[-1].reason.key in ("cancel", "collect")
    assert d.steps[-1].rhs == 0
