"""--at and --seed: the forward values and every gradient at given inputs, in every format;
seed 003's circuits (CS231n) reproduce the article's numbers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from matcalc import derive
from matcalc.errors import UsageError
from matcalc.language.values import parse_values
from matcalc.render.catalogue import FORMATS

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "matcalc", "derive", *args],
                          capture_output=True, text=True, encoding="utf-8")


def test_seed_003s_add_multiply_circuit():
    out = run(str(EXAMPLES / "20_cs231n_add_multiply.mc"), "--at", "x=-2,y=5,z=-4")
    assert out.returncode == 0, out.stderr
    tail = out.stdout.split("at x = −2, y = 5, z = −4:")[1]
    for line in ("q     = 3", "f     = −12", "∂f/∂x = −4", "∂f/∂y = −4", "∂f/∂z = 3"):
        assert line in tail


def test_seed_003s_sigmoid_neuron():
    source = (EXAMPLES / "21_cs231n_sigmoid_neuron.mc").read_text(encoding="utf-8")
    d = derive(source).at({"w0": 2, "w1": -3, "w2": -3, "x0": -1, "x1": -2})
    values = json.loads(d.json())["values"]
    assert values["forward"]["f"] == pytest.approx(0.7311, abs=1e-4)
    grads = values["gradients"]
    assert [round(grads[n], 2) for n in ("w0", "w1", "w2")] == [-0.2, -0.39, 0.2]
    assert [round(grads[n], 2) for n in ("x0", "x1")] == [0.39, -0.59]
    assert "f       = 0.7311" in d.text()


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "numpy"])
def test_values_show_in_every_format(fmt):
    d = derive("Y = A @ B", wrt="A").at({"A": [[1, 2], [3, 4]], "B": [[1, 0], [0, 2]]},
                                        upstream=np.ones((2, 2)))
    shown = d.show(fmt)
    expected = {"text": "∂L/∂A = [[1, 2], [1, 2]]", "json": '"A": [',
                "latex": r"\begin{pmatrix} 1 & 2 \\ 1 & 2 \end{pmatrix}",
                "markdown": r"\begin{pmatrix} 1 & 2 \\ 1 & 2 \end{pmatrix}",
                "html": "<mtable"}[fmt]
    assert expected in shown


def test_seed_draws_the_same_values_each_time():
    first = run("Y = tanh(A @ B)", "--seed", "7", "--format", "json")
    second = run("Y = tanh(A @ B)", "--seed", "7", "--format", "json")
    assert first.returncode == 0 and first.stdout == second.stdout
    values = json.loads(first.stdout)["values"]
    assert set(values["gradients"]) >= {"A", "B"}


@pytest.mark.parametrize("text, message", [
    ("x", "NAME=VALUE"), ("x=1+2", "nested list of numbers"), ("x=__import__('os')", "number"),
])
def test_values_are_numbers_read_not_evaluated(text, message):
    with pytest.raises(UsageError, match=message):
        parse_values(text)


def test_nested_lists_and_signs_parse():
    assert parse_values("W=[[1, -2], [3.5, 4]],b=-1") == {"W": [[1.0, -2.0], [3.5, 4.0]],
                                                         "b": -1.0}


def test_at_evaluates_a_gradient_without_numpy_from_its_index_form():
    """Issue 20, point 5: --at never leaves a gradient out silently; one with no numpy
    code is evaluated from its index form, as the checker evaluates it."""
    import numpy as np

    from matcalc import derive
    d = derive("x: (3,)\nL = sum(softmax(x * x[0]) * x)", wrt="x")
    assert d.numpy_of("x") is None  # (the case this test is about)
    x = np.array([0.5, -1.0, 2.0])
    d.at({"x": x})

    def f(v):
        z = v * v[0]
        p = np.exp(z) / np.exp(z).sum()
        return float((p * v).sum())
    h = 1e-6
    reference = [(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(3)]
    np.testing.assert_allclose(d.values_at["gradients"]["x"], reference, rtol=1e-6)
    assert "∂L/∂x =" in d.text().split("at x =")[1]


def test_at_shows_the_gradient_of_max():
    """Issue 20, point 5: `L = max(X)` shows ∂L/∂X (the indicator of the largest entry),
    not only L."""
    out = run("L = max(X)", "--wrt", "X", "--at", "X=[[1,2],[3,4]]")
    assert out.returncode == 0, out.stderr
    tail = out.stdout.split("at X =")[1]
    assert "L     = 4" in tail and "∂L/∂X = [[0, 0], [0, 1]]" in tail


@pytest.mark.parametrize("program, exact", [
    ("x: (); f = sigmoid(x) + sigmoid(-x)", {"f": 1.0, "x": 0.0}),  # σ′(x) − σ′(−x) = 0
    ("x: (); f = log(exp(x)) - x", {"f": 0.0, "x": 0.0}),
])
def test_at_shows_round_off_as_zero_and_keeps_tiny_true_values(program, exact):
    """A value float64 gets as ±1e−17 where the exact value is 0 is shown as 0; one that
    extended precision confirms is shown however small (exp(−40) = 4.248e−18)."""
    d = derive(program, wrt="x").at({"x": 0.7})
    at = d.values_at
    assert float(at["forward"]["f"]) == exact["f"]
    assert float(at["gradients"]["x"]) == exact["x"]
    assert "e−1" not in d.text().split("at x =")[1]
    d = derive("x: (); f = exp(x)", wrt="x").at({"x": -40.0})
    assert float(d.values_at["gradients"]["x"]) == pytest.approx(np.exp(-40.0), rel=1e-12)
    assert "4.248e−18" in d.text()


def test_no_negative_zero_is_shown():
    d = derive("T: onehot(m, c)\nP = softmax(Z)\nL = cross_entropy(T, P)", wrt="Z")
    d.at({"Z": [[1.0, 2.0, 3.0]], "T": [[0.0, 0.0, 1.0]]})
    assert "−0," not in d.text() and "−0]" not in d.text()
