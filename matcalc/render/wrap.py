"""Lines that fit a terminal: a long step of a proof breaks before a top-level + or −
(inside no bracket), its continuation lines indented under the step; numpy code breaks
inside a bracket, where Python joins the lines again, so it stays pasteable; a note is
prose, filled line by line, never broken beside an operator of a formula in it.
"""

from __future__ import annotations

import re

OPEN, CLOSE = "([{", ")]}"


def wrap_math(text: str, width: int, indent: int) -> str:
    """``text`` in lines of at most ``width`` characters where it can be broken: at the
    space least deep in brackets within reach, preferring one before a + or −;
    continuation lines are indented by ``indent`` spaces (and two more)."""
    if len(text) <= width:
        return text
    spaces = _spaces(text)
    lines, start, room, pad = [], 0, width, " " * (indent + 2)
    while len(text) - start > room:
        reach = [(at, depth) for at, depth in spaces if start < at <= start + room
                 and text[start:at].strip() not in OPERATORS]  # never a lone − on a line
        if not reach:
            later = [at for at, _ in spaces if at > start]
            if not later:
                break
            reach = [(later[0], 0)]
        at, _ = min(reach, key=lambda p: (p[1], text[p[0] + 1:p[0] + 3] not in ("+ ", "− "),
                                         -p[0]))
        lines.append(text[start:at])
        start, room = at + 1, width - len(pad)
    lines.append(text[start:])
    return ("\n" + pad).join(lines)


OPERATORS = frozenset("+−-=·×/→")


def wrap_prose(text: str, width: int, indent: int) -> str:
    """A note in lines of at most ``width`` columns (a full-width character takes two),
    each filled as far as it goes: at the last space within reach that has no operator on
    either side (sin(b · x) + 0.1 (b · x)³ stays whole where it can), or, in Japanese,
    between two characters where neither is punctuation that must stay with its
    neighbour; continuation lines are indented by ``indent`` + 2."""
    pad = " " * (indent + 2)
    breaks = []  # (where the line ends, where the next one starts, inside a formula)
    depth = 0
    japanese = any(_wide(c) for c in text)
    for at, char in enumerate(text):
        depth += (char == "(") - (char == ")")
        if char == " ":
            # in Japanese, a run of ASCII between Japanese words is a formula or a name
            inside = depth > 0 or (japanese and _between_ascii(text, at))
            coefficient = text[at - 1:at].isdigit() and text[at + 1:at + 2] == "("  # 0.1 (v · a)³
            if text[at - 1:at] not in OPERATORS and text[at + 1:at + 2] not in OPERATORS and \
                    not coefficient:
                breaks.append((at, at + 1, inside))
        elif at and (_wide(char) or _wide(text[at - 1])) and text[at - 1] != " " and \
                char not in NO_LINE_START and text[at - 1] not in NO_LINE_END:
            breaks.append((at, at, depth > 0))
    lines, start, room = [], 0, width
    while display_columns(text[start:]) > room:
        reach = [b for b in breaks if b[0] > start and display_columns(text[start:b[0]]) <= room]
        # a formula's brackets (i → k, j → l) stay whole where the line can end before them
        outside = [b for b in reach if not b[2]]
        if outside and display_columns(text[start:outside[-1][0]]) > room // 2:
            reach = outside
        if not reach:
            later = [b for b in breaks if b[0] > start]
            if not later:
                break
            reach = later[:1]
        end, start_next, _ = reach[-1]
        lines.append(text[start:end])
        start, room = start_next, width - len(pad)
    lines.append(text[start:])
    return ("\n" + pad).join(lines)


# Japanese line breaking: these never begin a line, those never end one
NO_LINE_START = frozenset("、。，．：；！？）」』】〕ー・…")
NO_LINE_END = frozenset("（「『【〔")


def _between_ascii(text: str, at: int) -> bool:
    """The space at ``at`` has ASCII on both sides, up to the Japanese around it."""
    before = next((c for c in reversed(text[:at]) if c != " "), "")
    after = next((c for c in text[at + 1:] if c != " "), "")
    return bool(before) and bool(after) and not _wide(before) and not _wide(after)


def _wide(char: str) -> bool:
    import unicodedata
    return unicodedata.east_asian_width(char) in "WF"


def display_columns(text: str) -> int:
    """The columns a terminal gives the text: two for a full-width character."""
    return sum(2 if _wide(c) else 1 for c in text)


def wrap_code(text: str, width: int, indent: int) -> str:
    """numpy code in lines of at most ``width`` characters, broken at a space inside a
    bracket (Python joins such lines): still valid, still pasteable."""
    if len(text) <= width:
        return text
    spaces = [(at, depth) for at, depth in _spaces(text) if depth > 0
              and text[at + 1] not in CLOSE]
    lines, start, room, pad = [], 0, width, " " * (indent + 4)
    while len(text) - start > room:
        reach = [at for at, _ in spaces if start < at <= start + room]
        if not reach:
            later = [at for at, _ in spaces if at > start]
            if not later:
                break
            reach = [later[0]]
        at = max(reach)
        lines.append(text[start:at])
        start, room = at + 1, width - len(pad)
    lines.append(text[start:])
    return ("\n" + pad).join(lines)


def _spaces(text: str) -> list[tuple[int, int]]:
    """Every space with its depth in brackets."""
    depth, found = 0, []
    for at, char in enumerate(text):
        if char in OPEN:
            depth += 1
        elif char in CLOSE:
            depth -= 1
        elif char == " " and 0 < at < len(text) - 1:
            found.append((at, depth))
    return found



def tex_rows(tex: str, width: int = 50) -> str:
    """A long LaTeX formula in rows of an align*: a new row (``\\ &\\quad``) before a + or −
    once the row would show more than ``width`` characters (commands and braces not
    counted). Breaks come outside every brace and \\left … \right pair where that is
    enough; else the pairs become \bigl … \bigr, which a row may leave open, and the
    formula also breaks inside them."""
    if _visible(tex) <= width:
        return tex
    rows = _rows(tex, _cuts(tex, inside_pairs=False), width)
    if max(_visible(row) for row in rows) > width:
        loose = re.sub(r"\\left([(\[|])", r"\\bigl\1", tex)
        loose = re.sub(r"\\right([)\]|])", r"\\bigr\1", loose)
        rows = _rows(loose, _cuts(loose, inside_pairs=True), width)
    return " \\\\\n&\\quad ".join(rows)


def reason_rows(tex: str) -> str:
    """A reason with lemmas (``\text{; }`` between them) as one row per part."""
    return tex.replace(r"\text{; ", r"\right. \\" + "\n" + r"&\qquad \left. \text{")


def _cuts(tex: str, inside_pairs: bool) -> list[int]:
    """Where a + or − stands outside every brace (and, unless ``inside_pairs``, outside
    every \\left … \right pair)."""
    braces = pairs = 0
    cuts, k = [], 0
    while k < len(tex):
        if tex.startswith("\\left", k) or tex.startswith("\\right", k):
            pairs += 1 if tex.startswith("\\left", k) else -1
            k += 5 if tex.startswith("\\left", k) else 6
            continue
        braces += tex[k] == "{"
        braces -= tex[k] == "}"
        if braces == 0 and (inside_pairs or pairs == 0) and tex[k:k + 3] in (" + ", " - "):
            cuts.append(k)
        k += 1
    return cuts


def _rows(tex: str, cuts: list[int], width: int) -> list[str]:
    rows, start, last = [], 0, None
    for cut in [*cuts, len(tex)]:
        if last is not None and last > start and _visible(tex[start:cut]) > width:
            rows.append(tex[start:last])
            start = last + 1
        last = cut
    rows.append(tex[start:])
    return rows


def visible(tex: str) -> int:
    """Roughly the characters a formula shows (for a template's choice of layout)."""
    return _visible(tex)


def _visible(tex: str) -> int:
    """Roughly the characters a formula shows: commands, braces and spaces not counted."""
    return len(re.sub(r"\\[a-zA-Z]+|[{}_^&\s]", "", tex))
