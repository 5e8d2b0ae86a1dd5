"""Reductions, of everything or along an axis (numpy's ``axis`` and ``keepdims``):

    sum(X) = Σ_p Σ_q x_pq      sum(X, axis=0)_l = Σ_p x_pl      sum(X, axis=1)_k = Σ_q x_kq
    mean = sum / N             (N: the number of entries summed)
    var = Σ_p (x_p − μ)² / N   (population variance, μ the mean; std = √var)
    logsumexp(X, axis=1)_k = log Σ_q exp(x_kq)   (its gradient is the softmax of the row)

A vector's only axis is the whole reduction; ``keepdims=True`` keeps the reduced axes with
length 1, so that ``X - mean(X, axis=1, keepdims=True)`` broadcasts as in numpy. A sum is
sympy's ``Sum``; the log-sum-exp of a row is a node of its own, whose derivative is stated
as the softmax.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy
from sympy import Expr, S

from ..index.symbols import (
    IndexSum,
    RowEntry,
    substitute,
)
from .base import Op, value_axis
from .rowwise import _entry as softmax_row
from .rowwise import along_row, printed_index, row_entries, row_value, softmax_entry


def axes_of(node, rank: int) -> tuple[int, ...] | None:
    """The reduced axes, counted from 0 (numpy's -1 is the last), or None if one is not
    an axis of an array of this rank."""
    axes = node.axis if isinstance(node.axis, tuple) else (node.axis,)
    if any(not -rank <= a < rank for a in axes):
        return None
    return tuple(sorted({a % rank for a in axes}))


def _shape(check, node, shapes: list[tuple]) -> tuple:
    """() or the kept axes; with keepdims the reduced axes stay, of length 1:
    sum(X, axis=0) of (m, n) is (n,), mean(X, axis=(2, 3)) of (b, c, h, w) is (b, c)."""
    arg = shapes[0]
    if node.axis is None or (len(arg) == 1 and node.axis in (0, -1)):
        return (1,) * len(arg) if node.keepdims else ()
    if len(arg) < 2:
        raise check.fail(f"{node.func}(X, axis={node.axis}) needs a matrix")
    axes = axes_of(node, len(arg))
    if axes is not None and isinstance(node.axis, tuple) and len(axes) < len(node.axis):
        raise check.fail(f"{node.func}(X, axis={node.axis}) names an axis twice")
    if axes is None:
        raise check.fail(f"{node.func}(X, axis={node.axis}): {check.describe(0)}, which has "
                         f"{len(arg)} axes (0 to {len(arg) - 1}, or -1 for the last)")
    if node.keepdims:
        return tuple(1 if k in axes else d for k, d in enumerate(arg))
    return tuple(d for k, d in enumerate(arg) if k not in axes)


def _reduced(node, idx, ctx) -> tuple[Callable[..., Expr], list]:
    """What one output entry reduces: the argument's entry as a function of running
    indices, and their limits. sum(X)_· runs over p, q; sum(X, 0)_l over p in x_pl;
    mean(X, axis=(2, 3))_{β,γ} over p, q in x_{β,γ,p,q}.
    An axis of length 1 is no sum: its index is 0 (sum(X, 1)_k = x_k0 for X of shape
    (m, 1)), so that a reduction over unit axes only is its one entry, with no limits."""
    arg = node.args[0]
    shape = ctx.shape(arg)
    if node.axis is None or len(shape) <= 1:  # a vector's only axis is the whole reduction
        inner, limits = ctx.entries(arg)
        running = [k for k, d in enumerate(shape) if d != 1]

        def entries(*at):
            filled = list(inner)
            for k, q in zip(running, at):
                filled[k] = q
            return ctx.lower(arg, tuple(filled))
        return entries, limits
    axes = axes_of(node, len(shape))
    kept = [i for k, i in enumerate(idx) if k not in axes] if node.keepdims else list(idx)
    running = [k for k in axes if shape[k] != 1]
    limits = [ctx.limit(ctx.fresh(), shape[k]) for k in running]

    def entry(*at):
        kept_at, run_at = iter(kept), iter(at)
        return ctx.lower(arg, tuple((next(run_at) if shape[k] != 1 else S.Zero)
                                    if k in axes else next(kept_at)
                                    for k in range(len(shape))))
    return entry, limits


def _summed(entry, limits, f=lambda x: x) -> Expr:
    """Σ over the limits of f(entry)."""
    body = f(entry(*[limit[0] for limit in limits]))
    return IndexSum(body, *limits) if limits else body


def _count(limits) -> Expr:
    return sympy.Mul(*[hi + 1 for _, _, hi in limits])


def _lower_sum(node, idx, ctx) -> Expr:
    """sum(X) = Σ_p Σ_q x_pq;  sum(X, 0)_l = Σ_p x_pl;  sum(X, 1)_k = Σ_q x_kq."""
    return _summed(*_reduced(node, idx, ctx))


def _lower_mean(node, idx, ctx) -> Expr:
    """mean(X) = Σ_p Σ_q x_pq / mn;  mean(X, 0)_l = Σ_p x_pl / m;  …"""
    entry, limits = _reduced(node, idx, ctx)
    return _summed(entry, limits) / _count(limits)


def _lower_var(node, idx, ctx) -> Expr:
    """var(X, 0)_l = Σ_p (x_pl − μ_l)² / m with μ_l = Σ_q x_ql / m (population)."""
    entry, limits = _reduced(node, idx, ctx)
    again, inner = _reduced(node, idx, ctx)  # the mean's own running index
    mu = _summed(again, inner) / _count(inner)
    return _summed(entry, limits, lambda x: (x - mu) ** 2) / _count(limits)


def _lower_std(node, idx, ctx) -> Expr:
    """std = √var."""
    return sympy.sqrt(_lower_var(node, idx, ctx))


class logsumexp_row(RowEntry):  # noqa: N801 - printed and sorted by sympy under this name
    """log Σ_ℓ exp(e_ℓ) over a row: ``l`` (bound here) runs over ``size`` values; ``at``
    is unused (0). Args: (e, l, size, at)."""

    reduces = True

    @classmethod
    def eval(cls, e, l, size, at):  # noqa: A003 - sympy's hook
        """A row of one entry: log exp(e) = e."""
        return substitute(e, l, S.Zero) if size == 1 else None

    def _matcalc_print(self, printer) -> str:
        """log Σ_q exp(z_kq), with q an index the row does not use."""
        q = printed_index(self, printer)
        return printer.doprint(sympy.log(IndexSum(sympy.exp(self.entry_at(q)),
                                                  (q, 0, self.size - 1))))


def _differentiate_row(expr: logsumexp_row, wrt: Expr, differentiate) -> Expr:
    """∂ log Σ_ℓ exp(e_ℓ)/∂x = Σ_q softmax(e)_q ∂e_q/∂x: the gradient of log-sum-exp is
    the softmax of its row."""
    return along_row(softmax_entry, expr, wrt, differentiate)


def _lower_logsumexp(node, idx, ctx) -> Expr:
    """logsumexp(X, 1)_k = log Σ_q exp(x_kq), a row node; over all entries (or down the
    columns) the same sum written out, log Σ_p Σ_q exp(x_pq)."""
    entry, limits = _reduced(node, idx, ctx)
    if not limits:  # one entry: log exp(x) = x
        return entry()
    if len(limits) == 1:
        (p, _, hi), = limits
        return softmax_row(lambda at: entry(at), hi + 1, S.Zero, logsumexp_row)
    return sympy.log(_summed(entry, limits, sympy.exp))


def _forward(reduce: str):
    def run(x, axis=None, keepdims=False):
        from ..arrays import np
        return getattr(np, reduce)(x, axis=value_axis(axis, x), keepdims=keepdims)
    return run


def _logsumexp(x, axis=None, keepdims=False):
    """max + log Σ exp(x − max): finite for any x."""
    from ..arrays import np
    axes = value_axis(axis, x)
    top = np.max(x, axis=axes, keepdims=True)
    out = top + np.log(np.sum(np.exp(x - top), axis=axes, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axes)


def _logsumexp_rows(x, axis=None):
    """Along the last axis, kept (length 1): what the checker reads a row node at."""
    return _logsumexp(x, axis=-1, keepdims=True)


_KEYWORDS = ("axis", "keepdims")
_logsumexp_rows_entry, _ = row_entries(logsumexp_row)

OPS = [
    Op("sum", "reduction",
       "of all entries, or down the columns (axis=0) or along the rows (axis=1)", sign="same",
       signature="sum(X[, axis, keepdims])",
       keywords=_KEYWORDS, shape=_shape, lower=_lower_sum, forward=_forward("sum"),
       source="np.sum({0}{axis})",
       text="sum", tex=r"\operatorname{sum}",
       examples=("s = sum(A)", "s = sum(A, axis=0)", "s = sum(A, axis=1)",
                 "S = sum(A, axis=1, keepdims=True)\nB = A - S"),
       fuzz=(("", ("mn",), "sum({0})"), ("n", ("mn",), "sum({0}, axis=0)"),
             ("mn", ("mn",), "({0} - sum({0}, axis=1, keepdims=True))"))),
    Op("mean", "reduction", "likewise, divided by the number of entries summed", sign="same",
       signature="mean(X[, axis, keepdims])",
       keywords=_KEYWORDS, shape=_shape, lower=_lower_mean, forward=_forward("mean"),
       source="np.mean({0}{axis})",
       text="mean", tex=r"\operatorname{mean}",
       examples=("s = mean(A)", "s = mean(A, axis=0)", "x: (n,)\ns = mean(x)",
                 "M = mean(A, axis=0, keepdims=True)"),
       fuzz=(("m", ("mn",), "mean({0}, axis=1)"),
             ("mn", ("mn",), "({0} * mean({0}, axis=0, keepdims=True))"))),
    Op("var", "reduction", "population variance: the mean of (x − mean x)²",
       signature="var(X[, axis, keepdims])",
       keywords=_KEYWORDS, shape=_shape, lower=_lower_var, forward=_forward("var"),
       source="np.var({0}{axis})",
       text="var", tex=r"\operatorname{var}",
       examples=("s = var(A)", "v = var(A, axis=0)", "x: (n,)\ns = var(x)"),
       fuzz=(("n", ("mn",), "var({0}, axis=0)"),)),
    Op("std", "reduction", "standard deviation √var (positive variance)",
       signature="std(X[, axis, keepdims])",
       keywords=_KEYWORDS, shape=_shape, lower=_lower_std, forward=_forward("std"),
       source="np.std({0}{axis})",
       text="std", tex=r"\operatorname{std}", note="sqrt",
       examples=("s = std(A)", "V = std(A, axis=1, keepdims=True)"),
       fuzz=(("m", ("mn",), "std({0}, axis=1)"),)),
    Op("logsumexp", "reduction", "log Σ exp(x); its gradient is the softmax",
       signature="logsumexp(X[, axis, keepdims])",
       keywords=_KEYWORDS, shape=_shape, lower=_lower_logsumexp, forward=_logsumexp,
       source="np.log(np.sum(np.exp({0}){axis}))",
       text="logsumexp", tex=r"\operatorname{logsumexp}", note="logsumexp",
       examples=("s = logsumexp(A)", "v = logsumexp(A, axis=1)", "x: (n,)\ns = logsumexp(x)"),
       fuzz=(("", ("mn",), "logsumexp({0})"), ("m", ("mn",), "logsumexp({0}, axis=1)"))),
    # the node of a row's log-sum-exp, which lowering produces
    Op("logsumexp_row", "internal", "log Σ exp along each row (a column)",
       function=logsumexp_row, differentiate=_differentiate_row, forward=_logsumexp_rows,
       transposes=False, matrix_form=row_value("logsumexp_row"), entry=_logsumexp_rows_entry,
       # overflow-safe: max + log Σ exp(x − max), as the forward pass computes it
       numpy="(⟨{0}⟩.max(axis=-1, keepdims=True) + np.log(np.exp(⟨{0}⟩ - "
             "⟨{0}⟩.max(axis=-1, keepdims=True)).sum(axis=-1, keepdims=True)))",
       text="rowlogsumexp", tex=r"\operatorname{rowlogsumexp}"),
]
