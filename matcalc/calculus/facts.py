"""Facts a program's own definitions make true, for the proofs to use as stated steps.

A centred name sums to zero along the axis it was centred over:

    Xc = X − mean(X, axis=0)        Σ_k xc_kj = Σ_k x_kj − N μ_j = 0
    Xhat = Xc / s  (s constant down the columns)      Σ_k xhat_kj = 0 too

so a term Σ_k xc_kj · (anything that does not depend on k) vanishes — the fact that turns
batch norm's staged backward pass into its compact textbook form.
"""

from __future__ import annotations

from ..language.program import BinOp, Call, Name, Program
from ..language.shapes import Shapes


def centred(program: Program, shapes: Shapes) -> dict[str, int]:
    """Name → the axis (0: down the columns, 1: along the rows) along which it sums to 0."""
    means: dict[str, tuple[str, int]] = {}   # mu = mean(X, axis=a): mu → (X, a)
    found: dict[str, int] = {}
    for statement in program.statements:
        value, target = statement.value, statement.target
        mean = _mean_of(value)
        if mean is not None:
            means[target] = mean
            continue
        if len(shapes.names[target]) != 2 or not isinstance(value, BinOp):
            continue
        if value.op == "-" and isinstance(value.left, Name):
            subtracted = _mean_of(value.right) or (
                means.get(value.right.id) if isinstance(value.right, Name) else None)
            if subtracted is not None and subtracted[0] == value.left.id:
                found[target] = subtracted[1]
        elif value.op in "*/" and isinstance(value.left, Name) and value.left.id in found:
            axis = found[value.left.id]
            if _constant_along(shapes.of(value.right), axis):
                found[target] = axis
    return found


def _mean_of(node) -> tuple[str, int] | None:
    """mean(X, axis=a[, keepdims]) of a name X on a matrix: (X, a)."""
    if isinstance(node, Call) and node.func == "mean" and node.axis in (0, 1, -1) and \
            isinstance(node.args[0], Name):
        return node.args[0].id, node.axis % 2
    return None


def _constant_along(shape: tuple, axis: int) -> bool:
    """A scale that does not vary along the axis: a scalar, a row (n,) or (1, n) for the
    columns (axis 0), a column (m, 1) for the rows (axis 1)."""
    if not shape:
        return True
    if axis == 0:
        return len(shape) == 1 or shape[0] == 1
    return len(shape) == 2 and shape[1] == 1
