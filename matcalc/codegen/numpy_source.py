"""A program's statements as numpy code (the forward pass of ``--format numpy``): one
method per program node type, each call spelled as its operation's record says.

    Z = X @ W + b        →   Z = X @ W + b
    Y = exp(A) + 1       →   Y = np.exp(A) + 1
    S = Q @ K.T / sqrt(d)  →  S = Q @ K.T / np.sqrt(Q.shape[1])
"""

from __future__ import annotations

from .. import ops
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
from ..ops.base import fill


class NumpySource(Walker):
    """numpy code for program expressions; every compound operand is bracketed, so the
    code means what the program means whatever numpy's precedence. ``dims`` gives each
    dimension an input has as code (``X.shape[0]``); a reshape's length no input has is
    numpy's -1, or a name of its own (``bare``: the forward pass takes it, h=2)."""

    def __init__(self, dims: dict[str, str] | None = None):
        self.dims = dims or {}
        self.bare: list[str] = []

    def code(self, node) -> str:
        return self.visit(node)

    def operand(self, node) -> str:
        text = self.code(node)
        return text if isinstance(node, (Name, Number, Size, Call, Item)) else f"({text})"

    def visit_Name(self, n: Name) -> str:
        return n.id

    def visit_Number(self, n: Number) -> str:
        return repr(n.value)

    def visit_Size(self, n: Size) -> str:
        return f"{n.of}.shape[{n.axis}]"

    def visit_Item(self, n) -> str:
        """x[k], (D @ w)[k]: a name subscripted as it is, anything else in brackets."""
        return (n.of.id if isinstance(n.of, Name) else f"({self.code(n.of)})") + f"[{n.index}]"

    def visit_Stack(self, n) -> str:
        """np.array([a, b]); a matrix literal row by row, np.array([[a, b], [c, d]])."""
        if isinstance(n.items[0], Stack):
            return "np.array([" + ", ".join(
                "[" + ", ".join(self.code(e) for e in row.items) + "]" for row in n.items) + "])"
        return "np.array([" + ", ".join(self.code(e) for e in n.items) + "])"

    def visit_Neg(self, n: Neg) -> str:
        return f"-{self.operand(n.operand)}"

    def visit_Transpose(self, n: Transpose) -> str:
        """.T as a matrix's transpose; numpy's other spellings as written (.mT,
        .swapaxes(-1, -2) on a stack, .transpose(0, 2, 1, 3))."""
        if n.axes is None and n.written in (".T", ".transpose()"):
            return f"{self.operand(n.operand)}.T"
        return f"{self.operand(n.operand)}{n.written}"

    def visit_Reshape(self, n: Reshape) -> str:
        """X.reshape(X.shape[0], X.shape[1], h, -1): lengths read off the inputs, one left
        to numpy."""
        sizes = [str(d) if isinstance(d, int) else self.dims.get(d, d) for d in n.dims]
        unread = [k for k, d in enumerate(n.dims) if isinstance(d, str) and d not in self.dims]
        if -1 not in n.dims and unread:
            sizes[unread.pop()] = "-1"  # the last (the head size k), as numpy code writes it
        self.bare += [n.dims[k] for k in unread if n.dims[k] not in self.bare]
        return f"{self.operand(n.operand)}.reshape({', '.join(sizes)})"

    def visit_BinOp(self, n: BinOp) -> str:
        return f"{self.operand(n.left)} {n.op} {self.operand(n.right)}"

    def visit_Call(self, n: Call) -> str:
        op = ops.get(n.func)
        if op.numpy is None and op.source is None:
            from .numpy_code import NoNumpyForm
            raise NoNumpyForm(f"{n.func} is declared, not specified: it has no numpy")
        args = [self.operand(a) for a in n.args]
        if op.source is not None:
            axis = "" if n.axis is None else f", axis={n.axis}"
            axis += ", keepdims=True" if n.keepdims else ""
            fields = op.source_fields(n, args) if op.source_fields is not None else {}
            return op.source.format(*args, axis=axis, spec=n.spec, all=", ".join(args),
                                    **fields)
        if op.arity == 1:
            return fill(op.numpy, self.code(n.args[0]),
                        isinstance(n.args[0], (Name, Number, Size, Call)))
        return op.numpy.format(*args)
