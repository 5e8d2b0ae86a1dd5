"""numpy for any index form, by broadcasting: each index is an axis of an array, each
entry is its matrix turned and reshaped onto those axes, and a sum is .sum over its axis.

    Σ_q f(h + δ_iq p_q − p_i) g_qi   over axes (i, q):
        (np.f(h + np.eye(n).reshape(n, n) * p.reshape(1, n) - p.reshape(n, 1))
         * G.T.reshape(n, n)).sum(axis=1)

It is the last resort for a gradient with neither a matrix form nor an einsum (a factor
that is a function of entries); the code it writes is checked like any other.
"""

from __future__ import annotations

from sympy import Add, Expr, KroneckerDelta, Mul, Pow, Sum

from .. import ops
from ..index.symbols import Element, Index, RowEntry, fresh_index, indices_of
from ..ops.base import fill
from .einsum import NoEinsum, entry_axes

NoGrid = NoEinsum  # an index form this printer cannot spell


def grid_code(expr: Expr, axes: tuple[Index, ...], sizes: dict, printer) -> str:
    """Code for the array of ``expr`` over ``axes`` (of ranges ``sizes``), broadcast to
    their full shape."""
    full = ", ".join(printer.dim(sizes[a]) for a in axes)
    code = _grid(expr, list(axes), dict(sizes), printer)
    return f"({code}) + np.zeros(({full}{',' if len(axes) == 1 else ''}))" if axes else code


def _grid(expr: Expr, axes: list, sizes: dict, printer) -> str:
    if not indices_of(expr) and not expr.has(Sum):
        code, _ = printer._code(expr)
        return code
    if isinstance(expr, Element):
        return _entry(expr, axes, sizes, printer)
    if isinstance(expr, KroneckerDelta):
        a, b = expr.args
        if not (isinstance(a, Index) and isinstance(b, Index)):
            raise NoGrid("a δ with a fixed index")
        return _placed(f"np.eye({printer.dim(sizes[a])})", [a, b], axes, sizes, printer)
    if isinstance(expr, Sum):
        clash = [limit[0] for limit in expr.limits if limit[0] in axes]
        if clash:  # an inner sum that shadows an axis (Σ_q … inside a term over q): renamed
            taken = {str(a) for a in axes} | {s.name for s in expr.atoms(Index)}
            renames = {}
            for index in clash:
                renames[index] = fresh_index(taken, like=index.name)
                taken.add(renames[index].name)
            expr = expr.xreplace(renames)
        bound = [limit[0] for limit in expr.limits]
        inner_sizes = {**sizes, **{x: hi - lo + 1 for x, lo, hi in expr.limits}}
        inner = axes + bound
        full = ", ".join(printer.dim(inner_sizes[a]) for a in inner)
        body = _grid(expr.function, inner, inner_sizes, printer)
        summed = ", ".join(str(len(axes) + k) for k in range(len(bound)))
        return f"(({body}) + np.zeros(({full},))).sum(axis=({summed},))"
    if isinstance(expr, Add):
        return " + ".join(f"({_grid(a, axes, sizes, printer)})" for a in expr.args)
    if isinstance(expr, Mul):
        return " * ".join(f"({_grid(a, axes, sizes, printer)})" for a in expr.args)
    if isinstance(expr, Pow) and expr.exp.is_number:
        exponent = printer._code(expr.exp)[0]
        return f"({_grid(expr.base, axes, sizes, printer)}) ** ({exponent})"
    if isinstance(expr, RowEntry):
        raise NoGrid("a row-wise entry")
    op = ops.of_node(expr)
    if op is not None and op.numpy is not None and len(expr.args) == 1:
        return fill(op.numpy, f"({_grid(expr.args[0], axes, sizes, printer)})", atomic=True)
    raise NoGrid(f"no grid for {type(expr).__name__}")


def _entry(e: Element, axes: list, sizes: dict, printer) -> str:
    code, indices, _ = entry_axes(e, printer)  # a dropped size-1 axis reshapes away
    if len(indices) == 2 and indices[0] == indices[1]:  # m_pp: the diagonal
        return _placed(f"np.diag({code})", indices[:1], axes, sizes, printer)
    return _placed(code, indices, axes, sizes, printer)


def _placed(code: str, own: list, axes: list, sizes: dict, printer) -> str:
    """An array whose axes are ``own`` (in that order), turned and reshaped onto ``axes``."""
    if any(index not in axes for index in own):
        raise NoGrid("an index that is neither summed nor free")
    if len(set(own)) != len(own):
        raise NoGrid("an entry read at one index twice")
    order = sorted(range(len(own)), key=lambda k: axes.index(own[k]))
    if len(own) == 2 and order == [1, 0]:
        code = f"{code}.T"
    elif order != sorted(order):  # a stack's axes into the grid's order
        code = f"{code}.transpose({', '.join(map(str, order))})"
    shape = ", ".join(printer.dim(sizes[a]) if a in own else "1" for a in axes)
    return f"{code}.reshape({shape}{',' if len(axes) == 1 else ''})"


__all__ = ["NoGrid", "grid_code"]
