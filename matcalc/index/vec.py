"""The vec convention: a matrix's entries stacked into one column, so that a derivative with
four indices (∂y_kl/∂x_ij, ∂²f/∂x_ij∂x_kl) is an ordinary matrix.

    columns (Magnus–Neudecker, the Matrix Cookbook): vec(X) stacks the columns of X, so
        x_ij is entry (i,j) = i + m·j of vec(X) for X of shape (m, n) (counted from 0);
        vec(A X B) = (Bᵀ ⊗ A) vec(X)
    rows (numpy's order, ``X.reshape(-1)``): x_ij is entry i·n + j;
        vec(A X B) = (A ⊗ Bᵀ) vec(X)

Nodes: ``VecIndex`` (the position of entry (i,j) in the stated order, printed (i,j)),
``Vec`` (vec(A), a column), ``Commutation`` (K_mn: K_mn vec(A) = vec(Aᵀ) for A of shape
(m, n)) and ``Duplication`` (D_n: D_n vech(S) = vec(S) for a symmetric S of order n).
sympy's ``KroneckerProduct`` is A ⊗ B: (A ⊗ B)_{(r·p + s),(c·q + t)} = a_rc b_st for B of
shape (p, q).
"""

from __future__ import annotations

from sympy import Expr, Integer, MatMul, MatrixExpr, S
from sympy.core.symbol import Str

from .symbols import TensorSymbol

ORDERS = ("columns", "rows")  # what vec stacks


class VecIndex(Expr):
    """(i,j): the position of entry (i, j) of a matrix of shape (m, n) in its vec —
    i + m·j when vec stacks the columns, i·n + j when it stacks the rows."""

    is_integer = True
    is_nonnegative = True
    is_commutative = True

    def __new__(cls, first: Expr, second: Expr, rows: Expr, cols: Expr, order: str) -> Expr:
        return Expr.__new__(cls, first, second, rows, cols, Str(str(order)))

    @property
    def pair(self) -> tuple[Expr, Expr]:
        return self.args[0], self.args[1]

    @property
    def sizes(self) -> tuple[Expr, Expr]:
        return self.args[2], self.args[3]

    @property
    def order(self) -> str:
        return self.args[4].name

    def position(self, first, second, rows, cols):
        """The position as numbers (or arrays) for the index values and sizes given."""
        return first + rows * second if self.order == "columns" else first * cols + second

    def _sympystr(self, printer) -> str:
        return f"({printer._print(self.args[0])},{printer._print(self.args[1])})"


class Vec(MatrixExpr):
    """vec(A): the entries of A in one column, in the stated order."""

    def __new__(cls, matrix: MatrixExpr, order: str) -> Expr:
        return MatrixExpr.__new__(cls, matrix, Str(str(order)))

    @property
    def arg(self) -> MatrixExpr:
        return self.args[0]

    @property
    def order(self) -> str:
        return self.args[1].name

    @property
    def shape(self) -> tuple[Expr, Expr]:
        rows, cols = self.arg.shape
        return rows * cols, Integer(1)

    def _sympystr(self, printer) -> str:
        return f"vec({printer._print(self.arg)})"


class Vech(MatrixExpr):
    """vech(S): the entries on and below the diagonal of S, its columns stacked — the free
    entries of a symmetric S, vec(S) = D_n vech(S)."""

    def __new__(cls, matrix: MatrixExpr) -> Expr:
        return MatrixExpr.__new__(cls, matrix)

    @property
    def arg(self) -> MatrixExpr:
        return self.args[0]

    @property
    def shape(self) -> tuple[Expr, Expr]:
        n = self.arg.shape[0]
        return n * (n + 1) / 2, Integer(1)

    def _sympystr(self, printer) -> str:
        return f"vech({printer._print(self.arg)})"


class Commutation(MatrixExpr):
    """K_mn, the mn×mn permutation with K_mn vec(A) = vec(Aᵀ) for A of shape (m, n), in
    the stated order: (K_mn)_{(j,i),(i,j)} = 1 (Magnus–Neudecker's, vec stacking the
    columns). When vec stacks the rows, vec(A) is the columns' vec of Aᵀ, and this K_mn is
    their K_nm."""

    def __new__(cls, m: Expr, n: Expr, order: str = "columns") -> Expr:
        return MatrixExpr.__new__(cls, m, n, Str(str(order)))

    @property
    def sizes(self) -> tuple[Expr, Expr]:
        return self.args[0], self.args[1]

    @property
    def order(self) -> str:
        return self.args[2].name

    @property
    def columns(self) -> tuple[Expr, Expr]:
        """(m, n) of the same matrix as the columns' K_mn."""
        return self.sizes if self.order == "columns" else self.sizes[::-1]

    @property
    def shape(self) -> tuple[Expr, Expr]:
        m, n = self.sizes
        return m * n, m * n

    def _sympystr(self, printer) -> str:
        return f"K_{printer._print(self.args[0])}{printer._print(self.args[1])}"


class Duplication(MatrixExpr):
    """D_n, the n²×n(n+1)/2 matrix with D_n vech(S) = vec(S) for a symmetric S of order n
    (vech stacks the columns of the lower triangle)."""

    def __new__(cls, n: Expr) -> Expr:
        return MatrixExpr.__new__(cls, n)

    @property
    def shape(self) -> tuple[Expr, Expr]:
        n = self.args[0]
        return n * n, n * (n + 1) / 2

    def _sympystr(self, printer) -> str:
        return f"D_{printer._print(self.args[0])}"



class Rows(TensorSymbol):
    """The rows of a matrix X of shape (n, d) as a stack of columns, shape (n, d, 1): its
    slice at a label p is x_p, row p of X as a column — the p-th example of a batch, as
    Σ_p (diag(s_p) − s_p s_pᵀ) ⊗ x_p x_pᵀ writes it. Its value is X's."""

    def _sympystr(self, printer) -> str:
        return self.name.lower()


def scaled_commutation(m: Expr) -> tuple[Expr, Commutation | None, Expr]:
    """(c, K, M) for the matrix c K M: a number c (1 if none), a commutation matrix K in
    front (None if none), and the rest."""
    scalar, args = S.One, list(m.args) if isinstance(m, MatMul) else [m]
    if len(args) > 1 and not args[0].is_Matrix:
        scalar = args.pop(0)
    front = args.pop(0) if len(args) > 1 and isinstance(args[0], Commutation) else None
    return scalar, front, args[0] if len(args) == 1 else MatMul(*args)
