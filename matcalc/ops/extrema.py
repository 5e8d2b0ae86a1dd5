"""The largest entry: max(X[, axis, keepdims]), CS231n's max gate over a row.

    max(X, axis=1)_k = max_q x_kq        ∂ max_q x_kq / ∂x_kl = [x_kl = max_q x_kq]

The gradient routes to the arg-max. Where k entries tie for the maximum the max has no
derivative; matcalc gives each of them 1/k (a subgradient: the shares sum to 1), and the
checker draws inputs away from ties. A row's maximum is a node, ``largest_row(e, l, size,
0)``; the arg-max indicator is another, ``argmax_entry(e, l, size, at)``, whose matrix
form is argmax(X) (row by row, as softmax(X) is).

The maximum of a whole matrix is the largest row maximum, ``largest_entry`` (a max of
``largest_row`` nodes), but its derivative is not the chain rule through the row maxima,
which would share per level (1/2 · 1/2 for two ties in one row and one in another). The
k tied entries of the whole matrix share alike, with the count written out:

    ∂ max_p max_q x_pq / ∂x_ij = [x_ij = M] / Σ_p Σ_q [x_pq = M]      (M = max_p max_q x_pq)

where ``tied(a, b)`` = [a = b] is Iverson's bracket, 1 or 0; its matrix form [X = max X]
is ``ismax(X)``.
"""

from __future__ import annotations

import dataclasses

import sympy
from sympy import Expr, S

from ..index.symbols import (
    Apply,
    IndexSum,
    RowEntry,
    UnusedSupply,
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


class largest_entry(largest_row):  # noqa: N801
    """max_ℓ e_ℓ where e_ℓ is itself a row's maximum, max_q x_ℓq: the largest entry of a
    whole matrix. Valued and printed as ``largest_row``; differentiated over the entries
    at once (``_differentiate_entries``). Args: (e, l, size, at)."""


class tied(sympy.Function):  # noqa: N801
    """[a = M], Iverson's bracket: 1 where a equals M, else 0 (a count, no share). Built
    only by ``_differentiate_entries``, where M is the maximum of the entries a runs over
    (or the name the proof reads it back as), so that its matrix form is [A = max A]."""

    nargs = 2
    is_real = True
    is_nonnegative = True

    def _matcalc_print(self, printer) -> str:
        a, b = (printer.doprint(x) for x in self.args)
        return printer.bracket(f"{a} = {b}")


def _differentiate_largest(expr: largest_row, wrt: Expr, differentiate) -> Expr:
    """∂ max_ℓ e_ℓ / ∂x = Σ_q [e_q = max_ℓ e_ℓ] ∂e_q/∂x: the gradient goes to the arg-max."""
    return along_row(argmax_entry, expr, wrt, differentiate)


def _differentiate_entries(expr: largest_entry, wrt: Expr, differentiate) -> Expr:
    """∂M/∂x = Σ_r Σ_s [x_rs = M] / (Σ_p Σ_q [x_pq = M]) · ∂x_rs/∂x for M = max_p max_q x_pq:
    each of the K entries tied at the maximum gets 1/K (a subgradient; the chain rule
    through the row maxima would give 1/(k_row · k_rows) instead)."""
    row, l, rows, _ = expr.args
    supply = UnusedSupply(expr, wrt)
    r, s, p, q = (supply.fresh() for _ in range(4))

    def entry(a, b):  # x_ab: the inner row's entry b of the outer row a
        return substitute(substitute(row.entry, row.index, b), l, a)
    d = differentiate(entry(r, s), wrt)
    if d == 0:
        return S.Zero
    cols = row.size
    count = IndexSum(tied(entry(p, q), expr), (p, 0, rows - 1), (q, 0, cols - 1))
    return IndexSum(tied(entry(r, s), expr) / count * d, (r, 0, rows - 1), (s, 0, cols - 1))


def _tied_form(expr: tied, rec, left, right) -> Expr:
    """[a_ij = M] for M the maximum of the whole matrix A of a: ismax(A) = [A = max A]."""
    return Apply("ismax", rec.matrix_of(expr.args[0], left, right))


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
    return largest_entry(substitute(inner, p, running), running, rows + 1, S.Zero)


def _row(entry, size) -> Expr:
    return _entry(entry, size, S.Zero, largest_row)


def _shares(x, axis=-1):
    """[x = max x] / (number of maxima), along an axis."""
    from ..arrays import np
    top = x == np.max(x, axis=axis, keepdims=True)
    return top / np.sum(top, axis=axis, keepdims=True)


def _ismax(x, axis=None):
    """[x = max x] over each matrix (the last two axes), 1 or 0."""
    from ..arrays import np
    return np.equal(x, np.max(x, axis=(-2, -1), keepdims=True)).astype(float)


def _equal(a, b):
    from ..arrays import np
    return np.equal(a, b).astype(float)


def _max(x, axis=None, keepdims=False):
    from ..arrays import np
    return np.max(x, axis=value_axis(axis, x), keepdims=keepdims)


def _tied(args, value) -> bool:
    """The two largest entries of a row, a column or the whole value (axis 0 is the
    batch) within TIE_MARGIN of each other: near a tie, where max has no derivative."""
    from ..arrays import np
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
_DOWN = "np.equal({0}, ⟨{0}⟩.max(axis=-2, keepdims=True))"  # down each column of a stack
_argmax_rows, _argmax_column = row_entries(argmax_entry)
_largest_rows, _ = row_entries(largest_row)

_LARGEST = Op(
    "largest_row", "internal", "max along each row (a column)", function=largest_row,
    differentiate=_differentiate_largest, matrix_form=row_value("largest_row"),
    transposes=False, numpy="⟨{0}⟩.max(axis=-1, keepdims=True)",
    entry=_largest_rows, text="rowmax", tex=r"\operatorname{rowmax}",
    forward=lambda x, axis=None: _max(x, axis=-1, keepdims=True))

OPS = [
    Op("max", "reduction", "the largest entry; its gradient goes to the arg-max",
       signature="max(X[, axis, keepdims])", keywords=_KEYWORDS, shape=_shape,
       lower=_lower_max, forward=_max, source="np.max({0}{axis})", text="max",
       tex=r"\max", note="max", kink=_tied,
       examples=("v = max(A, axis=1)", "x: (n,)\ns = max(x)",
                 "Z = A - max(A, axis=1, keepdims=True)"),
       fuzz=(("m", ("mn",), "max({0}, axis=1)"),)),
    # the nodes lowering and differentiation produce
    _LARGEST,
    dataclasses.replace(_LARGEST, name="largest_entry", summary="the largest row maximum",
                        function=largest_entry, differentiate=_differentiate_entries,
                        entry=None),
    Op("tied", "internal", "[a = b]: 1 where a equals b, else 0", arity=2, function=tied,
       differentiate=lambda expr, wrt, d: S.Zero, matrix_form=_tied_form,
       forward=lambda a, b, axis=None: _equal(a, b)),
    Op("ismax", "internal", "[X = max X] over the whole matrix, 1 or 0",
       numpy="np.equal({0}, ⟨{0}⟩.max())", forward=_ismax,
       text_format="[{0} = max {0}]", tex_format=r"\left[{0} = \max {0}\right]"),
    Op("argmax", "internal", "[x = max x] along each row, shared among ties",
       function=argmax_entry, differentiate=lambda expr, wrt, d: S.Zero,
       numpy=f"({_SHARES} / {_SHARES}.sum(axis=-1, keepdims=True))",
       forward=lambda x, axis=None: _shares(x), text="argmax", tex=r"\operatorname{argmax}",
       transposes=False, matrix_form=row_form("argmax", "argmax_col"), entry=_argmax_rows),
    Op("argmax_col", "internal", "[x = max x] down a column", text="argmax",
       tex=r"\operatorname{argmax}", numpy=f"({_COLUMN} / {_COLUMN}.sum())",
       stack_numpy=f"({_DOWN} / {_DOWN}.sum(axis=-2, keepdims=True))",
       forward=lambda x, axis=None: _shares(x, axis=-2), entry=_argmax_column,
       transposes=False),
]
