"""numpy for the results: a gradient's matrix form as an expression of the program's
names (``numpy_code``), its index form as np.einsum or broadcasting where it has no matrix
form, the backward pass as statements (``backward_code``: dZ2 = …, then dW2 = H1.T @ dZ2,
each named gradient once; staged as CS231n writes it), and a Jacobian's or Hessian's
matrix form (``derivative_numpy``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..index.symbols import UPSTREAMS, ScalarGrad, free_symbols
from .numpy_code import NoNumpyForm, NumpyPrinter, fit_shape

if TYPE_CHECKING:
    from sympy import Expr

    from ..results import Derivation, Derivative, Gradient


def numpy_printer(d: Derivation) -> NumpyPrinter:
    ranks = {name: len(shape) for name, shape in d.shapes.names.items()}
    dims: dict[str, str] = {}
    for name, shape in d.shapes.names.items():
        for axis, size in enumerate(shape):
            if isinstance(size, str) and size not in dims:
                dims[size] = f"{name}.shape[{axis}]"
    order = {n: k for k, n in enumerate(d.shapes.names)}  # the program's names, in order
    printer = NumpyPrinter(ranks, dims, d.output, order, d.names.written)
    printer.shapes = {name: tuple(map(str, shape)) for name, shape in d.shapes.names.items()}
    printer.inputs = frozenset(d.program.inputs())
    return printer


def numpy_code(d: Derivation, grad: Gradient, named: bool = False) -> str | None:
    """numpy code for the gradient: one expression in the program's names (for a graph,
    the backward pass with each named gradient bound once, ``(dZ := …)``), or in terms of
    the named gradients dZ of what it feeds (``named``)."""
    if not named and d.is_graph:
        bound = _bound_once(d, grad.wrt, needed=grad.inlined is None)
        if bound is not None:
            return bound
    result = grad.result if named else grad.inlined
    printer = numpy_printer(d)
    if result is None:
        return _index_numpy(d, grad, printer, named)
    try:
        code, prec = printer._code(result)
    except NoNumpyForm:  # the index form may still be written with einsum
        return _index_numpy(d, grad, printer, named) if grad.no_matrix_form else None
    return fit_shape(code, prec, printer.rank(result), grad.shape, printer.dims,
                     matrix_form=True)


def _index_numpy(d: Derivation, grad: Gradient, printer, named: bool) -> str | None:
    """numpy for a gradient with no matrix form, read off its index form (np.einsum, else
    broadcasting over its indices); inlined code may read only the program's names and
    the output's upstream gradient."""
    from ..index.symbols import axis_labels, dim
    from .einsum import NoEinsum, einsum_code
    from .windows import shifted, windows_code
    if grad.no_matrix_form is None or grad.index_form is None:
        return None
    upstreams = {s.name if isinstance(s, UPSTREAMS) else s.of
                 for s in free_symbols(grad.index_form)
                 if isinstance(s, (*UPSTREAMS, ScalarGrad))}
    if not named and upstreams - set(d.upstreams):
        return None
    labels = axis_labels(grad.axes, len(grad.shape))
    free = tuple(i for i, n in zip(labels, grad.shape) if n != 1)
    sizes = {i: dim(n) for i, n in zip(labels, grad.shape)}
    try:
        if shifted(grad.index_form):  # a convolution's: sliding windows
            code = windows_code(grad.index_form, free, sizes, printer)
        else:
            code = einsum_code(grad.index_form, free, sizes, printer)
    except NoEinsum:
        from .grid import NoGrid, grid_code
        try:
            code = grid_code(grad.index_form, free, sizes, printer)
        except NoGrid:
            return None
    rank = len(free)
    return fit_shape(code, 1, rank, grad.shape, printer.dims)


STRING = r'("[^"]*")'  # a string literal (einsum's subscripts): no names inside
GRADIENT = r"(?<![\w.])d([A-Za-z_]\w*)"  # dZ, not x.dZ


def _bound_once(d: Derivation, wrt: str, needed: bool = False) -> str | None:
    """The backward pass as one expression, for a graph whose gradients share
    subexpressions: dW's statement with each named gradient it reads written in place —
    at its first use as ``(dZ := its statement)`` and as dZ after that, if it is read more
    than once. Python evaluates left to right, so the first use is the first evaluation,
    and the size grows with the program instead of exponentially with its depth. None when
    nothing is read twice (the substituted matrix form reads better then), unless there is
    no substituted matrix form (``needed``)."""
    code = backward_code(d)
    if code is None or wrt not in dict(code):
        return None
    lines = {name: line for name, line in code if name not in d.upstreams}
    uses: dict[str, int] = {}

    def names_in(text: str) -> list[str]:
        parts = re.split(STRING, text)
        return [m for n in range(0, len(parts), 2) for m in re.findall(GRADIENT, parts[n])
                if m in lines and m != wrt]

    todo = [wrt]
    while todo:  # every statement once: count the uses of each named gradient
        for name in names_in(lines[todo.pop()]):
            uses[name] = uses.get(name, 0) + 1
            if uses[name] == 1:
                todo.append(name)
    if max(uses.values(), default=0) < 2 and not needed:
        return None
    bound: set[str] = set()

    def expand(text: str) -> str:
        parts = re.split(STRING, text)
        for n in range(0, len(parts), 2):
            parts[n] = re.sub(GRADIENT, put, parts[n])
        return "".join(parts)

    def put(match: re.Match) -> str:
        name = match.group(1)
        if name not in lines or name == wrt:
            return match.group(0)
        if name in bound:
            return f"d{name}"
        inner = expand(lines[name])
        if uses[name] < 2:
            return f"({inner})"
        bound.add(name)
        return f"(d{name} := {inner})"

    return expand(lines[wrt])


def backward_code(d: Derivation) -> list[tuple[str, str]] | None:
    """The backward pass as numpy statements, in the order they run: (X, code of dX) for
    each named gradient that a requested one needs, e.g. dZ2 = dH2 * H2 * (1 - H2), then
    dW2 = H1.T @ dZ2.
    Each line is as long as its own matrix form, so the whole pass grows linearly with the
    program (the inlined forms grow with its square). None if a needed gradient has no
    matrix form or a name d<X> is taken by the program. Kept with the derivation, for as
    long as its gradients stay as they are (each gradient's numpy reads it)."""
    # keyed by the identity of what it reads (comparing them by value costs a walk of
    # every expression at every call); the entry keeps them alive, so no id is reused
    forms = tuple((name, g.result, g.index_form) for name, g in d.all_gradients.items())
    key = (tuple(d.gradients), tuple(id(x) for form in forms for x in form[1:]))
    kept = d.__dict__.setdefault("_backward_code", {})
    if key not in kept:
        kept.clear()
        kept[key] = (forms, _backward_code(d))
    return kept[key][1]


def backward_lines(d: Derivation) -> list[tuple[str, str, str]] | None:
    """The numpy backward pass as it is shown, (name, op, code) a line, op "=" or "+=":
    the named gradients' (``backward_code``, for a program of several statements), or
    with ``d.backward`` "staged" CS231n's staged pass (``staged.staged_code``)."""
    if d.backward == "staged":
        from .staged import staged_code
        return staged_code(d, numpy_printer(d), numpy_code)
    code = backward_code(d) if d.is_graph else None
    return None if code is None else [(name, "=", line) for name, line in code]


def _backward_code(d: Derivation) -> list[tuple[str, str]] | None:
    needed, todo = set(), list(d.gradients)
    while todo:
        name = todo.pop()
        if name in needed:
            continue
        needed.add(name)
        grad = d.all_gradients.get(name)
        if grad is None or (grad.result is None and numpy_code(d, grad, named=True) is None):
            return None
        form = grad.result if grad.result is not None else grad.index_form
        named = (s.name if isinstance(s, UPSTREAMS) else s.of
                 for s in free_symbols(form) if isinstance(s, (*UPSTREAMS, ScalarGrad)))
        todo += [target for target in named if target not in d.upstreams]
    lines = [(name, numpy_code(d, grad, named=True))
             for name, grad in d.all_gradients.items() if name in needed]
    if any(f"d{name}" in d.shapes.names or line is None for name, line in lines):
        return None  # a name dZ is the program's own, or a gradient has no numpy
    return lines


def derivative_numpy(d: Derivative, matrix: Expr | None = None) -> str | None:
    """numpy code of a Jacobian's or Hessian's matrix form, or of ``matrix`` (its vech
    form) (a 1-D array for a vector: numpy has no rows and columns; None when there is no
    matrix form)."""
    matrix = d.result if matrix is None else matrix
    if matrix is None:
        return None
    try:
        code, _ = numpy_printer(d)._code(matrix)
    except NoNumpyForm:
        return None
    return code
