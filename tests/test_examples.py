"""examples/: every program derives, verifies, and its checked-in Markdown is current."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from helpers import assert_correct

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
spec = importlib.util.spec_from_file_location("generate", EXAMPLES / "generate.py")
generate = importlib.util.module_from_spec(spec)
spec.loader.exec_module(generate)

PROGRAMS = generate.examples()


def test_there_are_examples():
    assert len(PROGRAMS) >= 20


@pytest.mark.parametrize("path", PROGRAMS, ids=[p.stem for p in PROGRAMS])
def test_example_markdown_is_current(path):
    target = path.with_suffix(".md")
    assert target.exists(), f"{target.name} missing: run python examples/generate.py"
    assert target.read_text(encoding="utf-8") == generate.render(path), (
        f"{target.name} is out of date: run python examples/generate.py and review the diff")


@pytest.mark.parametrize("path", PROGRAMS, ids=[p.stem for p in PROGRAMS])
def test_example_verifies(path):
    from matcalc import Derivation, verify
    d = generate.derivation(path)
    if isinstance(d, Derivation):
        assert_correct(d)
    else:
        report = verify(d)
        assert report.ok, report.summary()


def test_the_gallery_is_current_and_links_every_example():
    gallery = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    assert gallery == generate.gallery(), "examples/README.md: run python examples/generate.py"
    for path in PROGRAMS:
        assert f"]({path.stem}.md)" in gallery
    assert "right: gamma / (X.shape[0] * s)" in gallery  # batch norm's two forms agree
