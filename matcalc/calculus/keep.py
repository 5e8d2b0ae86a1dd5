"""The articles' order: keep only the terms that hold the entry, *then* differentiate.

Seed 001 removes the sums before it differentiates, keeping the derivative unevaluated:

    Σ_k Σ_l ∂L/∂c_kl Σ_p ∂(a_kp b_pl)/∂a_ij
        = Σ_l ∂L/∂c_il ∂(a_ij b_jl)/∂a_ij          (∵ only the terms k = i, p = j remain)

A summed index u may be set to the entry's index v when every occurrence of the matrix
inside the derivative is indexed by u in v's place: for u ≠ v nothing in it is x_ij, so
the term is 0. Softmax's ∂(e^{a_kl}/Σ_p e^{a_kp})/∂a_ij keeps k = i (both a_kl and a_kp
have k in the row) but not l = j (a_kp has no l). A term whose derivative holds the matrix
any other way (inside det, inv, a whole-matrix node) is left as it is; the deltas of the
differentiation then do the rest (``--steps delta`` does it all that way).
"""

from __future__ import annotations

import sympy
from sympy import Dummy, Expr, MatrixSymbol, Sum

from ..index.symbols import Element, IndexSum, Partial, substitute
from .collapse import Term, expand, kept_pairs, total
from .proof import Proof


def keep_step(proof: Proof, expr: Expr) -> Expr:
    """Set every summed index that a derivative forces, recording one step."""
    terms = expand(expr, spread=False)
    kept_all: list = []
    out = []
    for term in terms:
        new, kept = keep_term(term)
        out.append(new)
        kept_all.extend(kept)
    if not kept_all:
        return expr
    kept = total(out)
    proof.record(kept, "keep", kept=kept_pairs(kept_all))
    return kept


def keep_term(term: Term) -> tuple[Term, list]:
    partials = [f for f in term.factors if isinstance(f, Partial)]
    if len(partials) != 1:
        return term, []
    forced = forced_indices(partials[0], {limit[0] for limit in term.sums})
    factors, sums, kept = _set_forced(term.factors, term.sums, forced)
    partial = next(f for f in factors if isinstance(f, Partial))
    inner, dropped = _keep_inside(partial)
    if dropped:
        factors = tuple(inner if f == partial else f for f in factors)
        kept = sorted(kept + dropped, key=lambda p: str(p[1]))  # i's, then j's
    return Term(term.coeff, factors, sums), kept


def _keep_inside(partial: Partial) -> tuple[Partial, list]:
    """∂(Σ_q h_iq w_ql + b_l)/∂h_ij = ∂(h_ij w_jl + b_l)/∂h_ij: a sum that is a term of
    the differentiated expression (not inside a function: Σ_q e^{z_iq} in a denominator
    stays) keeps only its terms that hold the entry, by the same rule."""
    terms = list(sympy.Add.make_args(partial.expr))
    kept: list = []
    for n, t in enumerate(terms):
        coeff, body = t.as_coeff_Mul()
        if not isinstance(body, Sum):
            continue
        bound = {limit[0] for limit in body.limits}
        forced = forced_indices(Partial(body.function, partial.var), bound)
        if not forced:
            continue
        (function,), rest, pairs = _set_forced((body.function,), body.limits, forced)
        terms[n] = coeff * (IndexSum(function, *rest) if rest else function)
        kept += pairs
    if not kept:
        return partial, []
    return Partial(sympy.Add(*terms), partial.var), kept


def _set_forced(exprs: tuple, limits: tuple, forced: dict) -> tuple[tuple, tuple, list]:
    """u → v in each expression and the sums over the forced u dropped; the kept pairs in
    the articles' order, i's before j's, each in the order of its sums."""
    for u, v in forced.items():
        exprs = tuple(substitute(e, u, v) for e in exprs)
    order = [limit[0] for limit in limits]
    rest = tuple(limit for limit in limits if limit[0] not in forced)
    kept = sorted(forced.items(), key=lambda p: (str(p[1]), order.index(p[0])))
    return exprs, rest, kept


def forced_indices(partial: Partial, summed: set) -> dict:
    """{u: v} for each summed u that every occurrence of the entry's matrix in the
    derivative puts where the entry x_ij has v; {} when the matrix appears other than as
    entries, or an index would be forced to two values (a diagonal a_kk)."""
    var = partial.var
    if not isinstance(var, Element) or not isinstance(var.matrix, MatrixSymbol):
        return {}
    matrix = var.matrix
    occurrences = [e for e in partial.expr.atoms(Element) if e.matrix == matrix]
    if not occurrences:
        return {}
    hidden = partial.expr.xreplace({e: Dummy() for e in occurrences})
    if hidden.has(matrix):
        return {}
    common = None
    for e in occurrences:
        pairs = {(u, v) for u, v in zip(e.indices, var.indices) if u in summed and u != v}
        common = pairs if common is None else common & pairs
    forced: dict = {}
    for u, v in common or ():
        if u in forced:
            return {}
        forced[u] = v
    if any(v in forced for v in forced.values()):
        return {}
    return forced
