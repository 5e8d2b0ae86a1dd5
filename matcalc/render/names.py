"""Names as people write them: ``gamma`` prints γ (``\\gamma``), ``lam`` λ, ``Sigma`` Σ.

A program name is a Python identifier, so a blogger who writes ``gamma * X_hat + beta``
gets γ and β in every format; Unicode names (``Φ1``, ``λ``) print as they are, and in
LaTeX as the command of their letter. A trailing number is a subscript in LaTeX (W1 → W₁).
"""

from __future__ import annotations

import re

from ..index.greek import GREEK, TEX  # noqa: F401 - the tables, re-exported


def split(name: str) -> tuple[str, str]:
    """W1 → (W, 1), gamma_2 → (gamma, 2), X → (X, '')."""
    match = re.fullmatch(r"(\D.*?)_?(\d+)", name)
    return (match.group(1), match.group(2)) if match else (name, "")


def letter(base: str) -> str:
    """gamma → γ; any other base as it is."""
    return GREEK.get(base, base)


def unicode_name(name: str) -> str:
    """How text shows a name: gamma → γ, gamma1 → γ1, Φ1 → Φ1, W1 → W1."""
    base, _ = split(name)
    return letter(base) + name[len(base):]


def layer_superscript(name: str) -> str:
    """Z1 → Z⁽¹⁾, gamma2 → γ⁽²⁾: a trailing number as a layer's index (text)."""
    base, number = split(name)
    if not number:
        return unicode_name(name)
    return letter(base) + "⁽" + number.translate(str.maketrans("0123456789",
                                                               "⁰¹²³⁴⁵⁶⁷⁸⁹")) + "⁾"


def tex_letters(base: str) -> tuple[str, bool]:
    """The TeX of a name's base and whether it is one Greek letter (\\gamma for gamma or
    γ); other non-ASCII letters pass as they are (KaTeX and MathJax take Unicode)."""
    shown = letter(base)
    if shown in TEX:
        return TEX[shown], True
    return base, False


def _tex_index_map(text: str) -> str:
    out = text.replace(" mod ", r" \bmod ").replace("⌊", r"\lfloor ").replace("⌋", r" \rfloor")
    return "".join(tex_letters(c)[0] + " " if tex_letters(c)[1] else c for c in out)


def tex_index(name: str) -> str:
    """An index name as TeX: i as it is, a leading axis's β as \\beta, β′ as \\beta',
    β2 as \\beta 2 (pdflatex takes no Unicode letters in math)."""
    if any(c in name for c in "⌊+ "):  # a reshape's index map: ⌊j/k⌋, j mod k, ηk+κ
        return _tex_index_map(name)
    bare = name.rstrip("′")
    primes = "'" * (len(name) - len(bare))
    shown, greek = tex_letters(bare[0]) if bare else (bare, False)
    if not greek:
        return name.replace("′", "'")
    return shown + (" " + bare[1:] if bare[1:] else "") + primes

