"""What a program's operations ask of their arguments: the names that must be invertible
(det, inv), and the places a domain constrains — the argument of log and √ (positive),
a denominator (nonzero), a fractional power's base (positive). The checker draws its
inputs by them; the numpy module's check says them.
"""

from __future__ import annotations

from .. import ops
from .program import BinOp, Call, Neg, Number, Program, names_in, walk_program


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
