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
def default_notation_and_language():
    """Each test starts from the default notation and language and leaves them so: the
    command line's options (--indicator one, --entries-from 1) set the process's notation,
    as set_notation and set_language do in a notebook."""
    from matcalc.render.settings import LANGUAGE, NOTATION
    saved, lang = dict(NOTATION), dict(LANGUAGE)
    yield
    NOTATION.clear()
    NOTATION.update(saved)
    LANGUAGE.update(lang)


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


# -- the seed articles' derivations, lines matched / seed lines (tests/test_seeds.py)
_seed_lines: dict = {}


def pytest_runtest_logreport(report):
    """Collects what test_seeds.py records, also from xdist's workers."""
    if report.when != "call":
        return
    for key, value in report.user_properties:
        if key == "seed_lines":
            import json
            entry = json.loads(value)
            status = "line for line" if report.passed else \
                "differs (xfail)" if hasattr(report, "wasxfail") else "FAILED"
            if report.failed and "XPASS" in str(report.longrepr):
                status = "XPASS: un-mark"
            _seed_lines[(entry["id"], entry["lang"])] = {**entry, "status": status}


def pytest_terminal_summary(terminalreporter):
    if not _seed_lines:
        return
    write = terminalreporter.write_line
    terminalreporter.section("seed derivations: lines matched / seed lines")
    import re

    def natural(text: str) -> list:
        return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]
    ids = sorted(dict.fromkeys(key[0] for key in _seed_lines), key=natural)
    both = 0
    for seed_id in ids:
        cells = []
        for lang in ("en", "ja"):
            e = _seed_lines.get((seed_id, lang))
            if e:
                extra = f" +{e['extra']} matcalc-only" if e["extra"] else ""
                cells.append(f"{lang} {e['matched']}/{e['total']}{extra} {e['status']}")
        if all(_seed_lines.get((seed_id, lang), {}).get("status") == "line for line"
               for lang in ("en", "ja")):
            both += 1
        write(f"{seed_id:<28} " + " | ".join(cells))
    write(f"{both} of {len(ids)} derivations line for line in English and Japanese")


# the files whose tests take longest (seconds each: typesetting, the fuzzer, the mutants)
# run first, so that the two workers end together rather than one waiting on a long tail
FIRST = ("test_math_renders.py", "test_latex_document.py", "test_fuzz.py", "test_flavors.py",
         "test_graph.py", "test_mutation.py")


def pytest_collection_modifyitems(config, items):
    rank = {name: k for k, name in enumerate(FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(FIRST)))
