"""Markdown flavours (--flavor zenn|qiita|github|hatena): each site's Markdown parser — Zenn's
own (zenn-markdown-html), CommonMark (markdown-it) for the others — must hand its math
engine exactly the TeX matcalc meant, for every example; and that TeX renders (KaTeX and
MathJax, tests/test_math_renders.py)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from matcalc import derive
from matcalc.render.flavors import FLAVORS, aligned_rows, flavoured

JS = Path(__file__).resolve().parent / "js"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
sys.path.insert(0, str(EXAMPLES))
from generate import derivation, examples  # noqa: E402


def meant(markdown: str) -> tuple[list[str], list[str]]:
    """The display and inline TeX of matcalc's Markdown (its $$ blocks and $…$ spans)."""
    display = [b.strip() for b in re.findall(r"^\$\$\n(.*?)\n\$\$$", markdown, re.S | re.M)]
    prose = re.sub(r"^\$\$\n.*?\n\$\$$|^```.*?^```", "", markdown, flags=re.S | re.M)
    inline = [m.strip() for m in re.findall(r"(?<![\\$])\$([^$\n]+?)\$(?!\$)", prose)]
    return display, inline


def parsed(pages: list[dict]) -> list[dict]:
    from helpers import node_package, reader
    reader("Zenn's parser and markdown-it (npm, tests/js)",
           node_package("zenn-markdown-html") and node_package("markdown-it"))
    done = subprocess.run(["node", str(JS / "markdown_math.mjs")], input=json.dumps(pages),
                          capture_output=True, text=True, timeout=300, check=True)
    return json.loads(done.stdout)


def test_every_flavour_hands_the_math_engine_the_tex_matcalc_meant():
    pages, expected = [], []
    for path in examples():
        for lang in ("en", "ja"):
            markdown = derivation(path).markdown(lang)
            for flavor in FLAVORS:
                pages.append({"flavor": flavor, "markdown": flavoured(markdown, flavor)})
                expected.append((path.stem, lang, flavor, *meant(markdown)))
    for got, (name, lang, flavor, display, inline) in zip(parsed(pages), expected):
        if flavor == "hatena":  # one [tex:…] on one line for each row of an aligned block
            display = [row for block in display for row in aligned_rows(block)]
        assert got["display"] == display, f"{name} {lang} {flavor}: a display block changed"
        assert got["inline"] == inline, f"{name} {lang} {flavor}: inline math changed"


def test_plain_dollars_would_be_mangled_by_commonmark():
    # what the flavours avoid: CommonMark turns \, into , and \\ into \ inside $$ … $$
    markdown = "$$\na \\, b \\\\\nc\n$$\n"
    got = parsed([{"flavor": "qiita", "markdown": markdown}])[0]
    assert got["display"] == []  # no fence: CommonMark saw a paragraph, not a formula
    fenced = parsed([{"flavor": "qiita", "markdown": flavoured(markdown, "qiita")}])[0]
    assert fenced["display"] == ["a \\, b \\\\\nc"]


@pytest.mark.parametrize("flavor, marker", [("zenn", "$$"), ("qiita", "```math"),
                                            ("github", "$`"), ("hatena", "<div>[tex:")])
def test_the_command_line_writes_the_flavour(flavor, marker):
    done = subprocess.run([sys.executable, "-m", "matcalc", "derive", "Y = softmax(A @ B)",
                           "-f", "markdown", "--flavor", flavor], capture_output=True,
                          text=True)
    assert done.returncode == 0 and marker in done.stdout


def test_hatena_sets_one_formula_per_row_of_an_aligned_block():
    # a proof of several rows was one [tex:…] line of thousands of characters
    d = derive("P = softmax(Z)", wrt="Z")
    markdown = d.markdown()
    page = flavoured(markdown, "hatena")
    formulas = [line for line in page.splitlines() if line.startswith("<div>[tex:")]
    rows = sum(len(aligned_rows(block)) for block in
               re.findall(r"\$\$\n(.*?)\n\$\$", markdown, flags=re.S))
    assert len(formulas) == rows > len(d.steps)          # the steps, each on its own
    assert all("&" not in f.replace(r"\&", "") or "pmatrix" in f for f in formulas)
    assert max(len(f) for f in formulas) < 400
    # matrices inside a row stay whole: their \\ are not row breaks of the display
    assert aligned_rows("\\begin{aligned}\na &= \\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix} "
                        "\\\\[2ex]\n &= b\n\\end{aligned}") == \
        ["a = \\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "= b"]
