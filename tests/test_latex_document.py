"""--format latex --standalone: a document that pdflatex compiles with no error and no
overfull box wider than 10 pt, for every example (Debian's texlive; .ci/run installs it)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
sys.path.insert(0, str(EXAMPLES))
from generate import derivation, examples  # noqa: E402

PROGRAMS = examples()
PDFLATEX = shutil.which("pdflatex")


def compile_tex(source: str, where: Path) -> str:
    from helpers import reader
    reader("pdflatex", PDFLATEX is not None)
    (where / "doc.tex").write_text(source, encoding="utf-8")
    done = subprocess.run([PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                          cwd=where, capture_output=True, text=True, timeout=120)
    log = (where / "doc.log").read_text(encoding="utf-8", errors="replace")
    assert done.returncode == 0, "\n".join(line for line in log.splitlines()
                                           if line.startswith("!"))[:800]
    return log


@pytest.mark.parametrize("path", PROGRAMS, ids=[p.stem for p in PROGRAMS])
def test_every_example_compiles_without_overfull_boxes(path, tmp_path):
    source = derivation(path).show("latex", standalone=True)
    assert source.startswith("\\documentclass") and "\\usepackage{amsmath,amssymb}" in source
    log = compile_tex(source, tmp_path)
    overfull = [float(w) for w in re.findall(r"Overfull \\hbox \((\d+(?:\.\d+)?)pt too wide",
                                            log)]
    assert not [w for w in overfull if w > 10], f"overfull by {max(overfull)} pt"


def test_the_document_heads_its_sections_and_sets_reasons_in_math(tmp_path):
    source = derivation(EXAMPLES / "17_mlp.mc").show("latex", standalone=True)
    for heading in (r"\subsection*{Forward definitions}", r"\subsection*{Backward pass}",
                    r"\subsection*{numpy}"):
        assert heading in source
    assert source.count(r"\begin{align*}") >= 6  # one display per gradient: pages can break
    assert r"\allowdisplaybreaks" in source


def test_a_japanese_document_compiles_with_lualatex(tmp_path):
    lualatex = shutil.which("lualatex")
    from helpers import reader
    reader("LuaLaTeX with luatexja", lualatex is not None and subprocess.run(
        ["kpsewhich", "luatexja.sty"], capture_output=True).returncode == 0)
    source = derivation(EXAMPLES / "16_softmax_cross_entropy.mc").show("latex", "ja",
                                                                        standalone=True)
    assert r"\documentclass[11pt]{ltjsarticle}" in source and "連鎖律" in source
    (tmp_path / "ja.tex").write_text(source, encoding="utf-8")
    done = subprocess.run([lualatex, "-interaction=nonstopmode", "-halt-on-error", "ja.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    log = (tmp_path / "ja.log").read_text(encoding="utf-8", errors="replace")
    assert done.returncode == 0, [line for line in log.splitlines() if line.startswith("!")]
    assert (tmp_path / "ja.pdf").stat().st_size > 10_000
