"""Program expressions → element form (sympy), one rule per program node type.

    C = A @ B        c_kl = Σ_p a_kp b_pl
    C = A + b        c_kl = a_kl + b_l            (b: (n,) broadcast over rows)
    C = A * B        c_kl = a_kl b_kl
    B = f(A)         b_kl = f(a_kl)
    s = sum(X, 0)    s_l  = Σ_p x_pl

Every name becomes a sympy matrix (vectors are n×1, scalars are symbols); ``element``
gives its entry at given indices.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import singledispatch

import sympy
from sympy import Expr, Integer, MatrixExpr, MatrixSymbol, Mul, Rational, Symbol

from .errors import UnsupportedError
from .functions import ELEMENTWISE
from .program import BinOp, Call, Name, Neg, Number, Transpose
from .program import Expr as Node
from .shapes import Shape, Shapes
from .symbols import Element, Index, IndexSum, dim, softmax_entry

WRT_INDICES = ("i", "j")
OUTPUT_INDICES = ("k", "l")
INNER_INDICES = ("p", "q", "r", "s", "t", "u", "v", "w")


class IndexSupply:
    """Fresh inner indices p, q, r, … (then p1, q1, …), never i, j, k, l, and never a
    letter that names a matrix of the program (its entries are written p_kl)."""

    def __init__(self, avoid: frozenset[str] = frozenset()) -> None:
        self.count = 0
        self.letters = [c for c in INNER_INDICES if c not in avoid] or list(INNER_INDICES)

    def fresh(self) -> Index:
        n, letters = self.count, self.letters
        self.count += 1
        suffix = "" if n < len(letters) else str(n // len(letters))
        return Index(letters[n % len(letters)] + suffix)


@dataclass
class Names:
    """Each program name as a sympy object, with its numpy shape."""

    shapes: Shapes
    symbols: dict[str, Expr] = field(default_factory=dict)

    @classmethod
    def of(cls, shapes: Shapes) -> Names:
        names = cls(shapes)
        for name, shape in shapes.names.items():
            names.symbols[name] = _symbol(name, shape)
        return names

    def shape(self, name: str) -> Shape:
        return self.shapes.names[name]

    def letters(self) -> frozenset[str]:
        """Index letters that would read as entries of a program name."""
        return frozenset(name.lower() for name in self.symbols)

    def element(self, name: str, idx: Sequence[Expr]) -> Expr:
        """x, x_a or x_ab for a scalar, vector or matrix name."""
        return entry(self.symbols[name], idx)


def _symbol(name: str, shape: Shape) -> Expr:
    if len(shape) == 0:
        return Symbol(name, real=True)
    if len(shape) == 1:
        return MatrixSymbol(name, dim(shape[0]), Integer(1))
    return MatrixSymbol(name, dim(shape[0]), dim(shape[1]))


def entry(symbol: Expr, idx: Sequence[Expr]) -> Expr:
    if not isinstance(symbol, MatrixExpr):
        return symbol
    if len(idx) == 1:
        return Element(symbol, idx[0], 0)
    return Element(symbol, idx[0], idx[1])


def index_symbols(names: Sequence[str], count: int) -> tuple[Index, ...]:
    return tuple(Index(n) for n in names[:count])


@dataclass
class Lowering:
    names: Names
    supply: IndexSupply

    def shape(self, node: Node) -> Shape:
        return self.names.shapes.of(node)

    def limit(self, index: Index, d: int | str) -> tuple[Index, Expr, Expr]:
        return (index, Integer(0), dim(d) - 1)


def _broadcast(child: Shape, out: Shape, idx: tuple[Expr, ...]) -> tuple[Expr, ...]:
    """numpy broadcasting: align from the right; a dimension of 1 takes index 0."""
    offset = len(out) - len(child)
    return tuple(Integer(0) if d == 1 and out[offset + t] != 1 else idx[offset + t]
                 for t, d in enumerate(child))


@singledispatch
def lower(node: Node, idx: tuple[Expr, ...], ctx: Lowering) -> Expr:
    raise UnsupportedError(f"cannot lower {type(node).__name__}")


@lower.register
def lower_name(node: Name, idx: tuple[Expr, ...], ctx: Lowering) -> Expr:
    return ctx.names.element(node.id, idx)


@lower.register
def lower_number(node: Number, idx: tuple[Expr, ...], ctx: Lowering) -> Expr:
    if isinstance(node.value, int):
        return Integer(node.value)
    exact = Fraction(repr(node.value))  # the decimal as written: 0.1 is 1/10
    if exact.denominator <= 10**6:
        return Rational(exact.numerator, exact.denominator)
    return sympy.Float(node.value)  # 0.3333333333333333 stays a float


@lower.register
def lower_neg(node: Neg, idx: tuple[Expr, ...], ctx: Lowering) -> Expr:
    return -lower(node.operand, idx, ctx)


@lower.register
def lower_transpose(node: Transpose, idx: tuple[Expr, ...], ctx: Lowering) -> Expr:
    """(Aᵀ)_kl = a_lk; a vector's transpose is itself (numpy semantics)."""
    return lower(node.operand, tuple(reversed(idx)), ctx)


@lower.register
def lower_binop(node: BinOp, idx: tuple[Expr, ...], ctx: Lowering) -> Expr:
    if node.op == "@":
        return _matmul(node, idx, ctx)
    out = ctx.shape(node)
    left = lower(node.left, _broadcast(ctx.shape(node.left), out, idx), ctx)
    right = lower(node.right, _broadcast(ctx.shape(node.right), out, idx), ctx)
    if node.op == "+":
        return left + right
    if node.op == "-":
        return left - right
    if node.op == "*":
        return left * right
    if node.op == "/":
        return left / right
    return left**right  # "**": shapes has checked that the exponent is a number


def _matmul(node: BinOp, idx: tuple[Expr, ...], ctx: Lowering) -> Expr:
    """(AB)_kl = Σ_p a_kp b_pl, with numpy's rules for 1-D operands.

    A chain is one sum over its inner indices, named in reading order:
    (ABC)_kl = Σ_p Σ_q a_kp b_pq c_ql (not Σ_q (Σ_p a_kp b_pq) c_ql).
    """
    spine = [node]  # A @ B @ C parses as (A @ B) @ C: walk down the left operands
    while isinstance(spine[-1].left, BinOp) and spine[-1].left.op == "@":
        spine.append(spine[-1].left)
    inner = {id(product): ctx.supply.fresh() for product in reversed(spine)}
    factors, limits = [], []
    for product in spine:  # from the outermost product inwards
        p = inner[id(product)]
        cut = len(ctx.shape(product.left)) - 1  # the output indices that belong to the left
        factors.append(lower(product.right, (p, *idx[cut:]), ctx))
        limits.append(ctx.limit(p, ctx.shape(product.right)[0]))
        idx = (*idx[:cut], p)
    factors.append(lower(spine[-1].left, idx, ctx))
    return IndexSum(Mul(*reversed(factors)), *reversed(limits))


@lower.register
def lower_call(node: Call, idx: tuple[Expr, ...], ctx: Lowering) -> Expr:
    rule = CALLS.get(node.func)
    if rule is not None:
        return rule(node, idx, ctx)
    return ELEMENTWISE[node.func].make(lower(node.args[0], idx, ctx))


def _softmax(node: Call, idx: tuple[Expr, ...], ctx: Lowering) -> Expr:
    """p_kl = exp(z_kl) / Σ_q exp(z_kq): row-wise, over the last axis."""
    shape = ctx.shape(node.args[0])
    return softmax_entry(lower(node.args[0], idx, ctx), idx[-1], dim(shape[-1]))


def _log_softmax(node: Call, idx: tuple[Expr, ...], ctx: Lowering) -> Expr:
    """log p_kl = log(exp(z_kl) / Σ_q exp(z_kq))."""
    return sympy.log(_softmax(node, idx, ctx))


def _fresh_entries(node: Node, ctx: Lowering) -> tuple[tuple[Index, ...], list]:
    shape = ctx.shape(node)
    inner = tuple(ctx.supply.fresh() for _ in shape)
    return inner, [ctx.limit(p, d) for p, d in zip(inner, shape)]


def _cross_entropy(node: Call, idx: tuple[Expr, ...], ctx: Lowering) -> Expr:
    """L = −Σ_p Σ_q t_pq log p_pq."""
    target, probs = node.args
    inner, limits = _fresh_entries(target, ctx)
    body = lower(target, inner, ctx) * sympy.log(lower(probs, inner, ctx))
    return -(IndexSum(body, *limits) if limits else body)


def _mse(node: Call, idx: tuple[Expr, ...], ctx: Lowering) -> Expr:
    """mse(Y, T) = (1/mn) Σ_p Σ_q (y_pq − t_pq)²."""
    y, t = node.args
    inner, limits = _fresh_entries(y, ctx)
    body = (lower(y, inner, ctx) - lower(t, inner, ctx)) ** 2
    count = sympy.Mul(*[dim(d) for d in ctx.shape(y)])
    return (IndexSum(body, *limits) if limits else body) / count


def _mean(node: Call, idx: tuple[Expr, ...], ctx: Lowering) -> Expr:
    """mean(X) = sum(X) / mn;  mean(X, 0)_l = Σ_p x_pl / m;  mean(X, 1)_k = Σ_q x_kq / n."""
    shape = ctx.shape(node.args[0])
    if node.axis is None or len(shape) == 1:
        count = sympy.Mul(*[dim(d) for d in shape])
    else:
        count = dim(shape[node.axis % 2])
    return _sum(node, idx, ctx) / count


def _sum(node: Call, idx: tuple[Expr, ...], ctx: Lowering) -> Expr:
    """sum(X) = Σ_p Σ_q x_pq;  sum(X, 0)_l = Σ_p x_pl;  sum(X, 1)_k = Σ_q x_kq."""
    arg = node.args[0]
    shape = ctx.shape(arg)
    if node.axis is None or len(shape) == 1:  # a vector's only axis is the whole sum
        inner = tuple(ctx.supply.fresh() for _ in shape)
        limits = [ctx.limit(p, d) for p, d in zip(inner, shape)]
        body = lower(arg, inner, ctx)
        return IndexSum(body, *limits) if limits else body
    p = ctx.supply.fresh()
    axis = node.axis % 2
    inner_idx = (p, idx[0]) if axis == 0 else (idx[0], p)
    return IndexSum(lower(arg, inner_idx, ctx), ctx.limit(p, shape[axis]))


def _trace(node: Call, idx: tuple[Expr, ...], ctx: Lowering) -> Expr:
    """tr X = Σ_p x_pp."""
    p = ctx.supply.fresh()
    return IndexSum(lower(node.args[0], (p, p), ctx), ctx.limit(p, ctx.shape(node.args[0])[0]))


def _det(node: Call, idx: tuple[Expr, ...], ctx: Lowering) -> Expr:
    """det X: no finite index sum of fixed length; differentiated by Jacobi's formula."""
    return sympy.Determinant(to_matrix(node.args[0], ctx))


def _logdet(node: Call, idx: tuple[Expr, ...], ctx: Lowering) -> Expr:
    """log det X."""
    return sympy.log(_det(node, idx, ctx))


def _inv(node: Call, idx: tuple[Expr, ...], ctx: Lowering) -> Expr:
    """(X⁻¹)_kl, an entry of the inverse; differentiated by ∂X⁻¹ = −X⁻¹ ∂X X⁻¹."""
    return Element(sympy.Inverse(to_matrix(node.args[0], ctx)), idx[0], idx[1])


def _norm(node: Call, idx: tuple[Expr, ...], ctx: Lowering) -> Expr:
    """‖X‖ = √(Σ_p Σ_q x_pq²) (Frobenius; the 2-norm for a vector)."""
    inner, limits = _fresh_entries(node.args[0], ctx)
    return sympy.sqrt(IndexSum(lower(node.args[0], inner, ctx) ** 2, *limits))


def _diag(node: Call, idx: tuple[Expr, ...], ctx: Lowering) -> Expr:
    """diag(v)_kl = δ_kl v_k;  diag(X)_k = x_kk."""
    if len(ctx.shape(node.args[0])) == 1:
        return sympy.KroneckerDelta(idx[0], idx[1]) * lower(node.args[0], idx[:1], ctx)
    return lower(node.args[0], (idx[0], idx[0]), ctx)


def _outer(node: Call, idx: tuple[Expr, ...], ctx: Lowering) -> Expr:
    """outer(u, v)_kl = u_k v_l."""
    return lower(node.args[0], idx[:1], ctx) * lower(node.args[1], idx[1:], ctx)


CALLS = {"sum": _sum, "mean": _mean, "softmax": _softmax, "log_softmax": _log_softmax,
         "cross_entropy": _cross_entropy, "mse": _mse, "trace": _trace, "det": _det,
         "logdet": _logdet, "inv": _inv, "norm": _norm, "diag": _diag, "outer": _outer}


def to_matrix(node: Node, ctx: Lowering) -> Expr:
    """The matrix a program expression stands for, for det and inv of it: names,
    transposes, products, sums, scalar multiples and inverses."""
    if isinstance(node, Name):
        symbol = ctx.names.symbols[node.id]
        if isinstance(symbol, MatrixExpr):
            return symbol
    elif isinstance(node, Transpose):
        return sympy.Transpose(to_matrix(node.operand, ctx))
    elif isinstance(node, Neg):
        return sympy.MatMul(-1, to_matrix(node.operand, ctx))
    elif isinstance(node, Call) and node.func == "inv":
        return sympy.Inverse(to_matrix(node.args[0], ctx))
    elif isinstance(node, BinOp) and node.op == "@" and len(ctx.shape(node.left)) == 2 \
            and len(ctx.shape(node.right)) == 2:
        factors = []
        for side in (to_matrix(node.left, ctx), to_matrix(node.right, ctx)):
            factors.extend(side.args if isinstance(side, sympy.MatMul) else [side])
        return sympy.MatMul(*factors)
    elif isinstance(node, BinOp) and node.op in "+-" and ctx.shape(node.left) == \
            ctx.shape(node.right):
        right = to_matrix(node.right, ctx)
        return sympy.MatAdd(to_matrix(node.left, ctx),
                            right if node.op == "+" else sympy.MatMul(-1, right))
    elif isinstance(node, BinOp) and node.op == "*" and not ctx.shape(node.left):
        return sympy.MatMul(lower(node.left, (), ctx), to_matrix(node.right, ctx))
    raise UnsupportedError("det, logdet and inv take names, transposes, products and sums "
                           "of matrices; assign other arguments to a name first",
                           node.pos.line, node.pos.col)


def matrix_entry(m: Expr, row: Expr, col: Expr, supply: IndexSupply) -> Expr:
    """The entry (row, col) of a matrix expression, as an element form:
    (A B)_ij = Σ_p a_ip b_pj,  (A ∘ B)_ij = a_ij b_ij,  (Aᵀ)_ij = a_ji,  (𝟏𝟏ᵀ)_ij = 1."""
    rows, cols = m.shape
    row = Integer(0) if rows == 1 else row
    col = Integer(0) if cols == 1 else col
    if isinstance(m, (sympy.MatrixSymbol,)):
        return Element(m, row, col)
    if isinstance(m, sympy.Transpose):
        return matrix_entry(m.arg, col, row, supply)
    if isinstance(m, sympy.MatAdd):
        return sympy.Add(*[matrix_entry(a, row, col, supply) for a in m.args])
    if isinstance(m, sympy.HadamardProduct):
        return sympy.Mul(*[matrix_entry(a, row, col, supply) for a in m.args])
    if isinstance(m, sympy.HadamardPower):
        return matrix_entry(m.base, row, col, supply) ** m.exp
    if isinstance(m, sympy.OneMatrix):
        return Integer(1)
    if isinstance(m, sympy.ZeroMatrix):
        return Integer(0)
    if isinstance(m, sympy.Identity):
        return sympy.KroneckerDelta(row, col)
    if isinstance(m, sympy.MatMul):
        scalars = [a for a in m.args if not a.is_Matrix]
        mats = [a for a in m.args if a.is_Matrix]
        indices = [row]
        limits = []
        for left in mats[:-1]:
            inner = left.shape[1]
            if inner == 1:
                indices.append(Integer(0))
            else:
                p = supply.fresh()
                indices.append(p)
                limits.append((p, Integer(0), inner - 1))
        indices.append(col)
        body = sympy.Mul(*scalars, *[matrix_entry(a, indices[t], indices[t + 1], supply)
                                     for t, a in enumerate(mats)])
        return IndexSum(body, *limits) if limits else body
    name = getattr(m, "name", None)
    if type(m).__name__ == "Apply" and name in ELEMENTWISE:
        return ELEMENTWISE[name].make(matrix_entry(m.arg, row, col, supply))
    from .recognise import NoMatrixForm
    raise NoMatrixForm(f"no element form for {type(m).__name__}")
