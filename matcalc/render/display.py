"""The output formats and languages, and how a result shows itself.

A format is one ``Format`` entry below plus its templates in ``templates/``; a language
is one ``templates/reasons.<lang>.j2`` file (with the macros ``phrase`` and ``label``),
found by looking. Nothing here imports sympy, so the command line can list both at once.

``Shown`` is the mixin that gives results their display: ``d.text()``, ``d.latex()``,
``d.markdown()``, ``d.json()``, ``d.show(fmt, lang)``, and notebook rendering;
``ShownWithNumpy`` adds a gradient derivation's numpy code.
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


class Shown:
    """Display for a result (a gradient derivation, a Jacobian or a Hessian)."""

    def show(self, fmt: str = "text", lang: str = "en") -> str:
        from .formats import render
        return render(self, fmt, lang)

    def text(self, lang: str = "en") -> str:
        return self.show("text", lang)

    def latex(self, lang: str = "en") -> str:
        return self.show("latex", lang)

    def markdown(self, lang: str = "en") -> str:
        return self.show("markdown", lang)

    def json(self, lang: str = "en") -> str:
        return self.show("json", lang)

    def _repr_latex_(self) -> str:
        return "$$" + self.latex() + "$$"

    def __str__(self) -> str:
        return self.text()



class ShownWithNumpy(Shown):
    """Display for a gradient derivation, with its numpy code."""

    @property
    def numpy(self) -> str | None:
        """numpy code for the (first) requested gradient, every named gradient inlined."""
        return self.numpy_of(next(iter(self.gradients)))

    def numpy_of(self, wrt: str) -> str | None:
        from .formats import numpy_code
        return numpy_code(self, self.gradients[wrt])

    @property
    def backward_numpy(self) -> str | None:
        """For a program of several statements, the backward pass as numpy statements
        (dZ2 = …, then dW2 = H1.T @ dZ2), one per named gradient the requested ones need;
        None for one statement (``numpy`` is the whole gradient) or if a needed gradient
        has no matrix form."""
        from .formats import backward_code
        code = backward_code(self) if self.is_graph else None
        return None if code is None else "\n".join(f"d{name} = {line}" for name, line in code)

    def evaluate(self, values: dict, upstream=None) -> dict:
        """The requested gradients at given input values (numbers or arrays), by running
        the numpy code."""
        from ..numeric import evaluate_gradients
        return evaluate_gradients(self, values, upstream)
