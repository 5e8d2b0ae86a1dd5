"""The driver: text → program → shapes → element form → chain → collapse → recognise.

A ``Derivation`` holds the forward definitions and, per wrt name, the ordered proof
``Step(lhs, rhs, reason)``. Every rhs is a real sympy expression equal to the previous one
(``matcalc.check`` evaluates them); reasons are data that templates phrase.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from sympy import Expr, Integer, Symbol

from .chain import chain_rule, differentiate, push_partial, replace_partials
from .collapse import collapse, expand, total
from .errors import UsageError
from .lower import (
    INNER_INDICES, OUTPUT_INDICES, WRT_INDICES, IndexSupply, Lowering, Names, index_symbols, lower,
)
from .parse import parse
from .program import Program
from .recognise import Definition, NoMatrixForm, Reason, fold_definitions, recognise
from .shapes import Shape, Shapes, infer
from .symbols import Element, Index, Partial, ScalarGrad, UpstreamGrad, dim


@dataclass(frozen=True)
class Step:
    lhs: Expr
    rhs: Expr
    reason: Reason


@dataclass
class ForwardDefinition:
    """C = A B with its element form c_kl = Σ_p a_kp b_pl."""

    name: str
    node: object          # the program expression (shown in matrix form)
    element_lhs: Expr
    element_rhs: Expr


@dataclass
class Gradient:
    wrt: str
    shape: Shape
    lhs: Expr                    # ∂L/∂a_ij
    matrix_lhs: Expr             # ∂L/∂A (as a Partial of matrices)
    steps: list[Step]
    result: Expr | None          # the matrix form, or None when there is none
    index_form: Expr             # the collapsed index form
    no_matrix_form: str | None = None


@dataclass
class Derivation:
    program: Program
    shapes: Shapes
    names: Names
    output: str
    loss: str
    definitions: list[ForwardDefinition]
    gradients: dict[str, Gradient] = field(default_factory=dict)

    # -- convenience for the common one-wrt case
    @property
    def gradient(self) -> Gradient:
        return next(iter(self.gradients.values()))

    @property
    def result(self) -> Expr | None:
        return self.gradient.result

    @property
    def steps(self) -> list[Step]:
        return self.gradient.steps

    @property
    def numpy(self) -> str:
        return self.numpy_of(self.gradient.wrt)

    def __getitem__(self, wrt: str) -> Gradient:
        return self.gradients[wrt]

    @property
    def has_upstream(self) -> bool:
        return len(self.shapes.names[self.output]) > 0

    def numpy_of(self, wrt: str) -> str:
        from .render import numpy_code
        return numpy_code(self, self.gradients[wrt])

    # -- rendering
    def text(self, lang: str = "en") -> str:
        from .render import render
        return render(self, "text", lang)

    def latex(self, lang: str = "en") -> str:
        from .render import render
        return render(self, "latex", lang)

    def markdown(self, lang: str = "en") -> str:
        from .render import render
        return render(self, "markdown", lang)

    def json(self, lang: str = "en") -> str:
        from .render import render
        return render(self, "json", lang)

    def _repr_latex_(self) -> str:
        return "$$" + self.latex() + "$$"

    def __str__(self) -> str:
        return self.text()


def derive(program: str, wrt: str | Iterable[str] | None = None,
           shapes: dict[str, Shape] | None = None, loss: str = "L") -> Derivation:
    """Derive ∂loss/∂x for each name x in ``wrt`` (default: every input), with proofs."""
    parsed = parse(program, shapes)
    inferred = infer(parsed)
    names = Names.of(inferred)
    output = parsed.output
    if not loss.isidentifier() or not loss.isascii():
        raise UsageError(f"--loss {loss!r} is not a valid name")
    if loss in inferred.names:
        raise UsageError(f"the loss name {loss!r} is also a name in the program; "
                         "choose another with --loss")
    wanted = _wrt_names(parsed, wrt)
    derivation = Derivation(parsed, inferred, names, output, loss, [])
    supply = IndexSupply()
    values = {s.target: s.value for s in parsed.statements}
    ctx = _InliningLowering(names, supply, values)
    for statement in parsed.statements:
        shape = inferred.names[statement.target]
        out_idx = index_symbols(OUTPUT_INDICES, len(shape))
        rhs = lower(statement.value, out_idx, Lowering(names, supply))
        derivation.definitions.append(ForwardDefinition(
            statement.target, statement.value, names.element(statement.target, out_idx), rhs))
    for name in wanted:
        derivation.gradients[name] = _gradient(derivation, ctx, name)
    return derivation


def _wrt_names(program: Program, wrt: str | Iterable[str] | None) -> list[str]:
    inputs = program.inputs()
    if wrt is None or wrt == "all" or wrt == ["all"]:
        return inputs
    wanted = [wrt] if isinstance(wrt, str) else list(wrt)
    if "all" in wanted:
        return inputs
    for name in wanted:
        if name not in inputs:
            assigned = {s.target for s in program.statements}
            if name in assigned:
                raise UsageError(f"--wrt {name}: gradients of intermediate results are not "
                                 "supported yet; ask for an input")
            raise UsageError(f"--wrt {name}: no such name in the program "
                             f"(inputs: {', '.join(inputs)})")
    return list(dict.fromkeys(wanted))


class _InliningLowering(Lowering):
    """Lowers names of intermediate results to their own element forms (inlined)."""

    def __init__(self, names: Names, supply: IndexSupply, values: dict):
        super().__init__(names, supply)
        self.values = values


def _gradient(d: Derivation, ctx: _InliningLowering, wrt: str) -> Gradient:
    names, shapes = d.names, d.shapes
    wrt_shape = shapes.names[wrt]
    wrt_idx = index_symbols(WRT_INDICES, len(wrt_shape))
    var = names.element(wrt, wrt_idx)
    out_shape = shapes.names[d.output]
    out_idx = index_symbols(OUTPUT_INDICES, len(out_shape))
    loss = Symbol(d.loss)
    out_symbol = names.symbols[d.output]
    if out_shape:
        upstream_matrix = UpstreamGrad(d.output, *out_symbol.shape)
        upstream = Element(upstream_matrix, out_idx[0], out_idx[1] if len(out_idx) > 1 else 0)
        top = loss
    else:
        upstream, top = None, out_symbol
    lhs = Partial(top, var)
    matrix_lhs = Partial(top, names.symbols[wrt])
    limits = [(k, Integer(0), dim(n) - 1) for k, n in zip(out_idx, out_shape)]
    y = names.element(d.output, out_idx)
    steps: list[Step] = []

    expr = chain_rule([(upstream, y)], limits, var) if out_shape else Partial(y, var)
    if out_shape:
        steps.append(Step(lhs, expr, Reason("chain_rule", {"over": [str(k) for k in out_idx]})))

    # substitute the element form of the output (intermediates inlined)
    form = _inlined_form(d, ctx, out_idx)
    expr = replace_partials(expr, lambda p: push_partial(form, p.var))
    steps.append(Step(lhs, expr, Reason("element_form", {"name": d.output})))

    expr = replace_partials(expr, lambda p: differentiate(p.expr, p.var))
    steps.append(Step(lhs, expr, Reason("differentiate",
                                         {"wrt": wrt, "deltas": bool(wrt_idx)})))

    terms = expand(expr)
    dims = {i: dim(n) for i, n in zip(wrt_idx, wrt_shape)}
    unit = {i for i, n in dims.items() if n == 1}
    terms, kept = collapse(terms, unit)
    if kept:
        collapsed = total(terms)
        steps.append(Step(lhs, collapsed, Reason(
            "collapse", {"kept": [list(pair) for pair in
                             dict.fromkeys((str(u), str(v)) for u, v in kept)]})))
        expr = collapsed
    if not terms:
        return Gradient(wrt, wrt_shape, lhs, matrix_lhs, steps, _zero(names, wrt), expr)

    folded, used = fold_definitions(expr, _foldable(d))
    if used:
        steps.append(Step(lhs, folded, Reason("by_definition", {"names": used})))
        terms, _ = collapse(expand(folded), unit)
        expr = folded
    try:
        recognised = recognise(terms, wrt_idx, dims)
    except NoMatrixForm as why:
        return Gradient(wrt, wrt_shape, lhs, matrix_lhs, steps, None, expr, str(why))
    for reason, state in recognised.rounds:
        steps.append(Step(lhs, state, reason))
    return Gradient(wrt, wrt_shape, lhs, matrix_lhs, steps, recognised.result, expr)


def _inlined_form(d: Derivation, ctx: _InliningLowering, out_idx: tuple[Index, ...]) -> Expr:
    """The output's element form with every intermediate replaced by its own element form."""
    by_name = {df.name: df for df in d.definitions}
    form = by_name[d.output].element_rhs.xreplace(
        dict(zip(index_symbols(OUTPUT_INDICES, len(out_idx)), out_idx)))
    changed = True
    while changed:
        changed = False
        for element in list(form.atoms(Element)):
            name = element.matrix.name if hasattr(element.matrix, "name") else None
            if name in by_name and name != d.output and not isinstance(element.matrix,
                                                                       UpstreamGrad):
                definition = by_name[name]
                idx = [element.row, element.col][:len(d.shapes.names[name])]
                fresh = _refresh(definition.element_rhs, ctx.supply)
                mapping = dict(zip(index_symbols(OUTPUT_INDICES, len(idx)), idx))
                form = form.xreplace({element: fresh.xreplace(mapping)})
                changed = True
        for symbol in list(form.free_symbols):
            if symbol.name in by_name and not isinstance(symbol, Index) and \
                    symbol.name != d.output and not shape_of(d, symbol.name):
                form = form.xreplace({symbol: _refresh(by_name[symbol.name].element_rhs,
                                                       ctx.supply)})
                changed = True
    return form


def shape_of(d: Derivation, name: str) -> Shape:
    return d.shapes.names[name]


def _refresh(expr: Expr, supply: IndexSupply) -> Expr:
    """Rename the bound indices of an element form so that inlining never captures."""
    bound = [s for s in expr.free_symbols | _bound(expr) if isinstance(s, Index)
             and s.name[0] in INNER_INDICES]
    return expr.xreplace({b: supply.fresh() for b in bound})


def _bound(expr: Expr) -> set:
    from sympy import Sum
    return {limit[0] for s in expr.atoms(Sum) for limit in s.limits}


def _foldable(d: Derivation) -> list[Definition]:
    out = []
    for df in d.definitions:
        shape = d.shapes.names[df.name]
        out.append(Definition(df.name, df.element_lhs,
                              index_symbols(OUTPUT_INDICES, len(shape)), df.element_rhs))
    return out


def _zero(names: Names, wrt: str) -> Expr:
    from sympy import ZeroMatrix
    symbol = names.symbols[wrt]
    return ZeroMatrix(*symbol.shape) if hasattr(symbol, "shape") else Integer(0)
