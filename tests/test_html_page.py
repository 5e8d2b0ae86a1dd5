"""--format html: one self-contained page (MathML, no script, no CDN) that headless Chromium
typesets: the results' text is on the page, fractions are stacked, and a screenshot is
taken (the README's picture is made the same way by examples/generate.py)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from matcalc import derive

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

# measures the page once laid out: how many formulas, and whether each fraction's
# numerator sits above its denominator (typeset, not a line of text)
PROBE = """<script>
const fractions = [...document.querySelectorAll("mfrac")];
const stacked = fractions.filter(f => f.children.length === 2 &&
  f.children[0].getBoundingClientRect().bottom <= f.children[1].getBoundingClientRect().top + 1);
document.body.setAttribute("data-math", document.querySelectorAll("math").length);
document.body.setAttribute("data-fractions", fractions.length);
document.body.setAttribute("data-stacked", stacked.length);
</script></body>"""


def chromium(*args: str) -> subprocess.CompletedProcess:
    from helpers import reader
    reader("Chromium", CHROMIUM is not None)
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                           "--window-size=1100,1400", *args],
                          capture_output=True, text=True, timeout=120)


def test_the_page_is_self_contained():
    page = derive("Z: (m, c)\nT: onehot(m, c)\nP = softmax(Z)\nL = cross_entropy(T, P)",
                  wrt="Z").show("html")
    assert page.startswith("<!DOCTYPE html>") and "<math" in page
    assert not re.search(r"<script|https?://(?!www\.w3\.org/1998/Math/MathML)", page)


def test_chromium_typesets_the_page_and_takes_its_picture(tmp_path):
    d = derive((ROOT / "examples" / "17_mlp.mc").read_text(encoding="utf-8"))
    page = d.show("html")
    probed = tmp_path / "probed.html"
    probed.write_text(page.replace("</body>", PROBE), encoding="utf-8")
    dom = chromium("--dump-dom", probed.as_uri()).stdout
    math = int(re.search(r'data-math="(\d+)"', dom).group(1))
    fractions = int(re.search(r'data-fractions="(\d+)"', dom).group(1))
    stacked = int(re.search(r'data-stacked="(\d+)"', dom).group(1))
    assert math >= 10 and fractions >= 10 and stacked == fractions
    for text in ("Gradient with respect to W2", "dW2 = H.T @ (P - T)", "Verified"):
        assert text in dom
    shot = tmp_path / "page.png"
    plain = tmp_path / "page.html"
    plain.write_text(page, encoding="utf-8")
    chromium(f"--screenshot={shot}", plain.as_uri())
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


def test_the_readme_shows_a_picture_of_the_page():
    picture = ROOT / "docs" / "mlp_page.png"
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "docs/mlp_page.png" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert pytest  # (the picture is made by python examples/generate.py, with Chromium)


# each display formula: does it overflow (a scroll control beside it), and how far the
# first word of each reason stands from its ∵
LAYOUT = """<script>
const blocks = [...document.querySelectorAll('math[display="block"]')];
const tall = blocks.filter(b => b.scrollHeight > b.clientHeight);
const wide = blocks.filter(b => b.scrollWidth > b.clientWidth);
const clipped = blocks.filter(b => getComputedStyle(b).overflowY !== "hidden");
const because = [...document.querySelectorAll("mo")].filter(m => m.textContent === "\\u2235");
const gaps = because.map(m => m.nextElementSibling.getBoundingClientRect().left -
                              m.getBoundingClientRect().right);
document.body.setAttribute("data-blocks", blocks.length);
document.body.setAttribute("data-tall", tall.length);
document.body.setAttribute("data-wide", wide.length);
document.body.setAttribute("data-scrollable", clipped.length);
document.body.setAttribute("data-gaps", gaps.join(","));
</script></body>"""


def test_results_show_no_scroll_controls_a_bold_ones_vector_and_a_spaced_because(tmp_path):
    # 𝟏𝟏ᵀ, (∵ only the terms …), and fractions and stretchy brackets that used to overflow
    # their block by a few pixels: a scrollbar spinner beside every result line
    d = derive("C = A @ B\nL = sum(C)", wrt="A")
    page = d.show("html")
    assert "𝟏" in page and 'mathvariant="bold"' not in page  # MathML Core draws it plain
    probed = tmp_path / "layout.html"
    probed.write_text(page.replace("</body>", LAYOUT), encoding="utf-8")
    dom = chromium("--dump-dom", probed.as_uri()).stdout

    def attribute(name: str) -> str:
        return re.search(rf'data-{name}="([^"]*)"', dom).group(1)
    assert int(attribute("blocks")) >= 4
    assert attribute("tall") == "0" and attribute("wide") == "0"
    assert attribute("scrollable") == "0"  # never a vertical scroll control
    gaps = [float(g) for g in attribute("gaps").split(",")]
    assert gaps and min(gaps) > 2  # px: "∵ only", not "∵only"


def test_bold_symbols_become_unicode_bold_letters():
    import html

    from matcalc.render.html import mathml
    shown = html.unescape(mathml(r"\boldsymbol{\Phi}_{3} \mathbf{1} \boldsymbol{\sigma} \mathbf{W}",
                                 block=False))
    assert "mathvariant" not in shown
    assert all(c in shown for c in ("𝜱", "𝟏", "𝝈", "𝐖"))
