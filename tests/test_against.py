"""Checking a hand-derived formula (``--against``): a right one, a wrong one, a wrongly
shaped one (seed 002's ``u.T @ G``), a transposed one, and the command's exit codes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from helpers import RELU_MLP
from matcalc import check_backward, derive
from matcalc.errors import UsageError

LAYER = "X: (m, n)\nW: (n, k)\nZ = X @ W\nH = sigmoid(Z)"
SEED_002 = "u: (n,)\nu2 = W.T @ u"


def test_a_right_formula_is_said_to_be_right():
    d = derive(LAYER, against={"W": "X.T @ dZ", "X": "dZ @ W.T"})
    assert all(v.equal and v.trials == 3 for v in d.against.values())
    assert d.against["W"].text().startswith("right: X.T @ dZ equals ∂L/∂W")


def test_a_wrong_formula_gets_a_counterexample_entry_and_the_right_formula():
    verdict = derive(LAYER, against={"W": "X.T @ dH"}).against["W"]
    assert verdict.verdict == "differs"
    assert verdict.yours != pytest.approx(verdict.right)
    text = verdict.text()
    assert f"At entry ({verdict.entry[0]},{verdict.entry[1]})" in text
    assert "The right formula: ∂L/∂W = Xᵀ (∂L/∂H ∘ H ∘ (1 − H))" in text
    assert "numpy: X.T @ (dH * H * (1 - H))" in text


def test_seed_002s_formula_is_explained_in_words():
    verdict = derive(SEED_002, loss="J", against={"W": "u.T @ du2"}).against["W"]
    assert verdict.verdict == "error"
    text = verdict.text("J")
    assert "u.T is a vector of length n" in text and ".T leaves a 1-D array as it is" in text
    assert "du2 is a vector of length m" in text and "inner product, which needs n = m" in text
    assert "The right formula: ∂J/∂W = u (∂J/∂u2)ᵀ" in text


def test_a_transposed_formula_is_called_the_transpose():
    verdict = derive(SEED_002, loss="J", against={"W": "np.outer(du2, u)"}).against["W"]
    assert verdict.verdict == "transpose"
    assert "(np.outer(du2, u)).T would be right" in verdict.text("J")


def test_a_formula_of_the_wrong_shape_says_both_shapes():
    verdict = derive(LAYER, against={"W": "(X.T @ dZ).sum(axis=0)"}).against["W"]
    assert verdict.verdict == "shape"
    assert "but ∂L/∂W has W's shape (n, k)" in verdict.text()


@pytest.mark.parametrize("formula, message", [
    ("X.T @ dQ", "`dQ` is not a name of this program; the upstream gradients are dH, dZ"),
    ("np.fft.fft(X)", "np.fft is not supported in a formula"),
    ("np.convolve(X, W)", "np.convolve is not supported in a formula"),
    ("X.T @", "not a numpy expression"),
])
def test_formulas_outside_the_whitelist_are_refused(formula, message):
    with pytest.raises(UsageError, match=message):
        derive(LAYER, against={"W": formula})


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "matcalc", "derive", *args],
                          capture_output=True, text=True, encoding="utf-8")


def test_the_command_exits_0_when_right_1_when_wrong_2_on_misuse():
    right = run(LAYER, "--wrt", "W", "--against", "X.T @ dZ")
    assert right.returncode == 0 and right.stdout.startswith("right:"), right.stderr
    wrong = run(SEED_002, "--wrt", "W", "--loss", "J", "--against", "u.T @ du2")
    assert wrong.returncode == 1 and wrong.stdout.startswith("wrong:")
    named = run(LAYER, "--against", "W=X.T @ dZ", "--against", "X=dZ @ W.T")
    assert named.returncode == 0 and named.stdout.count("right:") == 2
    misuse = run(LAYER, "--against", "X.T @ dZ")  # which gradient? no --wrt, no NAME=
    assert misuse.returncode == 2 and "NAME=FORMULA" in misuse.stderr


# ------------------------------------------------------------------ a whole backward pass

# two layers with a relu between them and no log: inputs keep both signs, the mask matters
TWO_LAYERS = "X: (m, d)\nW1: (d, h)\nW2: (h, c)\nZ1 = X @ W1\nH = relu(Z1)\nY = H @ W2"
TWO_LAYERS_PASS = """\
dW2 = H.T @ dY
dH = dY @ W2.T
dZ1 = dH * (Z1 > 0)
dW1 = X.T @ dZ1
dX = dZ1 @ W1.T
"""
MLP = RELU_MLP
MLP_PASS = """\
dZ2 = P - T
dW2 = H.T @ dZ2
dH = dZ2 @ W2.T
dZ1 = dH * (Z1 > 0)
dW1 = X.T @ dZ1
"""


@pytest.fixture(scope="module")
def two_layers():
    return derive(TWO_LAYERS)


def test_a_right_backward_pass_is_right_line_by_line(two_layers):
    report = check_backward(two_layers, TWO_LAYERS_PASS)
    assert report.ok and report.trials == 3
    assert [line.status for line in report.lines] == ["right"] * 5
    assert [line.gradient for line in report.lines] == ["W2", "H", "Z1", "W1", "X"]
    assert str(report).startswith("right:") and "```" in report._repr_markdown_()


def test_a_forgotten_relu_mask_is_caught_at_its_line(two_layers):
    report = check_backward(two_layers, TWO_LAYERS_PASS.replace("dH * (Z1 > 0)", "dH"))
    assert not report.ok and report.first_wrong.number == 3
    wrong = report.lines[2].comparison
    assert wrong.verdict == "differs" and wrong.yours != pytest.approx(wrong.right)
    assert "[Z1 > 0]" in wrong.right_formula
    # later lines read the user's own dZ1: wrong here, yet right in themselves
    assert [line.status for line in report.lines[3:]] == ["follows", "follows"]
    assert report.lines[3].reads == ("dZ1",)
    text = report.text()
    assert text.startswith("wrong: line 3") and f"At entry ({wrong.entry[0]}," in text


def test_each_wrong_line_of_a_pass_is_judged_on_its_own(two_layers):
    source = TWO_LAYERS_PASS.replace("dW1 = X.T @ dZ1", "dW1 = X @ dZ1.T").replace(
        "dZ1 = dH * (Z1 > 0)", "dZ1 = np.where(Z1 > 0, dH, 0.0) * 2")
    report = check_backward(two_layers, source)
    assert [line.status for line in report.lines] == \
        ["right", "right", "wrong", "wrong", "follows"]
    assert report.lines[3].comparison.verdict in ("shape", "transpose", "error")


def test_helpers_and_sums_in_a_pass(two_layers):
    source = ("mask = (Z1 > 0).astype(float)\ndH = dY @ W2.T\ndZ1 = dH * mask\n"
              "dX = 0\ndX += dZ1 @ W1.T")
    report = check_backward(two_layers, source)
    assert report.ok, report.text()
    assert [line.status for line in report.lines] == \
        ["helper", "right", "right", "partial", "right"]
    broken = check_backward(two_layers, source.replace("dX += dZ1 @ W1.T", "dX += dZ1"))
    assert broken.first_wrong.number == 5


def test_the_mlps_forgotten_mask_is_caught_at_its_line():
    d = derive(MLP)
    assert check_backward(d, MLP_PASS).ok
    report = check_backward(d, MLP_PASS.replace("dH * (Z1 > 0)", "dH"))
    assert report.first_wrong is not None and report.first_wrong.number == 4


def test_the_mlp_pass_is_right():
    assert check_backward(derive(MLP), MLP_PASS).ok


@pytest.mark.parametrize("source, words", [
    ("dW1 = X.T @ dZ1\ndZ1 = dH * (Z1 > 0)", "line 1: dZ1 is read before a line assigns it"),
    ("dH = dY @ W2.T\ndZ1 = dH * mask", "line 2: `mask` is not a name of this program"),
    ("X = dY", "line 1: X is a name of the program"),
    ("dY = 2 * Y", "line 1: dY is the upstream gradient"),
    ("dH = dY @ W2.T\ndH @ W1", "line 2: a backward pass is lines NAME = formula"),
    ("mask = Z1 > 0", "no line assigns the gradient"),
    ("dW2 = H.T @ dY\ndump = X.tofile('x')", "line 2: .tofile is not supported"),
])
def test_a_pass_outside_the_rules_is_refused_with_its_line(two_layers, source, words):
    with pytest.raises(UsageError) as refused:
        check_backward(two_layers, source)
    assert words in refused.value.message


def test_the_command_takes_a_pass_from_a_file_stdin_or_a_string(tmp_path, monkeypatch,
                                                                 capsys):
    import io

    from matcalc.cli import main
    program = tmp_path / "net.mc"
    program.write_text(TWO_LAYERS)
    right = tmp_path / "backward.py"
    right.write_text(TWO_LAYERS_PASS)
    assert main(["derive", str(program), "--against", f"@{right}"]) == 0
    assert capsys.readouterr().out.startswith("right:")
    monkeypatch.setattr("sys.stdin", io.StringIO(TWO_LAYERS_PASS.replace("dH * (Z1 > 0)",
                                                                         "dH")))
    assert main(["derive", str(program), "--against", "-"]) == 1
    assert capsys.readouterr().out.startswith("wrong: line 3")
    assert main(["derive", str(program), "--against", "dH = dY @ W2.T; dZ1 = dH",
                 "--format", "json"]) == 1
    out = capsys.readouterr().out
    assert '"ok": false' in out and '"status": "wrong"' in out
    assert main(["derive", str(program), "--against", "dW2 = np.dot(H.T, dY)"]) == 0
    assert main(["derive", str(program), "--against", "@missing.txt"]) == 2
    assert main(["derive", "-", "--against", "-"]) == 2
    assert "standard input" in capsys.readouterr().err


def test_a_pass_may_assign_gradients_the_derivation_did_not_need():
    d = derive(TWO_LAYERS, wrt="W2")  # dZ1, dW1 are not on W2's way: derived again
    report = check_backward(d, "dH = dY @ W2.T\ndZ1 = dH * (Z1 > 0)\ndW1 = X.T @ dZ1")
    assert report.ok and "W1" not in d.all_gradients
