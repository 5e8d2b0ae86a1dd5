"""The backprop rules of the seed articles, derived and checked numerically.

Each case names the rule as the articles write it; the expected matrix form is the
textbook's, and every case is also checked against central finite differences.
"""

from __future__ import annotations

import pytest

from helpers import derived, result_line

ELEMENTWISE = {
    # B = f(A) → ∂L/∂A = ∂L/∂B ∘ f′(A), written in terms of B where the articles do
    "exp": ("∂L/∂B ∘ B", "dB * B"),
    "log": ("∂L/∂B ∘ A^∘⁻¹", "dB / A"),
    "sqrt": ("(1/2) (∂L/∂B ∘ B^∘⁻¹)", "0.5 * dB / B"),
    "sin": ("∂L/∂B ∘ cos(A)", "dB * np.cos(A)"),
    "cos": ("−(∂L/∂B ∘ sin(A))", "-(dB * np.sin(A))"),
    "tanh": ("∂L/∂B ∘ (1 − B^∘²)", "dB * (1 - B**2)"),
    "sigmoid": ("∂L/∂B ∘ B ∘ (1 − B)", "dB * B * (1 - B)"),
    "relu": ("∂L/∂B ∘ [A > 0]", "dB * np.heaviside(A, 0.0)"),
}

CASES = [
    # (program, wrt, matrix form (text), numpy)
    # C = AB (seed 001 eqs. 15, 16)
    ("C = A @ B", "A", "∂L/∂C Bᵀ", "dC @ B.T"),
    ("C = A @ B", "B", "Aᵀ ∂L/∂C", "A.T @ dC"),
    # seed 000: a row vector times a matrix
    ("X: (1, n)\nW: (n, m)\nY = X @ W", "W", "Xᵀ ∂L/∂Y", "X.T @ dY"),
    ("X: (1, n)\nW: (n, m)\nY = X @ W", "X", "∂L/∂Y Wᵀ", "dY @ W.T"),
    # seed 001: sums, broadcast bias, Hadamard
    ("C = A + B", "A", "∂L/∂C", "dC"),
    ("C = A + B", "B", "∂L/∂C", "dC"),
    ("C = A - B", "B", "−∂L/∂C", "-dC"),
    ("b: (n,)\nC = A + b", "A", "∂L/∂C", "dC"),
    ("b: (n,)\nC = A + b", "b", "𝟏ᵀ ∂L/∂C", "dC.sum(axis=0)"),
    ("c: (m, 1)\nC = A + c", "c", "∂L/∂C 𝟏", "dC.sum(axis=1, keepdims=True)"),
    ("C = A * B", "A", "∂L/∂C ∘ B", "dC * B"),
    ("C = A * B", "B", "∂L/∂C ∘ A", "dC * A"),
    # seed 003: D = W X
    ("D = W @ X", "W", "∂L/∂D Xᵀ", "dD @ X.T"),
    ("D = W @ X", "X", "Wᵀ ∂L/∂D", "W.T @ dD"),
    # vectors with numpy's 1-D rules
    ("x: (n,)\ny = x @ W", "W", "x (∂L/∂y)ᵀ", "np.outer(x, dy)"),
    ("x: (n,)\ny = x @ W", "x", "W ∂L/∂y", "W @ dy"),
    ("x: (n,)\ny = W @ x", "W", "∂L/∂y xᵀ", "np.outer(dy, x)"),
    ("x: (n,)\ny = W @ x", "x", "Wᵀ ∂L/∂y", "W.T @ dy"),
    ("a: (n,)\nx: (n,)\ns = a @ x", "x", "a", "a"),
    ("a: (n,)\nx: (n,)\ns = a @ x", "a", "x", "x"),
    # transposes, scalars, sums, powers
    ("C = A.T @ B", "A", "B (∂L/∂C)ᵀ", "B @ dC.T"),
    ("s: ()\nC = s * A", "A", "s ∂L/∂C", "s * dC"),
    ("s = sum(A, axis=0)", "A", "𝟏 (∂L/∂s)ᵀ", "np.outer(np.ones(A.shape[0]), ds)"),
    ("s = sum(A, axis=1)", "A", "∂L/∂s 𝟏ᵀ", "np.outer(ds, np.ones(A.shape[1]))"),
    ("C = A ** 3", "A", "3 (∂L/∂C ∘ A^∘²)", "3 * dC * A**2"),
    ("C = A / B", "A", "∂L/∂C ∘ B^∘⁻¹", "dC / B"),
    ("C = A @ B @ D", "B", "Aᵀ ∂L/∂C Dᵀ", "A.T @ dC @ D.T"),
]


@pytest.mark.parametrize("program, wrt, text, numpy", CASES,
                         ids=[f"{p.splitlines()[-1]} wrt {w}" for p, w, _, _ in CASES])
def test_rule(program, wrt, text, numpy):
    d = derived(program, wrt=wrt)
    assert d.gradient.result is not None
    assert result_line(d.text()) == f"∂{d.loss if d.has_upstream else d.output}/∂{wrt} = {text}"
    assert d.numpy == numpy


@pytest.mark.parametrize("func", sorted(ELEMENTWISE))
def test_elementwise_function(func):
    """Seed 001 eq. 23: B = f(A) → ∂L/∂A = ∂L/∂B ∘ f′(A)."""
    text, numpy = ELEMENTWISE[func]
    d = derived(f"B = {func}(A)", wrt="A")
    assert result_line(d.text()) == f"∂L/∂A = {text}"
    assert d.numpy == numpy


def test_sum_of_everything_is_ones():
    d = derived("s = sum(A)", wrt="A")
    assert d.numpy == "np.ones((A.shape[0], A.shape[1]))"


def test_scalar_with_respect_to_a_scalar_factor():
    # ∂L/∂s = Σ_k Σ_l ∂L/∂c_kl a_kl = 𝟏ᵀ (∂L/∂C ∘ A) 𝟏: parallel edges, then two sums
    d = derived("s: ()\nC = s * A", wrt="s")
    assert result_line(d.text()) == "∂L/∂s = 𝟏ᵀ (∂L/∂C ∘ A) 𝟏"
    assert d.numpy == "(dC * A).sum()"


def test_product_rule_collects_like_terms():
    # c_kl = a_kl a_kl: both product-rule terms survive the collapse and add up
    d = derived("C = A * A", wrt="A")
    assert result_line(d.text()) == "∂L/∂A = 2 (∂L/∂C ∘ A)"


def test_function_of_a_product_is_recognised_inside():
    # cos(Σ_q a_iq b_qj) is the entry of cos(AB): an elementwise factor with an inner product
    d = derived("C = sin(A @ B)", wrt="A")
    assert result_line(d.text()) == "∂L/∂A = (∂L/∂C ∘ cos(A B)) Bᵀ"


def test_a_definition_with_an_inner_sum_folds_back_to_its_name():
    # σ′ written with the output, as seed 001 does: σ(Σ_p a_kp b_pl) (1 − …) = c_kl (1 − c_kl)
    d = derived("C = sigmoid(A @ B)", wrt="A")
    assert "definition of C" in d.text()
    assert result_line(d.text()) == "∂L/∂A = (∂L/∂C ∘ C ∘ (1 − C)) Bᵀ"


def test_broadcast_vector_times_matrix():
    d = derived("x: (n,)\nC = A * x", wrt="x")
    assert d.numpy == "(dC * A).sum(axis=0)" or d.numpy == "(A * dC).sum(axis=0)"


@pytest.mark.parametrize("program, wrt", [
    # the product rule copies Σ_r x_pr w_rq; the copies must not share the index r
    ("s = sum((X @ W) ** 2)", "W"),
    ("C = (A @ B) ** 2", "A"),
    ("loss = sum((X @ W - Y) ** 2)", "W"),
    ("D = X @ W - Y\nloss = sum(D * D)", "W"),
    # scalar sums inside matrix results
    ("C = exp(A) / sum(exp(A))", "A"),
    ("C = A / sum(A)", "A"),
    ("s: ()\nC = A * sum(A)", "A"),
    # several statements (intermediates inlined) with a sign inside a function
    ("Z = A - B\nH = sigmoid(Z)", "B"),
    ("b: (k,)\nZ = X @ W + b\nH = sigmoid(Z)", "b"),
    ("C = A ** -2", "A"),
    ("C = 1 / A", "A"),
    # found by review: column normalisation, mixed 1-D and 2-D columns, powers in numpy
    ("Y = exp(A) / sum(exp(A), axis=0)", "A"),
    ("H = A @ B\nY = H / sum(H, axis=0)", "B"),
    ("c: (m, 1)\nY = A / c - c", "c"),
    ("x: (n,)\nY = x @ x * A", "x"),
    ("x: (n,)\ny = x / sqrt(x @ x)", "x"),
    ("x: (n,)\ny: (n,)\ns = (x @ y) * (x @ x)", "x"),
    ("x: (n,)\nH = A @ x\ns = sum(H) * sum(H * H)", "x"),
    ("Y = sqrt(A * A)", "A"),
    ("Z = X @ W1\nH = sigmoid(Z)\ns = sum(H @ W2)", "X"),
    ("H = X @ W\nO = sum(H ** 2, axis=1)", "W"),
    ("Y = A @ B @ C @ D @ E @ F", "A"),
    ("Y = A ** (1/2)", "A"),
    ("x: (n,)\ns = sum(x, axis=0)", "x"),
])
def test_regressions_verify(program, wrt):
    d = derived(program, wrt=wrt)
    assert d.gradient.result is not None


def test_numbers_shared_by_a_sum_move_out():
    # ∂‖x − a‖/∂x: (1/2)(2x − 2a)/s is (x − a)/s; a fraction's number joins its denominator
    d = derived("x: (n,)\na: (n,)\ns = norm(x - a)", wrt="x")
    assert result_line(d.text()) == "∂s/∂x = (1/s) (x − a)"
    assert "(2 x_i − 2 a_i)/(2 s)" in d.text()


def test_softmax_numpy_is_finite_at_large_logits():
    # the printed code subtracts the row max: finite at logits ±1000 (it gave nan)
    import numpy as np
    z = np.array([[1000.0, -1000.0, 0.0], [3.0, 2.0, 1.0]])
    for program in ("Z: (m, c)\nY = log_softmax(Z)", "Z: (m, c)\nY = softmax(Z)"):
        d = derived(program, wrt="Z")
        value = d.evaluate({"Z": z}, upstream=np.ones((2, 3)))["Z"]
        assert np.all(np.isfinite(value)), (program, d.numpy)


@pytest.mark.parametrize("program", [
    # found by a review: beside another spread-out vector or number (𝟏uᵀ + c𝟏𝟏ᵀ), a
    # spread was once printed as the bare vector — numpy of the wrong shape (c + u)
    "X: (m, n)\nu: (n,)\nc: ()\nL = sum(X * u) + c * sum(X)",
    "X: (m, n)\nL = sum(exp(sum(X, axis=1))) + sum(X)",
    "X: (m, n)\nc: ()\nL = c * sum(X) + sum(sum(X, axis=0) ** 2)",
    "X: (m, n)\nu: (m,)\nc: ()\ns = sum(X, axis=1)\nL = sum(s * u) + c * sum(X)",
])
def test_numpy_broadcasts_only_against_a_full_matrix(program):
    derived(program, wrt="X")  # the numpy code must have X's shape and values
