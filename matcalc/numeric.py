"""Numbers for checking: random instances of a program, its forward pass in numpy, and a
numeric evaluator for every sympy expression a proof step can contain.

The forward pass runs the program with numpy's own semantics, independently of the element
forms, so that finite differences of it are an outside reference for the derivation.
``Partial`` nodes are evaluated by central differences of that forward pass.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import singledispatchmethod

import numpy as np
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

from . import ops
from .calculus.symbols import (
    Apply,
    ChainPartial,
    Element,
    Index,
    Partial,
    ScalarGrad,
    UpstreamGrad,
)
from .errors import UnsupportedError
from .language.program import BinOp, Call, Name, Neg, Number, Program
from .language.program import Transpose as TransposeNode
from .numpy_eval import eval_numpy as run_numpy
from .ops.rowwise import softmax_entry

H = 1e-6  # central-difference step


# ------------------------------------------------------------------ forward pass

def forward(program: Program, inputs: dict[str, np.ndarray],
            fixed: dict[str, np.ndarray] | None = None,
            away_from_kinks: bool = False) -> dict[str, np.ndarray]:
    """Run the program; names in ``fixed`` keep their given value (perturbed intermediates).
    With ``away_from_kinks``, a call at its operation's kink (such as 0 for max(x, 0))
    raises FloatingPointError (a random draw there is drawn again)."""
    values = dict(inputs)
    fixed = fixed or {}
    values.update(fixed)
    for statement in program.statements:
        if statement.target in fixed:
            continue
        values[statement.target] = np.asarray(_run(statement.value, values, away_from_kinks),
                                              dtype=float)
    return values


def _run(node, values, away_from_kinks: bool = False):
    def run(child):
        return _run(child, values, away_from_kinks)
    if isinstance(node, Name):
        return values[node.id]
    if isinstance(node, Number):
        return float(node.value)
    if isinstance(node, Neg):
        return -run(node.operand)
    if isinstance(node, TransposeNode):
        return np.asarray(run(node.operand)).T
    if isinstance(node, Call):
        args = [np.asarray(run(a), dtype=float) for a in node.args]
        op = ops.get(node.func)
        value = op.forward(*args, axis=node.axis)
        if away_from_kinks and op.kink is not None and op.kink(args, value):
            raise FloatingPointError(f"{node.func} at its kink")
        return value
    assert isinstance(node, BinOp)
    left, right = run(node.left), run(node.right)
    return {
        "+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide,
        "**": np.power, "@": np.matmul,
    }[node.op](left, right)


# ------------------------------------------------------------------ random instances

def _rows_summing_to_one(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


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
    "prob_rows": lambda rng, shape: _rows_summing_to_one(rng.normal(size=shape)),
    "positive": lambda rng, shape: rng.uniform(0.5, 2.0, size=shape),
    "symmetric": lambda rng, shape: (lambda a: a + a.T)(rng.normal(size=shape)),
    "spd": _spd,
}


@dataclass
class Instance:
    """Concrete dimensions, input values, upstream gradient and the forward values."""

    dims: dict[str, int]
    values: dict[str, np.ndarray]
    upstream: np.ndarray | None
    program: Program | None = None
    output: str = ""
    _grads: dict | None = None

    def gradient_of(self, name: str) -> np.ndarray:
        """∂L/∂name by central differences (for an intermediate: perturbed in place)."""
        if name == self.output:
            return self.upstream
        if self._grads is None:
            self._grads = {}
        if name not in self._grads:
            self._grads[name] = finite_difference(self.program, self, self.output, name)
        return self._grads[name]


def _invertible_names(program: Program) -> set[str]:
    """Names inside det, logdet or inv: drawn near n·I so that they are well conditioned
    with a positive determinant, yet not symmetric (Xᵀ ≠ X must show)."""
    from .language.program import names_in, walk_program
    return {name for node in walk_program(program)
            if isinstance(node, Call) and ops.get(node.func).invertible
            for name in names_in(node.args[0])}


def _needs_positive(program: Program) -> bool:
    """log, √, division or a fractional power anywhere: draw positive inputs."""
    from .language.program import walk_program
    return any((isinstance(node, Call) and ops.get(node.func).positive) or
               (isinstance(node, BinOp) and (node.op == "/" or (
                   node.op == "**" and not _is_integer(node.right))))
               for node in walk_program(program))


def _is_integer(node) -> bool:
    if isinstance(node, Neg):
        return _is_integer(node.operand)
    return isinstance(node, Number) and float(node.value).is_integer()


def random_instance(program: Program, shapes, output: str, seed: int) -> Instance:
    """Random dimensions and inputs in the program's domain. A draw where the forward pass
    is undefined (a singular matrix under det or inv, a log of 0) is drawn again."""
    for attempt in range(50):
        # values up to 1e4 keep central differences accurate to ~1e-6 (round-off grows with
        # the size of what is differenced); draws shrink if large values keep coming
        spread, limit = 0.5 ** (attempt // 10), 1e4 if attempt < 40 else 1e8
        try:
            with np.errstate(divide="raise", over="raise", invalid="raise"):
                instance = _draw(program, shapes, output, seed + 7919 * attempt, spread)
            if all(np.all(np.isfinite(v)) and np.all(np.abs(v) < limit)
                   for v in instance.values.values()):
                return instance
        except (np.linalg.LinAlgError, FloatingPointError):
            continue
    raise UnsupportedError("no random input found where the program is defined")


def _draw(program: Program, shapes, output: str, seed: int, spread: float = 1.0) -> Instance:
    rng = np.random.default_rng(seed)
    symbolic = list(dict.fromkeys(d for shape in shapes.names.values() for d in shape
                                  if isinstance(d, str)))
    sizes = [2 + k % 3 for k in range(len(symbolic))]  # neighbours differ; sums stay small
    rng.shuffle(sizes)
    dims = dict(zip(symbolic, (int(s) for s in sizes)))
    positive = _needs_positive(program)
    invertible = _invertible_names(program)
    values: dict[str, np.ndarray] = {}
    for name in program.inputs():
        shape = tuple(dims.get(d, d) for d in shapes.names[name])
        assumption = shapes.assumptions.get(name)
        if assumption in ASSUMED:
            values[name] = ASSUMED[assumption](rng, shape)
        elif name in invertible and len(shape) == 2 and shape[0] == shape[1]:
            values[name] = shape[0] * np.eye(shape[0]) + rng.uniform(-0.5, 1.0, size=shape)
        elif name in invertible:
            values[name] = rng.uniform(0.5, 1.5, size=shape)
        elif positive:
            values[name] = rng.uniform(0.5, 2.0, size=shape) * max(spread, 0.25)
        else:
            values[name] = rng.normal(scale=spread, size=shape)
    values = forward(program, values, away_from_kinks=True)
    out_shape = np.shape(values[output])
    upstream = rng.normal(size=out_shape) if out_shape else None
    return Instance(dims, values, upstream, program, output)


# ------------------------------------------------------------------ evaluation

class Evaluator:
    """Numeric value of element forms, proof steps and matrix forms on one instance."""

    def __init__(self, program: Program, instance: Instance, output: str,
                 values: dict[str, np.ndarray] | None = None):
        self.program = program
        self.instance = instance
        self.output = output
        self.values = values if values is not None else instance.values
        self._matrices: dict[Expr, np.ndarray] = {}
        self._perturbed: dict = {}
        self._symbols: dict = {}

    # -- scalars
    def scalar(self, expr: Expr, env: dict[Index, int]) -> float:
        return float(self._scalar(expr, env))

    @singledispatchmethod
    def _scalar(self, expr, env):
        op = ops.of_node(expr)
        if op is not None and op.elementwise:
            return op.forward(np.float64(self._scalar(expr.args[0], env)))
        if expr.is_number:
            return float(expr)
        raise UnsupportedError(f"cannot evaluate {type(expr).__name__}")

    @_scalar.register
    def _(self, expr: Symbol, env):
        if isinstance(expr, Index):
            return env[expr]
        if expr.name in self.values and expr.is_real and not expr.is_integer:
            return float(self.values[expr.name])
        return self.instance.dims[expr.name]

    @_scalar.register
    def _(self, expr: ScalarGrad, env):
        return float(self.instance.gradient_of(expr.of))

    @_scalar.register
    def _(self, expr: Add, env):
        return sum(self._scalar(a, env) for a in expr.args)

    @_scalar.register
    def _(self, expr: Mul, env):
        out = 1.0
        for a in expr.args:
            out = out * self._scalar(a, env)
        return out

    @_scalar.register
    def _(self, expr: Pow, env):
        return np.float64(self._scalar(expr.base, env)) ** float(expr.exp)

    @_scalar.register
    def _(self, expr: KroneckerDelta, env):
        a, b = (self._scalar(x, env) for x in expr.args)
        return 1.0 if a == b else 0.0

    @_scalar.register
    def _(self, expr: Sum, env):
        indices = [limit[0] for limit in expr.limits]
        ranges = [range(int(self._scalar(lo, env)), int(self._scalar(hi, env)) + 1)
                  for _, lo, hi in expr.limits]
        total = 0.0
        for point in itertools.product(*ranges):
            inner = dict(env)
            inner.update(zip(indices, point))
            total += self._scalar(expr.function, inner)
        return total

    @_scalar.register
    def _(self, expr: softmax_entry, env):
        e, l, size = expr.args
        exps = []
        for value in range(int(self._scalar(size, env))):
            inner = dict(env)
            inner[l] = value
            exps.append(np.exp(self._scalar(e, inner)))
        return exps[int(env[l])] / sum(exps) if l in env else \
            np.exp(self._scalar(e, env)) / sum(exps)

    @_scalar.register
    def _(self, expr: Element, env):
        m = self.matrix(expr.matrix)
        return m[int(self._scalar(expr.row, env)), int(self._scalar(expr.col, env))]

    @_scalar.register
    def _(self, expr: Determinant, env):
        return float(np.linalg.det(self.matrix(expr.arg)))

    @_scalar.register
    def _(self, expr: Trace, env):
        return float(np.trace(self.matrix(expr.arg)))

    @_scalar.register
    def _(self, expr: Partial, env):
        """∂e/∂x by central differences of the forward pass (x an input or intermediate)."""
        var = expr.var
        if isinstance(var, Element):
            name = var.matrix.name
            self._symbols[name] = var.matrix
            position = (int(self._scalar(var.row, env)), int(self._scalar(var.col, env)))
        else:
            name, position = var.name, None
        through = expr.expr if isinstance(expr, ChainPartial) else None
        (plus, minus), h = self._moved(name, position, through)
        return (plus._scalar(expr.expr, env) - minus._scalar(expr.expr, env)) / (2 * h)

    def _moved(self, name: str, position, through: Expr | None) -> tuple[tuple, float]:
        """Evaluators with one entry of ``name`` moved by ±h, and h (``step``). A partial
        derivative holds every other name fixed; a chain rule's ∂z_kl/∂x_ij (``through`` =
        z_kl) recomputes the result z from its own statement. Cached."""
        target = getattr(through.matrix, "name", None) if isinstance(through, Element) else \
            through.name if isinstance(through, Symbol) else None
        targets = frozenset(s.target for s in self.program.statements
                            if s.target == target and s.target != name)
        key = (name, position, targets)
        if key not in self._perturbed:
            base = np.array(self.values[name], dtype=float)
            entry = base if position is None else \
                base.reshape(self._shape2(self._symbols[name]))[position]
            h = step(float(np.max(np.abs(entry))))
            pair = []
            for sign in (1.0, -1.0):
                moved = base.copy()
                if position is None:
                    moved = moved + sign * h
                else:
                    moved.reshape(self._shape2(self._symbols[name]))[position] += sign * h
                values = dict(self.values)
                values[name] = moved
                for statement in self.program.statements:
                    if statement.target in targets:
                        values[statement.target] = np.asarray(_run(statement.value, values),
                                                              dtype=float)
                pair.append(Evaluator(self.program, self.instance, self.output, values))
            self._perturbed[key] = (tuple(pair), h)
        return self._perturbed[key]

    # -- matrices
    def _shape2(self, m: Expr) -> tuple[int, int]:
        return tuple(int(self._scalar(d, {})) for d in m.shape)  # type: ignore[return-value]

    def matrix(self, m: Expr) -> np.ndarray:
        cached = self._matrices.get(m)
        if cached is None:
            cached = np.asarray(self._matrix(m), dtype=float)
            if cached.ndim < 2:
                cached = np.broadcast_to(cached, self._shape2(m)) if cached.ndim == 0 \
                    else cached.reshape(self._shape2(m))
            self._matrices[m] = cached
        return cached

    @singledispatchmethod
    def _matrix(self, m):
        raise UnsupportedError(f"cannot evaluate matrix {type(m).__name__}")

    @_matrix.register
    def _(self, m: MatrixSymbol):
        if isinstance(m, UpstreamGrad):
            return np.reshape(self.instance.gradient_of(m.name), self._shape2(m))
        return np.reshape(self.values[m.name], self._shape2(m))

    @_matrix.register
    def _(self, m: Transpose):
        return self.matrix(m.arg).T

    @_matrix.register
    def _(self, m: MatPow):
        return np.linalg.matrix_power(self.matrix(m.base), int(m.exp))

    @_matrix.register
    def _(self, m: Inverse):
        return np.linalg.inv(self.matrix(m.arg))

    @_matrix.register
    def _(self, m: DiagonalOf):
        return np.diag(self.matrix(m.arg)).reshape(-1, 1)

    @_matrix.register
    def _(self, m: MatMul):
        out = None
        scalar = 1.0
        for a in m.args:
            if a.is_Matrix:
                out = self.matrix(a) if out is None else out @ self.matrix(a)
            else:
                scalar *= self.scalar(a, {})
        return scalar * out

    @_matrix.register
    def _(self, m: MatAdd):
        return sum(self.matrix(a) for a in m.args)

    @_matrix.register
    def _(self, m: HadamardProduct):
        out = 1.0
        for a in m.args:
            out = out * self.matrix(a)
        return out

    @_matrix.register
    def _(self, m: HadamardPower):
        return self.matrix(m.base) ** float(m.exp)

    @_matrix.register
    def _(self, m: OneMatrix):
        return np.ones(self._shape2(m))

    @_matrix.register
    def _(self, m: ZeroMatrix):
        return np.zeros(self._shape2(m))

    @_matrix.register
    def _(self, m: Identity):
        return np.eye(self._shape2(m)[0])

    @_matrix.register
    def _(self, m: Apply):
        return ops.get(m.name).forward(self.matrix(m.arg))


# ------------------------------------------------------------------ generated numpy code

def eval_numpy(code: str, values: dict[str, np.ndarray]):
    """Evaluate matcalc's own numpy output under a whitelist (it is checked, not trusted):
    the calls the numpy printer writes and those the operations' spellings use."""
    from .render.numpy_code import STRUCTURAL_CALLS
    return run_numpy(code, values, STRUCTURAL_CALLS | ops.numpy_calls())


# ------------------------------------------------------------------ finite differences

def loss(program: Program, instance: Instance, output: str, values: dict) -> float:
    """L = Σ G ∘ Y for an upstream G (so ∂L/∂Y = G), or the output itself if scalar."""
    y = values[output]
    if instance.upstream is None:
        return float(y)
    return float(np.sum(instance.upstream * y))


def finite_difference(program: Program, instance: Instance, output: str, wrt: str) -> np.ndarray:
    """∂L/∂wrt by central differences; an intermediate is perturbed where it stands and
    only what comes after it is recomputed."""
    inputs = {n: instance.values[n] for n in program.inputs()}
    base = np.array(instance.values[wrt], dtype=float)
    grad = np.zeros_like(base)
    intermediate = wrt not in inputs
    for position in np.ndindex(base.shape):
        h = step(abs(float(base[position])))
        results = []
        for sign in (1.0, -1.0):
            moved = base.copy()
            moved[position] += sign * h
            fixed = {wrt: moved} if intermediate else None
            values = forward(program, {**inputs, wrt: moved}, fixed)
            results.append(loss(program, instance, output, values))
        grad[position] = (results[0] - results[1]) / (2 * h)
    return grad


def step(size: float) -> float:
    """The central-difference step for an entry of this size: H, relative beyond 1 (an
    absolute 1e-6 is below the round-off of a value near 1e6)."""
    return H * max(1.0, size)


def evaluate_gradients(d, values: dict, upstream=None) -> dict[str, np.ndarray]:
    """The requested gradients of a derivation at the given inputs, by its numpy code."""
    arrays = {name: np.asarray(value, dtype=float) for name, value in values.items()}
    missing = [n for n in d.program.inputs() if n not in arrays]
    if missing:
        raise UnsupportedError(f"values missing for {', '.join(missing)}")
    namespace = forward(d.program, arrays)
    if d.has_upstream:
        if upstream is None:
            raise UnsupportedError(f"the output {d.output} is not a scalar: pass its upstream "
                                   f"gradient d{d.output}")
        namespace[f"d{d.output}"] = np.asarray(upstream, dtype=float)
    return {wrt: np.asarray(eval_numpy(d.numpy_of(wrt), namespace))
            for wrt in d.gradients if d.numpy_of(wrt) is not None}
