"""Issue 19: a checker that cannot be fooled where backprop bugs live.

Domains are per argument (only what feeds a log, a √, a denominator or a fractional power
is moved, and a program defined nowhere is refused); every branch (relu, |x|, maximum) is
seen on both sides, or the result is not called verified; kinks the program sits on
identically verify under the stated convention; tolerances follow the gradient's own
scale; a declared function must hold for two unrelated stand-ins."""

from __future__ import annotations

import copy
import re
import subprocess
import sys

import numpy as np
import pytest

from helpers import RELU_MLP
from matcalc import derive
from matcalc.check import verify
from matcalc.check.against import compare
from matcalc.check.numeric import draw_instances
from matcalc.errors import DomainError

MLP = RELU_MLP


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "matcalc", "derive", *args],
                          capture_output=True, text=True, timeout=120)


def patched(d, codes: dict[str, str]):
    """The derivation with the numpy code of some gradients replaced (a wrong variant)."""
    wrong = copy.copy(d)
    wrong.checked = {}  # verify keeps reports by a fingerprint of the proofs, not the code
    original = d.numpy_of
    wrong.numpy_of = lambda name: codes.get(name) or original(name)
    return wrong


# ---------------------------------------------------------------- the ReLU mask


@pytest.fixture(scope="module")
def mlp():
    return derive(MLP, wrt=["W1", "b1"])


def test_the_mask_sees_both_sides_beside_a_log(mlp):
    """cross_entropy's log reads only P, a softmax, so X, W1 and b1 keep both signs."""
    draws = draw_instances(mlp.program, mlp.shapes, mlp.output, 3)
    assert not draws.uncovered and not draws.shifted
    z1 = np.concatenate([i.values["Z1"].reshape(-1) for i in draws.instances])
    assert (z1 < 0).any() and (z1 > 0).any()


@pytest.mark.unverified  # a wrong variant, on purpose
def test_the_forgotten_mask_is_rejected_by_verify(mlp):
    report = verify(patched(mlp, {"W1": "X.T @ ((P - T) @ W2.T)"}))
    assert not report.agrees
    assert {c.wrt for c in report.checks if not c.ok} == {"W1"}


def test_the_forgotten_mask_is_rejected_by_against(mlp):
    assert compare(mlp, "W1", "X.T @ dH").verdict == "differs"
    assert compare(mlp, "W1", "X.T @ (dH * (Z1 > 0))").equal
    out = cli(MLP, "--wrt", "W1", "--against", "X.T @ dH")
    assert out.returncode == 1 and out.stdout.startswith("wrong:")


def test_the_forgotten_mask_is_rejected_by_the_modules_check(mlp):
    from matcalc.render.formats import render
    source = render(mlp, "numpy")
    namespace: dict = {}
    exec(compile(source, "<module>", "exec"), namespace)  # our own generated code
    assert namespace["check"]() < 1e-4
    broken = re.sub(r"^    dZ1 = .*$", "    dZ1 = dH", source, flags=re.MULTILINE)
    assert broken != source
    namespace = {}
    exec(compile(broken, "<module>", "exec"), namespace)
    with pytest.raises(AssertionError, match="differs"):
        namespace["check"]()


def test_a_sign_hidden_in_a_root_is_seen():
    """√(x²) = |x|: its gradient is ∂L/∂Y ∘ sign X, which X drawn positive would hide."""
    d = derive("X: (m, n)\nY = sqrt(X ** 2)", wrt="X")
    assert compare(d, "X", "dY").verdict == "differs"
    assert compare(d, "X", "dY * np.sign(X)").equal


# ---------------------------------------------------------------- domains


def test_only_what_feeds_a_log_is_moved_and_it_keeps_its_signs():
    d = derive("X: (m, n)\nY: (m, n)\nZ: (m, n)\nL = sum(log(X * X + Y)) + sum(relu(Z))",
               wrt=["X", "Z"])
    draws = draw_instances(d.program, d.shapes, d.output, 3)
    assert draws.shifted == ["X, Y moved into the domain of log(X * X + Y)"]
    for name in "XZ":  # X moved away from 0, not made positive; Z not moved at all
        values = np.concatenate([i.values[name].reshape(-1) for i in draws.instances])
        assert (values < 0).any() and (values > 0).any()
    assert "moved into the domain of log(X * X + Y)" in verify(d).summary()
    assert compare(d, "X", "2 * np.abs(X) / (X * X + Y)").verdict == "differs"


@pytest.mark.parametrize("program", [
    "x: (n,)\nL = sum(log(x - 3))",
    "x: (n,)\ny: (n,)\nL = sum(sqrt(x - y))",
    "A: (m, n)\nx: (n,)\nb: (m,)\nL = -sum(log(b - A @ x))",   # a log barrier
    "X: (m, n)\nw: (n,)\ny: (m,)\nL = sum(X @ w - y * log(X @ w))",   # Poisson
])
def test_a_domain_away_from_the_draws_is_reached(program):
    d = derive(program, wrt="all")
    assert d.verified_on


def test_a_sign_error_beside_a_domain_is_caught():
    """Poisson regression: X is moved only as far as X w > 0 needs, so |X| is not X."""
    d = derive("X: (m, n)\nw: (n,)\ny: (m,)\nL = sum(X @ w - y * log(X @ w))", wrt="w")
    assert compare(d, "w", "X.T @ (1 - y / (X @ w))").equal
    assert compare(d, "w", "np.abs(X).T @ (1 - y / (X @ w))").verdict == "differs"


@pytest.mark.parametrize("program, site", [
    ("X: (m, n)\nL = sum(log(-exp(X)))", "log(-exp(X))"),
    # (for an even n, det(−S) = det S > 0: logdet(−S) is defined there)
    ("S: spd(3, 3)\nL = logdet(-S)", "logdet(-S)"),
    ("x: (n,)\nL = sum(sqrt(-(x * x) - 1))", "sqrt(-(x * x) - 1)"),
])
def test_a_program_defined_nowhere_is_refused(program, site):
    with pytest.raises(DomainError, match=re.escape(site)):
        derive(program, wrt="all")
    out = cli(program.replace("\n", "; "), "--wrt", "all")
    assert out.returncode == 1 and out.stdout == ""
    assert len(out.stderr.strip().splitlines()) == 1 and site in out.stderr


def test_a_domain_on_the_negative_side_is_found():
    d = derive("x: (n,)\nL = sum(log(-x))", wrt="x")
    assert d.verified_on
    draws = draw_instances(d.program, d.shapes, d.output, 3)
    assert all((i.values["x"] < 0).all() for i in draws.instances)


@pytest.mark.unverified  # a wrong variant, on purpose
def test_an_additive_constant_does_not_widen_the_tolerance():
    """L + 10⁷: central differences are noisier, but a factor 3 for 2 is still wrong."""
    d = derive("X: (m, n)\nb: (n,)\nL = sum((X + b) ** 2) + 10000000", wrt="b")
    assert d.verified_on
    assert compare(d, "b", "3 * np.sum(X + b, axis=0)").verdict == "differs"
    assert not verify(patched(d, {"b": "3 * np.sum(X + b, axis=0)"})).agrees


def test_large_intermediates_are_no_false_alarm():
    """E[y²] − E[y]² with y = x + 100: round-off of y² ≈ 10⁴ is measured, not an error."""
    d = derive("x: (n,)\ny = x + 100\nL = mean(y * y) - mean(y) * mean(y)", wrt="x")
    assert d.verified_on
    assert compare(d, "x", "2 * (x - x.mean()) / x.size").equal


# ---------------------------------------------------------------- branches and kinks


def test_a_branch_never_seen_on_both_sides_is_not_verified():
    """x² > 10⁴ can happen, but no draw reaches it: the positive side is never seen."""
    d = derive("x: (n,)\nL = sum(relu(x * x - 10000))", wrt="x")
    assert d.verified_on is None
    assert "relu(x * x - 10000): never positive" in d.unverified
    out = cli("x: (n,); L = sum(relu(x * x - 10000))", "--wrt", "x")
    assert out.returncode == 0
    assert out.stdout.rstrip().splitlines()[-1].startswith("not verified: relu(x * x")


def test_a_branch_out_of_reach_of_the_first_draws_is_reached():
    """relu(X + 3): entries of X below −3 come from the wider draws."""
    d = derive("X: (m, n)\nL = sum(relu(X + 3))", wrt="X")
    assert d.verified_on and d.verified_on > 3


@pytest.mark.parametrize("program", [
    "x: (n,)\nL = sum(relu(x - x))",
    "x: (n,)\nL = sum(relu(relu(x)))",
    # the intermediate H1 is held at 0 where X W < 0; moved where it stands, the relu
    # after it keeps relu′(0) = 0
    "X: (m, n)\nW: (n, n)\nH1 = relu(X @ W)\nH2 = H1 + relu(H1 @ W)\nL = sum(H2)",
])
def test_a_kink_the_program_sits_on_verifies_under_the_convention(program):
    d = derive(program, wrt="all")
    assert d.verified_on
    assert verify(d, trials=4).ok


# ---------------------------------------------------------------- tolerances, stand-ins


@pytest.mark.unverified  # a wrong variant, on purpose
def test_a_small_gradient_is_held_to_its_own_scale():
    d = derive("A: (m, n)\nL = 0.0001 * sum(sin(A))", wrt="A")
    assert verify(d).ok
    report = verify(patched(d, {"A": "1.001e-4 * np.cos(A)"}))
    assert not report.agrees  # 1e-7 off: nothing under the old absolute 1e-5


def test_a_formula_that_holds_for_one_stand_in_is_wrong():
    d = derive("f: elementwise\nA: (m, n)\nB = f(A)", wrt="A")
    verdict = compare(d, "A", "dB * (np.cos(A) + 0.6 * A)")
    assert verdict.verdict == "differs"
    report = verify(d)
    assert report.ok and report.trials >= 2


# ---------------------------------------------------------------- branches dead by construction

@pytest.mark.parametrize(("expression", "sign"), [
    ("exp(x)", "positive"), ("sigmoid(x) * exp(x)", "positive"), ("x * x", "nonnegative"),
    ("x ** 2", "nonnegative"), ("relu(x) + 1", "positive"), ("sum(x * x)", "nonnegative"),
    ("abs(x) / (1 + exp(x))", "nonnegative"), ("x", None), ("exp(x) - 1", None),
    ("1 / relu(x)", None), ("x ** 3", None), ("y", "positive"),
])
def test_the_sign_an_expression_has_by_construction(expression, sign):
    from matcalc.language.domains import sign_of
    from matcalc.language.parse import parse
    program = parse(f"x: (n,)\ny = exp(x)\nz = {expression}")
    assert sign_of(program.statements[-1].value, program) == sign


@pytest.mark.parametrize("program", [
    "x: (n,)\ny = abs(exp(x))\nL = sum(y)",           # abs never sees a negative argument
    "X: (m, n)\nL = sum(relu(X * X) * X)",            # nor relu a negative square
])
def test_a_branch_no_input_can_take_is_not_asked_for(program):
    """Coverage asks for both sides of a kink only where both can happen: these once ended
    "not verified: … never negative"; the result is still checked on every instance."""
    d = derive(program)
    assert d.verified_on and not d.unverified


@pytest.mark.unverified  # a wrong variant, on purpose
def test_a_wrong_result_beside_a_dead_branch_is_still_caught():
    import dataclasses

    import sympy
    d = derive("X: (m, n)\nL = sum(relu(X * X) * X)", wrt="X")
    grad = d.gradients["X"]
    wrong_grad = dataclasses.replace(grad, result=2 * grad.result)
    assert isinstance(wrong_grad.result, sympy.Basic)
    wrong = copy.copy(d)
    wrong.checked = {}
    wrong.gradients = {"X": wrong_grad}
    wrong.all_gradients = {**d.all_gradients, "X": wrong_grad}
    assert not verify(wrong).ok


def test_a_numpy_modules_check_follows_the_same_rule():
    """The module's check() asks for the sides the derivation's check asks for: none more
    (relu(exp(x)) has one), none fewer (relu(x) still has both)."""
    for program, listed in [("x: (n,)\nL = sum(relu(exp(x)))", False),
                            ("x: (n,)\nL = sum(relu(x) * x)", True)]:
        module = derive(program).show("numpy")
        assert ('"relu(' in module.split("BRANCHES = ")[1].splitlines()[0]) == listed
        namespace: dict = {}
        exec(compile(module, "generated", "exec"), namespace)  # matcalc's own output
        assert namespace["check"](seed=0) < 1e-6
