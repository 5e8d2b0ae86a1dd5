"""One error root for the whole pipeline, one subclass per stage.

Only the command line turns these into exit codes and messages; the library raises them.
A stage that knows where in the program text the problem is passes ``line`` and ``col``
(1-based), and ``str(error)`` points there. An error about an argument of the library
(``wrt``, ``shapes``, ``loss``, ``layout``) names it in ``option`` and ``value``; the
library says ``wrt='Q': …`` and the command line ``--wrt Q: …``.
"""

from __future__ import annotations


class MatcalcError(Exception):
    """Anything matcalc refuses to do, with a message meant for the user."""

    exit_code = 1

    def __init__(self, message: str, line: int | None = None, col: int | None = None,
                 option: str | None = None, value: object = None):
        self.message = message
        self.line = line
        self.col = col
        self.option = option
        self.value = value
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.option is not None:
            shown = "" if self.value is None else f"={self.value!r}"
            return f"{self.option}{shown}: {self.message}"
        if self.line is None:
            return self.message
        return f"line {self.line}, column {self.col}: {self.message}"


class ParseError(MatcalcError):
    """The program text is not in matcalc's input language."""


class ShapeError(MatcalcError):
    """Shapes that cannot be made to agree."""


class UsageError(MatcalcError):
    """A request that does not fit the program (e.g. ``--wrt`` of an unknown name)."""

    exit_code = 2


class UnsupportedError(MatcalcError):
    """A well-formed program that this version of matcalc cannot derive."""


class NoMatrixForm(UnsupportedError):
    """An index form with no matrix form in matcalc's vocabulary (the index form is the
    result). ``form`` names what the index form is, where it has a name of its own (a
    convolution's gradients): {"key": …, "params": {…}}, phrased by the templates."""

    def __init__(self, message: str, form: dict | None = None):
        super().__init__(message)
        self.form = form


class DomainError(MatcalcError):
    """A program defined nowhere: no random point was found inside some function's domain
    (log(−exp(X)), logdet(−S) for a positive definite S)."""


class CheckError(MatcalcError):
    """Numerical verification found a step or a result that does not hold."""
