"""The stages every proof goes through once its first step is written — gradients,
Jacobians and Hessians alike:

    differentiate   ∂(a_kp b_pl)/∂a_ij = δ_ki δ_pj b_pl          (entries give δ's)
    collapse        Σ_k Σ_l g_kl Σ_p δ_ki δ_pj b_pl = Σ_l g_il b_jl
    recognise       Σ_l g_il (Bᵀ)_lj = (G Bᵀ)_ij

each writing its steps into the ``Proof``. What comes before (the chain rule over a
graph, the inlined element form of a Jacobian) is the caller's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy
from sympy import Expr

from .. import ops
from ..errors import NoMatrixForm
from ..index.symbols import Index, Partial, Pick, Written, substitute
from .collapse import Term, collapse_all, total
from .differentiate import differentiate, replace_partials
from .keep import keep_step
from .proof import Proof
from .recognise import recognise_under

LEMMAS = ((sympy.Inverse, "inverse"), (sympy.Determinant, "jacobi"))


# article: the seeds' own routes (seed 000's for a product that gives a vector, seed 001's
# elsewhere; a scalar function of scalars differentiated at once, as seeds 003 and 004 do);
# element: the element form first everywhere, every line written (seed 001's order, also
# for those); delta: differentiate first, to Kronecker deltas
STEPS = ("article", "element", "delta")


def differentiate_step(proof: Proof, expr: Expr, wrt: str, steps: str = "article",
                       fold: Callable[[Expr], tuple[Expr, list]] | None = None) -> Expr:
    """Evaluate every ∂e/∂x of ``expr``; the step names the lemmas it used (Jacobi's
    formula for det, ∂X⁻¹ = −X⁻¹ ∂X X⁻¹ for inv) and says when entries gave deltas.
    In the articles' order (``steps="article"``) the sums a derivative forces are removed
    first (``keep``), so that the derivative is of the one entry left; where ``fold``
    names the results (a backward pass) and every derivative left has a form its
    operation knows in terms of its own result, that form is written at once."""
    if steps != "delta":
        expr = keep_step(proof, expr)
        if fold is not None:
            known = known_step(proof, expr, fold)
            if known is not None:
                return known
    lemmas = [name for kind, name in LEMMAS
              if any(p.expr.has(kind) for p in expr.atoms(Partial))]
    if any(_product_of_dependents(p) for p in expr.atoms(Partial)):
        lemmas.append("product_rule")  # ∂(x σ(x))/∂x = σ(x) + x σ′(x)
    derived = replace_partials(expr, lambda p: differentiate(p.expr, p.var))
    if steps != "delta":
        primed, rules = instances(expr)
        if rules:
            proof.record(primed, "differentiate", wrt=wrt, deltas=False, lemmas=lemmas)
            proof.record(derived, "derivative_of", rules=rules)
            return derived
    proof.record(derived, "differentiate", wrt=wrt, deltas=derived.has(sympy.KroneckerDelta),
                 lemmas=lemmas)
    return derived


def known_step(proof: Proof, expr: Expr, fold) -> Expr | None:
    """∂b_il/∂a_ij = b_ij (δ_jl − b_il): every derivative in ``expr`` written at once in
    terms of its node's named result (``Op.known``, folded by ``fold``), as seed 001 eq. 27
    writes softmax's; one step, the rules its reason. None if a derivative has no such
    form, or its node's result has no name to write it in."""
    partials = expr.atoms(Partial)
    if not partials:
        return None
    values, rules, names = {}, [], []
    for p in sorted(partials, key=str):
        op = ops.of_node(p.expr)
        value = op.known(p.expr, p.var) if op is not None and op.known is not None else None
        if value is None:
            return None
        folded, used = fold(value)
        lhs, named = fold(p.expr)
        if not used or not named:
            return None
        values[p] = folded
        rules.append([Partial(lhs, p.var), folded])
        names.append(op.name)
    derived = expr.xreplace(values)
    proof.record(_written(expr, values), "known_derivative", ops=list(dict.fromkeys(names)),
                 rules=rules)
    return derived


def _written(expr: Expr, values: dict) -> Expr:
    """expr with each derivative replaced by its value, a product that holds one written
    in order: the other factors, then the value's, its sum last (∂L/∂b_il b_ij (δ_jl −
    b_il), as seed 001 writes it)."""
    if isinstance(expr, sympy.Mul) and any(a in values for a in expr.args):
        factors = []
        for a in expr.args:
            value = values.get(a)
            if value is None:
                factors.append(a)
                continue
            parts = sympy.Mul.make_args(value)
            factors += [p for p in parts if not isinstance(p, sympy.Add)] + \
                [p for p in parts if isinstance(p, sympy.Add)]
        return Written(*factors)
    if expr in values:
        return values[expr]
    if not expr.args:
        return expr
    return expr.func(*[_written(a, values) for a in expr.args])


def _product_of_dependents(p: Partial) -> bool:
    """A product with two or more factors that move with the variable."""
    if not isinstance(p.expr, sympy.Mul):
        return False
    var = p.var
    moving = getattr(var, "matrix", var)
    return sum(1 for f in p.expr.args if f.has(moving)) > 1


def instances(expr: Expr) -> tuple[Expr, list]:
    """∂σ(a_ij)/∂a_ij → σ′(a_ij): a function of the entry itself differentiated as any f
    is (seed 001 eq. 23), with the rules σ′(x) = σ(x)(1 − σ(x)) that make it specific.
    Partials of anything else are differentiated as usual."""
    x = sympy.Symbol("x", real=True)
    rules: dict = {}

    def rule(p: Partial) -> Expr:
        op = ops.of_node(p.expr)
        if op is None or not op.activation or op.derivative is None or \
                op.differentiate is not None or p.expr.args != (p.var,):
            return differentiate(p.expr, p.var)
        prime = ops.prime(op).function
        rules[op.name] = [prime(x), op.derivative(x, op.function(x))]
        return prime(p.var)

    primed = replace_partials(expr, rule)
    return primed, list(rules.values())


@dataclass
class Outcome:
    """The end of a proof: the matrix form (None if there is none, and why), the index
    form, and the collapsed terms and shallow form (for a later substitution)."""

    result: Expr | None
    index_form: Expr
    terms: list[Term]
    shallow: Expr
    no_matrix_form: str | None = None
    form: dict | None = None  # what the index form is, by name (NoMatrixForm.form)


def finish(proof: Proof, expr: Expr, free: tuple[Index, ...], dims: dict[Index, Expr],
           assumptions: dict[str, str], unit: set[Index] = frozenset(),
           max_free: int = 2, centred: dict[str, int] | None = None) -> Outcome:
    """Collapse the deltas, then read the matrix form off the index form."""
    collapsed = collapse_all(expr, proof, unit, assumptions, centred)
    terms = collapsed.terms
    index_form = total(terms)
    if not terms:
        return Outcome(None, index_form, terms, collapsed.shallow)
    if len(free) > max_free:
        return Outcome(None, index_form, terms, collapsed.shallow,
                       f"{len(free)} free indices: a tensor of order {len(free)}")
    try:
        recognised = recognise_under(assumptions, terms, free, dims, proof)
    except NoMatrixForm as why:
        explicit = written_out(proof, index_form, free, dims, assumptions, unit)
        if explicit is not None:
            return Outcome(explicit, index_form, terms, collapsed.shallow)
        return Outcome(None, index_form, terms, collapsed.shallow, str(why), why.form)
    return Outcome(recognised.result, index_form, terms, collapsed.shallow)


WRITTEN_OUT = 64  # entries: a larger numbered result keeps its index form


def written_out(proof: Proof, index_form: Expr, free: tuple, dims: dict,
                assumptions: dict[str, str] | None = None,
                unit: set[Index] = frozenset()) -> Expr | None:
    """A result over numbered positions (x: (2,) with x[0] in it) written out entry by
    entry, as seed 004 writes the Jacobian of f(x) = (x₁², x₁x₂, 2x₂ + 1): the index form
    at every position, a matrix. The step is the same as an index expression, (…)_k.
    Each entry is a scalar of its own: where it is still a sum (Σ_k Σ_l a_kl ∂L/∂b_kl) it
    is read in matrix form (𝟏ᵀ (A ∘ ∂L/∂B) 𝟏), so that the result has numpy code."""
    axes = [f for f in free if isinstance(f, Index)]
    sizes = [dims.get(f) for f in axes]
    if not axes or len(axes) > 2 or not all(getattr(n, "is_Integer", False) for n in sizes):
        return None
    rows = int(sizes[0])
    cols = int(sizes[1]) if len(axes) == 2 else 1
    if rows * cols > WRITTEN_OUT:
        return None

    def at(r: int, c: int) -> Expr:
        values = {axes[0]: sympy.Integer(r)}
        if len(axes) == 2:
            values[axes[1]] = sympy.Integer(c)
        expr = index_form
        for index, value in values.items():
            expr = substitute(expr, index, value)
        return expr
    entries = [[at(r, c) for c in range(cols)] for r in range(rows)]
    if len(axes) == 2:
        step = Pick(axes[0], *[Pick(axes[1], *row) for row in entries])
    else:
        step = Pick(axes[0], *[row[0] for row in entries])
    if step != index_form:  # a literal's entries are already written out: no second line
        proof.record(step, "written_out")
    shape = (rows, cols) if free[0] != 0 else (cols, rows)
    matrix = sympy.ImmutableMatrix([[_scalar_form(e, assumptions or {}, unit) for e in row]
                                    for row in entries])
    return matrix if matrix.shape == shape else matrix.T


def _scalar_form(entry: Expr, assumptions: dict[str, str], unit: set[Index]) -> Expr:
    """One written-out entry (no free index) in matrix form where it has sums in it; the
    entry as it is where it has none, or no matrix form."""
    if not entry.has(sympy.Sum, Pick):
        return entry
    scratch = Proof(None, ())
    try:
        terms = collapse_all(entry, scratch, unit, assumptions).terms
        if not terms:
            return sympy.S.Zero
        return recognise_under(assumptions, terms, (), {}, scratch).result
    except NoMatrixForm:
        return entry
