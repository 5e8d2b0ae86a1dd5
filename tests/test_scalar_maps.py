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
    # dz/dy is g's own symbol: not derived, not shown, and checked as the rest are
    assert d.all_gradients["y"].declared and d.all_gradients["y"].steps == []
    assert "y" not in d.shown_gradients and "dz/dy = dz/dy" not in d.text()
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


# ---------------------------------------------------------------- found in review

@pytest.mark.parametrize("program", [
    "x: (n,)\nf: () -> ()\ns = sum(x)\nt = f(s)\nL = t",             # dt/ds times 𝟏
    "x: (n,)\nf: (n,) -> ()\ng: () -> ()\ny = f(x)\nz = g(y)",      # dz/dy times ∂y/∂x
    "X: (m, n)\nF: (m, n) -> ()\ng: () -> ()\ny = F(X)\nz = g(y)",
])
def test_a_scalar_derivative_times_a_vector_or_matrix_verifies(program):
    d = derive(program, wrt="X" if "X:" in program else "x")
    assert d.verified_on >= 2


@pytest.mark.parametrize(("command", "program", "wrt", "words"), [
    ("jacobian", CHAIN, "x", "is applied to an intermediate here"),
    ("jacobian", "x: (n,)\nf: (n,) -> ()\na = x\ny = f(a)", "x", "use 'matcalc derive'"),
    ("hessian", "x: (n,)\nf: (n,) -> ()\ny = f(x)", "x", "no second derivative"),
    ("hessian", "x: (n,)\ng: (n,) -> (m,)\ny = g(x)\nL = sum(y * y)", "x",
     "no second derivative"),
])
def test_what_a_declared_map_cannot_give_is_one_line(command, program, wrt, words):
    """jacobian and hessian write intermediates out, which a map's symbol cannot follow;
    a map's derivative has no derivative (never the 0 it once gave)."""
    import matcalc
    from matcalc.errors import UnsupportedError
    with pytest.raises(UnsupportedError) as caught:
        getattr(matcalc, command)(program, wrt=wrt)
    assert words in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.unverified  # a wrong variant, on purpose
@pytest.mark.parametrize("declaration", ["(n,) -> ()", "() -> ()"])
def test_two_maps_are_two_functions_to_the_check(declaration):
    """Each map runs as stand-ins of its own: ∂y/∂x and ∂z/∂x swapped is caught."""
    shape = "(n,)" if declaration.startswith("(n") else "()"
    program = f"x: {shape}\nf: {declaration}\ng: {declaration}\ny = f(x)\nz = g(x)\n" \
              "L = y * z ** 3"
    d = derive(program, wrt="x")
    kind = Gradient if shape == "(n,)" else MapDerivative

    def swapped(result):
        pairs = {s.of: s for s in result.atoms(kind)}
        return result.xreplace({pairs["y"]: pairs["z"], pairs["z"]: pairs["y"]})
    assert not verify(_mutant(d, "x", swapped)).ok


def test_names_the_graph_and_inline_order():
    text = derive("X: (2, 2)\nF: (2, 2) -> ()\nOut = F(X)", wrt="X").text()
    assert "∂Out/∂X" in text and "∂out" not in text      # the scalar's own name
    dot = derive("x: (n,)\nf: (m,) -> ()\ny = W @ x\nL = f(y)", wrt="W,x").dot()
    assert '"L" -> "y"' in dot                           # the loss's edge back to y
    inlined = derive("x: ()\nf: () -> ()\ng: () -> ()\nh: () -> ()\ny = f(x)\nz = g(y)\n"
                     "w = h(z)", wrt="x", inline=True).text()
    assert "dw/dx = dw/dz dz/dy dy/dx" in inlined


@pytest.mark.unverified  # a wrong variant, on purpose
def test_two_declared_elementwise_functions_are_two_functions_to_the_check():
    """f′ written for g′ is caught: each declared function has stand-ins of its own."""
    d = derive("f: elementwise\ng: elementwise\nB = f(A) * g(A)", wrt="A")

    from matcalc.index.symbols import Apply

    def swapped(result):
        calls = {c.name: c for c in result.atoms(Apply) if c.name in ("f′", "g′")}
        assert set(calls) == {"f′", "g′"}, result
        return result.xreplace({calls["f′"]: calls["g′"], calls["g′"]: calls["f′"]})
    assert not verify(_mutant(d, "A", swapped)).ok
