"""Jacobians and Hessians: the derivative of a vector (or matrix) output with respect to an
input, entry by entry, in a stated layout.

    numerator layout     J_ki = ∂y_k/∂x_i        (rows follow the output)
    denominator layout   J_ik = ∂y_k/∂x_i        (rows follow the input: Jᵀ)
    Hessian              H_ij = ∂²f/∂x_i ∂x_j    (f a scalar of a vector x)

The proof is the core engine's: element form (intermediates inlined), differentiation to
Kronecker deltas, collapse, recognition. A derivative with more than two free indices
(∂(W x)/∂W, a matrix by a matrix) has no matrix form; it is given in index form.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy
from sympy import Expr, Integer, Symbol

from .chain import differentiate, push_partial, replace_partials
from .collapse import collapse, collapse_all, expand, total
from .derivation import Step
from .errors import UsageError
from .lower import (
    OUTPUT_INDICES,
    WRT_INDICES,
    IndexSupply,
    Lowering,
    Names,
    index_symbols,
    lower,
)
from .parse import parse
from .recognise import NoMatrixForm, Reason, recognise_under
from .shapes import Shapes, infer
from .symbols import Element, Index, Partial, dim

LAYOUTS = ("numerator", "denominator")


@dataclass
class Derivative:
    """∂Y/∂X (a Jacobian) or ∂²f/∂X² (a Hessian), with its proof."""

    kind: str                       # "jacobian" or "hessian"
    program: object
    shapes: Shapes
    names: Names
    output: str
    wrt: str
    layout: str
    lhs: Expr
    steps: list[Step] = field(default_factory=list)
    result: Expr | None = None
    index_form: Expr | None = None
    no_matrix_form: str | None = None

    def text(self, lang: str = "en") -> str:
        from .render import render_derivative
        return render_derivative(self, "text", lang)

    def latex(self, lang: str = "en") -> str:
        from .render import render_derivative
        return render_derivative(self, "latex", lang)

    def markdown(self, lang: str = "en") -> str:
        from .render import render_derivative
        return render_derivative(self, "markdown", lang)

    def json(self, lang: str = "en") -> str:
        from .render import render_derivative
        return render_derivative(self, "json", lang)

    def __str__(self) -> str:
        return self.text()


def _prepare(program: str, wrt: str, shapes: dict | None):
    parsed = parse(program, shapes)
    inferred = infer(parsed)
    names = Names.of(inferred)
    if wrt not in parsed.inputs():
        raise UsageError(f"--wrt {wrt}: not an input of the program "
                         f"(inputs: {', '.join(parsed.inputs())})")
    return parsed, inferred, names


def _inlined(parsed, names: Names, idx: tuple, supply: IndexSupply) -> Expr:
    """The output's element form, each intermediate replaced by its own (fresh indices)."""
    values = {s.target: s.value for s in parsed.statements}

    ctx = Lowering(names, supply)
    form = lower(values[parsed.output], idx, ctx)
    for _ in range(len(values)):
        entries = [e for e in form.atoms(Element)
                   if getattr(e.matrix, "name", None) in values]
        scalars = [s for s in form.atoms(Symbol)
                   if not isinstance(s, Index) and s.name in values]
        if not entries and not scalars:
            break
        replacements = {}
        for e in entries:
            rank = len(names.shape(e.matrix.name))
            replacements[e] = lower(values[e.matrix.name], (e.row, e.col)[:rank], ctx)
        for s in scalars:
            replacements[s] = lower(values[s.name], (), ctx)
        form = form.xreplace(replacements)
    return form


def _finish(d: Derivative, expr: Expr, free: tuple, dims: dict) -> Derivative:
    collapsed = collapse_all(expr, assumptions=d.shapes.assumptions)
    for state, key, params in collapsed.steps:
        d.steps.append(Step(d.lhs, state, Reason(key, params)))
    terms = collapsed.terms
    d.index_form = total(terms)
    if not terms:
        d.result = sympy.ZeroMatrix(*[dims[f] for f in free]) if free else Integer(0)
        return d
    if len(free) > 2:
        d.no_matrix_form = f"{len(free)} free indices: a tensor of order {len(free)}"
        return d
    try:
        recognised = recognise_under(d.shapes.assumptions, terms, free, dims)
    except NoMatrixForm as why:
        d.no_matrix_form = str(why)
        return d
    for reason, state in recognised.rounds:
        d.steps.append(Step(d.lhs, state, reason))
    d.result = recognised.result
    return d



def jacobian(program: str, wrt: str, layout: str = "numerator",
             shapes: dict | None = None) -> Derivative:
    """∂Y/∂X for the program's output Y, entry by entry, in the given layout."""
    if layout not in LAYOUTS:
        raise UsageError(f"--layout must be numerator or denominator, not {layout!r}")
    parsed, inferred, names = _prepare(program, wrt, shapes)
    out_shape, wrt_shape = inferred.names[parsed.output], inferred.names[wrt]
    out_idx = index_symbols(OUTPUT_INDICES, len(out_shape))
    wrt_idx = index_symbols(WRT_INDICES, len(wrt_shape))
    supply = IndexSupply(names.letters())
    y = names.element(parsed.output, out_idx)
    var = names.element(wrt, wrt_idx)
    d = Derivative("jacobian", parsed, inferred, names, parsed.output, wrt, layout,
                   Partial(y, var))
    form = _inlined(parsed, names, out_idx, supply)
    expr = push_partial(form, var)
    d.steps.append(Step(d.lhs, expr, Reason("element_form", {"names": [parsed.output]})))
    expr = replace_partials(expr, lambda p: differentiate(p.expr, p.var))
    d.steps.append(Step(d.lhs, expr, Reason("differentiate", {"wrt": wrt, "deltas": True})))
    free = (*out_idx, *wrt_idx)
    dims = {i: dim(n) for i, n in zip(free, (*out_shape, *wrt_shape))}
    if layout == "denominator":
        free = (*wrt_idx, *out_idx)
    _finish(d, expr, free, dims)
    return d


def hessian(program: str, wrt: str, layout: str = "numerator",
            shapes: dict | None = None) -> Derivative:
    """∂²f/∂x_i∂x_j for a scalar output f of a vector x (the denominator layout is its
    transpose; the two agree wherever f is twice continuously differentiable)."""
    if layout not in LAYOUTS:
        raise UsageError(f"--layout must be numerator or denominator, not {layout!r}")
    parsed, inferred, names = _prepare(program, wrt, shapes)
    if inferred.names[parsed.output]:
        raise UsageError(f"a Hessian needs a scalar output; {parsed.output} has shape "
                         f"{inferred.names[parsed.output]}")
    wrt_shape = inferred.names[wrt]
    if len(wrt_shape) != 1:
        raise UsageError(f"a Hessian is taken with respect to a vector; {wrt} has shape "
                         f"{wrt_shape} (its Hessian has four indices)")
    i, j = index_symbols(WRT_INDICES, 2)
    supply = IndexSupply(names.letters())
    f = names.symbols[parsed.output]
    xi, xj = names.element(wrt, (i,)), names.element(wrt, (j,))
    d = Derivative("hessian", parsed, inferred, names, parsed.output, wrt, layout,
                   Partial(Partial(f, xi), xj))
    form = _inlined(parsed, names, (), supply)
    first = replace_partials(push_partial(form, xi), lambda p: differentiate(p.expr, p.var))
    terms, _ = collapse(expand(first))
    gradient = total(terms)
    d.steps.append(Step(d.lhs, Partial(gradient, xj) if not isinstance(gradient, sympy.Sum)
                        else push_partial(gradient, xj),
                        Reason("gradient_first", {"wrt": wrt})))
    expr = replace_partials(d.steps[-1].rhs, lambda p: differentiate(p.expr, p.var))
    d.steps.append(Step(d.lhs, expr, Reason("differentiate", {"wrt": wrt, "deltas": True})))
    n = dim(wrt_shape[0])
    _finish(d, expr, (i, j) if layout == "numerator" else (j, i), {i: n, j: n})
    return d
