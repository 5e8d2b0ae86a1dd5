"""Sums and means, of everything or along an axis:

    sum(X) = Σ_p Σ_q x_pq      sum(X, axis=0)_l = Σ_p x_pl      sum(X, axis=1)_k = Σ_q x_kq
    mean(X) = sum(X) / mn      mean(X, axis=0)_l = Σ_p x_pl / m   mean(X, axis=1)_k = Σ_q x_kq / n

A vector's only axis is the whole sum. No new node: a sum is sympy's ``Sum``.
"""

from __future__ import annotations

import sympy
from sympy import Expr

from ..calculus.symbols import IndexSum, dim
from .base import Op, value_axis


def _shape(check, node, shapes: list[tuple]) -> tuple:
    arg = shapes[0]
    if node.axis is None or (len(arg) == 1 and node.axis == 0):
        return ()
    if len(arg) != 2:
        raise check.fail(f"{node.func}(X, axis={node.axis}) needs a matrix")
    return (arg[1],) if node.axis == 0 else (arg[0],)


def _lower_sum(node, idx, ctx) -> Expr:
    """sum(X) = Σ_p Σ_q x_pq;  sum(X, 0)_l = Σ_p x_pl;  sum(X, 1)_k = Σ_q x_kq."""
    arg = node.args[0]
    shape = ctx.shape(arg)
    if node.axis is None or len(shape) == 1:  # a vector's only axis is the whole sum
        inner, limits = ctx.entries(arg)
        body = ctx.lower(arg, inner)
        return IndexSum(body, *limits) if limits else body
    p = ctx.fresh()
    axis = node.axis % 2
    inner_idx = (p, idx[0]) if axis == 0 else (idx[0], p)
    return IndexSum(ctx.lower(arg, inner_idx), ctx.limit(p, shape[axis]))


def _lower_mean(node, idx, ctx) -> Expr:
    """mean(X) = sum(X) / mn;  mean(X, 0)_l = Σ_p x_pl / m;  mean(X, 1)_k = Σ_q x_kq / n."""
    shape = ctx.shape(node.args[0])
    if node.axis is None or len(shape) == 1:
        count = sympy.Mul(*[dim(d) for d in shape])
    else:
        count = dim(shape[node.axis % 2])
    return _lower_sum(node, idx, ctx) / count


def _forward(reduce):
    def run(x, axis=None):
        import numpy as np
        return getattr(np, reduce)(x, axis=value_axis(axis, x))
    return run


OPS = [
    Op("sum", "reduction",
       "of all entries, or down the columns (axis=0) or along the rows (axis=1)",
       signature="sum(X[, axis])",
       keywords=("axis",), shape=_shape, lower=_lower_sum, forward=_forward("sum"),
       text="sum", tex=r"\operatorname{sum}",
       examples=("s = sum(A)", "s = sum(A, axis=0)", "s = sum(A, axis=1)"),
       fuzz=(("", ("mn",), "sum({0})"), ("n", ("mn",), "sum({0}, axis=0)"))),
    Op("mean", "reduction", "likewise, divided by the number of entries summed",
       signature="mean(X[, axis])",
       keywords=("axis",), shape=_shape, lower=_lower_mean, forward=_forward("mean"),
       text="mean", tex=r"\operatorname{mean}",
       examples=("s = mean(A)", "s = mean(A, axis=0)", "x: (n,)\ns = mean(x)"),
       fuzz=(("m", ("mn",), "mean({0}, axis=1)"),)),
]
