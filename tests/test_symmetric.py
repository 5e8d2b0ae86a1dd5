"""Inputs declared symmetric or spd: the gradient on symmetric matrices, sym(G) = (G + Gᵀ)/2
(the default), or the unconstrained G (``symmetric_gradient="full"``), and a checker whose
reference moves s_ij and s_ji together."""

from __future__ import annotations

import importlib.util
import re

import numpy as np
import pytest
from click.testing import CliRunner
from sympy import Inverse, MatAdd, MatMul, Rational, Transpose

from helpers import assert_correct
from matcalc import derive
from matcalc.calculus.proof import Step
from matcalc.calculus.recognise import entry_of_result
from matcalc.calculus.symmetric import KEY
from matcalc.check import verify_gradients
from matcalc.check.numeric import central_difference, symmetric_difference
from matcalc.check.verification import gradient_instance
from matcalc.cli import cli
from matcalc.errors import UsageError

BILINEAR = "S: symmetric(n, n)\na: (n,)\nb: (n,)\nL = a @ S @ b"


def names(d, *which):
    return [d.names.symbols[n] for n in which]


def outer(u, v):
    return MatMul(u, Transpose(v))


def test_a_bilinear_form_gives_the_symmetric_part_of_a_b_transposed():
    # ∂(aᵀSb)/∂S on symmetric S: (a bᵀ + b aᵀ)/2
    d = derive(BILINEAR, wrt="S")
    assert_correct(d)
    a, b = names(d, "a", "b")
    assert d.result == MatMul(Rational(1, 2), MatAdd(outer(a, b), outer(b, a)))
    last, before = d.steps[-1], d.steps[-2]
    assert last.reason.key == KEY and not last.reason.params["unchanged"]
    # the proof reaches G = a bᵀ first, then takes its symmetric part
    assert before.rhs == entry_of_result(outer(a, b), d.gradient.axes)
    instance = gradient_instance(d, 0)
    assert instance.symmetric == {"S"}
    x = instance.values
    np.testing.assert_allclose(instance.gradient_of("S"),
                               (np.outer(x["a"], x["b"]) + np.outer(x["b"], x["a"])) / 2,
                               rtol=1e-6, atol=1e-8)


def test_the_full_option_gives_a_b_transposed_against_unconstrained_differences():
    # ∂(aᵀSb)/∂S with independent entries: a bᵀ
    d = derive(BILINEAR, wrt="S", symmetric_gradient="full")
    assert_correct(d)
    a, b = names(d, "a", "b")
    assert d.result == outer(a, b)
    assert all(s.reason.key != KEY for s in d.steps)
    instance = gradient_instance(d, 0)
    assert not instance.symmetric   # every entry moved on its own
    x = instance.values
    np.testing.assert_allclose(instance.gradient_of("S"), np.outer(x["a"], x["b"]),
                               rtol=1e-6, atol=1e-8)
    assert not np.allclose(np.outer(x["a"], x["b"]), np.outer(x["b"], x["a"]))


@pytest.mark.unverified
def test_the_symmetric_checker_rejects_a_b_transposed():
    d = derive(BILINEAR, wrt="S")
    a, b = names(d, "a", "b")
    assert verify_gradients(d, trials=1).ok
    # the result alone replaced by the unconstrained G
    d.gradient.result = d.gradient.inlined = outer(a, b)
    report = verify_gradients(d, trials=1)
    assert not report.ok and report.checks[0].result_error > 1e-3
    # the convention's step claiming sym(G) = G for a G that is not symmetric
    d = derive(BILINEAR, wrt="S")
    steps = d.gradient.steps
    steps[-1] = Step(steps[-1].lhs, steps[-2].rhs, steps[-1].reason)
    report = verify_gradients(d, trials=1)
    errors = {n: e for n, _, e in report.checks[0].step_errors}
    assert not report.ok and errors[len(steps) - 1] > 1e-3
    # the unconstrained result judged under the symmetric convention
    d = derive(BILINEAR, wrt="S", symmetric_gradient="full")
    d.symmetric_gradient = "sym"
    assert not verify_gradients(d, trials=1).ok


@pytest.mark.unverified
def test_the_unconstrained_checker_rejects_the_symmetric_part():
    d = derive(BILINEAR, wrt="S")
    d.symmetric_gradient = "full"   # the reference is now a bᵀ
    assert not verify_gradients(d, trials=1).ok


@pytest.mark.parametrize("convention", ["sym", "full"])
def test_log_det_of_an_spd_matrix_is_its_inverse_under_both_conventions(convention):
    # ∂ log det S/∂S = S⁻ᵀ = S⁻¹: symmetric already, so sym(G) = G
    d = derive("S: spd(n, n)\nL = logdet(S)", wrt="S", symmetric_gradient=convention)
    assert_correct(d)
    (s,) = names(d, "S")
    assert d.result == Inverse(s)
    keys = [step.reason.key for step in d.steps]
    if convention == "sym":   # the convention is shown, and changes nothing
        assert keys[-1] == KEY and d.steps[-1].reason.params["unchanged"]
        assert d.steps[-1].rhs == entry_of_result(Inverse(s), d.gradient.axes)
    else:
        assert KEY not in keys


@pytest.mark.parametrize("program, expected", [
    ("x: (n,)\nL = x @ S @ x", "x xᵀ"),                       # x xᵀ is symmetric
    ("L = sum(exp(S))", "exp(S)"),                            # f(S) entrywise
    ("x: (n,)\nL = sum(diag(S @ diag(x)))", "= diag(x)"),    # a diagonal matrix, I ∘ 𝟏 xᵀ
])
def test_a_symmetric_gradient_is_left_as_it_is(program, expected):
    d = derive("S: symmetric(n, n)\n" + program, wrt="S")
    assert_correct(d)
    assert d.steps[-1].reason.key == KEY and d.steps[-1].reason.params["unchanged"]
    assert expected in d.text()
    assert "1/2" not in d.text().split("∂L/∂S = ")[-1].splitlines()[0]


def test_only_the_terms_that_need_it_are_symmetrised():
    # log det S + aᵀSb: S⁻¹ + (a bᵀ + b aᵀ)/2, never ½(S⁻¹ + S⁻¹ + …)
    d = derive("S: spd(n, n)\na: (n,)\nb: (n,)\nL = logdet(S) + a @ S @ b", wrt="S")
    assert_correct(d)
    (s, a, b) = names(d, "S", "a", "b")
    assert d.result == MatAdd(Inverse(s), MatMul(Rational(1, 2),
                                                 MatAdd(outer(a, b), outer(b, a))))


def test_a_graph_symmetrises_the_named_form_and_its_numpy():
    # Z = S X, L = Σ z²: ∂L/∂S = sym(2 Z Xᵀ) = Z Xᵀ + X Zᵀ
    d = derive("S: symmetric(n, n)\nX: (n, m)\nZ = S @ X\nL = sum(Z * Z)", wrt="S")
    assert_correct(d)
    z, x = names(d, "Z", "X")
    assert d.inlined == MatAdd(outer(z, x), outer(x, z))
    assert "dS = Z @ X.T + X @ Z.T" in d.text()


def test_a_gradient_through_the_max_is_symmetrised():
    # (once shown in its index form only: max(S)'s gradient now has a matrix form)
    # [S = max S] / Σ [S = max S] is symmetric with S (a maximum off the diagonal is always
    # tied with its mirror, which shares alike): sym(G) is G
    d = derive("S: symmetric(n, n)\nL = max(S)", wrt="S")
    assert d.verified_on
    assert d.steps[-1].reason.key == KEY and d.steps[-1].reason.params["unchanged"]
    # ... while max along the rows is not: argmax(S) is not symmetric
    d = derive("S: symmetric(n, n)\nL = sum(max(S, axis=1))", wrt="S")
    assert d.verified_on
    assert d.steps[-1].reason.key == KEY and not d.steps[-1].reason.params["unchanged"]


def test_the_symmetric_reference_never_leaves_the_symmetric_matrices():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=3), rng.normal(size=3)
    m = rng.normal(size=(3, 3))
    s = m + m.T
    seen = []

    def loss(points):
        seen.append(points)
        return np.einsum("i,bij,j->b", a, points, b) + np.sum(points[:, 0, :] ** 3, axis=-1)

    g = central_difference(loss, s)   # unconstrained G, at the same point
    np.testing.assert_allclose(symmetric_difference(loss, s), (g + g.T) / 2, rtol=1e-7)
    moved = np.concatenate(seen[1:])
    np.testing.assert_array_equal(moved, np.swapaxes(moved, 1, 2))


def test_the_note_and_the_reason_in_english_and_japanese():
    d = derive(BILINEAR, wrt="S")
    en, ja = d.text("en"), d.text("ja")
    assert "the gradient on symmetric matrices is sym(G) = (G + Gᵀ)/2" in en
    assert "--symmetric-gradient full" in en   # the note names the option
    assert "対称行列上の勾配" in ja and "sym(G) = (G + Gᵀ)/2" in ja
    assert re.search(r"S は symmetric と宣言されているので", ja)
    assert "--symmetric-gradient full" in ja
    latex = d.latex("ja")
    assert r"\operatorname{sym}(G)" in latex and "対称行列上の勾配" in latex
    full = derive(BILINEAR, wrt="S", symmetric_gradient="full").text("ja")
    assert "成分を独立とみなした勾配 G とする" in full and "\n         = ((1/2)" not in full


def test_json_carries_the_convention_and_the_step():
    import json
    shown = json.loads(derive(BILINEAR, wrt="S").json())
    (grad,) = shown["gradients"]
    assert grad["symmetric_gradient"] == "sym"
    assert grad["steps"][-1]["reason"] == KEY
    assert "sym(G)" in grad["steps"][-1]["why"]
    assert grad["numpy"] == "0.5 * (np.outer(a, b) + np.outer(b, a))"
    shown = json.loads(derive(BILINEAR, wrt="S", symmetric_gradient="full").json())
    assert shown["gradients"][0]["symmetric_gradient"] == "full"
    assert shown["gradients"][0]["numpy"] == "np.outer(a, b)"


def test_the_command_line_option():
    runner = CliRunner()
    full = runner.invoke(cli, ["derive", BILINEAR, "--wrt", "S", "--symmetric-gradient",
                               "full"])
    assert full.exit_code == 0, full.output
    assert "∂L/∂S = a bᵀ\n" in full.output
    sym = runner.invoke(cli, ["derive", BILINEAR, "--wrt", "S"])
    assert sym.exit_code == 0 and "∂L/∂S = (1/2) (a bᵀ + b aᵀ)" in sym.output
    wrong = runner.invoke(cli, ["derive", BILINEAR, "--symmetric-gradient", "half"])
    assert wrong.exit_code == 2 and "half" in wrong.output
    shown = runner.invoke(cli, ["derive", "--help"]).output
    assert "--symmetric-gradient [sym|full]" in shown


def test_the_library_keyword_is_checked():
    with pytest.raises(UsageError, match="sym or full"):
        derive(BILINEAR, symmetric_gradient="half")


@pytest.mark.unverified
def test_the_numpy_modules_check_moves_both_entries(tmp_path):
    for convention in ("sym", "full"):
        code = derive(BILINEAR, wrt="S", symmetric_gradient=convention).show("numpy")
        assert ("SYMMETRIC_GRADIENT" in code) == (convention == "sym")
        module = load(code, tmp_path, convention)
        assert module.check(seed=0) < 1e-6
    # the unconstrained G fails a symmetric module's check
    code = derive(BILINEAR, wrt="S").show("numpy")
    wrong = code.replace("dS = 0.5 * (np.outer(a, b) + np.outer(b, a))", "dS = np.outer(a, b)")
    assert wrong != code
    with pytest.raises(AssertionError, match="dS differs"):
        load(wrong, tmp_path, "wrong").check(seed=0)


def load(code: str, where, tag: str):
    path = where / f"generated_{tag}.py"
    path.write_text(code, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"generated_symmetric_{tag}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
