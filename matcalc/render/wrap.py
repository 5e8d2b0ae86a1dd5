"""Lines that fit a terminal: a long step of a proof breaks before a top-level + or −
(inside no bracket), its continuation lines indented under the step; numpy code breaks
inside a bracket, where Python joins the lines again, so it stays pasteable.
"""

from __future__ import annotations

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
        reach = [(at, depth) for at, depth in spaces if start < at <= start + room]
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
