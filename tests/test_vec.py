"""Jacobians and Hessians by matrices as matrices in the vec convention (issue 24).

Each result is checked three ways: matcalc's own verification (every step and the result
against central differences), its form where the form is the point, and its printed numpy
against the textbook formula built here from its own definitions (np.kron, the commutation
matrix from K vec(A) = vec(Aᵀ)). The textbook statements are quoted in the comments:
Magnus & Neudecker, *Matrix Differential Calculus* (3rd ed.), and the Matrix Cookbook.
"""

from __future__ import annotations

import numpy as np
import pytest
from sympy import KroneckerProduct, MatMul

from helpers import result_line
from matcalc import hessian, jacobian
from matcalc.check import verify
from matcalc.check.numeric import eval_numpy
from matcalc.check.verification import vec_matrix, verify_derivative
from matcalc.errors import UsageError

RNG = np.random.default_rng(24)


def vec(a: np.ndarray) -> np.ndarray:
    """vec stacks the columns."""
    return a.reshape(-1, order="F")


def commutation(m: int, n: int) -> np.ndarray:
    """K_mn from its definition: K_mn vec(A) = vec(Aᵀ) for every A of shape (m, n)."""
    k = np.zeros((m * n, m * n))
    for i in range(m):
        for j in range(n):
            e = np.zeros((m, n))
            e[i, j] = 1.0
            k[:, vec(e).argmax()] = vec(e.T)
    return k


def checked(d):
    assert verify(d).ok and d.verified_on, d.text()
    return d


def value(d, values: dict) -> np.ndarray:
    """The result, by its printed numpy, at the given values."""
    return np.asarray(eval_numpy(d.numpy, values), dtype=float)


def invertible(n: int) -> np.ndarray:
    return RNG.normal(size=(n, n)) + 3 * np.eye(n)


def test_the_vec_convention_of_the_checker_is_numpys_order_f():
    # the checker's reference, stated independently: entry (r1, r2) of an (m, n) array is
    # row r1 + m r2 when vec stacks the columns
    t = RNG.normal(size=(3, 2, 4, 5))
    m = vec_matrix(t, 2, "columns")
    assert m[1 + 3 * 1, 2 + 4 * 3] == t[1, 1, 2, 3]
    assert vec_matrix(t, 2, "rows")[1 * 2 + 1, 2 * 5 + 3] == t[1, 1, 2, 3]
    x = RNG.normal(size=(3, 2))
    assert np.array_equal(commutation(3, 2) @ vec(x), vec(x.T))


def test_a_x_b():
    # Matrix Cookbook: vec(AXB) = (Bᵀ ⊗ A) vec(X)
    d = checked(jacobian("Y = A @ X @ B", "X"))
    assert result_line(d.text()) == "∂vec(Y)/∂vec(X)ᵀ = Bᵀ ⊗ A"
    a, x, b = RNG.normal(size=(4, 3)), RNG.normal(size=(3, 2)), RNG.normal(size=(2, 5))
    np.testing.assert_allclose(value(d, {"A": a, "X": x, "B": b}), np.kron(b.T, a))


def test_x_x():
    # d(X X) = (dX) X + X dX, so d vec(X X) = (Xᵀ ⊗ I + I ⊗ X) d vec X
    d = checked(jacobian("Y = X @ X", "X"))
    kron = {str(t) for t in d.result.args}
    assert kron == {"KroneckerProduct(I, X)", "KroneckerProduct(X.T, I)"}
    x = RNG.normal(size=(3, 3))
    np.testing.assert_allclose(value(d, {"X": x}),
                               np.kron(np.eye(3), x) + np.kron(x.T, np.eye(3)))


def test_inverse():
    # Magnus & Neudecker: d vec X⁻¹ = −((X′)⁻¹ ⊗ X⁻¹) d vec X
    d = checked(jacobian("X: (n, n)\nY = inv(X)", "X"))
    assert result_line(d.text()) == "∂vec(Y)/∂vec(X)ᵀ = −(X⁻ᵀ ⊗ X⁻¹)"
    x = invertible(3)
    xi = np.linalg.inv(x)
    np.testing.assert_allclose(value(d, {"X": x}), -np.kron(xi.T, xi))


def test_log_det_hessian():
    # Magnus & Neudecker: d² log|X| = −tr(X⁻¹ dX X⁻¹ dX) = −(d vec X)′ K_n (X′⁻¹ ⊗ X⁻¹) d vec X
    d = checked(hessian("X: (n, n)\nL = logdet(X)", "X"))
    assert result_line(d.text()) == "∂²L/∂vec(X) ∂vec(X)ᵀ = −K_nn (X⁻ᵀ ⊗ X⁻¹)"
    x = invertible(3)
    xi = np.linalg.inv(x)
    np.testing.assert_allclose(value(d, {"X": x}), -commutation(3, 3) @ np.kron(xi.T, xi))


def test_trace_quadratic_hessian():
    # tr(Xᵀ A X): d² = 2 tr(dXᵀ A dX) = (d vec X)ᵀ (I ⊗ (A + Aᵀ)) d vec X
    d = checked(hessian("L = trace(X.T @ A @ X)", "X"))
    assert result_line(d.text()) == "∂²L/∂vec(X) ∂vec(X)ᵀ = I ⊗ (A + Aᵀ)"
    assert [s.reason.key for s in d.steps][-2:] == ["kronecker", "factor_kronecker"]
    a, x = RNG.normal(size=(3, 3)), RNG.normal(size=(3, 2))
    np.testing.assert_allclose(value(d, {"A": a, "X": x}), np.kron(np.eye(2), a + a.T))


def test_transpose_is_the_commutation_matrix():
    # K_mn vec(A) = vec(Aᵀ) for A of shape (m, n)
    d = checked(jacobian("Y = X.T", "X"))
    assert result_line(d.text()) == "∂vec(Y)/∂vec(X)ᵀ = K_mn"
    np.testing.assert_allclose(value(d, {"X": RNG.normal(size=(3, 2))}), commutation(3, 2))


def test_a_vector_by_a_matrix():
    # Magnus & Neudecker: d(W x) = (dW) x = (x′ ⊗ I) d vec W
    d = checked(jacobian("x: (n,)\ny = W @ x", "W"))
    assert result_line(d.text()) == "∂y/∂vec(W)ᵀ = xᵀ ⊗ I"
    w, x = RNG.normal(size=(4, 3)), RNG.normal(size=3)
    np.testing.assert_allclose(value(d, {"W": w, "x": x}), np.kron(x[None, :], np.eye(4)))


def test_rows_give_numpys_order():
    # vec stacking the rows is vec(Xᵀ): vec_r(A X B) = (A ⊗ Bᵀ) vec_r(X), numpy's reshape
    d = checked(jacobian("Y = A @ X @ B", "X", vec="rows"))
    assert result_line(d.text()) == "∂rvec(Y)/∂rvec(X)ᵀ = A ⊗ Bᵀ"
    a, x, b = RNG.normal(size=(4, 3)), RNG.normal(size=(3, 2)), RNG.normal(size=(2, 5))
    got = value(d, {"A": a, "X": x, "B": b})
    dx = RNG.normal(size=x.shape)
    np.testing.assert_allclose(got @ dx.reshape(-1), (a @ dx @ b).reshape(-1))
    h = checked(hessian("L = trace(X.T @ A @ X)", "X", vec="rows"))
    assert result_line(h.text()) == "∂²L/∂rvec(X) ∂rvec(X)ᵀ = (A + Aᵀ) ⊗ I"


def test_softmax_cross_entropy_one_example():
    # the Hessian of −yᵀ log softmax(Wᵀ x) by W (d × c), one example, y one-hot:
    # (diag(p) − p pᵀ) ⊗ x xᵀ, p = softmax(Wᵀ x), vec stacking the columns
    d = checked(hessian("x: (d,)\ny: onehot(c)\nW: (d, c)\n"
                        "L = -sum(y * log(softmax(W.T @ x)))", "W"))
    assert isinstance(d.result, KroneckerProduct)
    x, w = RNG.normal(size=4), RNG.normal(size=(4, 3))
    z = w.T @ x
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    y = np.eye(3)[1]
    np.testing.assert_allclose(value(d, {"x": x, "W": w, "y": y}),
                               np.kron(np.diag(p) - np.outer(p, p), np.outer(x, x)))


def test_softmax_cross_entropy_summed_over_a_batch():
    # Σ_n (diag(p_n) − p_n p_nᵀ) ⊗ x_n x_nᵀ, x_n the n-th example (row n of X)
    d = checked(hessian("X: (n, d)\nY: onehot(n, c)\nW: (d, c)\n"
                        "L = -sum(Y * log(softmax(X @ W)))", "W"))
    line = result_line(d.text())
    assert line.startswith("∂²L/∂vec(W) ∂vec(W)ᵀ = Σ_p (diag(softmax(Wᵀ x_p))") and \
        line.endswith("⊗ (x_p x_pᵀ)"), line
    x, w = RNG.normal(size=(5, 4)), RNG.normal(size=(4, 3))
    expected = 0
    for xn in x:
        z = w.T @ xn
        p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
        expected = expected + np.kron(np.diag(p) - np.outer(p, p), np.outer(xn, xn))
    y = np.eye(3)[RNG.integers(0, 3, size=5)]
    np.testing.assert_allclose(value(d, {"X": x, "W": w, "Y": y}), expected)


def test_least_squares_hessian_is_its_gauss_newton_form():
    # L = ½‖X W − Y‖²: the residual r = vec(X W − Y) is linear in W, J = ∂r/∂vec(W)ᵀ =
    # I ⊗ X, and the Hessian is the Gauss–Newton matrix Jᵀ J = I ⊗ Xᵀ X
    h = checked(hessian("L = 0.5 * sum((X @ W - Y) ** 2)", "W"))
    j = checked(jacobian("R = X @ W - Y", "W"))
    assert result_line(h.text()) == "∂²L/∂vec(W) ∂vec(W)ᵀ = I ⊗ (Xᵀ X)"
    assert result_line(j.text()) == "∂vec(R)/∂vec(W)ᵀ = I ⊗ X"
    x, w, y = RNG.normal(size=(5, 3)), RNG.normal(size=(3, 2)), RNG.normal(size=(5, 2))
    jv = value(j, {"X": x, "W": w, "Y": y})
    np.testing.assert_allclose(value(h, {"X": x, "W": w, "Y": y}), jv.T @ jv, atol=1e-12)


def test_logistic_regression_hessian_is_its_fisher_form():
    # L = −Σ Y ∘ log σ(X W) + (1 − Y) ∘ log(1 − σ(X W)): the Hessian is the Fisher (and
    # Gauss–Newton) matrix Jᵀ S J of the logits Z = X W, J = ∂vec(Z)/∂vec(W)ᵀ = I ⊗ X,
    # S = diag(vec(P ∘ (1 − P))), P = σ(Z); summed over the examples:
    # Σ_n diag(p_n ∘ (1 − p_n)) ⊗ x_n x_nᵀ
    d = checked(hessian("X: (n, d)\nY: (n, c)\nW: (d, c)\n"
                        "L = -sum(Y * log(sigmoid(X @ W)) + (1 - Y) * log(1 - sigmoid(X @ W)))",
                        "W"))
    assert result_line(d.text()) == \
        "∂²L/∂vec(W) ∂vec(W)ᵀ = Σ_p diag(σ(Wᵀ x_p) ∘ (1 − σ(Wᵀ x_p))) ⊗ (x_p x_pᵀ)"
    x, w = RNG.normal(size=(6, 3)), RNG.normal(size=(3, 2))
    y = RNG.integers(0, 2, size=(6, 2)).astype(float)
    p = 1 / (1 + np.exp(-(x @ w)))
    j = np.kron(np.eye(2), x)
    np.testing.assert_allclose(value(d, {"X": x, "W": w, "Y": y}),
                               j.T @ np.diag(vec(p * (1 - p))) @ j, atol=1e-12)


def test_gaussian_log_likelihood_by_its_covariance():
    # Magnus & Neudecker: for L(Σ) = −½ log|Σ| − ½ rᵀ Σ⁻¹ r,
    # d²L = ½ tr(Σ⁻¹ dΣ Σ⁻¹ dΣ) − rᵀ Σ⁻¹ dΣ Σ⁻¹ dΣ Σ⁻¹ r; the Hessian is the symmetric
    # matrix of that quadratic form in d vec Σ
    d = checked(hessian("S: (m, m)\nr: (m,)\nL = -0.5 * logdet(S) - 0.5 * r @ inv(S) @ r", "S"))
    s, r = invertible(3), RNG.normal(size=3)
    si = np.linalg.inv(s)

    def second(u, v):
        return 0.5 * np.trace(si @ u @ si @ v) - r @ si @ u @ si @ v @ si @ r
    basis = [np.eye(9)[k].reshape(3, 3, order="F") for k in range(9)]
    expected = np.array([[0.5 * (second(u, v) + second(v, u)) for v in basis] for u in basis])
    np.testing.assert_allclose(value(d, {"S": s, "r": r}), expected, atol=1e-12)


def test_a_block_of_two_inputs():
    # f = Σ tanh(Wᵀ x + b): ∂²f/∂w_ij∂b_k = −2 x_i t_j (1 − t_j²) δ_jk,
    # so ∂²f/∂vec(W)∂bᵀ = −2 diag(t ∘ (1 − t²)) ⊗ x, t = tanh(Wᵀ x + b)
    d = checked(hessian("x: (d,)\nb: (c,)\nf = sum(tanh(W.T @ x + b))", "W, b"))
    assert d.wrt2 == "b" and d.vec == "columns"
    x, w, b = RNG.normal(size=4), RNG.normal(size=(4, 3)), RNG.normal(size=3)
    t = np.tanh(w.T @ x + b)
    np.testing.assert_allclose(value(d, {"x": x, "W": w, "b": b}),
                               -2 * np.kron(np.diag(t * (1 - t ** 2)), x[:, None]))


def test_a_hessian_by_an_array_of_order_three_is_refused():
    with pytest.raises(UsageError, match="vector or a matrix"):
        hessian("T: (b, n, n)\nf = sum(T)", "T")
    with pytest.raises(UsageError, match="must be columns or rows"):
        hessian("f = trace(X)", "X", vec="diagonal")


@pytest.mark.unverified
@pytest.mark.parametrize("mutant", [
    lambda r: KroneckerProduct(*reversed(r.args)),         # A ⊗ B for B ⊗ A
    lambda r: KroneckerProduct(r.args[0].T, r.args[1]),    # a factor transposed
    lambda r: MatMul(2, r),                                # a factor of 2
])
def test_the_checker_rejects_wrong_kronecker_forms(mutant):
    d = jacobian("Y = A @ X @ B", "X", shapes={"A": ("n", "n"), "X": ("n", "n"),
                                               "B": ("n", "n")})
    assert verify_derivative(d).ok
    d.result = mutant(d.result)
    report = verify_derivative(d)
    assert not report.ok and report.checks[0].result_error > 1e-3


@pytest.mark.unverified
def test_the_checker_rejects_a_missing_commutation_matrix():
    d = hessian("X: (n, n)\nL = logdet(X)", "X")
    assert verify_derivative(d).ok
    d.result = MatMul(-1, d.result.args[-1])                # −(X⁻ᵀ ⊗ X⁻¹), no K
    assert not verify_derivative(d).ok
    d = hessian("X: (n, n)\nL = logdet(X)", "X", vec="rows")
    d.vec = "columns"                                       # the other convention's matrix
    assert not verify_derivative(d).ok


def duplication(n: int) -> np.ndarray:
    """D_n from its definition: D_n vech(S) = vec(S) for every symmetric S, vech stacking
    the columns of the lower triangle."""
    pairs = [(i, j) for j in range(n) for i in range(j, n)]
    d = np.zeros((n * n, len(pairs)))
    for k, (i, j) in enumerate(pairs):
        e = np.zeros((n, n))
        e[i, j] = e[j, i] = 1.0
        d[:, k] = vec(e)
    return d


def test_a_symmetric_variable_by_its_free_entries():
    # Magnus & Neudecker: for a symmetric S, vec S = D_n vech S, so the Hessian of
    # φ(vech S) = f(S) is D_nᵀ H D_n, H the Hessian by vec S
    d = checked(hessian("S: symmetric(n, n)\nx: (n,)\nL = x @ S @ S @ x", "S"))
    text = d.text()
    assert "∂²L/∂vech(S) ∂vech(S)ᵀ = D_nᵀ" in text and "vec(S) = D_n vech(S)" in text
    s, x = RNG.normal(size=(3, 3)), RNG.normal(size=3)
    s = s + s.T
    h = value(d, {"S": s, "x": x})
    vech = np.asarray(eval_numpy(d.numpy_of_vech, {"S": s, "x": x}), dtype=float)
    dn = duplication(3)
    np.testing.assert_allclose(vech, dn.T @ h @ dn, atol=1e-12)
    # and by second differences of f in the coordinates vech(S), here
    step = 1e-4

    def f(v):
        m = (dn @ v).reshape(3, 3, order="F")
        return x @ m @ m @ x
    v0, size = dn.T @ vec(s) / np.diag(dn.T @ dn), dn.shape[1]
    numeric = np.array([[(f(v0 + step * (ea + eb)) - f(v0 + step * (ea - eb))
                          - f(v0 - step * (ea - eb)) + f(v0 - step * (ea + eb))) / (4 * step ** 2)
                         for eb in np.eye(size)] for ea in np.eye(size)])
    np.testing.assert_allclose(vech, numeric, atol=1e-6)


@pytest.mark.unverified
def test_the_checker_rejects_a_wrong_hessian_in_vech():
    d = hessian("S: symmetric(n, n)\nx: (n,)\nL = x @ S @ S @ x", "S")
    assert verify_derivative(d).ok
    d.vech = d.vech.args[1]                                 # H itself, not D_nᵀ H D_n
    assert not verify_derivative(d).ok


def test_expand_writes_the_blocks_of_a_small_hessian():
    from matcalc import set_notation
    d = checked(hessian("L = trace(X.T @ A @ X)", "X"))
    set_notation(expand="on")
    try:
        shown = d.text()
    finally:
        set_notation(expand="off")
    grid = [line for line in shown.splitlines() if "⎡" in line or "⎢" in line or "⎣" in line]
    assert grid[0].split("⎡")[1].split()[:3] == ["A", "+", "Aᵀ"] and "0" in grid[0]
    assert "⋱" in shown and shown.count("A + Aᵀ") >= 4


# ------------------------------------------------------------------ from the review

def test_printed_numpy_reads_lengths_off_the_arrays():
    # np.eye(m*n) named lengths no user's code has; the check no longer lends them
    d = checked(hessian("L = sum(X ** 2)", "X"))
    x = RNG.normal(size=(3, 2))
    np.testing.assert_allclose(value(d, {"X": x}), 2 * np.eye(6))
    z = checked(hessian("L = trace(A @ X)", "X"))
    assert z.no_matrix_form is None and np.all(value(z, {"A": x.T, "X": x}) == 0)


def test_a_block_in_the_denominator_layout_is_labelled_as_transposed():
    d = checked(hessian("x: (d,)\nb: (c,)\nf = sum(tanh(W.T @ x + b))", "W, b",
                        layout="denominator"))
    assert result_line(d.text()).startswith("∂²f/∂b ∂vec(W)ᵀ = ")
    x, w, b = RNG.normal(size=4), RNG.normal(size=(4, 3)), RNG.normal(size=3)
    assert value(d, {"x": x, "W": w, "b": b}).shape == (3, 12)


def test_k_under_rows_is_named_in_that_convention():
    # vec stacking the rows: K_mn vec(X) = vec(Xᵀ) for X of shape (m, n) there too
    d = checked(jacobian("X: (m, n)\nY = X.T", "X", vec="rows"))
    assert result_line(d.text()) == "∂rvec(Y)/∂rvec(X)ᵀ = K_mn"
    assert "K rvec(M) = rvec(Mᵀ)" in d.text()
    x = RNG.normal(size=(3, 2))
    np.testing.assert_array_equal(value(d, {"X": x}) @ x.reshape(-1), x.T.reshape(-1))


def test_the_batch_row_is_named_as_the_formula_names_it():
    d = checked(hessian("X: (n, d)\nx: (c,)\nW: (d, c)\nZ = X @ W\n"
                        "L = sum(log(1 + exp(Z))) + sum(Z @ x)", "W"))
    text = d.text()
    assert "X_p is row p of X" in text and "x_p is row p" not in text


def test_the_factor_step_names_the_rule_it_used():
    d = checked(hessian("S: symmetric(n, n)\nx: (n,)\nL = x @ S @ S @ x", "S"))
    merge = next(s for s in d.steps if s.reason.key == "factor_kronecker")
    assert merge.reason.params["merges"] == ["commutation"]
    assert "K P + K Q = K (P + Q)" in d.text()
    d = checked(hessian("L = trace(X.T @ A @ X)", "X"))
    assert "P ⊗ Q + P ⊗ R = P ⊗ (Q + R)" in d.text()
    # the rule's letters are none of the program's: Y = P X Q states its rule in U, V
    d = checked(jacobian("Y = P @ X @ Q", "X"))
    assert "(U ⊗ V)_(k,l),(i,j) = u_lj v_ki" in " ".join(d.text().split())


def test_a_jacobian_by_a_symmetric_variable_by_its_free_entries():
    # vec(S) = D_n vech(S): ∂vec(Y)/∂vech(S)ᵀ = J D_n; Y = S S, J = S ⊗ I + I ⊗ S
    d = checked(jacobian("S: symmetric(n, n)\nY = S @ S", "S"))
    assert "∂vec(Y)/∂vech(S)ᵀ = (" in d.text() and ") D_n" in d.text()
    s = RNG.normal(size=(3, 3))
    s = s + s.T
    vech = np.asarray(eval_numpy(d.numpy_of_vech, {"S": s}), dtype=float)
    dn = duplication(3)
    np.testing.assert_allclose(vech, (np.kron(s, np.eye(3)) + np.kron(np.eye(3), s)) @ dn,
                               atol=1e-12)


@pytest.mark.unverified
def test_the_checker_rejects_a_jacobian_in_vech_without_d_n():
    d = jacobian("S: symmetric(n, n)\nY = S @ S", "S")
    assert verify_derivative(d).ok
    d.vech = d.vech.args[0]                                 # J, not J D_n
    assert not verify_derivative(d).ok


@pytest.mark.parametrize("program", [
    # found by the fuzzer once it took Hessians by A, each once a failure: a sum over an
    # index no factor reads (Σ_p c = b c, the check caught a missing b) …
    "A: (m, n)\nW: (n, n)\nU: (b, n, n)\nh0 = (A @ U)\n"
    "h1 = ((((h0 + A)).reshape(-1, n) @ exp(W)).reshape(b, m, n) + h0)\nout = sum(h1 * h1)",
    # … and a side of size 1 × 1 (A: (1, n)), once an internal error
    "A: (1, n)\nh2 = A\nout = sum(h2 * h2)",
    "A: (1, n)\nT: (b, 1, n)\nU: (b, n, n)\nh0 = log(1 + exp(U))\nh1 = (cos(h0) + h0)\n"
    "h2 = ((((T + A)).swapaxes(-1, -2) @ T) + h1)\nout = sum(h2 * h2)",
])
def test_fuzz_finds_by_a_matrix_verify(program):
    d = checked(hessian(program, "A"))
    assert d.vec == "columns" and d.result is not None
