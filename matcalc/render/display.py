"""What a notebook is given (``mimebundle``), and the display settings (the language and
the notation, from ``settings``). The results' own display methods are ``shown``'s.
"""

from __future__ import annotations

from .settings import LANGUAGE, NOTATION, NOTATION_CHOICES, set_language, set_notation

__all__ = ["LANGUAGE", "NOTATION", "NOTATION_CHOICES", "set_language", "set_notation"]


def mimebundle(markdown: str, latex: str | None, plain: str) -> dict[str, str]:
    """What a notebook may show: Markdown with $$ blocks (rendered by the notebook's own
    MathJax or KaTeX), LaTeX, and a one-line plain text."""
    bundle = {"text/plain": plain, "text/markdown": markdown}
    if latex is not None:
        bundle["text/latex"] = latex
    return bundle
