"""Row-wise functions, over the last axis: softmax and log-softmax.

    p_kl = softmax(z)_kl = exp(z_kl) / Σ_q exp(z_kq)        log_softmax(z)_kl = log p_kl

An entry of a softmax depends on its whole row, so it is a node of its own,
``softmax_entry(e, l, size)``: e is the entry at index l, which runs over ``size`` values.
Its derivative, its printing and its matrix form live here with it.
"""

from __future__ import annotations

import sympy
from sympy import Add, Expr, Function, Mul, S

from ..calculus.symbols import Apply, IndexSum, dim, fresh_index, substitute, unused_index
from ..errors import NoMatrixForm
from .base import Op, not_scalar


class softmax_entry(Function):  # noqa: N801 - printed and sorted by sympy under this name
    """softmax(e)_l = exp(e_l) / Σ_q exp(e_q): one entry of a softmax over the index ``l``,
    which runs over ``size`` values. Args: (e, l, size), with e the entry at index l."""

    nargs = 3
    is_real = True
    is_positive = True

    @property
    def entry(self) -> Expr:
        return self.args[0]

    @property
    def index(self) -> Expr:
        return self.args[1]

    @property
    def size(self) -> Expr:
        return self.args[2]

    def _matcalc_print(self, printer) -> str:
        """exp(z_kl)/Σ_q exp(z_kq), with q an index the entry does not use."""
        taken = {s.name for s in self.atoms(sympy.Symbol)} | \
            {n.lower() for n in printer.ctx.names}
        q = fresh_index(taken)
        top = printer.doprint(sympy.exp(self.entry))
        term = printer.doprint(sympy.exp(self.entry.xreplace({self.index: q})))
        return printer.divide(top, printer.sum_over([q], term))


def _differentiate(expr: softmax_entry, wrt: Expr, differentiate) -> Expr:
    """∂p_l/∂x = p_l (∂e_l/∂x − Σ_q p_q ∂e_q/∂x), for p = softmax(e) over l.

    With e = z_k· and x = z_ij this is δ_ki p_kl (δ_lj − p_kj), the form the seed shows.
    """
    e, l, size = expr.args
    d = differentiate(e, wrt)
    if d == 0:
        return S.Zero
    q = unused_index(expr, wrt, d)
    other = softmax_entry(substitute(e, l, q), q, size)
    inner = _pull_out_of_sum(IndexSum(other * substitute(d, l, q), (q, 0, size - 1)))
    return expr * _factor_common(d - inner)


def _pull_out_of_sum(expr: sympy.Sum) -> Expr:
    """Σ_q c f(q) = c Σ_q f(q) for factors c that do not depend on q."""
    bound = {limit[0] for limit in expr.limits}
    body = expr.function
    factors = body.args if isinstance(body, Mul) else (body,)
    outside = [f for f in factors if not (f.free_symbols & bound)]
    if not outside:
        return expr
    inside = [f for f in factors if f.free_symbols & bound]
    return Mul(*outside) * IndexSum(Mul(*inside), *expr.limits)


def _factor_common(expr: Expr) -> Expr:
    """a b + a c = a (b + c): pull factors common to every term of a sum out of it."""
    if not isinstance(expr, Add):
        return expr
    term_factors = [list(t.args) if isinstance(t, Mul) else [t] for t in expr.args]
    common = [f for f in term_factors[0] if not f.is_number
              and all(f in other for other in term_factors[1:])]
    if not common:
        return expr
    rest = []
    for factors in term_factors:
        remaining = list(factors)
        for f in common:
            remaining.remove(f)
        rest.append(Mul(*remaining))
    return Mul(*common) * Add(*rest)


def _matrix_form(expr: softmax_entry, inner: Expr, left, right) -> Expr:
    """The matrix whose (left, right) entry is the softmax entry: softmax(Z) when it runs
    along the row (its index is the column index); a 1-D vector's runs down its column."""
    if right is None and expr.index == left:
        return Apply("softmax_col", inner)
    if expr.index != right:
        raise NoMatrixForm("a softmax across the other axis has no matrix form here")
    return Apply("softmax", inner)


def _lower_softmax(node, idx, ctx) -> Expr:
    """p_kl = exp(z_kl) / Σ_q exp(z_kq): row-wise, over the last axis."""
    shape = ctx.shape(node.args[0])
    return softmax_entry(ctx.lower(node.args[0], idx), idx[-1], dim(shape[-1]))


def _lower_log_softmax(node, idx, ctx) -> Expr:
    """log p_kl = log(exp(z_kl) / Σ_q exp(z_kq))."""
    return sympy.log(_lower_softmax(node, idx, ctx))


def _log(x):
    import numpy as np
    return np.log(x)


def _softmax(x, axis=-1):
    import numpy as np
    shifted = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return shifted / np.sum(shifted, axis=axis, keepdims=True)


OPS = [
    Op("softmax", "rowwise", "exp(z_kl) / Σ_q exp(z_kq), over each row", shape=not_scalar,
       lower=_lower_softmax, function=softmax_entry, differentiate=_differentiate,
       numpy="(np.exp({0}) / np.exp({0}).sum(axis=-1, keepdims=True))",
       # the forward pass runs the overflow-safe exp(z − max z)/Σ exp(z − max z), the
       # same function as the printed textbook form
       forward=lambda x, axis=None: _softmax(x), text="softmax",
       tex=r"\operatorname{softmax}", transposes=False, matrix_form=_matrix_form,
       examples=("Y = softmax(A @ B)", "x: (n,)\ny = softmax(x)"),
       fuzz=(("mn", ("mn",), "softmax({0})"),)),
    Op("log_softmax", "rowwise", "log softmax(z), over each row", shape=not_scalar,
       lower=_lower_log_softmax, forward=lambda x, axis=None: _log(_softmax(x)),
       text="log_softmax", tex=r"\log\operatorname{softmax}", note="log", transposes=False,
       examples=("Y = log_softmax(A)",), fuzz=(("mn", ("mn",), "log_softmax({0})"),)),
    # the matrix form of a 1-D vector's softmax: down its only column
    Op("softmax_col", "internal", "softmax down a column", text="softmax",
       tex=r"\operatorname{softmax}", numpy="(np.exp({0}) / np.exp({0}).sum())",
       forward=lambda x, axis=None: _softmax(x, axis=-2), transposes=False),
]
