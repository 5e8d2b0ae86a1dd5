"""Vectorised evaluation of index-form expressions: an element form or a proof step at every
value of its free indices at once, on one random instance.

A value is ``Labelled``: an ndarray whose axes are named by indices. The value of
Σ_q a_pq b_qr is an array with axes (p, r), and its entry [p, r] is the sum at those index
values. One rule per sympy node type:

    a_pq               Element: the matrix with its axes named p, q (a_pp: its diagonal,
                       a_p0: its column 0)
    Σ_q f g h          Sum: one np.einsum over the factors, q contracted (a chain of matrix
                       products is one contraction, never a broadcast product of all its
                       indices)
    f + g, f g, fᶜ     Add, Mul, Pow: numpy broadcasting once the labels are aligned
    δ_pq               KroneckerDelta: 1 where the two index values agree, else 0
    f(e)               functions: elementwise, by their numpy form (``numpy_function``)
    row-wise entries   f(e)_l along the axis l (e.g. exp(e_l) / Σ_q exp(e_q))
    ∂e/∂x_ij           Partial: central differences of e (``numeric.central_difference``):
                       e on a stack of copies of the instance, entry (i, j) of x moved in
                       copy (i, j); the stack's axis becomes the axes i, j

A matrix expression (A B, Aᵀ, A⁻¹, A ∘ B, f(A), ∂L/∂C, …) is evaluated whole: its last two
axes are its rows and columns, and its leading axes (under a partial derivative, the stack
of perturbed copies) are labelled.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import reduce, singledispatch
from math import prod
from typing import NamedTuple

import sympy
from sympy import (
    Add,
    Determinant,
    DiagonalOf,
    Expr,
    HadamardPower,
    HadamardProduct,
    Identity,
    Inverse,
    KroneckerDelta,
    KroneckerProduct,
    MatAdd,
    MatMul,
    MatPow,
    MatrixSymbol,
    Mul,
    OneMatrix,
    Pow,
    Sum,
    Symbol,
    Trace,
    Transpose,
    ZeroMatrix,
)

from .. import ops
from ..arrays import np
from ..errors import UnsupportedError
from ..index.reshape import Div, Joint, MatrixView, Mod, View
from ..index.symbols import (
    UPSTREAMS,
    Apply,
    BatchSum,
    Broadcast,
    ChainPartial,
    Element,
    Index,
    Partial,
    Pick,
    RowEntry,
    ScalarGrad,
    Slice,
    TensorSymbol,
    Written,
    free_symbols,
)
from ..index.vec import Commutation, Duplication, Vec, VecIndex
from ..language.program import Program, values_read
from ..ops.maps import (
    Gradient,
    Jacobian,
    MapDerivative,
    MapValue,
    map_of,
    stand_in_gradient,
    stand_in_jacobian,
    stand_in_scalar,
)
from .numeric import Instance, central_difference, run_expression

# Σ over a product: einsum's own loop over every index at once is fastest while the
# broadcast product is this small; beyond it, einsum contracts pairwise (optimize=True)
NAIVE_CONTRACTION = 1 << 12


def numpy_function(func: type | str) -> Callable:
    """The numpy form of an elementwise function, from its sympy class or, for ``Apply``,
    its name: the operation's own forward (the one place the evaluator looks one up)."""
    op = ops.find(func) if isinstance(func, str) else ops.of_function(func)
    if op is None or op.forward is None:
        raise UnsupportedError(f"cannot evaluate the function {getattr(func, '__name__', func)}")
    return op.forward


class Labelled(NamedTuple):
    """An array with named axes: ``labels[k]`` names axis k. A matrix value has two more,
    unnamed, axes at the end: its rows and columns."""

    data: np.ndarray
    labels: tuple


def _union(parts: Sequence[Labelled]) -> tuple:
    """Every label of the parts, in order of first appearance."""
    return tuple(dict.fromkeys(label for part in parts for label in part.labels))


def _expand(part: Labelled, labels: tuple) -> np.ndarray:
    """The part's array with its named axes in the order of ``labels``, of length 1 where it
    has no such label (ready to broadcast); unnamed trailing axes stay last."""
    own = part.labels
    if own == labels:
        return part.data
    at = {label: k for k, label in enumerate(own)}  # by hash: sympy's == is slow
    order = [at[label] for label in labels if label in at]
    data = part.data
    if order != sorted(order):
        data = data.transpose(order + list(range(len(own), data.ndim)))
    lengths = iter(data.shape)
    shape = [next(lengths) if label in at else 1 for label in labels]
    return data.reshape(shape + list(data.shape[len(own):]))


def _aligned(parts: Sequence[Labelled]) -> tuple[list[np.ndarray], tuple]:
    """The parts' arrays, broadcastable against each other, and the labels of their axes."""
    labels = _union(parts)
    return [_expand(part, labels) for part in parts], labels


def _combine(f: Callable, parts: Sequence[Labelled]) -> Labelled:
    """f folded over the parts, elementwise at equal labels (a sum, a product)."""
    arrays, labels = _aligned(parts)
    return Labelled(reduce(f, arrays), labels)


def _contract(parts: list[Labelled], bound: list, sizes: dict) -> Labelled:
    """Σ over the bound labels of the product of the parts, by np.einsum: the product is
    never formed in full. A bound label no part has multiplies the sum by its range."""
    labels = _union(parts)
    if len(labels) > 52:
        raise UnsupportedError(f"a sum over {len(labels)} indices (einsum takes 52)")
    kept = [label for label in labels if label not in bound]
    number = {label: k for k, label in enumerate(labels)}
    operands = []
    for part in parts:
        operands += [part.data, [number[label] for label in part.labels]]
    lengths = {label: n for part in parts for label, n in zip(part.labels, part.data.shape)}
    naive = prod(lengths.values())
    data = np.einsum(*operands, [number[label] for label in kept],
                     optimize=len(parts) > 2 and naive > NAIVE_CONTRACTION)
    count = prod(sizes[label] for label in bound if label not in number)
    return Labelled(data * count if count != 1 else data, tuple(kept))


class Evaluator:
    """The numeric value of element forms, proof steps and matrix forms on one instance.

    ``moved`` holds, for a partial derivative, the names whose value is a stack of
    perturbed copies (first axis, labelled ``batch``); every other name has its value in
    ``values``."""

    def __init__(self, program: Program, instance: Instance, output: str,
                 values: dict[str, np.ndarray] | None = None,
                 moved: dict[str, np.ndarray] | None = None, batch: Symbol | None = None,
                 precise: bool = False):
        self.precise = precise  # partials by the extrapolated (4-point) differences
        self.program = program
        self.instance = instance
        self.output = output
        self.values = values if values is not None else instance.values
        self.moved = moved or {}
        self.batch = batch
        self._matrices: dict[Expr, Labelled] = {}
        self._sizes: dict[Expr, int] = {}

    # -- the entry points
    def array(self, expr: Expr, free: Sequence[Index] = (), sizes: Sequence[int] = ()
              ) -> np.ndarray:
        """expr at every value of its free indices: axis k of the result runs over
        free[k] = 0, …, sizes[k] − 1 (an expression that does not depend on an index is
        constant along its axis)."""
        env = dict(zip(free, sizes))
        value = self.value(expr, env)
        stray = [label for label in value.labels if label not in env]
        if stray:
            raise UnsupportedError(f"the index {stray[0]} is neither summed nor free")
        return np.broadcast_to(_expand(value, tuple(free)), tuple(sizes))

    def matrix(self, m: Expr) -> np.ndarray:
        """A matrix expression's value, rows × columns."""
        return self.matrix_value(m).data

    # -- values
    def value(self, expr: Expr, env: dict) -> Labelled:
        """expr at every value of the indices it depends on; ``env`` gives each index in
        scope its range (0 … env[p] − 1)."""
        return _value(expr, self, env)

    def matrix_value(self, m: Expr) -> Labelled:
        cached = self._matrices.get(m)
        if cached is None:
            cached = self._matrices[m] = _matrix(m, self)
        return cached

    def size(self, expr: Expr) -> int:
        """A dimension or a bound (n, n − 1) as an integer on this instance."""
        size = self._sizes.get(expr)
        if size is None:
            size = self._sizes[expr] = int(round(float(self.value(expr, {}).data)))
        return size

    def shape(self, m: Expr) -> tuple[int, int]:
        return self.size(m.shape[0]), self.size(m.shape[1])

    def tensor(self, t: TensorSymbol) -> Labelled:
        """A name of order ≥ 3 (or its upstream gradient) as its array, every axis its own."""
        if isinstance(t, View):
            return self.view(t)
        return self.named(t, tuple(self.size(d) for d in t.shape))

    def view(self, v: View) -> Labelled:
        """base.transpose(…).reshape(…) on the base's axes (its labels stay in front)."""
        base = v.base
        value = self.tensor(base) if isinstance(base, TensorSymbol) else \
            self.matrix_value(base)
        data, lead = value.data, len(value.labels)
        if not isinstance(base, TensorSymbol) and base.shape[1] == 1:
            data = data[..., 0]  # a vector: its one axis
        for kind, arg in v.steps:
            if kind == "transpose":
                data = np.transpose(data, (*range(lead), *[lead + a for a in arg]))
            else:
                data = data.reshape(*data.shape[:lead], *[self.size(d) for d in arg])
        if isinstance(v, MatrixView) and data.ndim == lead + 1:
            data = data[..., None]
        return Labelled(data, value.labels)

    def named(self, symbol, shape: tuple) -> Labelled:
        """A program's name, or the upstream gradient ∂L/∂C, as an array of ``shape``; under
        a partial derivative the stack of perturbed copies comes first, labelled."""
        if isinstance(symbol, UPSTREAMS):
            return Labelled(np.reshape(self.instance.gradient_of(symbol.name), shape), ())
        if symbol.name in self.moved:
            stack = self.moved[symbol.name]
            return Labelled(stack.reshape(len(stack), *shape), (self.batch,))
        return Labelled(np.reshape(np.asarray(self.values[symbol.name], dtype=float), shape),
                        ())

    def entry(self, m: Labelled, indices: tuple, env: dict) -> Labelled:
        """m_rc: the array's last axes taken at the index values (a matrix's two, a
        stack's every one); an index runs over all its values (a new label), a constant
        selects, m_pp is the diagonal."""
        for index, length in zip(indices, m.data.shape[-len(indices):]):
            if isinstance(index, Index) and index not in env:
                raise UnsupportedError(f"the index {index} is neither summed nor free")
            if isinstance(index, Index) and env[index] != length:
                raise UnsupportedError(f"the index {index} runs over {env[index]} values, "
                                       f"against {length} in the matrix")
        known = set(m.labels)  # by hash: sympy's == is slow
        if all(isinstance(i, Index) for i in indices) and len(set(indices)) == len(indices) \
                and not known & set(indices):
            return Labelled(m.data, m.labels + indices)
        # every axis indexed by an integer array; equal labels share one array (a diagonal)
        parts = [Labelled(np.arange(n), (label,)) for label, n in zip(m.labels, m.data.shape)]
        parts += [self.value(i, env) for i in indices]
        arrays, labels = _aligned(parts)
        arrays = [np.asarray(a, dtype=int) for a in arrays]
        lengths = m.data.shape[:len(m.labels)] + m.data.shape[-len(indices):]
        inside = [(a >= 0) & (a < n) for a, n in zip(arrays, lengths)]
        if all(np.all(i) for i in inside):
            return Labelled(m.data[tuple(arrays)], labels)
        # a shifted index past either end reads 0: a convolution's zero padding
        clipped = tuple(np.clip(a, 0, n - 1) for a, n in zip(arrays, lengths))
        mask = np.logical_and.reduce(np.broadcast_arrays(*inside))
        return Labelled(np.where(mask, m.data[clipped], 0.0), labels)

    # -- partial derivatives
    def partial(self, expr: Partial, env: dict, around: tuple | None = None) -> Labelled:
        """∂e/∂x by central differences: e evaluated on a stack of perturbed copies of x,
        one per entry of x. A plain partial holds every other name fixed; a chain rule's
        ∂z_kl/∂x_ij (``ChainPartial``) recomputes z from its own statement.

        ``around`` = (factors g, bound indices, their ranges) evaluates Σ g ∂e/∂x as
        ∂(Σ g e)/∂x instead (differences are linear; ``can_sum_inside`` says when g does
        not move with x): the sum is contracted on the copies, and e, a product of many
        entries, is never formed over all the indices of the sum."""
        var, name = expr.var, self._moved_name(expr)
        if self.moved:
            raise UnsupportedError("a partial derivative inside another one")
        recomputed = self._recomputed(name, expr.expr) if isinstance(expr, ChainPartial) \
            else []
        batch = sympy.Dummy("batch")  # the stack's axis: a label no other partial shares
        labels: list = []

        reads = [(statement, values_read(statement.value)) for statement in recomputed]

        def at(points: np.ndarray) -> np.ndarray:
            moved = {name: points}
            for statement, names in reads:
                inputs = {n: moved[n] if n in moved else
                          np.asarray(self.values[n], dtype=float)[None] for n in names}
                moved[statement.target] = np.asarray(
                    run_expression(statement.value, inputs, frozen=self.instance.frozen),
                    dtype=float)
            copies = Evaluator(self.program, self.instance, self.output, self.values,
                               moved, batch)
            if around is None:
                value = copies.value(expr.expr, env)
            else:
                factors, bound, inner = around
                e = expr.expr.args if isinstance(expr.expr, Mul) else (expr.expr,)
                value = _contract([copies.value(f, inner) for f in (*factors, *e)],
                                  bound, inner)
            labels[:] = [label for label in value.labels if label is not batch]
            data = _expand(value, (batch, *labels))
            return np.broadcast_to(data, (len(points), *data.shape[1:]))

        base = np.asarray(self.values[name], dtype=float)
        derivative = central_difference(at, base, precise=self.precise)  # (*x, *labels)
        if not isinstance(var, Element):
            return Labelled(derivative, tuple(labels))
        if isinstance(var.matrix, TensorSymbol):  # (*x, *labels) → (*labels, *x)
            axes = list(range(base.ndim))
            entries = np.moveaxis(derivative, axes, [a - base.ndim for a in axes])
            return self.entry(Labelled(entries, tuple(labels)), var.indices, env)
        rows, cols = self.shape(var.matrix)
        entries = derivative.reshape(rows, cols, *derivative.shape[base.ndim:])
        entries = np.moveaxis(entries, (0, 1), (-2, -1))
        return self.entry(Labelled(entries, tuple(labels)), var.indices, env)

    def can_sum_inside(self, expr: Partial, factors: Sequence[Expr],
                       bound: Sequence[Index]) -> bool:
        """Whether Σ g ∂e/∂x may be taken as ∂(Σ g e)/∂x: no factor g reads x or a name
        recomputed from it, nor holds a partial, and the sum does not run over x's
        indices."""
        var = expr.var
        if isinstance(var, Element) and any(i in bound for i in var.indices):
            return False
        try:
            name = self._moved_name(expr)
        except UnsupportedError:
            return False
        moving = {name} | {s.target for s in self._recomputed(name, expr.expr)} \
            if isinstance(expr, ChainPartial) else {name}
        for factor in factors:
            if factor.has(Partial) or any(
                    getattr(s, "name", None) in moving and not isinstance(s, UPSTREAMS)
                    for s in free_symbols(factor)):
                return False
        return True

    @staticmethod
    def _moved_name(expr: Partial) -> str:
        """The name whose entry ∂e/∂x moves: x_ij's matrix, or the scalar x."""
        var = expr.var
        if isinstance(var, Element) and isinstance(var.matrix, (MatrixSymbol, TensorSymbol)):
            return var.matrix.name
        if isinstance(var, Symbol) and not isinstance(var, Index):
            return var.name
        raise UnsupportedError(f"cannot differentiate with respect to {var}")

    def _recomputed(self, name: str, through: Expr) -> list:
        """The statement of z in ∂z/∂x (unless z is x itself): it is run again on the
        perturbed copies."""
        target = getattr(through.matrix, "name", None) if isinstance(through, Element) else \
            through.name if isinstance(through, Symbol) else None
        return [s for s in self.program.statements if s.target == target and s.target != name]


# ------------------------------------------------------------------ scalar-valued nodes

@singledispatch
def _value(expr, ev: Evaluator, env: dict) -> Labelled:
    if expr.is_number:
        return Labelled(np.asarray(float(expr)), ())
    raise UnsupportedError(f"cannot evaluate {type(expr).__name__}")


@_value.register
def _(expr: sympy.Number, ev, env):
    return Labelled(np.asarray(int(expr) if expr.is_Integer else float(expr)), ())


@_value.register
def _(expr: Symbol, ev, env):
    """An index: its values 0 … n − 1; a scalar name: its value; a dimension: its size."""
    if isinstance(expr, Index):
        if expr not in env:
            raise UnsupportedError(f"the index {expr} is neither summed nor free")
        return Labelled(np.arange(env[expr]), (expr,))
    if expr.name in ev.moved:
        return Labelled(ev.moved[expr.name], (ev.batch,))
    if expr.name in ev.values and expr.is_real and not expr.is_integer:
        return Labelled(np.asarray(ev.values[expr.name], dtype=float), ())
    if expr.name in ev.instance.dims:
        return Labelled(np.asarray(ev.instance.dims[expr.name]), ())
    raise UnsupportedError(f"no value for {expr.name}")


@_value.register
def _(expr: ScalarGrad, ev, env):
    return Labelled(np.asarray(ev.instance.gradient_of(expr.of), dtype=float), ())


@_value.register
def _(expr: Add, ev, env):
    return _combine(np.add, [ev.value(a, env) for a in expr.args])


@_value.register
def _(expr: Mul, ev, env):
    return _combine(np.multiply, [ev.value(a, env) for a in expr.args])


@_value.register
def _(expr: Written, ev, env):
    return _combine(np.multiply, [ev.value(a, env) for a in expr.args])


@_value.register
def _(expr: Pow, ev, env):
    (base, exp), labels = _aligned([ev.value(expr.base, env), ev.value(expr.exp, env)])
    return Labelled(np.power(np.asarray(base, dtype=float), exp), labels)


@_value.register
def _(expr: KroneckerDelta, ev, env):
    (a, b), labels = _aligned([ev.value(x, env) for x in expr.args[:2]])
    return Labelled(np.asarray(a == b, dtype=float), labels)


@_value.register
def _(expr: Sum, ev, env):
    """Σ_p body over (p, 0, n − 1): the body's factors contracted over the bound indices."""
    inner = dict(env)
    for index, low, high in expr.limits:
        if ev.size(low) != 0:
            raise UnsupportedError(f"a sum over {index} starting at {low}, not 0")
        inner[index] = max(ev.size(high) + 1, 0)
    return _summed(expr.function, [limit[0] for limit in expr.limits], ev, env, inner)


def _summed(body: Expr, bound: list, ev, env: dict, inner: dict) -> Labelled:
    """Σ over ``bound`` of body: a sum term by term (Σ (a + b) = Σ a + Σ b: a term is never
    formed over the indices only another term reads, which a Hessian's many-term sums
    would make 12⁹ entries large), each term's factors contracted by einsum."""
    if isinstance(body, Add):
        return _combine(np.add, [_summed(term, bound, ev, env, inner) for term in body.args])
    factors = body.args if isinstance(body, Mul) else (body,)
    partials = [f for f in factors if isinstance(f, Partial)]
    if len(partials) == 1:
        others = [f for f in factors if f is not partials[0]]
        if ev.can_sum_inside(partials[0], others, bound):
            return ev.partial(partials[0], env, around=(others, bound, inner))
    return _contract([ev.value(f, inner) for f in factors], bound, inner)


@_value.register
def _(expr: sympy.Function, ev, env):
    op = ops.of_function(expr.func)
    if ev.moved and op is not None and op.frozen is not None:
        # on perturbed copies a branch keeps the side it takes at the instance's point
        # (``Instance.frozen``): max(h, 0) at an h held at 0 moves with slope 0, not ½
        still = Evaluator(ev.program, ev.instance, ev.output, ev.values)
        parts = [ev.value(a, env) for a in expr.args] + [still.value(a, env)
                                                          for a in expr.args]
        arrays, labels = _aligned(parts)
        arrays = [np.asarray(a, dtype=float) for a in arrays]
        n = len(expr.args)
        return Labelled(op.frozen(arrays[:n], arrays[n:]), labels)
    if len(expr.args) == 1:
        arg = ev.value(expr.args[0], env)
        return Labelled(numpy_function(expr.func)(np.asarray(arg.data, dtype=float)),
                        arg.labels)
    arrays, labels = _aligned([ev.value(a, env) for a in expr.args])  # f(a, b), entrywise
    return Labelled(numpy_function(expr.func)(*[np.asarray(a, dtype=float) for a in arrays]),
                    labels)


def _rowwise(expr, ev, env):
    """A row-wise entry f(e)_at (e.g. exp(e_at) / Σ_q exp(e_q)): its operation's
    forward along the running axis ℓ (e constant in ℓ gives a constant row), read at the
    position ``at`` (an index: a label, shared with e's own at a diagonal; a constant)."""
    e, l, size, at = expr.args
    n = ev.size(size)
    value = ev.value(e, {**env, l: n})
    if l not in value.labels:
        value = Labelled(np.broadcast_to(value.data[..., None], value.data.shape + (n,)),
                         value.labels + (l,))
    data = np.moveaxis(np.asarray(value.data, dtype=float), value.labels.index(l), -1)
    others = tuple(label for label in value.labels if label != l)
    rows = ops.of_node(expr).forward(data)
    parts = [Labelled(np.arange(k), (label,)) for label, k in zip(others, rows.shape)]
    parts.append(ev.value(at, env))
    arrays, labels = _aligned(parts)
    return Labelled(rows[tuple(np.asarray(a, dtype=int) for a in arrays)], labels)


for _node in ops.rowwise_nodes():
    _value.register(_node)(_rowwise)
# a declared map's entries (``maps.declare_map``), whose node classes a program makes
_value.register(RowEntry)(_rowwise)


@_value.register
def _(expr: MapValue, ev, env):
    """f(x) of a declared map to a scalar: the running stand-in on the whole of x."""
    (x,) = expr.args
    name = type(expr).__name__  # the node class is the map's own (``maps._scalar_map``)
    if isinstance(x, sympy.MatrixExpr):
        m = ev.matrix_value(x)
        data = np.asarray(m.data, dtype=float)
        flat = data.reshape((-1,) + data.shape[-2:])
        return Labelled(stand_in_scalar(flat, name).reshape(data.shape[:-2]), m.labels)
    value = ev.value(x, env)
    data = np.asarray(value.data, dtype=float)
    return Labelled(stand_in_scalar(data.reshape(-1, 1), name).reshape(data.shape),
                    value.labels)


@_value.register
def _(expr: MapDerivative, ev, env):
    """dy/dx of a declared map from a scalar: the running stand-in's derivative at x."""
    if expr.by in ev.moved:
        raise UnsupportedError("a derivative of a declared map inside a partial derivative")
    x = np.asarray(ev.values[expr.by], dtype=float).reshape(1)
    return Labelled(np.asarray(stand_in_gradient(x, map_of(ev.program, expr.of))[0],
                               dtype=float), ())


@_value.register
def _(expr: Element, ev, env):
    array = ev.tensor(expr.matrix) if isinstance(expr.matrix, TensorSymbol) else \
        ev.matrix_value(expr.matrix)
    return ev.entry(array, expr.indices, env)


@_value.register
def _(expr: Determinant, ev, env):
    m = ev.matrix_value(expr.arg)
    return Labelled(np.linalg.det(m.data), m.labels)


@_value.register
def _(expr: Trace, ev, env):
    m = ev.matrix_value(expr.arg)
    return Labelled(np.trace(m.data, axis1=-2, axis2=-1), m.labels)


@_value.register
def _(expr: Pick, ev, env):
    """(e_1, e_2, …)_k: the entries stacked along k."""
    k, *items = expr.args
    arrays, labels = _aligned([ev.value(i, env) for i in items])
    stacked = np.stack(np.broadcast_arrays(*[np.asarray(a, dtype=float) for a in arrays]))
    if not isinstance(k, Index):
        raise UnsupportedError("an entry picked by something other than an index")
    return Labelled(stacked, (k, *labels))


@_value.register
def _(expr: Partial, ev, env):
    return ev.partial(expr, env)


# ------------------------------------------------------------------ matrix-valued nodes

@singledispatch
def _matrix(m, ev: Evaluator) -> Labelled:
    raise UnsupportedError(f"cannot evaluate the matrix {type(m).__name__}")


@_matrix.register
def _(m: sympy.ImmutableDenseMatrix, ev):
    """A matrix written out entry by entry (scalar entries)."""
    entries = [ev.value(x, {}) for x in m]
    arrays, labels = _aligned(entries)
    if labels:
        raise UnsupportedError("a written-out matrix with indices in its entries")
    data = np.array([float(np.asarray(a)) for a in arrays]).reshape(m.rows, m.cols)
    return Labelled(data, ())


@_matrix.register
def _(m: MatrixSymbol, ev):
    return ev.named(m, ev.shape(m))


@_matrix.register
def _(m: Slice, ev):
    """T_β: the tensor's leading axes labelled by the slice's indices (a product of slices
    is numpy's stacked @ over the labels, aligned as ``_combine`` aligns them)."""
    t = ev.tensor(m.tensor)
    return Labelled(t.data, t.labels + m.labels)


@_matrix.register
def _(m: BatchSum, ev):
    """Σ_β M_β: the matrix value summed over the label (a label M does not carry
    multiplies it by its range)."""
    value = ev.matrix_value(m.matrix)
    data, labels = value.data, list(value.labels)
    for index, low, high in m.limits:
        if index in labels:
            data = data.sum(axis=labels.index(index))
            labels.remove(index)
        else:
            data = data * (ev.size(high) - ev.size(low) + 1)
    return Labelled(data, tuple(labels))


@_matrix.register
def _(m: Jacobian, ev):
    """∂y/∂x of a declared map: the running stand-in's Jacobian at the instance's x."""
    if m.by in ev.moved:
        raise UnsupportedError("a Jacobian of a declared map inside a partial derivative")
    rows, cols = ev.shape(m)
    x = np.asarray(ev.values[m.by], dtype=float).reshape(-1)
    return Labelled(np.reshape(stand_in_jacobian(x, rows, name=m.map_name), (rows, cols)), ())


@_matrix.register
def _(m: Gradient, ev):
    """∂y/∂x of a declared map to a scalar: the running stand-in's gradient at x."""
    if m.by in ev.moved:
        raise UnsupportedError("a gradient of a declared map inside a partial derivative")
    x = np.asarray(ev.values[m.by], dtype=float)
    return Labelled(np.reshape(stand_in_gradient(x, m.map_name), ev.shape(m)), ())


@_matrix.register
def _(m: MatrixView, ev):
    return ev.view(m)


@_value.register
def _(expr: Joint, ev, env):
    """ηk + κ."""
    (high, low, minor), labels = _aligned([ev.value(a, env)
                                           for a in (expr.high, expr.low, expr.minor)])
    return Labelled(high * minor + low, labels)


@_value.register
def _(expr: Div, ev, env):
    """⌊j/k⌋."""
    return _combine(np.floor_divide, [ev.value(expr.args[0], env), ev.value(expr.minor, env)])


@_value.register
def _(expr: Mod, ev, env):
    """j mod k."""
    return _combine(np.mod, [ev.value(expr.args[0], env), ev.value(expr.minor, env)])


@_matrix.register
def _(m: Transpose, ev):
    a = ev.matrix_value(m.arg)
    return Labelled(np.swapaxes(a.data, -1, -2), a.labels)


@_matrix.register
def _(m: MatPow, ev):
    a = ev.matrix_value(m.base)
    return Labelled(np.linalg.matrix_power(a.data, int(m.exp)), a.labels)


@_matrix.register
def _(m: Inverse, ev):
    a = ev.matrix_value(m.arg)
    return Labelled(np.linalg.inv(a.data), a.labels)


@_matrix.register
def _(m: DiagonalOf, ev):
    a = ev.matrix_value(m.arg)
    return Labelled(np.diagonal(a.data, axis1=-2, axis2=-1)[..., None], a.labels)


@_matrix.register
def _(m: Broadcast, ev):
    """A column spread along its columns: c 𝟏ᵀ."""
    c = ev.matrix_value(m.column)
    return Labelled(np.broadcast_to(c.data, c.data.shape[:-1] + (ev.size(m.args[1]),)),
                    c.labels)


@_matrix.register
def _(m: MatMul, ev):
    """The product of the matrix factors, times the scalar ones."""
    out = reduce(lambda a, b: _combine(np.matmul, [a, b]),
                 [ev.matrix_value(a) for a in m.args if a.is_Matrix])
    for a in m.args:
        if not a.is_Matrix:
            scalar = ev.value(a, {})
            out = _combine(np.multiply, [out, Labelled(scalar.data[..., None, None],
                                                        scalar.labels)])
    return out


@_matrix.register
def _(m: MatAdd, ev):
    return _combine(np.add, [ev.matrix_value(a) for a in m.args])


@_matrix.register
def _(m: HadamardProduct, ev):
    return _combine(np.multiply, [ev.matrix_value(a) for a in m.args])


@_matrix.register
def _(m: HadamardPower, ev):
    """A^∘c entrywise, for a number c or a scalar of the program (A^∘s)."""
    a = ev.matrix_value(m.base)
    if m.exp.is_number:
        return Labelled(a.data ** float(m.exp), a.labels)
    power = ev.value(m.exp, {})
    return _combine(np.power, [a, Labelled(power.data[..., None, None], power.labels)])


@_matrix.register
def _(m: OneMatrix, ev):
    return Labelled(np.ones(ev.shape(m)), ())


@_matrix.register
def _(m: ZeroMatrix, ev):
    return Labelled(np.zeros(ev.shape(m)), ())


@_matrix.register
def _(m: Identity, ev):
    return Labelled(np.eye(ev.shape(m)[0]), ())


@_matrix.register
def _(m: Apply, ev):
    """f(M): the operation's forward on the matrix (entrywise, or along its rows or
    columns; the matrix is the last two axes)."""
    a = ev.matrix_value(m.arg)
    return Labelled(numpy_function(m.name)(a.data), a.labels)


# ------------------------------------------------------------------ the vec convention

def _kron(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a ⊗ b over the last two axes (stacks broadcast in front)."""
    (p, q), (r, s) = a.shape[-2:], b.shape[-2:]
    lead = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    product = np.einsum("...ac,...bd->...abcd", a, b)
    return product.reshape(*lead, p * r, q * s)


@_matrix.register
def _(m: KroneckerProduct, ev):
    return reduce(lambda a, b: _combine(_kron, [a, b]), [ev.matrix_value(a) for a in m.args])


@_matrix.register
def _(m: Vec, ev):
    """vec(A): the columns (or rows) of A stacked into one column."""
    a = ev.matrix_value(m.arg)
    data = np.swapaxes(a.data, -1, -2) if m.order == "columns" else a.data
    return Labelled(data.reshape(*data.shape[:-2], -1, 1), a.labels)


@_matrix.register
def _(m: Commutation, ev):
    """K_mn: row j + n i, column i + m j is 1 (K_mn vec(A) = vec(Aᵀ), vec stacking columns)."""
    rows, cols = (ev.size(s) for s in m.columns)
    k = np.zeros((rows * cols, rows * cols))
    for i in range(rows):
        for j in range(cols):
            k[j + cols * i, i + rows * j] = 1.0
    return Labelled(k, ())


@_matrix.register
def _(m: Duplication, ev):
    """D_n: D_n vech(S) = vec(S), vech stacking the lower triangle's columns."""
    n = ev.size(m.args[0])
    d = np.zeros((n * n, n * (n + 1) // 2))
    column = 0
    for j in range(n):
        for i in range(j, n):
            d[i + n * j, column] = d[j + n * i, column] = 1.0
            column += 1
    return Labelled(d, ())


@_value.register
def _(expr: VecIndex, ev, env):
    """(i,j): entry (i, j)'s position in vec."""
    first, second = (ev.value(a, env) for a in expr.pair)
    rows, cols = (ev.size(s) for s in expr.sizes)
    return _combine(lambda a, b: expr.position(a, b, rows, cols), [first, second])
