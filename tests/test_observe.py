"""The verification hook (tests/conftest.py) is an observer of the pipeline: it fails a
test whose derivation has a wrong step, whatever the test imported first, for gradients,
Jacobians and Hessians alike; and a result is verified once."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcalc import derive, verify

CONFTEST = (Path(__file__).parent / "conftest.py").read_text(encoding="utf-8")
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def importable(monkeypatch):
    """The inner pytest runs in a subprocess: it finds matcalc where this one did."""
    monkeypatch.setenv("PYTHONPATH", str(ROOT))

TAMPERED = """
from matcalc.calculus.proof import Step
{imports}


def test_a_wrong_step_goes_unnoticed_by_the_test_itself():
    d = {make}
    steps = {steps}
    n = len(steps) // 2
    steps[n] = Step(steps[n].lhs, 2 * steps[n].rhs, steps[n].reason)
"""

IMPORT_ORDERS = [
    "from matcalc import derive, jacobian, hessian",
    "import matcalc.check\nimport matcalc.calculus.backward\nfrom matcalc.pipeline import derive, "
    "jacobian, hessian",
    "import matcalc.render.formats\nfrom matcalc.pipeline import hessian\n"
    "from matcalc import derive, jacobian",
]
RESULTS = [
    ('derive("C = sigmoid(A @ B)", wrt="A")', "d.steps"),
    ('jacobian("x: (n,)\\ny = tanh(W @ x)", "x")', "d.steps"),
    ('hessian("x: (n,)\\nf = x @ A @ x", "x")', "d.steps"),
]


@pytest.mark.parametrize("imports", IMPORT_ORDERS, ids=["package", "modules", "mixed"])
def test_the_hook_fails_a_wrong_step_whatever_the_import_order(pytester, imports):
    pytester.makeconftest(CONFTEST)
    for n, (make, steps) in enumerate(RESULTS):
        pytester.makepyfile(**{f"test_tampered_{n}": TAMPERED.format(
            imports=imports, make=make, steps=steps)})
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    # each test body passes; the hook's check after it fails, once per result
    result.assert_outcomes(passed=len(RESULTS), errors=len(RESULTS))
    result.stdout.fnmatch_lines(["*MISMATCH*"])


def test_an_untampered_run_passes(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_fine="from matcalc import derive\n\n\ndef test_fine():\n"
                                  "    derive('C = A @ B', wrt='A')\n")
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


@pytest.mark.unverified  # it tampers with its result on purpose
def test_a_result_is_verified_once_and_again_when_it_changes():
    d = derive("C = sigmoid(A @ B)", wrt="A")
    first = verify(d)
    assert verify(d) is first and verify(d, trials=3) is first and first.ok
    grad = d.gradients["A"]
    grad.result, grad.inlined = 2 * grad.result, 2 * grad.inlined   # tampered afterwards
    assert not verify(d).ok
