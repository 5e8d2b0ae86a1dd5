"""--format latex --standalone: a document for a paper that pdflatex compiles with no error
and no overfull box wider than 10 pt, for every example and for programs whose names and
comments are not ASCII (Debian's texlive; .ci/run installs it); its results numbered and
labelled, its reasons beside their steps, short enough (C = A @ B in half a page, the MLP in
three pages); and the fragment that --format latex prints without --standalone, which says
which packages it needs."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path

import pytest

from matcalc import derive

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
sys.path.insert(0, str(EXAMPLES))
from generate import derivation, examples  # noqa: E402

PROGRAMS = examples()
PDFLATEX = shutil.which("pdflatex")


def compile_tex(source: str, where: Path, runs: int = 1) -> str:
    """pdflatex on ``source`` (``runs`` times, for cross-references); the last log."""
    from helpers import reader
    reader("pdflatex", PDFLATEX is not None)
    (where / "doc.tex").write_text(source, encoding="utf-8")
    for _ in range(runs):
        done = subprocess.run([PDFLATEX, "-interaction=nonstopmode", "-halt-on-error",
                               "doc.tex"], cwd=where, capture_output=True, text=True,
                              timeout=120)
        log = (where / "doc.log").read_text(encoding="utf-8", errors="replace")
        assert done.returncode == 0, "\n".join(line for line in log.splitlines()
                                               if line.startswith("!"))[:800]
    return log


def overfull(log: str) -> list[float]:
    return [float(w) for w in re.findall(r"Overfull \\hbox \((\d+(?:\.\d+)?)pt too wide", log)]


def pages(log: str) -> int:
    """The page count pdflatex reports: "Output written on doc.pdf (N pages, …)"."""
    return int(re.search(r"Output written on doc\.pdf \((\d+) pages?", log).group(1))


@cache
def _overfull_by_example() -> dict[str | None, list[float]]:
    """Every example's document in one pdflatex run: their preambles are one and the same
    (asserted), so the bodies follow one another, a page apart, and each overfull box is
    the example's whose lines it is at (None: outside every body). One run instead of one
    per example: the suite's time budget."""
    sources = {p.stem: derivation(p).show("latex", standalone=True) for p in PROGRAMS}
    heads = {source[:source.index("\\begin{document}")] for source in sources.values()}
    assert len(heads) == 1, "the examples' preambles differ: compile them one by one"
    lines = [*heads.pop().splitlines(), "\\begin{document}"]
    where = {}
    for stem, source in sources.items():
        assert source.startswith("\\documentclass") and \
            "\\usepackage{amsmath,amssymb}" in source, stem
        body = source[source.index("\\begin{document}") + len("\\begin{document}"):
                      source.rindex("\\end{document}")]
        first = len(lines) + 1  # pdflatex counts lines from 1
        lines += body.strip("\n").splitlines()
        where[stem] = (first, len(lines))
        lines.append("\\clearpage")
    lines.append("\\end{document}")
    log = compile_tex("\n".join(lines) + "\n", Path(tempfile.mkdtemp()))
    found: dict[str | None, list[float]] = {stem: [] for stem in sources} | {None: []}
    for match in re.finditer(r"Overfull \\hbox \((\d+(?:\.\d+)?)pt too wide\)[^\n]*?"
                             r"lines? (\d+)", log):
        line = int(match.group(2))
        stem = next((s for s, (a, b) in where.items() if a <= line <= b), None)
        found[stem].append(float(match.group(1)))
    return found


@pytest.mark.parametrize("path", PROGRAMS, ids=[p.stem for p in PROGRAMS])
def test_every_example_compiles_without_overfull_boxes(path):
    widths = _overfull_by_example()[path.stem]
    assert not [w for w in widths if w > 10], f"overfull by {max(widths)} pt"


def test_no_overfull_box_falls_between_the_examples():
    widths = _overfull_by_example()[None]
    assert not [w for w in widths if w > 10], f"overfull by {max(widths)} pt"


def test_the_overfull_box_check_can_fail(tmp_path):
    """A line too wide for the page is seen, at its line, as the check reads the log."""
    log = compile_tex("\\documentclass{article}\n\\begin{document}\n"
                      "\\noindent\\hbox{" + "x" * 400 + "}\n\\end{document}\n", tmp_path)
    assert [w for w in overfull(log) if w > 10]
    assert re.search(r"Overfull \\hbox \((\d+(?:\.\d+)?)pt too wide\)[^\n]*?lines? (\d+)",
                     log)


def test_the_document_heads_its_sections_and_sets_reasons_beside_their_steps():
    d = derivation(EXAMPLES / "17_mlp.mc")
    source = d.show("latex", standalone=True)
    for heading in (r"\subsection*{Forward definitions}", r"\subsection*{Backward pass}",
                    r"\subsection*{numpy}", r"\subsection*{Gradient with respect to "
                                            r"$\mathbf{W}_{2}$}"):
        assert heading in source
    assert r"\allowdisplaybreaks" in source
    proofs = re.findall(r"\\begin\{steps\}\n(.*?)\\end\{steps\}", source, re.DOTALL)
    assert len(proofs) == len(d.all_gradients)  # one display per gradient: pages can break
    for proof, grad in zip(proofs, d.all_gradients.values()):
        rows = proof.strip().split(" \\\\\n")
        # every step is a row with its reason on that row, flush right (a \tag*); the
        # result closes the display, numbered
        assert len(rows) == len(grad.steps) + 1
        assert all(r"&= " in row and row.count(r"\tag*{$\left(") == 1 for row in rows[:-1])
        assert r"\tag" not in rows[-1] and r"\label{eq:grad-" in rows[-1]


def test_the_title_is_readable_or_given():
    d = derive("C = A @ B", wrt="A")
    source = d.show("latex", standalone=True)
    assert r"\bfseries The gradient of $L$ with respect to $\mathbf{A}$" in source
    assert "C = A @ B" not in source.split(r"\begin{Verbatim}")[0]  # not the statement
    given = d.show("latex", standalone=True, title=r"Backprop for $\mathbf{C}$: 50% & more_x")
    assert r"\bfseries Backprop for $\mathbf{C}$: 50\% \& more\_x\par" in given
    titled = derive("# A matrix product\nC = A @ B", wrt="A").show("latex", standalone=True)
    assert r"\bfseries A matrix product\par" in titled
    listing = titled.split(r"\begin{Verbatim}")[1].split(r"\end{Verbatim}")[0]
    assert "A matrix product" not in listing and "C = A @ B" in listing


def test_the_command_line_takes_a_title(tmp_path):
    from click.testing import CliRunner

    from matcalc.cli import cli
    done = CliRunner().invoke(cli, ["derive", "C = A @ B", "--wrt", "A", "-f", "latex",
                                    "--standalone", "--title", "Matrix product, $AB$"])
    assert done.exit_code == 0, done.output
    assert r"{\Large\bfseries Matrix product, $AB$\par}" in done.output


UNICODE_PROGRAMS = {
    "lambda": "λ: ()\nY = λ * X",
    "greek": "α: ()\nσ: ()\nθ: (n, k)\nY = α * X @ θ + σ",
    "japanese_comment": "# 行列の積の勾配\nC = A @ B  # 重み行列",
    "other_scripts": "W: (n, k)\n重み = A @ W\nC = 重み * café",
}


@pytest.mark.parametrize("name", UNICODE_PROGRAMS)
def test_pdflatex_reads_any_program(name, tmp_path):
    """The names the README documents (λ, Greek as written) and comments in Japanese: the
    document pdflatex reads is ASCII, Greek as TeX's letters, a comment it cannot set left
    out with a note."""
    d = derive(UNICODE_PROGRAMS[name])
    source = d.show("latex", standalone=True)
    assert source.isascii()
    listing = source.split(r"\begin{Verbatim}")[1].split(r"\end{Verbatim}")[0]
    if name == "lambda":
        assert r"\frac{\partial L}{\partial \lambda} &=" in source
        assert r"\ensuremath{\lambda}: ()" in listing
        assert r"\label{eq:grad-lambda}" in source
    if name == "greek":
        for letter in ("alpha", "sigma", "theta"):
            assert rf"\ensuremath{{\{letter}}}: (" in listing
            assert rf"\label{{eq:grad-{letter}}}" in source
        assert r"\boldsymbol{\theta}" in source  # a matrix, bold
    if name == "japanese_comment":
        assert listing.count("[a comment pdflatex cannot set, left out]") == 2
        assert "C = A @ B  #" in listing
    if name == "other_scripts":
        assert r"caf\'{e}" in listing and r"\mathbf{caf\text{\'{e}}}" in source
        assert "[U+91CD][U+307F] = A @ W" in listing  # no glyph: its code points
    log = compile_tex(source, tmp_path)
    assert not [w for w in overfull(log) if w > 10]


def test_a_japanese_document_compiles_with_lualatex(tmp_path):
    """With --lang ja, Japanese comments are listed as written (LuaLaTeX sets them), and a
    reason too long for one line (two lemmas) takes a row per part."""
    lualatex = shutil.which("lualatex")
    from helpers import reader
    reader("LuaLaTeX with luatexja", lualatex is not None and subprocess.run(
        ["kpsewhich", "luatexja.sty"], capture_output=True).returncode == 0)
    from generate import program_text
    program = "# ガウス分布の対数尤度\n" + program_text(
        (EXAMPLES / "47_gaussian_likelihood.mc").read_text(encoding="utf-8")) + \
        "# 最後の行のコメント\n"
    source = derive(program, wrt="Sigma").show("latex", "ja", standalone=True)
    assert r"{ltjsarticle}" in source.splitlines()[0] and "逆行列の微分" in source
    assert r"\bfseries ガウス分布の対数尤度\par" in source  # the title, as written
    assert "# 最後の行のコメント" in source.split(r"\begin{Verbatim}")[1]  # the listing
    assert re.search(r"\\text\{；\}\\right\.\$\} \\\\\n& \\tag\*\{\$\\left\.\\text\{逆行列の微分",
                     source)  # a row for each part of the long reason
    (tmp_path / "ja.tex").write_text(source, encoding="utf-8")
    done = subprocess.run([lualatex, "-interaction=nonstopmode", "-halt-on-error", "ja.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    log = (tmp_path / "ja.log").read_text(encoding="utf-8", errors="replace")
    assert done.returncode == 0, [line for line in log.splitlines() if line.startswith("!")]
    assert (tmp_path / "ja.pdf").stat().st_size > 10_000
    assert not [w for w in overfull(log) if w > 10]


def test_a_reason_stays_on_its_step_unless_it_is_too_long():
    from matcalc.render.paper import tagged
    rows = "a \\\\\n&\\quad b"  # a step broken in two rows: the reason on the last
    assert tagged(rows, r"\text{chain rule}") == \
        "a \\notag \\\\\n&\\quad b \\tag*{$\\left(\\text{chain rule}\\right)$}"
    rest = r"\det X (X^{-1})_{ji} + \text{the rest of a reason too long for one line}"
    long = r"\text{differentiate: entries give Kronecker deltas}\text{; Jacobi's formula }" \
        r"\frac{\partial \det X}{\partial x_{ij}} = " + rest
    assert tagged("a", long).split(" \\\\\n") == [
        r"a \tag*{$\left(\text{differentiate: entries give Kronecker deltas}\text{;}\right.$}",
        r"& \tag*{$\left.\text{Jacobi's formula }\frac{\partial \det X}{\partial x_{ij}} = "
        + rest + r"\right)$}"]


#: written at the end of the document: where on its page the text ended, measured when
#: the page is shipped out (pdfTeX's \pdfsavepos; y from the page's bottom edge, in sp)
END_MARK = (r"\par\noindent\pdfsavepos\write16{END-OF-TEXT y=\the\pdflastypos\space "
            r"page=\the\pdfpageheight}" + "\n")


def test_c_equals_ab_fits_in_half_a_page(tmp_path):
    source = derive("C = A @ B", wrt="A").show("latex", standalone=True)
    log = compile_tex(source.replace(r"\end{document}", END_MARK + r"\end{document}"),
                      tmp_path)
    assert pages(log) == 1
    y, height = re.search(r"END-OF-TEXT y=(\d+) page=([\d.]+)pt", log).groups()
    from_top = 1 - int(y) / 65536 / float(height)
    assert 0.2 < from_top <= 0.5, f"the text ends {from_top:.0%} down the page"


def test_the_mlp_fits_in_three_pages(tmp_path):
    """`matcalc derive examples/17_mlp.mc --format latex --standalone`: its title from the
    first comment, every gradient's proof, the backward pass and the numpy."""
    from click.testing import CliRunner

    from matcalc.cli import cli
    done = CliRunner().invoke(cli, ["derive", str(EXAMPLES / "17_mlp.mc"), "-f", "latex",
                                    "--standalone"])
    assert done.exit_code == 0, done.output
    assert r"\subsection*{Gradient with respect to $\mathbf{b}_{2}$}" in done.output
    log = compile_tex(done.output, tmp_path)
    assert 2 <= pages(log) <= 3


def test_results_are_labelled_and_referable(tmp_path):
    from matcalc.render.paper import label
    d = derive("C = A @ B\nD = C * E")
    source = d.show("latex", standalone=True)
    labels = re.findall(r"\\label\{(.*?)\}", source)
    assert sorted(labels) == sorted(f"eq:grad-{w}" for w in d.all_gradients)
    taken: set[str] = set()  # deterministic, ASCII, one per name
    assert [label(n, taken) for n in ("W1", "W_1", "λ", "lam")] == \
        ["eq:grad-W1", "eq:grad-W_1", "eq:grad-lambda", "eq:grad-lambda-2"]
    cited = "See " + ", ".join(rf"\eqref{{{n}}}" for n in labels) + ".\n"
    log = compile_tex(source.replace(r"\end{document}", cited + r"\end{document}"), tmp_path,
                      runs=2)
    assert "undefined" not in log.lower()
    aux = (tmp_path / "doc.aux").read_text(encoding="utf-8")
    numbers = [re.search(rf"\\newlabel\{{{re.escape(n)}\}}\{{\{{(\d+)\}}", aux).group(1)
               for n in labels]
    assert numbers == [str(k) for k in range(1, len(labels) + 1)]  # in order, each its own


@pytest.mark.parametrize("bold", ["mathbf", "bm"])
def test_the_fragment_names_its_packages_and_compiles_with_them(bold, tmp_path):
    from matcalc import set_notation
    set_notation(bold=bold)
    try:
        fragment = derive("λ: ()\nY = λ * X @ W").show("latex")
    finally:
        set_notation(bold="mathbf")
    head = [line for line in fragment.splitlines() if line.startswith("%")][:2]
    assert head and all(line.startswith("% ") for line in head)
    packages = re.search(r"\\usepackage\{([a-z,]+)\}", head[0]).group(1).split(",")
    assert {"amsmath", "amssymb"} <= set(packages) and ("bm" in packages) == (bold == "bm")
    assert fragment.isascii() and r"\begin{aligned}" in fragment
    document = ("\\documentclass{article}\n" + "".join(
        f"\\usepackage{{{p}}}\n" for p in packages) + "\\begin{document}\n\\[\n" + fragment
        + "\\]\n\\end{document}\n")
    compile_tex(document, tmp_path)


def test_the_readme_shows_the_papers_first_page():
    """docs/paper.png (python examples/generate.py draws it): a page of A4, shown in the
    README's section on papers."""
    import struct
    root = EXAMPLES.parent
    picture = (root / "docs" / "paper.png").read_bytes()
    assert picture.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", picture[16:24])
    assert abs(height / width - 297 / 210) < 0.01
    readme = (root / "README.md").read_text(encoding="utf-8")
    papers = readme.split("### Papers")[1].split("###")[0]
    assert "(docs/paper.png)" in papers and "--title" in papers


def test_the_listing_leaves_out_heading_lines_that_are_options():
    """'# wrt: W, b' and '# inline: yes' are the command's options (the command line reads
    them), not the program: a paper's listing shows the program without them."""
    source = derivation(EXAMPLES / "17_mlp.mc").show("latex", standalone=True)
    listing = source.split(r"\begin{Verbatim}", 1)[1].split(r"\end{Verbatim}", 1)[0]
    assert "Z = X @ W + b" in listing and "# wrt:" not in listing and "# inline:" not in listing
    from matcalc.language.program import is_option_comment
    assert is_option_comment("# wrt: W, b") and is_option_comment("  # shape: X=m,n")
    assert not is_option_comment("# the weights: W") and not is_option_comment("W: (n, h)")
