"""Linear algebra: trace, determinant, log-determinant, inverse, norm, diag and outer.

    tr X = Σ_p x_pp          ‖X‖ = √(Σ_p Σ_q x_pq²)      diag(v)_kl = δ_kl v_k
    diag(X)_k = x_kk         outer(u, v)_kl = u_k v_l
    det X, log det X and (X⁻¹)_kl have no finite index sum of fixed length: they stay
    sympy's ``Determinant`` and ``Inverse`` nodes, differentiated by Jacobi's formula and
    ∂X⁻¹ = −X⁻¹ ∂X X⁻¹ (the lemmas live with the differentiation rules).
"""

from __future__ import annotations

import sympy
from sympy import Expr, S

from ..index.symbols import Element, IndexSum
from .base import Op, own_axes, square, square_to_scalar


def _diag_shape(check, node, shapes: list[tuple]) -> tuple:
    arg = shapes[0]
    if len(arg) == 1:
        return (arg[0], arg[0])
    return (square(check, node, shapes)[0],)


def _outer_shape(check, node, shapes: list[tuple]) -> tuple:
    if len(shapes[0]) != 1 or len(shapes[1]) != 1:
        raise check.fail("outer() takes two vectors")
    return (shapes[0][0], shapes[1][0])


def _norm_shape(check, node, shapes: list[tuple]) -> tuple:
    if not shapes[0]:
        raise check.fail("norm() needs a vector or a matrix")
    return ()


def _lower_trace(node, idx, ctx) -> Expr:
    """tr X = Σ_p x_pp (x_00 for a 1×1 X)."""
    if ctx.shape(node.args[0])[0] == 1:
        return ctx.lower(node.args[0], (S.Zero, S.Zero))
    p = ctx.fresh()
    return IndexSum(ctx.lower(node.args[0], (p, p)), ctx.limit(p, ctx.shape(node.args[0])[0]))


def _lower_det(node, idx, ctx) -> Expr:
    """det X: no finite index sum of fixed length; differentiated by Jacobi's formula.
    A scalar is its own determinant (a 1×1 matrix's): det s = s."""
    if not ctx.shape(node.args[0]):
        return ctx.lower(node.args[0], ())
    return sympy.Determinant(ctx.matrix(node.args[0]))


def _lower_logdet(node, idx, ctx) -> Expr:
    """log det X (log s for a scalar s)."""
    return sympy.log(_lower_det(node, idx, ctx))


def _square_or_scalar(check, node, shapes: list[tuple]) -> tuple:
    """A square matrix or a scalar (a 1×1 matrix, as numpy's np.atleast_2d reads it) in,
    a scalar out (det, log det)."""
    return () if not shapes[0] else square_to_scalar(check, node, shapes)


def _lower_inv(node, idx, ctx) -> Expr:
    """(X⁻¹)_kl, an entry of the inverse; differentiated by ∂X⁻¹ = −X⁻¹ ∂X X⁻¹."""
    return Element(sympy.Inverse(ctx.matrix(node.args[0])), idx[0], idx[1])


def _lower_norm(node, idx, ctx) -> Expr:
    """‖X‖ = √(Σ_p Σ_q x_pq²) (Frobenius; the 2-norm for a vector)."""
    inner, limits = ctx.entries(node.args[0])
    squares = ctx.lower(node.args[0], inner) ** 2
    return sympy.sqrt(IndexSum(squares, *limits) if limits else squares)


def _lower_diag(node, idx, ctx) -> Expr:
    """diag(v)_kl = δ_kl v_k;  diag(X)_k = x_kk."""
    if len(ctx.shape(node.args[0])) == 1:
        return sympy.KroneckerDelta(idx[0], idx[1]) * ctx.lower(node.args[0], idx[:1])
    return ctx.lower(node.args[0], (idx[0], idx[0]))


def _lower_outer(node, idx, ctx) -> Expr:
    """outer(u, v)_kl = u_k v_l."""
    return ctx.lower(node.args[0], idx[:1]) * ctx.lower(node.args[1], idx[1:])


def _diag_matrix(args, shapes, shape):
    """diag(v) = I ∘ v 𝟏ᵀ as a matrix expression (diag of a matrix is a vector: None)."""
    if len(shapes[0]) != 1:
        return None
    n = args[0].shape[0]
    return sympy.HadamardProduct(sympy.Identity(n), sympy.MatMul(args[0], sympy.OneMatrix(1, n)))


def _regular(x):
    """x, if it is safely invertible (finite differences of det and inv need that)."""
    from ..arrays import np
    if np.any(np.linalg.cond(x) > 1e8):
        raise np.linalg.LinAlgError("matrix is (nearly) singular")
    return x


# forward functions on a batch (axis 0 runs over copies; see base.own_axes)

def _trace(x, axis=None):
    from ..arrays import np
    return np.trace(x, axis1=1, axis2=2)


def _det(x, axis=None):
    """det of each matrix of the batch (a batch of scalars: each itself)."""
    from ..arrays import np
    if x.ndim == 1:
        return x
    return np.linalg.det(_regular(x))


def _logdet(x, axis=None):
    from ..arrays import np
    return np.log(_det(x))


def _positive_determinant(args) -> bool:
    """its argument must have a positive determinant"""
    from ..arrays import np
    x = args[0]
    return bool(np.all((np.linalg.det(x) if x.ndim == 3 else x) > 0))


def _inv(x, axis=None):
    from ..arrays import np
    return np.linalg.inv(_regular(x))


def _norm(x, axis=None):
    from ..arrays import np
    return np.sqrt(np.sum(x * x, axis=own_axes(x)))


def _diag(x, axis=None):
    """np.diag: a vector's diagonal matrix, or a matrix's diagonal."""
    from ..arrays import np
    if x.ndim == 2:
        return x[:, :, None] * np.eye(x.shape[1])
    return np.diagonal(x, axis1=1, axis2=2).copy()


def _outer(u, v, axis=None):
    return u[:, :, None] * v[:, None, :]


def _norm_kink(args, value) -> bool:
    """‖X‖ is not differentiable where it is 0."""
    from ..arrays import np
    from .elementwise import KINK_MARGIN
    return bool(np.any(value < KINK_MARGIN))


OPS = [
    Op("trace", "linalg", "tr X = Σ_p x_pp", shape=square_to_scalar, lower=_lower_trace,
       forward=_trace, source="np.trace({0})", text="tr", tex=r"\operatorname{tr}",
       examples=("s = trace(A @ X @ B)", "s = trace(X.T @ A @ X)"),
       fuzz=(("", ("nn",), "trace({0})"),)),
    Op("det", "linalg", "det X (Jacobi's formula)", shape=_square_or_scalar, lower=_lower_det,
       forward=_det, source="np.linalg.det(np.atleast_2d({0}))", text="det", tex=r"\det",
       note="inv",
       invertible=True, examples=("s = det(X)", "s = det(A @ X)", "x: ()\ns = det(2 * x)"),
       fuzz=(("", (), "det(S)"), ("", (), "det(W.T)"))),
    Op("logdet", "linalg", "log det X (det X > 0)", shape=_square_or_scalar,
       lower=_lower_logdet, forward=_logdet, source="np.linalg.slogdet(np.atleast_2d({0}))[1]",
       text="logdet", tex=r"\log\det",
       note="logdet", invertible=True, domain=_positive_determinant,
       examples=("s = logdet(X)", "x: ()\ns = logdet(x * x + 1)"),
       fuzz=(("", (), "logdet(W)"),)),
    Op("inv", "linalg", "X⁻¹ (∂X⁻¹ = −X⁻¹ ∂X X⁻¹)", shape=square, lower=_lower_inv,
       forward=_inv, source="np.linalg.inv({0})", text="inv", tex=r"\operatorname{inv}",
       as_matrix=lambda args, shapes, shape: sympy.Inverse(args[0]),
       note="inv", invertible=True,
       examples=("a: (n,)\nb: (n,)\ns = a @ inv(X) @ b", "s = trace(inv(X) @ A)"),
       fuzz=(("nn", (), "inv(W)"), ("nn", (), "inv(S)"))),
    Op("norm", "linalg", "‖X‖, Frobenius (the 2-norm of a vector)",
       sign="nonnegative", shape=_norm_shape,
       lower=_lower_norm, forward=_norm, source="np.linalg.norm({0})", text="norm",
       tex=r"\operatorname{norm}", text_format="‖{}‖",
       tex_format=r"\left\lVert {} \right\rVert", kink=_norm_kink,
       examples=("x: (n,)\ns = norm(x)", "s = norm(A @ B)"),
       fuzz=(("", ("n",), "norm({0})"),)),
    Op("diag", "linalg", "of a vector: the diagonal matrix; of a matrix: its diagonal",
       shape=_diag_shape, lower=_lower_diag, forward=_diag, source="np.diag({0})", text="diag",
       as_matrix=_diag_matrix,
       tex=r"\operatorname{diag}", examples=("x: (n,)\nY = diag(x) @ A", "y = diag(A @ B)"),
       fuzz=(("n", ("nn",), "diag({0})"),)),
    Op("outer", "linalg", "u vᵀ for two vectors", arity=2, signature="outer(u, v)",
       shape=_outer_shape,
       lower=_lower_outer, forward=_outer, source="np.outer({0}, {1})", text="outer",
       tex=r"\operatorname{outer}",
       as_matrix=lambda args, shapes, shape: sympy.MatMul(args[0], sympy.Transpose(args[1])),
       examples=("u: (m,)\nv: (n,)\nY = outer(u, v)",),
       fuzz=(("nn", ("n", "n"), "outer({0}, {1})"),)),
]
