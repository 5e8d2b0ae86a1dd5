"""Values for ``--at``: ``x=-2,y=5,z=-4`` or ``W=[[1, 2], [3, 4]],b=[0.5, -1]``.

Each value is a number or a nested list of numbers, read from Python's ``ast`` under a
whitelist (numbers, lists, tuples, a sign), never evaluated.
"""

from __future__ import annotations

import ast

from ..errors import UsageError


def parse_values(text: str) -> dict[str, object]:
    """NAME=VALUE pairs separated by commas outside brackets."""
    values: dict[str, object] = {}
    for item in _top_level(text, ","):
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise UsageError("write NAME=VALUE pairs separated by commas, e.g. x=-2,y=5 or "
                             "W=[[1, 2], [3, 4]]", option="at", value=item.strip())
        values[name] = literal(value.strip(), name)
    if not values:
        raise UsageError("no values given", option="at", value=text)
    return values


def literal(text: str, name: str):
    """A number or a nested list of numbers."""
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError:
        raise UsageError("a value is a number or a nested list of numbers", option="at",
                         value=name) from None
    return _value(tree, name)


def _value(node: ast.AST, name: str):
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _value(node.operand, name)
        if isinstance(inner, float):
            return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_value(e, name) for e in node.elts]
    raise UsageError("a value is a number or a nested list of numbers", option="at",
                     value=name)


def _top_level(text: str, separator: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        depth += char in "[(" and 1 or 0
        depth -= char in "])" and 1 or 0
        if char == separator and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current)
    return [p for p in parts if p.strip()]
