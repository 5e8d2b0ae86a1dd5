"""The record of one operation of the language, and the small rules that many share.

An ``Op`` says everything matcalc knows about an operation in one place: how it is
called, its shape rule, its element form (composites lower to primitives), the
derivative of any new primitive node, how numpy evaluates it, how text, LaTeX and numpy
spell it, the domain facts the checker needs (positive, kinked, invertible), the note
shown to the reader, and example programs that exercise it. Every stage reads these
records; none keeps a table of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sympy import Expr, Function

from ..numpy_eval import calls_in, eval_numpy


@dataclass(frozen=True)
class Op:
    """One operation. Only ``name`` and ``kind`` are required; the rest says what applies.

    kind: "elementwise", "rowwise", "reduction", "loss" or "linalg" (the section it is
    listed under), "internal" for nodes that only derivatives produce (relu′ = step), or
    "declared" for a function a program declares (``f: elementwise``).
    """

    name: str
    kind: str
    summary: str = ""                       # one line for the README
    signature: str = ""                     # how it is called: "sum(X[, axis])"
    arity: int = 1                          # 0: any number of operands (einsum)
    keywords: tuple[str, ...] = ()          # ("axis",) for reductions
    subscripts: bool = False                # its first argument is "ij,jk->ik" (einsum)
    # shape rule: (check, node, argument shapes) -> result shape; None keeps the shape
    shape: Callable[..., tuple] | None = None
    # element form: (node, idx, ctx) -> sympy; None applies ``function`` entrywise
    lower: Callable[..., Expr] | None = None
    # a primitive node: the sympy function class (or constructor) and its derivative
    function: Any = None
    derivative: Callable[[Expr, Expr], Expr] | None = None   # (x, y = f(x)) -> f′(x)
    # a node with a rule of its own: (expr, wrt, differentiate) -> ∂expr/∂wrt
    differentiate: Callable[..., Expr] | None = None
    # the derivative written at once in terms of the node itself, where the articles know
    # it (softmax: ∂b_il/∂a_ij = b_ij (δ_jl − b_il), seed 001 eq. 27): (expr, wrt) ->
    # ∂expr/∂wrt in nodes of its own kind, or None where it does not apply
    known: Callable[[Expr, Expr], Expr | None] | None = None
    # numpy: the one spelling of f(x) ("np.tanh({})"); forward evaluation of the call, on
    # a batch: every array has a leading axis of copies (see ``own_axes``)
    numpy: str | None = None
    # the spelling on a stack of matrices (…, m, n), where ``numpy`` reduces the whole
    # array (a column's softmax down axis -2, not over every entry); None: ``numpy`` as is
    stack_numpy: str | None = None
    forward: Callable[..., Any] | None = None                # (*arrays, axis) -> array
    # numpy for a call in a program, where ``numpy`` does not say it: {0}, {1} the
    # arguments (bracketed), {axis} the axis and keepdims keywords (", axis=0" or "")
    source: str | None = None
    # more fields for ``source``: (call node, its arguments' code) -> {name: code}
    source_fields: Callable[..., dict] | None = None
    # spellings for the reader: a name (σ, \sigma) or a whole format with {} (|x|)
    text: str = ""
    tex: str = ""
    text_format: str | None = None
    tex_format: str | None = None
    note: str | None = None                 # key of the note on its domain (templates)
    # an activation: its proof shows f′(a_ij) first, then this f′ (seed 001 eq. 23)
    activation: bool = False
    # domain facts the checker draws inputs by
    positive: bool = False                  # its argument must be positive (log, √)
    # the sign of its value whatever its argument: "positive" (exp, σ), "nonnegative"
    # (relu, |x|, √), or "same" as its argument's (a sum, a mean: of nonnegative entries,
    # nonnegative) — what lets the checker know a branch that can never be taken
    sign: str | None = None
    invertible: bool = False                # its argument must be invertible (det, inv)
    # any other domain: (argument arrays, on a batch) -> inside? Its docstring says what
    # is needed ("its argument must have a positive determinant")
    domain: Callable[[list], bool] | None = None
    kink: Callable[[list, Any], bool] | None = None  # (args, value) -> near a kink?
    # a branch: which side of its kink each entry is on, −1, 0 (exactly at it) or +1, and
    # the two sides in words; the checker must see both (``check.numeric.Coverage``)
    sides: Callable[[list], Any] | None = None
    sides_numpy: str | None = None          # the same in numpy: "np.sign({0})"
    # its value with each entry on the side of the kink the base arguments are on:
    # (arguments, base arguments, axis) -> value; the convention's side at the kink itself
    frozen: Callable[..., Any] | None = None
    side_words: tuple[str, str] = ("negative", "positive")
    transposes: bool = True                 # f(Mᵀ) = f(M)ᵀ (false for row-wise ones)
    # the matrix whose (left, right) entry is this node: (expr, recogniser, left, right)
    # -> matrix (a softmax entry along its row is softmax(Z)); and back, the element form
    # of an entry of f(M): (m, row, col, supply, entry_of) -> expr
    matrix_form: Callable[..., Expr] | None = None
    entry: Callable[..., Expr] | None = None
    # the call as a matrix expression, for det and inv of it: (argument matrices, argument
    # shapes, result shape) -> matrix, or None (an elementwise f is f(M) without one)
    as_matrix: Callable[..., Expr | None] | None = None
    # programs that use it (the registry walk test derives, verifies and renders them)
    examples: tuple[str, ...] = ()
    # the fuzzer's vocabulary: (result kind, argument kinds, format); "*" is any kind
    fuzz: tuple[tuple[str, tuple[str, ...], str], ...] = ()

    @property
    def in_language(self) -> bool:
        return self.kind != "internal"

    @property
    def elementwise(self) -> bool:
        return self.kind in ("elementwise", "internal", "declared") and self.lower is None and \
            self.function is not None and self.differentiate is None

    @property
    def call(self) -> str:
        return self.signature or f"{self.name}(X)"

    def spelled(self, field_name: str) -> str:
        """The name a printer shows: ``text`` or ``tex`` (falls back to the name)."""
        return getattr(self, field_name) or self.name


def new_function(name: str, doc: str, at_number: Callable[[Expr], Expr] | None = None,
                 **facts: Any) -> type[Function]:
    """A sympy function class for a primitive that sympy lacks (σ, relu, softplus): real,
    unevaluated on symbols, ``at_number`` on constants — any constant expression, not only
    a literal number (relu(1/(1 + e²)) must become a number the printers can compare)."""

    def eval(cls, x):  # noqa: A001 - sympy's hook
        if at_number is not None and x.is_number:
            return at_number(x)
        return None

    return type(name, (Function,), {"__doc__": doc, "is_real": True,
                                    "eval": classmethod(eval), **facts})


# ---------------------------------------------------------------- shape rules

def square(check, node, shapes: list[tuple]) -> tuple:
    """A square matrix in, the same shape out (inv)."""
    arg = shapes[0]
    if len(arg) != 2 or not check.unify(arg[0], arg[1]):
        raise check.fail(f"{node.func}() needs a square matrix; {check.describe(0)}")
    return arg


def square_to_scalar(check, node, shapes: list[tuple]) -> tuple:
    """A square matrix in, a scalar out (trace, det, log det)."""
    square(check, node, shapes)
    return ()


def not_scalar(check, node, shapes: list[tuple]) -> tuple:
    """A vector or a matrix in, the same shape out (softmax)."""
    if not shapes[0]:
        raise check.fail(f"{node.func}() needs a vector or a matrix")
    return shapes[0]


def alike_to_scalar(check, node, shapes: list[tuple]) -> tuple:
    """Two arrays of one shape in, a scalar out (losses)."""
    first, second = shapes
    if len(first) != len(second) or not all(map(check.unify, first, second)):
        raise check.fail(f"{node.func}() needs two arrays of one shape: {check.describe(0)} "
                         f"and {check.describe(1)}")
    return ()


# ---------------------------------------------------------------- numpy, on a batch
#
# The checker runs the program on many perturbed copies at once: axis 0 of every array
# runs over the copies, and the value itself (a scalar, a vector, a matrix) is the rest.

def own_axes(x) -> tuple[int, ...]:
    """Every axis of the value itself (all but the batch axis)."""
    return tuple(range(1, x.ndim))


def value_axis(axis: int | tuple[int, ...] | None, x):
    """A program's axis argument on a batched array (None: every axis of the value)."""
    if axis is None:
        return own_axes(x)
    if isinstance(axis, tuple):
        return tuple(value_axis(a, x) for a in axis)
    return axis + 1 if axis >= 0 else axis


def alike(a, b) -> tuple:
    """numpy aligns shapes from the right; behind the batch axis the value of lower rank
    gets its missing leading axes (of length 1) explicitly."""
    rank = max(a.ndim, b.ndim)
    return tuple(x.reshape(x.shape[:1] + (1,) * (rank - x.ndim) + x.shape[1:])
                 for x in (a, b))


def fill(spelling: str, code: str, atomic: bool) -> str:
    """A numpy spelling with its argument put in: ``{}`` as it is, ``⟨{}⟩`` where an
    operator follows it (bracketed unless the argument is a name or a call)."""
    return spelling.replace("⟨{0}⟩", code if atomic else f"({code})").format(code)


def numpy_function(spelling: str) -> Callable:
    """f(x) evaluated from its numpy spelling ("np.logaddexp(0, {})"), so that numpy is
    spelled once: the forward pass runs what the generated code would run."""

    code = fill(spelling, "x", atomic=True)
    allowed = calls_in(code)

    def apply(x):
        return eval_numpy(code, {"x": x}, allowed)

    return apply
