"""The index map of a reshape (row-major, as numpy's): one axis of length d = h·k read as
two, and back.

    Q = Y.reshape(b, t, h, k)     q_{β,τ,η,κ} = y_{β,τ,ηk+κ}         (``Joint``)
    O = A.reshape(b, t, d)        o_{β,τ,j} = a_{β,τ,⌊j/k⌋,j mod k}  (``Div``, ``Mod``)

Each node carries its split (d, h, k): the long axis, the major and the minor length. They
undo one another (⌊(ηk+κ)/k⌋ = η, and ⌊j/k⌋ k + j mod k = j), so a substitution that meets
its inverse leaves a plain index.

An entry read through such an index map is, to the recogniser, an entry of a *view* of the
array (``view_of``): its axes permuted and split or merged as numpy's ``.transpose`` and
``.reshape`` would, read at plain indices again. ∂L/∂y_{β,τ,j} = ∂L/∂q_{β,⌊j/k⌋,τ,j mod k}
is the entry (β, τ, j) of ``dQ.transpose(0, 2, 1, 3).reshape(b, t, d)``.
"""

from __future__ import annotations

from sympy import Basic, Expr, Integer, MatrixExpr, Tuple
from sympy.core.symbol import Str

from .symbols import Element, TensorSymbol, free_symbols


class _Split(Expr):
    """A node of the index map; its last three args are the split (d, h, k)."""

    is_integer = True
    is_nonnegative = True
    is_commutative = True

    @property
    def split(self) -> tuple[Expr, Expr, Expr]:
        return tuple(self.args[-3:])

    @property
    def long(self) -> Expr:
        return self.args[-3]

    @property
    def major(self) -> Expr:
        return self.args[-2]

    @property
    def minor(self) -> Expr:
        return self.args[-1]


class Joint(_Split):
    """ηk + κ: the position on the long axis of entry (η, κ) of the split one."""

    def __new__(cls, high: Expr, low: Expr, long: Expr, major: Expr, minor: Expr) -> Expr:
        if isinstance(high, Div) and isinstance(low, Mod) and high.args[0] == low.args[0] \
                and high.split == low.split == (long, major, minor):
            return high.args[0]  # ⌊j/k⌋ k + j mod k = j
        return Expr.__new__(cls, high, low, long, major, minor)

    @property
    def high(self) -> Expr:
        return self.args[0]

    def _sympystr(self, printer) -> str:
        high = printer._print(self.high)
        high = f"({high})" if isinstance(self.high, Mod) else high
        return f"{high}{printer._print(self.minor)}+{printer._print(self.low)}"

    @property
    def low(self) -> Expr:
        return self.args[1]


class _Part(_Split):
    """A part of position j on the long axis; of a joint index, the part it was made of."""

    side = ""  # "high" or "low": the joint's own argument it undoes

    def __new__(cls, j: Expr, long: Expr, major: Expr, minor: Expr) -> Expr:
        if isinstance(j, Joint) and j.split == (long, major, minor):
            return getattr(j, cls.side)
        return Expr.__new__(cls, j, long, major, minor)


class Div(_Part):
    """⌊j/k⌋: the major index of position j on the long axis."""

    side = "high"

    def _sympystr(self, printer) -> str:
        return f"⌊{_bracketed(printer, self.args[0])}/{printer._print(self.minor)}⌋"


class Mod(_Part):
    """j mod k: the minor index of position j on the long axis."""

    side = "low"

    def _sympystr(self, printer) -> str:
        return f"{_bracketed(printer, self.args[0])} mod {printer._print(self.minor)}"


MAPS = (Joint, Div, Mod)


def _bracketed(printer, j: Expr) -> str:
    """j, or (κh+η) where j is itself an index map: ⌊(κh+η)/k⌋, not ⌊κh+η/k⌋."""
    text = printer._print(j)
    return f"({text})" if isinstance(j, MAPS) else text


def reads_through_map(e: Element) -> bool:
    return any(isinstance(i, MAPS) for i in e.indices)


# ------------------------------------------------------------------------------ views

class View:
    """An array read another way, as numpy's chain ``base.transpose(…).reshape(…)`` reads
    it: ``steps`` is a tuple of ("transpose", axes) and ("reshape", shape)."""

    is_view = True

    @property
    def base(self) -> Basic:
        return self.args[-2]

    @property
    def free_symbols(self) -> set[Basic]:
        return set(free_symbols(self.base))

    @property
    def steps(self) -> tuple:
        return tuple((str(kind), tuple(arg)) for kind, arg in self.args[-1])


def _steps(steps) -> Tuple:
    if isinstance(steps, Tuple):  # rebuilt from its own args (xreplace)
        return steps
    return Tuple(*[Tuple(Str(kind), Tuple(*arg)) for kind, arg in steps])


class TensorView(View, TensorSymbol):
    """A view of order ≥ 3: a stack, as a name is (its slices are matrices)."""

    def __new__(cls, name, shape, base: Basic, steps) -> TensorView:  # args in this order
        return Basic.__new__(cls, name, Tuple(*shape), base, _steps(steps))


class MatrixView(View, MatrixExpr):
    """A view of order 2 (or a column): a matrix."""

    def __new__(cls, shape, base: Basic, steps) -> MatrixView:  # args in this order
        return MatrixExpr.__new__(cls, Tuple(*shape), base, _steps(steps))

    @property
    def shape(self):  # type: ignore[override]
        return tuple(self.args[0])

    @property
    def name(self) -> str:
        return _label(self.base)

    def _entry(self, i, j, **kwargs):  # pragma: no cover - sympy protocol, unused
        raise NotImplementedError


def _label(base: Basic) -> str:
    return getattr(base, "name", str(base))


def view_of(e: Element, order: tuple | None = None) -> Element:
    """The entry ``e`` read through index maps as the entry of a view at plain indices:
    a joint index ηk + κ splits its axis in two, (η, κ); a pair ⌊j/k⌋, j mod k merges its
    two axes into one, j, where the minor one stood (numpy moves the major next to it,
    then reshapes). With ``order`` (the gradient's own indices) the view's axes follow it
    where they are the same indices, so the entry reads as the gradient's, or else its
    leading (stacked) indices come first, as a batched matrix form needs them."""
    array, indices = e.matrix, list(e.indices)
    shape = list(array.shape)
    column = isinstance(array, MatrixExpr) and shape[1] == 1 and indices[1] == 0
    if column:  # a vector, n×1: its one axis
        indices, shape = indices[:1], shape[:1]
    steps: list = []
    while any(isinstance(i, MAPS) for i in indices):
        before = list(indices)
        # splits: ηk + κ at axis r → two axes (η, κ)
        for index in [i for i in indices if isinstance(i, Joint)]:
            at = indices.index(index)
            indices[at:at + 1] = [index.high, index.low]
            shape[at:at + 1] = [index.major, index.minor]
            steps.append(("reshape", tuple(shape)))
        # merges: ⌊j/k⌋ at axis r and j mod k at axis s → one axis j at s
        for index in [i for i in indices if isinstance(i, Div)]:
            r = indices.index(index)
            s = next((s for s, other in enumerate(indices) if isinstance(other, Mod)
                      and other.args[0] == index.args[0] and other.split == index.split), None)
            if s is None:
                return e  # a major index alone: no view
            axes = [a for a in range(len(indices)) if a != r]
            axes.insert(axes.index(s), r)
            if axes != list(range(len(indices))):
                steps.append(("transpose", tuple(axes)))
                indices, shape = [indices[a] for a in axes], [shape[a] for a in axes]
            at = indices.index(index)
            indices[at:at + 2] = [index.args[0]]
            shape[at:at + 2] = [index.long]
            steps.append(("reshape", tuple(shape)))
        if indices == before:
            return e  # an index map this reading does not undo
    if order is not None:  # the gradient's own order; else its leading indices first
        lead = [i for i in order[:-2] if i in indices]
        wanted = list(order) if set(indices) == set(order) and len(indices) == len(order) \
            else lead + [i for i in indices if i not in lead]
        if wanted != list(indices) and len(set(indices)) == len(indices):
            axes = tuple(indices.index(i) for i in wanted)
            steps.append(("transpose", axes))
            indices, shape = wanted, [shape[a] for a in axes]
    if not steps:
        return e
    if len(indices) == 1:  # a vector again: an n×1 column
        indices, shape = [*indices, Integer(0)], [*shape, Integer(1)]
    return Element(make_view(array, steps, shape), *indices)


def make_view(base: Basic, steps: list, shape: list) -> Basic:
    """``base`` read through ``steps`` (numpy's, run in order) as an array of ``shape``."""
    steps = _fused(steps)
    if len(shape) > 2:
        return TensorView(Str(_label(base)), shape, base, steps)
    return MatrixView(shape, base, steps)


def _fused(steps: list) -> list:
    """Consecutive reshapes as one (numpy reads only the last)."""
    out: list = []
    for kind, arg in steps:
        if out and kind == out[-1][0] == "reshape":
            out[-1] = (kind, arg)
        elif out and kind == out[-1][0] == "transpose":
            out[-1] = (kind, tuple(out[-1][1][a] for a in arg))
        else:
            out.append((kind, arg))
    return out
