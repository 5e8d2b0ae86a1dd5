"""``LatexPrinter``: the text printer's expressions for KaTeX and MathJax (bold matrices,
``^{\\mathsf{T}}``, ``\\circ``, ``\\sum_{p}``); only what is spelled differently is overridden.
"""

from __future__ import annotations

import sympy
from sympy import Expr, Integer, KroneckerDelta, Mul, Pow, Rational, Sum, Symbol

from .. import ops
from ..calculus.matrices import diagonal_of
from ..index.reshape import Mod, View
from ..index.symbols import (
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
from ..index.vec import Duplication, Vec, Vech
from ..language.program import BinOp, Call, Name, Neg, Stack
from ..language.program import Transpose as TransposeNode
from ..ops.maps import Gradient, Jacobian, MapDerivative
from .names import split, tex_index, tex_letters
from .printers import ATOM, MUL, POW, decimal_power
from .text import TextPrinter, _is_upstream


class LatexPrinter(TextPrinter):
    """LaTeX for KaTeX and MathJax: \\mathbf{A}, ^{\\mathsf{T}}, \\circ, \\sum_{p}."""

    HADAMARD = r" \circ "
    TRANSPOSES = {"mathsf": r"^{\mathsf{T}}", "top": r"^{\top}", "T": r"^{T}"}
    BOLD = {"mathbf": r"\mathbf", "bm": r"\bm", "plain": ""}

    @property
    def T(self) -> str:  # noqa: N802 - the transpose's superscript, as the notation says
        return self.TRANSPOSES[self.ctx.notation.get("transpose", "mathsf")]

    def bold(self, letters: str, greek: bool = False) -> str:
        """\\mathbf{A} (\boldsymbol{\\Sigma}), \bm{A}, or A, as the notation says."""
        style = self.ctx.notation.get("bold", "mathbf")
        if style == "plain":
            return letters
        if style == "bm":
            return rf"\bm{{{letters}}}"
        return rf"\boldsymbol{{{letters}}}" if greek else rf"\mathbf{{{letters}}}"

    def wrap(self, text: str) -> str:
        return rf"\left({text}\right)"

    def precedence(self, expr) -> int:
        """A Hadamard quotient set as \\frac{Y}{B} is an atom: −Y/B, as seed 001 eq. 30
        writes it, not −(Y/B) (the fraction bar groups it)."""
        if isinstance(expr, sympy.HadamardProduct) and self.divided(expr) is not None:
            return ATOM
        return super().precedence(expr)

    def tex_name(self, name: str, bold: bool) -> str:
        """W1 → \\mathbf{W}_{1}; gamma → \\gamma; Sigma (a matrix) → \\boldsymbol{\\Sigma}."""
        base, sub = split(name)
        shown, greek = tex_letters(base)
        if not greek:
            shown = shown.replace("_", r"\_")
            if len(base) > 1 and not bold:
                shown = rf"\mathrm{{{shown}}}"
        if bold:
            shown = self.bold(shown, greek)
        if sub and self.ctx.notation.get("layers") == "superscript":
            return shown + f"^{{({sub})}}"
        return shown + (f"_{{{sub}}}" if sub else "")

    def name_shown(self, name: str) -> str:
        return self.tex_name(name, bold=False)

    def _print_Integer(self, e: Integer) -> str:
        return str(e)

    def _print_int(self, e: int) -> str:
        return str(e)

    def _print_NegativeOne(self, e) -> str:
        return "-1"

    def _print_Rational(self, e: Rational) -> str:
        sign = "-" if e.p < 0 else ""
        decimal = decimal_power(e)
        if decimal is not None:  # 0.001 as written; 1e-5 as 10^{-5}
            p, k = decimal
            if abs(p) == 1 and k >= 5:
                return rf"{sign}10^{{-{k}}}"
            return f"{p / 10 ** k:.{k}f}"
        return rf"{sign}\frac{{{abs(e.p)}}}{{{e.q}}}"

    def _print_Half(self, e) -> str:
        return r"\frac{1}{2}"

    def _print_Exp1(self, e) -> str:
        return r"e"

    def _print_Pi(self, e) -> str:
        return r"\pi"

    def _print_Symbol(self, e: Symbol) -> str:
        return self.tex_name(e.name, bold=False)

    def _print_Index(self, e: Index) -> str:
        return tex_index(e.name)

    def _entry(self, name: str, sub: str) -> str:
        """a_{ij}; w1 → w_{1,ij}; gamma → \\gamma_{j}."""
        base, extra = split(name)
        layer = ""
        if extra and self.ctx.notation.get("layers") == "superscript":
            layer, extra = f"^{{({extra})}}", ""  # z^{(1)}_{kl}
        if extra:
            sub = f"{extra},{sub}" if sub else extra
        shown, greek = tex_letters(base)
        if not greek:
            shown = shown.replace("_", r"\_")
            if len(base) > 1:
                shown = rf"\mathrm{{{shown}}}"
        return f"{shown}{layer}_{{{sub}}}" if sub else shown + layer

    def _print_Element(self, e: Element) -> str:
        m = e.matrix.tensor if isinstance(e.matrix, Slice) else e.matrix  # (A_β)_ij: a_βij
        sub = self.index_text(self.indices(e))
        if isinstance(m, View):
            return rf"\left({self._print(m)}\right)_{{{sub}}}"
        if isinstance(m, (UpstreamGrad, TensorUpstream)):
            entry = self._entry(self.element_name(m.name), sub)
            return rf"\frac{{\partial {self.loss}}}{{\partial {entry}}}"
        if isinstance(m, Gradient):  # ∂y/∂x_ij, an entry of ∂y/∂x
            bottom = self._entry(self.element_name(m.by), sub)
            return rf"\frac{{\partial {self.tex_name(m.of, False)}}}{{\partial {bottom}}}"
        if isinstance(m, Jacobian):  # ∂y_k/∂x_i, an entry of ∂y/∂x
            top = self._entry(self.element_name(m.of), self.index_text([e.row]))
            bottom = self._entry(self.element_name(m.by), self.index_text([e.col]))
            return rf"\frac{{\partial {top}}}{{\partial {bottom}}}"
        if isinstance(m, (sympy.MatrixSymbol, TensorSymbol)):
            return self._entry(self.element_name(m.name), sub)
        inner = self._print(m)
        return rf"\left({inner}\right)_{{{sub}}}" if sub else inner

    def _print_Partial(self, e: Partial) -> str:
        top = e.expr
        if isinstance(top, Partial):
            return (rf"\frac{{\partial^2 {self._print(top.expr)}}}"
                    rf"{{\partial {self._print(top.var)} \, \partial {self._print(e.var)}}}")
        if self.is_gradient(e):  # ∇_X L: a scalar by a vector or a matrix
            return rf"\nabla_{{{self._print(e.var)}}} {self._print(top)}"
        shown = self.written(top)
        if not isinstance(top, (Symbol, Element, sympy.Function, sympy.MatrixSymbol, Vec,
                                Vech)) and \
                not (isinstance(top, sympy.Transpose) and isinstance(top.arg, Vec)) or \
                hasattr(top, "_matcalc_print"):
            shown = rf"\left({shown}\right)"
        d = self.D if self.ordinary(top, e.var) else self.PARTIAL
        return rf"\frac{{{d} {shown}}}{{{d} {self._print(e.var)}}}"

    D, PARTIAL = r"\mathrm{d}", r"\partial"

    def _print_KroneckerDelta(self, e: KroneckerDelta) -> str:
        return rf"\delta_{{{self.index_text(list(e.args))}}}"

    def _print_Sum(self, e: Sum) -> str:
        if self.ctx.notation.get("limits") == "on":  # Σ_{k=1}^{m}: the range, counted from 1
            signs = " ".join(rf"\sum_{{{self._print(i)}=1}}^{{{self._print(hi + 1)}}}"
                             for i, lo, hi in e.limits)
        else:
            signs = " ".join(rf"\sum_{{{self._print(limit[0])}}}" for limit in e.limits)
        return f"{signs} {self.paren(e.function, MUL)}"

    def _print_Add(self, e: sympy.Add) -> str:
        return super()._print_Add(e).replace("−", "-")

    def _print_Mul(self, e: sympy.Mul) -> str:
        return super()._print_Mul(e).replace("−", "-")

    def fraction(self, top: str, numerator: list, denominator: list) -> str:
        """\frac{1 + e^{-x} - 1}{1 + e^{-x}}: a lone sum above or below the bar needs no
        parentheses (the bar groups it)."""
        if len(numerator) == 1 and isinstance(numerator[0], sympy.Add):
            top = self._print(numerator[0])
        if len(denominator) == 1 and isinstance(denominator[0], sympy.Add):
            return rf"\frac{{{top}}}{{{self._print(denominator[0])}}}"
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

    ONE, GEQ = r"\mathbb{{1}}\left({}\right)", r"\geq"

    def divide(self, top: str, bottom: str) -> str:
        return rf"\frac{{{top}}}{{{bottom}}}"

    def sum_over(self, indices, body: str, sizes=None) -> str:
        if sizes is not None and self.ctx.notation.get("limits") == "on":
            return " ".join(rf"\sum_{{{self._print(i)}=1}}^{{{self._print(n)}}}"
                            for i, n in zip(indices, sizes)) + " " + body
        return " ".join(rf"\sum_{{{self._print(i)}}}" for i in indices) + " " + body

    def max_over(self, index, body: str) -> str:
        return rf"\max_{{{self._print(index)}}} {body}"

    def bracket(self, statement: str) -> str:
        return rf"\left[{statement}\right]"

    EQUIV = r"\equiv"

    def alias(self, alias: str) -> str:
        return self.tex_name(alias, bold=True)

    def _print_ScalarGrad(self, e: ScalarGrad) -> str:
        if e.of in self.ctx.aliases:
            return self.tex_name(self.ctx.aliases[e.of], bold=False)
        d = self.D if self.ordinary(self.ctx.loss, Symbol(e.of)) else self.PARTIAL
        return rf"\frac{{{d} {self.loss}}}{{{d} {self.tex_name(e.of, False)}}}"

    SPELLING_FIELD, FORMAT_FIELD = "tex", "tex_format"
    CALL = r"{name}\left({arg}\right)"

    def _print_MatrixSymbol(self, e) -> str:
        return self.tex_name(e.name, bold=True)

    def _print_MapDerivative(self, e: MapDerivative) -> str:
        """dy/dx of a declared map from a scalar (∂ where y is not a function of x alone)."""
        d = self.D if self.ordinary(e.of, Symbol(e.by)) else self.PARTIAL
        return rf"\frac{{{d} {self.tex_name(e.of, False)}}}{{{d} {self.tex_name(e.by, False)}}}"

    def _print_Jacobian(self, e) -> str:
        return rf"\frac{{\partial {self.tex_name(e.of, True)}}}" \
               rf"{{\partial {self.tex_name(e.by, True)}}}"

    def _print_Nabla(self, e) -> str:
        return rf"\nabla_{{{self.tex_name(e.by, True)}}} {self.tex_name(e.of, False)}"

    def _print_Gradient(self, e) -> str:
        """∂y/∂x of a map to a scalar: y a scalar (not bold), x a vector or a matrix."""
        return rf"\frac{{\partial {self.tex_name(e.of, False)}}}" \
               rf"{{\partial {self.tex_name(e.by, True)}}}"

    def _print_Rows(self, e) -> str:
        """x for X: x_p is row p of X (a column), an example of the batch."""
        return self.tex_name(self.element_name(e.name), bold=True)

    def _print_TensorSymbol(self, e) -> str:
        return self.tex_name(e.name, bold=True)

    def _print_TensorUpstream(self, e) -> str:
        return self._print_UpstreamGrad(e)

    def _print_Slice(self, e: Slice) -> str:
        """A_β, ∂L/∂C_β: one matrix of the stack."""
        sub = self.index_text(list(e.labels))
        if isinstance(e.tensor, View):
            return rf"\left({self._print(e.tensor)}\right)_{{{sub}}}"
        if isinstance(e.tensor, TensorUpstream):
            name = self.tex_name(e.tensor.name, bold=True)
            return rf"\frac{{\partial {self.loss}}}{{\partial {name}_{{{sub}}}}}"
        return rf"{self._print(e.tensor)}_{{{sub}}}"

    def _print_BatchSum(self, e: BatchSum) -> str:
        """Σ_β M: a shared weight's gradient summed over the batch."""
        over = "".join(rf"\sum_{{{self._print(limit[0])}}} " for limit in e.limits)
        return over + self.paren(e.matrix, MUL)

    def _print_UpstreamGrad(self, e) -> str:
        if e.name in self.ctx.aliases:  # Δ ≡ ∂L/∂Z
            return self.tex_name(self.ctx.aliases[e.name], bold=True)
        if self.nabla:  # ∇_Z L (seeds 002 and 004)
            return rf"\nabla_{{{self.tex_name(e.name, True)}}} {self.loss}"
        return rf"\frac{{\partial {self.loss}}}{{\partial {self.tex_name(e.name, True)}}}"

    def _print_Transpose(self, e) -> str:
        if isinstance(e.arg, sympy.Inverse):
            return self.paren(e.arg.arg, ATOM) + r"^{-\mathsf{T}}"
        if isinstance(e.arg, (sympy.MatrixSymbol, sympy.Identity, Vec, Vech, Duplication)) and \
                not self.spelled_out(e.arg):
            return self._print(e.arg) + self.T
        if isinstance(e.arg, Slice) and not isinstance(e.arg.tensor, TensorUpstream):
            return self._print(e.arg) + self.T  # A_β^T
        return rf"\left({self._print(e.arg)}\right){self.T}"

    def _print_MatMul(self, e) -> str:
        return super()._print_MatMul(e).replace("−", "-")

    def separator_matmul(self, before, after) -> str:
        if isinstance(before, sympy.OneMatrix) and isinstance(after, sympy.OneMatrix):
            return ""  # 𝟏𝟏ᵀ
        return " "

    def _print_HadamardProduct(self, e) -> str:
        vector = diagonal_of(e)
        if vector is not None:  # I ∘ v 𝟏ᵀ
            return self.call("diag", self._print(vector))
        split = self.divided(e)
        if split is not None:  # T ∘ P^∘⁻¹ as \frac{T}{P}, as seed 001 writes −Y/B
            top, bottom = split
            return rf"\frac{{{top}}}{{{bottom}}}"
        args = self.hadamard_order(e.args)
        return r" \circ ".join(self.nabla_grouped(args, [self.paren(a, MUL + 1) for a in args]))

    def _print_MatAdd(self, e) -> str:
        return super()._print_MatAdd(e).replace(" − ", " - ").replace("−", "-")

    def _print_HadamardPower(self, e) -> str:
        if e.exp == Rational(1, 2):
            return rf"\sqrt{{{self._print(e.base)}}}"
        return rf"{self.paren(e.base, ATOM)}^{{\circ {self._print(e.exp)}}}"

    def ones_row_symbol(self) -> str:
        return self.bold("1") + self.T

    def _print_OneMatrix(self, e) -> str:
        rows, cols = e.shape
        if rows == 1:
            if self.ctx.notation.get("ones") == "row":  # seed 001 eq. 9's [1, ⋯, 1]
                return r"\left[1, \cdots, 1\right]"
            return self.ones_row_symbol()
        if cols == 1:
            return self.bold("1")
        return self.bold("1") + self.bold("1") + self.T

    def _print_Identity(self, e) -> str:
        return self.bold("I")

    KRON = r" \otimes "

    def _print_Vec(self, e) -> str:  # rvec: the rows stacked (numpy's order)
        name = "vec" if e.order == "columns" else "rvec"
        return rf"\operatorname{{{name}}}\left({self._print(e.arg)}\right)"

    def _print_Vech(self, e) -> str:
        return rf"\operatorname{{vech}}\left({self._print(e.arg)}\right)"

    def _print_Commutation(self, e) -> str:
        return rf"{self.bold('K')}_{{{self.index_text(list(e.sizes))}}}"

    def _print_Duplication(self, e) -> str:
        return rf"{self.bold('D')}_{{{self._print(e.args[0])}}}"

    def _print_ZeroMatrix(self, e) -> str:
        return self.bold("0")

    def _print_Inverse(self, e) -> str:
        return self.paren(e.arg, ATOM) + "^{-1}"

    def _print_MatPow(self, e) -> str:
        return self.paren(e.base, ATOM) + f"^{{{e.exp}}}"

    def visit_Name(self, n: Name) -> str:
        return self.tex_name(n.id, bold=n.id in self.ctx.matrices)

    def visit_Item(self, n) -> str:
        """x[0] is x_{1}; (D @ w)[1] is (D w)_{2}."""
        if isinstance(n.of, Name):
            return f"{self.tex_name(n.of.id, bold=False)}_{{{self.entry_number(n.index)}}}"
        if isinstance(n.of, Call):
            return f"{self._print(n.of)}_{{{self.entry_number(n.index)}}}"
        return rf"\left({self._print(n.of)}\right)_{{{self.entry_number(n.index)}}}"

    def visit_Stack(self, n) -> str:
        """(a, b) for a vector, a pmatrix for a matrix written row by row."""
        if isinstance(n.items[0], Stack):
            body = r" \\ ".join(" & ".join(self._print(e) for e in row.items)
                                 for row in n.items)
            return rf"\begin{{pmatrix}} {body} \end{{pmatrix}}"
        return r"\left(" + ", ".join(self._print(e) for e in n.items) + r"\right)"

    def _print_Pick(self, e) -> str:
        k, *items = e.args
        grid = literal_grid(e)
        if grid is not None:  # a matrix written out: its entry (k, l)
            body = r" \\ ".join(" & ".join(self._print(x) for x in row) for row in grid)
            sub = self.index_text([k, items[0].args[0]])
            return rf"\begin{{pmatrix}} {body} \end{{pmatrix}}_{{{sub}}}"
        body = r" \\ ".join(self._print(i) for i in items)
        return rf"\begin{{pmatrix}} {body} \end{{pmatrix}}_{{{self._print(k)}}}"

    def _print_ImmutableDenseMatrix(self, e) -> str:
        body = r" \\ ".join(" & ".join(self._print(x) for x in e.row(r)) for r in range(e.rows))
        return rf"\begin{{pmatrix}} {body} \end{{pmatrix}}"

    def visit_Neg(self, n: Neg) -> str:
        return "-" + self._source_operand(n.operand)

    MINUS = "-"

    def _print_Joint(self, e) -> str:
        high = self._print(e.high)
        high = rf"\left({high}\right)" if isinstance(e.high, Mod) else high
        return f"{high} {self._print(e.minor)} + {self._print(e.low)}"

    def _print_Div(self, e) -> str:
        return rf"\lfloor {self.bracketed_index(e.args[0])}/{self._print(e.minor)} \rfloor"

    def _print_Mod(self, e) -> str:
        return rf"{self.bracketed_index(e.args[0])} \bmod {self._print(e.minor)}"

    def view_step(self, kind: str, arg: tuple) -> str:
        if kind == "transpose":  # numpy's axes, as code
            return rf"\texttt{{.transpose({', '.join(map(str, arg))})}}"
        return rf"\texttt{{.reshape}}({', '.join(self._print(d) for d in arg)})"

    def _print_View(self, e) -> str:
        base = self._print(e.base)
        if not isinstance(e.base, (sympy.MatrixSymbol, TensorSymbol)):
            base = rf"\left({base}\right)"
        return base + "".join(self.view_step(kind, arg) for kind, arg in e.steps)

    def visit_Reshape(self, n) -> str:
        dims = ", ".join(self.name_shown(d) if isinstance(d, str) else str(d) for d in n.dims)
        return self._source_operand(n.operand) + rf"\texttt{{.reshape}}({dims})"

    def visit_Transpose(self, n: TransposeNode) -> str:
        inner = self._source_operand(n.operand)
        if isinstance(n.operand, TransposeNode) or (isinstance(n.operand, BinOp)
                                                    and n.operand.op == "**"):
            inner = rf"\left({inner}\right)"  # no double superscript
        if n.axes is not None:  # numpy's permutation of a stack's axes, as written
            return inner + rf"\texttt{{{n.written}}}"
        return inner + self.T

    def visit_Call(self, n: Call) -> str:
        arg = ", ".join(self._print(a) for a in n.args)
        if n.spec is not None:  # einsum_{ij,jk → ik}(A, B): its subscripts below
            given, arrow, result = n.spec.replace(" ", "").partition("->")
            spec = given.replace(",", ", ") + (rf" \to {result}" if arrow else "")
            return rf"{ops.get(n.func).spelled('tex')}_{{{spec}}}\left({arg}\right)"
        if n.axis is not None:
            return rf"{ops.get(n.func).spelled('tex')}_{{{n.axis}}}\left({arg}\right)"
        return self.call(n.func, arg)

    SOURCE_OPS = {"+": " + ", "-": " - ", "*": r" \circ ", "/": r" \oslash ", "@": " ",
                  "**": "^"}

    def visit_BinOp(self, n: BinOp) -> str:
        if n.op == "**":
            base = self._source_operand(n.left, n)
            if isinstance(n.left, TransposeNode) or (isinstance(n.left, BinOp)
                                                     and n.left.op == "**"):
                base = rf"\left({base}\right)"  # no double superscript
            circ = "" if self.is_scalar_node(n.left) else r"\circ "
            return base + "^{" + circ + self._print(n.right) + "}"
        return super().visit_BinOp(n)

    def _source_operand(self, node, parent=None, right: bool = False) -> str:
        text = super()._source_operand(node, parent, right)
        if text.startswith("(") and text.endswith(")"):
            return rf"\left({text[1:-1]}\right)"
        return text
