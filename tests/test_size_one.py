"""Dimensions of size 1 (issue 11, point 4): scalars in disguise — (1,), (1, 1), (n, 1),
(1, n) — derive, print and run as numpy. Each program here once crashed (exit 70), printed
numpy that raised, or left an index of size 1 in a matrix form; the conftest hook verifies
each result, its numpy code and the backward pass against finite differences."""

from __future__ import annotations

import pytest

from helpers import assert_correct
from matcalc import derive, hessian, jacobian, verify


@pytest.mark.parametrize("program", [
    "X: (1, 1)\ny = trace(X)",
    "x: (n,)\nw: (n,)\nb: (1,)\nz = x @ w + b\nL = sum(z * z)",
    "X: (m, n)\nw: (n, 1)\nb: (1,)\ny = X @ w + b\nL = sum(y ** 2)",
    "x: (1,)\ny = sigmoid(x)",
    "X: (1, 1)\nY: (1, 1)\nZ = X @ Y",
    "X: (1, 1)\nY = inv(X)",
    "X: (1, 1)\ns = logdet(X)",
    "X: (1, 3)\nP = softmax(X)",
    "X: (3, 1)\nP = softmax(X)",      # a row of one entry: softmax is 1, its gradient 0
    "X: (m, n)\nW: (n, 1)\nb: (1,)\nH = sigmoid(X @ W + b)\nL = sum(H)",  # one unit
    "x: (1,)\nA: (1, 1)\nf = x @ A @ x",
])
def test_size_one_dimensions(program):
    d = derive(program, wrt="all")
    assert_correct(d, trials=1)


@pytest.mark.parametrize("make", [
    lambda: jacobian("x: (1,)\ny = W @ x", "x"),
    lambda: jacobian("x: (1,)\ny = sigmoid(x)", "x"),
    lambda: hessian("x: (1,)\nf = x @ A @ x", "x"),
    lambda: hessian("x: (1,)\nf = sum(exp(x))", "x"),
])
def test_size_one_jacobians_and_hessians(make):
    assert verify(make()).ok
