"""Row-wise functions, over the last axis: softmax and log-softmax.

    p_kl = softmax(z)_kl = exp(z_kl) / Σ_q exp(z_kq)        log_softmax(z)_kl = log p_kl

An entry of a softmax depends on its whole row, so it is a node of its own,
``softmax_entry(e, l, size)``: e is the entry at index l, which runs over ``size`` values.
Its derivative, its printing and its matrix form live here with it.
"""

from __future__ import annotations

import sympy
from sympy import Add, DiagonalOf, Expr, KroneckerDelta, Mul, S

from ..errors import NoMatrixForm
from ..index.symbols import (
    Apply,
    Element,
    Index,
    IndexSum,
    RowEntry,
    RowValue,
    dim,
    fresh_index,
    indices_of,
    row_index,
    substitute,
    unused_index,
)
from .base import Op, not_scalar


def printed_index(node: RowEntry, printer) -> Index:
    """The letter a row-wise node is printed with (Σ_q, max_q): one its row, its size and
    its position do not use, nor reads as an entry of a program name."""
    taken = {s.name for e in (node.entry, node.size, node.at) for s in e.atoms(sympy.Symbol)}
    taken |= {n.lower() for n in printer.ctx.names}
    # seed 001: Σ_p e^{a_kp} in the proof; Σ_k e^{a_ik} in a definition in the article's
    # letters (--definition-letters article sets the printer's row_letter while it prints one)
    letter = getattr(printer, "row_letter", None) or "p"
    return Index(letter) if letter not in taken else fresh_index(taken)


def along_row(weight: type[RowEntry], expr: RowEntry, wrt: Expr, differentiate) -> Expr:
    """∂g(e)/∂x = Σ_q w(e)_q ∂e_q/∂x for a function g of a whole row whose derivative by
    the row's entry q is the row-wise node w (log-sum-exp: the softmax; max: the arg-max)."""
    e, l, size, _ = expr.args
    d = differentiate(e, wrt)
    if d == 0:
        return S.Zero
    q = unused_index(e, wrt, d)
    return IndexSum(weight(e, l, size, q) * substitute(d, l, q), (q, 0, size - 1))


class softmax_entry(RowEntry):  # noqa: N801 - printed and sorted by sympy under this name
    """softmax(e)_at = exp(e_at) / Σ_q exp(e_q): one entry of a softmax whose running index
    ``l`` (bound here) goes over ``size`` values. Args: (e, l, size, at)."""

    is_positive = True

    @classmethod
    def eval(cls, e, l, size, at):  # noqa: A003 - sympy's hook
        """A row of one entry: its softmax is 1."""
        return S.One if size == 1 else None

    def _matcalc_print(self, printer) -> str:
        """exp(z_kl)/Σ_q exp(z_kq), with q an index the entry does not use."""
        shown = self.entry_at(self.at)
        q = printed_index(self, printer)
        top = printer.doprint(sympy.exp(shown))
        term = printer.doprint(sympy.exp(self.entry_at(q)))
        return printer.divide(top, printer.sum_over([q], term, [self.size]))


def _differentiate(expr: softmax_entry, wrt: Expr, differentiate) -> Expr:
    """∂p_at/∂x = p_at (∂e_at/∂x − Σ_q p_q ∂e_q/∂x), for p = softmax(e) along its row.

    With e = z_kℓ, at = l and x = z_ij this is δ_ki p_kl (δ_lj − p_kj), the form the seed
    shows."""
    e, l, size, at = expr.args
    d = differentiate(e, wrt)  # ∂e_ℓ/∂x, in the running index ℓ
    if d == 0:
        return S.Zero
    q = unused_index(expr.entry_at(at), at, wrt, d)
    other = softmax_entry(e, l, size, q)
    inner = _pull_out_of_sum(IndexSum(other * substitute(d, l, q), (q, 0, size - 1)))
    return expr * _factor_common(substitute(d, l, at) - inner)


def _known(expr: softmax_entry, wrt: Expr) -> Expr | None:
    """∂b_il/∂a_ij = b_ij (δ_jl − b_il) for B = softmax(A), as seed 001 eq. 27 writes it at
    once: the entry's row is the variable's own row (e_ℓ = a_iℓ for the entry a_ij, as the
    articles' order leaves it once only k = i remains). It is _differentiate's
    b_il (δ_lj − b_ij), with b_il δ_lj = b_ij δ_jl. None for any other row."""
    e, l, size, at = expr.args
    if not (isinstance(wrt, Element) and isinstance(e, Element) and e.matrix == wrt.matrix
            and e.order == wrt.order == 2 and e.row == wrt.row and e.col == l
            and isinstance(wrt.col, Index) and isinstance(at, Index) and at != wrt.col):
        return None
    return softmax_entry(e, l, size, wrt.col) * (KroneckerDelta(wrt.col, at) - expr)


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


def row_form(rows: str, column: str):
    """The matrix form of a row-wise entry f(e)_at, for an f applied to each row (``rows``)
    and to a 1-D vector down its column (``column``)."""

    def matrix_form(expr: RowEntry, rec, left, right) -> Expr:
        """The matrix whose (left, right) entry is the row-wise entry: f(Z) when its
        position runs along the row (it is the column index); a 1-D vector's runs down its
        column; at a diagonal, f(S)_pp, the vector diag(f(S))."""
        at = expr.at
        if at in indices_of(expr.entry):  # the row is s_pℓ at p: a diagonal
            if right is not None or at != left:
                raise NoMatrixForm(f"a {rows}'s diagonal has no matrix form here")
            other = rec.new_index(expr.size)
            return DiagonalOf(Apply(rows, rec.matrix_of(expr.entry_at(other), left, other)))
        inner = rec.matrix_of(expr.entry_at(at), left, right)
        if right is None and at == left:
            return Apply(column, inner)
        if at != right:
            raise NoMatrixForm(f"a {rows} across the other axis has no matrix form here")
        return Apply(rows, inner)
    return matrix_form


def row_value(name: str):
    """The matrix form of g(e) for a function g that reduces a whole row (its ``at`` is
    unused): the column g(M) (a ``RowValue``) of M's rows, M the matrix of e along the
    running index, broadcast to the (left × right) matrix asked for. max_q x_kq is the
    k-th entry of max(X) taken along the rows; max_p x_pl, down a column, of max(Xᵀ)."""

    def matrix_form(expr: RowEntry, rec, left, right) -> Expr:
        own = rec.indices(expr)
        if len(own) > 1 or (own and not own <= {left, right}):
            raise NoMatrixForm(f"a {name} over a row of two free indices has no matrix form")
        end = next(iter(own), None)
        q = rec.new_index(expr.size)
        column = RowValue(name, rec.matrix_of(expr.entry_at(q), end, q))
        if end is None and left is None and right is None:
            return column  # 1 × 1
        return rec.placed_column(column, end, left, right)
    return matrix_form


def row_entries(node: type[RowEntry]):
    """The element forms of f(M)_rc along M's rows and of a vector's f(v)_r down its
    column, for a row-wise node class: the ``entry`` hooks of its two operations."""

    def of_rows(m, row, col, supply, entry_of) -> Expr:
        return _entry(lambda at: entry_of(m.arg, row, at, supply), m.arg.shape[1], col, node)

    def of_column(m, row, col, supply, entry_of) -> Expr:
        return _entry(lambda at: entry_of(m.arg, at, col, supply), m.arg.shape[0], row, node)
    return of_rows, of_column


def _lower_softmax(node, idx, ctx) -> Expr:
    """p_kl = exp(z_kl) / Σ_q exp(z_kq): row-wise, over the last axis."""
    return _entry(lambda at: ctx.lower(node.args[0], (*idx[:-1], at)),
                  dim(ctx.shape(node.args[0])[-1]), idx[-1])


def _entry(lowered, size, at, node: type[RowEntry] = softmax_entry) -> RowEntry:
    """The row-wise entry at ``at`` (a softmax's, unless ``node`` says) of the row that
    ``lowered(ℓ)`` gives for a running ℓ."""
    placeholder = Index("ℓ?")
    e = lowered(placeholder)
    running = row_index(e, at)
    return node(e.xreplace({placeholder: running}), running, size, at)


def _lower_log_softmax(node, idx, ctx) -> Expr:
    """log p_kl = log(exp(z_kl) / Σ_q exp(z_kq))."""
    return sympy.log(_lower_softmax(node, idx, ctx))


# (softmax M)_rc = exp(m_rc) / Σ_q exp(m_rq); down a vector's column exp(v_r) / Σ_q exp(v_q)
_entry_of_rows, _entry_of_column = row_entries(softmax_entry)


def _log_softmax(x):
    """z − max z − log Σ exp(z − max z), along each row: finite for any logits."""
    from ..arrays import np
    shifted = x - np.max(x, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def _softmax(x, axis=-1):
    from ..arrays import np
    shifted = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return shifted / np.sum(shifted, axis=axis, keepdims=True)


def _along_last(check, node, shapes: list[tuple]) -> tuple:
    """A vector, matrix or stack in, the same shape out, normalised along the last axis
    (numpy users write axis=-1; another axis is refused rather than read as the last)."""
    shape = not_scalar(check, node, shapes)
    if node.axis is not None and node.axis not in (-1, len(shape) - 1):
        raise check.fail(f"{node.func}() runs along the last axis here (axis=-1); for "
                         f"axis={node.axis}, transpose the axes first")
    return shape


OPS = [
    Op("softmax", "rowwise", "exp(z_kl) / Σ_q exp(z_kq), over each row (the last axis)",
       sign="positive", shape=_along_last, keywords=("axis",),
       lower=_lower_softmax, function=softmax_entry, differentiate=_differentiate,
       known=_known,
       # overflow-safe: exp(z − max z) / Σ exp(z − max z); the forward pass runs this
       # same spelling
       numpy="(np.exp(⟨{0}⟩ - ⟨{0}⟩.max(axis=-1, keepdims=True)) / "
             "np.exp(⟨{0}⟩ - ⟨{0}⟩.max(axis=-1, keepdims=True)).sum(axis=-1, keepdims=True))",
       text="softmax", tex=r"\operatorname{softmax}", transposes=False,
       matrix_form=row_form("softmax", "softmax_col"),
       entry=_entry_of_rows,
       as_matrix=lambda args, shapes, shape: Apply(
           "softmax" if len(shape) == 2 else "softmax_col", args[0]),
       examples=("Y = softmax(A @ B)", "x: (n,)\ny = softmax(x)"),
       fuzz=(("mn", ("mn",), "softmax({0})"),)),
    Op("log_softmax", "rowwise", "log softmax(z), over each row (the last axis)",
       shape=_along_last, keywords=("axis",),
       lower=_lower_log_softmax, forward=lambda x, axis=None: _log_softmax(x),
       source="({0} - np.log(np.exp({0}).sum(axis=-1, keepdims=True)))",
       text="log_softmax", tex=r"\log\operatorname{softmax}", note="log", transposes=False,
       examples=("Y = log_softmax(A)",), fuzz=(("mn", ("mn",), "log_softmax({0})"),)),
    # the matrix form of a 1-D vector's softmax: down its only column
    Op("softmax_col", "internal", "softmax down a column", text="softmax",
       tex=r"\operatorname{softmax}",
       numpy="(np.exp(⟨{0}⟩ - ⟨{0}⟩.max()) / np.exp(⟨{0}⟩ - ⟨{0}⟩.max()).sum())",
       stack_numpy="(np.exp(⟨{0}⟩ - ⟨{0}⟩.max(axis=-2, keepdims=True)) / np.exp(⟨{0}⟩ - "
                   "⟨{0}⟩.max(axis=-2, keepdims=True)).sum(axis=-2, keepdims=True))",
       entry=_entry_of_column,
       forward=lambda x, axis=None: _softmax(x, axis=-2), transposes=False),
]
