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

import sympy
from sympy import Expr, Integer, MatrixExpr, MatrixSymbol, Mul, Rational, Symbol

from .. import ops
from ..errors import UnsupportedError
from ..index.greek import shown_letter
from ..index.reshape import Div, Joint, Mod
from ..index.symbols import (
    Apply,
    Element,
    Index,
    IndexSum,
    IndexSupply,
    Pick,
    TensorSymbol,
    dim,
)
from ..language.program import (
    BinOp,
    Call,
    Item,
    Name,
    Neg,
    Number,
    Reshape,
    Size,
    Stack,
    Transpose,
    Walker,
)
from ..language.program import Expr as Node
from ..language.shapes import Shape, Shapes, reshape_plan
from .written import WrittenOrder


@dataclass
class Names:
    """Each program name as a sympy object, with its numpy shape."""

    shapes: Shapes
    symbols: dict[str, Expr] = field(default_factory=dict)
    # the written order of every sum and product lowered from the program (1 + e^{−x},
    # not sympy's e^{−x} + 1), for the printers
    written: WrittenOrder = field(default_factory=WrittenOrder)

    @classmethod
    def of(cls, shapes: Shapes) -> Names:
        names = cls(shapes)
        for name, shape in shapes.names.items():
            names.symbols[name] = _symbol(name, shape)
        return names

    def shape(self, name: str) -> Shape:
        return self.shapes.names[name]

    def letters(self) -> frozenset[str]:
        """Index letters that would read as entries of a program name (b for B), as a
        scalar name itself (s; the scalar L leaves l free: L = −Σ_k Σ_l y_kl log b_kl), or
        as a dimension shown on the same page."""
        entries = {name.lower() if isinstance(symbol, (MatrixExpr, TensorSymbol)) else name
                   for name, symbol in self.symbols.items()}
        dims = {d for shape in self.shapes.names.values() for d in shape if isinstance(d, str)}
        return frozenset(entries | dims)  # and a declared dimension p: Σ_q beside it

    def shown(self) -> frozenset[str]:
        """The letters the program's names show as (β for beta), and its dimensions: a
        stack's leading index takes none of them, and its last two take their dimensions'
        letters rather than one a dimension is named (κ, not k, beside a dimension k)."""
        dims = {str(d) for shape in self.shapes.names.values() for d in shape}
        return frozenset(shown_letter(name) for name in self.symbols) | dims

    def element(self, name: str, idx: Sequence[Expr]) -> Expr:
        """x, x_a or x_ab for a scalar, vector or matrix name."""
        return entry(self.symbols[name], idx)


def _symbol(name: str, shape: Shape) -> Expr:
    if len(shape) == 0:
        return Symbol(name, real=True)
    if len(shape) == 1:
        return MatrixSymbol(name, dim(shape[0]), Integer(1))
    if len(shape) == 2:
        return MatrixSymbol(name, dim(shape[0]), dim(shape[1]))
    return TensorSymbol(name, tuple(dim(d) for d in shape))


def entry(symbol: Expr, idx: Sequence[Expr]) -> Expr:
    """x, x_a, x_ab, x_{b,t,d}: the entry of a name at one index per axis."""
    if isinstance(symbol, TensorSymbol):
        return Element(symbol, *idx)
    if not isinstance(symbol, MatrixExpr):
        return symbol
    if len(idx) == 1:
        return Element(symbol, idx[0], 0)
    return Element(symbol, idx[0], idx[1])


@dataclass
class Lowering(Walker):
    """What a lowering rule may ask for: the element form of a subexpression at given
    indices, its shape, fresh inner indices and their limits, and its matrix (for det
    and inv)."""

    names: Names
    supply: IndexSupply

    def lower(self, node: Node, idx: tuple[Expr, ...]) -> Expr:
        return lower(node, idx, self)

    def shape(self, node: Node) -> Shape:
        return self.names.shapes.of(node)

    def broadcast(self, child: Node, parent: Node, idx: tuple[Expr, ...]) -> Expr:
        """The child's entry where the parent's is idx, numpy broadcasting (b_l in a + b)."""
        return lower(child, _broadcast(self.shape(child), self.shape(parent), idx), self)

    def fresh(self) -> Index:
        return self.supply.fresh()

    def limit(self, index: Index, d: int | str) -> tuple[Index, Expr, Expr]:
        return (index, Integer(0), dim(d) - 1)

    def entries(self, node: Node) -> tuple[tuple[Expr, ...], list]:
        """Fresh indices for every entry of a subexpression, with their sum limits; an
        axis of length 1 is the constant 0 and no sum (Σ_{p=0}^{0} x_p is x_0: a sum of
        one term would be an empty-looking node that later stages must see through)."""
        shape = self.shape(node)
        inner = tuple(Integer(0) if d == 1 else self.fresh() for d in shape)
        return inner, [self.limit(p, d) for p, d in zip(inner, shape) if d != 1]

    def matrix(self, node: Node) -> Expr:
        return to_matrix(node, self)

    # one rule per node type: the element form at the indices idx

    def visit_Name(self, node: Name, idx: tuple[Expr, ...]) -> Expr:
        return self.names.element(node.id, idx)

    def visit_Number(self, node: Number, idx: tuple[Expr, ...]) -> Expr:
        if isinstance(node.value, int):
            return Integer(node.value)
        exact = Fraction(repr(node.value))  # the decimal as written: 0.1 is 1/10
        if exact.denominator <= 10**6:
            return Rational(exact.numerator, exact.denominator)
        return sympy.Float(node.value)  # 0.3333333333333333 stays a float

    def visit_Size(self, node: Size, idx: tuple[Expr, ...]) -> Expr:
        """A dimension read as a number is the dimension: d in S = Q Kᵀ/√d."""
        return dim(node.id)

    def visit_Item(self, node: Item, idx: tuple[Expr, ...]) -> Expr:
        """(e)[k] is e's element form at the constant index k: x[1] is the entry x_2 (numpy
        counts from 0, the proof prints from 1), (D @ w)[1] is Σ_p d_2p w_p."""
        return self.visit(node.of, (Integer(node.index),))

    def visit_Stack(self, node: Stack, idx: tuple[Expr, ...]) -> Expr:
        """[e0, e1, …]_k = e_k: the entry at k of the vector written out; a matrix literal's
        entry (i, j) is row i's entry j, [[a, b], [c, d]]_ij = ((a, b)_j, (c, d)_j)_i."""
        return Pick(idx[0], *[self.visit(e, idx[1:]) for e in node.items])

    def visit_Neg(self, node: Neg, idx: tuple[Expr, ...]) -> Expr:
        operand = self.visit(node.operand, idx)
        written = self.names.written
        return written.record(-operand, written.negated(operand))

    def visit_Transpose(self, node: Transpose, idx: tuple[Expr, ...]) -> Expr:
        """(Aᵀ)_kl = a_lk; a vector's transpose is itself (numpy semantics); a stack's .mT
        swaps its last two axes, (Aᵀ)_{b,k,l} = a_{b,l,k}."""
        if node.axes is not None:  # (X.transpose(0, 2, 1))_{b,k,l} = x_{b,l,k}
            order = node.permutation(len(idx))
            inner = [None] * len(idx)
            for k, a in enumerate(order):
                inner[a] = idx[k]
            return self.visit(node.operand, tuple(inner))
        if len(idx) > 2:
            return self.visit(node.operand, (*idx[:-2], idx[-1], idx[-2]))
        return self.visit(node.operand, tuple(reversed(idx)))

    def visit_Reshape(self, node: Reshape, idx: tuple[Expr, ...]) -> Expr:
        """Row-major, as numpy reads it: a split axis d = h·k is read at ηk + κ,
        (Y.reshape(b, t, h, k))_{β,τ,η,κ} = y_{β,τ,ηk+κ}; a merged one at ⌊j/k⌋, j mod k,
        (A.reshape(b, t, d))_{β,τ,j} = a_{β,τ,⌊j/k⌋,j mod k}."""
        inner, out = self.shape(node.operand), self.shape(node)
        kind, at = reshape_plan(None, inner, list(out))
        if kind == "split":  # an axis of length 1 added reads the other index as it is
            split = (dim(inner[at]), dim(out[at]), dim(out[at + 1]))
            joint = idx[at] if out[at + 1] == 1 else idx[at + 1] if out[at] == 1 else \
                Joint(idx[at], idx[at + 1], *split)
            return self.visit(node.operand, (*idx[:at], joint, *idx[at + 2:]))
        split = (dim(out[at]), dim(inner[at]), dim(inner[at + 1]))
        j = idx[at]
        pair = (j, Integer(0)) if inner[at + 1] == 1 else (Integer(0), j) if inner[at] == 1 \
            else (Div(j, *split), Mod(j, *split))
        return self.visit(node.operand, (*idx[:at], *pair, *idx[at + 1:]))

    def visit_BinOp(self, node: BinOp, idx: tuple[Expr, ...]) -> Expr:
        if node.op == "@":
            return _matmul(node, idx, self)
        out = self.shape(node)
        left = self.visit(node.left, _broadcast(self.shape(node.left), out, idx))
        right = self.visit(node.right, _broadcast(self.shape(node.right), out, idx))
        written = self.names.written  # the operands' order, for the printers (1 + e^{−x})
        if node.op in "*/" and (left.is_number or right.is_number):
            scaled = _scaled(node.op, left, right)
            return written.record(scaled, [left, right if node.op == "*" else 1 / right])
        if node.op == "+":
            return written.record(left + right, [left, right])
        if node.op == "-":
            return written.record(left - right, [left, *written.negated(right)])
        if node.op == "*":
            return written.record(left * right, [left, right])
        if node.op == "/":
            return written.record(left / right, [left, 1 / right])
        return left**right  # "**": shapes has checked that the exponent is a scalar

    def visit_Call(self, node: Call, idx: tuple[Expr, ...]) -> Expr:
        """The operation's own lowering, or, for an elementwise one, f applied entrywise."""
        op = ops.get(node.func)
        if op.lower is not None:
            return op.lower(node, idx, self)
        return op.function(self.visit(node.args[0], idx))


def _broadcast(child: Shape, out: Shape, idx: tuple[Expr, ...]) -> tuple[Expr, ...]:
    """numpy broadcasting: align from the right; a dimension of 1 takes index 0."""
    offset = len(out) - len(child)
    return tuple(Integer(0) if d == 1 and out[offset + t] != 1 else idx[offset + t]
                 for t, d in enumerate(child))


def lower(node: Node, idx: tuple[Expr, ...], ctx: Lowering) -> Expr:
    """The element form of a program expression at the indices ``idx``
    (``Lowering.visit_<Node>``: one rule per node type)."""
    return ctx.visit(node, idx)


def _scaled(op: str, left: Expr, right: Expr) -> Expr:
    """A number times (or over) an expression, kept as written: ½ (x_p − μ_p), where sympy
    would distribute it (x_p/2 − μ_p/2)."""
    from sympy.core.parameters import distribute
    with distribute(False):
        return left * right if op == "*" else left / right


def _matmul(node: BinOp, idx: tuple[Expr, ...], ctx: Lowering) -> Expr:
    """(AB)_kl = Σ_p a_kp b_pl, with numpy's rules for 1-D operands.

    A chain is one sum over its inner indices, named in reading order:
    (ABC)_kl = Σ_p Σ_q a_kp b_pq c_ql (not Σ_q (Σ_p a_kp b_pq) c_ql).
    """
    if len(ctx.shape(node)) > 2 or len(ctx.shape(node.left)) > 2 or \
            len(ctx.shape(node.right)) > 2:
        return _stacked_matmul(node, idx, ctx)
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


def _stacked_matmul(node: BinOp, idx: tuple[Expr, ...], ctx: Lowering) -> Expr:
    """numpy's @ on stacks: (A B)_{b,k,l} = Σ_p a_{b,k,p} b_{b,p,l}, the leading axes
    broadcast (a shared B (n, p) reads b_pl at every b); a 1-D operand is promoted (a row
    on the left, a column on the right) and its axis dropped."""
    left, right = ctx.shape(node.left), ctx.shape(node.right)
    p = ctx.supply.fresh()
    cols = idx[-1:] if len(right) > 1 else ()  # the right's column index, if it has columns
    end = len(idx) - len(cols)
    rows = idx[end - 1:end] if len(left) > 1 else ()  # the left's row index, if it has rows
    stacks = idx[:len(idx) - len(rows) - len(cols)]
    out_stacks = ctx.shape(node)[:len(stacks)]
    a = lower(node.left, (*_broadcast(left[:-2], out_stacks, stacks), *rows, p), ctx)
    b = lower(node.right, (*_broadcast(right[:-2], out_stacks, stacks), p, *cols), ctx)
    inner = left[-1]
    return IndexSum(Mul(a, b), ctx.limit(p, inner))


def to_matrix(node: Node, ctx: Lowering) -> Expr:
    """The matrix a program expression stands for (for det and inv of it, and for
    intermediates inlined into them): names, transposes, products, sums, elementwise
    products, powers and functions, scalar multiples, and the operations that have a
    matrix expression of their own (``Op.as_matrix``). Vectors are columns (n×1)."""
    matrix = _matrix_of(node, ctx)
    if matrix is None:
        raise UnsupportedError("det, logdet and inv take matrix expressions of names; "
                               "assign this argument to a name first",
                               node.pos.line, node.pos.col)
    return matrix


def _matrix_of(node: Node, ctx: Lowering) -> Expr | None:
    shape = ctx.shape(node)
    if not shape:
        return None
    if isinstance(node, Name):
        return ctx.names.symbols[node.id]
    if isinstance(node, Transpose):
        inner = _matrix_of(node.operand, ctx)
        return None if inner is None else \
            inner if len(shape) == 1 else sympy.Transpose(inner)  # a vector's .T is itself
    if isinstance(node, Neg):
        inner = _matrix_of(node.operand, ctx)
        return None if inner is None else sympy.MatMul(-1, inner)
    if isinstance(node, Call):
        return _call_matrix(node, shape, ctx)
    if isinstance(node, BinOp):
        return _binop_matrix(node, shape, ctx)
    return None


def _call_matrix(node: Call, shape: Shape, ctx: Lowering) -> Expr | None:
    op = ops.get(node.func)
    args = [_matrix_of(arg, ctx) for arg in node.args]
    if any(a is None for a in args):
        return None
    if op.as_matrix is not None:  # the operation's own matrix expression (X⁻¹, u vᵀ, …)
        return op.as_matrix(args, [ctx.shape(a) for a in node.args], shape)
    if op.elementwise:
        return Apply(op.name, args[0])
    return None


def _binop_matrix(node: BinOp, shape: Shape, ctx: Lowering) -> Expr | None:
    left_shape, right_shape = ctx.shape(node.left), ctx.shape(node.right)
    if node.op == "**":
        base = _matrix_of(node.left, ctx)
        return None if base is None else \
            sympy.HadamardPower(base, lower(node.right, (), ctx))
    if node.op in "*/" and not right_shape:  # M * s, M / s
        matrix, scalar = _matrix_of(node.left, ctx), lower(node.right, (), ctx)
        return None if matrix is None else \
            sympy.MatMul(scalar if node.op == "*" else 1 / scalar, matrix)
    if node.op == "*" and not left_shape:
        matrix = _matrix_of(node.right, ctx)
        return None if matrix is None else sympy.MatMul(lower(node.left, (), ctx), matrix)
    left, right = _matrix_of(node.left, ctx), _matrix_of(node.right, ctx)
    if left is None or right is None:
        return None
    if node.op == "@":  # a 1-D left operand is a row: vᵀ M, kept a column as (Mᵀ v)
        if len(left_shape) == 2:
            return sympy.MatMul(*_factors(left), *_factors(right))
        return sympy.MatMul(sympy.Transpose(right), left)
    if left_shape != right_shape:  # broadcasting: no plain matrix expression
        return None
    if node.op in "+-":
        return sympy.MatAdd(left, right if node.op == "+" else sympy.MatMul(-1, right))
    if node.op == "*":
        return sympy.HadamardProduct(left, right)
    return sympy.HadamardProduct(left, sympy.HadamardPower(right, -1))  # "/"


def _factors(m: Expr) -> list:
    return list(m.args) if isinstance(m, sympy.MatMul) else [m]
