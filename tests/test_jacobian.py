"""Jacobians in both layouts and Hessians (seed 004), each verified: every step equal to the
previous one, the result equal to central (second) differences of the forward pass."""

from __future__ import annotations

import json

import pytest
import sympy
from click.testing import CliRunner

from helpers import result_line
from matcalc import hessian, jacobian, verify
from matcalc.cli import cli


def matrix_line(d) -> str:
    return result_line(d.text())


def verified(d):
    report = verify(d)
    assert report.ok, report.summary()
    return d


@pytest.mark.parametrize("layout, expected", [("numerator", "W"), ("denominator", "Wᵀ")])
def test_seed_004_linear_map(layout, expected):
    # seed 004: ∂(W x)/∂x = W in numerator layout, Wᵀ in denominator layout
    d = verified(jacobian("x: (n,)\ny = W @ x", "x", layout))
    assert matrix_line(d) == f"∂y/∂x = {expected}"
    assert f"{layout} layout" in d.text()


def test_three_indices_are_a_matrix_in_the_vec_convention():
    # seed 004: ∂(W x)/∂W has three indices: ∂y_k/∂w_ij = δ_ik x_j, the entry
    # (k, (i,j)) of xᵀ ⊗ I (Magnus–Neudecker: d(W x) = (xᵀ ⊗ I) d vec W)
    d = verified(jacobian("x: (n,)\ny = W @ x", "W"))
    assert d.vec == "columns" and matrix_line(d) == "∂y/∂vec(W)ᵀ = xᵀ ⊗ I"
    assert "δ_ik x_j" in d.show("text")


def test_matrix_by_matrix_is_a_kronecker_product():
    d = verified(jacobian("Y = A @ X", "X"))      # vec(A X) = (I ⊗ A) vec(X)
    assert matrix_line(d) == "∂vec(Y)/∂vec(X)ᵀ = I ⊗ A"


def test_elementwise_jacobian():
    d = verified(jacobian("x: (n,)\ny = sigmoid(x)", "x"))
    assert d.result is not None


@pytest.mark.parametrize("program, expected", [
    ("x: (n,)\nf = x @ A @ x", "A + Aᵀ"),
    ("x: (n,)\nb: (m,)\nf = norm(A @ x - b) ** 2", "2 Aᵀ A"),
    ("A: symmetric(n, n)\nx: (n,)\nf = x @ A @ x", "2 A"),
])
def test_hessians(program, expected):
    d = verified(hessian(program, "x"))
    assert matrix_line(d) == f"∂²f/∂x ∂xᵀ = {expected}"


@pytest.mark.parametrize("layout", ["numerator", "denominator"])
def test_hessian_in_both_layouts(layout):
    # H is symmetric for a smooth f: both layouts give A + Aᵀ, and say which they are
    d = verified(hessian("x: (n,)\nf = x @ A @ x", "x", layout))
    assert matrix_line(d) == "∂²f/∂x ∂xᵀ = A + Aᵀ"
    assert f"{layout} layout" in d.text()


def test_hessian_needs_a_scalar_of_a_vector():
    from matcalc.errors import UsageError
    with pytest.raises(UsageError, match="scalar output"):
        hessian("x: (n,)\ny = W @ x", "x")
    with pytest.raises(UsageError, match="vector or a matrix"):
        hessian("T: (b, n, n)\nf = sum(T)", "T")


def test_cli_jacobian_and_hessian():
    runner = CliRunner()
    out = runner.invoke(cli, ["jacobian", "x: (n,); y = W @ x", "--wrt", "x",
                              "--layout", "denominator", "--check"])
    assert out.exit_code == 0 and "∂y/∂x = Wᵀ" in out.output and "x: ok" in out.output
    out = runner.invoke(cli, ["hessian", "x: (n,); f = x @ A @ x", "--wrt", "x", "-f", "json"])
    data = json.loads(out.output)
    assert data["kind"] == "hessian" and data["text"] == "∂²f/∂x ∂xᵀ = A + Aᵀ"
    out = runner.invoke(cli, ["jacobian", "x: (n,); y = W @ x", "--wrt", "W", "-f", "latex"])
    assert out.exit_code == 0 and r"\delta_{ik}" in out.output


@pytest.mark.parametrize("program, wrt, order", [
    # the output does not depend on the wrt: a zero of the Jacobian's shape (once a crash
    # for any number of free indices but two — found by a review)
    ("x: (n,)\nz = sum(x)\ns = sum(v)", "x", 1),
    ("Z = W @ A\nY = A @ B", "W", 4),
    ("x: (n,)\nv: (m,)\nz = x * 2\ny = W @ v", "x", 2),
])
def test_a_jacobian_that_is_zero(program, wrt, order):
    d = verified(jacobian(program, wrt))
    assert isinstance(d.result, sympy.ZeroMatrix)  # 4 indices: a zero in the vec convention
    assert d.index_form == 0


@pytest.mark.parametrize("program, wrt, numerator, denominator", [
    # the textbooks' layouts (e.g. the Matrix Cookbook's ∂ log det X/∂X = X⁻ᵀ is the
    # denominator layout; in numerator layout it is X⁻¹): --layout was once ignored here
    ("X: (n, n)\ns = logdet(X)", "X", "X⁻¹", "X⁻ᵀ"),
    ("s: ()\nY = s * A", "s", "A", "Aᵀ"),
    ("x: (n,)\ny = W @ x", "x", "W", "Wᵀ"),
])
def test_both_layouts_whatever_the_shapes(program, wrt, numerator, denominator):
    for layout, expected in (("numerator", numerator), ("denominator", denominator)):
        d = verified(jacobian(program, wrt, layout))
        assert matrix_line(d).endswith(f"= {expected}"), (layout, matrix_line(d))


def test_a_term_sympy_cannot_simplify_keeps_its_index_form():
    # fuzz seed 5: sympy's |·| rules failed on a 1×1 product inside an entry (exit 70);
    # the term now has no matrix form, and the index form is verified
    program = "x: (n,)\nv: (m,)\nh0 = mse(sin(x), exp(x)) * x\nh1 = norm(h0) / (1 + exp(v @ v))"
    for make in (jacobian, hessian):
        d = verified(make(program, "x"))
        assert d.index_form is not None


@pytest.mark.parametrize("lang, said", [("en", "leaves out the other names nothing reads: z"),
                                        ("ja", "どの文も読まない z は含めない")])
def test_a_jacobian_says_which_outputs_it_leaves_out(lang, said):
    """Issue 21, point 4: a statement is never dropped silently. A Jacobian is of the last
    assigned name; the other names nothing reads are named in a note (and in JSON)."""
    d = jacobian("x: (n,)\nz = sum(x)\ns = sum(v)", "x")
    assert said in d.text(lang) and said.replace(" z", " $z$") in d.markdown(lang)
    assert json.loads(d.json())["left_out"] == ["z"]
    single = jacobian("x: (n,)\ny = W @ x", "x")
    assert json.loads(single.json())["left_out"] == [] and "leaves out" not in single.text()
