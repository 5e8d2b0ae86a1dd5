"""The largest entry: max(X[, axis, keepdims]), CS231n's max gate over a row.

    max(X, axis=1)_k = max_q x_kq        ∂ max_q x_kq / ∂x_kl = [x_kl = max_q x_kq]

The gradient routes to the arg-max. Where k entries tie for the maximum the max has no
derivative; matcalc gives each of them 1/k (a subgradient: the shares sum to 1), and the
checker draws inputs away from ties. A row's maximum is a node, ``largest_row(e, l, size,
0)``; the arg-max indicator is another, ``argmax_entry(e, l, size, at)``, whose matrix
form is argmax(X) (row by row, as softmax(X) is).
"""

from __future__ import annotations

from sympy import Expr, S

from ..calculus.symbols import (
    RowEntry,
    row_index,
    substitute,
)
from .base import Op, value_axis
from .reductions import _KEYWORDS, _reduced, _shape
from .rowwise import _entry, along_row, printed_index, row_entries, row_form, row_value

TIE_MARGIN = 1e-4


class largest_row(RowEntry):  # noqa: N801 - printed and sorted by sympy under this name
    """max_ℓ e_ℓ over a row: ``l`` (bound here) runs over ``size`` values; ``at`` is
    unused (0). Args: (e, l, size, at)."""

    reduces = True

    @classmethod
    def eval(cls, e, l, size, at):  # noqa: A003 - sympy's hook
        return substitute(e, l, S.Zero) if size == 1 else None

    def _matcalc_print(self, printer) -> str:
        q = printed_index(self, printer)
        return printer.max_over(q, printer.doprint(self.entry_at(q)))


class argmax_entry(RowEntry):  # noqa: N801
    """[e_at = max_ℓ e_ℓ], shared among ties: 1 at the row's unique maximum, 1/k at each
    of k tied maxima, 0 elsewhere. Args: (e, l, size, at)."""

    is_nonnegative = True

    @classmethod
    def eval(cls, e, l, size, at):  # noqa: A003 - sympy's hook
        return S.One if size == 1 else None

    def _matcalc_print(self, printer) -> str:
        q = printed_index(self, printer)
        return printer.bracket(printer.doprint(self.entry_at(self.at)) + " = " +
                               printer.max_over(q, printer.doprint(self.entry_at(q))))


def _differentiate_largest(expr: largest_row, wrt: Expr, differentiate) -> Expr:
    """∂ max_ℓ e_ℓ / ∂x = Σ_q [e_q = max_ℓ e_ℓ] ∂e_q/∂x: the gradient goes to the arg-max."""
    return along_row(argmax_entry, expr, wrt, differentiate)


def _lower_max(node, idx, ctx) -> Expr:
    """max(X, 1)_k = max_q x_kq; over a vector max_q x_q; over a matrix max_p max_q x_pq."""
    entry, limits = _reduced(node, idx, ctx)
    if not limits:  # one entry (a scalar, or unit axes): its own maximum
        return entry()
    if len(limits) == 1:
        (_, _, hi), = limits
        return _row(entry, hi + 1)
    (p, _, rows), (_, _, cols) = limits
    inner = _row(lambda q: entry(p, q), cols + 1)      # max_q x_pq, then over p
    running = row_index(inner)
    return largest_row(substitute(inner, p, running), running, rows + 1, S.Zero)


def _row(entry, size) -> Expr:
    return _entry(entry, size, S.Zero, largest_row)


def _shares(x, axis=-1):
    """[x = max x] / (number of maxima), along an axis."""
    import numpy as np
    top = x == np.max(x, axis=axis, keepdims=True)
    return top / np.sum(top, axis=axis, keepdims=True)


def _max(x, axis=None, keepdims=False):
    import numpy as np
    return np.max(x, axis=value_axis(axis, x), keepdims=keepdims)


def _tied(args, value) -> bool:
    """The two largest entries of a row, a column or the whole value (axis 0 is the
    batch) within TIE_MARGIN of each other: near a tie, where max has no derivative."""
    import numpy as np
    x = args[0]
    views = [x.reshape(x.shape[0], -1)] + [np.moveaxis(x, a, -1) for a in range(1, x.ndim)]
    for view in views:
        if view.shape[-1] > 1:
            top = np.sort(view, axis=-1)
            if np.any(top[..., -1] - top[..., -2] < TIE_MARGIN):
                return True
    return False


_SHARES = "np.equal({0}, ⟨{0}⟩.max(axis=-1, keepdims=True))"
_COLUMN = "np.equal({0}, ⟨{0}⟩.max())"
_argmax_rows, _argmax_column = row_entries(argmax_entry)
_largest_rows, _ = row_entries(largest_row)

OPS = [
    Op("max", "reduction", "the largest entry; its gradient goes to the arg-max",
       signature="max(X[, axis, keepdims])", keywords=_KEYWORDS, shape=_shape,
       lower=_lower_max, forward=_max, source="np.max({0}{axis})", text="max",
       tex=r"\max", note="max", kink=_tied,
       examples=("v = max(A, axis=1)", "x: (n,)\ns = max(x)",
                 "Z = A - max(A, axis=1, keepdims=True)"),
       fuzz=(("m", ("mn",), "max({0}, axis=1)"),)),
    # the nodes lowering and differentiation produce
    Op("largest_row", "internal", "max along each row (a column)", function=largest_row,
       differentiate=_differentiate_largest, matrix_form=row_value("largest_row"),
       transposes=False, numpy="⟨{0}⟩.max(axis=-1, keepdims=True)",
       entry=_largest_rows, text="rowmax", tex=r"\operatorname{rowmax}",
       forward=lambda x, axis=None: _max(x, axis=-1, keepdims=True)),
    Op("argmax", "internal", "[x = max x] along each row, shared among ties",
       function=argmax_entry, differentiate=lambda expr, wrt, d: S.Zero,
       numpy=f"({_SHARES} / {_SHARES}.sum(axis=-1, keepdims=True))",
       forward=lambda x, axis=None: _shares(x), text="argmax", tex=r"\operatorname{argmax}",
       transposes=False, matrix_form=row_form("argmax", "argmax_col"), entry=_argmax_rows),
    Op("argmax_col", "internal", "[x = max x] down a column", text="argmax",
       tex=r"\operatorname{argmax}", numpy=f"({_COLUMN} / {_COLUMN}.sum())",
       forward=lambda x, axis=None: _shares(x, axis=-2), entry=_argmax_column,
       transposes=False),
]
