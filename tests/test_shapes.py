"""Shape inference: unification over symbolic dimensions and numpy broadcasting."""

from __future__ import annotations

import pytest

from matcalc.cli import parse_shape_option
from matcalc.errors import ShapeError
from matcalc.language.parse import parse
from matcalc.language.shapes import infer


def shapes(source: str) -> dict:
    return infer(parse(source)).names


def test_fresh_dimensions_are_named_in_order():
    # never an index letter: Σ_p beside a dimension p would read as one thing (issue 14)
    assert shapes("C = A @ B") == {"A": ("m", "n"), "B": ("n", "h"), "C": ("m", "h")}


def test_no_summation_letter_is_a_dimension_on_the_same_page():
    import sympy

    from matcalc import derive
    for program in ("C = A @ B", "W: (n, p)\nY = X @ W", "Y: onehot(m, c)\nL = "
                    "cross_entropy(Y, softmax(Z @ W))", "D = A @ B @ C"):
        d = derive(program)
        dims = {x for shape in d.shapes.names.values() for x in shape if isinstance(x, str)}
        summed = {str(i) for g in d.all_gradients.values() for s in g.steps
                  for total in s.rhs.atoms(sympy.Sum) for i, *_ in total.limits}
        assert summed and not summed & dims, (program, summed & dims)


def test_declared_dimensions_propagate():
    assert shapes("x: (n,)\ny = W @ x") == {"W": ("m", "n"), "x": ("n",), "y": ("m",)}
    assert shapes("x: (n,)\ny = x @ W")["y"] == ("m",)
    assert shapes("a: (n,)\nx: (n,)\ns = a @ x")["s"] == ()


def test_broadcasting():
    assert shapes("b: (k,)\nZ = X @ W + b")["Z"] == ("m", "k")
    assert shapes("c: (m, 1)\nC = A + c")["C"] == ("m", "n")
    assert shapes("s: ()\nC = s * A")["C"] == ("m", "n")
    assert shapes("X: (1, n)\nW: (n, m)\nY = X @ W")["Y"] == (1, "m")


def test_reductions_and_transpose():
    assert shapes("A: (m, n)\ns = sum(A, axis=0)")["s"] == ("n",)
    assert shapes("A: (m, n)\ns = sum(A, axis=1)")["s"] == ("m",)
    assert shapes("A: (m, n)\ns = sum(A)")["s"] == ()
    assert shapes("A: (m, n)\nC = A.T @ A")["C"] == ("n", "n")


@pytest.mark.parametrize("source, message", [
    ("A: (m, n)\nB: (k, p)\nC = A @ B", "A is (m, n) and B is (k, p)"),
    ("A: (m, n)\nB: (n, m)\nC = A + B", "do not broadcast"),
    ("s: ()\nC = s @ A", "needs vectors or matrices"),
    ("C = A ** B", "exponent of '**' must be a number or a scalar"),
    ("C = A + B\nC = A", "assigned twice"),
    ("C = C + A", "used before or in its own definition"),
    ("A: (2, 3)\nB: (4, 5)\nC = A @ B", "inner dimensions differ"),
    ("S: symmetric(m, n)\nC = S", "not square"),
])
def test_mismatches_name_both_shapes(source, message):
    with pytest.raises(ShapeError) as error:
        infer(parse(source))
    assert message in str(error.value)


def test_shape_option():
    assert parse_shape_option("X=m,n") == ("X", ("m", "n"))
    assert parse_shape_option("b=n,") == ("b", ("n",))
    assert parse_shape_option("s=") == ("s", ())
    assert parse_shape_option("Y=1,n") == ("Y", (1, "n"))


def test_a_name_made_square_by_broadcasting_is_said():
    # S = sum(E, axis=1) is (m,); E / S aligns it with E's last axis, so A must be square
    from matcalc import derive
    p = parse("E = exp(A)\nS = sum(E, axis=1)\nB = E / S")
    shapes = infer(p)
    assert shapes.names["A"][0] == shapes.names["A"][1] and shapes.squared["A"].line == 3
    text = derive("E = exp(A)\nS = sum(E, axis=1)\nB = E / S", wrt="A").text()
    assert "note: A is taken to be square, (m, m): the operation at line 3" in text
    # a square matrix that an operation needs (trace, @) is no surprise: no note
    assert not infer(parse("s = trace(A)")).squared
    assert not infer(parse("E = exp(A)\nS = sum(E, axis=1)\nT = S.T")).squared
