"""The parser: Python's ast under a whitelist; errors point at the column."""

from __future__ import annotations

import pytest

from matcalc.errors import ParseError, UsageError
from matcalc.language.parse import parse
from matcalc.language.program import BinOp, Call, Name, Neg, Transpose


def test_declarations_and_statements():
    p = parse("X: (m, n)\nb: (n,)\ns: ()\nT: onehot(m, k); Y = X @ W + b")
    assert [(d.name, d.shape, d.assumption) for d in p.declarations] == [
        ("X", ("m", "n"), None), ("b", ("n",), None), ("s", (), None),
        ("T", ("m", "k"), "onehot")]
    (statement,) = p.statements
    assert statement.target == "Y" and p.output == "Y"
    assert isinstance(statement.value, BinOp) and statement.value.op == "+"
    assert p.inputs() == ["X", "W", "b"]


def test_expression_nodes():
    value = parse("C = -sum(A.T, axis=0) ** 2").statements[0].value
    assert isinstance(value, Neg)
    power = value.operand
    assert isinstance(power, BinOp) and power.op == "**"
    call = power.left
    assert isinstance(call, Call) and call.func == "sum" and call.axis == 0
    assert isinstance(call.args[0], Transpose) and call.args[0].operand == Name("A", None)


def test_sum_axis_positional():
    call = parse("s = sum(A, 1)").statements[0].value
    assert call.axis == 1 and len(call.args) == 1


def test_shape_option_declares_and_must_agree():
    p = parse("C = A + b", shapes={"b": ("k",)})
    assert [d.shape for d in p.declarations if d.name == "b"] == [("k",)]
    assert parse("b: (k,)\nC = A + b", shapes={"b": ("k",)}).declarations[0].shape == ("k",)
    with pytest.raises(UsageError, match="contradicts the declaration"):  # exit code 2
        parse("b: (n,)\nC = A + b", shapes={"b": ("k",)})
    with pytest.raises(UsageError, match="no such name"):
        parse("C = A + b", shapes={"x": ("k",)})


@pytest.mark.parametrize("source, message, col", [
    ("C = A @@ B", "invalid syntax", None),
    ("C = A.shape", "only '.T'", 5),
    ("C = foo(A)", "unknown function 'foo'", 5),
    ("C = 'text'", "only numbers", 5),
    ("C = lambda x: x", "Lambda is not allowed", 5),
    ("C = [a for a in A]", "ListComp is not allowed", 5),
    ("import os", "a program needs no import", 1),
    ("X += 1", "each name is assigned once", 1),
    ("Y = X ^ 2", "use ** for powers", 5),
    ("Y = np.exp(X)", "write exp(…): matcalc's functions are numpy's without np.", 5),
    ("Y = np.linalg.inv(X)", "write inv(…)", 5),
    ("s = 1.0 / (1 + math.exp(-y))", "write exp(…): matcalc's functions are numpy's without "
                                     "math.", 16),  # seed 003's Python
    ("Y = X.sum()", "sum(X) for X.sum()", 5),
    ("Y = sigmoud(X)", "did you mean sigmoid?", 5),
    ("C = __import__('os').system('ls')", "only the functions of the language", 5),
    ("C = __import__('os')", "unknown function '__import__'", 5),
    ("C = A + __class__", "may not start with '_'", 9),
    ("C = A(B)", "unknown function 'A'", 5),
    ("C = exp(A, B)", "takes one argument", 5),
    ("C = sum(A, axis=n)", "axis must be an integer", 17),
    ("C = exp(A, axis=0)", "no such keyword", 17),
    ("A: unknown(m)\nC = A", "unknown assumption", None),
    ("np = A", "reserved", 1),
    ("C = A if B else D", "IfExp is not allowed", 5),
    ("C = A < B", "Compare is not allowed", 5),
    ("A: (m, n)", "no assignment", None),
    ("C, D = A", "single name", 1),
])
def test_refused_with_position(source, message, col):
    with pytest.raises(ParseError) as error:
        parse(source)
    assert message in str(error.value)
    if col is not None:
        assert error.value.col == col


def test_deep_nesting_is_an_error_not_a_crash():
    with pytest.raises(ParseError):
        parse("C = " + "(" * 5000 + "A" + ")" * 5000)


@pytest.mark.parametrize("source", [
    "import numpy as np", "from numpy import exp", "X += 1", "def f(x):\n    return x",
    "for i in range(3):\n    pass", "while True:\n    pass", "if X:\n    pass", "X @ W",
    "Y = np.exp(X)", "Y = np.linalg.inv(X)", "Y = np.convolve(X, X)", "Y = X.sum()",
    "Y = X ^ 2", "Y = sigmoud(X)", "s = 1.0 / (1 + math.exp(-y))",
])
def test_a_python_habit_is_answered_with_what_to_write_in_english_and_japanese(source):
    """Issue 20, point 4: each line people bring from Python or numpy gets one line saying
    what matcalc expects instead, in both languages (the Japanese one fully Japanese)."""
    from matcalc.render.messages import in_japanese
    with pytest.raises(ParseError) as error:
        parse(source)
    message = str(error.value)
    assert "\n" not in message and "expected a declaration" not in message
    assert "only the functions of the language" not in message
    japanese = in_japanese(message)
    assert japanese != message and not any(word in japanese for word in (" write ", "program"))


@pytest.mark.parametrize("value", [
    "Y.transpose(0, 2, 1, 3) * k",
    "Y.swapaxes(1, 2) / k",
    "sum(Y, axis=(1, 2), keepdims=True) * k",
    "-Y.mT + k",
    'einsum("bthk,bthk->bth", Y, Y) * k',
])
def test_a_rewrite_keeps_every_field_of_a_node(value):
    """A dimension read as a number (k) makes the parser rebuild the statement's nodes; a
    field left out there once read Y.transpose(0, 2, 1, 3) as Y.mT — and the checker, which
    runs the same parsed program, agreed with it. Each node comes back as written."""
    from matcalc.language.program import written
    program = parse(f"Y: (b, t, h, k)\nZ = {value}")
    assert written(program.statements[0].value) == value
