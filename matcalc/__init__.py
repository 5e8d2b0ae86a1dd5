"""matcalc: matrix calculus with step-by-step proofs.

    >>> from matcalc import derive
    >>> d = derive("C = A @ B", wrt="A")
    >>> print(d.numpy)
    dC @ B.T

The pipeline, one module per stage: ``parse`` → ``shapes`` → ``lower`` (element form) →
``differentiate`` (chain rule, Kronecker deltas) → ``collapse`` → ``recognise`` (matrix
form) → ``render`` (text, LaTeX, Markdown, JSON); ``pipeline`` drives them, ``ops`` is the
registry of operations, ``check`` verifies a result numerically.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

# sympy's cache (read when sympy is first imported; 1000 entries by default): a program of
# two transformer blocks overflows it, and every derivation then slows down (issue 22's
# benchmark (h): two blocks took 2.7× one with 1000 entries, 2.0× with these)
os.environ.setdefault("SYMPY_CACHE_SIZE", "20000")

__version__ = "0.1.0"

from .errors import (
    CheckError,
    MatcalcError,
    ParseError,
    ShapeError,
    UnsupportedError,
    UsageError,
)

if TYPE_CHECKING:
    from .calculus.proof import Step
    from .check import CheckReport, verify
    from .check.against import BackwardCheck
    from .pipeline import check_backward, derive, hessian, jacobian
    from .results import Derivation, Derivative, Gradient

__all__ = [
    "BackwardCheck",
    "CheckError",
    "CheckReport",
    "Derivation",
    "Derivative",
    "Gradient",
    "MatcalcError",
    "ParseError",
    "ShapeError",
    "Step",
    "UnsupportedError",
    "UsageError",
    "check_backward",
    "derive",
    "hessian",
    "jacobian",
    "set_language",
    "set_notation",
    "verify",
]

_LAZY = {"derive": "pipeline", "jacobian": "pipeline", "hessian": "pipeline",
         "Derivation": "results", "Derivative": "results", "Gradient": "results",
         "Step": "calculus.proof", "verify": "check", "CheckReport": "check",
         "check_backward": "pipeline", "BackwardCheck": "check.against",
         "set_language": "render.settings", "set_notation": "render.settings"}


def __getattr__(name: str):
    """Import sympy only when the engine is first used (keeps ``matcalc --help`` fast)."""
    if name in _LAZY:
        from importlib import import_module
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'matcalc' has no attribute {name!r}")
