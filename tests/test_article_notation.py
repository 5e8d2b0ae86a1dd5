"""The notation the seed articles use, on request (issue 21, point 7): the row of ones as
[1, ⋯, 1] (--ones row), ∇_X L for ∂L/∂X (--gradient nabla), the forward definitions in the
article's letters (--definition-letters article) and seed 001's spacing in its Japanese ∵
line (--ja-spacing article). Each option changes what it says and nothing else; where a
seed writes the form, matcalc's line is compared with the seed's own TeX."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from test_math_renders import display_blocks, render_errors
from test_seeds import SEEDS, _tidy, canonical

from matcalc import derive, jacobian, set_notation
from matcalc.errors import UsageError
from matcalc.render.display import NOTATION_CHOICES

# the seed's own text, to find matcalc's output in (the tests that read it skip where the
# seed articles are not at hand: see test_seeds.SEEDS)
SEED_001 = next((p.read_text(encoding="utf-8") for p in SEEDS.glob("001_*.txt")), None)
needs_seed = pytest.mark.skipif(SEED_001 is None, reason="the seed articles are not here")


def _spacing_only(tex: str) -> str:
    r"""TeX with only the typography forgiven (\left, \right, spaces): no EQUIVALENCES."""
    return _tidy(re.sub(r"\\(?:left|right)(?![A-Za-z])", " ", tex))


def _seed_has(tex: str) -> bool:
    """The seed's source holds this TeX (whitespace and \\left/\\right aside)."""
    return _spacing_only(tex) in _spacing_only(SEED_001)


def test_the_choices_and_their_names():
    """Other parts of matcalc (a generic vector map's ∇) use these keys: keep their names."""
    assert NOTATION_CHOICES["ones"] == ("symbol", "row")
    assert NOTATION_CHOICES["gradient"] == ("partial", "nabla")
    assert NOTATION_CHOICES["definition_letters"] == ("proof", "article")
    assert NOTATION_CHOICES["ja_spacing"] == ("spaced", "article")
    with pytest.raises(UsageError, match="nabla"):
        set_notation(gradient="del")


# ---------------------------------------------------------------- [1, ⋯, 1] for 𝟏ᵀ

@needs_seed
def test_the_row_of_ones_as_seed_001_writes_it():
    d = derive("b: (n,); C = A + b", wrt="b")
    assert "∂L/∂b = 𝟏ᵀ ∂L/∂C" in d.text().splitlines()  # the default is unchanged
    set_notation(ones="row")
    text, latex = d.text(), d.latex("ja")
    assert "∂L/∂b = [1, ⋯, 1] ∂L/∂C" in text.splitlines() and "𝟏ᵀ" not in text
    assert "([1, ⋯, 1] ∂L/∂C)_j" in text  # in the steps too
    result = latex.split(r"\frac{\partial L}{\partial \mathbf{b}} &= ")[1].split("\n")[0]
    # seed 001 eq. 9's last line, \left[1,\cdots,1 \right] \frac{∂L}{∂C}, without the
    # comparison's [1,⋯,1] = 𝟏ᵀ equivalence: the seed's own TeX
    assert _seed_has(result) and r"\left[1,\cdots,1 \right]" in SEED_001
    assert r"\mathbf{1}" not in latex


def test_the_row_option_leaves_the_column_of_ones():
    """Only 𝟏ᵀ is a row: 𝟏 (a column, Y 𝟏) and 𝟏𝟏ᵀ stay symbols."""
    d = derive("B = softmax(A); L = cross_entropy(Y, B)", wrt="A")
    before = d.text()
    set_notation(ones="row")
    assert d.text() == before and "Y 𝟏𝟏ᵀ" in before


# ---------------------------------------------------------------- ∇_X L

def test_nabla_for_the_gradient_of_a_vector_or_matrix():
    d = derive("C = A @ B", wrt="A")
    set_notation(gradient="nabla")
    text, latex = d.text(), d.latex()
    assert "∇_A L = (∇_C L) Bᵀ" in text  # parentheses: ∇_C L Bᵀ would read ∇_C (L Bᵀ)
    assert "∂L/∂a_ij = Σ_k Σ_l ∂L/∂c_kl · ∂c_kl/∂a_ij" in text  # entries keep ∂
    assert "∂L/∂A" not in text.replace("∂L/∂X", "")  # (the layout note speaks of any X)
    assert r"\nabla_{\mathbf{A}} L &= \left(\nabla_{\mathbf{C}} L\right) \mathbf{B}^{\mathsf{T}}" \
        in latex
    b = derive("b: (n,); C = A + b", wrt="b")
    assert "∇_b L = 𝟏ᵀ ∇_C L" in b.text().splitlines()  # last, as the seeds write it
    assert "(substitute ∇_C L)" in derive("C = A * B; D = C.T", wrt="A").text()


def test_nabla_as_seed_002_writes_the_chain_rule():
    """Seed 002: ∇_x z = (∂y/∂x)ᵀ ∇_y z; for y = W x, ∂y/∂x = W: ∇_x L = Wᵀ ∇_y L."""
    set_notation(gradient="nabla", transpose="T")
    latex = derive("x: (n,); y = W @ x", wrt="x").latex()
    assert r"\nabla_{\mathbf{x}} L &= \mathbf{W}^{T} \nabla_{\mathbf{y}} L" in latex


def test_nabla_leaves_scalars_and_jacobians():
    set_notation(gradient="nabla")
    scalar = derive("x: (); y: (); f = x * y", wrt="x").text()
    assert "∂f/∂x = y" in scalar and "∇" not in scalar
    jac = jacobian("x: (n,); y = W @ x", wrt="x").text()
    assert "∂y/∂x = W" in jac and "∇" not in jac


def test_nabla_transposed_and_summed():
    d = derive("B = A; C = A.T; D = B * C.T", wrt="A")
    set_notation(gradient="nabla")
    text = d.text()
    assert "(∇_C L)ᵀ" in text and "∇_A L = " in text


# ---------------------------------------------------------------- the article's letters

@needs_seed
def test_the_definition_in_the_articles_letters():
    d = derive("C = A @ B", wrt="A")
    plain = d.text()
    set_notation(definition_letters="article")
    text, latex = d.text(), d.latex()
    assert "C = A B    c_ij = Σ_k a_ik b_kj" in text
    # the renaming, stated: the proof's own form and each letter's counterpart
    assert "c_kl = Σ_p a_kp b_pl (i → k, j → l, k → p)" in " ".join(text.split())
    # the proof keeps its own letters: every line after the notes is the same
    assert text.split("∂L/∂a_ij =", 1)[1] == plain.split("∂L/∂a_ij =", 1)[1]
    # seed 001 eq. 14, c_{ij} = \sum_{k} a_{ik}b_{kj}
    line = latex.split(r"\qquad ")[1].split(r" \\")[0]
    assert canonical(line) == canonical(r"c_{ij} = \sum_{k} a_{ik}b_{kj}")
    assert _seed_has(r"c_{ij}= \sum_{k} a_{ik}b_{kj}")


def test_softmax_in_the_articles_letters():
    """Seed 001 eq. 25: b_ij = e^{a_ij} / Σ_k e^{a_ik} (the proof: b_kl, Σ_p)."""
    d = derive("B = softmax(A)", wrt="A")
    set_notation(definition_letters="article")
    latex = d.latex()
    line = latex.split(r"\qquad ")[1].split(r" \\")[0]
    assert canonical(line) == canonical(r"b_{ij} = \frac{e^{a_{ij}}}{\sum_{k} e^{a_{ik}}}")
    assert "(i → k, j → l, k → p)" in " ".join(d.text().split())


def test_the_renaming_is_a_renaming():
    """The shown definition is the proof's, every index renamed at once to a letter nothing
    else in it uses: renaming back gives the proof's definition exactly."""
    from matcalc.index.symbols import Index
    from matcalc.render.formats import article_letters
    for program in ("C = A @ B", "b: (n,); C = A + b", "x: (n,); y = W @ x",
                    "L = cross_entropy(Y, B)", "A: (m, n); B: (n, p); C = A @ B"):
        d = derive(program, wrt="A" if "A" in program else "x" if "x:" in program else "B")
        for df in d.definitions:
            renamed = article_letters(df.element_lhs, df.element_rhs, set(d.names.symbols))
            if not renamed:
                continue
            assert len(set(renamed.values())) == len(renamed)  # one letter each
            others = {str(s) for s in (df.element_lhs.free_symbols | df.element_rhs.free_symbols)
                      if not isinstance(s, Index)}
            assert not others & {str(v) for v in renamed.values()}  # nothing captured
            back = {new: old for old, new in renamed.items()}
            assert df.element_rhs.xreplace(renamed).xreplace(back) == df.element_rhs
            assert df.element_lhs.xreplace(renamed).xreplace(back) == df.element_lhs


def test_a_letter_the_program_uses_is_skipped():
    """A dimension named like an article letter: the definition's sum skips it."""
    d = derive("A: (m, k); B: (k, h); C = A @ B", wrt="A")
    set_notation(definition_letters="article")
    assert "c_ij = Σ_l a_il b_lj" in d.text()


# ---------------------------------------------------------------- seed 001's ∵ spacing

def _reasons(latex: str) -> list[str]:
    r"""The kept-terms reasons of a LaTeX proof, as TeX: \because …の項のみが残る."""
    found = re.findall(r"\\left\((\\because [^\n]*?)\\right\) \\\\", latex)
    return [re.sub(r"\\text\{([^{}]*)\}", r"\1", r) for r in found]


@needs_seed
def test_the_japanese_reason_spaced_as_seed_001():
    d = derive("B = A; C = A; D = B * C", wrt="A")
    assert "（∵ k=i, l=j, p=i, q=j の項のみが残る）" in d.text("ja")  # the default
    set_notation(ja_spacing="article")
    text, latex = d.text("ja"), d.latex("ja")
    assert "（∵ k=i,l=j, p=i,q=jの項のみが残る）" in text  # two terms: a space between
    reasons = _reasons(latex)
    assert r"\because k=i,l=j, p=i,q=jの項のみが残る" in reasons
    for reason in reasons:  # byte for byte the seed's reason (seed 001 eq. 12)
        assert f"({reason})" in SEED_001, reason
    assert "only the terms k = i, l = j remain" in d.text("en")  # English unchanged


@pytest.mark.parametrize("program, wrt", [("C = A @ B", "A"), ("C = A @ B", "B"),
                                          ("b: (n,); C = A + b", "b"),
                                          ("C = A * B", "A")])
@needs_seed
def test_every_seed_001_reason_is_the_seeds_own(program, wrt):
    set_notation(ja_spacing="article")
    for reason in _reasons(derive(program, wrt=wrt).latex("ja")):
        assert f"({reason})" in SEED_001, reason


# ---------------------------------------------------------------- the command line

def test_the_command_line_options():
    done = subprocess.run(
        [sys.executable, "-m", "matcalc", "derive", "b: (n,); C = A + b", "--wrt", "b",
         "--lang", "ja", "--ones", "row", "--gradient", "nabla", "--definition-letters",
         "article", "--ja-spacing", "article"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "c_ij = a_ij + b_j" in out and "c_kl = a_kl + b_l (i → k, j → l)" in out
    assert "（∵ l=jの項のみが残る）" in out
    assert "∇_b L = [1, ⋯, 1] ∇_C L" in out


def test_the_options_render_in_katex_and_mathjax():
    from helpers import node_package, reader
    reader("KaTeX and MathJax (npm, tests/js)",
           node_package("katex") and node_package("mathjax-full"))
    set_notation(ones="row", gradient="nabla", definition_letters="article",
                 ja_spacing="article")
    formulas = []
    for program, wrt in (("b: (n,); C = A + b", "b"), ("B = softmax(A)", "A"),
                         ("B = A; C = A; D = B * C", "A")):
        d = derive(program, wrt=wrt)
        formulas += [d.latex("ja"), *display_blocks(d.markdown("ja"))]
    assert not render_errors(formulas)


def test_a_paper_with_the_articles_notation_compiles(tmp_path):
    """--standalone with every option: pdflatex reads the note ($c_{kl} = …$, $i \\to k$),
    \\nabla and the row [1, \\cdots, 1]."""
    from test_latex_document import compile_tex

    from matcalc.render.formats import render
    set_notation(ones="row", gradient="nabla", definition_letters="article")
    d = derive("b: (n,); C = A @ W + b", wrt="W, b")
    source = render(d, "latex", standalone=True)
    assert r"\nabla_{\mathbf{W}} L" in source and r"\left[1, \cdots, 1\right]" in source
    assert r"$c_{kl} = \sum_{p} a_{kp} w_{pl} + b_{l}$" in source
    compile_tex(source, tmp_path)
