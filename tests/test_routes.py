"""Issue 21: the seeds' own routes — seed 000's for a product that gives a vector, seed
004's rows of ∂(Wx)/∂x and its slices of ∂(Wx)/∂W — and a result stated without its
proof (--proof result), each still a verified proof."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
import sympy
from click.testing import CliRunner

from matcalc import derive, jacobian
from matcalc.check import verify
from matcalc.cli import cli
from matcalc.errors import UsageError
from matcalc.index.symbols import ChainPartial, Index
from matcalc.render.expand import _settle_deltas

ROW = "X: (1, n)\nW: (n, m)\nY = X @ W"


def keys(steps) -> list[str]:
    return [s.reason.key for s in steps]


# ---------------------------------------------------------------- seed 000's route

def test_seed_000_keeps_the_term_before_y_is_written_out():
    d = derive(ROW, wrt="W,X")
    assert keys(d["W"].steps) == ["chain_rule", "keep", "differentiate_by_form", "several"]
    kept = d["W"].steps[1]
    assert kept.reason.params["kept"] == [["k", "j"]]
    (chain,) = kept.rhs.atoms(ChainPartial)           # ∂y_j/∂w_ij, y not written out
    assert not kept.rhs.has(sympy.Sum) and chain.expr.col == Index("j")
    # ∂L/∂x_i = Σ_j ∂L/∂y_j ∂y_j/∂x_i = Σ_j ∂L/∂y_j w_ij: nothing to keep, y never expanded
    assert keys(d["X"].steps) == ["chain_rule", "differentiate_by_form", "several"]
    assert [p["key"] for p in d["X"].steps[-1].reason.params["parts"]] == \
        ["transpose", "matrix_product"]
    assert d.verified_on


def test_seed_000_writes_its_lines():
    text = derive(ROW, wrt="W").text("ja")
    assert "= ∂L/∂y_j · ∂y_j/∂w_ij" in text and "= ∂L/∂y_j · x_i " in text
    assert "Y の要素表記より微分する" in text and "Σ_p ∂(x_p w_pk)" not in text
    assert "（転置、外積）" in text


def test_steps_element_keeps_the_element_form_first():
    route, element = derive(ROW, wrt="W"), derive(ROW, wrt="W", steps="element")
    assert keys(element.steps)[:4] == ["chain_rule", "element_form", "keep", "differentiate"]
    assert "transpose" in keys(element.steps)
    assert route.result == element.result and element.verified_on


def test_matrices_keep_seed_001s_route():
    d = derive("C = A @ B", wrt="A")           # seed 001 eq. 15: the element form first
    assert keys(d.steps)[:4] == ["chain_rule", "element_form", "keep", "differentiate"]


@pytest.mark.unverified   # the mutated derivation is wrong on purpose
def test_a_wrong_step_of_the_route_is_caught():
    d = derive(ROW, wrt="W")
    grad = d["W"]
    steps = list(grad.steps)
    steps[2] = replace(steps[2], rhs=2 * steps[2].rhs)   # ∂L/∂y_j x_i doubled
    d.gradients["W"] = d.all_gradients["W"] = replace(grad, steps=steps)
    assert not verify(d).ok


# ---------------------------------------------------------------- --proof result

def test_a_result_without_its_proof_is_still_derived_and_verified():
    d = derive("C = A + B", wrt="B", proof="result")
    assert d.steps and d.verified_on                     # derived and checked
    latex = d.latex("ja")
    assert "\\quad" not in latex and "連鎖律" not in latex
    assert "\\frac{\\partial L}{\\partial \\mathbf{B}} &= \\frac{\\partial L}{\\partial " \
           "\\mathbf{C}}" in latex
    assert "--proof result" in latex                     # and says the proof is not shown
    contract = json.loads(d.json())
    assert contract["proof"] == "result" and contract["gradients"][0]["steps"] == []
    full = derive("C = A + B", wrt="B")
    assert "連鎖律" in full.latex("ja") and "--proof result" not in full.latex("ja")


def test_a_jacobian_result_alone():
    d = jacobian("x: (n,)\ny = W @ x", wrt="x", layout="denominator", proof="result")
    text = d.text()
    assert "∂y/∂x = Wᵀ" in text and "differentiate" not in text and d.verified_on


def test_proof_must_be_full_or_result():
    with pytest.raises(UsageError):
        derive("C = A + B", proof="none")
    with pytest.raises(UsageError):
        derive("C = A + B", steps="rows")


def test_the_command_line_takes_proof_result():
    out = CliRunner().invoke(cli, ["derive", "C = A + B", "--wrt", "B", "--proof", "result"])
    assert out.exit_code == 0 and "∂L/∂B = ∂L/∂C" in out.output
    assert "chain rule" not in out.output and "not shown" in out.output
    out = CliRunner().invoke(cli, ["jacobian", "x: (n,); y = W @ x", "--wrt", "x",
                                   "--steps", "element"])
    assert out.exit_code == 0 and "element form of y" in out.output


# ---------------------------------------------------------------- seed 004's rows

def test_seed_004_writes_the_rows_of_wx_out():
    d = jacobian("x: (n,)\ny = W @ x", wrt="x")
    assert d.rows is not None and d.verified_on
    latex = d.latex("ja")
    assert r"\frac{\partial \left(w_{11} x_{1} + w_{12} x_{2} + \cdots + w_{1n} x_{n}\right)}" \
           r"{\partial \mathbf{x}} &= \left(w_{11}, w_{12}, \cdots, w_{1n}\right)" in latex
    assert r"\left(w_{m1}, w_{m2}, \cdots, w_{mn}\right)" in latex and "\\vdots \\\\" in latex
    assert "行をベクトル" in latex and "要素表記" not in latex


@pytest.mark.parametrize("program, wrt, options", [
    ("x: (n,)\ny = W @ x", "x", {"steps": "element"}),     # entry by entry, asked for
    ("x: (n,)\ny = W @ x", "x", {"layout": "denominator"}),
    ("x: (n,)\ny = sigmoid(x)", "x", {}),                     # no sum over x
    ("x: (n,)\ny = W @ x", "W", {}),                          # three indices
])
def test_the_rows_route_only_where_it_fits(program, wrt, options):
    assert jacobian(program, wrt=wrt, **options).rows is None


def test_the_rows_read_the_wrt_in_a_transposed_product():
    d = jacobian("x: (n,)\ny = W.T @ x", wrt="x")
    assert d.rows is not None
    assert r"w_{11} x_{1} + w_{21} x_{2} + \cdots + w_{n1} x_{n}" in d.latex()


# ---------------------------------------------------------------- seed 004's slices

def test_the_slices_show_0_where_the_article_does():
    d = jacobian("x: (n,)\ny = W @ x", wrt="W")
    from matcalc.render.display import NOTATION
    NOTATION["expand"] = "on"  # (conftest restores the notation after each test)
    markdown = d.markdown()
    slices = markdown.split("\\frac{\\partial y_{1}}", 1)[1]
    assert "\\delta" not in slices
    assert "\\begin{pmatrix} x_{1} & x_{2} & \\cdots & x_{n} \\\\ 0 & 0 & \\cdots & 0" in slices


def test_the_shorthand_is_stated_as_one():
    d = jacobian("x: (n,)\ny = W @ x", wrt="W")
    assert d.shorthand == sympy.Transpose(d.names.symbols["x"])
    text = " ".join(d.text().split())          # wrapped at the column
    assert "simply as xᵀ" in text and "not a matrix equal to the derivative" in text
    assert "∂y/∂W = xᵀ" not in text                          # never an equation
    assert jacobian("x: (n,)\ny = W @ sigmoid(x)", wrt="W").shorthand is None


def test_deltas_settle_only_against_a_grids_last_position():
    m, one, three, p = Index("m"), Index("1"), Index("3"), Index("p")
    assert _settle_deltas(sympy.KroneckerDelta(one, m), frozenset({"m"})) == 0
    assert _settle_deltas(sympy.KroneckerDelta(m, m), frozenset({"m"})) == 1
    assert _settle_deltas(sympy.KroneckerDelta(three, m), frozenset({"m"})) != 0  # m may be 3
    assert _settle_deltas(sympy.KroneckerDelta(one, p), frozenset({"m"})) != 0    # summed p


def test_a_graph_without_its_proofs_lists_each_result_once():
    d = derive("x: (n,)\nh = W @ x\ny = tanh(h)\nL = sum(y)", wrt="W", proof="result")
    latex = d.latex()
    assert latex.count(r"\frac{\partial L}{\partial \mathbf{h}} &=") == 1
    assert "chain rule" not in latex and d.verified_on


def test_latex_writes_the_slices_a_row_each_under_expand():
    from matcalc.render.display import NOTATION
    d = jacobian("x: (n,)\ny = W @ x", wrt="W")
    NOTATION["expand"] = "on"  # (conftest restores the notation after each test)
    latex = d.latex()
    assert r"\frac{\partial y_{1}}{\partial \mathbf{W}} &= \begin{pmatrix} x_{1} & x_{2} & " \
           r"\cdots & x_{n} \\ 0 & 0 & \cdots & 0" in latex
    assert r"\frac{\partial y_{m}}{\partial \mathbf{W}} &= " in latex and "\\delta" not in \
        latex.split(r"\frac{\partial y_{1}}", 1)[1]
    NOTATION["expand"] = "off"
    assert r"\frac{\partial y_{1}}" not in d.latex()        # only with --expand
