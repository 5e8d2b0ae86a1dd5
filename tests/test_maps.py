"""Maps between vectors, ``g: (n,) -> (m,)`` (issue 21 point 6, seed 002's y(x)): the
declaration, its one-line errors, the Jacobian symbol ∂y/∂x in the proof, and the check
with two unrelated stand-ins, which a wrong result (the transpose dropped) fails."""

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
from matcalc.errors import ParseError, ShapeError, UsageError
from matcalc.language.parse import parse
from matcalc.ops.maps import Jacobian, stand_in_jacobian, stand_in_value

MAP = "x: (n,)\ng: (n,) -> (m,)\ny = g(x)"


def test_the_declaration_parses_with_symbolic_or_numeric_dims():
    program = parse(MAP)
    assert program.maps == (("g", ("n",), ("m",)),)
    assert "g" in program.functions
    assert parse("x: (3,); h: (3,)->(2,); y = h(x)").maps == (("h", (3,), (2,)),)
    assert parse("x: (n,); g: n -> m; y = g(x)").maps == (("g", ("n",), ("m",)),)


@pytest.mark.parametrize(("program", "error", "words"), [
    ("x: (n,); g: (n,) -> (m,); y = g(x, x)", ParseError, "g() takes one argument, got 2"),
    ("X: (n, p); g: (n,) -> (m,); y = g(X)", ShapeError,
     "g() maps a vector of length n; X is (n, p)"),
    ("x: (p,); g: (n,) -> (m,); y = g(x)", ShapeError,
     "g() maps a vector of length n; x is (p,)"),
    ("g: (n, p) -> (m,); y = g(x)", ParseError, "a map goes from a vector to a vector"),
    ("x: (n,); g: (n,) -> (m, p); y = g(x)", ParseError, "or to a scalar from a scalar"),
    ("x: (); g: () -> (m,); y = g(x)", ParseError, "or to a scalar from a scalar"),
    ("x: (n,); g: (n,) -> (m,); y = g(2 * x)", ParseError,
     "a map is applied to a name and its result given a name, e.g. 'y = g(x)'"),
    ("x: (n,); g: (n,) -> (m,); y = 2 * g(x)", ParseError, "e.g. 'y = g(x)'"),
    ("x: (n,); g: (n,) -> (m,); g: elementwise; y = g(x)", ParseError,
     "'g' is declared twice"),
    ("x: (n,); exp: (n,) -> (m,); y = exp(x)", ParseError, "'exp' is reserved"),
])
def test_misuse_is_one_line(program, error, words):
    with pytest.raises(error) as caught:
        derive(program, wrt="x")
    assert words in str(caught.value) and "\n" not in str(caught.value)


def test_the_columns_of_an_error_are_the_programs_own():
    """'->' is read as '>>', of the same length: a column after it is where it is."""
    with pytest.raises(ParseError) as caught:
        derive("x: (n,); g: (n,) -> (m,); y = g(x, x)")
    assert caught.value.col == "x: (n,); g: (n,) -> (m,); y = g(x, x)".index("g(x, x)") + 1


def test_the_proof_shows_the_jacobian_symbol_and_its_entries():
    d = derive(MAP, wrt="x", loss="z")
    text = d.text()
    assert result_line(text) == "∂z/∂x = (∂y/∂x)ᵀ ∂z/∂y"
    assert "y_k = g_k(x)" in text
    # the chain rule's ∂y_j/∂x_i is the Jacobian's entry: straight to the matrix form
    assert [s.reason.key for s in d.gradients["x"].steps][:1] == ["chain_rule"]
    assert "((∂y/∂x)ᵀ ∂z/∂y)_i" in text and "g_j(x)" not in text.split("note:")[-1]
    # every line with --steps element: g_j(x) written out and differentiated to ∂y_j/∂x_i
    full = derive(MAP, wrt="x", loss="z", steps="element").text()
    assert "∂(g_j(x))/∂x_i" in full and "Σ_j ((∂y/∂x)ᵀ)_ij · ∂z/∂y_j" in full
    latex = d.latex()
    assert r"\left(\frac{\partial \mathbf{y}}{\partial \mathbf{x}}\right)^{\mathsf{T}} " \
           r"\frac{\partial z}{\partial \mathbf{y}}" in latex
    result = d.gradients["x"].result
    assert isinstance(result.args[0].arg, Jacobian)


def test_through_a_loss_the_jacobian_meets_the_gradient_of_y():
    d = derive("x: (n,)\ng: (n,) -> (m,)\ny = g(x)\nz = sum(y * y)", wrt="x")
    assert d.text().splitlines()[-3] == "  ∂z/∂x = 2 (∂y/∂x)ᵀ y"


def test_the_result_holds_for_both_stand_ins():
    d = derive(MAP, wrt="x", loss="z")
    report = verify(d)
    assert report.ok and report.trials >= 2
    draws = draw_instances(d.program, d.shapes, d.output, 3)
    assert {i.stand_in for i in draws.instances} == {0, 1}


def test_the_stand_ins_are_unrelated_and_their_jacobians_are_their_own():
    x = np.random.default_rng(0).normal(size=4)
    for which in (0, 1):
        h = 1e-6
        found = np.stack([(stand_in_value(x + h * e, 3, which) -
                           stand_in_value(x - h * e, 3, which)) / (2 * h)
                          for e in np.eye(4)], axis=1)
        assert np.allclose(found, stand_in_jacobian(x, 3, which), atol=1e-6)
    assert not np.allclose(stand_in_jacobian(x, 3, 0), stand_in_jacobian(x, 3, 1), atol=0.1)


@pytest.mark.unverified  # a wrong variant, on purpose
def test_a_result_without_the_transpose_is_rejected():
    d = derive("x: (n,)\ng: (n,) -> (n,)\ny = g(x)", wrt="x", loss="z")
    grad = d.gradients["x"]
    dropped = grad.result.replace(
        lambda e: isinstance(e, sympy.Transpose) and isinstance(e.arg, Jacobian),
        lambda e: e.arg)
    assert dropped != grad.result
    wrong = copy.copy(d)
    wrong.checked = {}
    wrong_grad = dataclasses.replace(grad, result=dropped)
    wrong.gradients = {**d.gradients, "x": wrong_grad}
    wrong.all_gradients = {**d.all_gradients, "x": wrong_grad}
    assert verify(d).ok
    assert not verify(wrong).ok


def test_a_map_has_no_numpy_and_says_why():
    d = derive(MAP, wrt="x", loss="z")
    with pytest.raises(UsageError, match="g is declared, not specified"):
        d.show("numpy")


def test_the_jacobian_of_a_map_is_its_symbol_and_has_no_numpy():
    """Seed 004's general definition: the Jacobian of any f is ∂y/∂x, entries ∂y_k/∂x_i —
    by declaration, with no proof that would only restate it; --expand writes its grid."""
    from matcalc import jacobian
    from matcalc.codegen.backward import derivative_numpy
    d = jacobian(MAP, wrt="x")
    assert result_line(d.text()) == "∂y/∂x = ∂y/∂x"
    assert d.steps == [] and d.verified_on
    assert derivative_numpy(d) is None
    set_notation(expand="on")  # (the autouse fixture restores the notation)
    expanded = d.text()
    assert "∂y_m/∂x_n" in expanded and "∂y/∂x = ∂y/∂x" not in expanded


@pytest.mark.parametrize("function", ["softmax", "log_softmax"])
def test_only_a_declared_map_skips_its_element_form(function):
    """A row-wise function of a name lowers to a node like a map's entry; its Jacobian's
    proof still starts from the element form (a map's own Jacobian is its symbol)."""
    from matcalc import jacobian
    d = jacobian(f"x: (n,)\ny = {function}(x)", wrt="x")
    assert [s.reason.key for s in d.steps][:1] == ["element_form"]
    assert jacobian(MAP, wrt="x").steps == []
