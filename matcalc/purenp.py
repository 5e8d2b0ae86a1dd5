"""A pure-Python stand-in for the part of numpy that matcalc's numerical checker uses.

Where numpy cannot be imported (Pyodide, WebAssembly Python) the checker can bind
``np = purenp`` and run unchanged: the module-level names mirror numpy's (``np.einsum``,
``np.linalg.inv``, ``np.lib.stride_tricks.sliding_window_view``,
``np.random.default_rng(seed).normal(size=...)``) and so do their semantics, only slower.

Design, for a newcomer:

* ``ndarray`` holds its elements as a flat Python list in row-major (C) order, a ``shape``
  tuple and an element type: Python ``float`` (numpy's float64), ``int`` (int64) or
  ``bool``. The list lives in a ``_Buffer``; a view (basic indexing, iteration,
  transposes, reshapes) shares its base's buffer and holds the flat positions it shows,
  so writes through it reach the base and later writes to the base show in it, as in
  numpy (``for row in out.reshape(-1, c): row[k] = 1`` fills ``out``).
* Every rearrangement (transpose, broadcasting, slicing, diagonals, sliding windows) is
  computed by one routine, ``_positions``: the flat positions of the elements of a strided
  view given its shape, strides and offset. Broadcasting is decided by one routine
  (``broadcast_shapes``), axes are normalised by one (``_axes``).
* Elementwise functions are ``ufunc`` objects built from a scalar kernel and a type rule;
  the operators of ``ndarray`` and of the scalar types are generated from a table of them.
* Results with shape () are numpy scalars as in numpy: ``float64`` (a ``float`` subclass),
  ``int64`` (an ``int`` subclass), or a plain ``bool``; they follow ``errstate`` too
  (``np.float64(1.0) / 0`` is inf, not ZeroDivisionError).
* ``errstate``: with 'raise' for a category, an operation that produces nan from non-nan
  inputs (invalid), ±inf from finite inputs (over; divide at a pole such as x/0 or log 0)
  or 0/a subnormal from nonzero inputs of a product, quotient, power or exponential
  (under) raises FloatingPointError, as numpy does.

Known differences from numpy: ``diagonal``, ``broadcast_to`` and ``sliding_window_view``
return copies (numpy's are read-only views: only a later write to the base tells them
apart); integers are Python's (no int64 wrap-around); there is one float precision
(``longdouble`` is float64) and no float16/int8 results (bool inputs that numpy promotes
to those give float/int); no complex numbers; sums and products are in Python's order
(rounding differs from numpy's pairwise sums and BLAS at the last bits); ``float()`` of a
size-1 array of any dimension works (numpy >= 2.4 wants 0-d); underflow inside a function
(logaddexp, arctan2) is not reported.
"""

import builtins
import contextlib
import functools
import itertools
import math
import operator
import random as _random

# the names below shadow Python's builtins sum, max, min, all, any, abs and round inside
# this module: use builtins.sum etc. for Python's own

pi, e, inf, nan = math.pi, math.e, math.inf, math.nan
newaxis = None
_TINY = 2.2250738585072014e-308  # the smallest normal float64


class AxisError(ValueError, IndexError):
    """An axis out of range (numpy.exceptions.AxisError)."""


# ------------------------------------------------------------------ floating-point errors

_POLICIES = ("ignore", "warn", "raise", "call", "print", "log")
_ERRORS = {"divide": "warn", "over": "warn", "invalid": "warn", "under": "ignore"}
_WHAT = {"divide": "divide by zero", "over": "overflow", "invalid": "invalid value",
         "under": "underflow"}


def geterr() -> dict:
    """The current policy per category (numpy.geterr)."""
    return dict(_ERRORS)


def seterr(all=None, divide=None, over=None, under=None, invalid=None) -> dict:
    """Set the policy per category, 'all' for every one; return the old policy."""
    old = geterr()
    given = {"divide": divide, "over": over, "under": under, "invalid": invalid}
    new = {kind: policy if policy is not None else all for kind, policy in given.items()}
    for kind, policy in new.items():
        if policy is not None and policy not in _POLICIES:
            raise ValueError(f"invalid error policy {policy!r} for {kind}")
    _ERRORS.update({kind: policy for kind, policy in new.items() if policy is not None})
    return old


class errstate(contextlib.ContextDecorator):
    """Context manager (and decorator) setting the floating-point error policy:
    ``with errstate(divide="raise", invalid="ignore"):``, ``all=`` for every category.
    Only 'raise' does anything here ('warn', 'print', 'call', 'log' behave as 'ignore')."""

    def __init__(self, *, call=None, **policies):
        self._policies, self._old = policies, None

    def __enter__(self):
        self._old = seterr(**self._policies)
        return self

    def __exit__(self, *exc):
        _ERRORS.update(self._old)
        return False


def _raising() -> bool:
    return "raise" in _ERRORS.values()


def _flag(kind: str, op: str) -> None:
    """Report a floating-point event of this kind: raise if the policy says so."""
    if _ERRORS[kind] == "raise":
        raise FloatingPointError(f"{_WHAT[kind]} encountered in {op}")


def _finite(x) -> bool:
    return x - x == 0  # nan - nan and inf - inf are nan; ints and bools are finite


def _fp_check(op: str, out, inputs, pole=None, underflows=False) -> None:
    """Report the events numpy's floating-point flags would show for results ``out``,
    ``inputs(i)`` being the operands of result i: nan from non-nan operands is 'invalid';
    ±inf is 'divide' at a pole (``pole(*operands)``: x/0, log 0) and 'over' from finite
    operands; with ``underflows``, a subnormal result or 0 from nonzero finite operands is
    'under'."""
    for i, r in enumerate(out):
        if _finite(r):
            if underflows and isinstance(r, float) and builtins.abs(r) < _TINY and \
                    (r != 0 or builtins.all(x != 0 and _finite(x) for x in inputs(i))):
                _flag("under", op)
            continue
        xs = inputs(i)
        if r != r:
            if not builtins.any(x != x for x in xs):
                _flag("invalid", op)
        elif pole is not None and pole(*xs):
            _flag("divide", op)
        elif builtins.all(_finite(x) for x in xs):
            _flag("over", op)


# ------------------------------------------------------------------ types and scalars

class dtype:
    """The element type of an array: float64, int64 or bool. It compares equal to what
    numpy's would (``a.dtype == float``, ``== "float64"``, ``== np.float64``)."""

    def __new__(cls, spec):
        """``np.dtype("float64")``: the one dtype object of that type."""
        return _DTYPES[_type_of(spec)]

    @property
    def type(self):
        return _SCALAR[self._type]

    def __eq__(self, other):
        try:
            return self._type is _type_of(other)
        except TypeError:
            return False

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return f"dtype('{self.name}')"

    def __str__(self):
        return self.name


def _make_dtype(python_type, kind: str, name: str, itemsize: int) -> dtype:
    made = object.__new__(dtype)
    made._type, made.kind, made.name, made.itemsize = python_type, kind, name, itemsize
    return made


_DTYPES = {float: _make_dtype(float, "f", "float64", 8), int: _make_dtype(int, "i", "int64", 8),
           bool: _make_dtype(bool, "b", "bool", 1)}
_RANK = {bool: 0, int: 1, float: 2}
_BY_RANK = (bool, int, float)
_TYPE_NAMES = {"float": float, "float64": float, "f8": float, "double": float, "d": float,
               "float_": float, "longdouble": float, "int": int, "int64": int, "i8": int,
               "int_": int, "intp": int, "l": int, "bool": bool, "bool_": bool, "?": bool,
               "b1": bool,
               # one float and one int precision: float32 and int32 computed as 64-bit
               "float32": float, "f4": float, "single": float, "int32": int, "i4": int}


class generic:
    """Base of purenp's scalar types (numpy's np.generic): a number that answers what a 0-d
    array would (``x.shape``, ``x.item()``, ``x.sum()``) and computes like one."""

    __slots__ = ()

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(asarray(self), name)

    def __getitem__(self, key):
        return asarray(self)[key]


class number(generic):
    __slots__ = ()


class integer(number):
    __slots__ = ()


class signedinteger(integer):
    __slots__ = ()


class inexact(number):
    __slots__ = ()


class floating(inexact):
    __slots__ = ()


class float64(floating, float):
    """numpy's float64 scalar: a Python float whose arithmetic follows errstate."""

    __slots__ = ()


class int64(signedinteger, int):
    """numpy's int64 scalar (a Python int here: no wrap-around)."""

    __slots__ = ()


float_ = double = longdouble = float64
float32 = single = float64  # (one float precision: see the module's docstring)
int_ = intp = int64
int32 = int64  # (one int precision)
bool_ = bool
_SCALAR = {float: float64, int: int64, bool: bool}


def _type_of(spec):
    """The Python element type (float, int or bool) that a dtype specification names."""
    if spec is float or spec is int or spec is bool:
        return spec
    if isinstance(spec, dtype):
        return spec._type
    if isinstance(spec, type) and issubclass(spec, generic):
        return float if issubclass(spec, floating) else int
    if isinstance(spec, str) and spec in _TYPE_NAMES:
        return _TYPE_NAMES[spec]
    raise TypeError(f"purenp: data type {spec!r} not understood (float, int or bool only)")


def _promote(types):
    return _BY_RANK[builtins.max(_RANK[t] for t in types)]


def _result(data: list, shape: tuple, kind):
    """An array of these elements, or numpy's scalar when the shape is ()."""
    return _SCALAR[kind](data[0]) if shape == () else _new(data, shape, kind)


# ------------------------------------------------------------------ shapes, axes, views

def _prod(values) -> int:
    return math.prod(values)


def _as_shape(shape) -> tuple:
    """A shape given as an int or a sequence of ints, as a tuple."""
    if isinstance(shape, (list, tuple)):
        return tuple(operator.index(n) for n in shape)
    return (operator.index(shape),)


def _strides(shape) -> list:
    """The C-order strides, in elements."""
    out, step = [], 1
    for n in reversed(shape):
        out.append(step)
        step *= n
    return out[::-1]


def _positions(shape, strides, offset: int = 0) -> list:
    """The flat positions, in C order, of the elements of the strided view (shape,
    strides, offset) of a flat list: the one index iteration everything shares."""
    positions = [offset]
    for n, step in zip(shape, strides):
        if n != 1:
            moves = [i * step for i in range(n)]
            positions = [p + m for p in positions for m in moves]
    return positions


class _Buffer:
    """The list of elements an array shares with its views (numpy's memory), and a count
    of the writes to it: a view re-reads its elements when that count has changed."""

    __slots__ = ("items", "writes", "readonly")

    def __init__(self, items: list):
        self.items, self.writes, self.readonly = items, 0, False


class _Flags:
    """``a.flags``: ``writeable`` (False makes a and its views read-only, as numpy's
    ``a.flags.writeable = False`` on an array that owns its memory)."""

    __slots__ = ("_buffer",)

    def __init__(self, buffer: _Buffer):
        self._buffer = buffer

    @property
    def writeable(self) -> bool:
        return not self._buffer.readonly

    @writeable.setter
    def writeable(self, value: bool) -> None:
        self._buffer.readonly = not value


def _new(data: list, shape: tuple, kind):
    """An array owning a new buffer of these elements."""
    return _view_of(_Buffer(data), None, shape, kind)


def _view_of(buffer, positions, shape, kind):
    a = object.__new__(ndarray)
    a._buffer, a._map, a._shape, a._type, a._cache, a._seen = \
        buffer, positions, tuple(shape), kind, None, -1
    return a


def _view(a, positions, shape):
    """A view of a (writes to it reach a, as numpy's views): a's elements at these flat
    positions, in this shape."""
    return _view_of(a._buffer, positions if a._map is None else [a._map[p] for p in positions],
                    shape, a._type)


def _alias(a, shape):
    """a's elements in the same order, another shape (numpy's reshape of a C-contiguous
    array): a view sharing a's map."""
    return _view_of(a._buffer, a._map, shape, a._type)


def _gather(a, positions, shape):
    """A new array of a's elements at these flat positions."""
    data = a._data
    return _new([data[p] for p in positions], shape, a._type)


def _write(a, positions, values) -> None:
    """Store values at these flat positions of a (of its buffer, for a view)."""
    if a._buffer.readonly:
        raise ValueError("assignment destination is read-only")
    items, where = a._buffer.items, a._map
    for p, v in zip(positions, values):
        items[p if where is None else where[p]] = v
    a._buffer.writes += 1


def _axis(axis, ndim: int) -> int:
    """One axis, negative counting from the end, as 0 … ndim-1 (AxisError if out of range)."""
    axis = operator.index(axis)
    if not -ndim <= axis < ndim:
        raise AxisError(f"axis {axis} is out of bounds for array of dimension {ndim}")
    return axis % ndim


def _axes(axis, ndim: int) -> tuple:
    """Axes given as None (all), an int or a sequence, normalised and sorted."""
    if axis is None:
        return tuple(range(ndim))
    axes = [_axis(a, ndim) for a in (axis if isinstance(axis, (tuple, list)) else (axis,))]
    if len(set(axes)) != len(axes):
        raise ValueError("duplicate value in 'axis'")
    return tuple(sorted(axes))


def broadcast_shapes(*shapes) -> tuple:
    """The shape numpy's broadcasting gives arrays of these shapes: aligned at the end, each
    axis of length 1 stretched to the others' length."""
    shapes = [_as_shape(s) for s in shapes]
    if builtins.all(s == shapes[0] for s in shapes):
        return shapes[0] if shapes else ()
    ndim = builtins.max(len(s) for s in shapes)
    out = []
    for k in range(-ndim, 0):
        sizes = {s[k] for s in shapes if len(s) >= -k} - {1}
        if len(sizes) > 1:
            raise ValueError("operands could not be broadcast together with shapes " +
                             " ".join(str(s) for s in shapes))
        out.append(sizes.pop() if sizes else 1)
    return tuple(out)


def _broadcast_data(a, shape: tuple) -> list:
    """The elements of a broadcast to ``shape`` (known to be compatible), in C order."""
    if a._shape == shape:
        return a._data
    if len(a._data) == 1:
        return a._data * _prod(shape)
    strides = [0] * (len(shape) - a.ndim) + [
        0 if n == 1 else s for n, s in zip(a._shape, _strides(a._shape))]
    data = a._data
    return [data[p] for p in _positions(shape, strides)]


# ------------------------------------------------------------------ conversion

def _flatten(obj, out: list):
    """Append the numbers of a nested sequence (or array) to ``out``; return its shape
    and the set of element types met."""
    if isinstance(obj, ndarray):
        out.extend(obj._data)
        return obj._shape, {obj._type}
    if isinstance(obj, bool):
        out.append(obj)
        return (), {bool}
    if isinstance(obj, int):
        out.append(obj)
        return (), {int}
    if isinstance(obj, float):
        out.append(obj)
        return (), {float}
    if isinstance(obj, (list, tuple, range)):
        shapes, types = set(), set()
        for item in obj:
            shape, kinds = _flatten(item, out)
            shapes.add(shape)
            types |= kinds
        if len(shapes) > 1:
            raise ValueError("setting an array element with a sequence: the requested array "
                             "has an inhomogeneous shape")
        return (len(obj),) + (shapes.pop() if shapes else ()), types
    if hasattr(obj, "tolist") and hasattr(obj, "shape"):  # a numpy array, a numpy scalar
        return _flatten(obj.tolist(), out)
    if hasattr(obj, "__index__"):
        out.append(operator.index(obj))
        return (), {int}
    if isinstance(obj, complex) or not hasattr(obj, "__float__"):
        raise TypeError(f"purenp: cannot make an array of real numbers from {obj!r}")
    out.append(float(obj))
    return (), {float}


def asarray(a, dtype=None, order=None, copy=None):
    """a as an array (itself if it already is one of that type): from an array, a number,
    or nested lists/tuples of them. The type is the widest met (bool < int < float; an
    empty list is float) unless ``dtype`` (float, int, bool or their names) says."""
    kind = None if dtype is None else _type_of(dtype)
    if isinstance(a, ndarray):
        return a if kind is None or kind is a._type else a.astype(kind)
    data = []
    shape, types = _flatten(a, data)
    kind = kind or (_promote(types) if types else float)
    return _new(list(map(kind, data)), shape, kind)


def array(obj, dtype=None, copy=True, ndmin: int = 0):
    """A new array from obj (a copy even of an array), with at least ``ndmin`` axes."""
    a = asarray(obj, dtype)
    a = a.copy() if a is obj else a
    return a.reshape((1,) * (ndmin - a.ndim) + a._shape) if a.ndim < ndmin else a


def _operand(x) -> bool:
    """Whether x can take part in arithmetic with an array."""
    return isinstance(x, (ndarray, int, float, list, tuple))


# ------------------------------------------------------------------ ndarray

class ndarray:
    """An n-dimensional array: its elements in C order (``_data``), a shape, an element
    type. The elements live in a ``_Buffer``; a view (basic indexing, transposes) holds
    the flat positions it shows of its base's buffer, so writes to it reach the base."""

    __slots__ = ("_buffer", "_map", "_shape", "_type", "_cache", "_seen")
    __hash__ = None

    def __init__(self, shape, dtype=float):
        """numpy's low-level constructor (filled with zeros here)."""
        kind = _type_of(dtype)
        self._shape, self._type, self._map = _as_shape(shape), kind, None
        self._buffer = _Buffer([kind(0)] * _prod(self._shape))

    @property
    def _data(self) -> list:
        """The elements in C order (a view's read anew after a write to its buffer)."""
        if self._map is None:
            return self._buffer.items
        if self._seen != self._buffer.writes:
            items = self._buffer.items
            self._cache, self._seen = [items[p] for p in self._map], self._buffer.writes
        return self._cache

    # -- attributes
    @property
    def shape(self) -> tuple:
        return self._shape

    @shape.setter
    def shape(self, value):
        self._shape = self.reshape(value)._shape

    ndim = property(lambda self: len(self._shape))
    size = property(lambda self: _prod(self._shape))
    dtype = property(lambda self: _DTYPES[self._type])
    itemsize = property(lambda self: _DTYPES[self._type].itemsize)
    nbytes = property(lambda self: self.size * _DTYPES[self._type].itemsize)
    T = property(lambda self: transpose(self))
    mT = property(lambda self: swapaxes(self, -1, -2))
    real = property(lambda self: self)
    imag = property(lambda self: zeros_like(self))
    flags = property(lambda self: _Flags(self._buffer))

    # -- conversion to Python
    def tolist(self):
        """The elements as nested lists of Python numbers (a number for a 0-d array)."""
        def nest(data, shape):
            if len(shape) <= 1:
                return list(data)
            step = _prod(shape[1:])
            return [nest(data[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]
        return self._data[0] if not self._shape else nest(self._data, self._shape)

    def item(self, *index):
        """One element as a Python number: the only one, or at a flat or multi-index."""
        if not index:
            if len(self._data) != 1:
                raise ValueError("can only convert an array of size 1 to a Python scalar")
            return self._data[0]
        if len(index) == 1 and not isinstance(index[0], tuple):
            return self._data[_axis(index[0], len(self._data))]
        index = index[0] if len(index) == 1 else index
        return self._data[builtins.sum(_axis(i, n) * s for i, n, s in
                                       zip(index, self._shape, _strides(self._shape)))]

    def _only(self):
        if len(self._data) != 1:
            raise ValueError("The truth value of an array with more than one element is "
                             "ambiguous. Use a.any() or a.all()" if len(self._data) else
                             "The truth value of an empty array is ambiguous")
        return self._data[0]

    def __bool__(self):
        return bool(self._only())

    def __float__(self):
        return float(self._only())

    def __int__(self):
        return int(self._only())

    def __index__(self):
        if self._type is float:
            raise TypeError("only integer scalar arrays can be converted to a scalar index")
        return int(self._only())

    def __len__(self):
        if not self._shape:
            raise TypeError("len() of unsized object")
        return self._shape[0]

    def __iter__(self):
        if not self._shape:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self._shape[0]))

    def __contains__(self, value):
        return builtins.bool(any(equal(self, value)))

    def __repr__(self):
        return f"array({self.tolist()!r})"

    def __str__(self):
        return str(self.tolist())

    def __format__(self, spec):
        return format(self.item(), spec) if not self._shape else format(str(self), spec)

    def __copy__(self):
        return self.copy()

    def __deepcopy__(self, memo):
        return self.copy()

    # -- copies and reshaping
    def copy(self, order="C"):
        return _new(self._data[:], self._shape, self._type)

    def astype(self, dtype, copy=True):
        """A copy with elements converted (floats to int truncate toward zero)."""
        kind = _type_of(dtype)
        return _new(list(map(kind, self._data)), self._shape, kind)

    def reshape(self, *shape, order="C"):
        """The same elements in a new shape (one length may be -1: inferred); the data is
        shared, as numpy's view would."""
        return reshape(self, shape[0] if len(shape) == 1 else shape)

    def transpose(self, *axes):
        """The axes permuted (reversed if none given); ``a.transpose(1, 0)`` or a tuple."""
        return transpose(self, axes[0] if len(axes) == 1 else (axes or None))

    def flatten(self, order="C"):
        return _new(list(self._data), (len(self._data),), self._type)

    def sort(self, axis=-1, kind=None, order=None):
        """Sort in place along an axis."""
        _write(self, range(self.size), sort(self, axis)._data)

    # -- indexing
    def __getitem__(self, key):
        """numpy's indexing: a scalar for integers only, a view for basic indices (ints,
        slices, Ellipsis, None), a copy with integer arrays or masks."""
        if isinstance(key, int) and not isinstance(key, bool) and self._shape:  # a[i], fast
            i = _axis_index(key, self._shape[0], 0)
            step = _prod(self._shape[1:])
            if len(self._shape) == 1:
                return _SCALAR[self._type](self._data[i])
            return _view(self, range(i * step, (i + 1) * step), self._shape[1:])
        positions, shape, scalar, advanced = _index(self._shape, key)
        if scalar and not shape:
            return _SCALAR[self._type](self._data[positions[0]])
        return _gather(self, positions, shape) if advanced else _view(self, positions, shape)

    def __setitem__(self, key, value):
        positions, shape, _, _ = _index(self._shape, key)
        v = asarray(value)
        if v._buffer is self._buffer:  # overlapping memory (a[::-1] = a): read it first
            v = v.copy()
        while v.ndim > len(shape) and v._shape[0] == 1:  # leading length-1 axes dropped
            v = v.reshape(v._shape[1:])
        if broadcast_shapes(v._shape, shape) != shape:
            raise ValueError(f"could not broadcast input array from shape {v._shape} into "
                             f"shape {shape}")
        _write(self, positions, map(self._type, _broadcast_data(v, shape)))


def _axis_index(i, n: int, axis: int) -> int:
    """An integer index along an axis of length n, negative counting from the end."""
    i = operator.index(i)
    if not -n <= i < n:
        raise IndexError(f"index {i} is out of bounds for axis {axis} with size {n}")
    return i % n


def _index(shape: tuple, key):
    """Where ``a[key]`` reads, by numpy's rules: (flat positions in C order, the result's
    shape, whether every index was an integer, whether any was advanced).

    Basic indices (integers, slices, Ellipsis, None) and advanced ones (integer arrays,
    boolean masks, standing for their nonzero() arrays) mix; advanced indices broadcast
    together, and their axes replace theirs in place if they are adjacent, else come
    first. With any advanced index, integers count as advanced (0-d) indices too."""
    entries = []  # ("int", i) ("slice", s) ("new",) ("...",) ("array", int array, length)
    for k in key if isinstance(key, tuple) else (key,):
        if k is None:
            entries.append(("new",))
        elif k is Ellipsis:
            entries.append(("...",))
        elif isinstance(k, slice):
            entries.append(("slice", k))
        elif isinstance(k, (ndarray, list, tuple)):
            arr = asarray(k)
            if arr._type is bool and arr.ndim:
                entries += [("array", idx, n) for idx, n in zip(nonzero(arr), arr._shape)]
            elif arr._type is int or arr.size == 0:
                entries.append(("array", arr.astype(int), None))
            else:
                raise IndexError("arrays used as indices must be of integer (or boolean) type")
        elif isinstance(k, bool) or not hasattr(k, "__index__"):
            raise IndexError("only integers, slices (`:`), ellipsis (`...`), numpy.newaxis "
                             "(`None`) and integer or boolean arrays are valid indices")
        else:
            entries.append(("int", operator.index(k)))
    scalar = builtins.all(e[0] == "int" for e in entries)
    if builtins.any(e[0] == "array" for e in entries):
        entries = [("array", _new([e[1]], (), int), None) if e[0] == "int" else e
                   for e in entries]
    used = builtins.sum(1 for e in entries if e[0] in ("int", "slice", "array"))
    if used > len(shape):
        raise IndexError(f"too many indices for array: array is {len(shape)}-dimensional, "
                         f"but {used} were indexed")
    ellipses = [i for i, e in enumerate(entries) if e[0] == "..."]
    if len(ellipses) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    fill = [("slice", slice(None))] * (len(shape) - used)
    at = ellipses[0] if ellipses else len(entries)
    entries = entries[:at] + fill + entries[at + 1:]

    strides = _strides(shape)
    base, parts, advanced, dim = 0, [], [], 0  # parts: (offsets, shape) per output block
    adjacent, previous, slot = True, None, None
    for e in entries:
        if e[0] == "new":
            parts.append(([0], (1,)))
        elif e[0] == "int":
            base += _axis_index(e[1], shape[dim], dim) * strides[dim]
        elif e[0] == "slice":
            r = range(*e[1].indices(shape[dim]))
            parts.append(([i * strides[dim] for i in r], (len(r),)))
        else:
            if e[2] is not None and e[2] != shape[dim]:
                raise IndexError(f"boolean index did not match indexed array along axis "
                                 f"{dim}; size of axis is {shape[dim]} but size of "
                                 f"corresponding boolean axis is {e[2]}")
            if slot is None:
                slot = len(parts)
                parts.append(None)
            elif previous != "array":
                adjacent = False
            advanced.append((e[1], dim))
        dim += e[0] in ("int", "slice", "array")
        previous = e[0]
    if advanced:
        try:
            together = broadcast_shapes(*(arr._shape for arr, _ in advanced))
        except ValueError:
            raise IndexError("shape mismatch: indexing arrays could not be broadcast "
                             "together with shapes " +
                             " ".join(str(arr._shape) for arr, _ in advanced)) from None
        offsets = [0] * _prod(together)
        for arr, d in advanced:
            n, s = shape[d], strides[d]
            offsets = [o + _axis_index(i, n, d) * s
                       for o, i in zip(offsets, _broadcast_data(arr, together))]
        parts[slot] = (offsets, together)
        if not adjacent:
            parts.insert(0, parts.pop(slot))
    positions = [base]
    for offsets, _ in parts:
        positions = [p + o for p in positions for o in offsets]
    return positions, builtins.sum((s for _, s in parts), ()), scalar, bool(advanced)


# ------------------------------------------------------------------ ufuncs

class ufunc:
    """An elementwise function over broadcast arguments (numpy's ufunc), built from a
    scalar ``kernel`` and a type rule: 'float' (always float), 'bool', 'keep' (the
    promoted input type) or 'num' (the same, but bool becomes int). ``pole(*x)`` tells a
    division by zero from an overflow for errstate; ``identity`` starts an empty reduce."""

    def __init__(self, name, nin, kernel, rule, pole=None, underflows=False, identity=None):
        self.__name__, self.nin = name, nin
        self._kernel, self._rule, self._pole = kernel, rule, pole
        self._underflows, self.identity = underflows, identity

    def __repr__(self):
        return f"<ufunc '{self.__name__}'>"

    def __call__(self, *args, out=None, dtype=None):
        if len(args) != self.nin:
            raise TypeError(f"{self.__name__}() takes {self.nin} arguments, got {len(args)}")
        if out is not None:
            raise TypeError("purenp ufuncs take no out=")
        arrays = [asarray(a) for a in args]
        kind = _type_of(dtype) if dtype is not None else self._kind([a._type for a in arrays])
        return _apply(self._kernel, arrays, kind, self.__name__, self._pole, self._underflows)

    def _kind(self, kinds):
        """The result's element type for operands of these types."""
        if self._rule in ("float", "bool"):
            return float if self._rule == "float" else bool
        kind = _promote(kinds)
        return int if self._rule == "num" and kind is bool else kind

    def reduce(self, array, axis=0, keepdims=False, initial=None):
        """The function folded along axes (``np.add.reduce``): a list of arrays is stacked
        first, so ``np.logical_and.reduce([m1, m2, m3])`` is their elementwise and."""
        if self.nin != 2:
            raise ValueError("reduce only supported for binary functions")
        a = asarray(array)
        axes = _axes(axis, a.ndim)
        rest = tuple(n for k, n in enumerate(a._shape) if k not in axes)
        count = _prod(a._shape[k] for k in axes)
        stacked = reshape(moveaxis(a, list(axes), list(range(len(axes)))), (count,) + rest)
        items = [stacked[i] for i in range(count)]
        if initial is not None:
            items.insert(0, full(rest, initial))
        if items:
            result = functools.reduce(self, items)
        elif self.identity is None:
            raise ValueError(f"zero-size array to reduction operation {self.__name__} which "
                             "has no identity")
        else:
            kind = self._kind([a._type, a._type])
            result = _result([kind(self.identity)] * _prod(rest), rest, kind)
        if keepdims:
            result = reshape(result, tuple(1 if k in axes else n for k, n in
                                           enumerate(a._shape)))
        return result


def _apply(kernel, arrays, kind, op, pole=None, underflows=False):
    """kernel applied elementwise to the broadcast arrays, results of type kind."""
    shape = broadcast_shapes(*(a._shape for a in arrays))
    flats = [_broadcast_data(a, shape) for a in arrays]
    data = list(map(kind, map(kernel, *flats)))
    if _raising():
        _fp_check(op, data, lambda i: [f[i] for f in flats], pole, underflows)
    return _result(data, shape, kind)


def _true_divide(a, b):
    try:
        return a / b
    except ZeroDivisionError:
        return nan if a != a or a == 0 else math.copysign(inf, a) * math.copysign(1.0, b)


def _floor_divide(a, b):
    try:
        return a // b
    except ZeroDivisionError:
        if isinstance(a, int) and isinstance(b, int):
            _flag("divide", "floor_divide")
            return 0
        return _true_divide(a, b)


def _remainder(a, b):
    try:
        return a % b
    except ZeroDivisionError:
        if isinstance(a, int) and isinstance(b, int):
            _flag("divide", "remainder")
            return 0
        return nan


def _power(a, b):
    if isinstance(a, int) and isinstance(b, int):
        if b < 0:
            raise ValueError("Integers to negative integer powers are not allowed.")
        return a ** b
    if b == 0.5:  # numpy computes x ** 0.5 as √x (so (-inf) ** 0.5 is nan)
        return math.sqrt(a) if a >= 0 else nan
    odd = _finite(b) and b % 2 == 1
    try:
        return math.pow(a, b)
    except OverflowError:
        return -inf if a < 0 and odd else inf
    except ValueError:  # 0 to a negative power (a pole), or a negative base to a fraction
        return math.copysign(inf, a) if odd else inf if a == 0 else nan


def _maximum(a, b):
    return a if a != a else b if b != b else a if a >= b else b


def _minimum(a, b):
    return a if a != a else b if b != b else a if a <= b else b


def _logaddexp(a, b):
    """log(e^a + e^b), as numpy computes it (no overflow)."""
    if a == b:
        return a + math.log(2.0)
    d = a - b
    if d > 0:
        return a + math.log1p(_exp(-d))
    if d <= 0:
        return b + math.log1p(_exp(d))
    _flag("invalid", "logaddexp")  # a nan operand: numpy's comparisons report it
    return d


def _overflowing(f, signed=False):
    """f with Python's OverflowError turned into numpy's inf (of x's sign if signed)."""
    def kernel(x):
        try:
            return f(x)
        except OverflowError:
            return math.copysign(inf, x) if signed else inf
    return kernel


_exp = _overflowing(math.exp)


def _finite_only(f):
    """f where it is defined on finite numbers, nan at ±inf (sin, cos, tan)."""
    return lambda x: f(x) if _finite(x) else nan


def _logarithm(f, pole=0.0):
    """f on (pole, ∞], -inf at the pole, nan below it."""
    return lambda x: f(x) if x > pole else -inf if x == pole else nan


def _within(f, lo, hi):
    """f on [lo, hi], nan outside (arcsin, arccos, arccosh)."""
    return lambda x: f(x) if lo <= x <= hi else nan


def _arctanh(x):
    return math.atanh(x) if -1 < x < 1 else math.copysign(inf, x) if builtins.abs(x) == 1 \
        else nan


def _rounding(f):
    """A rounding function (floor, ceil, trunc) kept finite-only: ±inf and nan pass."""
    return lambda x: f(x) if _finite(x) else x


def _rint(x):
    """Round half to even, like numpy's rint (Python's round does the same)."""
    return math.copysign(builtins.round(x), x) if isinstance(x, float) and _finite(x) else x


def _heaviside(x, h0):
    return h0 if x == 0 else 0.0 if x < 0 else 1.0 if x > 0 else x


def _sign(x):
    return (x > 0) - (x < 0) if x == x else x


def _invert(x):
    if isinstance(x, float):
        raise TypeError("ufunc 'invert' not supported for floats")
    return not x if isinstance(x, bool) else ~x


def _zero_divisor(a, b):
    return b == 0 and _finite(a)


def _at_zero(x):
    return x == 0


# the ufuncs: name, number of operands, scalar kernel, type rule, then for errstate the
# pole (where ±inf is a division by zero) and whether the result can underflow
add = ufunc("add", 2, operator.add, "keep", identity=0)
subtract = ufunc("subtract", 2, operator.sub, "num")
multiply = ufunc("multiply", 2, operator.mul, "keep", underflows=True, identity=1)
divide = true_divide = ufunc("divide", 2, _true_divide, "float", _zero_divisor, True)
floor_divide = ufunc("floor_divide", 2, _floor_divide, "num", _zero_divisor)
remainder = mod = ufunc("remainder", 2, _remainder, "num")
power = ufunc("power", 2, _power, "num", lambda a, b: a == 0 and b < 0, True)
maximum = ufunc("maximum", 2, _maximum, "keep")
minimum = ufunc("minimum", 2, _minimum, "keep")
logaddexp = ufunc("logaddexp", 2, _logaddexp, "float")
heaviside = ufunc("heaviside", 2, _heaviside, "float")
arctan2 = ufunc("arctan2", 2, math.atan2, "float")
hypot = ufunc("hypot", 2, math.hypot, "float")
equal = ufunc("equal", 2, operator.eq, "bool")
not_equal = ufunc("not_equal", 2, operator.ne, "bool")
less = ufunc("less", 2, operator.lt, "bool")
less_equal = ufunc("less_equal", 2, operator.le, "bool")
greater = ufunc("greater", 2, operator.gt, "bool")
greater_equal = ufunc("greater_equal", 2, operator.ge, "bool")
logical_and = ufunc("logical_and", 2, lambda a, b: bool(a) and bool(b), "bool", identity=True)
logical_or = ufunc("logical_or", 2, lambda a, b: bool(a) or bool(b), "bool", identity=False)
logical_xor = ufunc("logical_xor", 2, lambda a, b: bool(a) != bool(b), "bool", identity=False)
logical_not = ufunc("logical_not", 1, operator.not_, "bool")
bitwise_and = ufunc("bitwise_and", 2, operator.and_, "keep")
bitwise_or = ufunc("bitwise_or", 2, operator.or_, "keep")
bitwise_xor = ufunc("bitwise_xor", 2, operator.xor, "keep")
invert = ufunc("invert", 1, _invert, "keep")
negative = ufunc("negative", 1, operator.neg, "num")
positive = ufunc("positive", 1, operator.pos, "num")
absolute = abs = ufunc("absolute", 1, builtins.abs, "keep")
fabs = ufunc("fabs", 1, math.fabs, "float")
sign = ufunc("sign", 1, _sign, "num")
square = ufunc("square", 1, lambda x: x * x, "num", underflows=True)
exp = ufunc("exp", 1, _exp, "float", underflows=True)
exp2 = ufunc("exp2", 1, _overflowing(lambda x: math.pow(2.0, x)), "float", underflows=True)
expm1 = ufunc("expm1", 1, _overflowing(math.expm1), "float")
log = ufunc("log", 1, _logarithm(math.log), "float", _at_zero)
log2 = ufunc("log2", 1, _logarithm(math.log2), "float", _at_zero)
log10 = ufunc("log10", 1, _logarithm(math.log10), "float", _at_zero)
log1p = ufunc("log1p", 1, _logarithm(math.log1p, -1.0), "float", lambda x: x == -1)
sqrt = ufunc("sqrt", 1, lambda x: math.sqrt(x) if x >= 0 else nan, "float")
cbrt = ufunc("cbrt", 1, math.cbrt, "float")
sin = ufunc("sin", 1, _finite_only(math.sin), "float")
cos = ufunc("cos", 1, _finite_only(math.cos), "float")
tan = ufunc("tan", 1, _finite_only(math.tan), "float")
arcsin = ufunc("arcsin", 1, _within(math.asin, -1, 1), "float")
arccos = ufunc("arccos", 1, _within(math.acos, -1, 1), "float")
arctan = ufunc("arctan", 1, math.atan, "float")
sinh = ufunc("sinh", 1, _overflowing(math.sinh, signed=True), "float")
cosh = ufunc("cosh", 1, _overflowing(math.cosh), "float")
tanh = ufunc("tanh", 1, math.tanh, "float")
arcsinh = ufunc("arcsinh", 1, math.asinh, "float")
arccosh = ufunc("arccosh", 1, _within(math.acosh, 1, inf), "float")
arctanh = ufunc("arctanh", 1, _arctanh, "float", lambda x: builtins.abs(x) == 1)
floor = ufunc("floor", 1, _rounding(math.floor), "keep")
ceil = ufunc("ceil", 1, _rounding(math.ceil), "keep")
trunc = ufunc("trunc", 1, _rounding(math.trunc), "keep")
rint = ufunc("rint", 1, _rint, "float")
isfinite = ufunc("isfinite", 1, _finite, "bool")
isnan = ufunc("isnan", 1, lambda x: x != x, "bool")
isinf = ufunc("isinf", 1, lambda x: x == x and not _finite(x), "bool")


def round(a, decimals: int = 0, out=None):
    """Round half to even at ``decimals`` digits (negative: tens, hundreds), numpy's way:
    rint(a · 10^d) / 10^d; integers stay integers."""
    decimals = operator.index(decimals)
    scale = 10 ** builtins.abs(decimals)

    def kernel(x):
        if isinstance(x, int):
            if decimals >= 0:
                return x
            q, r = divmod(x, scale)
            return (q + (2 * r > scale or (2 * r == scale and q % 2))) * scale
        return _rint(x * scale) / scale if decimals >= 0 else _rint(x / scale) * scale

    a = asarray(a)
    return _apply(kernel, [a], int if a._type is bool else a._type, "round")


around = round


def clip(a, a_min=None, a_max=None, out=None):
    """a limited to [a_min, a_max] (either may be None): minimum(maximum(a, lo), hi)."""
    if a_min is not None:
        a = maximum(a, a_min)
    return minimum(a, a_max) if a_max is not None else a


def where(condition, x=None, y=None):
    """x where condition holds, else y (all broadcast); with the condition alone, its
    nonzero() indices."""
    if x is None and y is None:
        return nonzero(condition)
    arrays = [asarray(condition), asarray(x), asarray(y)]
    kind = _promote([arrays[1]._type, arrays[2]._type])
    return _apply(lambda c, u, v: u if c else v, arrays, kind, "where")


# the operators of arrays and of scalars: binary ones (also reflected and, for arrays,
# in place), comparisons, unary ones
_OPERATORS = {"add": add, "sub": subtract, "mul": multiply, "truediv": true_divide,
              "floordiv": floor_divide, "mod": remainder, "pow": power,
              "and": bitwise_and, "or": bitwise_or, "xor": bitwise_xor}
_COMPARISONS = {"eq": equal, "ne": not_equal, "lt": less, "le": less_equal, "gt": greater,
                "ge": greater_equal}
_UNARY = {"neg": negative, "pos": positive, "abs": absolute, "invert": invert}


def _forward(f):
    return lambda self, other: f(self, other) if _operand(other) else NotImplemented


def _reflected(f):
    return lambda self, other: f(other, self) if _operand(other) else NotImplemented


def _in_place(f):
    def method(self, other):
        if not _operand(other):
            return NotImplemented
        result = asarray(f(self, other))
        if _RANK[result._type] > _RANK[self._type]:
            raise TypeError(f"Cannot cast ufunc output from {result.dtype} to {self.dtype} "
                            "with casting rule 'same_kind'")
        self[...] = result
        return self
    return method


def _install_operators():
    binary = {**_OPERATORS, "matmul": lambda a, b: matmul(a, b)}
    for cls in (ndarray, generic):
        for name, f in binary.items():
            setattr(cls, f"__{name}__", _forward(f))
            setattr(cls, f"__r{name}__", _reflected(f))
            if cls is ndarray:
                setattr(cls, f"__i{name}__", _in_place(f))
        for name, f in _UNARY.items():
            setattr(cls, f"__{name}__", lambda self, f=f: f(self))
    for name, f in _COMPARISONS.items():  # scalars keep Python's comparisons (no errors)
        setattr(ndarray, f"__{name}__", _forward(f))


# ------------------------------------------------------------------ reductions

def _reduce(a, axis, keepdims, fold, kind, op="reduce"):
    """fold (a function of a list) applied to the elements along the given axes of a, for
    each position of the other axes; keepdims keeps the reduced axes with length 1."""
    a = asarray(a)
    axes = _axes(axis, a.ndim)
    kept = [k for k in range(a.ndim) if k not in axes]
    data = a._data if kept == list(range(len(kept))) else transpose(a, kept + list(axes))._data
    n = _prod(a._shape[k] for k in axes)
    groups = [data[i * n:(i + 1) * n] for i in range(_prod(a._shape[k] for k in kept))]
    out = list(map(kind, map(fold, groups)))
    if _raising():
        _fp_check(op, out, lambda i: groups[i])
    shape = tuple(1 if k in axes else a._shape[k] for k in range(a.ndim)) if keepdims else \
        tuple(a._shape[k] for k in kept)
    return _result(out, shape, kind)


def _extreme(pick, name):
    """max or min of a list, nan if any is nan (numpy propagates nan)."""
    def fold(g):
        if not g:
            raise ValueError(f"zero-size array to reduction operation {name} which has no "
                             "identity")
        for x in g:
            if x != x:
                return x
        return pick(g)
    return fold


def _mean(g):
    return _true_divide(builtins.sum(g, 0.0), len(g))


def _variance(ddof):
    def fold(g):
        m = _mean(g)
        return _true_divide(builtins.sum(((x - m) * (x - m) for x in g), 0.0),
                            builtins.max(len(g) - ddof, 0))
    return fold


def _reduction(name, fold, result, uses_initial=True):
    """A numpy reduction (sum, prod, max, …) of the given fold; ``result(kind)`` is the
    result's type for an input of type kind."""
    def reduction(a, axis=None, dtype=None, out=None, keepdims=False, initial=None,
                  where=None):
        if out is not None or where is not None:
            raise TypeError(f"purenp's {name} takes no out= or where=")
        a = asarray(a)
        kind = _type_of(dtype) if dtype is not None else result(a._type)
        if initial is None or not uses_initial:
            return _reduce(a, axis, keepdims, fold, kind)
        return _reduce(a, axis, keepdims, lambda g: fold([initial, *g]), kind)
    reduction.__name__ = reduction.__qualname__ = name
    reduction.__doc__ = f"numpy's {name} over the given axes (None: all; keepdims keeps them)."
    return reduction


def _to_int(kind):
    return int if kind is bool else kind


sum = _reduction("sum", lambda g: builtins.sum(g[1:], g[0]) if g else 0, _to_int)
prod = _reduction("prod", math.prod, _to_int)
max = amax = _reduction("max", _extreme(builtins.max, "maximum"), lambda kind: kind)
min = amin = _reduction("min", _extreme(builtins.min, "minimum"), lambda kind: kind)
mean = _reduction("mean", _mean, lambda kind: float, uses_initial=False)
all = _reduction("all", builtins.all, lambda kind: bool, uses_initial=False)
any = _reduction("any", builtins.any, lambda kind: bool, uses_initial=False)


def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    """The variance, mean of squared deviations, divided by n - ddof."""
    return _reduce(a, axis, keepdims, _variance(ddof), float)


def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    """The standard deviation, √var."""
    return sqrt(var(a, axis, ddof=ddof, keepdims=keepdims))


def _arg_extreme(better, name):
    def function(a, axis=None, out=None, *, keepdims=False):
        def fold(g):
            if not g:
                raise ValueError(f"attempt to get {name} of an empty sequence")
            best = 0
            for i, x in enumerate(g):
                if x != x:
                    return i
                if better(x, g[best]):
                    best = i
            return best
        a = asarray(a)
        if axis is None:
            found = _reduce(a.ravel(), None, False, fold, int)
            return reshape(found, (1,) * a.ndim) if keepdims else found
        return _reduce(a, _axis(axis, a.ndim), keepdims, fold, int)
    function.__name__ = name
    function.__doc__ = f"The index of the first {name[3:]} (the flat index without axis)."
    return function


argmax = _arg_extreme(operator.gt, "argmax")
argmin = _arg_extreme(operator.lt, "argmin")


def _nan_last(x):
    return (x != x, x)


def _along_axis(a, axis, f):
    """f (a function of a list, giving a list as long) applied along an axis."""
    a = asarray(a)
    moved = moveaxis(a, _axis(axis, a.ndim), -1)
    n = moved._shape[-1] if moved._shape else 1
    data = [x for i in range(0, len(moved._data), n or 1) for x in f(moved._data[i:i + n])]
    return moveaxis(_new(data, moved._shape, moved._type), -1, axis)


def sort(a, axis=-1, kind=None, order=None):
    """A sorted copy along an axis (None: flattened); nan sorts last."""
    a = asarray(a)
    if axis is None:
        a, axis = a.ravel(), 0
    return _along_axis(a, axis, lambda row: sorted(row, key=_nan_last))


def argsort(a, axis=-1, kind=None, order=None):
    """The indices that sort a along an axis (stable: ties keep their order)."""
    a = asarray(a)
    if axis is None:
        a, axis = a.ravel(), 0
    return _along_axis(a, axis, lambda row: sorted(range(len(row)),
                                                   key=lambda i: _nan_last(row[i]))
                       ).astype(int)


def unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None,
           *, equal_nan=True):
    """The sorted distinct values of the flattened array; optionally the index of each
    one's first occurrence, the inverse (each element's place among them, in the input's
    shape) and the counts."""
    a = asarray(ar)
    flat = a._data
    values, first, counts, inverse = [], [], [], [0] * len(flat)
    for i in sorted(range(len(flat)), key=lambda i: _nan_last(flat[i])):
        x = flat[i]
        if values and (x == values[-1] or x != x and values[-1] != values[-1]):
            counts[-1] += 1
        else:
            values.append(x)
            first.append(i)
            counts.append(1)
        inverse[i] = len(values) - 1
    found = [_new(values, (len(values),), a._type)]
    found += [_new(first, (len(first),), int)] if return_index else []
    found += [_new(inverse, a._shape, int)] if return_inverse else []
    found += [_new(counts, (len(counts),), int)] if return_counts else []
    return tuple(found) if len(found) > 1 else found[0]


def nonzero(a):
    """The indices of the nonzero elements, one integer array per axis."""
    a = asarray(a)
    if not a._shape:
        raise ValueError("Calling nonzero on 0d arrays is not allowed. Use "
                         "np.atleast_1d(scalar).nonzero() instead.")
    hits = [p for p, x in enumerate(a._data) if x]
    columns = unravel_index(_new(hits, (len(hits),), int), a._shape)
    return tuple(columns)


# ------------------------------------------------------------------ creation

def full(shape, fill_value, dtype=None):
    """An array of this shape filled with the value (of the value's type unless dtype)."""
    shape = _as_shape(shape)
    return broadcast_to(asarray(fill_value, dtype), shape)


def zeros(shape, dtype=float):
    return full(shape, 0, dtype)


def ones(shape, dtype=float):
    return full(shape, 1, dtype)


empty = zeros


def full_like(a, fill_value, dtype=None):
    a = asarray(a)
    return full(a._shape, fill_value, a._type if dtype is None else dtype)


def zeros_like(a, dtype=None):
    return full_like(a, 0, dtype)


def ones_like(a, dtype=None):
    return full_like(a, 1, dtype)


empty_like = zeros_like


def copy(a):
    return array(a)


def eye(N, M=None, k=0, dtype=float):
    """The N × M matrix with ones on diagonal k, zeros elsewhere."""
    M = N if M is None else M
    kind = _type_of(dtype)
    return _new([kind(j - i == k) for i in range(N) for j in range(M)], (N, M), kind)


def identity(n, dtype=float):
    return eye(n, dtype=dtype)


def arange(start, stop=None, step=None, dtype=None):
    """start, start + step, … below stop (above it for a negative step); integers if all
    the arguments are."""
    if stop is None:
        start, stop = 0, start
    step = 1 if step is None else step
    if step == 0:
        raise ValueError("arange: the step must not be zero")
    n = builtins.max(0, math.ceil((stop - start) / step))
    kind = _type_of(dtype) if dtype is not None else \
        int if builtins.all(isinstance(v, int) for v in (start, stop, step)) else float
    return _new([kind(start + i * step) for i in range(n)], (n,), kind)


def diag(v, k=0):
    """A 1-d array's square matrix with it on diagonal k, or a 2-d array's diagonal k."""
    v = asarray(v)
    if v.ndim == 2:
        return diagonal(v, k)
    if v.ndim != 1:
        raise ValueError("Input must be 1- or 2-d.")
    n = len(v._data) + builtins.abs(k)
    data = [v._type(0)] * (n * n)
    for i, x in enumerate(v._data):
        data[(i + builtins.max(-k, 0)) * n + i + builtins.max(k, 0)] = x
    return _new(data, (n, n), v._type)


def outer(a, b):
    """The outer product of the flattened a and b: out[i, j] = a_i b_j."""
    return multiply(asarray(a).ravel()[:, None], asarray(b).ravel()[None, :])


def kron(a, b):
    """The Kronecker product of two arrays of at most two axes (the one with fewer taken
    as having leading axes of length 1): out[r·p + s, c·q + t] = a_rc b_st, b (p, q)."""
    a, b = asarray(a), asarray(b)
    if a.ndim > 2 or b.ndim > 2:
        raise ValueError("kron here takes arrays of at most two axes")
    rank = 2 if 2 in (a.ndim, b.ndim) else 1
    a = a.reshape((1,) * (2 - a.ndim) + a.shape) if a.ndim < 2 else a
    b = b.reshape((1,) * (2 - b.ndim) + b.shape) if b.ndim < 2 else b
    out = einsum("ac,bd->abcd", a, b).reshape(a.shape[0] * b.shape[0],
                                             a.shape[1] * b.shape[1])
    return out if rank == 2 else out.reshape(-1)


# ------------------------------------------------------------------ shape functions

def shape(a) -> tuple:
    return asarray(a)._shape


def ndim(a) -> int:
    return len(asarray(a)._shape)


def size(a, axis=None) -> int:
    a = asarray(a)
    return len(a._data) if axis is None else a._shape[_axis(axis, a.ndim)]


def reshape(a, newshape=None, order="C", *, shape=None):
    """The same elements (shared, as numpy's view) in a new shape; one length may be -1."""
    a = asarray(a)
    new = list(_as_shape(newshape if shape is None else shape))
    if new.count(-1) > 1:
        raise ValueError("can only specify one unknown dimension")
    if -1 in new:
        known = _prod(n for n in new if n != -1)
        new[new.index(-1)] = len(a._data) // known if known else 0
    if _prod(new) != len(a._data) or builtins.any(n < 0 for n in new):
        raise ValueError(f"cannot reshape array of size {len(a._data)} into shape "
                         f"{tuple(_as_shape(newshape if shape is None else shape))}")
    return _alias(a, new)


def ravel(a, order="C"):
    """The elements as a 1-d array (sharing the data, as numpy's view)."""
    a = asarray(a)
    return _alias(a, (a.size,))


def transpose(a, axes=None):
    """The axes permuted: reversed, or in the given order."""
    a = asarray(a)
    order = list(range(a.ndim))[::-1] if axes is None else [_axis(k, a.ndim) for k in axes]
    if sorted(order) != list(range(a.ndim)):
        raise ValueError("axes don't match array")
    if order == list(range(a.ndim)):
        return _alias(a, a._shape)
    strides, shape = _strides(a._shape), [a._shape[k] for k in order]
    return _view(a, _positions(shape, [strides[k] for k in order]), shape)


def swapaxes(a, axis1, axis2):
    a = asarray(a)
    order = list(range(a.ndim))
    i, j = _axis(axis1, a.ndim), _axis(axis2, a.ndim)
    order[i], order[j] = j, i
    return transpose(a, order)


def moveaxis(a, source, destination):
    """The axes ``source`` (an int or a sequence) moved to ``destination``, the others
    keeping their order."""
    a = asarray(a)
    seq = (tuple, list)
    source = [_axis(k, a.ndim) for k in (source if isinstance(source, seq) else [source])]
    destination = [_axis(k, a.ndim) for k in
                   (destination if isinstance(destination, seq) else [destination])]
    if len(source) != len(destination):
        raise ValueError("`source` and `destination` arguments must have the same number "
                         "of elements")
    order = [k for k in range(a.ndim) if k not in source]
    for dest, src in sorted(zip(destination, source)):
        order.insert(dest, src)
    return transpose(a, order)


def squeeze(a, axis=None):
    """a without its length-1 axes (all of them, or those given, which must be 1)."""
    a = asarray(a)
    axes = _axes(axis, a.ndim) if axis is not None else \
        [k for k, n in enumerate(a._shape) if n == 1]
    if builtins.any(a._shape[k] != 1 for k in axes):
        raise ValueError("cannot select an axis to squeeze out which has size not equal to "
                         "one")
    return reshape(a, tuple(n for k, n in enumerate(a._shape) if k not in axes))


def expand_dims(a, axis):
    """a with new length-1 axes at the given positions (of the result)."""
    a = asarray(a)
    count = len(axis) if isinstance(axis, (tuple, list)) else 1
    axes = _axes(axis, a.ndim + count)
    rest = iter(a._shape)
    return reshape(a, tuple(1 if k in axes else next(rest) for k in range(a.ndim + count)))


def atleast_1d(*arys):
    found = [reshape(a, (1,)) if a.ndim == 0 else a for a in map(asarray, arys)]
    return found[0] if len(found) == 1 else tuple(found)


def atleast_2d(*arys):
    found = [reshape(a, (1,) * (2 - a.ndim) + a._shape) if a.ndim < 2 else a
             for a in map(asarray, arys)]
    return found[0] if len(found) == 1 else tuple(found)


def broadcast_to(array, shape):
    """array broadcast to a shape (a copy here, numpy's is a read-only view)."""
    a, shape = asarray(array), _as_shape(shape)
    if len(shape) < a.ndim or broadcast_shapes(a._shape, shape) != shape:
        raise ValueError(f"operands could not be broadcast together with remapped shapes "
                         f"[original->remapped]: {a._shape} and requested shape {shape}")
    return _new(list(_broadcast_data(a, shape)), shape, a._type)


def broadcast_arrays(*args):
    arrays = [asarray(a) for a in args]
    target = broadcast_shapes(*(a._shape for a in arrays))
    return tuple(broadcast_to(a, target) for a in arrays)


def concatenate(arrays, axis=0, dtype=None):
    """The arrays joined along an existing axis (None: flattened first)."""
    arrays = [asarray(a) for a in arrays]
    if not arrays:
        raise ValueError("need at least one array to concatenate")
    if axis is None:
        arrays, axis = [a.ravel() for a in arrays], 0
    first = arrays[0]
    if first.ndim == 0:
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    axis = _axis(axis, first.ndim)
    for i, a in enumerate(arrays):
        if a.ndim != first.ndim:
            raise ValueError("all the input arrays must have same number of dimensions")
        for k in range(a.ndim):
            if k != axis and a._shape[k] != first._shape[k]:
                raise ValueError("all the input array dimensions except for the "
                                 f"concatenation axis must match exactly, but along "
                                 f"dimension {k}, the array at index 0 has size "
                                 f"{first._shape[k]} and the array at index {i} has size "
                                 f"{a._shape[k]}")
    kind = _type_of(dtype) if dtype is not None else _promote(a._type for a in arrays)
    chunks = [_prod(a._shape[axis:]) for a in arrays]
    data = [x for i in range(_prod(first._shape[:axis]))
            for a, c in zip(arrays, chunks) for x in a._data[i * c:(i + 1) * c]]
    length = builtins.sum(a._shape[axis] for a in arrays)
    return _new(list(map(kind, data)), first._shape[:axis] + (length,) +
                first._shape[axis + 1:], kind)


def stack(arrays, axis=0):
    """Arrays of one shape joined along a new axis."""
    arrays = [asarray(a) for a in arrays]
    if not arrays:
        raise ValueError("need at least one array to stack")
    if builtins.any(a._shape != arrays[0]._shape for a in arrays):
        raise ValueError("all input arrays must have the same shape")
    axis = _axis(axis, arrays[0].ndim + 1)
    return concatenate([expand_dims(a, axis) for a in arrays], axis)


def unravel_index(indices, shape):
    """Flat indices as a tuple of coordinate arrays (numbers for a number) in a shape."""
    shape = _as_shape(shape)
    idx = asarray(indices)
    if idx._type is float:
        raise TypeError("only int indices permitted")
    total, columns = _prod(shape), [[] for _ in shape]
    for p in idx._data:
        if not 0 <= p < total:
            raise ValueError(f"index {p} is out of bounds for array with size {total}")
        for column, step in zip(columns, _strides(shape)):
            q, p = divmod(p, step)
            column.append(q)
    return tuple(_result(column, idx._shape, int) for column in columns)


def triu_indices(n, k=0, m=None):
    """The (rows, columns) of the upper triangle of an n × m matrix from diagonal k."""
    m = n if m is None else m
    pairs = [(i, j) for i in range(n) for j in range(m) if j - i >= k]
    return (_new([i for i, _ in pairs], (len(pairs),), int),
            _new([j for _, j in pairs], (len(pairs),), int))


def diagonal(a, offset=0, axis1=0, axis2=1):
    """The diagonal ``offset`` of the planes (axis1, axis2), as the last axis."""
    a = asarray(a)
    i, j = _axis(axis1, a.ndim), _axis(axis2, a.ndim)
    if i == j:
        raise ValueError("axis1 and axis2 cannot be the same")
    strides = _strides(a._shape)
    rest = [k for k in range(a.ndim) if k not in (i, j)]
    length = builtins.max(0, builtins.min(a._shape[i] - builtins.max(-offset, 0),
                                          a._shape[j] - builtins.max(offset, 0)))
    start = builtins.max(-offset, 0) * strides[i] + builtins.max(offset, 0) * strides[j]
    shape = [a._shape[k] for k in rest] + [length]
    return _gather(a, _positions(shape, [strides[k] for k in rest] + [strides[i] + strides[j]],
                                 start if length else 0), shape)


def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    """The sum of diagonal ``offset`` of the planes (axis1, axis2)."""
    return sum(diagonal(a, offset, axis1, axis2), axis=-1, dtype=dtype)


def pad(array, pad_width, mode="constant", constant_values=0):
    """array with constant padding: pad_width an int, (before, after) or one pair per axis
    (likewise constant_values); corners take the later axis's value, as in numpy."""
    if mode != "constant":
        raise NotImplementedError("purenp.pad supports mode='constant' only")
    a = asarray(array)

    def pairs(value):
        return broadcast_to(asarray(value), (a.ndim, 2)).tolist()

    widths = pairs(asarray(pad_width, int))
    if builtins.any(w < 0 for pair in widths for w in pair):
        raise ValueError("index can't contain negative values")
    for axis, ((before, after), (low, high)) in enumerate(zip(widths,
                                                              pairs(constant_values))):
        sides = [a._shape[:axis] + (w,) + a._shape[axis + 1:] for w in (before, after)]
        a = concatenate([full(sides[0], low, a._type), a, full(sides[1], high, a._type)],
                        axis)
    return a


# ------------------------------------------------------------------ products

def matmul(a, b):
    """The matrix product over the last two axes, the leading ones broadcast; a 1-d
    operand is a row (first) or a column (second), its axis removed from the result."""
    return _matmul(a, b, "matmul")


def _matmul(a, b, op):
    a, b = asarray(a), asarray(b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"{op}: Input operand {0 if a.ndim == 0 else 1} does not have "
                         "enough dimensions")
    a2 = reshape(a, (1,) + a._shape) if a.ndim == 1 else a
    b2 = reshape(b, b._shape + (1,)) if b.ndim == 1 else b
    (n, k), (k2, m) = a2._shape[-2:], b2._shape[-2:]
    if k != k2:
        raise ValueError(f"{op}: Input operand 1 has a mismatch in its core dimension 0, "
                         f"with gufunc signature (n?,k),(k,m?)->(n?,m?) (size {k2} is "
                         f"different from {k})")
    batch = broadcast_shapes(a2._shape[:-2], b2._shape[:-2])
    rows = _broadcast_data(a2, batch + (n, k))
    columns = _broadcast_data(swapaxes(b2, -1, -2), batch + (m, k))
    kind = _promote([a._type, b._type])
    zero = kind(0) if kind is not bool else 0
    out = []
    for t in range(_prod(batch)):
        left = [rows[(t * n + i) * k:(t * n + i + 1) * k] for i in range(n)]
        right = [columns[(t * m + j) * k:(t * m + j + 1) * k] for j in range(m)]
        out += [builtins.sum(map(operator.mul, r, c), zero) for r in left for c in right]
    out = list(map(kind, out))
    if _raising():  # an entry's operands: all of a and b, summarised
        odd = [x for x in itertools.chain(rows, columns) if not _finite(x)] or [1.0]
        _fp_check(op, out, lambda i: odd)
    shape = batch + ((n,) if a.ndim > 1 else ()) + ((m,) if b.ndim > 1 else ())
    return _result(out, shape, kind)


def dot(a, b):
    """numpy's dot: a product for a number, the inner product of vectors, matmul for
    matrices, and for N-d arrays the sum over a's last axis and b's second-to-last."""
    a, b = asarray(a), asarray(b)
    if a.ndim == 0 or b.ndim == 0:
        return multiply(a, b)
    if a.ndim <= 2 and b.ndim <= 2 or b.ndim == 1:
        return _matmul(a, b, "dot")
    k = a._shape[-1]
    flat = _matmul(reshape(a, (-1, k)), reshape(moveaxis(b, -2, 0), (k, -1)), "dot")
    return reshape(flat, a._shape[:-1] + b._shape[:-2] + b._shape[-1:])


_ELLIPSIS = "."


def _einsum_symbol(label):
    """A sublist label (0-51, or Ellipsis) as a subscript letter, as numpy maps them."""
    if label is Ellipsis:
        return "..."
    label = operator.index(label)
    if not 0 <= label < 52:
        raise ValueError(f"subscript {label} is not within the valid range [0, 52)")
    return chr(ord("A") + label) if label < 26 else chr(ord("a") + label - 26)


def _einsum_labels(term: str) -> list:
    """A term's labels: letters, and "..." as one item."""
    before, dots, after = term.partition("...")
    letters = before + after
    if letters and not (letters.isascii() and letters.isalpha()):
        raise ValueError(f"invalid subscript {term!r} in einstein sum subscripts string")
    return list(before) + ([_ELLIPSIS] if dots else []) + list(after)


def einsum(*operands, optimize=False, dtype=None):
    """numpy's einsum: ``einsum("ij,jk->ik", a, b)`` or ``einsum(a, [0, 1], b, [1, 2],
    [0, 2])``. A label repeated within an operand takes its diagonal, a label absent from
    the output is summed over, "..." broadcasts; without "->" the output is the labels
    met once, sorted. Contracted pairwise (the cheapest pair first), each pair by
    iterating over its labels' ranges."""
    spec, arrays = _einsum_spec(operands)
    labelled, output = _einsum_labelled(spec, arrays)
    sizes = {}
    for t, a in zip(labelled, arrays):
        for label, n in zip(t, a._shape):
            if sizes.get(label, 1) not in (1, n) and n != 1:
                raise ValueError(f"operands could not be broadcast together: label "
                                 f"{label!r} has lengths {sizes[label]} and {n}")
            sizes[label] = n if sizes.get(label, 1) == 1 else sizes[label]
    for label in output:
        if label not in sizes:
            raise ValueError(f"einstein sum subscripts string included output subscript "
                             f"{label!r} which never appeared in an input")
    factors = []  # (data, {label: stride}): a repeated label adds its strides (a diagonal)
    for t, a in zip(labelled, arrays):
        strides = {}
        for label, n, s in zip(t, a._shape, _strides(a._shape)):
            if t.count(label) > 1 and n != sizes[label]:
                raise ValueError(f"dimensions in operand for collapsing index '{label}' "
                                 "don't match")
            strides[label] = strides.get(label, 0) + (s if n != 1 else 0)
        factors.append((a._data, strides))
    while len(factors) > 2:  # the pair whose labels span the fewest index values first
        costs = {(i, j): _prod(sizes[label] for label in {*factors[i][1], *factors[j][1]})
                 for i, j in itertools.combinations(range(len(factors)), 2)}
        i, j = builtins.min(costs, key=costs.get)
        rest = [f for k, f in enumerate(factors) if k not in (i, j)]
        needed = set(output).union(*(f[1] for f in rest))
        keep = [label for label in dict.fromkeys([*factors[i][1], *factors[j][1]])
                if label in needed]
        data = _contract([factors[i], factors[j]], keep, sizes)
        factors = rest + [(data, dict(zip(keep, _strides([sizes[k] for k in keep]))))]
    kind = _type_of(dtype) if dtype is not None else _promote(a._type for a in arrays)
    data = list(map(kind, _contract(factors, output, sizes)))
    return _result(data, tuple(sizes[label] for label in output), kind)


def _einsum_spec(operands):
    """einsum's arguments as (a subscripts string, the arrays), from either form."""
    if isinstance(operands[0], str):
        return operands[0].replace(" ", ""), [asarray(x) for x in operands[1:]]
    pairs, output = (operands[:-1], operands[-1]) if len(operands) % 2 else (operands, None)
    spec = ",".join("".join(map(_einsum_symbol, s)) for s in pairs[1::2])
    if output is not None:
        spec += "->" + "".join(map(_einsum_symbol, output))
    return spec, [asarray(x) for x in pairs[0::2]]


def _einsum_labelled(spec, arrays):
    """Each operand's labels, one per axis ("..." as labels "0", "1", … aligned at the
    end), and the output's."""
    inputs, arrow, out_term = spec.partition("->")
    terms = [_einsum_labels(t) for t in inputs.split(",")]
    if len(terms) != len(arrays):
        raise ValueError(f"einsum: {len(terms)} subscripts for {len(arrays)} operands")
    spans = [a.ndim - len(t) + 1 for t, a in zip(terms, arrays) if _ELLIPSIS in t]
    width = builtins.max(spans, default=0)
    ellipsis = [str(k) for k in range(width)]
    labelled = []
    for t, a in zip(terms, arrays):
        if _ELLIPSIS in t:
            at, span = t.index(_ELLIPSIS), a.ndim - len(t) + 1
            if span < 0:
                raise ValueError("einstein sum subscripts string contains too many "
                                 "subscripts for an operand")
            t = t[:at] + ellipsis[width - span:] + t[at + 1:]
        if len(t) != a.ndim:
            raise ValueError(f"operand has more dimensions than subscripts given in einstein "
                             f"sum ({a.ndim} axes, subscripts {''.join(t)!r})")
        labelled.append(t)
    if not arrow:
        counts = [label for t in labelled for label in t if label not in ellipsis]
        return labelled, ellipsis + sorted(label for label in set(counts)
                                           if counts.count(label) == 1)
    output = _einsum_labels(out_term)
    if _ELLIPSIS in output:
        at = output.index(_ELLIPSIS)
        output = output[:at] + ellipsis + output[at + 1:]
    elif builtins.any(n != 1 for t, a in zip(labelled, arrays)
                      for label, n in zip(t, a._shape) if label in ellipsis):
        raise ValueError("output has more dimensions than subscripts given in einstein sum, "
                         "but no '...' ellipsis provided to broadcast the extra dimensions.")
    if len(set(output)) != len(output):
        raise ValueError("einstein sum subscripts string includes an output subscript more "
                         "than once")
    return labelled, output


def _contract(operands, keep, sizes) -> list:
    """Σ over the labels not in ``keep`` of the product of the operands (data, strides by
    label), in C order over ``keep``: by the product of the ranges of all their labels."""
    labels = list(dict.fromkeys(label for _, strides in operands for label in strides))
    summed = [label for label in labels if label not in keep]
    grid = list(keep) + summed
    lengths = [sizes[label] for label in grid]
    values = None
    for data, strides in operands:
        picked = [data[p] for p in _positions(lengths, [strides.get(g, 0) for g in grid])]
        values = picked if values is None else list(map(operator.mul, values, picked))
    n = _prod(sizes[label] for label in summed)
    if n == 0:
        return [0] * _prod(sizes[label] for label in keep)
    return values if n == 1 else [builtins.sum(values[i:i + n]) for i in
                                  range(0, len(values), n)]


# ------------------------------------------------------------------ linalg

class LinAlgError(ValueError):
    """A linear-algebra failure: a singular matrix, a non-square one (numpy's)."""


def _matrices(a, square=True):
    """A stack (…, n, m) as (a list of matrices as lists of rows, the leading shape, n);
    LinAlgError unless square (when asked) and at least 2-d."""
    a = asarray(a, float)
    if a.ndim < 2:
        raise LinAlgError(f"{a.ndim}-dimensional array given. Array must be at least "
                          "two-dimensional")
    n, m = a._shape[-2:]
    if square and n != m:
        raise LinAlgError("Last 2 dimensions of the array must be square")
    data = a._data
    return ([[data[(t * n + i) * m:(t * n + i + 1) * m] for i in range(n)]
             for t in range(_prod(a._shape[:-2]))], a._shape[:-2], n)


def _eliminate(matrix, rhs):
    """Gaussian elimination with partial pivoting: the matrix (rows) made upper
    triangular, the same row operations done on rhs (rows); returns (upper, rhs, number of
    row swaps). A column without a nonzero pivot is left (its diagonal entry 0)."""
    u, r, swaps, n = [row[:] for row in matrix], [row[:] for row in rhs], 0, len(matrix)
    for k in range(n):
        p = builtins.max(range(k, n), key=lambda i: builtins.abs(u[i][k]))
        if u[p][k] == 0:
            continue
        if p != k:
            u[k], u[p], r[k], r[p], swaps = u[p], u[k], r[p], r[k], swaps + 1
        for i in range(k + 1, n):
            f = u[i][k] / u[k][k]
            if f:
                u[i] = [x - f * y for x, y in zip(u[i], u[k])]
                r[i] = [x - f * y for x, y in zip(r[i], r[k])]
    return u, r, swaps


def _solve_one(matrix, rhs):
    """X with matrix · X = rhs (both lists of rows); LinAlgError if singular."""
    u, r, _ = _eliminate(matrix, rhs)
    n = len(u)
    if builtins.any(u[k][k] == 0 for k in range(n)):
        raise LinAlgError("Singular matrix")
    x = [None] * n
    for i in reversed(range(n)):
        row = r[i]
        for j in range(i + 1, n):
            row = [v - u[i][j] * w for v, w in zip(row, x[j])]
        x[i] = [v / u[i][i] for v in row]
    return x


def _stacked(results, lead, tail):
    """Per-matrix results (lists of rows, or numbers) as one array of shape lead + tail."""
    flat = [v for res in results for v in (itertools.chain(*res) if tail else [res])]
    return _result(list(map(float, flat)), tuple(lead) + tuple(tail), float)


def _inv(a):
    """The inverse of each matrix of a stack (…, n, n); LinAlgError("Singular matrix")."""
    mats, lead, n = _matrices(a)
    eye_rows = [[float(i == j) for j in range(n)] for i in range(n)]
    return _stacked([_solve_one(m, eye_rows) for m in mats], lead, (n, n))


def _solve(a, b):
    """x with a @ x = b, a (…, n, n); b (n,) a vector, else (…, n, k), stacks broadcast."""
    a, b = asarray(a, float), asarray(b, float)
    if b.ndim == 1:
        return _solve(a, b[:, None])[..., 0]
    batch = broadcast_shapes(a._shape[:-2], b._shape[:-2])
    mats, _, n = _matrices(broadcast_to(a, batch + a._shape[-2:]))
    if b._shape[-2] != n:
        raise ValueError(f"solve: the right-hand side has {b._shape[-2]} rows, not {n}")
    k = b._shape[-1]
    rhs = _broadcast_data(b, batch + (n, k))
    parts = [[rhs[(t * n + i) * k:(t * n + i + 1) * k] for i in range(n)]
             for t in range(len(mats))]
    return _stacked([_solve_one(m, r) for m, r in zip(mats, parts)], batch, (n, k))


def _lu_diagonal(matrix):
    """The pivots of the elimination and the sign of its row permutation."""
    u, _, swaps = _eliminate(matrix, [[] for _ in matrix])
    return [u[k][k] for k in range(len(u))], -1.0 if swaps % 2 else 1.0


def _det(a):
    """The determinant of each matrix of a stack: the product of the pivots."""
    mats, lead, _ = _matrices(a)
    dets = []
    for m in mats:
        pivots, sign_ = _lu_diagonal(m)
        dets.append(sign_ * math.prod(pivots))
    if _raising():
        _fp_check("det", dets, lambda i: [x for row in mats[i] for x in row])
    return _stacked(dets, lead, ())


class _SlogdetResult(tuple):
    """(sign, logabsdet), also as attributes, like numpy's SlogdetResult."""

    sign = property(operator.itemgetter(0))
    logabsdet = property(operator.itemgetter(1))


def _slogdet(a):
    """(sign, log |det|) of each matrix of a stack; (0, -inf) for a singular one."""
    mats, lead, _ = _matrices(a)
    signs, logs = [], []
    for m in mats:
        pivots, sign_ = _lu_diagonal(m)
        if builtins.any(p == 0 for p in pivots):
            signs.append(0.0)
            logs.append(-inf)
        else:
            signs.append(sign_ * math.prod(math.copysign(1.0, p) for p in pivots))
            logs.append(builtins.sum(math.log(builtins.abs(p)) for p in pivots))
    return _SlogdetResult((_stacked(signs, lead, ()), _stacked(logs, lead, ())))


def _matrix_power(a, n):
    """a multiplied by itself n times (the identity for 0, powers of the inverse below)."""
    a = asarray(a)
    _matrices(a)
    n = operator.index(n)
    if n < 0:
        a, n = _inv(a), -n
    result = broadcast_to(eye(a._shape[-1], dtype=a._type), a._shape)
    while n:
        if n & 1:
            result = matmul(result, a)
        n >>= 1
        if n:
            a = matmul(a, a)
    return result


def _singular_values(rows) -> list:
    """The singular values of a matrix (a list of rows), largest first, by one-sided
    Jacobi rotations (Hestenes): columns rotated pairwise until orthogonal, then their
    lengths."""
    if builtins.any(not _finite(x) for row in rows for x in row):
        raise LinAlgError("SVD did not converge")
    columns = [list(c) for c in zip(*rows)]
    if len(rows) < len(columns):
        columns = [list(row) for row in rows]
    for _ in range(100):
        rotated = False
        for p, q in itertools.combinations(range(len(columns)), 2):
            x, y = columns[p], columns[q]
            alpha = builtins.sum(v * v for v in x)
            beta = builtins.sum(v * v for v in y)
            gamma = builtins.sum(map(operator.mul, x, y))
            if builtins.abs(gamma) <= 1e-15 * math.sqrt(alpha * beta) or gamma == 0:
                continue
            rotated = True
            zeta = (beta - alpha) / (2 * gamma)
            t = math.copysign(1.0, zeta) / (builtins.abs(zeta) + math.hypot(1.0, zeta))
            c = 1 / math.hypot(1.0, t)
            s = c * t
            columns[p] = [c * u - s * v for u, v in zip(x, y)]
            columns[q] = [s * u + c * v for u, v in zip(x, y)]
        if not rotated:
            break
    return sorted((math.hypot(*col) for col in columns), reverse=True)


def _norm(x, ord=None, axis=None, keepdims=False):
    """numpy.linalg.norm: √Σx² by default (any shape); vector norms (ord 2, 1, inf, -inf,
    0, p) along an axis, matrix norms ('fro', 'nuc', 1, -1, 2, -2, inf, -inf) over two."""
    x = asarray(x, float)
    if axis is None and (ord is None or x.ndim not in (1, 2)):
        if ord is not None:
            raise ValueError("Improper number of dimensions to norm.")
        found = sqrt(sum(square(x)))
        return reshape(found, (1,) * x.ndim) if keepdims and x.ndim else found
    axes = tuple(range(x.ndim)) if axis is None else \
        tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    axes = tuple(_axis(k, x.ndim) for k in axes)
    if len(axes) == 1:
        ax, a = axes[0], absolute(x)
        if ord is None or ord == 2:
            return sqrt(sum(square(x), axis=ax, keepdims=keepdims))
        if ord == inf or ord == -inf:
            return (max if ord == inf else min)(a, axis=ax, keepdims=keepdims)
        if ord == 0:
            return sum(not_equal(x, 0), axis=ax, keepdims=keepdims, dtype=float)
        if ord == 1:
            return sum(a, axis=ax, keepdims=keepdims)
        return power(sum(power(a, ord), axis=ax, keepdims=keepdims), 1.0 / ord)
    row, col = axes
    if ord is None or ord == "fro":
        found = sqrt(sum(square(x), axis=axes))
    elif ord in (1, -1, inf, -inf):
        over, then = (row, col) if ord in (1, -1) else (col, row)
        pick = max if ord in (1, inf) else min
        found = pick(sum(absolute(x), axis=over), axis=then - (then > over))
    elif ord in (2, -2, "nuc"):
        mats, lead, _ = _matrices(moveaxis(x, (row, col), (-2, -1)), square=False)
        values = [_singular_values(m) for m in mats]
        found = _stacked([s[0] if ord == 2 else s[-1] if ord == -2 else builtins.sum(s)
                          for s in values], lead, ())
    else:
        raise ValueError("Invalid norm order for matrices.")
    if keepdims:
        found = reshape(found, tuple(1 if k in axes else n for k, n in enumerate(x._shape)))
    return found


def _cond(x, p=None):
    """The condition number of each matrix of a stack: σ_max/σ_min by default (singular
    values by Jacobi rotations), else norm(x, p) · norm(inv(x), p); inf if singular."""
    mats, lead, _ = _matrices(x, square=p is not None and p not in (2, -2))
    found = []
    for m in mats:
        if p is None or p in (2, -2):
            s = _singular_values(m)
            big, small = (s[0], s[-1]) if p != -2 else (s[-1], s[0])
            ratio = _true_divide(big, small)
            found.append(inf if ratio != ratio else ratio)  # 0/0: singular, as numpy
        else:
            try:
                inverse = _inv([m])
            except LinAlgError:
                found.append(inf)
                continue
            found.append(float(_norm([m], p, (-2, -1))) * float(_norm(inverse, p, (-2, -1))))
    return _stacked(found, lead, ())


class _Namespace:
    """A sub-namespace of the module (np.linalg, np.random, np.lib.stride_tricks)."""

    def __init__(self, name, **members):
        self.__name__ = name
        self.__dict__.update(members)

    def __repr__(self):
        return f"<namespace {self.__name__}>"


linalg = _Namespace("linalg", LinAlgError=LinAlgError, inv=_inv, det=_det, slogdet=_slogdet,
                    solve=_solve, matrix_power=_matrix_power, norm=_norm, cond=_cond)


# ------------------------------------------------------------------ random

def _seed_int(seed):
    """A Python seed for numpy's seed forms: None, an int, or a sequence of ints."""
    if seed is None:
        return None
    if isinstance(seed, (list, tuple, ndarray)):
        return functools.reduce(lambda acc, v: (acc << 64) | operator.index(v),
                                asarray(seed, int)._data, len(seed))
    return operator.index(seed)


class Generator:
    """numpy's random Generator on Python's Mersenne Twister: deterministic per seed,
    though its numbers are not numpy's."""

    def __init__(self, seed=None):
        self._random = _random.Random(_seed_int(seed))

    def _draw(self, size, draw, kind=float):
        if size is None:
            return draw()
        shape = _as_shape(size)
        return _result([draw() for _ in range(_prod(shape))], shape, kind)

    def random(self, size=None):
        """Uniform on [0, 1)."""
        return self._draw(size, self._random.random)

    def standard_normal(self, size=None):
        return self._draw(size, lambda: self._random.gauss(0.0, 1.0))

    def normal(self, loc=0.0, scale=1.0, size=None):
        """Normal with mean loc and standard deviation scale (either may be an array; a
        Python float when both are numbers and no size is given)."""
        if builtins.any(x < 0 for x in asarray(scale)._data):
            raise ValueError("scale < 0")
        size = size if size is not None else broadcast_shapes(shape(loc), shape(scale)) or None
        z = self.standard_normal(size)
        return float(loc) + float(scale) * z if size is None else add(loc, multiply(scale, z))

    def uniform(self, low=0.0, high=1.0, size=None):
        """Uniform on [low, high) (as normal for arrays and numbers)."""
        size = size if size is not None else broadcast_shapes(shape(low), shape(high)) or None
        u = self.random(size)
        return float(low) + (float(high) - float(low)) * u if size is None else \
            add(low, multiply(subtract(high, low), u))

    def integers(self, low, high=None, size=None, dtype=int, endpoint=False):
        """Integers in [low, high) ([low, high] with endpoint; [0, low) without high)."""
        low, high = (0, low) if high is None else (low, high)
        top = operator.index(high) + bool(endpoint)
        if top <= low:
            raise ValueError("low >= high")
        if size is None:
            return int64(self._random.randrange(low, top))
        return self._draw(size, lambda: self._random.randrange(low, top), int)


def default_rng(seed=None):
    """A Generator seeded by an int, a sequence of ints, or None (fresh entropy)."""
    return seed if isinstance(seed, Generator) else Generator(seed)


random = _Namespace("random", default_rng=default_rng, Generator=Generator)


# ------------------------------------------------------------------ stride tricks

def sliding_window_view(x, window_shape, axis=None, *, subok=False, writeable=False):
    """Every window of ``window_shape`` along the given axes (all by default): the axes
    shortened to the number of windows, the window's own axes appended at the end."""
    x = asarray(x)
    window = (window_shape,) if isinstance(window_shape, int) else tuple(window_shape)
    if builtins.any(w < 0 for w in window):
        raise ValueError("`window_shape` cannot contain negative values")
    if axis is None:
        if len(window) != x.ndim:
            raise ValueError(f"Since axis is `None`, must provide window_shape for all "
                             f"dimensions of `x`; got {len(window)} window_shape elements "
                             f"and `x.ndim` is {x.ndim}.")
        axis = tuple(range(x.ndim))
    axes = [_axis(k, x.ndim) for k in (axis if isinstance(axis, (tuple, list)) else (axis,))]
    if len(axes) != len(window):
        raise ValueError(f"Must provide matching length window_shape and axis; got "
                         f"{len(window)} window_shape elements and {len(axes)} axes "
                         "elements.")
    lengths, strides = list(x._shape), _strides(x._shape)
    for k, w in zip(axes, window):
        if lengths[k] < w:
            raise ValueError("window shape cannot be larger than input array shape")
        lengths[k] -= w - 1
    shape = lengths + list(window)
    return _gather(x, _positions(shape, strides + [strides[k] for k in axes]), shape)


lib = _Namespace("lib", stride_tricks=_Namespace("stride_tricks",
                                                 sliding_window_view=sliding_window_view))


# ------------------------------------------------------------------ ndarray methods

def _method(function):
    @functools.wraps(function)
    def method(self, *args, **kwargs):
        return function(self, *args, **kwargs)
    return method


for _function in (sum, prod, max, min, mean, all, any, var, std, argmax, argmin, trace,
                  diagonal, clip, round, swapaxes, squeeze, ravel, dot, nonzero, argsort):
    setattr(ndarray, _function.__name__, _method(_function))
del _function
_install_operators()
