"""What a program's operations ask of their arguments: the names that must be invertible
(det, inv), and the places a domain constrains — the argument of log and √ (positive),
a denominator (nonzero), a fractional power's base (positive). The checker draws its
inputs by them; the numpy module's check says them. And the sign an expression has by
construction (exp(x) > 0, x² ≥ 0), which tells the checker a branch no input can take.
"""

from __future__ import annotations

from .. import ops
from .program import (
    BinOp,
    Call,
    Item,
    Name,
    Neg,
    Number,
    Program,
    Transpose,
    names_in,
    walk_program,
)


def invertible_names(program: Program) -> set[str]:
    """Names inside an operation that needs an invertible argument (det, inv): drawn near
    n·I so that they are well conditioned with a positive determinant, yet not symmetric
    (Xᵀ ≠ X must show)."""
    return {name for node in walk_program(program)
            if isinstance(node, Call) and ops.get(node.func).invertible
            for name in names_in(node.args[0])}


def is_integer(node) -> bool:
    if isinstance(node, Neg):
        return is_integer(node.operand)
    return isinstance(node, Number) and float(node.value).is_integer()


def domain_of(node) -> str | None:
    """What the program's domain asks of a node's constrained part (``domain_argument``):
    "positive" for the argument of log, √, cross-entropy's prediction (``Op.positive``)
    and the base of a fractional power, "nonzero" for a denominator, else None (log det's
    ``Op.domain`` is no margin of entries: it is checked, not repaired)."""
    if isinstance(node, Call):
        return "positive" if ops.get(node.func).positive else None
    if isinstance(node, BinOp) and node.op == "/":
        return "nonzero"
    if isinstance(node, BinOp) and node.op == "**" and not is_integer(node.right):
        return "positive"
    return None


def domain_argument(site):
    """The part of a call or operation that a domain constrains."""
    if isinstance(site, Call):
        return site.args[-1]
    return site.right if site.op == "/" else site.left


# ---------------------------------------------------------------- signs by construction

POSITIVE, NONNEGATIVE = "positive", "nonnegative"


def sign_of(node, program: Program) -> str | None:
    """"positive" or "nonnegative" where the expression is so whatever the inputs (exp(x),
    σ(x), x ** 2, exp(x) + 1, a sum of squares; a name through its statement), else None.
    Only what the operations' records and arithmetic guarantee: an input is unknown."""
    definitions = {s.target: s.value for s in program.statements}
    return _sign(node, definitions, 0)


def _sign(node, definitions: dict, depth: int) -> str | None:
    if depth > 50:
        return None
    def sign(child):
        return _sign(child, definitions, depth + 1)
    if isinstance(node, Number):
        return POSITIVE if node.value > 0 else NONNEGATIVE if node.value == 0 else None
    if isinstance(node, Name):
        return sign(definitions[node.id]) if node.id in definitions else None
    if isinstance(node, (Transpose, Item)):
        return sign(node.operand if isinstance(node, Transpose) else node.of)
    if isinstance(node, Call):
        own = ops.get(node.func).sign
        if own == "same" and len(node.args) == 1:
            return sign(node.args[0])
        return own if own in (POSITIVE, NONNEGATIVE) else None
    if isinstance(node, BinOp):
        if node.op == "**":
            exponent = node.right
            even = isinstance(exponent, Number) and float(exponent.value).is_integer() and \
                int(exponent.value) % 2 == 0
            base = sign(node.left)
            return base if base is not None else NONNEGATIVE if even else None
        if node.op == "*" and node.left == node.right:
            return NONNEGATIVE  # x * x, a square
        left, right = sign(node.left), sign(node.right)
        if left is None or right is None or node.op == "-":
            return None
        if node.op == "+":
            return POSITIVE if POSITIVE in (left, right) else NONNEGATIVE
        if node.op == "/" and right != POSITIVE:
            return None  # (a nonnegative denominator may be 0)
        return POSITIVE if left == right == POSITIVE else NONNEGATIVE  # *, /, @
    return None
