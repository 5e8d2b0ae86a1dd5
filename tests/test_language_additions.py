"""The language as people write it today (issue 12): Greek and Unicode names, dimensions
used as numbers, keepdims, and the functions logsumexp, var, std, max, maximum and abs —
each verified, with the meaning numpy gives it."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import assert_correct, numpy_value, result_line
from matcalc import derive
from matcalc.check.numeric import random_instance
from matcalc.errors import ParseError

# ---------------------------------------------------------------- names

def test_greek_names_print_as_letters():
    d = derive("X: (m, n)\ngamma: (n,)\nbeta: (n,)\nlam: ()\nSigma: (n, n)\n"
               "Y = gamma * X @ Sigma + beta\nL = lam * sum(Y ** 2)", wrt="gamma, Sigma")
    assert_correct(d)
    text, latex = d.text(), d.latex()
    assert "Y = (γ ∘ X) Σ + β" in text and "L = λ sum(Y^∘2)" in text
    assert "∂L/∂γ =" in text and "∂L/∂Σ =" in text
    assert r"\boldsymbol{\Sigma}" in latex and r"\gamma_{" in latex and r"\lambda" in latex
    assert "dgamma" in d.backward_numpy or "dgamma" in (d.numpy_of("gamma") or "dgamma")


def test_unicode_identifiers_are_names():
    d = derive("λ: ()\nΦ1: (m, n)\nW1: (n, k)\nY = λ * Φ1 @ W1", wrt="Φ1, λ")
    assert_correct(d)
    assert "Y = λ Φ1 W1" in d.text()
    assert r"\boldsymbol{\Phi}_{1}" in d.latex()


def test_lambda_is_a_keyword_and_the_error_says_lam():
    with pytest.raises(ParseError, match="lam"):
        derive("Y = lambda * X")


# ---------------------------------------------------------------- dimensions as numbers

def test_a_dimension_used_as_a_number_is_its_size():
    d = derive("Q: (n, d)\nK: (n, d)\nS = Q @ K.T / sqrt(d)", wrt="Q, K")
    assert_correct(d)
    assert "√d" in result_line(d.text())
    assert "Q.shape[1]" in d.numpy_of("Q")  # the size, read off an input as numpy would


def test_mean_written_with_dimensions_equals_mean():
    by_hand = derive("X: (m, n)\nL = sum(X ** 2) / (m * n)", wrt="X")
    builtin = derive("X: (m, n)\nL = mean(X ** 2)", wrt="X")
    assert_correct(by_hand)
    instance = random_instance(by_hand.program, by_hand.shapes, by_hand.output, seed=3)
    np.testing.assert_allclose(numpy_value(by_hand, "X", instance),
                               numpy_value(builtin, "X", instance))


@pytest.mark.parametrize("program, message", [
    ("C: (m, n)\nC = A * m", "no input is declared with it"),
    ("m: ()\nA: (m, n)\nC = A * m", "both a dimension and a matrix"),
])
def test_dimension_misuse_is_explained(program, message):
    with pytest.raises(ParseError, match=message):
        derive(program)


# ---------------------------------------------------------------- keepdims, axis=-1

@pytest.mark.parametrize("call, shape", [
    ("sum(X, axis=1, keepdims=True)", ("m", 1)),
    ("mean(X, axis=0, keepdims=True)", (1, "n")),
    ("sum(X, keepdims=True)", (1, 1)),
    ("var(X, axis=-1, keepdims=True)", ("m", 1)),
    ("max(X, axis=-1)", ("m",)),
])
def test_keepdims_keeps_the_reduced_axes(call, shape):
    d = derive(f"X: (m, n)\nY = {call}")
    assert d.shapes.names["Y"] == shape
    assert_correct(d)


def test_centring_with_keepdims_broadcasts_as_numpy_does():
    d = derive("X: (m, n)\nmu = mean(X, axis=1, keepdims=True)\nY = X - mu", wrt="X")
    assert_correct(d)
    assert "dmu = -dY.sum(axis=1, keepdims=True)" in d.backward_numpy


# ---------------------------------------------------------------- new functions

def test_the_gradient_of_logsumexp_is_the_softmax():
    d = derive("x: (n,)\ns = logsumexp(x)", wrt="x")
    assert_correct(d)
    assert result_line(d.text()) == "∂s/∂x = softmax(x)"
    assert "the gradient of log-sum-exp is the softmax" in d.text()
    rows = derive("Z: (m, n)\nv = logsumexp(Z, axis=1)", wrt="Z")
    assert_correct(rows)
    assert "softmax(Z)" in result_line(rows.text())


def test_cross_entropy_from_logits_is_softmax_minus_targets():
    d = derive("Z: (m, c)\nT: onehot(m, c)\nL = sum(logsumexp(Z, axis=1)) - sum(T * Z)",
               wrt="Z")
    assert_correct(d)
    assert result_line(d.text()) == "∂L/∂Z = softmax(Z) − T"


@pytest.mark.parametrize("f", ["var", "std"])
def test_variance_and_standard_deviation_are_numpys(f):
    d = derive(f"X: (m, n)\nv = {f}(X, axis=0)", wrt="X")
    assert_correct(d)
    x = np.random.default_rng(0).normal(size=(5, 3))
    # np.var / np.std: the population forms (ddof=0), by the checker's own forward pass
    from matcalc.check.numeric import forward
    np.testing.assert_allclose(forward(d.program, {"X": x})["v"], getattr(np, f)(x, axis=0))


def _gradient_at(program: str, wrt: str, values: dict, upstream=None) -> np.ndarray:
    from matcalc.check.numeric import evaluate_gradients
    d = derive(program, wrt=wrt)
    return evaluate_gradients(d, values, upstream)[wrt]


def test_max_routes_the_gradient_to_the_argmax_and_shares_it_among_ties():
    program = "x: (n,)\ns = max(x)"
    np.testing.assert_allclose(_gradient_at(program, "x", {"x": [0.0, 2.0, 1.0]}), [0, 1, 0])
    tied = _gradient_at(program, "x", {"x": [1.0, 1.0, 0.0]})
    np.testing.assert_allclose(tied, [0.5, 0.5, 0])  # a subgradient: the shares sum to 1
    assert_correct(derive("A: (m, n)\nv = max(A, axis=1)", wrt="A"))


def test_maximum_is_the_max_gate():
    program = "a: (n,)\nb: (n,)\nc = maximum(a, b)"
    values = {"a": [3.0, -1.0, 2.0], "b": [1.0, 0.0, 2.0]}
    upstream = np.array([1.0, 1.0, 1.0])
    np.testing.assert_allclose(_gradient_at(program, "a", values, upstream), [1, 0, 0])
    # at the tie (2, 2) all of it goes to b: a subgradient, the shares sum to 1
    np.testing.assert_allclose(_gradient_at(program, "b", values, upstream), [0, 1, 1])
    assert_correct(derive("A: (m, n)\nb: (n,)\nC = maximum(A @ A.T @ A, b)", wrt="A, b"))


def test_abs_has_the_sign_as_derivative_and_0_at_0():
    program = "x: (n,)\ns = sum(abs(x))"
    np.testing.assert_allclose(_gradient_at(program, "x", {"x": [-2.0, 0.0, 3.0]}), [-1, 0, 1])
    d = derive("X: (m, n)\nw: (n,)\ny: (m,)\nL = sum(abs(X @ w - y))", wrt="w")
    assert_correct(d)
    assert result_line(d.text()) == "∂L/∂w = Xᵀ sign(X w − y)"


def test_terms_that_cancel_are_multiplied_out_in_a_stated_step():
    d = derive("X: (m, n)\nw: (n,)\ny: (m,)\nz = X @ w\n"
               "L = -sum(y * log(sigmoid(z)) + (1 - y) * log(1 - sigmoid(z)))", wrt="z")
    assert_correct(d)
    assert "\n∂L/∂z = σ(z) − y\n" in d.text()
    assert [s.reason.key for s in d.steps][-1] == "multiply_out"


def test_a_centred_sum_vanishes_by_collecting_like_terms():
    # ∂ var(X, 0)_l/∂x_ij: the terms of Σ_p (x_pj − μ_j) under other summation letters
    # collect to nothing, leaving 2 (x_ij − μ_j)/N (once four terms, one a triple sum)
    d = derive("X: (N, n)\nv = var(X, axis=0)", wrt="X")
    assert_correct(d)
    keys = [s.reason.key for s in d.steps]
    assert "collect" in keys
    collected = d.steps[keys.index("collect")].rhs
    assert len(sympy_terms(collected)) == 2


def sympy_terms(expr):
    import sympy
    return sympy.Add.make_args(expr)
