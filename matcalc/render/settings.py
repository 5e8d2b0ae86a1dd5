"""Display settings, a leaf module: the language notebooks show results in and the notation
formulas are written in (``matcalc.set_language``, ``matcalc.set_notation``)."""

from __future__ import annotations

# the language notebooks show results in: matcalc.set_language("ja")
LANGUAGE = {"lang": "en"}


def set_language(lang: str) -> None:
    """The language results show themselves in, in notebooks (and ``str()``)."""
    from ..errors import UsageError
    from .catalogue import languages
    if lang not in languages():
        raise UsageError(f"unknown language {lang!r}; choose one of "
                         f"{', '.join(languages())}", option="lang", value=lang)
    LANGUAGE["lang"] = lang


# how LaTeX is written, as bloggers ask: matcalc.set_notation(transpose="top", …)
NOTATION_CHOICES = {
    "transpose": ("mathsf", "top", "T"),      # A^{\mathsf{T}}, A^{\top}, A^{T}
    "bold": ("mathbf", "bm", "plain"),        # \mathbf{A}, \bm{A}, A
    "limits": ("off", "on"),                   # Σ_k, or Σ_{k=1}^{m}
    "division": ("power", "fraction"),         # T ∘ P^∘⁻¹, or T ⊘ P (\frac{T}{P})
    "numbers": ("off", "on"),                  # each result numbered, \tag{1}, \tag{2}, …
    "expand": ("off", "on"),                   # each gradient also written out entry by entry
    "entries": ("from0", "from1"),             # x[0] prints x_0 (as the program counts) or x_1
    "layers": ("subscript", "superscript"),    # Z1 prints Z_1, or Z^{(1)} (a layer's index)
    "indicator": ("bracket", "one"),           # [x − y > 0], or 𝟙(x > y) (seed 003)
    "gradient": ("partial", "nabla"),          # ∂L/∂X, or ∇_X L for a vector or matrix X
}
NOTATION = {key: values[0] for key, values in NOTATION_CHOICES.items()}


def set_notation(**choices: str) -> None:
    """How formulas are written: transpose ("mathsf", "top", "T"), bold ("mathbf", "bm",
    "plain"), limits ("off", "on": Σ_{k=1}^{m}), division ("power", "fraction"), numbers
    ("off", "on": \tag{1}, …), expand ("off", "on": each gradient written out), entries
    ("from0": x[0] is x_0, "from1": x_1), layers ("subscript": Z_1, "superscript": Z^{(1)}),
    indicator ("bracket": [x − y > 0], "one": 𝟙(x > y), as seed 003 writes the max gate's)."""
    from ..errors import UsageError
    for key, value in choices.items():
        if key not in NOTATION_CHOICES or value not in NOTATION_CHOICES[key]:
            known = NOTATION_CHOICES.get(key)
            raise UsageError(f"{key}={value!r}: choose " + (
                " or ".join(known) if known else "among " + ", ".join(NOTATION_CHOICES)),
                option="notation", value=key)
    NOTATION.update(choices)
