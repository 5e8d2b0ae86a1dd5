"""Checking a hand-derived formula (``--against``): a right one, a wrong one, a wrongly
shaped one (seed 002's ``u.T @ G``), a transposed one, and the command's exit codes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from matcalc import derive
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
    ("np.fft.fft(X)", "np.fft.fft is not supported in a formula"),
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
