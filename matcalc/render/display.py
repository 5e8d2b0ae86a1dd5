"""How a result shows itself: ``Shown`` is the mixin that gives results their display —
``d.text()``, ``d.latex()``, ``d.markdown()``, ``d.json()``, ``d.show(fmt, lang)`` and
notebook rendering; ``ShownWithNumpy`` adds a gradient derivation's numpy code. The work
is done in ``render.formats``, imported when first asked for.
"""

from __future__ import annotations


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
        from ..check.numeric import evaluate_gradients
        return evaluate_gradients(self, values, upstream)
