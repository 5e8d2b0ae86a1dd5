"""Every result a test makes is verified: an observer registered with matcalc's pipeline
(``matcalc.observe``) collects each derivation, Jacobian and Hessian as it is made, and
after the test each one must pass ``matcalc.check.verify`` — every step equal to the
previous one, results and numpy code equal to finite differences. A result the test has
verified itself is not verified again. A test that tampers with a result on purpose marks
itself ``@pytest.mark.unverified``.

The observer is registered once, when pytest starts, so it does not depend on which
module a test imports first."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

pytest_plugins = ["pytester"]

_made: list = []


def _collect(result) -> None:
    _made.append(result)


def pytest_configure(config):
    config.addinivalue_line("markers", "unverified: derivations in this test are not "
                                       "verified automatically")
    from matcalc.observe import add_observer
    add_observer(_collect)


@pytest.fixture(autouse=True)
def verified_results(request):
    _made.clear()
    yield
    made, unverified = list(_made), request.node.get_closest_marker("unverified")
    _made.clear()
    if unverified:
        return
    from matcalc.check import verified, verify
    for result in made:
        report = verified(result) or verify(result, trials=1)  # once, as it is now
        # nothing found wrong; a branch never seen on both sides leaves a result
        # unverified, which the result says (test_coverage.py holds the examples to it)
        assert report.agrees, report.summary()
