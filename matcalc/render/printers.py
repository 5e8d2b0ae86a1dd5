"""Printers: one method per node type, as in sympy's printers (``_print_<ClassName>``).

This module holds what every printer shares: dispatch, precedence, entry names (a_ij for
A), and the order of factors in a product. ``text.TextPrinter`` writes Unicode for a
terminal (c_kl = Σ_p a_kp b_pl), ``latex.LatexPrinter`` the same expressions for
KaTeX/MathJax (bold matrices, ``^{\\mathsf{T}}``, ``\\circ``). Dispatch walks the class's
MRO; a node with no method is an error, never a guess. Program expressions (the forward
definitions) print through ``_source_<ClassName>`` methods.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy
from sympy import Expr, Integer, KroneckerDelta, Pow, Rational, Sum, Symbol

from ..calculus.matrices import diagonal_of, hadamard_order, is_negative
from ..calculus.written import WrittenOrder
from ..index.symbols import (
    UPSTREAMS,
    Element,
    Index,
    Partial,
    Slice,
    TensorSymbol,
    entry_letter,
    free_symbols,
    indices_of,
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
    Walker,
)
from ..language.program import Transpose as TransposeNode
from ..ops.maps import Jacobian, MapDerivative

ADD, NEG, MUL, SUM_LAST, POW, ATOM = 10, 15, 20, 25, 30, 100

SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")

@dataclass
class PrintContext:
    """What a printer must know about the program: names, their order, the loss."""

    loss: str = "L"
    order: dict[str, int] = field(default_factory=dict)   # name -> rank of first appearance
    names: set[str] = field(default_factory=set)
    matrices: set[str] = field(default_factory=set)        # names of vectors and matrices
    vectors: set[str] = field(default_factory=set)         # 1-D names
    notation: dict = field(default_factory=dict)           # render.display.NOTATION
    aliases: dict = field(default_factory=dict)            # Z -> Delta: ∂L/∂Z written Δ
    scalar_nodes: set[int] = field(default_factory=set)    # ids of the program's scalar
    #                                                        expressions (norm(x), sum(A))
    written: WrittenOrder = field(default_factory=WrittenOrder)  # sum/product -> operands in
    #                                      the written order (calculus.written.WrittenOrder)
    # scalar name v -> the names that are functions of v alone (the loss among them when
    # every output is): a derivative of those by v is ordinary, dR/dθ, not ∂R/∂θ
    ordinary: dict[str, frozenset[str]] = field(default_factory=dict)


def functions_of_one(program, shapes: dict, loss: str) -> dict[str, frozenset[str]]:
    """For each scalar name v of a program, the names whose value depends on v alone
    (constants aside): v, and each assigned name whose statement reads only such names;
    the loss too when every output is one of them. Seed 004's R(θ) is a function of θ
    alone (dR/dθ), seed 003's σ(x) of x (dσ/dx), seed 002's z = g(y) of y (dz/dy); f = x y
    is not a function of x alone (∂f/∂x)."""
    from ..language.program import names_in
    found = {}
    for v, shape in shapes.items():
        if len(shape) != 0:
            continue
        alone = {v}
        for statement in program.statements:
            if statement.target != v and set(names_in(statement.value)) <= alone:
                alone.add(statement.target)
        if set(program.outputs) <= alone:
            alone.add(loss)
        found[v] = frozenset(alone)
    return found


class Printer(Walker):
    def __init__(self, ctx: PrintContext | None = None):
        self.ctx = ctx or PrintContext()
        self.as_written = False  # inside ∂(…)/∂x: products in the order the program has them
        self.local: dict[str, int] = {}  # names ranked by the statement being printed

    def in_order(self, names: list[str], expr) -> str:
        """expr as written (``written``), the names in ``names`` ranked first, in that
        order: the statement it came from says how its sum reads (x + sigy)."""
        before = self.local
        self.local = {n: k for k, n in enumerate(names)}
        try:
            return self.written(expr)
        finally:
            self.local = before

    def written(self, expr) -> str:
        """expr as its definition writes it, ∂(a_ki b_ij)/∂b_ij: entries in the order of
        the program, not in a chain from the wrt's index i."""
        before, self.as_written = self.as_written, True
        try:
            return self._print(expr)
        finally:
            self.as_written = before

    def doprint(self, expr) -> str:
        return self._print(expr)

    def _print(self, expr) -> str:
        if isinstance(expr, (Name, Number, Size, BinOp, Neg, TransposeNode, Reshape, Call, Item,
                             Stack)):
            return self.visit(expr)  # a program's node, as written (``visit_BinOp``, …)
        hook = getattr(expr, "_matcalc_print", None)
        if hook is not None:  # a node of an operation that prints itself (a row-wise entry)
            return hook(self)
        for cls in type(expr).__mro__:
            method = getattr(self, f"_print_{cls.__name__}", None)
            if method is not None:
                return method(expr)
        raise TypeError(f"{type(self).__name__} cannot print {type(expr).__name__}")

    # -- precedence and parentheses
    def precedence(self, expr) -> int:
        if isinstance(expr, Element) and not isinstance(expr.matrix, sympy.MatrixSymbol) \
                and not self.indices(expr):
            return min(self.precedence(expr.matrix), POW)  # a bare 1×1 product
        if isinstance(expr, (sympy.Add, sympy.MatAdd)):
            return ADD
        if isinstance(expr, Sum):
            return SUM_LAST
        if isinstance(expr, sympy.HadamardProduct) and diagonal_of(expr) is not None:
            return ATOM  # diag(v)
        if isinstance(expr, (sympy.Mul, sympy.MatMul, sympy.HadamardProduct,
                             sympy.KroneckerProduct)):
            if expr.args and expr.args[0].is_number and expr.args[0] < 0:
                return NEG
            return MUL
        if isinstance(expr, (Rational,)) and not isinstance(expr, Integer):
            return MUL
        if expr.is_number and expr < 0:
            return NEG
        if isinstance(expr, (Pow, sympy.HadamardPower, sympy.Transpose, sympy.Inverse)):
            return POW
        return ATOM

    def paren(self, expr, level: int) -> str:
        text = self._print(expr)
        return self.wrap(text) if self.precedence(expr) < level else text

    def wrap(self, text: str) -> str:
        return f"({text})"

    def spelled_out(self, e) -> bool:
        """∂L/∂Z written as a fraction, which a superscript needs parentheses around:
        (∂L/∂Z)ᵀ; a name declared for it (``G: gradient(Z)``) is a plain name, Gᵀ."""
        return isinstance(e, UPSTREAMS) and e.name not in self.ctx.aliases or \
            isinstance(e, Jacobian)  # ∂y/∂x of a declared map: (∂y/∂x)ᵀ

    @property
    def nabla(self) -> bool:
        """The notation's gradient="nabla": ∂L/∂X of a vector or matrix X written ∇_X L."""
        return self.ctx.notation.get("gradient") == "nabla"

    def is_gradient(self, e) -> bool:
        """∂L/∂X that ``nabla`` writes ∇_X L: a scalar (not an entry) by a whole vector or
        matrix. Entries (∂L/∂x_i), scalars by scalars (∂f/∂x) and Jacobians (∂y/∂x) keep ∂."""
        return self.nabla and isinstance(e.var, sympy.MatrixSymbol) and \
            isinstance(e.expr, sympy.Symbol) and not isinstance(e.expr, Element)

    def nabla_grouped(self, args, parts: list[str]) -> list[str]:
        """(∇_Y L) Wᵀ: a factor ∇_Y L followed by another is parenthesised (∇_Y L Wᵀ would
        read ∇_Y (L Wᵀ)); last, as the seeds write it, it is not: Wᵀ ∇_y L."""
        if not self.nabla:
            return parts
        return [self.wrap(p) if n < len(parts) - 1 and self.spelled_out(a) else p
                for n, (a, p) in enumerate(zip(args, parts))]

    # -- d or ∂
    def ordinary(self, top, var) -> bool:
        """d/dv rather than ∂/∂v: v a scalar name and top (an expression, or a name) a
        function of v alone (``PrintContext.ordinary``)."""
        if type(var) is not Symbol or var.name not in self.ctx.ordinary or top == var:
            return False  # (∂x/∂x inside ∂(x y)/∂x is that derivative's: ∂)
        alone = self.ctx.ordinary[var.name]
        if isinstance(top, str):
            return top in alone
        if top.has(Partial):
            return False
        read = {a.name for a in top.atoms(Symbol) if type(a) is Symbol}
        read |= {m.name for m in top.atoms(sympy.MatrixSymbol, TensorSymbol)
                 if not isinstance(m, UPSTREAMS)}
        if top.atoms(*UPSTREAMS) or any(type(a) is not Symbol and not isinstance(a, Index)
                                          for a in top.atoms(Symbol)):
            read.add(self.ctx.loss)  # ∂L/∂C, ∂L/∂s in it: the loss is read
        return {n for n in read if n in self.ctx.names or n == self.ctx.loss} <= alone

    # -- names
    @property
    def loss(self) -> str:
        """The loss (or a Jacobian's output) as the reader sees it."""
        return self.name_shown(self.ctx.loss)

    def name_shown(self, name: str) -> str:
        return name

    def element_name(self, name: str) -> str:
        """a for A (if that is unambiguous): the seed articles' a_ij for entries of A."""
        return entry_letter(name, self.ctx.names)

    def indices(self, expr: Element) -> list[Expr]:
        """The indices shown: one per axis (a_{β,i,j}), a slice's labels first (the entry
        (A_β)_ij reads a_{β,i,j}); a vector's unit axis 0 is not shown."""
        m = expr.matrix
        if isinstance(m, TensorSymbol):  # an axis of length 1 read at 0 is not shown
            return [i for i, n in zip(expr.indices, m.shape) if n != 1 or i != 0]
        if isinstance(m, Slice):
            return [*m.labels, *self.indices(Element(
                sympy.MatrixSymbol(m.name, *m.shape), *expr.indices))]
        rows, cols = expr.matrix.shape
        out = []
        if rows != 1 or expr.row != 0:
            out.append(expr.row)
        if cols != 1 or expr.col != 0:
            out.append(expr.col)
        return out

    def entry_number(self, index: int) -> str:
        """x[k]'s subscript: k as the program counts (x[0] is x_0), or k + 1 with the
        notation's entries="from1" (x_1, as seed 004 counts)."""
        return str(index + (1 if self.ctx.notation.get("entries") == "from1" else 0))

    def index_text(self, indices: list[Expr]) -> str:
        # a numbered entry counts as the program does (x[0] is x_0), or from 1 as some
        # articles do (x_1), by the notation's "entries"
        texts = [self.entry_number(int(i)) if getattr(i, "is_Integer", False) else
                 self.shifted_index(i) if isinstance(i, sympy.Add) else
                 self._print(i) for i in indices]
        return ("," if len(texts) > 2 or any(len(t) > 1 for t in texts) else "").join(texts)

    def shifted_index(self, index: Expr) -> str:
        """A convolution's index as one reads it in a subscript, i−q+1: the indices first,
        then the number, no spaces (x_{β,c,k+q−1})."""
        terms = sorted(sympy.Add.make_args(index), key=lambda t: (t.is_number,
                                                                  is_negative(t)))
        text = ""
        for term in terms:
            negative = is_negative(term)
            shown = self._print(-term if negative else term).replace(" ", "")
            text += ("−" if negative else "+" if text else "") + shown
        return text.replace("−", self.MINUS)

    MINUS = "−"

    # -- written order: the terms of a sum as the program (or the route) writes them
    def written_ranks(self, e: Expr) -> dict:
        written = self.ctx.written
        return written.ranks(e) if isinstance(written, WrittenOrder) else {}

    def ordered_terms(self, e: Expr) -> list[Expr]:
        """A sum's terms in written order (1 + e^{−x}, x − y + 1) where the program or a
        route recorded it; otherwise (a derived sum) positive terms first, each by the
        first program name in it (2 x₁ + x₂)."""
        ranks = self.written_ranks(e)

        def key(t):
            if t in ranks:
                return (0, ranks[t], False, 0)
            return (1, 0, is_negative(t), self.source_rank(t))
        return sorted(e.args, key=key)

    # -- ordering of products: scalars, deltas, entries in chain order, derivatives, sums
    def ordered_factors(self, factors: list[Expr], written: Expr | None = None) -> list[Expr]:
        numbers = [f for f in factors if f.is_number]
        scalars = [f for f in factors if not f.is_number and not indices_of(f)
                   and not isinstance(f, (Sum, Partial)) and not f.has(Element)]
        deltas = [f for f in factors if isinstance(f, KroneckerDelta)]
        sums = [f for f in factors if isinstance(f, Sum)]
        partials = [f for f in factors if isinstance(f, Partial)]
        taken = {id(f) for group in (numbers, scalars, deltas, sums, partials) for f in group}
        entries = [f for f in factors if id(f) not in taken]
        # num invden, (1 − σ) σ: as the program (or the route) writes them
        ranks = self.written_ranks(written) if written is not None else {}
        # a declared map's dy/dx after the upstream, as the chain rule writes dz/dy dy/dx:
        # several from the loss back (dw/dz dz/dy dy/dx)
        scalars = sorted(scalars, key=lambda f: (
            ranks.get(f, len(ranks)), isinstance(f, MapDerivative),
            -self.ctx.order.get(f.of, 0) if isinstance(f, MapDerivative)
            else self.source_rank(f)))
        return numbers + scalars + deltas + self.chain(entries) + partials + sums

    def rank(self, expr: Expr) -> tuple[int, int]:
        """Upstream gradients first, then entries by first appearance, then compound factors."""
        if isinstance(expr, Element):
            matrix = expr.matrix
            if isinstance(matrix, UPSTREAMS):
                return (0, 0)
            return (1, self.source_rank(matrix))
        return (2, 1 if isinstance(expr, sympy.Add) else 0)

    def source_rank(self, expr: Expr) -> int:
        names = [s.name for s in free_symbols(expr) if hasattr(s, "name")]
        local = self.local
        return min((local[n] - 1000 if n in local else self.ctx.order.get(n, 99)
                    for n in names), default=99)

    def hadamard_order(self, args) -> list:
        return hadamard_order(args, self.ctx.order)

    def chain(self, entries: list[Expr]) -> list[Expr]:
        """Order entries so that neighbours share an index, starting from the wrt's i:
        a_ip b_pq c_qj. Entries are looked up by index, so a chain of n entries costs O(n)."""
        ranked = sorted(entries, key=self.rank)
        indices = [_index_list(e) for e in ranked]
        first: dict[Expr, list[int]] = {}   # index -> entries it comes first in, by rank
        anywhere: dict[Expr, list[int]] = {}
        for n, found in enumerate(indices):
            if found:
                first.setdefault(found[0], []).append(n)
            for index in found:
                anywhere.setdefault(index, []).append(n)
        used: set[int] = set()

        def starting(at) -> int | None:
            for table in (first, anywhere):
                free = [n for n in table.get(at, ()) if n not in used]
                if free:
                    return free[0]
            return None

        order: list[int] = []
        current = None
        while len(order) < len(ranked):
            pick = starting(current) if current is not None else None
            if pick is None and not order and not self.as_written:
                pick = starting(Index("i"))
            if pick is None:
                pick = next(n for n in range(len(ranked)) if n not in used)
            used.add(pick)
            others = [i for i in indices[pick] if i != current]
            current = others[-1] if others else current
            order.append(pick)
        return [ranked[n] for n in order]


def _index_list(expr: Expr) -> list[Expr]:
    if isinstance(expr, Element):
        return [i for i in expr.indices if isinstance(i, Index)]
    return sorted(indices_of(expr), key=str)


def decimal_power(e) -> tuple[int, int] | None:
    """(p, k) for a rational p/10ᵏ with k ≥ 2 and |p| < 10ᵏ, as a program writes 0.001 or
    1e-5: printed as the decimal it was (1/1000 would read as a fraction the program never
    had). None for anything else (½ stays 1/2, as the seeds write it)."""
    q, k = int(e.q), 0
    while q % 10 == 0:
        q, k = q // 10, k + 1
    return (int(e.p), k) if q == 1 and k >= 2 and abs(int(e.p)) < 10 ** k else None
