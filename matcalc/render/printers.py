"""Printers: one method per node type, as in sympy's printers (``_print_<ClassName>``).

``TextPrinter`` writes Unicode for a terminal (c_kl = Σ_p a_kp b_pl), ``LatexPrinter`` the
same expressions for KaTeX/MathJax (bold matrices, ``^{\\mathsf{T}}``, ``\\circ``).
Dispatch walks the class's MRO; a node with no method is an error, never a guess. Program
expressions (the forward definitions) print through ``_source_<ClassName>`` methods.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sympy
from sympy import Expr, Integer, KroneckerDelta, Mul, Pow, Rational, Sum, Symbol

from ..program import BinOp, Call, Name, Neg, Number
from ..program import Transpose as TransposeNode
from ..symbols import (
    Element,
    Index,
    Partial,
    ScalarGrad,
    UpstreamGrad,
    free_symbols,
    indices_of,
    softmax_entry,
)

ADD, NEG, MUL, SUM_LAST, POW, ATOM = 10, 15, 20, 25, 30, 100

SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
FUNCTION_NAMES = {"exp": "exp", "log": "log", "sin": "sin", "cos": "cos", "tanh": "tanh",
                  "sigmoid": "σ", "relu": "relu", "softmax": "softmax", "softmax_col": "softmax",
                  "log_softmax": "log_softmax", "cross_entropy": "cross_entropy", "mse": "mse",
                  "mean": "mean"}


@dataclass
class PrintContext:
    """What a printer must know about the program: names, their order, the loss."""

    loss: str = "L"
    order: dict[str, int] = field(default_factory=dict)   # name -> rank of first appearance
    names: set[str] = field(default_factory=set)
    matrices: set[str] = field(default_factory=set)        # names of vectors and matrices
    vectors: set[str] = field(default_factory=set)         # 1-D names


class Printer:
    def __init__(self, ctx: PrintContext | None = None):
        self.ctx = ctx or PrintContext()

    def doprint(self, expr) -> str:
        return self._print(expr)

    def _print(self, expr) -> str:
        if isinstance(expr, (Name, Number, BinOp, Neg, TransposeNode, Call)):
            return getattr(self, f"_source_{type(expr).__name__}")(expr)
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
        if isinstance(expr, (sympy.Mul, sympy.MatMul, sympy.HadamardProduct)):
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

    # -- names
    def element_name(self, name: str) -> str:
        """a for A (if that is unambiguous): the seed articles' a_ij for entries of A."""
        lower = name.lower()
        if name[0].isupper() and (lower == name or lower not in self.ctx.names):
            return lower
        return name

    def indices(self, expr: Element) -> list[Expr]:
        rows, cols = expr.matrix.shape
        out = []
        if rows != 1 or expr.row != 0:
            out.append(expr.row)
        if cols != 1 or expr.col != 0:
            out.append(expr.col)
        return out

    def index_text(self, indices: list[Expr]) -> str:
        texts = [self._print(i) for i in indices]
        return ("," if any(len(t) > 1 for t in texts) else "").join(texts)

    # -- ordering of products: scalars, deltas, entries in chain order, derivatives, sums
    def ordered_factors(self, factors: list[Expr]) -> list[Expr]:
        numbers = [f for f in factors if f.is_number]
        scalars = [f for f in factors if not f.is_number and not indices_of(f)
                   and not isinstance(f, (Sum, Partial)) and not f.has(Element)]
        deltas = [f for f in factors if isinstance(f, KroneckerDelta)]
        sums = [f for f in factors if isinstance(f, Sum)]
        partials = [f for f in factors if isinstance(f, Partial)]
        taken = {id(f) for group in (numbers, scalars, deltas, sums, partials) for f in group}
        entries = [f for f in factors if id(f) not in taken]
        return numbers + scalars + deltas + self.chain(entries) + partials + sums

    def rank(self, expr: Expr) -> tuple[int, int]:
        """Upstream gradients first, then entries by first appearance, then compound factors."""
        if isinstance(expr, Element):
            matrix = expr.matrix
            if isinstance(matrix, UpstreamGrad):
                return (0, 0)
            return (1, self.source_rank(matrix))
        return (2, 1 if isinstance(expr, sympy.Add) else 0)

    def source_rank(self, expr: Expr) -> int:
        names = [s.name for s in free_symbols(expr) if hasattr(s, "name")]
        return min((self.ctx.order.get(n, 99) for n in names), default=99)

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
            if pick is None and not order:
                pick = starting(Index("i"))
            if pick is None:
                pick = next(n for n in range(len(ranked)) if n not in used)
            used.add(pick)
            others = [i for i in indices[pick] if i != current]
            current = others[-1] if others else current
            order.append(pick)
        return [ranked[n] for n in order]


def is_negative(term: Expr) -> bool:
    """A term printed with a minus sign: −2 a, −(A B). Cheap, unlike sympy's
    could_extract_minus_sign, which negates (and re-simplifies) matrix products."""
    if term.is_number:
        return bool(term < 0)
    if isinstance(term, (sympy.Mul, sympy.MatMul)) and term.args:
        first = term.args[0]
        return bool(first.is_number and first < 0)
    return False


def negated(term: Expr) -> Expr:
    """−term without sympy's doit() (which would turn A A into A²)."""
    if term.is_number:
        return -term
    if isinstance(term, (sympy.Mul, sympy.MatMul)) and term.args[0].is_number:
        coeff, rest = -term.args[0], term.args[1:]
        if coeff == 1:
            return rest[0] if len(rest) == 1 else term.func(*rest)
        return term.func(coeff, *rest)
    return -term


def hadamard_order(args, order: dict[str, int]) -> list:
    """∂L/∂B ∘ B ∘ (1 − B): upstream first, plain names before compound factors."""
    def source_rank(expr: Expr) -> int:
        names = [s.name for s in free_symbols(expr) if hasattr(s, "name")]
        return min((order.get(n, 99) for n in names), default=99)
    return sorted(args, key=lambda a: (not isinstance(a, UpstreamGrad),
                                       not isinstance(a, sympy.MatrixSymbol),
                                       isinstance(a, sympy.MatAdd), source_rank(a)))


def _index_list(expr: Expr) -> list[Expr]:
    if isinstance(expr, Element):
        return [i for i in (expr.row, expr.col) if isinstance(i, Index)]
    return sorted(indices_of(expr), key=str)


class TextPrinter(Printer):
    """Unicode for terminals: c_kl = Σ_p a_kp b_pl, ∂L/∂C Bᵀ."""

    times = " "

    # numbers and scalars
    def _print_Integer(self, e: Integer) -> str:
        return str(e).replace("-", "−")

    def _print_Rational(self, e: Rational) -> str:
        return f"{self._print(e.p)}/{e.q}"

    def _print_Float(self, e) -> str:
        return str(float(e))

    def _print_int(self, e: int) -> str:
        return str(e).replace("-", "−")

    def _print_NegativeOne(self, e) -> str:
        return "−1"

    def _print_Half(self, e) -> str:
        return "1/2"

    def _print_Symbol(self, e: Symbol) -> str:
        return e.name

    def _print_Index(self, e: Index) -> str:
        return e.name

    # entries
    def _print_Element(self, e: Element) -> str:
        m = e.matrix
        sub = self.index_text(self.indices(e))
        if isinstance(m, UpstreamGrad):
            return f"∂{self.ctx.loss}/∂{self.element_name(m.name)}" + (f"_{sub}" if sub else "")
        if isinstance(m, sympy.MatrixSymbol):
            return self.element_name(m.name) + (f"_{sub}" if sub else "")
        inner = self._print(m)
        return f"({inner})_{sub}" if sub else inner  # a 1×1 product is a scalar

    def _print_Partial(self, e: Partial) -> str:
        top = e.expr
        if isinstance(top, Partial):  # a second derivative: ∂²f/∂x_i ∂x_j
            return f"∂²{self._print(top.expr)}/∂{self._print(top.var)} ∂{self._print(e.var)}"
        shown = self._print(top)
        if not isinstance(top, (Symbol, Element, sympy.Function, sympy.MatrixSymbol)) or \
                isinstance(top, softmax_entry) or (
                isinstance(top, Element) and isinstance(top.matrix, UpstreamGrad)):
            shown = f"({shown})"
        return f"∂{shown}/∂{self._print(e.var)}"

    def _print_KroneckerDelta(self, e: KroneckerDelta) -> str:
        return "δ_" + self.index_text(list(e.args))

    def _print_Sum(self, e: Sum) -> str:
        signs = " ".join(f"Σ_{self._print(limit[0])}" for limit in e.limits)
        return f"{signs} {self.paren(e.function, MUL)}"

    # algebra
    def _print_Add(self, e: sympy.Add) -> str:
        terms = sorted(e.args, key=lambda t: (is_negative(t),
                                              self.source_rank(t)))
        out = ""
        for n, term in enumerate(terms):
            negative = is_negative(term)
            body = self.paren(negated(term), ADD + 1) if negative else \
                self.paren(term, ADD)
            if n == 0:
                out = ("−" if negative else "") + body
            else:
                out += (" − " if negative else " + ") + body
        return out

    def _print_Mul(self, e: sympy.Mul) -> str:
        coeff, rest = e.as_coeff_Mul() if e.is_commutative else (Integer(1), e)
        if coeff < 0:
            return "−" + self.paren(Mul(-coeff, rest, evaluate=False) if coeff != -1 else rest,
                                    MUL)
        factors = list(rest.args) if isinstance(rest, sympy.Mul) else [rest]
        if coeff != 1:
            factors.insert(0, coeff)
        numerator = [f for f in factors if not _is_reciprocal(f)]
        denominator = [f.base if f.exp == -1 else Pow(f.base, -f.exp) for f in factors
                       if _is_reciprocal(f)]
        top = self.product(self.ordered_factors(numerator)) if numerator else "1"
        if not denominator:
            return top
        return self.fraction(top, numerator, self.ordered_factors(denominator))

    def fraction(self, top: str, numerator: list, denominator: list) -> str:
        if len(numerator) > 1:
            top = f"({top})"
        bottom = self.product(denominator)
        if len(denominator) > 1 or self.precedence(denominator[0]) < POW:
            bottom = f"({bottom})"
        return f"{top}/{bottom}"

    def product(self, factors: list) -> str:
        out = ""
        for n, f in enumerate(factors):
            last = n == len(factors) - 1
            text = self.paren(f, MUL if not isinstance(f, Sum) or not last else SUM_LAST)
            if n:
                out += self.separator(factors[n - 1], f)
            out += text
        return out

    def separator(self, before: Expr, after: Expr) -> str:
        fractions = (Partial,)
        if isinstance(before, fractions) or isinstance(after, fractions) or \
                _is_upstream(before) or _is_upstream(after):
            return " · "
        return " "

    def _print_Pow(self, e: Pow) -> str:
        base, exp = e.args
        if exp == Rational(1, 2):
            return f"√{self.paren(base, ATOM)}"
        if exp.is_negative:
            return self._print_Mul(Mul(1, e, evaluate=False))
        if exp.is_Integer:
            return self.paren(base, POW + 1) + str(exp).translate(SUPERSCRIPTS)
        return f"{self.paren(base, POW + 1)}^({self._print(exp)})"

    def call(self, name: str, arg: str) -> str:
        """f(x), with relu′ as the Iverson bracket [x > 0] and abs as |x|."""
        if name == "step":
            return f"[{arg} > 0]"
        if name in ("abs", "Abs"):
            return f"|{arg}|"
        return f"{FUNCTION_NAMES.get(name, name)}({arg})"

    def _print_Function(self, e) -> str:
        return self.call(type(e).__name__, self._print(e.args[0]))

    def softmax_parts(self, e: softmax_entry) -> tuple[str, str, str]:
        """exp(z_kl), the bound index q, and exp(z_kq) for the denominator Σ_q exp(z_kq)."""
        entry, index, _ = e.args
        taken = {s.name for s in e.atoms(Symbol)} | {n.lower() for n in self.ctx.names}
        q = next(Index(n) for n in [*"qrstuvw", *(f"q{k}" for k in range(1, 99))]
                 if n not in taken)
        return (self._print(sympy.exp(entry)), self._print(q),
                self._print(sympy.exp(entry.xreplace({index: q}))))

    def _print_softmax_entry(self, e: softmax_entry) -> str:
        top, q, term = self.softmax_parts(e)
        return f"{top}/Σ_{q} {term}"

    def _print_ScalarGrad(self, e: ScalarGrad) -> str:
        return f"∂{self.ctx.loss}/∂{e.of}"

    # matrices
    def _print_MatrixSymbol(self, e) -> str:
        return e.name

    def _print_UpstreamGrad(self, e) -> str:
        return f"∂{self.ctx.loss}/∂{e.name}"

    def _print_Transpose(self, e) -> str:
        if isinstance(e.arg, sympy.Inverse):
            return self.paren(e.arg.arg, ATOM) + "⁻ᵀ"
        return self.paren(e.arg, ATOM) + "ᵀ" if not isinstance(e.arg, UpstreamGrad) else \
            f"({self._print(e.arg)})ᵀ"

    def _print_MatMul(self, e) -> str:
        args = list(e.args)
        sign = ""
        if not args[0].is_Matrix and is_negative(args[0]):
            sign, args[0] = "−", -args[0]
            if args[0] == 1:
                args = args[1:]
        parts = [self.paren(a, MUL + 1) for a in args]
        return sign + self.matmul_join(args, parts)

    def matmul_join(self, args, parts) -> str:
        out = parts[0]
        for n in range(1, len(parts)):
            out += self.separator_matmul(args[n - 1], args[n]) + parts[n]
        return out

    def separator_matmul(self, before, after) -> str:
        if isinstance(before, sympy.OneMatrix) and isinstance(after, sympy.OneMatrix):
            return ""  # 𝟏𝟏ᵀ
        return " "

    def _print_HadamardProduct(self, e) -> str:
        return " ∘ ".join(self.paren(a, MUL + 1) for a in self.hadamard_order(e.args))

    def _print_MatAdd(self, e) -> str:
        out = ""
        terms = sorted(e.args, key=lambda t: (is_negative(t), self.source_rank(t),
                                              isinstance(t, sympy.Transpose)))
        for n, term in enumerate(terms):
            negative = is_negative(term)
            shown = negated(term) if negative else term
            if isinstance(shown, sympy.OneMatrix):
                body = "1"  # 1 − B: the ones of B's shape
            else:
                body = self.paren(shown, ADD + 1)
            out += ("−" if negative else "") + body if n == 0 else \
                (" − " if negative else " + ") + body
        return out

    def _print_HadamardPower(self, e) -> str:
        exp = e.exp
        if exp == Rational(1, 2):
            return f"√{self.paren(e.base, ATOM)}"
        shown = str(exp).translate(SUPERSCRIPTS) if exp.is_Integer else f"({self._print(exp)})"
        return f"{self.paren(e.base, ATOM)}^∘{shown}"

    def _print_OneMatrix(self, e) -> str:
        rows, cols = e.shape
        if rows == 1:
            return "𝟏ᵀ"
        if cols == 1:
            return "𝟏"
        return "𝟏𝟏ᵀ"

    def _print_Identity(self, e) -> str:
        return "I"

    def _print_ZeroMatrix(self, e) -> str:
        return "0"

    def _print_Apply(self, e) -> str:
        return self.call(e.name, self._print(e.arg))

    def _print_Trace(self, e) -> str:
        return f"tr({self._print(e.arg)})"

    def _print_Inverse(self, e) -> str:
        return self.paren(e.arg, ATOM) + "⁻¹"

    def _print_MatPow(self, e) -> str:
        return self.paren(e.base, ATOM) + str(e.exp).translate(SUPERSCRIPTS)

    def _print_Determinant(self, e) -> str:
        return f"det({self._print(e.arg)})"

    def _print_DiagonalOf(self, e) -> str:
        return f"diag({self._print(e.arg)})"

    # program expressions (forward definitions)
    def _source_Name(self, n: Name) -> str:
        return n.id

    def _source_Number(self, n: Number) -> str:
        return repr(n.value)

    def _source_Neg(self, n: Neg) -> str:
        return "−" + self._source_operand(n.operand)

    def _source_Transpose(self, n: TransposeNode) -> str:
        return self._source_operand(n.operand) + "ᵀ"

    def _source_Call(self, n: Call) -> str:
        arg = ", ".join(self._print(a) for a in n.args)
        name = FUNCTION_NAMES.get(n.func, n.func)
        if n.axis is not None:
            return f"{name}({arg}, axis={n.axis})"
        return f"{name}({arg})"

    SOURCE_OPS = {"+": " + ", "-": " − ", "*": " ∘ ", "/": " / ", "@": " ", "**": "^"}

    def _source_BinOp(self, n: BinOp) -> str:
        if n.op == "**":
            power = "^∘" if not self.is_scalar_node(n.left) else "^"
            return self._source_operand(n.left, n) + power + self._source_operand(n.right, n)
        op = self.SOURCE_OPS[n.op]
        left, right = n.left, n.right
        if n.op == "@" and isinstance(left, Name) and left.id in self.ctx.vectors:
            return self._source_Transpose(TransposeNode(left, left.pos)) + op + \
                self._source_operand(right, n, right=True)  # xᵀ A x: a 1-D left operand
        if n.op == "*" and (self.is_scalar_node(left) or self.is_scalar_node(right)):
            op = " "  # a scalar times a matrix is no Hadamard product: 2 A
            if self.is_scalar_node(right) and not self.is_scalar_node(left):
                left, right = right, left
        return (self._source_operand(left, n) + op + self._source_operand(right, n, right=True))

    def is_scalar_node(self, node) -> bool:
        if isinstance(node, Neg):
            return self.is_scalar_node(node.operand)
        return isinstance(node, Number) or (isinstance(node, Name) and
                                            node.id not in self.ctx.matrices)

    def _source_operand(self, node, parent: BinOp | None = None, right: bool = False) -> str:
        text = self._print(node)
        if isinstance(node, BinOp) and (parent is None or _source_level(node) < _source_level(
                parent) or (right and _source_level(node) == _source_level(parent))):
            return f"({text})"
        if isinstance(node, Neg) and parent is not None:
            return f"({text})"
        return text


def _source_level(node: BinOp) -> int:
    return {"+": 1, "-": 1, "*": 2, "/": 2, "@": 2, "**": 3}[node.op]


def _is_reciprocal(f: Expr) -> bool:
    return isinstance(f, Pow) and f.exp.is_negative and f.exp.is_number


def _is_upstream(e: Expr) -> bool:
    return isinstance(e, Element) and isinstance(e.matrix, UpstreamGrad)


class LatexPrinter(TextPrinter):
    """LaTeX for KaTeX and MathJax: \\mathbf{A}, ^{\\mathsf{T}}, \\circ, \\sum_{p}."""

    T = r"^{\mathsf{T}}"

    def wrap(self, text: str) -> str:
        return rf"\left({text}\right)"

    def tex_name(self, name: str, bold: bool) -> str:
        match = re.fullmatch(r"([A-Za-z]+)_?(\d+)", name)
        base, sub = (match.group(1), match.group(2)) if match else (name, "")
        base = base.replace("_", r"\_")
        if len(base) > 1 and not bold:
            base = rf"\mathrm{{{base}}}"
        shown = rf"\mathbf{{{base}}}" if bold else base
        return shown + (f"_{{{sub}}}" if sub else "")

    def _print_Integer(self, e: Integer) -> str:
        return str(e)

    def _print_int(self, e: int) -> str:
        return str(e)

    def _print_NegativeOne(self, e) -> str:
        return "-1"

    def _print_Rational(self, e: Rational) -> str:
        sign = "-" if e.p < 0 else ""
        return rf"{sign}\frac{{{abs(e.p)}}}{{{e.q}}}"

    def _print_Half(self, e) -> str:
        return r"\frac{1}{2}"

    def _print_Symbol(self, e: Symbol) -> str:
        return self.tex_name(e.name, bold=False)

    def _print_Index(self, e: Index) -> str:
        return e.name

    def _entry(self, name: str, sub: str) -> str:
        match = re.fullmatch(r"([A-Za-z]+)_?(\d+)", name)
        if match:
            name, extra = match.group(1), match.group(2)
            sub = f"{extra},{sub}" if sub else extra
        name = name.replace("_", r"\_")
        if len(name) > 1:
            name = rf"\mathrm{{{name}}}"
        return f"{name}_{{{sub}}}" if sub else name

    def _print_Element(self, e: Element) -> str:
        m = e.matrix
        sub = self.index_text(self.indices(e))
        if isinstance(m, UpstreamGrad):
            entry = self._entry(self.element_name(m.name), sub)
            return rf"\frac{{\partial {self.ctx.loss}}}{{\partial {entry}}}"
        if isinstance(m, sympy.MatrixSymbol):
            return self._entry(self.element_name(m.name), sub)
        inner = self._print(m)
        return rf"\left({inner}\right)_{{{sub}}}" if sub else inner

    def _print_Partial(self, e: Partial) -> str:
        top = e.expr
        if isinstance(top, Partial):
            return (rf"\frac{{\partial^2 {self._print(top.expr)}}}"
                    rf"{{\partial {self._print(top.var)} \, \partial {self._print(e.var)}}}")
        shown = self._print(top)
        if not isinstance(top, (Symbol, Element, sympy.Function, sympy.MatrixSymbol)) or \
                isinstance(top, softmax_entry):
            shown = rf"\left({shown}\right)"
        return rf"\frac{{\partial {shown}}}{{\partial {self._print(e.var)}}}"

    def _print_KroneckerDelta(self, e: KroneckerDelta) -> str:
        return rf"\delta_{{{self.index_text(list(e.args))}}}"

    def _print_Sum(self, e: Sum) -> str:
        signs = " ".join(rf"\sum_{{{self._print(limit[0])}}}" for limit in e.limits)
        return f"{signs} {self.paren(e.function, MUL)}"

    def _print_Add(self, e: sympy.Add) -> str:
        return super()._print_Add(e).replace("−", "-")

    def _print_Mul(self, e: sympy.Mul) -> str:
        return super()._print_Mul(e).replace("−", "-")

    def fraction(self, top: str, numerator: list, denominator: list) -> str:
        return rf"\frac{{{top}}}{{{self.product(denominator)}}}"

    def separator(self, before: Expr, after: Expr) -> str:
        return r" \, " if isinstance(before, Partial) or _is_upstream(before) else " "

    def _print_Pow(self, e: Pow) -> str:
        base, exp = e.args
        if exp == Rational(1, 2):
            return rf"\sqrt{{{self._print(base)}}}"
        if exp.is_negative:
            return self._print_Mul(Mul(1, e, evaluate=False))
        return f"{self.paren(base, POW + 1)}^{{{self._print(exp)}}}"

    TEX_FUNCTIONS = {"exp": r"\exp", "log": r"\log", "sin": r"\sin", "cos": r"\cos",
                     "tanh": r"\tanh", "sigmoid": r"\sigma", "relu": r"\operatorname{relu}",
                     "sum": r"\operatorname{sum}", "mean": r"\operatorname{mean}",
                     "softmax": r"\operatorname{softmax}",
                     "softmax_col": r"\operatorname{softmax}",
                     "log_softmax": r"\log\operatorname{softmax}",
                     "cross_entropy": r"\operatorname{CE}", "mse": r"\operatorname{MSE}",
                     "sign": r"\operatorname{sign}", "abs": r"\operatorname{abs}"}

    def _print_softmax_entry(self, e: softmax_entry) -> str:
        top, q, term = self.softmax_parts(e)
        return rf"\frac{{{top}}}{{\sum_{{{q}}} {term}}}"

    def _print_ScalarGrad(self, e: ScalarGrad) -> str:
        return rf"\frac{{\partial {self.ctx.loss}}}{{\partial {self.tex_name(e.of, False)}}}"

    def call(self, name: str, arg: str) -> str:
        if name == "step":
            return rf"\left[{arg} > 0\right]"
        if name in ("abs", "Abs"):
            return rf"\left|{arg}\right|"
        return rf"{self.TEX_FUNCTIONS.get(name, name)}\left({arg}\right)"

    def _print_MatrixSymbol(self, e) -> str:
        return self.tex_name(e.name, bold=True)

    def _print_UpstreamGrad(self, e) -> str:
        return rf"\frac{{\partial {self.ctx.loss}}}{{\partial {self.tex_name(e.name, True)}}}"

    def _print_Transpose(self, e) -> str:
        if isinstance(e.arg, sympy.Inverse):
            return self.paren(e.arg.arg, ATOM) + r"^{-\mathsf{T}}"
        if isinstance(e.arg, (sympy.MatrixSymbol,)) and not isinstance(e.arg, UpstreamGrad):
            return self._print(e.arg) + self.T
        return rf"\left({self._print(e.arg)}\right){self.T}"

    def _print_MatMul(self, e) -> str:
        return super()._print_MatMul(e).replace("−", "-")

    def separator_matmul(self, before, after) -> str:
        if isinstance(before, sympy.OneMatrix) and isinstance(after, sympy.OneMatrix):
            return ""  # 𝟏𝟏ᵀ
        return " "

    def _print_HadamardProduct(self, e) -> str:
        return r" \circ ".join(self.paren(a, MUL + 1) for a in self.hadamard_order(e.args))

    def _print_MatAdd(self, e) -> str:
        return super()._print_MatAdd(e).replace(" − ", " - ").replace("−", "-")

    def _print_HadamardPower(self, e) -> str:
        if e.exp == Rational(1, 2):
            return rf"\sqrt{{{self._print(e.base)}}}"
        return rf"{self.paren(e.base, ATOM)}^{{\circ {self._print(e.exp)}}}"

    def _print_OneMatrix(self, e) -> str:
        rows, cols = e.shape
        if rows == 1:
            return r"\mathbf{1}" + self.T
        if cols == 1:
            return r"\mathbf{1}"
        return r"\mathbf{1}\mathbf{1}" + self.T

    def _print_Identity(self, e) -> str:
        return r"\mathbf{I}"

    def _print_ZeroMatrix(self, e) -> str:
        return r"\mathbf{0}"

    def _print_Trace(self, e) -> str:
        return rf"\operatorname{{tr}}\left({self._print(e.arg)}\right)"

    def _print_Inverse(self, e) -> str:
        return self.paren(e.arg, ATOM) + "^{-1}"

    def _print_MatPow(self, e) -> str:
        return self.paren(e.base, ATOM) + f"^{{{e.exp}}}"

    def _print_Determinant(self, e) -> str:
        return rf"\det\left({self._print(e.arg)}\right)"

    def _print_DiagonalOf(self, e) -> str:
        return rf"\operatorname{{diag}}\left({self._print(e.arg)}\right)"

    def _source_Name(self, n: Name) -> str:
        return self.tex_name(n.id, bold=n.id in self.ctx.matrices)

    def _source_Neg(self, n: Neg) -> str:
        return "-" + self._source_operand(n.operand)

    def _source_Transpose(self, n: TransposeNode) -> str:
        inner = self._source_operand(n.operand)
        if isinstance(n.operand, TransposeNode) or (isinstance(n.operand, BinOp)
                                                    and n.operand.op == "**"):
            inner = rf"\left({inner}\right)"  # no double superscript
        return inner + self.T

    def _source_Call(self, n: Call) -> str:
        arg = ", ".join(self._print(a) for a in n.args)
        if n.func == "sqrt":
            return rf"\sqrt{{{arg}}}"
        name = self.TEX_FUNCTIONS.get(n.func, n.func)
        if n.axis is not None:
            return rf"{name}_{{{n.axis}}}\left({arg}\right)"
        return rf"{name}\left({arg}\right)"

    SOURCE_OPS = {"+": " + ", "-": " - ", "*": r" \circ ", "/": r" \oslash ", "@": " ",
                  "**": "^"}

    def _source_BinOp(self, n: BinOp) -> str:
        if n.op == "**":
            base = self._source_operand(n.left, n)
            if isinstance(n.left, TransposeNode) or (isinstance(n.left, BinOp)
                                                     and n.left.op == "**"):
                base = rf"\left({base}\right)"  # no double superscript
            circ = "" if self.is_scalar_node(n.left) else r"\circ "
            return base + "^{" + circ + self._print(n.right) + "}"
        return super()._source_BinOp(n)

    def _source_operand(self, node, parent=None, right: bool = False) -> str:
        text = super()._source_operand(node, parent, right)
        if text.startswith("(") and text.endswith(")"):
            return rf"\left({text[1:-1]}\right)"
        return text
