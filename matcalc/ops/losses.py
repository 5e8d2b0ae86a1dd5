"""Losses: two arrays of one shape in, a scalar out. Composites of sums and logarithms:

    cross_entropy(T, P) = −Σ_p Σ_q t_pq log p_pq        mse(Y, T) = (1/mn) Σ_p Σ_q (y_pq − t_pq)²
"""

from __future__ import annotations

import sympy
from sympy import Expr

from ..index.symbols import IndexSum, dim
from .base import Op, alike, alike_to_scalar, own_axes


def _lower_cross_entropy(node, idx, ctx) -> Expr:
    """L = −Σ_p Σ_q t_pq log p_pq."""
    target, probs = node.args
    inner, limits = ctx.entries(target)
    body = ctx.lower(target, inner) * sympy.log(ctx.lower(probs, inner))
    return -(IndexSum(body, *limits) if limits else body)


def _lower_mse(node, idx, ctx) -> Expr:
    """mse(Y, T) = (1/mn) Σ_p Σ_q (y_pq − t_pq)²."""
    y, t = node.args
    inner, limits = ctx.entries(y)
    body = (ctx.lower(y, inner) - ctx.lower(t, inner)) ** 2
    count = sympy.Mul(*[dim(d) for d in ctx.shape(y)])
    return (IndexSum(body, *limits) if limits else body) / count


def _cross_entropy(t, p, axis=None):
    from ..arrays import np
    t, p = alike(t, p)
    return -np.sum(t * np.log(p), axis=own_axes(p))


def _mse(y, t, axis=None):
    from ..arrays import np
    y, t = alike(y, t)
    return np.mean((y - t) ** 2, axis=own_axes(y))


OPS = [
    Op("cross_entropy", "loss", "−Σ_p Σ_q t_pq log p_pq", arity=2,
       signature="cross_entropy(T, P)",
       shape=alike_to_scalar, lower=_lower_cross_entropy, forward=_cross_entropy,
       source="-np.sum({0} * np.log({1}))",
       text="cross_entropy", tex=r"\operatorname{CE}", note="log", positive=True,
       examples=("T: onehot(m, c)\nP = softmax(Z)\nL = cross_entropy(T, P)",
                 "T: prob_rows(m, c)\nL = cross_entropy(T, P)"),
       fuzz=(("", ("mn", "mn"), "cross_entropy(softmax({0}), softmax({1}))"),)),
    Op("mse", "loss", "the mean of (Y − T)²", arity=2, signature="mse(Y, T)",
       shape=alike_to_scalar,
       lower=_lower_mse, forward=_mse, source="np.mean(({0} - {1}) ** 2)", text="mse",
       tex=r"\operatorname{MSE}",
       examples=("L = mse(Y, T)", "y: (n,)\nt: (n,)\nL = mse(y, t)"),
       fuzz=(("", ("mn", "mn"), "mse({0}, {1})"), ("", ("n", "n"), "mse({0}, {1})"))),
]
