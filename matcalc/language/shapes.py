"""Shapes of every name and subexpression, by unification over symbolic dimensions.

A dimension is a declared name (``m``), a positive integer, or a fresh unknown given to an
undeclared name (undeclared names are taken as matrices). Unification joins dimensions that
must be equal; numpy's broadcasting rules apply to elementwise operators (aligned from the
right, a literal 1 stretches). Fresh unknowns left at the end are named m, n, p, … in order
of first appearance.

    (a, b) @ (b, c) → (a, c)     (b,) @ (b, c) → (c,)     (a, b) @ (b,) → (a,)     (b,) @ (b,) → ()
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import ops
from ..errors import ShapeError
from .program import (
    BinOp,
    Call,
    Dim,
    Expr,
    Item,
    Name,
    Neg,
    Number,
    Pos,
    Program,
    Size,
    Stack,
    Transpose,
    names_in,
    written,
)

Shape = tuple[Dim, ...]
# dimension names matcalc chooses: never an index letter (i, j, k, l, p, q, … are the
# proofs' own: Σ_p beside a dimension p would read as one thing), nor a program name's
# entry letter (c for C's c_kl)
FRESH_NAMES = "mnhdcgabfoxyz"


class _Fresh(str):
    """An unknown dimension, still to be named."""


@dataclass
class Shapes:
    """Resolved shapes: per name, and per expression node (keyed by ``id``)."""

    names: dict[str, Shape]
    nodes: dict[int, Shape]
    assumptions: dict[str, str]
    squared: dict[str, Pos] = field(default_factory=dict)  # undeclared names made square

    def of(self, node: Expr) -> Shape:
        return self.nodes[id(node)]


def show(shape: Shape) -> str:
    """(m, n), (n,) or (); an unknown dimension of an undeclared name shows as ?."""
    dims = ["?" if isinstance(d, _Fresh) else str(d) for d in shape]
    if len(dims) == 1:
        return f"({dims[0]},)"
    return "(" + ", ".join(dims) + ")"


class _Unifier:
    def __init__(self) -> None:
        self.parent: dict[Dim, Dim] = {}
        self.count = 0

    def fresh(self) -> Dim:
        self.count += 1
        return _Fresh(f"?{self.count}")

    def find(self, d: Dim) -> Dim:
        while d in self.parent:
            d = self.parent[d]
        return d

    def unify(self, a: Dim, b: Dim) -> bool:
        a, b = self.find(a), self.find(b)
        if a == b:
            return True
        if isinstance(a, _Fresh):
            self.parent[a] = b
            return True
        if isinstance(b, _Fresh):
            self.parent[b] = a
            return True
        return False  # two different declared names or integers

    def resolve(self, shape: Shape) -> Shape:
        return tuple(self.find(d) for d in shape)


def infer(program: Program) -> Shapes:
    u = _Unifier()
    names: dict[str, Shape] = {}
    assumptions: dict[str, str] = {}
    declared = {decl.name for decl in program.declarations}
    targets = {statement.target for statement in program.statements}
    squared: dict[str, Pos] = {}  # undeclared inputs that broadcasting made square
    nodes: dict[int, Shape] = {}
    for decl in program.declarations:
        names[decl.name] = decl.shape
        if decl.assumption:
            assumptions[decl.name] = decl.assumption
        if decl.assumption in ("symmetric", "spd") and (
                len(decl.shape) != 2 or not u.unify(decl.shape[0], decl.shape[1])):
            raise ShapeError(f"{decl.name} is declared {decl.assumption} but its shape "
                             f"{show(decl.shape)} is not square", decl.pos.line, decl.pos.col)

    def mismatch(message: str, node: Expr) -> ShapeError:
        return ShapeError(message, node.pos.line, node.pos.col)

    def describe(node: Expr, shape: Shape) -> str:
        shown = show(u.resolve(shape))
        return f"{node.id} is {shown}" if isinstance(node, Name) else f"one side is {shown}"

    def visit(node: Expr) -> Shape:
        shape = rule(node)
        nodes[id(node)] = shape
        if isinstance(node, BinOp) and node.op in "+-*/":  # broadcasting made a name square?
            for name, dims in names.items():
                if name not in declared and name not in targets and name not in squared and \
                        len(dims) == 2 and isinstance(dims[0], _Fresh) and \
                        u.find(dims[0]) == u.find(dims[1]):
                    squared[name] = node.pos
        return shape

    def rule(node: Expr) -> Shape:
        if isinstance(node, Name):
            if node.id not in names:
                names[node.id] = (u.fresh(), u.fresh())
            return names[node.id]
        if isinstance(node, (Number, Size)):
            return ()
        if isinstance(node, Neg):
            return visit(node.operand)
        if isinstance(node, Transpose):
            shape = visit(node.operand)
            if len(shape) < 2 and node.written not in (".T", ".transpose()"):
                raise mismatch(f"numpy's {node.written} needs two axes; "
                               f"{describe(node.operand, shape)}", node)
            return tuple(reversed(shape))
        if isinstance(node, Call):
            return call(node)
        if isinstance(node, Item):
            return item(node)
        if isinstance(node, Stack):
            if isinstance(node.items[0], Stack):  # [[a, b], [c, d]]: rows of scalars
                widths = [visit(row) for row in node.items]  # parse made them one length
                return (len(node.items), *widths[0])
            for entry in node.items:
                if visit(entry):
                    raise mismatch("a vector literal [ … ] holds scalars", entry)
            return (len(node.items),)
        left, right = visit(node.left), visit(node.right)
        if node.op == "@":
            return matmul(node, left, right)
        if node.op == "**" and right and not _is_constant(node.right):
            raise mismatch("the exponent of '**' must be a number or a scalar", node.right)
        return broadcast(node, left, right)

    def item(node: Item) -> Shape:
        """e[k] of a vector e whose length is a number larger than k: x[0] of a name
        declared x: (2,), or (D @ w)[1] of an expression whose length is known."""
        if isinstance(node.of, Name):
            shape = names.get(node.of.id)
            size = u.find(shape[0]) if shape and len(shape) == 1 else None
            if not isinstance(size, int):
                raise mismatch(f"{node.of.id}[{node.index}] needs {node.of.id} declared a "
                               f"vector of known length, e.g. {node.of.id}: "
                               f"({node.index + 1},)", node)
            visit(node.of)
            if node.index >= size:
                raise mismatch(f"{node.of.id}[{node.index}] is past the end of {node.of.id}, "
                               f"which has {size} entries", node)
            return ()
        shape = visit(node.of)
        shown = written(node.of)
        if len(shape) != 1:
            raise mismatch(f"({shown})[{node.index}] needs a vector, but ({shown}) is "
                           f"{show(u.resolve(shape))}", node)
        size = u.find(shape[0])
        if not isinstance(size, int):
            raise mismatch(f"({shown})[{node.index}] needs the length of ({shown}) known as "
                           f"a number, to be sure the entry is there, but it is "
                           f"{show(u.resolve(shape))}; declare its dimensions as numbers", node)
        if node.index >= size:
            raise mismatch(f"({shown})[{node.index}] is past the end of ({shown}), which has "
                           f"{size} entries", node)
        return ()

    def matmul(node: BinOp, left: Shape, right: Shape) -> Shape:
        if not left or not right:
            raise mismatch("'@' needs vectors or matrices on both sides; use '*' for a scalar",
                           node)
        if not u.unify(left[-1], right[0]):
            raise mismatch(f"cannot multiply: {describe(node.left, left)} and "
                           f"{describe(node.right, right)}; inner dimensions differ", node)
        return left[:-1] + right[1:]

    def broadcast(node: BinOp, left: Shape, right: Shape) -> Shape:
        out: list[Dim] = []
        for t in range(1, max(len(left), len(right)) + 1):
            a = left[-t] if t <= len(left) else None
            b = right[-t] if t <= len(right) else None
            if a is None or u.find(a) == 1:
                out.append(b if b is not None else a)
            elif b is None or u.find(b) == 1 or u.unify(a, b):
                out.append(a)
            else:
                raise mismatch(f"shapes do not broadcast for '{node.op}': "
                               f"{describe(node.left, left)} and {describe(node.right, right)}",
                               node)
        return tuple(reversed(out))

    def call(node: Call) -> Shape:
        """The operation's own shape rule (elementwise ones keep the shape)."""
        shapes = [visit(arg) for arg in node.args]
        op = ops.get(node.func)
        if op.shape is None:
            return shapes[0]
        return op.shape(_Check(u, node, shapes, describe, mismatch, broadcast), node, shapes)

    assigned: set[str] = set()
    read: set[str] = set()
    for statement in program.statements:
        read.update(names_in(statement.value))
        if statement.target in read:
            raise ShapeError(f"{statement.target!r} is used before or in its own definition; "
                             "give the result a new name", statement.pos.line, statement.pos.col)
        if statement.target in assigned:
            raise ShapeError(f"{statement.target!r} is assigned twice; give each result its own"
                             " name", statement.pos.line, statement.pos.col)
        shape = visit(statement.value)
        if statement.target in names:
            declared = names[statement.target]
            if len(declared) != len(shape) or not all(map(u.unify, declared, shape)):
                raise ShapeError(f"{statement.target} is declared {show(u.resolve(declared))} but"
                                 f" computed as {show(u.resolve(shape))}",
                                 statement.pos.line, statement.pos.col)
        names[statement.target] = shape
        assigned.add(statement.target)

    dims = {d for shape in names.values() for d in u.resolve(shape)
            if isinstance(d, str) and not isinstance(d, _Fresh)}
    clash = sorted(dims & set(program.names()))
    if clash:
        raise ShapeError(f"{clash[0]!r} is a dimension and cannot also be a value; use a "
                         "number or another name")
    shapes = _name_fresh(u, names, nodes, assumptions, program)
    shapes.squared = squared
    return shapes


@dataclass
class _Check:
    """What a shape rule may do: unify two dimensions, describe an argument (“X is
    (m, n)”), and fail with a message that points at the call."""

    unifier: _Unifier
    node: Call
    shapes: list
    describer: object
    mismatch: object
    broadcaster: object

    def broadcast(self) -> Shape:
        """numpy broadcasting of two arguments, as for '+' (a function of two arrays)."""
        left, right = self.node.args
        pair = BinOp(f"{self.node.func}()", left, right, self.node.pos)
        return self.broadcaster(pair, *self.shapes)

    def unify(self, a: Dim, b: Dim) -> bool:
        return self.unifier.unify(a, b)

    def describe(self, k: int) -> str:
        return self.describer(self.node.args[k], self.shapes[k])

    def fail(self, message: str) -> ShapeError:
        return self.mismatch(message, self.node)


def _is_constant(node: Expr) -> bool:
    """A number, or arithmetic on numbers (1/2, -2, 2 ** 0.5)."""
    if isinstance(node, Number):
        return True
    if isinstance(node, Neg):
        return _is_constant(node.operand)
    return isinstance(node, BinOp) and node.op != "@" and _is_constant(node.left) and \
        _is_constant(node.right)


def _name_fresh(u: _Unifier, names: dict[str, Shape], nodes: dict[int, Shape],
                assumptions: dict[str, str], program: Program) -> Shapes:
    taken = {d for shape in names.values() for d in shape if isinstance(d, str)
             and not isinstance(u.find(d), _Fresh)} | set(program.names()) | \
        {n.lower() for n in program.names()}
    pool = (c for c in FRESH_NAMES + "".join(f"d{n}" for n in range(1, 100)) if c not in taken)
    naming: dict[Dim, Dim] = {}

    def final(shape: Shape) -> Shape:
        out = []
        for d in u.resolve(shape):
            if isinstance(d, _Fresh):
                if d not in naming:
                    naming[d] = next(pool)
                d = naming[d]
            out.append(str(d) if isinstance(d, str) else d)
        return tuple(out)

    every = [*program.names(), *(d.name for d in program.declarations)]  # unread ones too
    ordered = {name: final(names[name]) for name in dict.fromkeys(every) if name in names}
    return Shapes(ordered, {key: final(shape) for key, shape in nodes.items()}, assumptions)
