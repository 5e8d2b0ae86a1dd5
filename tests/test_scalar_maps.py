"""Maps to a scalar, ``f: () -> ()``, ``f: (n,) -> ()``, ``f: (m, n) -> ()`` (issue 21
point 6): seed 002's scalar chain rule dz/dx = dz/dy dy/dx and seed 004's gradient and
gradient matrix of an arbitrary f. Their derivatives are symbols (dy/dx, ∂y/∂x of x's
shape); the check runs each map as two unrelated stand-ins, and rejects wrong variants."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest
import sympy

from helpers import result_line
from matcalc import derive, set_notation
from matcalc.check import verify
from matcalc.check.numeric import draw_instances
from matcalc.errors import ShapeError
from matcalc.language.parse import parse
from matcalc.ops.maps import Gradient, MapDerivative, stand_in_gradient, stand_in_scalar

CHAIN = "x: ()\nf: () -> ()\ng: () -> ()\ny = f(x)\nz = g(y)"
LINEAR = "x: (n,)\nf: (m,) -> ()\ny = W @ x\nL = f(y)"


def test_declarations_of_maps_to_a_scalar_parse():
    assert parse(CHAIN).maps == (("f", (), ()), ("g", (), ()))
    assert parse("X: (m, n); F: (m, n) -> (); f = F(X)").maps == (("F", ("m", "n"), ()),)


def test_the_scalar_chain_rule_is_the_rule_itself():
    """Seed 002: z = g(y) is the loss, so dz/dy is g's own symbol (no derivation of it);
    the proof of dz/dx is the chain rule, in d (z is a function of x alone) and in the
    seed's order dz/dy dy/dx."""
    d = derive(CHAIN, wrt="x")
    assert [s.reason.key for s in d.gradients["x"].steps] == ["chain_rule"]
    assert "\ndz/dx = dz/dy dy/dx\n" in d.text()
    assert r"\frac{\mathrm{d} z}{\mathrm{d} y} \frac{\mathrm{d} y}{\mathrm{d} x}" in d.latex()
    assert "y" not in d.all_gradients  # dz/dy is declared, not derived
    assert d.verified_on >= 2
    # asked for, dz/dy is shown as what it is
    assert "\ndz/dy = dz/dy\n" in derive(CHAIN, wrt="y").text()


def test_three_maps_chain_their_symbols():
    d = derive("x: ()\nf: () -> ()\ng: () -> ()\nh: () -> ()\ny = f(x)\nz = g(y)\n"
               "w = h(z)", wrt="x")
    assert d.verified_on
    found = {s.name for s in d.gradients["x"].inlined.atoms(MapDerivative)}
    assert found == {"∂y/∂x", "∂z/∂y", "∂w/∂z"}  # dw/dx = dw/dz dz/dy dy/dx


def test_the_gradient_of_any_f_is_its_symbol_written_out():
    """Seed 004: ∂f(x)/∂x, a column of ∂f/∂x_i; its gradient matrix ∂f/∂X of x_ij."""
    d = derive("x: (n,)\nF: (n,) -> ()\nf = F(x)", wrt="x")
    assert result_line(d.text()) == "∂f/∂x = ∂f/∂x"
    assert isinstance(d.gradients["x"].result, Gradient)
    set_notation(expand="on")
    column = derive("x: (n,)\nF: (n,) -> ()\nf = F(x)", wrt="x").text()
    assert "∂f/∂x_n" in column and "∂f/∂x = ∂f/∂x" not in column
    grid = derive("X: (m, n)\nF: (m, n) -> ()\nf = F(X)", wrt="X").text()
    assert "∂f/∂x_mn" in grid and "∂f/∂x_12" in grid


def test_any_loss_of_a_linear_layer():
    """L = f(W x) for any f: ∂L/∂W = ∂L/∂y xᵀ, ∂L/∂x = Wᵀ ∂L/∂y, with ∂L/∂y f's gradient."""
    d = derive(LINEAR, wrt="W,x")
    lines = d.text()
    assert "∂L/∂W = ∂L/∂y xᵀ" in lines and "∂L/∂x = Wᵀ ∂L/∂y" in lines
    assert d.verified_on >= 2


def test_the_stand_ins_are_unrelated_and_their_gradients_are_their_own():
    x = np.random.default_rng(1).normal(size=(3, 2))
    h = 1e-6
    for which in (0, 1):
        from matcalc.ops.elementwise import STAND_IN
        token = STAND_IN.set(which)
        try:
            found = np.zeros_like(x)
            for index in np.ndindex(x.shape):
                e = np.zeros_like(x)
                e[index] = h
                found[index] = (stand_in_scalar((x + e)[None])[0] -
                                stand_in_scalar((x - e)[None])[0]) / (2 * h)
            assert np.allclose(found, stand_in_gradient(x), atol=1e-6)
        finally:
            STAND_IN.reset(token)
    draws = draw_instances(parse(CHAIN), derive(CHAIN, wrt="x").shapes, "z", 3)
    assert {i.stand_in for i in draws.instances} == {0, 1}


def _mutant(d, wrt, change):
    grad = d.gradients[wrt]
    wrong_grad = dataclasses.replace(grad, result=change(grad.result))
    assert wrong_grad.result != grad.result
    wrong = copy.copy(d)
    wrong.checked = {}
    wrong.gradients = {**d.gradients, wrt: wrong_grad}
    wrong.all_gradients = {**d.all_gradients, wrt: wrong_grad}
    return wrong


@pytest.mark.unverified  # wrong variants, on purpose
@pytest.mark.parametrize(("program", "wrt", "change"), [
    # the map's own derivative left out: dz/dy for dz/dy dy/dx
    (CHAIN, "x", lambda r: r.replace(lambda e: isinstance(e, MapDerivative) and
                                     e.by == "x", lambda e: sympy.Integer(1))),
    # the transpose dropped: W ∂L/∂y for Wᵀ ∂L/∂y (W square)
    ("x: (n,)\nW: (n, n)\nf: (n,) -> ()\ny = W @ x\nL = f(y)", "x",
     lambda r: r.replace(lambda e: isinstance(e, sympy.Transpose), lambda e: e.arg)),
    # the gradient matrix transposed
    ("X: (n, n)\nF: (n, n) -> ()\nf = F(X)", "X", lambda r: sympy.Transpose(r)),
])
def test_wrong_variants_are_rejected(program, wrt, change):
    d = derive(program, wrt=wrt)
    assert verify(d).ok
    assert not verify(_mutant(d, wrt, change)).ok


def test_a_map_applied_to_the_wrong_shape_is_one_line():
    with pytest.raises(ShapeError) as caught:
        derive("x: (m, n)\nf: (n,) -> ()\ny = f(x)", wrt="x")
    assert "f() maps a value of shape (n,); x is (m, n)" in str(caught.value)
    assert "\n" not in str(caught.value)
