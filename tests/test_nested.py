"""Functions of functions (issue 11, points 2 and 3): every function takes any well-typed
argument, and Jacobians and Hessians see an intermediate inside det, log det or inv.
Each of these was refused ("no element form for Inverse / DiagonalOf / Apply") or, for the
Jacobians and Hessians, wrong with exit 0; each is now derived and verified (the conftest
hook checks every step, the result and the numpy code against finite differences)."""

from __future__ import annotations

import pytest

from helpers import assert_correct, result_line
from matcalc import derive, hessian, jacobian, verify


@pytest.mark.parametrize("program", [
    "X: (n, n)\ns = det(inv(X))",
    "X: (n, n)\nY = inv(inv(X))",
    "X: (n, n)\ns = logdet(inv(X))",
    "X: (n, n)\nY: (n, n)\ns = det(X @ inv(Y))",
    "X: (n, n)\nY = inv(X) @ inv(X)",
    "X: (n, n)\ns = logdet(X.T @ X)",
    "A: (n, n)\nx: (n,)\nM = A + outer(x, x)\ny = inv(M) @ x",
    "x: (n,)\ns = det(diag(exp(x)))",
    "A: (n, n)\nx: (n,)\ns = logdet(A + 2 * outer(x, x))",
    "c: ()\nH: (m, n)\nY = log_softmax(c * H)",
    "g: (n,)\nY = softmax(outer(g, g))",
    "g: (m, n)\ny = diag(sum(g, axis=0))",
    "R: (m, n)\nY = sqrt(softmax(R))",
])
def test_functions_of_any_well_typed_argument(program):
    d = derive(program, wrt="all")
    assert_correct(d, trials=1)
    assert all(g.result is not None for g in d.gradients.values()), d.text()


def test_a_hessian_through_an_intermediate_inside_det():
    # f = det(diag(x)) = Π x_i: the Hessian is nonzero off the diagonal (it once printed 0)
    d = hessian("x: (n,)\nD = diag(x)\nf = det(D)", "x")
    assert verify(d).ok and d.result != 0


def test_a_jacobian_through_an_intermediate_inside_inv():
    # y = (A + x xᵀ)⁻¹ x: the Jacobian is not M⁻¹ alone (it once printed M⁻¹)
    d = jacobian("A: (n, n)\nx: (n,)\nM = A + outer(x, x)\ny = inv(M) @ x", "x")
    assert verify(d).ok and "x xᵀ" in result_line(d.text())
