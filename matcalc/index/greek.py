"""The Greek letters people spell in ASCII (``gamma``, ``lam``) and their TeX commands: the
printers show a name by its letter, and the index letters of a stack's leading axes (β, η)
avoid the letters the program's names already show."""

from __future__ import annotations

_LOWER = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho "
          "sigma tau upsilon phi chi psi omega").split()
_UNICODE_LOWER = "αβγδεζηθικλμνξπρστυφχψω"
_UPPER = "Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega".split()
_UNICODE_UPPER = "ΓΔΘΛΞΠΣΥΦΨΩ"

#: ASCII spelling → the letter (``lam`` and ``eps`` as people shorten them)
GREEK = {**dict(zip(_LOWER, _UNICODE_LOWER)), **dict(zip(_UPPER, _UNICODE_UPPER)),
         "lam": "λ", "eps": "ε"}
#: the letter → its TeX command
TEX = {**{u: "\\" + n for n, u in zip(_LOWER, _UNICODE_LOWER)},
       **{u: "\\" + n for n, u in zip(_UPPER, _UNICODE_UPPER)}, "ϕ": r"\phi", "ϵ": r"\epsilon"}


def shown_letter(name: str) -> str:
    """The letter a name shows as: beta → β, gamma1 → γ, X → X."""
    base = name.rstrip("0123456789_")
    return GREEK.get(base, base)
