"""The matrix form as a numpy expression: ``dC @ B.T``, ``dC.sum(axis=0)``, ``np.outer(x, dy)``.

The code evaluates, given ``np``, the program's values and the upstream ``d<Output>``, to an
array of exactly the wrt's numpy shape. Vectors declared 1-D stay 1-D, so products of
vectors need numpy's own spellings (``np.outer``, ``.sum``); ``rank`` tracks which.
"""

from __future__ import annotations

import sympy
from sympy import Expr, Integer, Rational

from .. import ops
from ..calculus.matrices import diagonal_of, hadamard_order, is_negative, negated
from ..index.reshape import MatrixView, View
from ..index.symbols import (
    Apply,
    BatchSum,
    Broadcast,
    Element,
    RowEntry,
    ScalarGrad,
    Slice,
    TensorSymbol,
    TensorUpstream,
    UpstreamGrad,
    stack_labels,
    stacked,
)
from ..index.vec import Commutation, Duplication, Rows, Vec, scaled_commutation
from ..ops.base import fill
from ..ops.maps import Jacobian, MapDerivative

# numpy functions this printer writes itself (the operations' own spellings add theirs)
STRUCTURAL_CALLS = frozenset({"ones", "eye", "zeros", "full", "outer", "trace", "diag", "array",
                              "einsum", "linalg.inv", "broadcast_to",
                              "linalg.det", "linalg.matrix_power",
                              "pad", "lib.stride_tricks.sliding_window_view",  # windows
                              "arange",  # a δ of shifted indices; K_mn
                              "kron", "expand_dims", "triu_indices"})  # vec forms

MATMUL = 2.5  # the precedence of a @ product: as tight as *, but never mixed with it



def _kron_of(m: Expr) -> tuple[Expr, Expr | None, tuple[Expr, Expr]] | None:
    """(c, K, (P, Q)) for c K (P ⊗ Q), K a commutation matrix or None; None for anything
    else."""
    scalar, front, rest = scaled_commutation(m)
    if isinstance(rest, sympy.KroneckerProduct) and len(rest.args) == 2:
        return scalar, front, tuple(rest.args)
    return None


class NoNumpyForm(TypeError):
    """A node of a matrix form that numpy code cannot spell (a row's maximum or
    log-sum-exp as a value): the gradient is then shown without numpy, never wrongly."""

class NumpyPrinter:
    """``rank`` is the numpy ndim of a printed expression (1-D vectors are rank 1)."""

    def __init__(self, ranks: dict[str, int], dims: dict[str, str], output: str,
                 order: dict[str, int] | None = None, written=None):
        self.ranks = ranks      # program name -> ndim
        self.dims = dims        # dimension name -> code giving its size
        self.output = output
        self.order = order or {}
        self.written = written  # calculus.written.WrittenOrder: (1 - s) * s as the proof
        self._ranks: dict[Expr, int] = {}
        self.shapes: dict[str, tuple] = {}  # program name -> its shape's dimension names
        self.inputs: frozenset = frozenset()  # the names any printed code may read

    def in_written_order(self, e: Expr) -> list:
        """A sum's or product's operands as the program (or the proof's route) writes
        them, where it recorded them; sympy's order otherwise."""
        ranks = self.written.ranks(e) if self.written is not None else {}
        if not ranks:
            return list(e.args)
        numbers_first = isinstance(e, sympy.Mul)  # 0.5 * N, as the proofs write ½ N
        return sorted(e.args, key=lambda a: (not (numbers_first and a.is_number),
                                             ranks.get(a, len(ranks))))

    def dim(self, d: Expr) -> str:
        """A length as code: X.shape[0] for m; a product of lengths (m n, the side of a
        vec matrix) as theirs, X.shape[0]*X.shape[1]; n(n + 1)/2 in integers."""
        known = self.dims.get(str(d))
        if known is not None or not isinstance(d, Expr) or d.is_Symbol or d.is_number:
            return known if known is not None else str(d)
        named = {s: sympy.Symbol(self.dims.get(str(s), str(s))) for s in d.free_symbols}
        return str(d.xreplace(named)).replace("/2", "//2")

    def rank(self, e: Expr) -> int:
        """numpy's ndim of the code printed for e (remembered: products ask it of every
        prefix, which would make a long chain quadratic)."""
        known = self._ranks.get(e)
        if known is None:
            known = self._ranks[e] = self._rank(e)
        return known

    def _view(self, e: View) -> str:
        """base.transpose(…).reshape(…), the lengths read off the inputs; one numpy may
        infer (-1), as it must where no input has it (the heads h of a reshape)."""
        code, prec = self._code(e.base)
        code = self._wrap(code, prec, 4)
        for kind, arg in e.steps:
            if kind == "transpose":
                code += f".transpose({', '.join(map(str, arg))})"
                continue
            alike = next((name for name, shape in self.shapes.items()
                          if shape == tuple(map(str, arg))), None)
            if alike is not None:  # dQ….reshape(X.shape): the shape of a name as it is
                code += f".reshape({alike}.shape)"
                continue
            sizes = [self.dim(d) for d in arg]
            unread = [k for k, d in enumerate(arg) if str(d) not in self.dims]
            at = unread[0] if unread else len(sizes) - 1
            sizes[at] = "-1"
            code += f".reshape({', '.join(sizes)})"
        return code

    def _rank(self, e: Expr) -> int:
        if isinstance(e, MatrixView):
            return 1 if e.shape[1] == 1 else 2
        if isinstance(e, TensorSymbol):
            return e.order
        if isinstance(e, BatchSum) and _column_sums(e) is not None:
            return 1  # Σ_β 𝟏ᵀ M_β: a vector, as numpy's .sum(axis=(0, 1)) gives it
        if isinstance(e, (Slice, BatchSum)) or (e.is_Matrix and stacked(e)):
            return len(stack_labels(e)) + 2  # a stack keeps its two matrix axes
        if isinstance(e, Jacobian):  # of a declared map: the reader's own, not numpy's
            raise NoNumpyForm(f"{e.map_name} is declared, not specified: its Jacobian "
                              f"{e.name} has no numpy")
        if isinstance(e, sympy.ImmutableDenseMatrix):  # np.array([…]) as written out
            return 1 if e.cols == 1 or e.rows == 1 else 2
        if isinstance(e, UpstreamGrad):
            return self.ranks[e.name]
        if isinstance(e, sympy.MatrixSymbol):
            return self.ranks[e.name]
        if isinstance(e, sympy.OneMatrix):
            return 1 if 1 in e.shape else 2
        if isinstance(e, (sympy.Identity, sympy.ZeroMatrix, sympy.Inverse, sympy.MatPow,
                          sympy.KroneckerProduct, Vec, Commutation, Duplication)):
            return 2
        if isinstance(e, sympy.DiagonalOf):
            return 1
        if isinstance(e, Broadcast):
            return 2
        if isinstance(e, (sympy.Transpose, Apply)):
            return self.rank(e.args[-1])
        if isinstance(e, sympy.HadamardPower):
            return self.rank(e.base)
        if isinstance(e, (sympy.HadamardProduct, sympy.MatAdd)):
            return max(self.rank(a) for a in e.args if a.is_Matrix)
        if isinstance(e, sympy.MatMul):
            return self._matmul_rank(e)
        return 0

    def _matmul_rank(self, e: sympy.MatMul) -> int:
        """numpy's ndim of a product: the last rank of its plan."""
        mats = [a for a in e.args if a.is_Matrix]
        plan = self._product_plan(mats)
        return plan[-1][1] if plan else self.rank(mats[0])

    def _product_plan(self, mats: list[Expr]) -> list[tuple[str, int]]:
        """How numpy spells a product left to right: for each factor, the operation that
        takes it in and the ndim after it — "total" (𝟏ᵀ M 𝟏, the sum of all entries),
        "column_sums" (𝟏ᵀ M), "row_sums" (M 𝟏), "outer" (u vᵀ of two vectors), or "@"."""
        if len(mats) == 3 and all(isinstance(mats[k], sympy.OneMatrix) for k in (0, 2)) and \
                mats[0].shape[0] == 1 and mats[2].shape[1] == 1:
            return [("total", 0)]
        rank, shape = self.rank(mats[0]), mats[0].shape
        ones_left = isinstance(mats[0], sympy.OneMatrix) and shape[0] == 1
        plan = []
        for m in mats[1:]:
            m_rank = self.rank(m)
            if ones_left:
                op, rank, ones_left = "column_sums", m_rank - 1, False
            elif isinstance(m, sympy.OneMatrix) and m.shape[1] == 1:
                op, rank = "row_sums", rank if rank == 2 else rank - 1  # a column stays 2-D
            elif shape[1] == 1 and m.shape[0] == 1 and (rank < 2 or m_rank < 2):
                op, rank = "outer", 2
            else:
                op, rank = "@", {(2, 2): 2, (1, 2): 1, (2, 1): 1, (1, 1): 0}.get((rank, m_rank), 2)
            plan.append((op, rank))
            shape = (shape[0], m.shape[1])
        return plan

    def code(self, e: Expr) -> str:
        return self._code(e)[0]

    def _code(self, e: Expr) -> tuple[str, int]:
        """(code, precedence): 4 atom (takes .T, .sum()), 3 power, MATMUL a @ product,
        2 a * product, 1 sum. Python reads * and @ at one level, left to right, so neither
        kind of product stands unbracketed inside the other: x * (A @ y), (x * A) @ y."""
        if isinstance(e, View):
            return self._view(e), 4
        if isinstance(e, (UpstreamGrad, TensorUpstream)):
            return f"d{e.name}", 4
        if isinstance(e, Rows):  # x_p for every p: X's rows as columns, (n, d, 1)
            return f"np.expand_dims({e.name}, -1)", 4
        if isinstance(e, TensorSymbol):
            return e.name, 4
        if getattr(e, "is_Matrix", False) and stacked(e):
            return self._stack(e)
        if isinstance(e, Jacobian):
            self.rank(e)  # of a declared map: NoNumpyForm
        if isinstance(e, sympy.MatrixSymbol):
            return e.name, 4
        if isinstance(e, sympy.Transpose):
            inner, prec = self._code(e.arg)
            if self.rank(e.arg) < 2:
                return inner, prec
            return f"{self._wrap(inner, prec, 4)}.T", 4
        if isinstance(e, sympy.MatMul):
            code, _, prec = self._matmul_prec(e)
            return code, prec
        if isinstance(e, sympy.HadamardProduct) and diagonal_of(e) is not None:
            vector = diagonal_of(e)  # np.diag of a 2-D column would read its diagonal
            code, prec = self._code(vector)
            flat = f"{self._wrap(code, prec, 4)}.reshape(-1)" if self.rank(vector) == 2 else code
            return f"np.diag({flat})", 4
        if isinstance(e, sympy.HadamardProduct):
            return self._product(hadamard_order(e.args, self.order),
                                 lambda a: isinstance(a, sympy.HadamardPower) and
                                 bool(a.exp.is_negative)), 2
        if isinstance(e, sympy.MatAdd):
            return self._sum(e.args), 1
        if isinstance(e, sympy.HadamardPower):
            return self._power(e.base, e.exp)
        if isinstance(e, Apply):
            spelling = ops.get(e.name).numpy
            if spelling is None:  # a declared function: the reader's own, not numpy's
                raise NoNumpyForm(f"{e.name} is declared, not specified: it has no numpy")
            code, prec = self._code(e.arg)
            return fill(spelling, code, prec >= 4), 2
        if isinstance(e, sympy.OneMatrix):
            rows, cols = e.shape
            if rows == 1 or cols == 1:
                return f"np.ones({self.dim(cols if rows == 1 else rows)})", 4
            return f"np.ones(({self.dim(rows)}, {self.dim(cols)}))", 4
        if isinstance(e, sympy.Identity):
            return f"np.eye({self.dim(e.shape[0])})", 4
        if isinstance(e, sympy.KroneckerProduct):
            return f"np.kron({', '.join(self._two_d(a) for a in e.args)})", 4
        if isinstance(e, Vec):  # vec stacks the columns: Xᵀ's rows, in numpy's order
            code = self._two_d(sympy.Transpose(e.arg) if e.order == "columns" else e.arg)
            return f"{code}.reshape(-1, 1)", 4
        if isinstance(e, Duplication):  # D_n: column k is vech entry k's place(s) in vec
            n = self.dim(e.args[0])
            upper, lower = f"np.triu_indices({n})[0]", f"np.triu_indices({n})[1]"
            return (f"((np.eye({n} * {n})[:, {lower} + {n} * {upper}] + np.eye({n} * {n})"
                    f"[:, {upper} + {n} * {lower}]) / (1 + ({upper} == {lower})))"), 4
        if isinstance(e, Commutation):  # K_mn: the rows of I_mn, vec(A)'s entries in Aᵀ's order
            return self._commutation(*(str(s) for s in e.columns)), 4
        if isinstance(e, sympy.ZeroMatrix):
            return f"np.zeros(({self.dim(e.shape[0])}, {self.dim(e.shape[1])}))", 4
        if isinstance(e, sympy.Trace):
            if stacked(e.arg):  # tr M_β for every β: a stack of 1×1 matrices, as slices are
                return f"np.trace({self.code(e.arg)}, axis1=-2, axis2=-1)[..., None, None]", 4
            return f"np.trace({self.code(e.arg)})", 4
        if isinstance(e, sympy.Inverse):
            return f"np.linalg.inv({self.code(e.arg)})", 4
        if isinstance(e, sympy.MatPow):
            return f"np.linalg.matrix_power({self.code(e.base)}, {int(e.exp)})", 4
        if isinstance(e, sympy.Determinant):
            return f"np.linalg.det({self.code(e.arg)})", 4
        if isinstance(e, sympy.DiagonalOf):
            return f"np.diag({self.code(e.arg)})", 4
        if isinstance(e, Broadcast):
            return self._broadcast(e.column), 4
        if isinstance(e, sympy.ImmutableDenseMatrix):  # written out: seed 004's Jacobian
            rows = [", ".join(self.code(x) for x in e.row(r)) for r in range(e.rows)]
            if e.cols == 1:
                return "np.array([" + ", ".join(rows) + "])", 4
            return "np.array([" + ", ".join(f"[{r}]" for r in rows) + "])", 4
        if isinstance(e, Element) and isinstance(e.matrix, sympy.MatrixSymbol) and \
                e.row.is_Integer and e.matrix.shape[1] == 1:  # x[1], an entry by number
            return f"{self._code(e.matrix)[0]}[{int(e.row)}]", 4
        if isinstance(e, Element) and isinstance(e.matrix, sympy.MatrixSymbol) and \
                e.row.is_Integer and e.col.is_Integer and self.rank(e.matrix) == 2:
            return f"{self._code(e.matrix)[0]}[{int(e.row)}, {int(e.col)}]", 4  # d_21: D[1, 0]
        if isinstance(e, Element) and stacked(e.matrix):  # a 1×1 per slice: the stack
            code, prec = self._stack(e.matrix)  # of them, (…, 1, 1), broadcasts slice by
            if stack_labels(e.matrix):  # slice; summed over every slice, one number
                return code, prec
            return f"{self._wrap(code, prec, 4)}.item()", 4
        if isinstance(e, Element):  # a 1×1 product: numpy gives a scalar, or a 1-element array
            code, prec = self._code(e.matrix)
            if self.rank(e.matrix) > 0:
                return f"{self._wrap(code, prec, 4)}.item()", 4
            return code, prec
        return self._scalar(e)

    def _kron_sum(self, e: BatchSum) -> tuple[str, int]:
        """Σ_p c P_p ⊗ Q_p over one label: one einsum over the stacks, p summed, the
        (a, b, c, d) result read as the (ab) × (cd) Kronecker product."""
        scalar, front, (first, second) = _kron_of(e.matrix)
        if len(e.limits) != 1:
            raise NoNumpyForm("a sum of Kronecker products over several labels")
        codes = []
        for m, sub in ((first, "ac"), (second, "bd")):
            code, prec = self._stack(m)
            codes.append((self._wrap(code, prec, 4), ("p" if stacked(m) else "") + sub))
        rows = f"{self.dim(first.shape[0])} * {self.dim(second.shape[0])}"
        spec = ",".join(sub for _, sub in codes) + "->abcd"
        code = f"np.einsum('{spec}', {codes[0][0]}, {codes[1][0]}).reshape({rows}, -1)"
        prec = 4
        if front is not None:  # K (Σ_p P_p ⊗ Q_p)
            code, prec = f"{self.code(front)} @ {code}", MATMUL
        scaled, _, prec = self._scaled([scalar] if scalar != 1 else [], code, 0, prec)
        return scaled, prec

    def _commutation(self, m: str, n: str) -> str:
        """K_mn built explicitly: np.eye(mn) with its rows in the order vec(A) → vec(Aᵀ)
        takes, A of shape (m, n); its sizes read off an input of shape (n, m) or (m, n)
        where there is one (X.size, X.shape), as a reader would write them."""
        arrays = [(name, shape) for name, shape in self.shapes.items() if name in self.inputs]
        named = next((name for name, shape in arrays if shape == (n, m)), None)
        other = next((name for name, shape in arrays if shape == (m, n)), None)
        size = f"{named or other}.size" if named or other else \
            f"{self.dim(sympy.Symbol(m))} * {self.dim(sympy.Symbol(n))}"
        shape = f"{named}.shape" if named else \
            f"{self.dim(sympy.Symbol(n))}, {self.dim(sympy.Symbol(m))}"
        return f"np.eye({size})[np.arange({size}).reshape({shape}).T.reshape(-1)]"

    def _two_d(self, e: Expr) -> str:
        """e as a 2-D array, a vector made the column or the row it is (np.kron and vec
        read a 1-D array as a row)."""
        code, prec = self._code(e)
        if self.rank(e) == 2:
            return code
        turn = "1, -1" if e.shape[0] == 1 else "-1, 1"
        return f"{self._wrap(code, prec, 4)}.reshape({turn})"

    def _stack(self, e: Expr) -> tuple[str, int]:
        """numpy of a matrix expression over slices, one rule per node: a slice T_β is
        the array T, its transpose T.swapaxes(-1, -2), a product @ (numpy's stacked
        product broadcasts the leading axes as the labels align), 𝟏ᵀ M and M 𝟏 sums over
        an axis kept (keepdims), Σ_β a .sum over β's leading axis. Every value keeps its
        two matrix axes last, so that the rules compose."""
        if isinstance(e, Slice):
            return self._code(e.tensor)
        if isinstance(e, sympy.OneMatrix):  # 𝟏 of its own shape: numpy keeps two axes
            return f"np.ones(({self.dim(e.shape[0])}, {self.dim(e.shape[1])}))", 4
        if not stacked(e):  # a shared matrix: 2-D (a 1-D vector made a column or a row)
            code, prec = self._code(e)
            if self.rank(e) == 1:
                turn = "1, -1" if e.shape[0] == 1 else "-1, 1"
                return f"{self._wrap(code, prec, 4)}.reshape({turn})", 4
            return code, prec
        if isinstance(e, sympy.Transpose):
            code, prec = self._stack(e.arg)
            if self.rank(e.arg) == 1:  # (Σ_β 𝟏ᵀ M_β)ᵀ, a 1-D row summed: made a column
                return f"{self._wrap(code, prec, 4)}.reshape(-1, 1)", 4
            return f"{self._wrap(code, prec, 4)}.swapaxes(-1, -2)", 4
        if isinstance(e, BatchSum) and _kron_of(e.matrix) is not None:
            return self._kron_sum(e)
        if isinstance(e, BatchSum):
            labels = stack_labels(e.matrix)
            axes = [labels.index(limit[0]) for limit in e.limits if limit[0] in labels]
            rows = _column_sums(e)
            if rows is not None:  # Σ_β 𝟏ᵀ M_β: M summed over the stack and its rows at once
                code, prec = self._stack(rows)
                every = ", ".join(map(str, [*axes, len(labels)]))
                return f"{self._wrap(code, prec, 4)}.sum(axis=({every}))", 4
            code, prec = self._stack(e.matrix)
            axis = str(axes[0]) if len(axes) == 1 else str(tuple(axes))
            return f"{self._wrap(code, prec, 4)}.sum(axis={axis})", 4
        if isinstance(e, sympy.MatMul):
            scalars = [a for a in e.args if not a.is_Matrix]
            mats = [a for a in e.args if a.is_Matrix]
            code, prec = None, 4
            ones_left = isinstance(mats[0], sympy.OneMatrix) and mats[0].shape[0] == 1 and \
                len(mats) > 1
            for m in mats[1:] if ones_left else mats:
                if isinstance(m, sympy.OneMatrix) and m.shape[1] == 1 and code is not None:
                    code, prec = f"{self._wrap(code, prec, 4)}.sum(axis=-1, keepdims=True)", 4
                    continue
                m_code, m_prec = self._stack(m)
                if ones_left and code is None:
                    code, prec = f"{self._wrap(m_code, m_prec, 4)}.sum(axis=-2, " \
                                 "keepdims=True)", 4
                elif code is None:
                    code, prec = m_code, m_prec
                else:
                    code = f"{self._wrap(code, prec, MATMUL)} @ {self._wrap(m_code, m_prec, 3)}"
                    prec = MATMUL
            scaled, _, prec = self._scaled(scalars, code, 0, prec)
            return scaled, prec
        if isinstance(e, sympy.MatAdd):
            parts = [self._broadcast_operand(a, e.args) for a in e.args]
            return " + ".join(self._wrap(c, p, 1) for c, p in parts), 1
        if isinstance(e, sympy.HadamardProduct):
            parts = [self._broadcast_operand(a, e.args) for a in e.args]
            return " * ".join(self._wrap(c, p, 3) for c, p in parts), 2
        if isinstance(e, sympy.HadamardPower):
            code, prec = self._stack(e.base)
            return f"{self._wrap(code, prec, 4)}**{self._wrap(*self._code(e.exp), 4)}", 3
        if isinstance(e, Apply):
            op = ops.get(e.name)
            spelling = op.stack_numpy or op.numpy
            if spelling is None:
                raise NoNumpyForm(f"{e.name} is declared, not specified: it has no numpy")
            if ".max()" in spelling or ".sum()" in spelling:  # over the whole stack: wrong
                raise NoNumpyForm(f"{e.name} over a stack has no numpy spelling here")
            code, prec = self._stack(e.arg)
            return fill(spelling, code, prec >= 4), 2
        raise NoNumpyForm(f"no numpy form for {type(e).__name__} over a stack")

    def _broadcast_operand(self, e: Expr, together) -> tuple[str, int]:
        """An operand of an elementwise sum or product over a stack, beside a full one: a
        column spread along the rows, M 𝟏ᵀ, is the column itself and c 𝟏𝟏ᵀ the number c,
        which numpy broadcasts (dP * P).sum(axis=-1, keepdims=True) as it stands."""
        full = any(o is not e and stacked(o) and not _spread(o) for o in together)
        if full and isinstance(e, sympy.MatMul) and _spread(e):
            mats = [a for a in e.args if a.is_Matrix]
            scalars = [a for a in e.args if not a.is_Matrix]
            if len(mats) == 1:  # c 𝟏𝟏ᵀ
                return self._scalar(sympy.Mul(*scalars))
            if isinstance(mats[-1], sympy.OneMatrix) and mats[-1].shape[0] == 1:
                rest = sympy.MatMul(*scalars, *mats[:-1]) if len(mats) > 2 or scalars \
                    else mats[0]
                return self._stack(rest)  # a column, kept 2-D: it spreads along the rows
            if isinstance(mats[0], sympy.OneMatrix) and mats[0].shape[1] == 1:
                rest = sympy.MatMul(*scalars, *mats[1:]) if len(mats) > 2 or scalars \
                    else mats[1]
                return self._stack(rest)  # a row: it spreads down the columns
        return self._stack(e)

    def _sum(self, terms) -> str:
        out = ""
        terms = sorted(terms, key=lambda t: is_negative(t))
        for n, term in enumerate(terms):
            negative = is_negative(term)
            shown = negated(term) if negative else term
            if isinstance(shown, sympy.OneMatrix):
                code = "1"  # broadcasts
            else:
                code = self._wrap(*self._placed(shown, terms), 2 if negative else 1)
            sign = ("-" if negative else "") if n == 0 else (" - " if negative else " + ")
            out += sign + code
        return out

    def _placed(self, e: Expr, together) -> tuple[str, int]:
        """An operand of an elementwise sum or product, as numpy should combine it: left
        to broadcast if it is a spread vector or number, else a 1-D vector made a column
        where the others are 2-D."""
        broadcast = self._operand(e, together)
        if broadcast is not None:
            return broadcast
        return self._column(e, *self._code(e), together)

    def _operand(self, e: Expr, together) -> tuple[str, int] | None:
        """An operand of an elementwise sum or product, broadcast as numpy would rather
        than spread: beside a full m×n matrix, v 𝟏ᵀ is the column v, 𝟏 wᵀ the row w, and
        c 𝟏𝟏ᵀ the number c — (dP * P).sum(axis=1, keepdims=True), not np.outer(…, np.ones(n))."""
        if not isinstance(e, sympy.MatMul) or 1 in (e.shape[0] * e.shape[1],):
            return None  # (a 1×1 matrix prints as a number already)
        alike = [o for o in together if o is not e and not _spread(o)
                 and getattr(o, "shape", None) == e.shape and self.rank(o) >= 1]
        mats = [a for a in e.args if a.is_Matrix]
        if alike and len(mats) == 1 and isinstance(mats[0], sympy.OneMatrix):
            return self._scalar(sympy.Mul(*[a for a in e.args if not a.is_Matrix]))  # c 𝟏
        full = any(self.rank(o) == 2 and 1 not in o.shape for o in alike)
        if not full:
            return None
        scalars = [a for a in e.args if not a.is_Matrix]
        if len(mats) == 1 and isinstance(mats[0], sympy.OneMatrix):  # c 𝟏𝟏ᵀ: c
            return self._scalar(sympy.Mul(*scalars))
        vector = None
        last, first = mats[-1], mats[0]
        if len(mats) > 1 and isinstance(last, sympy.OneMatrix) and last.shape[0] == 1:
            vector = mats[0] if len(mats) == 2 else sympy.MatMul(*mats[:-1])  # v 𝟏ᵀ
            code, prec = self._code(vector)
            if self.rank(vector) == 1:
                code, prec = f"{self._wrap(code, prec, 4)}.reshape(-1, 1)", 4
        elif len(mats) > 1 and isinstance(first, sympy.OneMatrix) and first.shape[1] == 1:
            vector = mats[1] if len(mats) == 2 else sympy.MatMul(*mats[1:])  # 𝟏 wᵀ
            code, prec = self._code(vector)  # a 1-D w broadcasts along the rows
        if vector is None:
            return None
        scaled, _, prec = self._scaled(scalars, code, 2, prec)
        return scaled, prec

    def _column(self, factor: Expr, code: str, prec: int, together) -> tuple[str, int]:
        """A 1-D vector combined elementwise with 2-D columns must be a column too:
        numpy would broadcast (m,) against (m, 1) to (m, m)."""
        shape = getattr(factor, "shape", None)
        if shape is None or shape[1] != 1 or shape[0] == 1 or self.rank(factor) != 1:
            return code, prec
        if any(getattr(o, "shape", None) is not None and self.rank(o) == 2 for o in together):
            return f"{self._wrap(code, prec, 4)}.reshape(-1, 1)", 4
        return code, prec

    def _product(self, factors, is_reciprocal) -> str:
        """a * b / c: factors with a negative power go below a division sign."""
        top = [f for f in factors if not is_reciprocal(f)]
        bottom = [f for f in factors if is_reciprocal(f)]
        numerator = " * ".join(self._factor(*self._placed(f, factors)) for f in top) or "1"
        if not bottom:
            return numerator
        inverses = [self._column(f, *self._power(f.args[0], -f.args[1]), factors)
                    for f in bottom]
        denominator = " * ".join(self._wrap(code, prec, 3) for code, prec in inverses)
        if len(bottom) > 1:
            denominator = f"({denominator})"
        return f"{numerator} / {denominator}"

    def _factor(self, code: str, prec: float) -> str:
        """A factor of a * product: a sum or a @ product keeps its parentheses."""
        return f"({code})" if prec < 2 or prec == MATMUL else code

    def _power(self, base: Expr, exp: Expr) -> tuple[str, int]:
        """x**2, 1 / x, np.sqrt(x): spelled so that integer arrays work too."""
        code = self._wrap(*self._code(base), 4)
        if exp == Rational(1, 2):
            return f"np.sqrt({self.code(base)})", 4
        if exp == 1:
            return self._code(base)
        if exp.is_negative:  # 1 / (1 + c): the divisor keeps its parentheses
            return f"1 / {self._wrap(*self._power(base, -exp), 3)}", 2
        if not exp.is_number:  # x**s, x**(s - 1): a scalar of the program
            return f"{code}**{self._wrap(*self._code(exp), 4)}", 3
        shown = str(exp) if exp.is_Integer else repr(float(exp))
        return f"{code}**{shown}", 3

    def _broadcast(self, column: Expr) -> str:
        """A column to broadcast along the rows, 2-D (keepdims); diag(G Bᵀ), the row sums
        of G ∘ B, without the m × m product."""
        product = column.arg if isinstance(column, sympy.DiagonalOf) else None
        mats = [a for a in product.args if a.is_Matrix] \
            if isinstance(product, sympy.MatMul) else []
        if len(mats) == 2 and isinstance(mats[1], sympy.Transpose) and \
                all(self.rank(a) == 2 for a in (mats[0], mats[1].arg)):
            sums = f"({self._wrap(*self._code(mats[0]), 3)} * " \
                   f"{self._wrap(*self._code(mats[1].arg), 3)}).sum(axis=1, keepdims=True)"
            scalars = [a for a in product.args if not a.is_Matrix]
            if not scalars:
                return sums
            return f"({self._wrap(*self._scalar(sympy.Mul(*scalars)), 3)} * {sums})"
        code, prec = self._code(column)
        return f"{self._wrap(code, prec, 4)}.reshape(-1, 1)"

    def _wrap(self, code: str, prec: int, need: int) -> str:
        return f"({code})" if prec < need else code

    def _scalar(self, e: Expr) -> tuple[str, int]:
        if e.is_number:
            text = str(e) if isinstance(e, Integer) else repr(float(e))
            return text, 4 if e >= 0 else 2
        if isinstance(e, ScalarGrad):
            return f"d{e.of}", 4
        if isinstance(e, MapDerivative):  # of a declared map: the reader's own
            raise NoNumpyForm(f"the derivative {e.name} of a declared map has no numpy")
        if isinstance(e, sympy.Symbol):
            if e.is_integer and e.is_positive:  # a dimension: its size from an array
                return self.dim(e), 4
            return e.name, 4
        if isinstance(e, sympy.Mul):
            coeff, rest = e.as_coeff_Mul()
            if coeff == -1:
                return "-" + self._wrap(*self._code(rest), 3), 2
            return self._product(self.in_written_order(e), lambda a: isinstance(
                a, sympy.Pow) and bool(a.exp.is_negative)), 2
        if isinstance(e, sympy.Add):
            return self._sum(self.in_written_order(e)), 1
        if isinstance(e, sympy.Pow):
            return self._power(e.base, e.exp)
        if isinstance(e, (sympy.Trace, Element, sympy.Determinant)):
            return self._code(e)
        if isinstance(e, RowEntry):  # a row-wise node is spelled by its matrix form only
            raise NoNumpyForm(f"{type(e).__name__} outside a matrix form has no numpy")
        op = ops.of_node(e)
        if op is not None and op.numpy is not None and len(e.args) == 1:
            code, prec = self._code(e.args[0])
            return fill(op.numpy, code, prec >= 4), 2
        if op is not None and op.numpy is not None:  # f(a, b): arguments in order
            return op.numpy.format(*[self._code(a)[0] for a in e.args]), 4
        raise NoNumpyForm(f"no numpy form for {type(e).__name__}")

    def _matmul_prec(self, e: sympy.MatMul) -> tuple[str, int, int]:
        """(code, ndim, precedence) of a product, spelled as its plan says."""
        scalars = [a for a in e.args if not a.is_Matrix]
        mats = [a for a in e.args if a.is_Matrix]
        plan = self._product_plan(mats)
        if plan and plan[0][0] == "total":
            inner, inner_prec = self._code(mats[1])
            return self._scaled(scalars, f"{self._wrap(inner, inner_prec, 4)}.sum()", 0, 4)
        code, prec = self._code(mats[0])
        if prec < 3 and len(mats) > 1 and not isinstance(mats[0], sympy.OneMatrix):
            code, prec = f"({code})", 4  # (dC * A) @ B: never mix * and @ unbracketed
        rank = self.rank(mats[0])
        for m, (op, after) in zip(mats[1:], plan):
            m_code, m_prec = self._code(m)
            if op == "column_sums":
                axis = "axis=0" if self.rank(m) == 2 else ""
                code, prec = f"{self._wrap(m_code, m_prec, 4)}.sum({axis})", 4
            elif op == "row_sums":
                axis = "axis=1, keepdims=True" if rank == 2 else ""
                code, prec = f"{self._wrap(code, prec, 4)}.sum({axis})", 4
            elif op == "outer":
                code, prec = f"np.outer({code}, {m_code})", 4
            else:
                code, prec = f"{code} @ {self._wrap(m_code, m_prec, 3)}", MATMUL
            rank = after
        return self._scaled(scalars, code, rank, prec)

    def _scaled(self, scalars: list, code: str, rank: int, prec: int) -> tuple[str, int, int]:
        if not scalars:
            return code, rank, prec
        factor, factor_prec = self._scalar(sympy.Mul(*scalars))
        if factor == "-1":
            return f"-{self._wrap(code, prec, 3)}", rank, 2
        return f"{self._factor(factor, factor_prec)} * {self._factor(code, prec)}", rank, 2


def _column_sums(e: BatchSum) -> Expr | None:
    """M for Σ_β 𝟏ᵀ M_β summed over every label M has (a bias's gradient: ∂L/∂c =
    Σ_β 𝟏ᵀ ∂L/∂Y_β), else None."""
    m = e.matrix
    if not isinstance(m, sympy.MatMul) or len(m.args) != 2:
        return None
    ones, rest = m.args
    if not (isinstance(ones, sympy.OneMatrix) and ones.shape[0] == 1 and stacked(rest)):
        return None
    summed = {limit[0] for limit in e.limits}
    return rest if set(stack_labels(rest)) <= summed else None


def _spread(e: Expr) -> bool:
    """v 𝟏ᵀ, 𝟏 wᵀ, c 𝟏𝟏ᵀ or 𝟏𝟏ᵀ: a matrix that is a vector or a number spread out, which
    gives another operand no full shape to broadcast against."""
    if isinstance(e, sympy.OneMatrix):
        return True
    if not isinstance(e, sympy.MatMul):
        return False
    mats = [a for a in e.args if a.is_Matrix]
    return any(isinstance(m, sympy.OneMatrix) for m in (mats[0], mats[-1]))


def fit_shape(code: str, prec: int, rank: int, shape: tuple, dims: dict[str, str],
              matrix_form: bool = False) -> str:
    """Reshape the code's result to the wrt's numpy shape when their ranks differ."""
    if rank == len(shape):
        return code
    wrapped = code if prec >= 4 else f"({code})"
    sizes = ", ".join(dims.get(str(d), str(d)) for d in shape)
    if rank == 0:  # a number (maybe a Python float): an array of the wrt's shape holding it
        return f"np.full(({sizes}{',' if len(shape) == 1 else ''}), {code})" if shape else code
    if len(shape) == 0:
        return f"{wrapped}.item()"
    if len(shape) == 1:
        return f"{wrapped}.reshape(-1)"
    if matrix_form and len(shape) > 2 and rank < len(shape):
        return f"np.broadcast_to({code}, ({sizes}))"  # the same matrix for every slice
    if not matrix_form and len(shape) > 2 and rank < sum(1 for d in shape if d != 1):
        return f"np.broadcast_to({code}, ({sizes}))"  # an index form over fewer axes
    return f"{wrapped}.reshape({sizes})"
