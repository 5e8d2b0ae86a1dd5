"""Notation options bloggers ask for (--transpose, --bold, --limits, --division, -o FILE):
each changes what it says and nothing else, and renders in KaTeX and MathJax (\\bm, which
MathJax lacks, in KaTeX)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from test_math_renders import display_blocks, render_errors

from matcalc import derive, set_notation
from matcalc.errors import UsageError
from matcalc.render.display import NOTATION, NOTATION_CHOICES

PROGRAM = "Z: (m, c)\nT: onehot(m, c)\nW: (n, c)\nY = Z @ W.T\nP = softmax(Z)\n" \
          "L = cross_entropy(T, P) + sum(Y)"


@pytest.fixture(autouse=True)
def default_notation():
    saved = dict(NOTATION)
    yield
    NOTATION.update(saved)


CHOICES = [
    ({"transpose": "top"}, r"^{\top}", r"^{\mathsf{T}}"),
    ({"transpose": "T"}, r"\mathbf{W}^{T}", r"^{\mathsf{T}}"),
    ({"bold": "bm"}, r"\bm{W}", r"\mathbf{W}"),
    ({"bold": "plain"}, r"W^{\mathsf{T}}", r"\mathbf{W}"),
    ({"limits": "on"}, r"\sum_{q=1}^{m}", r"\sum_{q} "),
    ({"division": "fraction"}, r"\frac{\mathbf{T}}{\mathbf{P}}", r"^{\circ -1}"),
]


@pytest.fixture(scope="module")
def rendered() -> list[tuple[str, list, list[dict]]]:
    """Each choice's LaTeX and Markdown formulas, typeset by KaTeX and MathJax in one run
    of the readers (a process each would start node six times): (latex, formulas, errors)."""
    from helpers import node_package, reader
    reader("KaTeX and MathJax (npm, tests/js)",
           node_package("katex") and node_package("mathjax-full"))
    saved = dict(NOTATION)
    d = derive(PROGRAM, wrt="Z, W")
    shown = []
    for choice, _, _ in CHOICES:
        NOTATION.update(saved)
        set_notation(**choice)
        latex = d.latex()
        shown.append((latex, [latex, *display_blocks(d.markdown())]))
    NOTATION.update(saved)
    everything = [f for _, formulas in shown for f in formulas]
    errors = render_errors(everything)
    out, start = [], 0
    for latex, formulas in shown:
        mine = [e for e in errors if start <= e["index"] < start + len(formulas)]
        out.append((latex, formulas, mine))
        start += len(formulas)
    return out


@pytest.mark.parametrize("case", range(len(CHOICES)), ids=[str(c[0]) for c in CHOICES])
def test_each_choice_changes_what_it_says(case, rendered):
    choice, present, absent = CHOICES[case]
    latex, _, errors = rendered[case]
    assert present in latex and absent not in latex
    if choice.get("bold") == "bm":  # \bm is KaTeX's and LaTeX's (package bm), not MathJax's
        errors = [e for e in errors if not (e["engine"] == "mathjax" and "\\bm" in e["message"])]
    assert not errors, errors[:2]


def test_the_text_format_follows_limits_and_division():
    d = derive(PROGRAM, wrt="Z")
    set_notation(limits="on", division="fraction")
    text = d.text()
    assert "Σ_{q=1}^{m}" in text and "T ⊘ P" in text


def test_unknown_choices_are_refused():
    with pytest.raises(UsageError, match="top"):
        set_notation(transpose="dagger")
    assert set(NOTATION) == set(NOTATION_CHOICES)


def test_the_command_line_options_and_output_file(tmp_path):
    target = tmp_path / "proof.tex"
    done = subprocess.run([sys.executable, "-m", "matcalc", "derive", "Y = A @ B.T",
                           "--wrt", "A", "-f", "latex", "--transpose", "top", "--bold", "bm",
                           "--limits", "-o", str(target)], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout == "", done.stderr
    written = target.read_text(encoding="utf-8")
    assert r"\bm{B}^{\top}" in written and r"\sum_{p=1}^{n}" in written


def test_numbered_results_render_and_compile(tmp_path):
    from helpers import node_package, reader
    reader("KaTeX and MathJax (npm, tests/js)",
           node_package("katex") and node_package("mathjax-full"))
    d = derive("Y = A @ B", wrt="A, B")
    set_notation(numbers="on")
    blocks = [b for b in display_blocks(d.markdown()) if r"\tag{" in b]
    assert [b.endswith(rf"\tag{{{k}}}") for k, b in enumerate(blocks, 1)] == [True, True]
    assert not render_errors(blocks)
    from test_latex_document import compile_tex
    document = d.show("latex", standalone=True)  # numbers its results always, labelled
    assert re.findall(r"\\label\{(eq:grad-[AB])\}", document) == ["eq:grad-A", "eq:grad-B"]
    compile_tex(document, tmp_path)


# ---------------------------------------------------------------- issue 20, point 6

LEAST_SQUARES = "A: (m, n); x: (n,); b: (m,)\nL = norm(A @ x - b) ** 2"


def test_a_norm_and_its_square_print_as_norms():
    # ‖Ax − b‖²: a norm is a scalar, so its square is a plain power, not a Hadamard one
    d = derive(LEAST_SQUARES, wrt="x")
    text, latex, markdown = d.text(), d.latex(), d.markdown()
    assert "L = ‖A x − b‖²" in text
    assert r"\left\lVert \mathbf{A} \mathbf{x} - \mathbf{b} \right\rVert^{2}" in latex
    assert r"\left\lVert \mathbf{A} \mathbf{x} - \mathbf{b} \right\rVert^{2}" in markdown
    for shown in (text.split("\n", 1)[1], latex, markdown.split("```", 2)[2]):  # not the program
        assert "norm" not in shown and "∘2" not in shown and r"\circ 2" not in shown
    # any scalar-valued expression squares plainly; a matrix's square stays Hadamard
    other = derive("X: (m, n)\nL = sum(X) ** 2 + sum(X ** 2) + norm(X.T @ X)", wrt="X")
    assert "L = sum(X)² + sum(X^∘2) + ‖Xᵀ X‖" in other.text()


def test_a_norm_renders_in_katex_and_mathjax():
    from helpers import node_package, reader
    reader("KaTeX and MathJax (npm, tests/js)",
           node_package("katex") and node_package("mathjax-full"))
    d = derive(LEAST_SQUARES, wrt="x")
    assert not render_errors([d.latex(), *display_blocks(d.markdown())])


def test_a_declared_gradient_name_needs_no_parentheses():
    # u' = Wᵀu with G ≡ ∂L/∂u': ∂L/∂W = u Gᵀ (and u (∂L/∂u')ᵀ when it is not named)
    named = derive("u: (n,)\nG: gradient(u2)\nu2 = W.T @ u", wrt="W")
    text, latex = named.text(), named.latex()
    assert "∂L/∂W = u Gᵀ" in text and "(G)" not in text
    assert r"\mathbf{u} \mathbf{G}^{\mathsf{T}}" in latex and r"\left(\mathbf{G}\right)" \
        not in latex
    plain = derive("u: (n,)\nu2 = W.T @ u", wrt="W")
    assert "∂L/∂W = u (∂L/∂u2)ᵀ" in plain.text()


NEURON = "w: (3,)\nx: (2,)\ndot = w[0]*x[0] + w[1]*x[1] + w[2]\nf = sigmoid(dot)"


@pytest.fixture
def notation_reset():
    yield
    set_notation(entries="from0", layers="subscript")


def test_numbered_entries_follow_the_program_or_count_from_one(notation_reset):
    """Issue 21, point 3: x[0] prints x_0 by default (seed 003's w_0 … w_2, as the program
    counts), x_1 with entries="from1" (seed 004's x_1, x_2) — in text and LaTeX alike, in
    the forward definition and in the proof."""
    d = derive(NEURON, wrt="w")
    text, tex = d.text(), d.latex()
    assert "dot = w_0 x_0 + w_1 x_1 + w_2" in text and "w_3" not in text
    assert "w_{0} x_{0}" in tex and "w_{3}" not in tex
    set_notation(entries="from1")
    text, tex = d.text(), d.latex()
    assert "dot = w_1 x_1 + w_2 x_2 + w_3" in text and "w_0" not in text
    assert "w_{1} x_{1}" in tex and "w_{0}" not in tex


def test_layer_indices_as_superscripts_on_request(notation_reset):
    """Issue 21, point 3: digits in names are subscripts (Z1 → Z_1); Z^{(1)} on request,
    in the names, their entries and the reasons."""
    d = derive("Z1 = X @ W1\nH1 = tanh(Z1)", wrt="W1")
    tex = d.latex()
    assert r"\mathbf{Z}_{1}" in tex and "z_{1,kl}" in tex
    set_notation(layers="superscript")
    tex, text = d.latex(), d.text()
    assert r"\mathbf{Z}^{(1)}" in tex and "z^{(1)}_{kl}" in tex and r"\mathbf{Z}_{1}" not in tex
    assert "Z⁽¹⁾ = X W⁽¹⁾" in text and "element form of H⁽¹⁾" in text


def test_the_command_line_and_a_file_heading_choose_how_entries_count(tmp_path):
    from click.testing import CliRunner

    from matcalc.cli import cli
    path = tmp_path / "f.mc"
    path.write_text("# wrt: x\n# entries-from: 1\nx: (2,)\nf = x[0]**2 + x[1]\n",
                    encoding="utf-8")
    try:
        shown = CliRunner().invoke(cli, ["derive", str(path)]).output
        assert "f = x_1² + x_2" in shown
        shown = CliRunner().invoke(cli, ["derive", str(path), "--entries-from", "0"]).output
        assert "f = x_0² + x_1" in shown
    finally:
        set_notation(entries="from0")


def test_a_decimal_the_program_writes_prints_as_that_decimal():
    """ε = 0.001 in layer norm read 1/1000 in every line of the proof, and 1e-5 read
    1/100000: a fraction the program never had. A power of ten prints as written (10⁻⁵
    from five places on); ½ stays 1/2, as the seeds write it."""
    from matcalc import derive
    d = derive("x: (n,)\ny = x / sqrt(sum(x ** 2) + 1e-5)\nz = 0.001 * y + x * y / 2",
               wrt="x")
    text, latex = d.text(), d.show("latex")
    assert "10⁻⁵" in text and "0.001" in text and "1/2" in text
    assert "1/100000" not in text and "1/1000" not in text
    assert "10^{-5}" in latex and r"\frac{1}{1000}" not in latex
