"""Every formula matcalc writes renders in KaTeX (Zenn) and MathJax 3 (Qiita).

The engines are the real ones, from npm (tests/js/package.json; .ci/run installs them).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from matcalc import derive

JS = Path(__file__).resolve().parent / "js"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

PROGRAMS = [
    ("C = A @ B", None, "en"),
    ("b: (n,)\nC = A + b", None, "ja"),
    ("x: (n,)\ny = W @ x", None, "en"),
    ("B = sigmoid(A)", None, "ja"),
    ("B = sqrt(A)", None, "en"),
    ("B = relu(A)", None, "en"),
    ("s: ()\nC = s * A / B - A ** 3", None, "en"),
    ("W2: (n, k)\nZ2 = H1 @ W2", None, "en"),
    ("C = sigmoid(A @ B)", None, "ja"),
    ("s = sum(A, axis=0)", None, "en"),
    # superscripts on superscripts (a review found these)
    ("Y = A.T.T", None, "en"),
    ("Y = A.T ** 2", None, "en"),
    ("Y = (A ** 2) ** 3", None, "en"),
    ("Y = (A @ B).T ** 2", None, "en"),
    ("x: (n,)\ny = x / sqrt(x @ x)", None, "en"),
    ("Y = sqrt(A * A)", None, "en"),
    ("T: onehot(m, c)\nP = softmax(Z)\nL = cross_entropy(T, P)", None, "ja"),
    # Japanese reasons that once nested brackets: fan-out, a symmetric transpose, an outer
    # product (issue 20)
    ("H = A @ B\nC = H * A", None, "ja"),
    ("S: symmetric(n, n)\nx: (n,)\nf = x @ S @ x", None, "ja"),
    ("u: (m,)\nv: (n,)\nC = outer(u, v)", None, "ja"),
]


def engines_available() -> bool:
    return shutil.which("node") is not None and (JS / "node_modules" / "katex").is_dir() \
        and (JS / "node_modules" / "mathjax-full").is_dir()


pytestmark = pytest.mark.skipif(
    not engines_available() and os.environ.get("CI") != "true",
    reason="KaTeX/MathJax not installed: run 'npm install' in tests/js (CI does)")


def render_errors(formulas: list[str]) -> list[dict]:
    result = subprocess.run(["node", str(JS / "render_math.js")], input=json.dumps(formulas),
                            capture_output=True, text=True, timeout=120, check=True)
    return json.loads(result.stdout)


def display_blocks(markdown: str) -> list[str]:
    return [block.strip() for block in re.findall(r"\$\$\n(.*?)\n\$\$", markdown, re.DOTALL)]


def test_engines_reject_bad_tex():
    """The check can fail: a broken formula is reported by both engines."""
    errors = render_errors([r"\left( x", r"\frac{a}{b}"])
    assert {(e["index"], e["engine"]) for e in errors} == {(0, "katex"), (0, "mathjax")}


def test_latex_and_markdown_render():
    formulas = []
    for program, wrt, lang in PROGRAMS:
        d = derive(program, wrt=wrt)
        formulas.append(d.latex(lang))
        formulas.extend(display_blocks(d.markdown(lang)))
    from matcalc import jacobian
    for lang in ("en", "ja"):   # a Jacobian's header and the --at values, in each language
        formulas.extend(display_blocks(jacobian("x: (n,)\ny = W @ x", "x").markdown(lang)))
        d = derive("x: ()\ny: ()\nz: ()\nq = x + y\nf = q * z", wrt="all")
        formulas.extend(display_blocks(d.at({"x": -2, "y": 5, "z": -4}).markdown(lang)))
    for path in sorted(EXAMPLES.glob("*.md")):
        formulas.extend(display_blocks(path.read_text(encoding="utf-8")))
    errors = render_errors(formulas)
    assert not errors, "\n".join(f"{e['engine']}: {e['message']}\n  {formulas[e['index']][:300]}"
                                 for e in errors[:5])
