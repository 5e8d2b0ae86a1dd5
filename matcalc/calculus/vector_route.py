"""Seed 000's route for a product whose result is a vector: keep the one term of the chain
rule *before* writing y's element form, then differentiate y_j by its element form.

Seed 000 (Y = XW, X a 1 × n row) writes

    ∂L/∂w_ij = Σ_k ∂L/∂y_k ∂y_k/∂w_ij
             = ∂L/∂y_j ∂y_j/∂w_ij          (only y_j holds w_ij: the other terms are 0)
             = ∂L/∂y_j x_i                  (by y_j = Σ_l x_l w_lj, its eq. 6)

    ∂L/∂x_i = Σ_j ∂L/∂y_j ∂y_j/∂x_i
            = Σ_j ∂L/∂y_j w_ij               (by eq. 6)

and then reads the matrix off the entries (Xᵀ ∂L/∂Y, ∂L/∂Y Wᵀ) in one step, where seed
001 (C = AB, matrices) writes the element form first, Σ_k Σ_l ∂L/∂c_kl Σ_p ∂(a_kp b_pl)/
∂a_ij, keeps, differentiates, and writes the transpose b_jl = (Bᵀ)_lj as a line of its own.
The route is taken for a product of two names whose result has one index (a vector, or a
1 × m or n × 1 matrix), under ``--steps article``; ``--steps element`` writes the element
form first there too (seed 001's order, matcalc's route before). Every line is a step of
the proof, checked numerically like any other.
"""

from __future__ import annotations

import sympy
from sympy import Expr

from ..index.symbols import ChainPartial, Index, IndexSum, Partial, substitute
from ..language.program import BinOp, Name
from .collapse import collapse_all, kept_pairs, total
from .differentiate import differentiate, push_partial, replace_partials
from .keep import forced_indices
from .proof import Proof, Reason, Step

# recognise's steps that seed 000 does in one: the transpose, then the product
MERGED = ("matrix_product", "outer")


def applies(statement, idx: tuple, wrt: str) -> bool:
    """A product of two names (X @ W), the wrt one of them, whose result has one index."""
    value = statement.value
    return (isinstance(value, BinOp) and value.op == "@" and
            isinstance(value.left, Name) and isinstance(value.right, Name) and
            wrt in (value.left.id, value.right.id) and
            sum(1 for i in idx if isinstance(i, Index)) == 1)


def keep_then_differentiate(proof: Proof, expr: Expr, forms: dict, wrt: str,
                            target: str) -> Expr:
    """From the chain rule Σ_k ∂L/∂y_k ∂y_k/∂x_ij: the kept term (when y's element form
    forces k), then each ∂y_j/∂x_ij differentiated by y's element form, collapsed."""
    kept_all: list = []

    def keep(term: Expr) -> Expr:
        if not isinstance(term, sympy.Sum):
            return term
        partials = [p for p in term.function.atoms(ChainPartial) if p.expr in forms]
        if len(partials) != 1:
            return term
        p = partials[0]
        summed = {limit[0] for limit in term.limits}
        forced = forced_indices(Partial(forms[p.expr], p.var), summed)
        if not forced:
            return term
        body = term.function
        for u, v in forced.items():
            body = substitute(body, u, v)
        rest = tuple(limit for limit in term.limits if limit[0] not in forced)
        kept_all.extend(sorted(forced.items(), key=lambda q: str(q[1])))
        return IndexSum(body, *rest) if rest else body

    kept = sympy.Add(*[keep(t) for t in sympy.Add.make_args(expr)])
    if kept_all:
        expr = kept
        proof.record(expr, "keep", kept=kept_pairs(kept_all))

    def derivative(p: Partial) -> Expr:
        y = next((y for y in forms if _same_entry(y, p.expr)), None) \
            if isinstance(p, ChainPartial) else None
        if y is None:
            return p
        inner = replace_partials(push_partial(_at(forms[y], y, p.expr), p.var),
                                 lambda q: differentiate(q.expr, q.var))
        scratch = Proof(None, p.expr.free_symbols | p.var.free_symbols)
        return total(collapse_all(inner, scratch, set(), {}).terms)

    expr = replace_partials(expr, derivative)
    proof.record(expr, "differentiate_by_form", names=[target], wrt=wrt)
    return expr


def _same_entry(y: Expr, entry: Expr) -> bool:
    return getattr(y, "matrix", None) is not None and \
        getattr(entry, "matrix", None) == y.matrix


def _at(form: Expr, y: Expr, entry: Expr) -> Expr:
    """y's element form at the entry's indices (y_k's form, at y_j)."""
    for old, new in zip(y.indices, entry.indices):
        if old != new and isinstance(old, Index):
            form = substitute(form, old, new)
    return form


def merge_transpose(proof: Proof, mark: int) -> None:
    """Recognise's transpose line and the product after it, as one step (seed 000 goes
    from ∂L/∂y_j x_i to the matrix without writing (Xᵀ)_i ∂L/∂y_j)."""
    steps = proof.steps
    for n in range(len(steps) - 1, mark, -1):
        before, step = steps[n - 1], steps[n]
        if before.reason.key == "transpose" and not before.reason.params and \
                step.reason.key in MERGED:
            parts = [{"key": "transpose", "params": {}},
                     {"key": step.reason.key, "params": dict(step.reason.params)}]
            steps[n - 1:n + 1] = [Step(step.lhs, step.rhs, Reason("several", {"parts": parts}))]
