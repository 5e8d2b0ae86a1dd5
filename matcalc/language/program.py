"""The program: a closed set of node types that the parser produces and every stage reads.

An expression is a tree of ``Name``, ``Number``, ``BinOp``, ``Neg``, ``Transpose`` and
``Call``; a program is a list of declarations and assignments. Nodes carry their source
position so that later stages can point at the offending column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

Dim = str | int


@dataclass(frozen=True)
class Pos:
    line: int
    col: int


@dataclass(frozen=True)
class Name:
    id: str
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class Number:
    value: int | float
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class Size:
    """A dimension used as a number (``d`` in ``Q @ K.T / sqrt(d)``): numpy's
    ``of.shape[axis]``, read off an input that has it in its declared shape."""

    id: str
    of: str
    axis: int
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class BinOp:
    """``left op right`` with op one of ``+ - * / ** @``."""

    op: str
    left: Expr
    right: Expr
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class Neg:
    operand: Expr
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class Transpose:
    """``X.T``; also numpy's ``X.mT``, ``X.swapaxes(-1, -2)`` and ``X.transpose()``, the
    same on a matrix (on a stack, .mT and swapaxes(-1, -2) swap the last two axes).
    ``written`` says which: .mT and swapaxes need two axes. ``axes``, as numpy's
    ``X.transpose(0, 2, 1, 3)`` or ``X.swapaxes(1, 2)`` give them: the axes to swap (two)
    or the permutation (result axis k is the operand's axis axes[k])."""

    operand: Expr
    pos: Pos = field(compare=False)
    written: str = ".T"
    axes: tuple[int, ...] | None = None

    def permutation(self, rank: int) -> tuple[int, ...] | None:
        """The result's axis k is the operand's axis permutation[k]; None if the axes
        given are no permutation of ``rank`` axes."""
        if self.axes is None:
            return tuple(range(rank - 2)) + (rank - 1, rank - 2) if rank >= 2 else (0,) * rank
        if any(not -rank <= a < rank for a in self.axes):
            return None
        axes = tuple(a % rank for a in self.axes)
        if self.written.startswith(".swapaxes"):
            if len(axes) != 2:
                return None
            order = list(range(rank))
            order[axes[0]], order[axes[1]] = axes[1], axes[0]
            return tuple(order)
        return axes if sorted(axes) == list(range(rank)) else None


@dataclass(frozen=True)
class Reshape:
    """numpy's ``X.reshape(b, t, h, k)``: the same entries, row-major, in another shape —
    one axis split into two or two adjacent ones merged (``shapes`` finds which). ``dims``
    as written: dimension names, numbers, and numpy's -1 for the one left to infer."""

    operand: Expr
    dims: tuple[Dim, ...]
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class Call:
    """``func(args..., axis=..., keepdims=...)`` for a function of the language;
    ``einsum("ij,jk->ik", A, B)`` keeps its subscripts in ``spec``."""

    func: str
    args: tuple[Expr, ...]
    axis: int | tuple[int, ...] | None  # numpy's: -1 the last, (2, 3) several
    pos: Pos = field(compare=False)
    keepdims: bool = False   # numpy's: the reduced axes stay, of length 1
    spec: str | None = None  # einsum's subscripts, "ij,jk->ik" (``ops.einsum``)
    options: tuple[tuple[str, int], ...] = ()  # integer keywords: conv's stride=2, padding=1

    def option(self, name: str, default: int) -> int:
        return dict(self.options).get(name, default)


@dataclass(frozen=True)
class Item:
    """``x[0]``, ``(D @ w)[1]``: an entry of a vector, by a number (seed 004's x₁); of any
    expression whose value is a vector of known length, (e)[k] = e_k."""

    of: Expr
    index: int
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class Stack:
    """``[e0, e1, …]``: a vector of scalars, f(x) = (x₁², x₁x₂, 2x₂ + 1) (seed 004); or a
    matrix, its items rows (each a ``Stack`` of scalars, all of one length): seed 004's
    R(θ) = [[cos θ, −sin θ], [sin θ, cos θ]]."""

    items: tuple
    pos: Pos = field(compare=False)


Expr = Name | Number | Size | BinOp | Neg | Transpose | Reshape | Call | Item | Stack


def is_matrix_literal(node) -> bool:
    """[[a, b], [c, d]]: a Stack of rows."""
    return isinstance(node, Stack) and isinstance(node.items[0], Stack)


@dataclass(frozen=True)
class Declaration:
    """``A: (m, n)`` or ``T: onehot(m, k)``: the shape of a name and what is assumed of it."""

    name: str
    shape: tuple[Dim, ...]
    assumption: str | None
    pos: Pos


@dataclass(frozen=True)
class Assignment:
    """``C = expression``."""

    target: str
    value: Expr
    pos: Pos


@dataclass(frozen=True)
class Program:
    source: str
    declarations: tuple[Declaration, ...]
    statements: tuple[Assignment, ...]
    functions: tuple[str, ...] = ()   # declared ``f: elementwise``: any function, entrywise
    # ``Delta1: gradient(Z1)``: ∂L/∂Z1 written Δ1 (seed 001 eq. 38: Δ ≡ ∂L/∂Z), by name
    aliases: tuple[tuple[str, str], ...] = ()
    # declared maps, ``g: (n,) -> (m,)``, ``f: (m, n) -> ()``: (name, argument shape, result
    # shape); also in ``functions``
    maps: tuple[tuple, ...] = ()
    # the records of the declared functions and maps as this program declared them (a later
    # program may declare the same name otherwise): ``ops.scope`` reads them first
    records: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def output(self) -> str:
        """The last assigned name."""
        return self.statements[-1].target

    @cached_property  # (read for every gradient: a walk of the program once)
    def outputs(self) -> tuple[str, ...]:
        """The assigned names that no statement reads, in program order: the results the
        implied loss depends on (seed 001 eq. 10, ``B = A; C = A``, has two). The last
        assigned name is always one."""
        read = {name for statement in self.statements for name in names_in(statement.value)}
        return tuple(s.target for s in self.statements if s.target not in read)

    def upstreams(self, shapes: dict) -> tuple[str, ...]:
        """The outputs whose upstream gradient ∂L/∂O is an input of the derivation (named
        ``dO`` in numpy): every output when there are several, so that the implied loss L
        depends on each through its own (a scalar one too); a lone output unless it is a
        scalar, which is then the loss itself. ``shapes`` maps names to shapes."""
        outputs = self.outputs
        if len(outputs) > 1:
            return outputs
        return outputs if shapes[outputs[0]] else ()

    def inputs(self) -> list[str]:
        """Names read before (or without) being assigned, in order of first appearance."""
        assigned: set[str] = set()
        seen: list[str] = []
        for statement in self.statements:
            for name in names_in(statement.value):
                if name not in assigned and name not in seen:
                    seen.append(name)
            assigned.add(statement.target)
        return seen

    def names(self) -> list[str]:
        """Every name, in order of first appearance (inputs and assigned alike)."""
        order: list[str] = []
        for statement in self.statements:
            for name in [*names_in(statement.value), statement.target]:
                if name not in order:
                    order.append(name)
        return order


class Walker:
    """The one way to walk a program's expressions: a method per node type,
    ``visit_Name``, ``visit_BinOp``, …, found by the node's class (as sympy's printers find
    ``_print_Add``). The forward pass, numpy's spelling of a program and the printers of a
    program's statements are walkers."""

    def visit(self, node: Expr, *args):
        """The rule for ``node``'s type, given ``args`` too (the lowering's indices)."""
        method = getattr(self, f"visit_{type(node).__name__}", None)
        if method is None:
            raise TypeError(f"{type(self).__name__} has no rule for {type(node).__name__}")
        return method(node, *args)


def children(node: Expr) -> tuple[Expr, ...]:
    """The subexpressions of a node, left to right."""
    if isinstance(node, BinOp):
        return (node.left, node.right)
    if isinstance(node, (Neg, Transpose, Reshape)):
        return (node.operand,)
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Item):
        return (node.of,)
    if isinstance(node, Stack):
        return node.items
    return ()


def walk(expr: Expr):
    """Every node of an expression, parents before children, left to right (no recursion,
    so a deep expression cannot exhaust the stack)."""
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(children(node)))


def walk_program(program: Program):
    """Every node of every statement."""
    for statement in program.statements:
        yield from walk(statement.value)


def names_in(expr: Expr) -> list[str]:
    """Names read by an expression, left to right, without repeats."""
    return list(dict.fromkeys(node.id for node in walk(expr) if isinstance(node, Name)))


def values_read(expr: Expr) -> list[str]:
    """The names whose values running the expression reads: its names, and the inputs
    that its dimensions used as numbers are read off (d in Q @ K.T / sqrt(d))."""
    sizes = [node.of for node in walk(expr) if isinstance(node, Size)]
    return list(dict.fromkeys([*names_in(expr), *sizes]))


def written(node: Expr) -> str:
    """An expression as a program writes it (``exp(X @ W1 + b1)``), for messages that
    name a place in the program."""
    return _WRITE[type(node)](node)


_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "@": 2, "**": 4}
_NEG = 3  # −x binds tighter than *, looser than **


def _operand(node: Expr, parent: str, left: bool) -> str:
    """An operand of ``parent``, bracketed where Python's precedence needs it (and a
    negation on the right: a − (−b))."""
    text = written(node)
    mine = _PRECEDENCE[node.op] if isinstance(node, BinOp) else \
        _NEG if isinstance(node, Neg) else 5
    outer = _PRECEDENCE[parent]
    if parent == "**":
        bracket = mine <= outer if left else mine < outer
    else:
        bracket = mine < outer or (not left and (mine == outer or mine == _NEG))
    return f"({text})" if bracket else text


def _call(node: Call) -> str:
    extra = [] if node.axis is None else [f"axis={node.axis}"]
    extra += ["keepdims=True"] if node.keepdims else []
    extra += [f"{key}={value}" for key, value in node.options]
    spec = [f'"{node.spec}"'] if node.spec is not None else []
    return f"{node.func}({', '.join([*spec, *map(written, node.args), *extra])})"


_WRITE = {
    Name: lambda n: n.id,
    Number: lambda n: repr(n.value),
    Size: lambda n: n.id,
    BinOp: lambda n: f"{_operand(n.left, n.op, True)} {n.op} {_operand(n.right, n.op, False)}",
    Neg: lambda n: "-" + (f"({written(n.operand)})" if isinstance(n.operand, (BinOp, Neg))
                          else written(n.operand)),
    Transpose: lambda n: (f"({written(n.operand)})" if isinstance(n.operand, (BinOp, Neg))
                          else written(n.operand)) + n.written,
    Reshape: lambda n: (f"({written(n.operand)})" if isinstance(n.operand, (BinOp, Neg))
                        else written(n.operand)) + f".reshape({', '.join(map(str, n.dims))})",
    Call: _call,
    Item: lambda n: (f"({written(n.of)})" if isinstance(n.of, (BinOp, Neg))
                     else written(n.of)) + f"[{n.index}]",
    Stack: lambda n: "[" + ", ".join(map(written, n.items)) + "]",
}


# a program file's heading comments that stand for command-line options (``# wrt: W, b``),
# read by the command line; a listing of the program (a paper's) leaves them out
OPTION_COMMENTS = ("wrt", "loss", "shape", "layout", "inline", "expand", "command", "lang",
                   "entries-from")


def is_option_comment(line: str) -> bool:
    """``# wrt: W, b``, ``# inline: yes``: a heading line that is an option, not code."""
    stripped = line.strip()
    key, colon, _ = stripped[1:].partition(":")
    return stripped.startswith("#") and bool(colon) and key.strip() in OPTION_COMMENTS
