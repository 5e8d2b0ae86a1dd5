"""Every derivation a test makes is verified (issue 5, point 1): the backward pass is
wrapped to record each Derivation, and after the test each one must pass
matcalc.check.verify — every step equal to the previous one, results and numpy code equal
to finite differences. A test that tampers with a result on purpose marks itself
``@pytest.mark.unverified``."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


def pytest_configure(config):
    config.addinivalue_line("markers", "unverified: derivations in this test are not "
                                       "verified automatically")


@pytest.fixture(autouse=True)
def verified_derivations(request, monkeypatch):
    if request.node.get_closest_marker("unverified"):
        yield
        return
    import matcalc.backward
    from matcalc.check import verify

    real = matcalc.backward.backward
    seen: list = []

    def backward(d, wanted):
        seen.append(d)
        return real(d, wanted)

    monkeypatch.setattr(matcalc.backward, "backward", backward)
    yield
    for d in seen:
        report = verify(d, trials=1)
        assert report.ok, report.summary()
