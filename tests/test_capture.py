"""Capture-free instantiation: every function of the language, composed with diag, trace,
outer and transpose, at a size of 1 and at larger sizes, derives a verified gradient.

An element form instantiated at other indices must not capture them: softmax(S)_pp (under
a trace or a diag) is the row s_pℓ read at ℓ = p, not exp(s_pp)/Σ_q exp(s_qq), which is
what substituting the position p → q once produced — a wrong gradient, exit 0, for the
CLIP loss −tr(log_softmax(X Yᵀ)) among others."""

from __future__ import annotations

import pytest

from helpers import assert_correct, result_line
from matcalc import derive, ops
from matcalc.errors import UnsupportedError

MATRIX_FUNCTIONS = [op.name for op in map(ops.get, ops.LANGUAGE)
                    if (op.kind in ("elementwise", "rowwise") and op.arity == 1)
                    or op.name == "inv"]

# {f} is the function; S is square, x a vector of its size
COMPOSITIONS = [
    "s = trace({f}(S))",
    "y = diag({f}(S))",
    "Y = outer(diag({f}(S)), x)",
    "Y = {f}(S).T",
    "Y = {f}(S.T)",
    "s = trace({f}(S) @ S)",
    "y = {f}(S) @ x",
    "s = trace({f}(diag(x)))",
    "y = diag({f}(diag(x)))",
    "Y = {f}(outer(x, x))",
]
SIZES = {"n": "S: (n, n)\nx: (n,)", "1": "S: (1, 1)\nx: (1,)"}


def defined(f: str, composition: str) -> bool:
    """diag(x) and outer(x, x) hold zeros or a rank-one matrix: log and √ of a zero, relu
    at its kink and the inverse of a singular matrix are not differentiable there."""
    op = ops.get(f)
    zeros = "diag(x)" in composition
    singular = zeros or "{f}(outer" in composition
    return not ((op.positive or op.kink) and zeros) and not (op.invertible and singular)


CASES = [(f, composition, size) for f in MATRIX_FUNCTIONS for composition in COMPOSITIONS
         for size in SIZES if defined(f, composition)]


@pytest.mark.parametrize("f, composition, size", CASES,
                         ids=[f"{f}:{c.split(' = ')[1]}:{s}" for f, c, s in CASES])
def test_every_function_composed_with_diag_trace_outer_transpose(f, composition, size):
    program = SIZES[size] + "\n" + composition.format(f=f)
    try:
        d = derive(program, wrt="all")
    except UnsupportedError as refused:  # a documented refusal, never a wrong result
        pytest.xfail(f"refused: {refused}")
    assert_correct(d, trials=1)


def test_the_clip_loss():
    # InfoNCE/CLIP: L = −tr(log_softmax(X Yᵀ)), ∂L/∂X = −(I − softmax(X Yᵀ)) Y
    d = derive("X: (n, d)\nY: (n, d)\nL = -trace(log_softmax(X @ Y.T))", wrt="X")
    assert_correct(d)
    assert result_line(d.text()) == "∂L/∂X = softmax(X Yᵀ) Y − Y"


@pytest.mark.parametrize("program", [
    # issue 11's list: wrong numbers with exit 0 before row-wise entries bound their index
    "K: (n, n)\ns = trace(softmax(K))",
    "K: (n, n)\ns = trace(softmax(inv(K)))",
    "S: (n, n)\nv: (n,)\ny = diag(softmax(S)) @ v",
    "S: (n, n)\nA: (n, n)\ns = trace(softmax(S) * A)",
    "R: (n, n)\nB: (n, n)\nh = inv(R)\nz1 = sigmoid(diag(B)) / diag(softmax(h))\nF2 = z1 @ R",
    # and a crash (exit 70: no numpy form for a sum)
    "D: (k, n)\nP = (sum(D, axis=1) + sum(D, axis=1)) * sigmoid(mse(D, D))\n"
    "z1 = sqrt(norm(P))\ng = relu(D - z1)\nF2 = sum(g, axis=1) - outer(P, P)",
])
def test_the_issues_examples(program):
    d = derive(program, wrt="all")
    assert_correct(d, trials=1)
    assert all(d.numpy_of(w) for w in d.gradients)
