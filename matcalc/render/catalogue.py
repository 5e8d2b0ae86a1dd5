"""The output formats and languages, as registries. Nothing here imports sympy, so the
command line can list both without the engine.

A format is one ``Format`` entry below plus its templates in ``templates/``; a language
is one ``templates/reasons.<lang>.j2`` file (with the macros ``phrase`` and ``label``),
found by looking.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Format:
    """An output format: the printer for its expressions ("text" or "latex"; None for a
    format that uses both, like JSON), and its template for gradients and for Jacobians
    and Hessians."""

    name: str
    printer: str | None
    template: str
    derivative_template: str
    description: str


FORMATS: dict[str, Format] = {f.name: f for f in [
    Format("text", "text", "text.j2", "derivative.j2", "Unicode for a terminal"),
    Format("latex", "latex", "latex.j2", "derivative.j2",
           "one aligned environment, for a paper"),
    Format("markdown", "latex", "markdown.j2", "derivative.j2",
           "$$ blocks for a blog (KaTeX, MathJax)"),
    Format("json", None, "json.j2", "json.j2", "the JSON contract, for other programs"),
    Format("html", "html", "markdown.j2", "derivative.j2",
           "one self-contained web page (MathML: no script, works offline)"),
    Format("numpy", "numpy", "numpy.j2", "numpy.j2",
           "a Python module: forward, backward and check (numpy only)"),
]}


def templates_dir() -> Path:
    """``templates/`` beside the package in a checkout, inside it in an installed wheel."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "templates", here.parent / "templates"):
        if (candidate / "text.j2").is_file():
            return candidate
    raise FileNotFoundError("matcalc's templates are missing from this installation")


def languages() -> tuple[str, ...]:
    """Every language with a ``reasons.<lang>.j2``, English first."""
    found = sorted(path.name.split(".")[1] for path in templates_dir().glob("reasons.*.j2"))
    return tuple(sorted(found, key=lambda lang: lang != "en"))
