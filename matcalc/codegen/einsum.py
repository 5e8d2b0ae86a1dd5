"""numpy for a gradient that has no matrix form: ``np.einsum`` read off its index form.

    ∂L/∂w_ijk = Σ_l a_il b_jl c_kl     →   np.einsum("il,jl,kl->ijk", A, B, C)

Each term of the collapsed index form is a coefficient times entries of matrices (and
Kronecker deltas, np.eye), summed over some indices: exactly what einsum computes. A free
index that no factor carries broadcasts (np.ones). A factor that is not an entry (σ(z_ij),
a sum of entries) has no einsum spelling here: the caller then has no numpy code.
"""

from __future__ import annotations

import string

from sympy import Expr, Integer, KroneckerDelta

from ..calculus.collapse import expand
from ..index.symbols import Element, Index, TensorSymbol, affine


class NoEinsum(Exception):
    """An index form (or one of its factors) that this numpy printer cannot spell."""


def einsum_code(index_form: Expr, free: tuple[Index, ...], sizes: dict, printer) -> str:
    """The index form as numpy: a sum of coeff * np.einsum(...) over its terms, with the
    free indices ``free`` (of ranges ``sizes``) as the result's axes (``printer`` is the
    NumpyPrinter)."""
    letters = iter(string.ascii_letters)
    names: dict[Index, str] = {index: next(letters) for index in free}
    parts = []
    for term in expand(index_form):
        ranges = {**sizes, **{limit[0]: limit[2] - limit[1] + 1 for limit in term.sums}}
        operands, subscripts = [], []
        for factor in term.factors:
            code, indices = _operand(factor, printer, ranges)
            for index in indices:
                if index not in names:
                    names[index] = next(letters)
            operands.append(code)
            subscripts.append("".join(names[index] for index in indices))
        carried = {index for factor in term.factors for index in _indices(factor)}
        for index in free:  # a free index no factor carries: the result is constant along it
            if index not in carried:
                operands.append(f"np.ones({printer.dim(ranges[index])})")
                subscripts.append(names[index])
        if not operands:
            raise NoEinsum("a term without entries")
        spec = ",".join(subscripts) + "->" + "".join(names[index] for index in free)
        product = f'np.einsum("{spec}", {", ".join(operands)})'
        # a sum over an index no factor carries adds its one value that many times:
        # Σ_r a_il u_pjl = b · Σ a_il u_pjl (einsum would drop the r)
        scale = term.coeff
        for index, low, high in term.sums:
            if index not in carried:
                scale = scale * (high - low + 1)
        coeff, prec = printer._code(scale) if scale != 1 else ("", 4)
        parts.append(product if not coeff else
                     f"{coeff if prec >= 2 else '(' + coeff + ')'} * {product}")
    if not parts:
        raise NoEinsum("no terms")
    return " + ".join(parts)


def _indices(factor: Expr) -> list[Index]:
    if isinstance(factor, Element):
        return [i for i in factor.indices if isinstance(i, Index)]
    if isinstance(factor, KroneckerDelta):
        return delta_indices(factor)
    return []


def delta_indices(delta: KroneckerDelta) -> list[Index]:
    """The indices a δ reads, in order: δ_{j,2l+2q} reads j, l, q."""
    return list(dict.fromkeys(i for arg in delta.args for i in _affine(arg)[1]))


def delta_operand(delta: KroneckerDelta, printer, ranges: dict) -> tuple[str, list[Index]]:
    """(numpy code, its axes' indices) for a δ: np.eye(n) for δ_ij; for a δ of shifted
    indices (a convolution at stride and dilation both 2: δ_{j,2l+2q}) its 0/1 array over
    the indices it reads, one np.arange per index on an axis of its own:

        (np.arange(n)[:, None, None] == 2 * np.arange(m)[:, None] + 2 * np.arange(r))"""
    a, b = delta.args
    if isinstance(a, Index) and isinstance(b, Index) and a in ranges:
        return f"np.eye({printer.dim(ranges[a])})", [a, b]
    indices = delta_indices(delta)
    if not indices or any(i not in ranges for i in indices):
        raise NoEinsum("a δ with a fixed index")

    def side(arg: Expr) -> str:
        const, coeffs = _affine(arg)
        terms = []
        for index, c in coeffs.items():
            k = indices.index(index)
            axis = f"np.arange({printer.dim(ranges[index])})" + \
                (f"[:{', None' * (len(indices) - 1 - k)}]" if k < len(indices) - 1 else "")
            terms.append(axis if c == 1 else f"{c} * {axis}")
        if const or not terms:
            terms.append(str(const))
        return " + ".join(terms).replace("+ -", "- ")
    return f"({side(a)} == {side(b)})", indices


def _affine(arg: Expr) -> tuple[int, dict]:
    """An index expression c + Σ s_v v (integer c and s_v) as (c, {v: s_v})."""
    parts = affine(arg)
    if parts is None or not parts[0].is_Integer:
        raise NoEinsum("an index that is not a sum of multiples of indices")
    return int(parts[0]), parts[1]


def _operand(factor: Expr, printer, ranges: dict) -> tuple[str, list[Index]]:
    """(numpy code, its axes' indices) for an entry or a δ."""
    if isinstance(factor, KroneckerDelta):
        return delta_operand(factor, printer, ranges)
    if not isinstance(factor, Element):
        raise NoEinsum(f"no einsum for {type(factor).__name__}")
    code, indices, rank = entry_axes(factor, printer)
    if len(indices) != rank:  # an axis of size 1 at index 0: einsum needs its subscript
        raise NoEinsum("an axis of size 1 at index 0")
    return code, indices


def entry_axes(e: Element, printer) -> tuple[str, list[Index], int]:
    """(numpy code of e's matrix, the indices along its array's axes, the array's ndim)
    for an entry m_rc; an axis of size 1 read at 0 has no index. A 1-D array's one axis is
    the dimension that is not 1."""
    matrix = e.matrix
    code, prec = printer._code(matrix)
    code = code if prec >= 4 else f"({code})"
    if isinstance(matrix, TensorSymbol):  # t_{b,i,j}: one index per axis
        if not all(isinstance(i, Index) for i in e.indices):
            raise NoEinsum("an entry at a fixed index")
        return code, list(e.indices), matrix.order
    rows, cols = matrix.shape
    rank = printer.rank(matrix)
    axes = [(e.row, rows), (e.col, cols)]
    if rank == 1:
        axes = [axis for axis in axes if axis[1] != 1] or axes[:1]
    elif rank == 0:
        raise NoEinsum("a scalar entry")
    indices = []
    for index, size in axes:
        if isinstance(index, Index):
            indices.append(index)
        elif not (index == Integer(0) and size == 1):
            raise NoEinsum("an entry at a fixed index")
    return code, indices, rank


__all__ = ["NoEinsum", "delta_operand", "einsum_code", "entry_axes"]
