"""Matrix literals and functions of one scalar (issue 21, point 5): seed 004's
R(θ) = [[cos θ, −sin θ], [sin θ, cos θ]], its derivative dR/dθ entry by entry, d for a
function of one scalar alone (∂ otherwise), and a literal written once per line."""

from __future__ import annotations

import numpy as np
import pytest
import sympy
from click.testing import CliRunner

from matcalc import derive, jacobian, set_notation
from matcalc.cli import cli
from matcalc.errors import ParseError
from matcalc.language.parse import parse

R = "theta: ()\nR = [[cos(theta), -sin(theta)], [sin(theta), cos(theta)]]"


# ------------------------------------------------------------------ the literal itself

@pytest.mark.parametrize("program, words", [
    ("t: ()\nR = [[t, t], [t]]", "the rows of a matrix literal have the same length: the "
                                 "first has 2 entries, this one 1"),
    ("t: ()\nR = [[t, t], t]", "a matrix literal is a list of rows, each a list"),
    ("t: ()\nR = [[[t]]]", "a matrix literal has two levels of brackets"),
    ("t: ()\nR = [[], []]", "a row of a matrix literal has 1 to"),
    ("t: ()\nR = [t, [t]]", "a matrix literal is a list of rows, each a list"),
])
def test_a_malformed_matrix_literal_is_one_line_that_says_where(program, words):
    with pytest.raises(ParseError) as caught:
        parse(program)
    assert words in str(caught.value)
    assert caught.value.line == 2 and caught.value.col > 1
    assert "\n" not in str(caught.value)  # (test_cli runs one through the command line)


def test_a_matrix_literal_has_the_shape_of_its_rows_and_runs_forward():
    d = derive(R, wrt=["theta"])
    assert d.shapes.names["R"] == (2, 2)
    assert d.text().splitlines()[1] == "R = [cos(θ), −sin(θ); sin(θ), cos(θ)]"
    assert r"\begin{pmatrix} \cos\left(\theta\right) & -\sin\left(\theta\right) \\ " \
        r"\sin\left(\theta\right) & \cos\left(\theta\right) \end{pmatrix}" in d.latex()
    from matcalc.check.numeric import forward
    c, s = np.cos(0.3), np.sin(0.3)
    assert np.allclose(forward(d.program, {"theta": np.array(0.3)})["R"], [[c, -s], [s, c]])
    # a batch of points (the check's), each its own R(θ): rows stay rows
    batch = forward(d.program, {"theta": np.array([0.3, 1.1])}, batched=True)["R"]
    assert batch.shape == (2, 2, 2)
    assert np.allclose(batch[0], [[c, -s], [s, c]])
    assert np.allclose(batch[1], [[np.cos(1.1), -np.sin(1.1)], [np.sin(1.1), np.cos(1.1)]])


# ------------------------------------------------------------------ dR/dθ

def test_dR_dtheta_entry_by_entry_verified():
    j = jacobian(R, wrt="theta")
    t = sympy.Symbol("theta", real=True)
    expected = sympy.Matrix([[-sympy.sin(t), -sympy.cos(t)], [sympy.cos(t), -sympy.sin(t)]])
    got = sympy.Matrix(j.result).subs({s: t for s in j.result.free_symbols})
    assert sympy.simplify(got - expected) == sympy.zeros(2, 2)
    assert j.verified_on >= 1 and not j.unverified
    text = j.text()
    assert "dR/dθ = [−sin(θ), −cos(θ); cos(θ), −sin(θ)]" in text
    assert "dr_kl/dθ = d[cos(θ), −sin(θ); sin(θ), cos(θ)]_kl/dθ" in text
    assert r"\frac{\mathrm{d} \mathbf{R}}{\mathrm{d} \theta}" in j.latex()
    assert "np.array([[-(np.sin(theta)), -(np.cos(theta))], [np.cos(theta), " \
        "-(np.sin(theta))]])" in text


def test_dR_dtheta_numpy_agrees_with_central_differences():
    """The printed numpy code, run, is the derivative (independently of matcalc's check)."""
    j = jacobian(R, wrt="theta")
    code = next(line for line in j.text().splitlines() if line.startswith("numpy: "))
    theta, h = 0.7, 1e-6

    def rot(a):
        return np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    value = eval(code.removeprefix("numpy: "), {"np": np, "theta": theta})  # our own output
    assert np.allclose(value, (rot(theta + h) - rot(theta - h)) / (2 * h), atol=1e-6)


def test_the_gradient_through_R_reads_in_matrix_form():
    """derive: dL/dθ = 𝟏ᵀ (∂L/∂R ∘ dR/dθ) 𝟏, verified, with numpy."""
    d = derive(R, wrt=["theta"])
    text = d.text()
    assert "dL/dθ = 𝟏ᵀ (∂L/∂R ∘ [−sin(θ), −cos(θ); cos(θ), −sin(θ)]) 𝟏" in text
    assert "no matrix form" not in text
    assert d.verified_on >= 1


def test_a_matrix_literal_of_two_scalars_is_differentiated_by_each():
    d = derive("a: ()\nb: ()\nM = [[a * b, a], [b, 1]]", wrt=["a", "b"])
    text = d.text()
    assert "∂L/∂a = 𝟏ᵀ (∂L/∂M ∘ [b, 1; 0, 0]) 𝟏" in text
    assert "dL/d" not in text  # M reads a and b: ∂


# ------------------------------------------------------------------ d or ∂

@pytest.mark.parametrize("program, wrt, shown", [
    ("x: ()\nf = x**2 + 1", "x", "df/dx = 2 x"),
    ("x: ()\nsigma = 1 / (1 + exp(-x))", "x", "dσ/dx = (1 − σ) σ"),
    ("x: ()\nf: elementwise\ng: elementwise\ny = f(x)\nz = g(y)", "x",
     "dz/dx = dz/dy · dy/dx"),
    ("x: ()\ny: ()\nf = x * y", "x", "∂f/∂x = y"),
    ("c: ()\nx: ()\nf = c + x", "x", "∂f/∂x = 1"),
    ("x: ()\nf = [x**2, 2*x]", "x", "dL/dx = Σ_k ∂L/∂f_k · df_k/dx"),
])
def test_d_for_a_function_of_one_scalar_alone_and_partial_otherwise(program, wrt, shown):
    assert shown in derive(program, wrt=[wrt]).text()


def test_derivative_partial_writes_partial_everywhere():
    set_notation(derivative="partial")  # (conftest restores the notation)
    j = jacobian(R, wrt="theta")
    assert "∂R/∂θ = [−sin(θ)" in j.text() and "dR/dθ" not in j.text()
    assert r"\mathrm{d}" not in j.latex()
    result = CliRunner().invoke(cli, ["derive", "x: (); f = x**2 + 1", "--wrt", "x",
                                       "--derivative", "partial"])
    assert result.exit_code == 0 and "∂f/∂x = 2 x" in result.output


def test_mixed_chain_keeps_partial_for_the_loss_of_several_names():
    """x feeds f = x y: ∂f/∂x; sigx = σ(x) alone is a function of x: dsigx/dx."""
    text = derive("x: ()\ny: ()\nsigx = sigmoid(x)\nf = sigx * y", wrt=["x"]).text()
    assert "∂f/∂x = ∂f/∂sigx · dsigx/dx" in text


# ------------------------------------------------------------------ written once

def _duplicated_steps(text: str) -> list[str]:
    """Consecutive proof lines whose right-hand sides are the same text."""
    rhs = [line.split("=", 1)[1].rsplit("(", 1)[0].strip() for line in text.splitlines()
           if line.lstrip().startswith("=")]
    return [a for a, b in zip(rhs, rhs[1:]) if a == b]


def test_the_duplicate_check_can_fail():
    assert _duplicated_steps("f = 1\n  = (2 x, 2)_k  (differentiate)\n"
                             "  = (2 x, 2)_k  (entry by entry)\n")


@pytest.mark.parametrize("program", [
    R, "x: ()\nf = [x**2, 2*x]", "x: ()\nf = [sin(x), cos(x)]",
    "x: (2,)\nf = [x[0]**2, x[0]*x[1], 2*x[1] + 1]"])
def test_a_literal_is_written_once_per_line(program):
    wrt = "theta" if "theta" in program else "x"
    for text in (jacobian(program, wrt=wrt).text(), derive(program, wrt=[wrt]).text()):
        assert not _duplicated_steps(text), text
        definition = text.splitlines()[1]
        assert definition.count("=") == 1, definition  # f = (x², 2 x), not also f_k = …
    latex = derive(program, wrt=[wrt]).latex()
    assert r"\qquad" not in latex.split(r"\\[1ex]")[0]
