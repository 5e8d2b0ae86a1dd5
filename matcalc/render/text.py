"""``TextPrinter``: Unicode for a terminal, as the seed articles write it on paper:
c_kl = Σ_p a_kp b_pl, ∂L/∂C Bᵀ, A ∘ B, 𝟏. One ``_print_<ClassName>`` per node type.
"""

from __future__ import annotations

import sympy
from sympy import Expr, Integer, KroneckerDelta, Mul, Pow, Rational, Sum, Symbol

from .. import ops
from ..calculus.matrices import diagonal_of, is_negative, negated
from ..index.reshape import MAPS, Mod, View
from ..index.symbols import (
    UPSTREAMS,
    BatchSum,
    Element,
    Index,
    Partial,
    ScalarGrad,
    Slice,
    TensorSymbol,
    TensorUpstream,
    UpstreamGrad,
    literal_grid,
)
from ..index.vec import Vec, Vech
from ..language.program import BinOp, Call, Item, Name, Neg, Number, Reshape, Size, Stack
from ..language.program import Transpose as TransposeNode
from ..ops.maps import Gradient, Jacobian, MapDerivative
from .names import layer_superscript, unicode_name
from .printers import (
    ADD,
    ATOM,
    MUL,
    POW,
    SUM_LAST,
    SUPERSCRIPTS,
    Printer,
    decimal_power,
)


class TextPrinter(Printer):
    """Unicode for terminals: c_kl = Σ_p a_kp b_pl, ∂L/∂C Bᵀ."""

    times = " "

    # numbers and scalars
    def _print_Integer(self, e: Integer) -> str:
        return str(e).replace("-", "−")

    def _print_Rational(self, e: Rational) -> str:
        decimal = decimal_power(e)
        if decimal is not None:  # 0.001 as written; 1e-5 as 10⁻⁵
            p, k = decimal
            if abs(p) == 1 and k >= 5:
                return ("−" if p < 0 else "") + "10⁻" + str(k).translate(SUPERSCRIPTS)
            return f"{p / 10 ** k:.{k}f}".replace("-", "−")
        return f"{self._print(e.p)}/{e.q}"

    def _print_Float(self, e) -> str:
        return str(float(e))

    def _print_int(self, e: int) -> str:
        return str(e).replace("-", "−")

    def _print_NegativeOne(self, e) -> str:
        return "−1"

    def _print_Half(self, e) -> str:
        return "1/2"

    def uname(self, name: str) -> str:
        """How text shows a name: gamma → γ, W1 → W1 (or W⁽¹⁾ with layers="superscript")."""
        if self.ctx.notation.get("layers") == "superscript":
            return layer_superscript(name)
        return unicode_name(name)

    def name_shown(self, name: str) -> str:
        return self.uname(name)

    def _print_Symbol(self, e: Symbol) -> str:
        return self.uname(e.name)

    def _print_Exp1(self, e) -> str:
        return "e"

    def _print_Pi(self, e) -> str:
        return "π"

    def _print_Index(self, e: Index) -> str:
        return e.name

    # entries
    def _print_Element(self, e: Element) -> str:
        m = e.matrix.tensor if isinstance(e.matrix, Slice) else e.matrix  # (A_β)_ij: a_βij
        sub = self.index_text(self.indices(e))
        if isinstance(m, View):  # (∂L/∂Q.reshape(b, t, d))_{β,τ,j}
            return f"({self._print(m)})_{sub}"
        if isinstance(m, (UpstreamGrad, TensorUpstream)):
            return f"∂{self.loss}/∂{self.uname(self.element_name(m.name))}" + \
                (f"_{sub}" if sub else "")
        if isinstance(m, Gradient):  # ∂y/∂x_ij, an entry of ∂y/∂x
            return f"∂{self.uname(m.of)}/∂{self.uname(self.element_name(m.by))}_{sub}"
        if isinstance(m, Jacobian):  # ∂y_k/∂x_i, an entry of ∂y/∂x
            return f"∂{self.uname(self.element_name(m.of))}_{self.index_text([e.row])}/" \
                   f"∂{self.uname(self.element_name(m.by))}_{self.index_text([e.col])}"
        if isinstance(m, (sympy.MatrixSymbol, TensorSymbol)):
            return self.uname(self.element_name(m.name)) + (f"_{sub}" if sub else "")
        inner = self._print(m)
        return f"({inner})_{sub}" if sub else inner  # a 1×1 product is a scalar

    def _print_Partial(self, e: Partial) -> str:
        top = e.expr
        if isinstance(top, Partial):  # a second derivative: ∂²f/∂x_i ∂x_j
            return f"∂²{self._print(top.expr)}/∂{self._print(top.var)} ∂{self._print(e.var)}"
        if self.is_gradient(e):  # ∇_X L: a scalar by a vector or a matrix
            return f"∇_{self._print(e.var)} {self._print(top)}"
        shown = self.written(top)
        if not isinstance(top, (Symbol, Element, sympy.Function, sympy.MatrixSymbol, Vec,
                                Vech)) and \
                not (isinstance(top, sympy.Transpose) and isinstance(top.arg, Vec)) or \
                hasattr(top, "_matcalc_print") or (
                isinstance(top, Element) and isinstance(top.matrix, UPSTREAMS)):
            shown = f"({shown})"
        d = self.D if self.ordinary(top, e.var) else self.PARTIAL
        return f"{d}{shown}/{d}{self._print(e.var)}"

    # an ordinary derivative's d (dR/dθ: a function of one scalar), a partial's ∂
    D, PARTIAL = "d", "∂"

    def _print_KroneckerDelta(self, e: KroneckerDelta) -> str:
        return "δ_" + self.index_text(list(e.args))

    def _print_Sum(self, e: Sum) -> str:
        if self.ctx.notation.get("limits") == "on":  # Σ_{k=1}^{m}
            signs = " ".join(f"Σ_{{{self._print(i)}=1}}^{{{self._print(hi + 1)}}}"
                             for i, lo, hi in e.limits)
        else:
            signs = " ".join(f"Σ_{self._print(limit[0])}" for limit in e.limits)
        return f"{signs} {self.paren(e.function, MUL)}"

    # algebra
    def _print_Add(self, e: sympy.Add) -> str:
        terms = self.ordered_terms(e)
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
        if e in getattr(self.ctx.written, "fractions", ()):  # a route's (a/b) (c/d)
            return self.product_of_fractions(e)
        coeff, rest = e.as_coeff_Mul() if e.is_commutative else (Integer(1), e)
        if coeff < 0:
            return "−" + self.paren(Mul(-coeff, rest, evaluate=False) if coeff != -1 else rest,
                                    MUL)
        factors = list(rest.args) if isinstance(rest, sympy.Mul) else [rest]
        numerator = [f for f in factors if not _is_reciprocal(f)]
        denominator = [f.base if f.exp == -1 else Pow(f.base, -f.exp) for f in factors
                       if _is_reciprocal(f)]
        plain = numerator and all(isinstance(f, Symbol) and not isinstance(f, Index)
                                  for f in numerator)
        if coeff != 1 and (denominator or plain) and coeff.is_Rational and \
                (denominator or not coeff.is_Integer):  # (1/2) a / s = a / (2 s); N/2
            if coeff.p != 1:
                numerator.insert(0, Integer(coeff.p))
            if coeff.q != 1:
                denominator.insert(0, Integer(coeff.q))
        elif coeff != 1:
            numerator.insert(0, coeff)
        top = self.product(self.ordered_factors(numerator, e)) if numerator else "1"
        if not denominator:
            return top
        return self.fraction(top, numerator, self.ordered_factors(denominator, e))

    def product_of_fractions(self, e: sympy.Mul) -> str:
        """(a/b) (c/d), each fraction in parentheses, as seed 003 writes
        ((1 + e^{−x} − 1)/(1 + e^{−x})) (1/(1 + e^{−x})): a product sympy would make one
        fraction, built unevaluated by a route that means it as a product."""
        return " ".join(self.wrap(self._print(a)) if _is_fraction(a) else self.paren(a, MUL)
                        for a in self.ordered_factors(list(e.args), e))

    def fraction(self, top: str, numerator: list, denominator: list) -> str:
        if len(numerator) > 1:
            top = f"({top})"
        bottom = self.product(denominator)
        # a lone sum is bracketed by product() already: 2/(1 + c), never 2/((1 + c))
        if len(denominator) > 1 or MUL <= self.precedence(denominator[0]) < POW:
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

    # how a function is written: its operation's name (σ), or a format of its own
    # (the Iverson bracket [x > 0], |x|)
    SPELLING_FIELD, FORMAT_FIELD = "text", "text_format"
    CALL = "{name}({arg})"

    def call(self, name: str, arg: str) -> str:
        """f(x), spelled as the operation's record says for this printer."""
        op = ops.find(name)
        if op is None:
            return self.CALL.format(name=name, arg=arg)
        own = getattr(op, self.FORMAT_FIELD)
        if own is not None:
            return own.format(arg)
        return self.CALL.format(name=op.spelled(self.SPELLING_FIELD), arg=arg)

    def _print_Function(self, e) -> str:
        op = ops.of_node(e)
        return self.call(op.name if op is not None else type(e).__name__,
                         ", ".join(self._print(a) for a in e.args))

    # the indicators a kink's derivative makes: [x − y > 0], or 𝟙(x > y) (--indicator one)
    ONE, GEQ = "𝟙({})", "≥"

    def _print_step(self, e) -> str:
        return self.indicator(e, ">")

    def _print_step_closed(self, e) -> str:
        return self.indicator(e, self.GEQ)

    def indicator(self, e, relation: str) -> str:
        """𝟙(a > b) for step(a − b), 𝟙(u > 0) for step(u), with --indicator one; the
        Iverson bracket of the operation's record otherwise."""
        if self.ctx.notation.get("indicator") != "one":
            return self._print_Function(e)
        u = e.args[0]
        sides = (u, Integer(0))
        if isinstance(u, sympy.Add) and len(u.args) == 2 and \
                sum(is_negative(t) for t in u.args) == 1:
            (above,) = [t for t in u.args if not is_negative(t)]
            (below,) = [negated(t) for t in u.args if is_negative(t)]
            sides = (above, below)
        return self.ONE.format(f"{self._print(sides[0])} {relation} {self._print(sides[1])}")

    def divide(self, top: str, bottom: str) -> str:
        return f"{top}/{bottom}"

    def sum_over(self, indices, body: str, sizes=None) -> str:
        """Σ_q body; with the notation's limits and the sizes, Σ_{q=1}^{n} body."""
        if sizes is not None and self.ctx.notation.get("limits") == "on":
            return " ".join(f"Σ_{{{self._print(i)}=1}}^{{{self._print(n)}}}"
                            for i, n in zip(indices, sizes)) + " " + body
        return " ".join(f"Σ_{self._print(i)}" for i in indices) + " " + body

    def max_over(self, index, body: str) -> str:
        return f"max_{self._print(index)} {body}"

    def bracket(self, statement: str) -> str:
        """Iverson's bracket: 1 where the statement holds, else 0."""
        return f"[{statement}]"

    def named(self, name: str, gradient: str) -> str:
        """Δ1 ≡ ∂L/∂Z1 where the program writes ∂L/∂Z1 as Δ1 (seed 001 eq. 38)."""
        alias = self.ctx.aliases.get(name)
        return gradient if alias is None else f"{self.alias(alias)} {self.EQUIV} {gradient}"

    EQUIV = "≡"

    def alias(self, alias: str) -> str:
        return self.uname(alias)

    def _print_ScalarGrad(self, e: ScalarGrad) -> str:
        if e.of in self.ctx.aliases:
            return self.uname(self.ctx.aliases[e.of])
        d = self.D if self.ordinary(self.ctx.loss, Symbol(e.of)) else self.PARTIAL
        return f"{d}{self.loss}/{d}{self.uname(e.of)}"

    def _print_Nabla(self, e) -> str:
        return f"∇_{self.uname(e.by)} {self.uname(e.of)}"

    def _print_MapDerivative(self, e: MapDerivative) -> str:
        """dy/dx of a declared map from a scalar (∂ where y is not a function of x alone)."""
        d = self.D if self.ordinary(e.of, Symbol(e.by)) else self.PARTIAL
        return f"{d}{self.uname(e.of)}/{d}{self.uname(e.by)}"

    # matrices
    def _print_MatrixSymbol(self, e) -> str:
        return self.uname(e.name)

    def _print_Jacobian(self, e) -> str:
        return f"∂{self.uname(e.of)}/∂{self.uname(e.by)}"

    def _print_Rows(self, e) -> str:
        """x for X: x_p is row p of X (a column), an example of the batch."""
        return self.uname(self.element_name(e.name))

    def _print_TensorSymbol(self, e) -> str:
        return self.uname(e.name)

    def _print_TensorUpstream(self, e) -> str:
        return self._print_UpstreamGrad(e)

    def _print_Slice(self, e: Slice) -> str:
        """A_β, ∂L/∂C_β: one matrix of the stack."""
        if isinstance(e.tensor, View):
            return f"({self._print(e.tensor)})_{self.index_text(list(e.labels))}"
        return f"{self._print(e.tensor)}_{self.index_text(list(e.labels))}"

    def _print_BatchSum(self, e: BatchSum) -> str:
        """Σ_β M: a shared weight's gradient summed over the batch."""
        over = "".join(f"Σ_{self._print(limit[0])} " for limit in e.limits)
        return over + self.paren(e.matrix, MUL)

    # a reshape's index map (``index.reshape``)
    def _print_Joint(self, e) -> str:
        """ηk+κ."""
        high = self._print(e.high)
        high = f"({high})" if isinstance(e.high, Mod) else high  # (j mod g)f + …
        return f"{high}{self._print(e.minor)}+{self._print(e.low)}"

    def _print_Div(self, e) -> str:
        return f"⌊{self.bracketed_index(e.args[0])}/{self._print(e.minor)}⌋"

    def _print_Mod(self, e) -> str:
        return f"{self.bracketed_index(e.args[0])} mod {self._print(e.minor)}"

    def bracketed_index(self, j) -> str:
        """j, or (κh+η) where j is itself an index map: ⌊(κh+η)/k⌋."""
        text = self._print(j)
        return f"({text})" if isinstance(j, MAPS) else text

    def _print_View(self, e) -> str:
        """(∂L/∂Q).transpose(0, 2, 1, 3).reshape(b, t, d): numpy's chain, as a reader who
        writes it would."""
        base = self._print(e.base)
        if not isinstance(e.base, (sympy.MatrixSymbol, TensorSymbol)):
            base = f"({base})"
        return base + "".join(self.view_step(kind, arg) for kind, arg in e.steps)

    def view_step(self, kind: str, arg: tuple) -> str:
        shown = arg if kind == "transpose" else [self._print(d) for d in arg]
        return f".{kind}({', '.join(map(str, shown))})"

    def _print_UpstreamGrad(self, e) -> str:
        if e.name in self.ctx.aliases:  # Δ ≡ ∂L/∂Z
            return self.uname(self.ctx.aliases[e.name])
        if self.nabla:  # ∇_Z L (seeds 002 and 004)
            return f"∇_{self.uname(e.name)} {self.loss}"
        return f"∂{self.loss}/∂{self.uname(e.name)}"

    def _print_Transpose(self, e) -> str:
        if isinstance(e.arg, sympy.Inverse):
            return self.paren(e.arg.arg, ATOM) + "⁻ᵀ"
        return self.paren(e.arg, ATOM) + "ᵀ" if not self.spelled_out(e.arg) else \
            f"({self._print(e.arg)})ᵀ"

    def _print_MatMul(self, e) -> str:
        args = list(e.args)
        sign = ""
        if not args[0].is_Matrix and is_negative(args[0]):
            sign, args[0] = "−", -args[0]
            if args[0] == 1:
                args = args[1:]
        parts = [self.paren(a, MUL + 1) for a in args]
        if sign and len(args) == 1 and isinstance(args[0], sympy.HadamardProduct) and \
                type(self.hadamard_order(args[0].args)[0]) is sympy.MatrixSymbol:
            parts = [self._print(args[0])]  # −B ∘ X, as seed 001 eq. 31: (−B) ∘ X = −(B ∘ X)
        if not args[0].is_Matrix and "/" in parts[0] and not parts[0].startswith("("):
            parts[0] = self.wrap(parts[0])  # (1/s) (x − a), never 1/s (x − a)
        return sign + self.matmul_join(args, parts)

    def matmul_join(self, args, parts) -> str:
        parts = self.nabla_grouped(args, parts)
        out = parts[0]
        for n in range(1, len(parts)):
            if isinstance(args[n - 1], sympy.OneMatrix) and \
                    isinstance(args[n], sympy.OneMatrix) and args[n].shape[0] == 1:
                parts[n] = self.ones_row_symbol()  # 𝟏𝟏ᵀ stays a symbol under --ones row
            out += self.separator_matmul(args[n - 1], args[n]) + parts[n]
        return out

    def separator_matmul(self, before, after) -> str:
        if isinstance(before, sympy.OneMatrix) and isinstance(after, sympy.OneMatrix):
            return ""  # 𝟏𝟏ᵀ
        return " "

    def _print_HadamardProduct(self, e) -> str:
        vector = diagonal_of(e)
        if vector is not None:  # I ∘ v 𝟏ᵀ
            return self.call("diag", self._print(vector))
        split = self.divided(e)
        if split is not None:  # T ∘ P^∘⁻¹ as T ⊘ P
            top, bottom = split
            return f"{top} ⊘ {bottom}"
        args = self.hadamard_order(e.args)
        return " ∘ ".join(self.nabla_grouped(args, [self.paren(a, MUL + 1) for a in args]))

    HADAMARD = " ∘ "

    def divided(self, e) -> tuple[str, str] | None:
        """With the notation's division "fraction": a Hadamard product's factors with
        power −1 as the divisor (T ∘ P^∘⁻¹ → T, P), else None."""
        if self.ctx.notation.get("division") != "fraction":
            return None
        below = [a for a in e.args if isinstance(a, sympy.HadamardPower) and a.exp == -1]
        above = [a for a in e.args if a not in below]
        if not below or not above:
            return None
        def side(parts, power):
            shown = [a.base if power else a for a in parts]
            return self.HADAMARD.join(self.paren(a, MUL + 1) for a in self.hadamard_order(shown)) \
                if len(shown) > 1 else self.paren(shown[0], MUL + 1)
        return side(above, False), side(below, True)

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

    def ones_row_symbol(self) -> str:
        return "𝟏ᵀ"

    def _print_OneMatrix(self, e) -> str:
        rows, cols = e.shape
        if rows == 1:
            return "[1, ⋯, 1]" if self.ctx.notation.get("ones") == "row" else \
                self.ones_row_symbol()
        if cols == 1:
            return "𝟏"
        return "𝟏𝟏ᵀ"

    def _print_Identity(self, e) -> str:
        return "I"

    # the vec convention (``index.vec``)
    def _print_KroneckerProduct(self, e) -> str:
        return self.KRON.join(self.paren(a, MUL + 1) for a in e.args)

    KRON = " ⊗ "

    def _print_Vec(self, e) -> str:  # rvec: the rows stacked (numpy's order)
        return self.CALL.format(name="vec" if e.order == "columns" else "rvec",
                                arg=self._print(e.arg))

    def _print_VecIndex(self, e) -> str:
        return f"({','.join(self._print(i) for i in e.pair)})"

    def _print_Vech(self, e) -> str:
        return self.CALL.format(name="vech", arg=self._print(e.arg))

    def _print_Commutation(self, e) -> str:
        return f"K_{self.index_text(list(e.sizes))}"

    def _print_Duplication(self, e) -> str:
        return f"D_{self._print(e.args[0])}"

    def _print_ZeroMatrix(self, e) -> str:
        return "0"

    def _print_Apply(self, e) -> str:
        return self.call(e.name, self._print(e.arg))

    def _print_Trace(self, e) -> str:
        return self.call("trace", self._print(e.arg))

    def _print_Inverse(self, e) -> str:
        return self.paren(e.arg, ATOM) + "⁻¹"

    def _print_MatPow(self, e) -> str:
        return self.paren(e.base, ATOM) + str(e.exp).translate(SUPERSCRIPTS)

    def _print_Determinant(self, e) -> str:
        return self.call("det", self._print(e.arg))

    def _print_DiagonalOf(self, e) -> str:
        return self.call("diag", self._print(e.arg))

    def _print_Broadcast(self, e) -> str:
        """c 𝟏ᵀ written as the column c, broadcast (seed 001: diag(∂L/∂B Bᵀ))."""
        return self.paren(e.column, ATOM)

    def _print_Written(self, e) -> str:
        """A product in the order the article writes it."""
        return self.product(list(e.args))

    def _print_MatrixLine(self, e) -> str:
        """A step at the matrix level: the matrix, not its entry (M)_ij."""
        return self._print(e.matrix)

    # program expressions (forward definitions)
    def visit_Name(self, n: Name) -> str:
        return self.uname(n.id)

    def visit_Item(self, n) -> str:
        """x[0] is x_1; (D @ w)[1] is (D w)_2."""
        if isinstance(n.of, Name):
            return f"{self.uname(n.of.id)}_{self.entry_number(n.index)}"
        if isinstance(n.of, Call):
            return f"{self._print(n.of)}_{self.entry_number(n.index)}"
        return f"({self._print(n.of)})_{self.entry_number(n.index)}"

    def visit_Stack(self, n) -> str:
        """(a, b) for a vector, [a, b; c, d] for a matrix (rows apart by ';')."""
        if isinstance(n.items[0], Stack):
            return "[" + "; ".join(", ".join(self._print(e) for e in row.items)
                                   for row in n.items) + "]"
        return "(" + ", ".join(self._print(e) for e in n.items) + ")"

    def _print_Pick(self, e) -> str:
        """(e_1, e_2, …)_k; a matrix written out, [a, b; c, d]_kl"""
        k, *items = e.args
        grid = literal_grid(e)
        if grid is not None:
            body = "; ".join(", ".join(self._print(x) for x in row) for row in grid)
            return f"[{body}]_" + self.index_text([k, items[0].args[0]])
        return "(" + ", ".join(self._print(i) for i in items) + ")_" + self._print(k)

    def _print_ImmutableDenseMatrix(self, e) -> str:
        """[a, b; c, d]: rows apart by ';' (a column is [a; b])."""
        return "[" + "; ".join(", ".join(self._print(x) for x in e.row(r))
                               for r in range(e.rows)) + "]"

    def visit_Size(self, n: Size) -> str:
        return self.name_shown(n.id)

    def visit_Number(self, n: Number) -> str:
        return repr(n.value)

    def visit_Neg(self, n: Neg) -> str:
        return "−" + self._source_operand(n.operand)

    def visit_Reshape(self, n: Reshape) -> str:
        dims = [self.name_shown(d) if isinstance(d, str) else str(d) for d in n.dims]
        return self._source_operand(n.operand) + f".reshape({', '.join(dims)})"

    def visit_Transpose(self, n: TransposeNode) -> str:
        if n.axes is not None:  # numpy's permutation of a stack's axes, as written
            return self._source_operand(n.operand) + n.written
        return self._source_operand(n.operand) + "ᵀ"

    def visit_Call(self, n: Call) -> str:
        arg = ", ".join(self._print(a) for a in n.args)
        if n.spec is not None:  # einsum("ij,jk->ik", A, B), as written
            return f'{ops.get(n.func).spelled("text")}("{n.spec}", {arg})'
        if n.axis is not None:
            kept = ", keepdims=True" if n.keepdims else ""
            return f"{ops.get(n.func).spelled('text')}({arg}, axis={n.axis}{kept})"
        return self.call(n.func, arg)

    SOURCE_OPS = {"+": " + ", "-": " − ", "*": " ∘ ", "/": " / ", "@": " ", "**": "^"}

    def visit_BinOp(self, n: BinOp) -> str:
        if n.op == "**" and self.is_scalar_node(n.left) and isinstance(n.right, Number) and \
                isinstance(n.right.value, int) and n.right.value >= 0:
            return self._source_operand(n.left, n) + str(n.right.value).translate(SUPERSCRIPTS)
        if n.op == "**":
            power = "^∘" if not self.is_scalar_node(n.left) else "^"
            return self._source_operand(n.left, n) + power + self._source_operand(n.right, n)
        op = self.SOURCE_OPS[n.op]
        left, right = n.left, n.right
        if n.op == "@" and isinstance(right, TransposeNode) and right.axes is None and \
                isinstance(right.operand, Name) and right.operand.id in self.ctx.vectors:
            right = right.operand  # x @ x.T: numpy's .T of a 1-D x is x itself, xᵀ x
        if n.op == "@" and isinstance(left, Name) and left.id in self.ctx.vectors:
            return self.visit_Transpose(TransposeNode(left, left.pos)) + op + \
                self._source_operand(right, n, right=True)  # xᵀ A x: a 1-D left operand
        if n.op == "/" and self.is_scalar_node(right):
            op = " / "  # a division by a number is no Hadamard division
        if n.op == "*" and (self.is_scalar_node(left) or self.is_scalar_node(right)):
            op = " "  # a scalar times a matrix is no Hadamard product: 2 A
            if self.is_scalar_node(right) and not self.is_scalar_node(left):
                left, right = right, left
        return (self._source_operand(left, n) + op + self._source_operand(right, n, right=True))

    def is_scalar_node(self, node) -> bool:
        """A number, a dimension, a scalar name, arithmetic on them (m n, 2 λ), or any
        expression of the program whose shape is () (norm(x), sum(A))."""
        if id(node) in self.ctx.scalar_nodes:
            return True
        if isinstance(node, Neg):
            return self.is_scalar_node(node.operand)
        if isinstance(node, BinOp) and node.op != "@":
            return self.is_scalar_node(node.left) and self.is_scalar_node(node.right)
        return isinstance(node, (Number, Size, Item)) or (isinstance(node, Name) and
                                                  node.id not in self.ctx.matrices)

    def _source_operand(self, node, parent: BinOp | None = None, right: bool = False) -> str:
        text = self._print(node)
        if isinstance(node, BinOp) and (parent is None or _source_level(node) < _source_level(
                parent) or (right and _source_level(node) == _source_level(parent))):
            return f"({text})"
        if isinstance(node, BinOp) and parent is not None and parent.op == "@" and (
                node.op == "/" or (node.op == "*" and not self.is_scalar_node(node.left)
                                   and not self.is_scalar_node(node.right))):
            return f"({text})"  # (γ ∘ X) Σ: a product reads as binding tighter than ∘
        if isinstance(node, Neg) and parent is not None:
            return f"({text})"
        return text


def _source_level(node: BinOp) -> int:
    return {"+": 1, "-": 1, "*": 2, "/": 2, "@": 2, "**": 3}[node.op]


def _is_reciprocal(f: Expr) -> bool:
    return isinstance(f, Pow) and f.exp.is_negative and f.exp.is_number


def _is_fraction(f: Expr) -> bool:
    """A product with a reciprocal in it, nested in a product (only a route, building it
    unevaluated, nests products)."""
    return isinstance(f, sympy.Mul) and any(_is_reciprocal(a) for a in f.args)


def _is_upstream(e: Expr) -> bool:
    return isinstance(e, Element) and isinstance(e.matrix, UPSTREAMS)
