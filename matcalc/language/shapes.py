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
    Reshape,
    Size,
    Stack,
    Transpose,
    Walker,
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
    # a long axis a reshape splits or merges, d = h·k: {"d": ("h", "k")}
    products: dict[str, tuple[Dim, Dim]] = field(default_factory=dict)
    # a convolution's output length, by its name: {"n−r+1": (n, r, stride, padding,
    # dilation)}, of length ⌊(n + 2P − D(r − 1) − 1)/S⌋ + 1
    derived: dict[str, tuple] = field(default_factory=dict)

    def of(self, node: Expr) -> Shape:
        return self.nodes[id(node)]

    def lengths(self) -> list[str]:
        """The dimensions no input's value shows (a reshape's heads h, its head size k):
        given with the values by name, h=2."""
        return sorted({d for hk in self.products.values() for d in hk if isinstance(d, str)})


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
        self.products: dict[Dim, tuple[Dim, Dim]] = {}  # d = h·k (a reshape's)

    def product(self, d: Dim) -> tuple[Dim, Dim] | None:
        """(h, k) if d = h·k is known."""
        d = self.find(d)
        return next((tuple(map(self.find, hk)) for long, hk in self.products.items()
                     if self.find(long) == d), None)

    def relate(self, long: Dim, major: Dim, minor: Dim) -> bool:
        """long = major · minor: checked if known (numbers, or the relation already made),
        else recorded; False if it cannot hold."""
        long, major, minor = self.find(long), self.find(major), self.find(minor)
        known = self.product(long)
        if known is not None and (major, minor) == (known[1], known[0]):
            return True  # d = h·k = k·h: the two axes the other way round (merged after a swap)
        if known is not None:
            return self.unify(known[0], major) and self.unify(known[1], minor)
        if all(isinstance(d, int) for d in (long, major, minor)):
            return long == major * minor
        if isinstance(long, int):
            return False  # a number split into named lengths: their sizes would be tied
        self.products[long] = (major, minor)
        return True

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
    rules = _ShapeRules(program)
    names, u = rules.names, rules.u
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
        shape = rules.shape(statement.value)
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
    shapes = _name_fresh(u, names, rules.nodes, rules.assumptions, program)
    shapes.squared = rules.squared
    shapes.derived = rules.derived
    return shapes


class _ShapeRules(Walker):
    """Each program node's shape, one rule per node type, unifying dimensions as it goes
    (``_Unifier``); an undeclared name is a matrix of fresh dimensions until an operation
    says more."""

    def __init__(self, program: Program):
        self.u = u = _Unifier()
        self.names: dict[str, Shape] = {}
        self.assumptions: dict[str, str] = {}
        self.declared = {decl.name for decl in program.declarations}
        self.targets = {statement.target for statement in program.statements}
        self.squared: dict[str, Pos] = {}  # undeclared inputs that broadcasting made square
        self.derived: dict[str, tuple] = {}  # a convolution's output lengths, by name
        self.nodes: dict[int, Shape] = {}
        for decl in program.declarations:
            self.names[decl.name] = decl.shape
            if decl.assumption:
                self.assumptions[decl.name] = decl.assumption
            if decl.assumption in ("symmetric", "spd") and (
                    len(decl.shape) != 2 or not u.unify(decl.shape[0], decl.shape[1])):
                raise ShapeError(f"{decl.name} is declared {decl.assumption} but its shape "
                                 f"{show(decl.shape)} is not square", decl.pos.line,
                                 decl.pos.col)

    def mismatch(self, message: str, node: Expr) -> ShapeError:
        return ShapeError(message, node.pos.line, node.pos.col)

    def describe(self, node: Expr, shape: Shape) -> str:
        shown = show(self.u.resolve(shape))
        return f"{node.id} is {shown}" if isinstance(node, Name) else f"one side is {shown}"

    def shape(self, node: Expr) -> Shape:
        """The node's shape by its rule, remembered; and whether broadcasting made an
        undeclared name square (said in a note)."""
        shape = self.visit(node)
        self.nodes[id(node)] = shape
        if isinstance(node, BinOp) and node.op in "+-*/":
            u = self.u
            for name, dims in self.names.items():
                if name not in self.declared and name not in self.targets and \
                        name not in self.squared and len(dims) == 2 and \
                        isinstance(dims[0], _Fresh) and u.find(dims[0]) == u.find(dims[1]):
                    self.squared[name] = node.pos
        return shape

    def visit_Name(self, node: Name) -> Shape:
        if node.id not in self.names:
            self.names[node.id] = (self.u.fresh(), self.u.fresh())
        return self.names[node.id]

    def visit_Number(self, node: Number) -> Shape:
        return ()

    def visit_Size(self, node: Size) -> Shape:
        return ()

    def visit_Neg(self, node: Neg) -> Shape:
        return self.shape(node.operand)

    def visit_Transpose(self, node: Transpose) -> Shape:
        shape = self.shape(node.operand)
        if len(shape) < 2 and node.written not in (".T", ".transpose()"):
            raise self.mismatch(f"numpy's {node.written} needs two axes; "
                                f"{self.describe(node.operand, shape)}", node)
        if node.axes is not None:  # numpy's own axes: a permutation of the operand's
            order = node.permutation(len(shape))
            if order is None:
                raise self.mismatch(f"{node.written[1:]} does not permute the "
                                    f"{len(shape)} axes: {self.describe(node.operand, shape)}",
                                    node)
            return tuple(shape[a] for a in order)
        if len(shape) > 2:
            if node.written in (".T", ".transpose()"):
                raise self.mismatch(f"numpy's {node.written} reverses all "
                                    f"{len(shape)} axes; for the last two write "
                                    ".swapaxes(-1, -2) or .mT", node)
            return (*shape[:-2], shape[-1], shape[-2])  # .mT, swapaxes(-1, -2)
        return tuple(reversed(shape))

    def visit_Reshape(self, node: Reshape) -> Shape:
        """numpy's reshape, row-major: one axis split into two adjacent ones, (b, t, d) →
        (b, t, h, k) with d = h·k, or two adjacent axes merged into one. The relation
        d = h·k is kept (``_Unifier.products``): the draws keep it, and a second split of d
        must be the same one."""
        shape = self.shape(node.operand)
        out, u = list(node.dims), self.u
        operand = f"{node.operand.id} is {show(u.resolve(shape))}" \
            if isinstance(node.operand, Name) else f"the array is {show(u.resolve(shape))}"
        plan = reshape_plan(u, shape, out)
        if plan is None:
            raise self.mismatch(f"reshape splits one axis into two or merges two adjacent "
                                f"ones; {operand}, and {show(tuple(out))} is neither", node)
        kind, at = plan
        pair = (at, at + 1)
        long, (major, minor) = (shape[at], [out[a] for a in pair]) if kind == "split" else \
            (out[at], [shape[a] for a in pair])
        known = u.product(long) if long != -1 else None
        if kind == "split" and -1 in (major, minor):  # numpy's -1: the length left over
            given = minor if major == -1 else major
            if known is not None:
                left = known[0] if major == -1 else known[1]
            elif isinstance(u.find(long), int) and isinstance(u.find(given), int) and \
                    u.find(given) and u.find(long) % u.find(given) == 0:
                left = u.find(long) // u.find(given)
            else:
                left = u.fresh()
            major, minor = (left, minor) if major == -1 else (major, left)
        if kind == "merge" and long == -1:
            long = next((d for d, hk in u.products.items()
                         if tuple(map(u.find, hk)) == (u.find(major), u.find(minor))), None) \
                or u.fresh()
        if kind == "split" and -1 in (node.dims[at], node.dims[at + 1]) and \
                u.find(long) in (u.find(major), u.find(minor)):
            major, minor = [1 if d not in (node.dims[at], node.dims[at + 1]) or d == -1 else d
                            for d in (major, minor)]  # (t, d) → (-1, t, d): the -1 is 1
        unit = 1 in (u.find(major), u.find(minor))
        if unit:  # an axis of length 1 added or dropped: t = t·1
            other = minor if u.find(major) == 1 else major
            if not u.unify(long, other):
                raise self.mismatch(f"reshape to {show(tuple(node.dims))}: {operand}, and "
                                    "the lengths do not multiply out", node)
        elif u.find(long) in (u.find(major), u.find(minor)):
            raise self.mismatch(f"reshape to {show(tuple(node.dims))} adds or drops an axis of "
                                f"length 1; {operand}: matcalc splits an axis d = h·k into "
                                "two longer ones, or merges two", node)
        if not unit and known is not None and (u.find(major), u.find(minor)) not in (
                known, known[::-1]) and \
                not (u.unify(known[0], major) and u.unify(known[1], minor)):
            raise self.mismatch(f"reshape to {show(tuple(node.dims))}: {long} is split as "
                                f"{known[0]}·{known[1]} already; split it the same way", node)
        if not unit and not u.relate(long, major, minor):
            raise self.mismatch(f"reshape to {show(tuple(node.dims))}: {operand}, and the "
                                "lengths do not multiply out", node)
        if kind == "split":
            out[at:at + 2] = [major, minor]
        else:
            out[at] = long
        for a, b in zip(out, _kept(shape, kind, at)):
            if b is not None and not u.unify(a, b):
                raise self.mismatch(f"reshape keeps every other axis: {operand}, and "
                                    f"{show(tuple(node.dims))} differs", node)
        return tuple(out)

    def visit_Stack(self, node: Stack) -> Shape:
        if isinstance(node.items[0], Stack):  # [[a, b], [c, d]]: rows of scalars
            widths = [self.shape(row) for row in node.items]  # parse made them one length
            return (len(node.items), *widths[0])
        for entry in node.items:
            if self.shape(entry):
                raise self.mismatch("a vector literal [ … ] holds scalars", entry)
        return (len(node.items),)

    def visit_BinOp(self, node: BinOp) -> Shape:
        left, right = self.shape(node.left), self.shape(node.right)
        if node.op == "@":
            return self.matmul(node, left, right)
        if node.op == "**" and right and not _is_constant(node.right):
            raise self.mismatch("the exponent of '**' must be a number or a scalar",
                                node.right)
        return self.broadcast(node, left, right)

    def visit_Item(self, node: Item) -> Shape:
        """e[k] of a vector e whose length is a number larger than k: x[0] of a name
        declared x: (2,), or (D @ w)[1] of an expression whose length is known."""
        u, mismatch = self.u, self.mismatch
        if isinstance(node.of, Name):
            shape = self.names.get(node.of.id)
            size = u.find(shape[0]) if shape and len(shape) == 1 else None
            if not isinstance(size, int):
                raise mismatch(f"{node.of.id}[{node.index}] needs {node.of.id} declared a "
                               f"vector of known length, e.g. {node.of.id}: "
                               f"({node.index + 1},)", node)
            self.shape(node.of)
            if node.index >= size:
                raise mismatch(f"{node.of.id}[{node.index}] is past the end of {node.of.id}, "
                               f"which has {size} entries", node)
            return ()
        shape = self.shape(node.of)
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

    def visit_Call(self, node: Call) -> Shape:
        """The operation's own shape rule (elementwise ones keep the shape)."""
        shapes = [self.shape(arg) for arg in node.args]
        op = ops.get(node.func)
        if op.shape is None:
            return shapes[0]
        return op.shape(_Check(self.u, node, shapes, self.describe, self.mismatch,
                               self.broadcast, self.derived), node, shapes)

    def matmul(self, node: BinOp, left: Shape, right: Shape) -> Shape:
        if not left or not right:
            raise self.mismatch("'@' needs vectors or matrices on both sides; use '*' for a "
                                "scalar", node)
        inner = right[-2] if len(right) > 1 else right[0]
        if not self.u.unify(left[-1], inner):
            raise self.mismatch(f"cannot multiply: {self.describe(node.left, left)} and "
                                f"{self.describe(node.right, right)}; inner dimensions differ",
                                node)
        if len(left) <= 2 and len(right) <= 2:
            return left[:-1] + right[1:]
        # numpy's stacked product: the leading axes broadcast, the last two multiply
        # (a 1-D operand is promoted to a matrix and its axis dropped again)
        rows = left[-2:-1] if len(left) > 1 else ()
        cols = right[-1:] if len(right) > 1 else ()
        stacks = self.broadcast(node, left[:-2], right[:-2])
        return (*stacks, *rows, *cols)

    def broadcast(self, node: BinOp, left: Shape, right: Shape) -> Shape:
        """numpy's broadcasting: shapes aligned from the right, a 1 stretches."""
        u = self.u
        out: list[Dim] = []
        for t in range(1, max(len(left), len(right)) + 1):
            a = left[-t] if t <= len(left) else None
            b = right[-t] if t <= len(right) else None
            if a is None or u.find(a) == 1:
                out.append(b if b is not None else a)
            elif b is None or u.find(b) == 1 or u.unify(a, b):
                out.append(a)
            else:
                raise self.mismatch(f"shapes do not broadcast for '{node.op}': "
                                    f"{self.describe(node.left, left)} and "
                                    f"{self.describe(node.right, right)}", node)
        return tuple(reversed(out))


def with_products(sizes: dict, products: dict) -> dict:
    """The sizes with each product d = h·k made true, inner ones first (k = a·c inside
    d = h·k): a product's length follows its factors'."""
    sizes = dict(sizes)
    for _ in products:
        for long, (major, minor) in products.items():
            sizes[long] = sizes.get(major, major) * sizes.get(minor, minor)
    return sizes


def reshape_plan(u, shape: Shape, out: list) -> tuple[str, int] | None:
    """("split", a): axis a of ``shape`` becomes axes a, a + 1 of ``out``; ("merge", a):
    axes a, a + 1 become axis a. The other axes are kept in order; the changed axis is the
    first whose length differs (or, for the same lengths, the last)."""
    if len(out) == len(shape) + 1:
        kind = "split"
    elif len(out) == len(shape) - 1 and len(shape) >= 2:
        kind = "merge"
    else:
        return None
    find = getattr(u, "find", lambda d: d)
    n = min(len(shape), len(out))
    at = next((a for a in range(n) if out[a] == -1 or find(out[a]) != find(shape[a])), n - 1)
    if kind == "split":
        at = min(at, len(shape) - 1)
    else:
        at = min(at, len(shape) - 2)
    return kind, at


def _kept(shape: Shape, kind: str, at: int) -> list:
    """The operand's lengths where the reshape's result keeps them (None: the new axes)."""
    if kind == "split":
        return [*shape[:at], None, None, *shape[at + 1:]]
    return [*shape[:at], None, *shape[at + 2:]]


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
    derivations: dict = field(default_factory=dict)  # the rules' own: derived lengths

    def broadcast(self) -> Shape:
        """numpy broadcasting of two arguments, as for '+' (a function of two arrays)."""
        left, right = self.node.args
        pair = BinOp(f"{self.node.func}()", left, right, self.node.pos)
        return self.broadcaster(pair, *self.shapes)

    def unify(self, a: Dim, b: Dim) -> bool:
        return self.unifier.unify(a, b)

    def derived(self, n: Dim, r: Dim, stride: int, padding: int, dilation: int) -> Dim:
        """A convolution's output length: a number where n and r are, else a dimension
        named by its formula (n−r+1; h itself when the padding keeps it)."""
        from ..ops.conv import out_length
        n, r = self.unifier.find(n), self.unifier.find(r)
        if isinstance(n, int) and isinstance(r, int):
            if out_length(n, r, stride, padding, dilation) < 1:
                raise self.fail(f"{self.node.func}: the kernel ({r}) is longer than the "
                                f"padded input ({n} + {2 * padding})")
            return out_length(n, r, stride, padding, dilation)
        if isinstance(n, _Fresh) or isinstance(r, _Fresh):
            raise self.fail(f"{self.node.func} needs its arguments' shapes declared, e.g. "
                            "x: (b, c, n) and w: (o, c, r)")
        const = 2 * padding - dilation * ((r if isinstance(r, int) else 0) - 1) - 1
        if stride == 1 and isinstance(r, int) and const + 1 == 0:
            return n  # the padding keeps the length: h
        parts = [str(n)] + ([] if isinstance(r, int) else
                            [f"−{dilation}{r}" if dilation > 1 else f"−{r}"])
        if stride == 1:
            const += 1
            name = "".join(parts) + (f"+{const}" if const > 0 else f"−{-const}" if const else "")
        else:
            inner = "".join(parts) + (f"+{const}" if const > 0 else f"−{-const}" if const else "")
            name = f"⌊({inner})/{stride}⌋+1"
        self.derivations[name] = (n, r, stride, padding, dilation)
        return name

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
    products = {final((long,))[0]: final(hk) for long, hk in u.products.items()}
    return Shapes(ordered, {key: final(shape) for key, shape in nodes.items()}, assumptions,
                  products=products)
