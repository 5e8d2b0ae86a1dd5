"""Maps that a program declares: ``g: (n,) -> (m,)`` between vectors (seed 002's y(x)),
and ``f: S -> ()`` to a scalar from a scalar, a vector or a matrix (seed 004's f(x), f(X)).

    y = g(x)        y_k = g_k(x)            (x: (n,), y: (m,))
    ∂y_k/∂x_i       the entry (k, i) of the Jacobian ∂y/∂x, a symbol of its own (m × n)

so the chain rule gives ∂L/∂x_i = Σ_k ∂L/∂y_k ∂y_k/∂x_i, that is ∂L/∂x = (∂y/∂x)ᵀ ∂L/∂y,
with ∂y/∂x left a symbol (seed 002: ∇ₓz = (∂y/∂x)ᵀ ∇_y z for any vector function y(x)).

An entry g_k(x) depends on the whole vector x, so it is a row-wise node (``RowEntry``):
its running index goes over x, its position k over y. The checker needs numbers, so a map
runs as two unrelated smooth stand-ins, as a declared elementwise function does
(``elementwise.STAND_INS``, chosen by the same ``STAND_IN``): tanh(A x) and
sin(B x) + 0.1 (B x)³, A and B fixed random m × n matrices (one per size); the Jacobian
symbol is evaluated as the running stand-in's own Jacobian at the instance's x. A formula
must hold for both. There is no numpy for code: g is the reader's own.

A map to a scalar, y = f(x), is a function of the whole of x (``MapValue``):

    ∂y/∂x_ij        the entry (i, j) of ∂y/∂x, a symbol of x's shape (``Gradient``: the
                    gradient of seed 004, its 勾配行列 for a matrix x)
    dy/dx           for a scalar x, a scalar symbol (``MapDerivative``: seed 002's dy/dx)

so ∂L/∂x_ij = ∂L/∂y ∂y/∂x_ij and ∂L/∂x = ∂L/∂y ∂y/∂x. Its stand-ins are the same two
maps with one output, on the entries of x in row-major order: tanh(a · x) and
sin(b · x) + 0.1 (b · x)³.
"""

from __future__ import annotations

from contextvars import ContextVar

from sympy import Basic, Function, MatrixSymbol, S, Symbol
from sympy.core.symbol import Str

from ..errors import UnsupportedError
from ..index.symbols import (
    Element,
    Index,
    IndexSum,
    RowEntry,
    _size,
    dim,
    row_index,
    substitute,
    unused_index,
)
from .base import Op
from .elementwise import STAND_IN

# the dimensions of the instance that runs now (a map's output length m, when m is a name)
DIMS: ContextVar[dict | None] = ContextVar("map_dims", default=None)


def _weights(which: int, m: int, n: int, name: str = ""):
    """The fixed random m × n matrix of stand-in ``which`` (A, or B), one per size and per
    map: two maps of one program are two different functions (∂y/∂x for ∂z/∂x fails)."""
    import zlib

    from ..arrays import np
    rng = np.random.default_rng([20261207, which, m, n, zlib.crc32(name.encode())])
    return rng.normal(size=(m, n)) / np.sqrt(n)


def stand_in_value(x, m: int, which: int | None = None, name: str = ""):
    """g(x) along the last axis of x (any leading axes), for the running stand-in of the
    map ``name``."""
    from ..arrays import np
    which = STAND_IN.get() if which is None else which
    u = np.asarray(x, dtype=float) @ _weights(which, m, x.shape[-1], name).T
    return np.tanh(u) if which == 0 else np.sin(u) + 0.1 * u ** 3


def stand_in_jacobian(x, m: int, which: int | None = None, name: str = ""):
    """∂g(x)/∂x at one vector x (n,), m × n, for the running stand-in of the map ``name``."""
    from ..arrays import np
    which = STAND_IN.get() if which is None else which
    w = _weights(which, m, len(x), name)
    u = w @ np.asarray(x, dtype=float)
    slope = 1 - np.tanh(u) ** 2 if which == 0 else np.cos(u) + 0.3 * u ** 2
    return slope[:, None] * w


def size_now(d) -> int:
    """A dimension (a number or a declared name) on the instance that runs now."""
    if isinstance(d, int):
        return d
    dims = DIMS.get() or {}
    if d not in dims:
        raise KeyError(f"the dimension {d} is not known on this instance")
    return int(dims[d])


class Jacobian(MatrixSymbol):
    """∂y/∂x for y = g(x), g a declared map: m × n, its entry (k, i) is ∂y_k/∂x_i (seed
    002's ヤコビ行列). Args: (name, m, n, of, by, map)."""

    # a fraction, as ∂L/∂C: bracketed under a transpose, (∂y/∂x)ᵀ
    precedence = 71

    def __new__(cls, name, m, n, of, by, map_name) -> Jacobian:
        return Basic.__new__(cls, *(_str(a) for a in (name,)), _size(m), _size(n),
                             *(_str(a) for a in (of, by, map_name)))

    @classmethod
    def of_map(cls, of: str, by: str, m, n, map_name: str) -> Jacobian:
        """∂of/∂by, m × n, of the map ``map_name``."""
        return cls(f"∂{of}/∂{by}", m, n, of, by, map_name)

    @property
    def of(self) -> str:
        return self.args[3].name

    @property
    def by(self) -> str:
        return self.args[4].name

    @property
    def map_name(self) -> str:
        return self.args[5].name

    def _sympystr(self, printer) -> str:
        return f"∂{self.of}/∂{self.by}"

    def _latex(self, printer) -> str:
        return rf"\frac{{\partial {printer._print(Symbol(self.of))}}}" \
               rf"{{\partial {printer._print(Symbol(self.by))}}}"


class Gradient(Jacobian):
    """∂y/∂x for y = f(x), f a declared map to a scalar: x's shape, its entry (i, j) is
    ∂y/∂x_ij (seed 004's gradient; its gradient matrix when x is a matrix)."""

    @classmethod
    def of_map(cls, of: str, by: str, m, n, map_name: str) -> Gradient:
        """∂of/∂by, m × n (by's shape), of the map ``map_name``."""
        return cls(f"∂{of}/∂{by}", m, n, of, by, map_name)


class Nabla(Gradient):
    """The same gradient written ∇ₓy: in a Jacobian, whose numerator layout turns it into
    a row, (∇ₓy)ᵀ reads as what it is where (∂y/∂x)ᵀ = ∂y/∂x would not."""


class MapDerivative(Symbol):
    """dy/dx for y = f(x), f a declared map from a scalar to a scalar (seed 002's dy/dx):
    a symbol, as ∂y/∂x is for vectors."""

    precedence = 71  # a fraction

    def __new__(cls, of: str, by: str) -> MapDerivative:
        return super().__new__(cls, f"∂{of}/∂{by}", real=True)

    def __getnewargs_ex__(self):
        return (self.of, self.by), {}

    @property
    def of(self) -> str:
        return self.name[1:].split("/∂", 1)[0]

    @property
    def by(self) -> str:
        return self.name.split("/∂", 1)[1]


class MapValue(Function):
    """f(x) for a declared map f to a scalar: x (a scalar, or a whole vector or matrix, a
    name) is its one argument; a program's map is a subclass named after it."""

    nargs = 1
    is_real = True


class MapEntry(RowEntry):
    """g_k(x) for a declared map g between vectors: a row-wise node (its running index
    over x), told apart from softmax's by its class; a program's map is a subclass named
    after it."""


def maps_entry(form, var) -> bool:
    """Whether ``form`` is a declared map's entry (g_k(x) or f(x); not another row-wise
    node, softmax's) read at ``var``'s argument directly: y = g(x) differentiated by an
    entry x_i (or by x itself)."""
    if isinstance(form, MapEntry):
        return isinstance(var, Element) and form.entry == Element(var.matrix, form.index, 0)
    if isinstance(form, MapValue):
        (arg,) = form.args
        return arg == var or (isinstance(var, Element) and var.matrix == arg)
    return False


def of_result(derivative, result: str):
    """A map's derivative symbols (∂y/∂x, dy/dx) in ``derivative`` named after the result
    ``result`` they are of: y = f(x) and z = f(x) have ∂y/∂x and ∂z/∂x, equal as they are."""
    renamed = {}
    for s in derivative.atoms(MapDerivative, Jacobian):
        if s.of != result:
            renamed[s] = MapDerivative(result, s.by) if isinstance(s, MapDerivative) else \
                type(s).of_map(result, s.by, *s.shape, s.map_name)
    return derivative.xreplace(renamed) if renamed else derivative


def stand_in_scalar(x, name: str = ""):
    """f(x) of the map ``name`` to a scalar on a batch: axis 0 runs over copies, the
    entries of each copy in row-major order go into the one-output stand-in."""
    from ..arrays import np
    x = np.asarray(x, dtype=float)
    return stand_in_value(x.reshape(x.shape[0], -1), 1, name=name)[:, 0]


def stand_in_gradient(x, name: str = ""):
    """∂f(x)/∂x of the map ``name`` to a scalar at one x (any shape): of x's shape."""
    from ..arrays import np
    x = np.asarray(x, dtype=float)
    return stand_in_jacobian(x.reshape(-1), 1, name=name)[0].reshape(x.shape)


def map_of(program, result: str) -> str:
    """The map whose result ``result`` is (y = f(x): f), from the program."""
    for statement in program.statements:
        if statement.target == result:
            return statement.value.func
    raise KeyError(f"{result} is not the result of a map")


def _str(a):
    return Str(a) if isinstance(a, str) else a


def declare_map(name: str, arg: tuple, out: tuple, outputs: dict[str, str]) -> Op:
    """The record of a map ``name: arg -> out``; ``outputs`` names the result of each
    argument it is applied to ({"x": "y"} for y = g(x)), which names its Jacobian ∂y/∂x.
    A vector to a vector (``_vector_map``), or anything of ``arg``'s shape (a scalar, a
    vector, a matrix) to a scalar (``_scalar_map``)."""
    if out:
        return _vector_map(name, arg[0], out[0], outputs)
    return _scalar_map(name, arg, outputs)


def _scalar_map(name: str, arg: tuple, outputs: dict[str, str]) -> Op:
    """y = f(x) to a scalar: ∂y/∂x_ij = (∂y/∂x)_ij, dy/dx for a scalar x."""
    shown = "(" + ", ".join(str(d) for d in arg) + ("," if len(arg) == 1 else "") + ")"
    node = type(name, (MapValue,), {
        "__doc__": f"{name}(x) of the declared map {name}: {shown} -> ()"})

    def shape(check, call, shapes):
        if len(shapes[0]) != len(arg) or not all(check.unify(a, b)
                                                 for a, b in zip(shapes[0], arg)):
            raise check.fail(f"{name}() maps a value of shape {shown}; {check.describe(0)}")
        return ()

    def lower(call, idx, ctx):
        x = call.args[0]
        return node(ctx.matrix(x) if arg else ctx.lower(x, ()))

    def differentiate(expr, wrt, differentiate):
        """∂f(x)/∂x_ij = (∂y/∂x)_ij; df(x)/dx = dy/dx; 0 by anything else (x is a name)."""
        (x,) = expr.args
        of = _result(name, x, outputs)
        if isinstance(x, MatrixSymbol):
            if not (isinstance(wrt, Element) and wrt.matrix == x):
                return S.Zero
            return Element(Gradient.of_map(of, x.name, *x.shape, name), wrt.row, wrt.col)
        d = differentiate(x, wrt)
        if d == 0:
            return S.Zero
        return MapDerivative(of, x.name) * d

    return Op(name, "map", f"{name}: {shown} -> (), declared", signature=f"{name}(x)",
              shape=shape, lower=lower, function=node, differentiate=differentiate,
              forward=lambda x, axis=None: stand_in_scalar(x, name), text=name, tex=name,
              transposes=False, note="declared_scalar_map")


def _vector_map(name: str, n, m, outputs: dict[str, str]) -> Op:
    """y = g(x) between vectors: y_k = g_k(x), ∂y_k/∂x_i = (∂y/∂x)_ki."""
    node = type(name, (MapEntry,), {
        "__doc__": f"{name}(e)_at: entry at of the declared map {name}: ({n},) -> ({m},)",
        "_matcalc_print": _print_entry})

    def shape(check, call, shapes):
        arg = shapes[0]
        if len(arg) != 1 or not check.unify(arg[0], n):
            raise check.fail(f"{name}() maps a vector of length {n}; {check.describe(0)}")
        return (m,)

    def lower(call, idx, ctx):
        x = call.args[0]
        placeholder = Index("ℓ?")
        e = ctx.lower(x, (placeholder,))
        running = row_index(e, idx[0])
        return node(e.xreplace({placeholder: running}), running, dim(ctx.shape(x)[0]),
                    idx[0])

    def differentiate(expr, wrt, differentiate):
        """∂g_at(x)/∂w = Σ_q (∂y/∂x)_{at,q} ∂x_q/∂w; for w = x_i this is (∂y/∂x)_{at,i}."""
        e, running, size, at = expr.args
        d = differentiate(e, wrt)
        if d == 0:
            return S.Zero
        by = e.matrix.name if isinstance(e, Element) else None
        jac = Jacobian.of_map(_result(name, e.matrix if by else e, outputs), by, dim(m), size,
                              name)
        if isinstance(wrt, Element) and wrt.matrix == e.matrix and e.row == running:
            return Element(jac, at, wrt.row)
        q = unused_index(e, wrt, d, at)
        return IndexSum(Element(jac, at, q) * substitute(d, running, q), (q, 0, size - 1))

    def forward(x, axis=None):
        return stand_in_value(x, size_now(m), name=name)

    return Op(name, "map", f"{name}: ({n},) -> ({m},), declared", signature=f"{name}(x)",
              shape=shape, lower=lower, function=node, differentiate=differentiate,
              forward=forward, text=name, tex=name, transposes=False,
              note="declared_map")


def _result(name: str, x, outputs: dict[str, str]) -> str:
    """The name of the result of ``name`` applied to the name ``x`` (y for y = f(x)), which
    names its derivative ∂y/∂x. A map of anything else (an intermediate written out, as
    ``jacobian`` and ``hessian`` write them) has no derivative symbol to name."""
    if not (isinstance(x, (MatrixSymbol, Symbol)) and getattr(x, "name", None) in outputs):
        raise UnsupportedError(
            f"{name}() is applied to an intermediate here, which this command writes out, "
            f"and a declared map's derivative is a symbol of its own argument: use "
            f"'matcalc derive', which follows the chain through the argument's name")
    return outputs[x.name]


def _print_entry(self, printer) -> str:
    """g_k(x): the map's entry at k, of the whole vector."""
    vector = self.entry.matrix if isinstance(self.entry, Element) else self.entry
    arg = printer.doprint(vector)
    at = printer.doprint(self.at)
    name = type(self).__name__
    if getattr(printer, "SPELLING_FIELD", "text") == "tex":
        return rf"{name}_{{{at}}}\left({arg}\right)"
    return f"{name}_{at}({arg})"
