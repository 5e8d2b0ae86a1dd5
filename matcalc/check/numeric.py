"""Numbers for checking: random instances of a program, its forward pass in numpy, and
central finite differences of it.

The forward pass runs the program with numpy's own semantics, independently of the element
forms, so that finite differences of it are an outside reference for the derivation. It runs
on a batch: every array carries a leading axis of perturbed copies (of size 1 when there is
only one), so that all the points of a finite difference go through the program at once.
``central_difference`` is the one finite-difference rule; the evaluator of proof steps
(``check.tensor_eval``) uses it as well.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cached_property

from .. import ops
from ..arrays import np
from ..errors import DomainError, UnsupportedError, UsageError
from ..language.domains import (
    NONNEGATIVE,
    POSITIVE,
    domain_argument,
    domain_of,
    invertible_names,
    sign_of,
)
from ..language.program import (
    BinOp,
    Call,
    Item,
    Name,
    Neg,
    Number,
    Program,
    Reshape,
    Size,
    Stack,
    Walker,
    names_in,
    written,
)
from ..language.program import Transpose as TransposeNode
from ..language.shapes import with_products
from ..numpy_eval import eval_numpy as run_numpy
from ..ops.base import alike, own_axes
from ..ops.elementwise import STAND_IN, STAND_INS
from ..ops.maps import DIMS

H = 1e-6   # central-difference step of a first derivative, relative beyond 1
H2 = 1e-4  # … of a second derivative (round-off there grows like 1/h²)


# ------------------------------------------------------------------ forward pass

# the floating-point type a forward pass computes in: float64, or np.longdouble for the
# twin evaluation that tells a value from its round-off (``settle``)
PRECISION: ContextVar = ContextVar("PRECISION", default=float)


def forward(program: Program, inputs: dict[str, np.ndarray],
            fixed: dict[str, np.ndarray] | None = None,
            watch: Watch | None = None, batched: bool = False,
            largest: float | None = None, frozen: dict | None = None) -> dict[str, np.ndarray]:
    """Run the program; names in ``fixed`` keep their given value (perturbed intermediates).
    With a ``watch`` (at a drawn point), a call near its operation's kink or an argument
    outside its function's domain raises (``Watch``), every branch's side is recorded, and
    any value of any subexpression beyond ``largest`` raises TooLarge. With ``frozen``
    (``Instance.frozen``), each branch takes the side it took at the instance's own point
    (finite differences around it). With ``batched``,
    every given array has a leading batch axis (of size B, or 1 for a value shared by the
    batch) and so has every result: entry b of each is the program run on entry b of the
    inputs."""
    given = {**inputs, **(fixed or {})}
    real = PRECISION.get()
    values = {name: np.asarray(value, dtype=real) if batched else
              np.asarray(value, dtype=real)[None] for name, value in given.items()}
    for statement in program.statements:
        if fixed and statement.target in fixed:
            continue
        values[statement.target] = np.asarray(
            run_expression(statement.value, values, watch, largest, frozen), dtype=real)
    return values if batched else {name: value[0] for name, value in values.items()}


# a difference below NOISE_MARGIN × the measured round-off of central differences, in
# units of RTOL (1e-5), is not an error: 30 noise / 1e-5
NOISE_MARGIN = 3e6
LOSS_NOISE = 7e-4   # 30 ε / (h RTOL): ten times the round-off of central differences of L
DOMAIN_MARGIN = 1e-4  # a drawn point keeps the arguments of log and √ this far above 0


class TooLarge(FloatingPointError):
    """A value of the forward pass too large for central differences to be accurate."""


class OutsideDomain(FloatingPointError):
    """A drawn point where a function's argument leaves its domain: ``site`` (the call or
    division) and what it needs."""

    def __init__(self, site, needs: str):
        super().__init__(f"{written(site)}: {needs}")
        self.site, self.needs = site, needs


@dataclass
class Watch:
    """What the forward pass at a drawn point checks and records.

    Domains: the argument of log, √ and cross-entropy's prediction (``Op.positive``) and
    the base of a fractional power at least DOMAIN_MARGIN; a denominator at least that far
    from 0. Kinks: a call near its kink (``Op.kink``) is a draw to redraw. Branches: for
    each call with sides (max(x, 0), |x|, maximum: ``Op.sides``), how many of its entries
    were on each side (−1, 0 exactly at the kink, +1)."""

    sides: dict = field(default_factory=dict)     # call -> Counter of the sides seen
    bases: dict = field(default_factory=dict)     # id(call) -> its arguments, for ``frozen``

    def arguments(self, node: Call, op, args: list) -> None:
        if op.positive and np.any(args[-1] < DOMAIN_MARGIN):
            # log of a row-normalised 1e-13: a difference step would leave the domain (NaN)
            raise OutsideDomain(node, "its argument must be positive")
        if op.domain is not None and not op.domain(args):
            raise OutsideDomain(node, op.domain.__doc__)

    def call(self, node: Call, op, args: list, value) -> None:
        same_args = len(node.args) > 1 and all(a == node.args[0] for a in node.args)
        # (a function of two equal arguments, f(A, A), is smooth where they tie)
        if op.kink is not None and not same_args and op.kink(args, value):
            raise FloatingPointError(f"{node.func} at its kink")
        if op.sides is not None and not same_args:
            found, counts = np.unique(op.sides(args), return_counts=True)
            self.sides.setdefault(node, Counter()).update(
                {int(v): int(c) for v, c in zip(found, counts)})
        if op.frozen is not None:
            self.bases[id(node)] = args

    def binop(self, node: BinOp, left, right) -> None:
        kind = domain_of(node)
        if kind == "nonzero" and np.any(np.abs(right) < DOMAIN_MARGIN):
            raise OutsideDomain(node, "its denominator must not be 0")
        if kind == "positive" and np.any(left < DOMAIN_MARGIN):
            raise OutsideDomain(node, "the base of a fractional power must be positive")


def run_expression(node, values, watch: Watch | None = None,
                   largest: float | None = None, frozen: dict | None = None):
    """The value of a program expression on a batch: axis 0 runs over the batch, the other
    axes are the numpy value (its rank is ndim − 1). Beyond ``largest`` anywhere inside:
    FloatingPointError (central differences through sin(e²³) are noise, not a check).
    With ``frozen``, a branch takes the side it took at the base point (``Op.frozen``)."""
    value = _run(node, values, watch, largest, frozen)
    if largest is not None and np.any(np.abs(value) > largest):
        raise TooLarge("a value too large to difference accurately")
    return value


def _run(node, values, watch: Watch | None, largest: float | None, frozen: dict | None):
    return _ForwardPass(values, watch, largest, frozen).visit(node)


class _ForwardPass(Walker):
    """One node's value on a batch, its operands through ``run_expression`` (which
    bounds every value inside)."""

    def __init__(self, values, watch: Watch | None, largest: float | None,
                 frozen: dict | None):
        self.values, self.watch, self.largest, self.frozen = values, watch, largest, frozen

    def run(self, child):
        return run_expression(child, self.values, self.watch, self.largest, self.frozen)

    def visit_Name(self, node: Name):
        return self.values[node.id]

    def visit_Number(self, node: Number):
        return np.full(1, float(node.value), dtype=PRECISION.get())

    def visit_Size(self, node: Size):  # of.shape[axis], behind the batch axis
        return np.full(1, float(self.values[node.of].shape[node.axis + 1]))

    def visit_Neg(self, node: Neg):
        return -self.run(node.operand)

    def visit_Reshape(self, node: Reshape):
        """numpy's reshape behind the copies axis; a named length is the draw's (or the
        one given with the values), at most one is left to numpy (-1)."""
        value, known = self.run(node.operand), DIMS.get() or {}
        sizes = [d if isinstance(d, int) else known.get(d, -1) for d in node.dims]
        if sizes.count(-1) > 1:
            unknown = [d for d in node.dims if isinstance(d, str) and d not in known]
            raise UsageError(f"reshape needs the length {unknown[0]}: give it with the "
                             f"values, e.g. {unknown[0]}=2", option="values")
        return value.reshape(value.shape[0], *sizes)

    def visit_Transpose(self, node: TransposeNode):
        value = self.run(node.operand)  # a vector's .T is itself; a stack's .mT: last two
        if node.axes is not None:  # numpy's own permutation, behind the copies axis
            order = node.permutation(value.ndim - 1)
            return np.transpose(value, (0, *[a + 1 for a in order]))
        return np.swapaxes(value, -1, -2) if value.ndim >= 3 else value

    def visit_Call(self, node: Call):
        """The operation's own forward, on the batch."""
        args = [np.asarray(self.run(a), dtype=PRECISION.get()) for a in node.args]
        op, watch = ops.get(node.func), self.watch
        if watch is not None:
            watch.arguments(node, op, args)
        keywords = {"axis": node.axis, **({"keepdims": True} if node.keepdims else {}),
                    **({"spec": node.spec} if node.spec is not None else {}),
                    **dict(node.options)}
        if self.frozen is not None and id(node) in self.frozen:
            return op.frozen(args, self.frozen[id(node)], **keywords)
        value = op.forward(*args, **keywords)
        if watch is not None:
            watch.call(node, op, args, value)
        return value

    def visit_Item(self, node: Item):  # e[k] on a batch: axis 0 runs over the copies
        return self.run(node.of)[:, node.index]

    def visit_Stack(self, node: Stack):
        entries = np.broadcast_arrays(*[np.asarray(self.run(e), dtype=PRECISION.get())
                                        for e in node.items])
        rows = isinstance(node.items[0], Stack)  # a matrix literal: (…, rows, columns)
        return np.stack(entries, axis=-2 if rows else -1)

    def visit_BinOp(self, node: BinOp):
        left, right = self.run(node.left), self.run(node.right)
        if self.watch is not None:
            self.watch.binop(node, left, right)
        if node.op == "@":
            return _matmul(left, right)
        left, right = alike(left, right)
        return {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide,
                "**": np.power}[node.op](left, right)


def _matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b with numpy's rules for vectors: a vector on the left is a row, on the right a
    column, and that axis is dropped from the result (v @ w is a scalar)."""
    left_vector, right_vector = a.ndim == 2, b.ndim == 2
    a, b = a[:, None, :] if left_vector else a, b[:, :, None] if right_vector else b
    # stacks broadcast behind the copies axis: (N, b, m, n) @ (N, n, p) as (N, 1, n, p)
    a = a.reshape(a.shape[:1] + (1,) * (b.ndim - a.ndim) + a.shape[1:])
    b = b.reshape(b.shape[:1] + (1,) * (a.ndim - b.ndim) + b.shape[1:])
    out = np.matmul(a, b)
    if right_vector:
        out = out[..., 0]
    if left_vector:
        out = out[..., 0] if right_vector else out[..., 0, :]
    return out


# ------------------------------------------------------------------ random instances

def _rows_summing_to_one(x: np.ndarray) -> np.ndarray:
    """Positive entries, each row divided by its sum."""
    return x / np.sum(x, axis=-1, keepdims=True)


def _onehot(rng, shape: tuple) -> np.ndarray:
    out = np.zeros(shape)
    rows = out.reshape(-1, shape[-1]) if shape else out
    for row in rows:
        row[rng.integers(shape[-1])] = 1.0
    return out


def _spd(rng, shape: tuple) -> np.ndarray:
    a = rng.normal(size=shape)
    return a @ a.T + shape[0] * np.eye(shape[0])


# inputs drawn so that the declared assumption holds
ASSUMED = {
    "onehot": _onehot,
    "prob_rows": lambda rng, shape: _rows_summing_to_one(rng.uniform(0.1, 1.0, size=shape)),
    "positive": lambda rng, shape: rng.uniform(0.5, 2.0, size=shape),
    "symmetric": lambda rng, shape: (lambda a: a + a.T)(rng.normal(size=shape)),
    "spd": _spd,
}


@dataclass
class Instance:
    """Concrete dimensions, input values, upstream gradient and the forward values; the
    stand-in its declared functions ran as, the inputs a domain forced to one sign, and
    the sides each branch's entries were on."""

    dims: dict[str, int]
    values: dict[str, np.ndarray]
    upstream: np.ndarray | None
    program: Program | None = None
    output: str = ""
    # every output's upstream gradient G_O when there are several (the loss is then
    # L = Σ_O ⟨G_O, O⟩; ``upstream`` is the last output's); empty with one output
    upstreams: dict[str, np.ndarray] = field(default_factory=dict)
    _grads: dict | None = None
    numpy_memo: dict = field(default_factory=dict)  # (dZ := …) values, by their code
    stand_in: int = 0
    moved: dict[str, str] = field(default_factory=dict)  # input -> the domain it was moved into
    sides: dict = field(default_factory=dict)       # branch call -> Counter of sides
    # id(branch call) -> its arguments here: finite differences around this point keep
    # each branch on the side it takes here. Off a kink that changes nothing (a step of
    # 1e-6 cannot cross it: draws keep 1e-4 away); at a kink the program is held at
    # (max(x − x, 0); the outer one of max(max(x, 0), 0) at x < 0, even when an
    # intermediate is moved where it stands) it gives the side the convention takes, the
    # one ``Op.frozen`` gives the kink itself (a slope of 0 for max(x, 0) at 0).
    frozen: dict = field(default_factory=dict)
    noise: dict[str, float] = field(default_factory=dict)  # name -> round-off measured

    def floor(self, name: str | None = None) -> float:
        """The scale below which a difference from the central differences of ∂L/∂name
        (of every name's, without one) is noise, not an error: the gradient is compared
        relative to its own largest entry, but not below this. NOISE_MARGIN times the
        round-off measured (two central differences, at h and h/2, differ by it), and no
        less than LOSS_NOISE of the loss's scale S (|L|, or Σ |G ∘ Y| for an upstream G):
        the round-off of L itself, ~3 ε S / h, is then a tenth of what may differ."""
        noise = self.noise.get(name, 0.0) if name is not None else \
            max(self.noise.values(), default=0.0)
        return max(NOISE_MARGIN * noise, LOSS_NOISE * max(1.0, self.loss_scale))

    @cached_property
    def loss_scale(self) -> float:
        return float(sum(np.sum(np.abs(g * np.asarray(self.values[o], dtype=float)))
                         for o, g in self.given().items())) if self.upstream is not None \
            else float(np.sum(np.abs(np.asarray(self.values[self.output], dtype=float))))

    def given(self) -> dict[str, np.ndarray]:
        """The upstream gradients given to the derivation, by output name (empty when the
        output is a scalar and the loss itself)."""
        if self.upstreams:
            return dict(self.upstreams)
        return {} if self.upstream is None else {self.output: self.upstream}

    @contextmanager
    def active(self):
        """Evaluations on this instance run its declared functions as its stand-in."""
        token, dims = STAND_IN.set(self.stand_in), DIMS.set(self.dims)
        try:
            yield self
        finally:
            DIMS.reset(dims)
            STAND_IN.reset(token)
    # symmetric inputs whose reference is the gradient on symmetric matrices, sym(G): set
    # before the first gradient_of (``symmetric_difference``)
    symmetric: frozenset = frozenset()

    def gradient_of(self, name: str) -> np.ndarray:
        """∂L/∂name by central differences (for an intermediate: perturbed in place); the
        first call computes every name's at once (``finite_differences``). A name in
        ``symmetric`` is moved only within the symmetric matrices: its s_ij and s_ji
        together."""
        if name == self.output or name in self.upstreams:
            return self.upstreams.get(name, self.upstream)
        with self.active():
            if self._grads is None:
                names = [n for n in self.values if n != self.output]
                self._grads = chained_differences(self.program, self, names) or \
                    finite_differences(self.program, self, self.output, names)
            if name not in self._grads:
                self._grads[name] = finite_difference(self.program, self, self.output, name)
        return self._grads[name]


def feeding(program: Program, expr) -> list[str]:
    """The inputs whose values ``expr`` reads, directly or through the statements that
    define the names it reads."""
    statements = _statements_for(program, expr)
    targets = {s.target for s in statements}
    read = [expr, *(s.value for s in statements)]
    return [n for n in dict.fromkeys(n for e in read for n in names_in(e)) if n not in targets]


def _statements_for(program: Program, expr) -> list:
    """The statements whose values ``expr`` reads, directly or not, in program order."""
    definitions = {s.target: s for s in program.statements}
    needed, todo = set(), list(names_in(expr))
    while todo:
        name = todo.pop()
        if name in definitions and name not in needed:
            needed.add(name)
            todo.extend(names_in(definitions[name].value))
    return [s for s in program.statements if s.target in needed]


# Where an argument leaves its domain, the inputs it reads are moved into it: gradient
# ascent (by central differences) on Σ max(REPAIR_TARGET − margin, 0) over the argument's
# entries, REPAIR_STEP at most per entry and step. The draw keeps its signs wherever the
# domain allows (log(x − 3) moves x past 3; log(X w) moves X and w only as far as
# X w > 0 needs). A site no fresh draw can be moved into, DOMAIN_TRIES times, has an
# empty domain.
REPAIR_TARGET = 0.1
REPAIR_STEP = 0.25
REPAIR_STEPS = 100
DOMAIN_TRIES = 3


def random_instance(program: Program, shapes, output: str, seed: int, spread: float = 1.0,
                    stand_in: int = 0) -> Instance:
    """Random dimensions and inputs in the program's domain, both signs wherever the
    program allows them. A draw where the forward pass is undefined (a singular matrix
    under det or inv) or near a kink is drawn again; where an argument leaves its
    function's domain (log of a negative entry), the inputs it reads are moved into it
    (``_repair``). DomainError when no draw can be moved there."""
    too_large = 0
    misses: dict = {}  # a site no draw could be moved into its domain -> how many draws
    fixed = set(shapes.assumptions) | invertible_names(program)
    token, dims_token = STAND_IN.set(stand_in), DIMS.set({})
    try:
        for attempt in range(60):
            # values up to 1e4 keep central differences accurate to ~1e-6 (round-off grows
            # with the size of what is differenced); draws shrink if large values keep
            # coming: by attempts, and at once after a draw whose values were too large
            shrink = 0.5 ** max(attempt // 10, min(too_large, 3))
            limit = 1e4 if attempt < 40 else 1e8
            inside = 1e3 if attempt < 40 else None  # any subexpression, e.g. e^h inside sin
            rng, dims, inputs = _inputs(program, shapes, seed + 7919 * attempt,
                                        spread * shrink,
                                        sizes_seed=seed if attempt < SAME_SIZES else None)
            DIMS.set(dims)  # a declared map's output length (``maps.size_now``)
            moved: dict[str, str] = {}
            try:
                for _ in range(8):  # each site outside its domain moved in, in turn
                    try:
                        with np.errstate(divide="raise", over="raise", invalid="raise"):
                            instance = _finish(program, rng, dims, inputs, output, inside)
                        break
                    except OutsideDomain as outside:
                        names = [n for n in feeding(program, domain_argument(outside.site))
                                 if n not in fixed]
                        repaired = _repair(program, outside.site, inputs, names)
                        if repaired is None:
                            misses[outside.site] = tries = misses.get(outside.site, 0) + 1
                            if tries >= DOMAIN_TRIES:
                                raise DomainError(
                                    f"{written(outside.site)}: {outside.needs}, and no "
                                    f"random point could be moved where it is ({tries} "
                                    "draws): the program is defined nowhere") from None
                            raise
                        inputs = repaired
                        moved.update({n: written(outside.site) for n in names})
                else:
                    continue
                if all(np.all(np.isfinite(v)) and np.all(np.abs(v) < limit)
                       for v in instance.values.values()):
                    instance.stand_in, instance.moved = stand_in, moved
                    return instance
                too_large += 1
            except TooLarge:
                too_large += 1
            except (np.linalg.LinAlgError, FloatingPointError):
                continue
    finally:
        DIMS.reset(dims_token)
        STAND_IN.reset(token)
    raise UnsupportedError("no random input found where the program is defined")


# the sizes of a dimension in three consecutive draws (seeds s, s + 1, s + 2): small (sums
# stay cheap), never one size in all three (a dimension n always 2 would hide a factor
# n/2), no two dimensions alike in all three (a formula that reads one dimension's size
# for another's — h for e — would pass), and the first three all different in each draw
# (so that a transpose never meets a square matrix there): the cyclic orders of (2, 3, 4),
# then the other permutations, then the rest
_CYCLIC = [(2, 3, 4), (3, 4, 2), (4, 2, 3), (2, 4, 3), (4, 3, 2), (3, 2, 4)]
SIZE_PATTERNS = _CYCLIC + [p for p in itertools.product((2, 3, 4), repeat=3)
                           if len(set(p)) == 2]


# a draw retried (values too large, a singular matrix) keeps its sizes for this many
# attempts, so that three consecutive draws keep the patterns above; then the sizes move
# too (a size may be what makes the draw fail: inv(A @ B) with A taller than wide)
SAME_SIZES = 20


def dimension_size(k: int, seed: int) -> int:
    """The size of the program's k-th dimension in the draw of this seed."""
    return SIZE_PATTERNS[k % len(SIZE_PATTERNS)][seed % 3]


def with_derived(dims: dict, derived: dict) -> dict:
    """The sizes of a convolution's output lengths, ⌊(n + 2P − D(r − 1) − 1)/S⌋ + 1, its
    input length n grown where the draw made it shorter than two windows."""
    from ..ops.conv import out_length
    dims = dict(dims)
    for name, (n, r, *options) in derived.items():
        while out_length(dims.get(n, n), dims.get(r, r), *options) < 2 and \
                isinstance(n, str) and n not in derived:
            dims[n] += 1
        dims[name] = out_length(dims.get(n, n), dims.get(r, r), *options)
    return dims


def _inputs(program: Program, shapes, seed: int, spread: float = 1.0,
            sizes_seed: int | None = None):
    """A random generator, the dimensions and the inputs of one draw: standard normal
    (times ``spread``) unless an assumption or an invertibility says otherwise. The sizes
    follow ``sizes_seed`` (default ``seed``): a draw retried keeps its sizes."""
    rng = np.random.default_rng(seed)
    symbolic = list(dict.fromkeys([*(d for shape in shapes.names.values() for d in shape
                                     if isinstance(d, str) and d not in shapes.derived),
                                   *shapes.lengths()]))  # inside an expression only: g, f
    sizes_seed = seed if sizes_seed is None else sizes_seed
    dims = {d: dimension_size(k, sizes_seed) for k, d in enumerate(symbolic)}
    dims = with_derived(with_products(dims, shapes.products), shapes.derived)
    invertible = invertible_names(program)
    values: dict[str, np.ndarray] = {}
    targets = {statement.target for statement in program.statements}
    unread = [d.name for d in program.declarations if d.name not in targets]  # zero gradient
    for name in dict.fromkeys([*program.inputs(), *unread]):
        shape = tuple(dims.get(d, d) for d in shapes.names[name])
        assumption = shapes.assumptions.get(name)
        if assumption in ASSUMED:
            values[name] = ASSUMED[assumption](rng, shape)
        elif name in invertible and len(shape) == 2 and shape[0] == shape[1]:
            values[name] = shape[0] * np.eye(shape[0]) + rng.uniform(-0.5, 1.0, size=shape)
        elif name in invertible:
            values[name] = rng.uniform(0.5, 1.5, size=shape)
        else:
            values[name] = rng.normal(scale=spread, size=shape)
    return rng, dims, values


def _finish(program: Program, rng, dims: dict, inputs: dict, output: str,
            largest: float | None) -> Instance:
    """The instance at these inputs: the forward pass, watched, and an upstream gradient."""
    watch = Watch()
    values = forward(program, inputs, watch=watch, largest=largest)
    out_shape = np.shape(values[output])
    upstream = rng.normal(size=out_shape) if out_shape else None
    upstreams = {}
    if output == program.output and len(program.outputs) > 1:
        # several outputs: each its own upstream, a scalar one too (a number)
        upstreams = {o: upstream if o == output and upstream is not None else
                     rng.normal(size=np.shape(values[o])) for o in program.outputs}
        upstream = upstreams[output]
    return Instance(dims, values, upstream, program, output, sides=watch.sides,
                    frozen=watch.bases, upstreams=upstreams)


def _repair(program: Program, site, inputs: dict, names: list[str]) -> dict | None:
    """The inputs with ``names`` moved until every entry of the site's argument is at least
    REPAIR_TARGET inside its domain (None if they cannot be): the argument itself for log,
    √ and a fractional power's base, its size for a denominator."""
    kind = domain_of(site)
    if not names or kind is None:
        return None  # a domain that is no margin of entries (log det): drawn again
    argument = domain_argument(site)
    needed = _statements_for(program, argument)
    shapes = [np.shape(inputs[n]) for n in names]
    sizes = [int(np.prod(shape)) for shape in shapes]

    def split(flat: np.ndarray) -> dict:  # a stack of points (B, Σ sizes) -> inputs
        out, at = {}, 0
        for name, shape, size in zip(names, shapes, sizes):
            out[name] = flat[:, at:at + size].reshape(-1, *shape)
            at += size
        return out

    def shortfall(flat: np.ndarray) -> np.ndarray:  # Σ max(target − margin, 0), per point
        values = {n: np.asarray(v, dtype=float)[None] for n, v in inputs.items()}
        values.update(split(flat))
        with np.errstate(all="ignore"):
            for statement in needed:
                values[statement.target] = np.asarray(
                    run_expression(statement.value, values), dtype=float)
            margin = np.asarray(run_expression(argument, values), dtype=float)
        if kind == "nonzero":
            margin = np.abs(margin)
        gap = np.maximum(REPAIR_TARGET - margin, 0.0)
        gap = np.where(np.isfinite(gap), gap, 1e6)
        return gap.reshape(len(flat), -1).sum(axis=1)

    x = np.concatenate([np.asarray(inputs[n], dtype=float).reshape(-1) for n in names])
    size = max(1.0, float(np.sqrt(np.mean(x * x))))  # steps follow the draw's scale
    for _ in range(REPAIR_STEPS):
        if shortfall(x[None])[0] == 0:
            return {**inputs, **{n: v[0] for n, v in split(x[None]).items()}}
        slope = central_difference(shortfall, x, precise=False)  # (entries, 1)
        slope = slope.reshape(-1)
        largest = np.max(np.abs(slope))
        if not np.isfinite(largest) or largest == 0:
            return None
        x = x - REPAIR_STEP * size * slope / largest
    return None


# ------------------------------------------------------------------ instances that cover

MAX_INSTANCES = 16
# beyond being seen at all, each side of each branch is compared at this many entries, if
# MAX_INSTANCES allow (a scalar max gate: a wrong routing that agrees at 3 points does not
# agree at 8)
SIDE_ENTRIES = 8
# the scale of the draws beyond the requested ones: wider and narrower, to reach a
# branch the first draws missed (max(X + 3, 0) needs entries of X below −3)
SPREADS = (1.0, 1.0, 1.0, 4.0, 0.3, 2.0, 1.0, 10.0)


@dataclass
class Draws:
    """The instances a check runs on, and what a reader of its verdict must know: the
    branches never seen on both sides, and the inputs a domain forced to one sign."""

    instances: list[Instance]
    uncovered: list[str]
    shifted: list[str]


def draw_instances(program: Program, shapes, output: str, trials: int,
                   seed: int = 0) -> Draws:
    """``trials`` random instances, and more (up to MAX_INSTANCES) until every branch of
    the program has been seen on both sides: every call with sides (``Op.sides``) has
    entries on each side of its kink across the instances (an entry exactly at the kink
    counts as the side the convention gives it, a slope of 0 for max(x, 0) at 0; a branch
    held at its kink in every instance is covered by the convention alone), each side at
    SIDE_ENTRIES entries where the instances allow. A program with declared functions runs
    on both stand-ins, alternately."""
    stand_ins = len(STAND_INS) if program.functions else 1
    wanted = max(trials, stand_ins)
    instances: list[Instance] = []
    seen: dict = {}
    for k in range(2 * MAX_INSTANCES):
        try:
            instance = random_instance(program, shapes, output, seed + k,
                                       spread=SPREADS[k % len(SPREADS)],
                                       stand_in=len(instances) % stand_ins)
        except (DomainError, UnsupportedError):
            if not instances:
                raise
            continue  # a wider or narrower draw out of the domain's reach: another one
        instances.append(instance)
        for site, sides in instance.sides.items():
            seen.setdefault(site, Counter()).update(sides)
        missing = _uncovered(seen, len(instances), program)
        few = any(sides != Counter({0: sides[0]}) and
                  min(sides[1], sides[-1] + sides[0]) < SIDE_ENTRIES
                  for sides in seen.values())
        if len(instances) >= wanted and (not (missing or few) or
                                         len(instances) >= MAX_INSTANCES):
            break
    if len(instances) < wanted:
        raise UnsupportedError("no random input found where the program is defined")
    moved: dict[str, dict[str, None]] = {}  # site -> the inputs moved into its domain
    for instance in instances:
        for name, site in instance.moved.items():
            moved.setdefault(site, {})[name] = None
    shifted = [f"{', '.join(names)} moved into the domain of {site}"
               for site, names in moved.items()]
    return Draws(instances, missing, shifted)


def _uncovered(seen: dict, count: int, program: Program) -> list[str]:
    """The branches not yet seen on both sides, in words; a side no input can reach is not
    asked for (abs(exp(x)) is never negative: its other side is dead by construction)."""
    out = []
    for site, counts in seen.items():
        sides = {side for side, n in counts.items() if n}
        if sides == {0}:
            continue  # held at its kink: the convention is the derivative
        sign = sign_of(site.args[0], program) if len(site.args) == 1 else None
        if sign == POSITIVE or (sign == NONNEGATIVE and 1 in sides):
            continue  # exp(x) at a kink at 0 has one side; x ** 2 has 0 and the positive
        words = ops.get(site.func).side_words
        plural = "s" if count != 1 else ""
        if not sides & {-1, 0}:
            out.append(f"{written(site)}: never {words[0]} in {count} instance{plural}")
        elif 1 not in sides:
            out.append(f"{written(site)}: never {words[1]} in {count} instance{plural}")
    return out


# ------------------------------------------------------------------ generated numpy code

def eval_numpy(code: str, values: dict[str, np.ndarray], memo: dict | None = None):
    """Evaluate matcalc's own numpy output under a whitelist (it is checked, not trusted):
    the calls the numpy printer writes and those the operations' spellings use."""
    from ..codegen.numpy_code import STRUCTURAL_CALLS
    return run_numpy(code, values, STRUCTURAL_CALLS | ops.numpy_calls(), memo)


# ------------------------------------------------------------------ finite differences

def step(size, order: int = 1):
    """The central-difference step for an entry of this size (a number or an array of
    them): H for a first derivative, H2 for a second, relative beyond 1 (an absolute 1e-6
    is below the round-off of a value near 1e6)."""
    return (H if order == 1 else H2) * np.maximum(1.0, size)


MAX_POINTS = 512  # points per call of f in central_difference (bounds the memory it takes)


def central_difference(f: Callable[[np.ndarray], np.ndarray], x, order: int = 1,
                       precise: bool = True, scale: float = 1.0) -> np.ndarray:
    """Derivatives of f at x with respect to every entry of x, by central differences with
    the step h_p = step(|x_p|) of each entry p:

        ∂f/∂x_p      ≈ (8 (f(x + δ e_p) − f(x − δ e_p)) − (f(x + 2δ e_p) − f(x − 2δ e_p)))
                       / 12δ,  δ = h_p / 2                       (order 1, ``precise``)
        ∂f/∂x_p      ≈ (f(x + h_p e_p) − f(x − h_p e_p)) / 2h_p           (order 1, not)
        ∂²f/∂x_p∂x_q ≈ Σ_{s,t = ±1} s t f(x + s h_p e_p + t h_q e_q) / 4h_p h_q       (order 2)

    (for p = q the second is (f(x + 2h e_p) − 2f(x) + f(x − 2h e_p)) / 4h²). The first is
    Richardson's extrapolation of two central differences, exact to δ⁴: near a steep spot
    (1/√(v + ε) at a small v) a plain central difference is off by 1e-3. f takes a stack
    of points, an array (B, *x.shape), and returns its values stacked, (B, *out); the result
    has shape (*x.shape, *out) for order 1 and (*x.shape, *x.shape, *out) for order 2."""
    x = np.asarray(x, dtype=float)
    n = x.size
    h = scale * step(np.abs(x).reshape(-1), order)  # (``scale``: steps twice as long …)
    moves = np.diag(h)                                     # row p: h_p e_p
    if order == 1 and precise:
        signs = (8.0, -8.0, -1.0, 1.0)
        shifts = [moves / 2, -moves / 2, moves, -moves]
    elif order == 1:
        signs, shifts = (1.0, -1.0), [moves, -moves]
    else:
        signs = (1.0, -1.0, -1.0, 1.0)
        shifts = [(s * moves[:, None, :] + t * moves[None, :, :]).reshape(n * n, n)
                  for s, t in ((1, 1), (1, -1), (-1, 1), (-1, -1))]
    points = (x.reshape(-1) + np.concatenate(shifts)).reshape(-1, *x.shape)
    stacks = []
    for k in range(0, len(points), MAX_POINTS):
        chunk = points[k:k + MAX_POINTS]
        value = np.asarray(f(chunk), dtype=float)
        # a value that does not depend on x comes back unstacked (a batch of 1)
        stacks.append(np.broadcast_to(value, (len(chunk), *value.shape[1:])))
    values = np.concatenate(stacks)
    values = values.reshape(len(signs), -1, *values.shape[1:])
    total = sum(sign * v for sign, v in zip(signs, values))
    scale = (6 * h if precise else 2 * h) if order == 1 else 4 * np.outer(h, h).reshape(-1)
    derivative = total / scale.reshape(-1, *(1,) * (total.ndim - 1))
    return derivative.reshape(x.shape * order + total.shape[1:])


def batch_loss(instance: Instance, values: dict[str, np.ndarray]) -> np.ndarray:
    """L = Σ G ∘ Y for an upstream G (so ∂L/∂Y = G), summed over the outputs when there are
    several, or the output itself if it is a lone scalar; for a batch of values
    (B, *shape), one L per entry."""
    if instance.upstream is None:
        return values[instance.output]
    return sum(np.sum(g * values[o], axis=own_axes(values[o]))
               for o, g in instance.given().items())


def finite_difference(program: Program, instance: Instance, output: str, wrt: str) -> np.ndarray:
    """∂L/∂wrt by central differences of the forward pass; an intermediate is perturbed
    where it stands (what comes after it is recomputed, it keeps its moved value)."""
    inputs = {n: np.asarray(instance.values[n], dtype=float)[None] for n in program.inputs()}
    intermediate = wrt not in inputs

    def losses(points: np.ndarray) -> np.ndarray:
        moved = {wrt: points}
        with instance.active():  # its lengths (a reshape's heads) and stand-ins
            values = forward(program, {**inputs, **moved}, moved if intermediate else None,
                             batched=True, frozen=instance.frozen)
        return batch_loss(instance, values)

    if wrt in instance.symmetric:
        return symmetric_difference(losses, instance.values[wrt])
    found = central_difference(losses, instance.values[wrt])
    plain = central_difference(losses, instance.values[wrt], precise=False)
    instance.noise[wrt] = float(np.max(np.abs(found - plain), initial=0.0))
    return found


def symmetric_directions(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The moves that keep an n×n matrix symmetric, one per entry on or above the
    diagonal: E_ii, and E_ij + E_ji for i < j (rows of the result, flattened), with their
    positions (rows, cols)."""
    rows, cols = np.triu_indices(n)
    directions = np.zeros((len(rows), n, n))
    directions[np.arange(len(rows)), rows, cols] = 1.0
    directions[np.arange(len(rows)), cols, rows] = 1.0
    return directions.reshape(len(rows), n * n), rows, cols


def symmetric_gradient(derivatives: np.ndarray, n: int, rows, cols) -> np.ndarray:
    """sym(G) from the derivatives along ``symmetric_directions``: along E_ij + E_ji
    (i ≠ j) L changes by G_ij + G_ji = 2 sym(G)_ij, along E_ii by G_ii = sym(G)_ii."""
    out = np.zeros((n, n))
    halved = np.where(rows == cols, 1.0, 0.5) * derivatives
    out[rows, cols] = halved
    out[cols, rows] = halved
    return out


def symmetric_difference(f: Callable[[np.ndarray], np.ndarray], x) -> np.ndarray:
    """The gradient at a symmetric x of a scalar f on the symmetric matrices, sym(G), by
    central differences that never leave them: f as a function of the entries on and above
    the diagonal, u ↦ f(Σ_p u_p D_p) over ``symmetric_directions`` D_p, so that a move of
    u_p (by the step of its entry) moves s_ij and s_ji together."""
    x = np.asarray(x, dtype=float)
    n = x.shape[0]
    directions, rows, cols = symmetric_directions(n)
    derivatives = central_difference(lambda u: f((u @ directions).reshape(-1, n, n)),
                                     x[rows, cols])
    return symmetric_gradient(derivatives, n, rows, cols)


MAX_COPIES = 4096  # copies of the program in one batched pass of finite_differences


def chained_differences(program: Program, instance: Instance,
                        names: list[str]) -> dict[str, np.ndarray] | None:
    """∂L/∂X for every name by the chain rule run backwards over the statements, each
    statement's share by central differences: for Z = f(X, …), ∂L/∂X gets the derivative
    in X of Σ ∂L/∂Z ∘ f(X, …), every other argument at its value. One statement at a time,
    so a program of n statements costs n of them (perturbing every intermediate where it
    stands and running the rest of the program costs n²/2). Every name's is then checked
    against a central difference of L itself along a random direction (``_chain_holds``);
    None if one disagrees (or a name is moved within the symmetric matrices), and the
    caller differences L for every entry of every name instead."""
    if instance.symmetric & set(names):
        return None
    base = {n: np.asarray(v, dtype=float) for n, v in instance.values.items()}
    refs: dict[str, np.ndarray] = {o: np.asarray(g, dtype=float)
                                   for o, g in instance.given().items()}
    if instance.upstream is None:
        refs[instance.output] = np.ones(np.shape(base[instance.output]))
    for statement in reversed(program.statements):
        g = refs.get(statement.target)
        if g is None:
            continue  # nothing L reads depends on it
        for name in names_in(statement.value):
            share, noise = _statement_share(statement.value, base, name, g, instance)
            refs[name] = refs.get(name, 0.0) + share
            instance.noise[name] = max(instance.noise.get(name, 0.0), noise)
    found = {n: np.asarray(refs.get(n, np.zeros(np.shape(base[n]))), dtype=float)
             for n in names}
    return found if _chain_holds(program, instance, base, found) else None


def _statement_share(expr, base: dict, name: str, g: np.ndarray,
                     instance: Instance) -> tuple[np.ndarray, float]:
    """The derivative in ``name`` of Σ g ∘ expr (the other names at their values), by the
    extrapolated central difference _differences takes, and its noise."""
    x = base[name]
    h = step(np.abs(x).reshape(-1), 1)
    each = np.diag(h)
    shares, noise = [], 0.0
    rows = max(1, MAX_COPIES // 4)
    for start in range(0, len(h), rows):  # bounded batches: memory as _differences takes
        part, hp = each[start:start + rows], h[start:start + rows]
        points = (x.reshape(-1) + np.concatenate([part / 2, -part / 2, part, -part])
                  ).reshape(-1, *x.shape)
        values = {n: v[None] for n, v in base.items()}
        values[name] = points
        out = np.asarray(run_expression(expr, values, frozen=instance.frozen), dtype=float)
        losses = np.broadcast_to(np.sum(g * out, axis=own_axes(out)), (len(points),))
        n = len(hp)
        near = losses[:n] - losses[n:2 * n]
        far = losses[2 * n:3 * n] - losses[3 * n:]
        shares.append((8 * near - far) / (6 * hp))
        noise = max(noise, float(np.max(np.abs(near / hp - far / (2 * hp)), initial=0.0)))
    return np.concatenate(shares).reshape(np.shape(x)), noise


def _chain_holds(program: Program, instance: Instance, base: dict, found: dict) -> bool:
    """Each name's chained ∂L/∂X against L's own derivative along a random direction u_X,
    X moved where it stands (what comes after it run again): ⟨∂L/∂X, u_X⟩ must equal
    (L(x + εu) − L(x − εu))/2ε, extrapolated as ``_differences`` takes it, name by name —
    inputs and intermediates alike. One batched pass of four copies per name, so the check
    costs what one forward pass over them does."""
    names = [n for n in found if n in base and np.size(base[n])]
    if not names:
        return True
    rng = np.random.default_rng(12345)
    moves: dict[str, tuple[int, np.ndarray, float]] = {}
    total = 0
    for name in names:
        x = base[name]
        u = rng.normal(size=np.shape(x))
        eps = step(float(np.max(np.abs(x), initial=0.0)), 1)
        points = np.stack([x + eps * u / 2, x - eps * u / 2, x + eps * u, x - eps * u])
        moves[name] = (total, points, eps, u)
        total += 4

    losses = moved_losses(program, instance, base,
                          {n: (start, points) for n, (start, points, _, _) in moves.items()},
                          total)
    for name, (start, _, eps, u) in moves.items():
        near = losses[start] - losses[start + 1]
        far = losses[start + 2] - losses[start + 3]
        numeric = (8 * near - far) / (6 * eps)
        noise = abs(near / eps - far / (2 * eps))
        chained = float(np.sum(found[name] * u))
        size = float(np.sum(np.abs(found[name] * u)))
        # L's round-off, differenced at this ε, is ~1e-9 of its scale: far below the bound
        if not abs(numeric - chained) <= 1e-5 * size + NOISE_MARGIN * noise * 1e-5 + \
                1e-7 * max(1.0, instance.loss_scale):
            return False
    return True


def moved_losses(program: Program, instance: Instance, base: dict, moves: dict,
                 total: int) -> np.ndarray:
    """L for a batch of ``total`` copies of the program: each name of ``moves`` (name →
    (first copy, its moved values)) moved in its own copies where it stands, what comes
    after it run again; every other copy at the base values."""
    def placed(name: str, value: np.ndarray) -> np.ndarray:
        start, points = moves[name]
        out = np.array(np.broadcast_to(value, (total, *np.shape(base[name]))), dtype=float)
        out[start:start + len(points)] = points
        return out

    values = {n: placed(n, base[n][None]) if n in moves else base[n][None]
              for n in program.inputs()}
    for statement in program.statements:
        value = np.asarray(run_expression(statement.value, values, frozen=instance.frozen),
                           dtype=float)
        values[statement.target] = placed(statement.target, value) \
            if statement.target in moves else value
    return np.broadcast_to(batch_loss(instance, values), (total,))


def finite_differences(program: Program, instance: Instance, output: str,
                       names: list[str]) -> dict[str, np.ndarray]:
    """∂L/∂X for every X in ``names`` at once, as ``finite_difference`` gives each: one
    batched forward pass whose copies are the ±h_p moves of every entry p of every X, each
    X moved where it stands (what comes after it is recomputed) and every other name at its
    value. Each statement runs once for all the names, so checking every intermediate of a
    program of n statements costs n statements, not n²/2."""
    found: dict[str, np.ndarray] = {}
    group: list[str] = []
    copies = 0
    for name in [*names, None]:
        size = 4 * np.size(instance.values[name]) if name is not None else 0
        if group and (name is None or copies + size > MAX_COPIES):
            found.update(_differences(program, instance, output, group))
            group, copies = [], 0
        if name is not None:
            group.append(name)
            copies += size
    return found


def _differences(program: Program, instance: Instance, output: str,
                 names: list[str]) -> dict[str, np.ndarray]:
    base = {n: np.asarray(v, dtype=float) for n, v in instance.values.items()}
    moves: dict[str, tuple[int, np.ndarray, np.ndarray]] = {}  # name -> (start, points, h)
    total = 0
    symmetric = {}  # name -> (rows, cols): moved within the symmetric matrices
    for name in names:
        x = base[name]
        if name in instance.symmetric:  # s_ij and s_ji together (symmetric_difference)
            directions, rows, cols = symmetric_directions(x.shape[0])
            symmetric[name] = (rows, cols)
            h = step(np.abs(x[rows, cols]), 1)
            each = h[:, None] * directions
        else:
            h = step(np.abs(x).reshape(-1), 1)
            each = np.diag(h)  # ±h/2 and ±h: central_difference's extrapolated stencil
        points = (x.reshape(-1) + np.concatenate([each / 2, -each / 2, each, -each])
                  ).reshape(-1, *x.shape)
        moves[name] = (total, points, h)
        total += len(points)

    losses = moved_losses(program, instance, base,
                          {n: (start, points) for n, (start, points, _) in moves.items()},
                          total)
    found = {}
    for name, (start, _, h) in moves.items():
        n = len(h)
        near = losses[start:start + n] - losses[start + n:start + 2 * n]
        far = losses[start + 2 * n:start + 3 * n] - losses[start + 3 * n:start + 4 * n]
        derivatives = (8 * near - far) / (6 * h)
        # two central differences, at h/2 and at h, differ by the round-off (and the
        # truncation) of either: the noise the extrapolated one is judged against
        instance.noise[name] = float(np.max(np.abs(near / h - far / (2 * h)), initial=0.0))
        found[name] = symmetric_gradient(derivatives, len(base[name]), *symmetric[name]) \
            if name in symmetric else derivatives.reshape(np.shape(base[name]))
    return found


def evaluate_gradients(d, values: dict, upstream=None) -> dict[str, np.ndarray]:
    """The requested gradients of a derivation at the given inputs, by its numpy code.
    Each value must have its name's shape, a dimension the same size wherever it appears."""
    return _requested(d, _namespace(d, values, upstream))


def upstream_values(d, upstream) -> dict:
    """The upstream gradients given, by output name: ``upstream`` is one value (a program
    with one output) or a dict by output name or by its numpy name ({"dB": …, "dC": …}).
    A name that is not an output with an upstream gradient is an error."""
    if upstream is None:
        return {}
    if not isinstance(upstream, dict):
        if len(d.upstreams) > 1:
            names = ", ".join(f"d{o}" for o in d.upstreams)
            raise UsageError(f"the program has several outputs ({', '.join(d.upstreams)}): "
                             f"pass their upstream gradients by name, {names}",
                             option="upstream")
        return {d.upstreams[0]: upstream} if d.upstreams else {}
    out = {}
    for key, value in upstream.items():
        name = key if key in d.upstreams else key[1:] if key.startswith("d") else key
        if name not in d.upstreams:
            raise UsageError("not the upstream gradient of an output (they are "
                             f"{', '.join('d' + o for o in d.upstreams) or 'none'})",
                             option="upstream", value=key)
        out[name] = value
    return out


def _namespace(d, values: dict, upstream) -> dict:
    """Every name's value by the forward pass, and the upstream gradient dY of each output
    Y that has one (``Derivation.upstreams``): what the numpy code of a gradient reads."""
    real = PRECISION.get()
    arrays = {name: np.asarray(value, dtype=real) for name, value in values.items()}
    missing = [n for n in d.program.inputs() if n not in arrays]
    if missing:
        raise UsageError(f"values missing for {', '.join(missing)}", option="values")
    given = upstream_values(d, upstream)
    for name in d.upstreams:
        if name not in given:
            raise UsageError(f"the output {name} is not a scalar: pass its upstream "
                             f"gradient d{name}" if d.shapes.names[name] else
                             f"the output {name} is one of several: pass its upstream "
                             f"gradient d{name}", option="upstream")
        arrays[f"d{name}"] = np.asarray(given[name], dtype=real)
    given = {n: a for n, a in arrays.items() if n in values}
    namespace = forward_given(d, given)
    namespace.update({n: size for n, size in _lengths(d, check_shapes(d, given), given).items()
                      if isinstance(n, str) and n not in namespace})  # h, as given
    namespace.update({f"d{name}": arrays[f"d{name}"] for name in d.upstreams})
    return namespace


def _requested(d, namespace: dict) -> dict[str, np.ndarray]:
    return {wrt: np.asarray(eval_numpy(d.numpy_of(wrt), namespace))
            for wrt in d.gradients if d.numpy_of(wrt) is not None}


def check_shapes(d, arrays: dict) -> None:
    """Each value has its name's shape, a dimension the same size wherever it appears."""
    shapes = {**d.shapes.names, **{f"d{o}": d.shapes.names[o] for o in d.upstreams}}
    sizes: dict = {}
    for name, array in arrays.items():
        declared = shapes.get(name)
        if declared is None:
            continue
        if array.ndim != len(declared):
            raise UsageError(f"{name} is {len(declared)}-dimensional {tuple(declared)}, the "
                             f"value given is {array.shape}", option="values", value=name)
        for dim, size in zip(declared, array.shape):
            if sizes.setdefault(dim, size) != size or (isinstance(dim, int) and dim != size):
                raise UsageError(f"{name} has shape {tuple(declared)}, but the value given is "
                                 f"{array.shape} ({dim} is {sizes[dim]} elsewhere)"
                                 if not isinstance(dim, int) else
                                 f"{name} has shape {tuple(declared)}, the value given is "
                                 f"{array.shape}", option="values", value=name)
    return sizes


def forward_given(d, arrays: dict) -> dict:
    """The forward pass at values given by a user: the arrays, and a reshape's lengths no
    array shows by name (h=2)."""
    lengths = _lengths(d, check_shapes(d, arrays), arrays)
    token = DIMS.set(lengths)
    try:
        return forward(d.program, {n: a for n, a in arrays.items() if n in d.shapes.names})
    finally:
        DIMS.reset(token)


def _lengths(d, sizes: dict, values: dict) -> dict:
    """Every dimension's length at these values: read off the arrays, given by name (a
    reshape's heads, h=2), or left over from a product d = h·k. A given length that is no
    positive integer, or does not divide its product, is the user's error, said as such."""
    sizes = dict(sizes)
    for name in d.shapes.lengths():
        if name not in values:
            continue
        value = values[name]
        try:
            whole = np.ndim(value) == 0 and float(value) == int(float(value)) and \
                int(float(value)) >= 1
        except (TypeError, ValueError):
            whole = False
        if not whole:
            raise UsageError(f"{name} is a length: give a positive integer, e.g. {name}=2",
                             option="values", value=name)
        sizes[name] = int(float(value))
    for _ in d.shapes.products:  # nested products: inner ones first
        for long, (major, minor) in d.shapes.products.items():
            known = [x for x in (long, major, minor) if x in sizes or isinstance(x, int)]
            size = lambda x: x if isinstance(x, int) else sizes[x]  # noqa: E731
            if len(known) == 2 and long in known:
                factor = major if major in known else minor
                other = minor if factor == major else major
                if size(long) % size(factor):
                    raise UsageError(f"{factor}={size(factor)} does not divide "
                                     f"{long}={size(long)} ({long} = {major}·{minor})",
                                     option="values", value=factor)
                sizes[other] = size(long) // size(factor)
            elif len(known) == 2:
                sizes[long] = size(major) * size(minor)
            elif len(known) == 3 and size(long) != size(major) * size(minor):
                raise UsageError(f"{long} = {major}·{minor}, but {long}={size(long)}, "
                                 f"{major}={size(major)}, {minor}={size(minor)}",
                                 option="values", value=major)
    return sizes



def evaluate_all(d, values: dict, upstream=None,
                 code: list[tuple[str, str]] | None = None) -> tuple[dict, dict]:
    """Every name's value and every gradient's (the named ones of the backward pass
    ``code``, in its order, then the requested ones), at the given inputs: seed 003's
    circuits."""
    namespace = _namespace(d, values, upstream)
    requested = _requested(d, namespace)
    gradients: dict[str, np.ndarray] = {}
    for name, line in code or []:
        try:
            value = namespace[f"d{name}"] = np.asarray(eval_numpy(line, namespace))
        except (KeyError, UnsupportedError):  # it reads a gradient with no numpy
            continue
        gradients[name] = value
    gradients.update(requested)
    return {n: namespace[n] for n in d.shapes.names if n in namespace}, gradients
