"""LaTeX for a paper: the ``--standalone`` document and the fragment's header.

The document is set as papers set derivations: a title, the program listed, one numbered
``align`` per gradient whose result line carries a ``\\label{eq:grad-NAME}``, and each step's
reason flush right on the step's own line as a ``\\tag*`` (amsmath moves a tag that does not
fit to the next line by itself). pdflatex reads any program: every character it has no
glyph for is written as a TeX command — Greek letters as ``\\lambda``, accented Latin letters
as ``\\'e`` — and, in English, a comment in a script pdflatex cannot set (Japanese, say) is
left out of the listing with a note; with ``--lang ja`` the document is for LuaLaTeX, which
sets it as written.
"""

from __future__ import annotations

import re
import unicodedata

from .names import GREEK, TEX, unicode_name
from .wrap import visible

#: letters and signs beyond names.TEX that math writes as commands
MATH = {**TEX, "ϑ": r"\vartheta", "ϱ": r"\varrho", "ϖ": r"\varpi", "ς": r"\varsigma",
        "ℓ": r"\ell", "∂": r"\partial", "∘": r"\circ", "−": "-", "′": "'", "″": "''",
        "·": r"\cdot", "×": r"\times", "⊘": r"\oslash", "∑": r"\sum", "√": r"\surd",
        "∞": r"\infty", "≤": r"\leq", "≥": r"\geq", "≠": r"\neq", "≈": r"\approx",
        "→": r"\to", "←": r"\leftarrow", "∵": r"\because", "∴": r"\therefore",
        "⋯": r"\cdots", "⋮": r"\vdots", "⋱": r"\ddots", "∈": r"\in", "±": r"\pm",
        "ᵀ": r"^{\mathsf{T}}", "⁻": "^{-}", "¹": "^{1}", "²": "^{2}", "³": "^{3}",
        "𝟏": r"\mathbf{1}", "δ": r"\delta", "∇": r"\nabla", "⊙": r"\odot", "⊗": r"\otimes"}
#: Greek capitals that look like Latin ones (LaTeX has no command for them)
MATH.update(dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΧο", "ABEZHIKMNOPTXo")))
#: text-mode spellings of letters and punctuation outside ASCII
TEXT = {"ß": r"\ss{}", "æ": r"\ae{}", "Æ": r"\AE{}", "œ": r"\oe{}", "Œ": r"\OE{}",
        "ø": r"\o{}", "Ø": r"\O{}", "ł": r"\l{}", "Ł": r"\L{}", "ı": r"\i{}",
        "“": "``", "”": "''", "‘": "`", "’": "'", "–": "--", "—": "---", "…": r"\dots{}",
        "\u00a0": "~", "§": r"\S{}", "¶": r"\P{}", "©": r"\copyright{}", "£": r"\pounds{}",
        "†": r"\dag{}", "‡": r"\ddag{}"}
#: combining accents → text-mode accent commands
ACCENTS = {"\u0300": "`", "\u0301": "'", "\u0302": "^", "\u0303": "~", "\u0304": "=",
           "\u0306": "u", "\u0307": ".", "\u0308": '"', "\u030a": "r", "\u030b": "H",
           "\u030c": "v", "\u0327": "c", "\u0328": "k"}


def _text_letter(ch: str) -> str | None:
    """é → \\'{e}, ß → \\ss{}: a letter or sign pdflatex sets in text, or None."""
    if ch in TEXT:
        return TEXT[ch]
    base, *marks = unicodedata.normalize("NFD", ch)
    if not marks or not base.isascii() or any(m not in ACCENTS for m in marks):
        return None
    shown = base if base not in "ij" else "\\" + base  # í: the dotless i under the accent
    for mark in marks:
        shown = f"\\{ACCENTS[mark]}{{{shown}}}"
    return shown


def pdflatex_char(ch: str, mode: str) -> str | None:
    """How pdflatex is to set one non-ASCII character in ``mode`` ("any": math or text,
    unknown which; "math"; "verbatim": the listing's typewriter text), or None if it has no
    glyph for it (a CJK character, an emoji)."""
    if ch in MATH:
        tex = MATH[ch]
        if not tex.startswith("\\") and not tex.startswith("^"):
            return tex  # a Latin look-alike, a minus
        return tex if mode == "math" and tex.startswith("^") else \
            f"{{{tex}}}" if mode == "math" else rf"\ensuremath{{{tex}}}"
    text = _text_letter(ch)
    if text is None:
        return None
    return text if mode == "verbatim" else rf"\text{{{text}}}"


def code_point(ch: str, mode: str) -> str:
    """A character no pdflatex font has, by its code point: [U+91CD]."""
    shown = f"[U+{ord(ch):04X}]"
    return shown if mode == "verbatim" else rf"\text{{{shown}}}"


def for_pdflatex(text: str, mode: str = "any", keep: bool = False) -> str:
    """``text`` with every non-ASCII character written as pdflatex sets it; one it cannot
    set is kept (``keep``: LuaLaTeX will set it) or written by its code point."""
    if text.isascii():
        return text
    out = []
    for ch in text:
        if ch.isascii():
            out.append(ch)
            continue
        tex = pdflatex_char(ch, mode)
        out.append(tex if tex is not None else ch if keep else code_point(ch, mode))
    return "".join(out)


def settable(text: str) -> bool:
    """Whether pdflatex has a glyph for every character of ``text``."""
    return all(ch.isascii() or pdflatex_char(ch, "any") is not None for ch in text)


def _verbatim_escape(text: str) -> str:
    """The listing's own special characters (\\, {, }) as the typewriter font's glyphs."""
    return text.replace("\\", r"\char92{}").replace("{", r"\char123{}") \
        .replace("}", r"\char125{}")


def listing(source: str, lang: str, note: str, skip_title: bool = False) -> str:
    """The program for a Verbatim with command characters \\ { }: its own backslashes and
    braces escaped, Greek and accented letters as TeX. For pdflatex (English), a comment in
    a script it cannot set is replaced by ``note``; a name in such a script is written by
    its code points. ``skip_title``: the first line, the document's title, is left out;
    so are the heading lines that are options (``# wrt: W, b``)."""
    from ..language.program import is_option_comment
    lines = []
    for line in source.strip().splitlines()[1 if skip_title else 0:]:
        if is_option_comment(line):  # # wrt: W, b: an option of the command, not code
            continue
        code, hash_, comment = _split_comment(line)
        if hash_ and lang != "ja" and not settable(comment):
            comment = " " + note
        lines.append("".join(for_pdflatex(_verbatim_escape(part), "verbatim", lang == "ja")
                             for part in (code, hash_, comment)))
    return "\n".join(lines)


def verbatim_text(text: str, lang: str) -> str:
    """Code (numpy) for the Verbatim with command characters: escaped, letters as TeX."""
    return for_pdflatex(_verbatim_escape(text), "verbatim", lang == "ja")


def numpy_line(item, lang: str) -> str:
    """One gradient's numpy, ``dW = …`` or ``dx += …`` (a (name, op, code) line of the
    backward pass or a gradient's view), wrapped at 72 columns, for the Verbatim."""
    from .wrap import wrap_code
    name, op, code = item if isinstance(item, tuple) else (item["wrt"], "=", item["numpy"])
    return verbatim_text(f"d{name} {op} " + wrap_code(code, 72, len(name) + len(op) + 3), lang)


def two_columns(text: str, lines: int = 10, width: int = 40) -> bool:
    """Whether a listing goes in two columns: long, and every line short enough (as the
    reader sees it: a TeX command counts as one character)."""
    shown = [re.sub(r"\\ensuremath\{\\[a-zA-Z]+\}|\\char\d+\{\}|\\\S+?\{\S*?\}", "x", line)
             for line in text.splitlines()]
    return len(shown) >= lines and max(len(line) for line in shown) <= width


def _split_comment(line: str) -> tuple[str, str, str]:
    """(code, "#", comment) — the program language has no strings, so # starts a comment."""
    code, hash_, comment = line.partition("#")
    return code, hash_, comment


def label(wrt: str, taken: set[str]) -> str:
    """A deterministic ASCII label for ∂L/∂wrt: eq:grad-W1, eq:grad-lambda (λ), one
    suffixed -2, -3 … if another name gives the same."""
    letters = "".join(
        ch if ch.isascii() and (ch.isalnum() or ch == "_") else
        max((n for n, u in GREEK.items() if u == ch), key=len, default=f"u{ord(ch):04x}")
        for ch in unicode_name(wrt))
    name, k = f"eq:grad-{letters}", 1
    while name in taken:
        k += 1
        name = f"eq:grad-{letters}-{k}"
    taken.add(name)
    return name


#: a reason longer than this (visible characters) is split at its "; " into rows
REASON_WIDTH = 80


def tagged(rows: str, reason: str) -> str:
    """A step's rows (``tex_rows``) with its reason flush right on the last row as a
    ``\\tag*`` — amsmath sets it on the next line if the row leaves no room; a long reason
    with several parts takes a row per part."""
    lines = rows.split(" \\\\\n")
    parts = [reason]
    wide = sum(unicodedata.east_asian_width(ch) in "WF" for ch in reason)  # 2 columns each
    if visible(reason) + wide > REASON_WIDTH:
        parts = [p for p in re.split(r"(?=\\text\{[;；])", reason) if p]
        for k in range(1, len(parts)):  # the semicolon ends its row
            mark = parts[k][6]
            parts[k - 1] += rf"\text{{{mark}}}"
            parts[k] = r"\text{" + parts[k][7:].lstrip()
    tags = []
    for k, part in enumerate(parts):  # ( on the first part, ) on the last
        left = r"\left(" if k == 0 else r"\left."
        right = r"\right)" if k == len(parts) - 1 else r"\right."
        tags.append(rf"\tag*{{${left}{part}{right}$}}")
    body = [line + r" \notag" for line in lines[:-1]] + [lines[-1] + " " + tags[0]]
    body += [r"& " + tag for tag in tags[1:]]
    return " \\\\\n".join(body)


def glyphs(tex: str) -> int:
    """About how many glyphs a formula shows, on the wide side: a command that draws
    (\\partial, \\circ) is one, one that only sets a style or a size is none, and a
    fraction counts both its numerator and its denominator."""
    shown = re.sub(r"\\(left|right|mathbf|boldsymbol|bm|mathsf|mathrm|text|operatorname|frac"
                   r"|qquad|quad)(?![a-zA-Z])|\\[,;!]", "", tex)
    shown = re.sub(r"\\[a-zA-Z]+", "x", shown)
    return len(re.sub(r"[{}_^&\s]", "", shown))


def in_pairs(gradients: list[dict], width: int = 30) -> list[list[dict]]:
    """The backward pass's equations two to a row when every one is short, else one."""
    shown = [g["result"] if g["result"] is not None else g["index_form"] for g in gradients]
    if all(glyphs(g["matrix_lhs"] + s) <= width for g, s in zip(gradients, shown)):
        return [gradients[k:k + 2] for k in range(0, len(gradients), 2)]
    return [[g] for g in gradients]


def numbered(rows: str, name: str) -> str:
    """A result's rows: the equation number and ``\\label`` on the last row only."""
    lines = rows.split(" \\\\\n")
    return " \\\\\n".join([line + r" \notag" for line in lines[:-1]]
                          + [lines[-1] + rf" \label{{{name}}}"])


def title_tex(title: str) -> str:
    """A title given as text: LaTeX's special characters escaped, except inside $…$ (math
    as written), when the dollars pair up."""
    parts = title.split("$")
    if len(parts) % 2 == 0:  # an odd number of $: all of it is text
        parts = [title]
    special = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "_": r"\_", "&": r"\&",
               "%": r"\%", "#": r"\#", "^": r"\^{}", "~": r"\~{}", "$": r"\$"}
    return "$".join(part if k % 2 else "".join(special.get(c, c) for c in part)
                    for k, part in enumerate(parts))


def fragment_header(phrases, bm: bool) -> str:
    """The fragment's first lines, comments: the packages it needs and where it goes."""
    packages = "amsmath,amssymb" + (",bm" if bm else "")
    needs = str(phrases.label("fragment_packages")).strip().replace("PACKAGES", packages)
    return f"% matcalc: {needs}\n% {str(phrases.label('fragment_place')).strip()}\n"


def document(env, lang: str, phrases, view: dict, *, title: str, bm: bool,
             skip_title: bool = False) -> str:
    """The document (document.j2) for ``view``; for pdflatex, every character it cannot
    read written as TeX."""
    note = str(phrases.label("comment_left_out")).strip()
    shown = listing(view["program"], lang, f"[{note}]", skip_title)
    tex = env.get_template("document.j2").render(
        lang=lang, r=phrases, title=title, bm=bm, listing=shown,
        **{k: v for k, v in view.items() if k != "program"})
    body = _outside_verbatim(tex, lambda part: for_pdflatex(part, "any", lang == "ja"))
    return body.rstrip() + "\n"


def _outside_verbatim(tex: str, change) -> str:
    """``change`` applied to the document outside its Verbatim listings (already set)."""
    pieces = re.split(r"(\\begin\{Verbatim\}.*?\\end\{Verbatim\})", tex, flags=re.DOTALL)
    return "".join(p if k % 2 else change(p) for k, p in enumerate(pieces))


def title_comment(source: str, lang: str) -> str | None:
    """The program's first line if it is a comment (as an example's title is) that the
    engine can set, and not a setting (``# wrt: W``)."""
    first = source.strip().splitlines()[0] if source.strip() else ""
    text = first.lstrip("# ").strip()
    if first.startswith("#") and text and not re.fullmatch(r"[a-z]+:.*", text) and \
            (lang == "ja" or settable(text)):
        return text
    return None


def default_title(phrases, loss: str, names: list[str], kind: str | None = None) -> str:
    """"The gradient of $L$ with respect to $\\mathbf{A}$" (``names`` in TeX), or "The
    Jacobian of … with respect to …" for ``kind``."""
    if kind is not None:
        key, what = "paper_title_derivative", str(phrases.label(kind)).strip()
    else:
        key, what = "paper_title" if len(names) == 1 else "paper_title_several", ""
    shown = str(phrases.label(key)).strip()
    return shown.replace("KIND", what).replace("LOSS", f"${loss}$") \
        .replace("WRT", ", ".join(f"${n}$" for n in names))


__all__ = ["default_title", "document", "for_pdflatex", "fragment_header", "in_pairs",
           "label", "listing", "numbered", "numpy_line", "settable", "tagged", "title_comment",
           "title_tex", "two_columns", "verbatim_text"]
