"""The driver: text → program → shapes → element form → the first steps of a proof →
differentiate → collapse → recognise, for the three kinds of result.

    derive      ∂L/∂X for inputs X of a program: the backward pass over its graph
    jacobian    ∂Y/∂X, entry by entry, in numerator or denominator layout
    hessian     ∂²f/∂x ∂xᵀ for a scalar f of a vector x

Each writes its own first steps (the chain rule over the graph; the output's element form
with intermediates inlined; the gradient first) and hands the rest to ``prove``. Every
finished result goes to the registered observers (``observe``) before it is returned.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sympy
from sympy import Expr, Integer, Symbol

from . import ops
from .calculus.backward import backward as backward_pass
from .calculus.collapse import collapse, expand, total
from .calculus.differentiate import differentiate, push_partial, replace_partials
from .calculus.lower import Lowering, Names, lower
from .calculus.proof import Proof
from .calculus.prove import STEPS, differentiate_step, finish
from .calculus.symmetric import CONVENTIONS, SYM, symmetric_inputs
from .errors import CheckError, NoMatrixForm, UnsupportedError, UsageError
from .index.symbols import (
    NAMES,
    OUTPUT_INDICES,
    UPSTREAMS,
    WRT_INDICES,
    Element,
    Index,
    IndexSupply,
    Partial,
    axis_indices,
    dim,
    index_symbols,
    jacobian_indices,
)
from .index.vec import ORDERS, Duplication, Vec
from .language.parse import parse
from .language.program import Call, Name, Program, walk_program
from .language.shapes import Shape, Shapes, infer, show
from .observe import notify
from .ops.maps import Gradient as MapGradient
from .ops.maps import Nabla, maps_entry
from .results import ForwardDefinition
from .shown import Derivation, Derivative, with_display

LAYOUTS = ("numerator", "denominator")
PROOFS = ("full", "result")  # what is shown: every step, or the (verified) result alone


@dataclass
class Prepared:
    """A program parsed, its shapes inferred, its names made sympy symbols."""

    program: Program
    shapes: Shapes
    names: Names

    @classmethod
    def of(cls, text: str, shapes: dict[str, Shape] | None) -> Prepared:
        program = parse(text, shapes)
        inferred = infer(program)
        return cls(program, inferred, Names.of(inferred))


def derive(program: str, wrt: str | Iterable[str] | None = None,
           shapes: dict[str, Shape] | None = None, loss: str | None = None,
           inline: bool = False, check: bool = True,
           against: dict[str, str] | None = None, steps: str = "article",
           symmetric_gradient: str = SYM, backward: str = "named",
           proof: str = "full") -> Derivation:
    """Derive ∂loss/∂x for each name x in ``wrt`` (default: every input), with proofs.

    ``wrt`` is a name, several separated by commas ("W,b"), a list, or "all". If the
    output is a scalar, it is the loss; otherwise the loss is an implied scalar (``loss``,
    default L) and ∂L/∂Output is an input of the derivation. With ``check`` (the default)
    every step, result and line of numpy code is verified numerically before the result is
    returned; a wrong one raises ``CheckError`` instead.

    ``steps`` orders the proofs: "article" (the default) as the seed articles do — keep
    the terms that hold the entry, then differentiate (a scalar function of scalars at
    once: ∂f/∂x = y); for a product of two names whose result is a vector, seed 000's
    route (∂L/∂y_j ∂y_j/∂w_ij, then ∂L/∂y_j x_i, before y's element form:
    ``calculus.vector_route``); "element" writes the element form first everywhere, every
    line (seed 001's order, also for those: ∂(x y)/∂x, y ∂x/∂x, y); "delta" differentiates
    first, to Kronecker deltas, and lets them collapse the sums.

    ``proof`` is what the renderers show: "full" (the default) every step, "result" the
    result alone, as a seed states a result it does not derive (seed 001's 同様に計算する
    と ∂L/∂B = ∂L/∂C). The proof is derived and verified either way, and the output says
    that its steps were checked though not shown.

    ``symmetric_gradient`` is the gradient with respect to an input declared
    ``symmetric(n, n)`` or ``spd(n, n)``: "sym" (the default) is the gradient on the
    symmetric matrices, sym(G) = (G + Gᵀ)/2 of the gradient G that takes the entries as
    independent (⟨sym(G), D⟩ = ⟨G, D⟩ for every symmetric D, so the check moves s_ij and
    s_ji together); "full" is G itself.

    ``backward`` is how the numpy backward pass is written: "named" (the default: one
    line per named gradient the requested ones need) or "staged", as CS231n writes it
    (seed 003): one line per name a statement reads, in reverse order, (local gradient) *
    (upstream), ``+=`` for a second path into a name (``render.staged``); it is checked
    as a hand-written pass is, line by line.

    ``against`` ({"W": "X.T @ dZ"}) checks hand-derived numpy formulas for gradients: each
    verdict (``check.against.Comparison``) is in ``d.against[name]``; the names are added to
    ``wrt`` if they are not there. A key may be the gradient's numpy name, {"dW": …}.
    A whole backward pass is checked by ``check_backward(d, source)``.
    """
    _check_style(steps)
    _check_proof(proof)
    if symmetric_gradient not in CONVENTIONS:
        raise UsageError("must be sym or full", option="symmetric_gradient",
                         value=symmetric_gradient)
    if backward not in ("named", "staged"):
        raise UsageError("must be named or staged", option="backward", value=backward)
    p = Prepared.of(program, shapes)
    output = p.program.output
    loss = _loss_name(p, loss)
    if any(alias == loss for _, alias in p.program.aliases):
        raise UsageError(f"{loss!r} names the loss and a gradient; rename the gradient")
    for name in p.program.upstreams(p.shapes.names):
        if f"d{name}" in p.shapes.names:
            raise UsageError(f"the name d{name} is taken: numpy code calls the upstream "
                             f"gradient ∂{loss}/∂{name} d{name}; rename it")
    against = {name[1:] if name not in p.shapes.names and name.startswith("d") and
               name[1:] in p.shapes.names else name: formula
               for name, formula in (against or {}).items()}
    wanted = _wrt_names(p.program, wrt if wrt is not None or not against else list(against))
    if not wanted:
        raise UsageError("the program has no inputs to differentiate with respect to")
    for name in against or {}:
        if name not in p.program.inputs() and name not in p.shapes.names:
            raise UsageError("no such name in the program", option="against", value=name)
        if name not in wanted:
            wanted.append(name)
    d = Derivation(p.program, p.shapes, p.names, output, loss, [], inline=inline, style=steps,
                   symmetric_gradient=symmetric_gradient, backward=backward, proof=proof)
    for statement in p.program.statements:
        # each definition's letters start afresh, as its proof's element form does, so the
        # two read alike (L = −Σ_q Σ_r t_qr log p_qr in both)
        shape = p.shapes.names[statement.target]
        out_idx = axis_indices(shape, OUTPUT_INDICES, avoid=p.names.shown())
        supply = IndexSupply(p.names.letters(), lead=() if shape else OUTPUT_INDICES)
        rhs = lower(statement.value, out_idx, Lowering(p.names, supply))
        d.definitions.append(ForwardDefinition(
            statement.target, statement.value, p.names.element(statement.target, out_idx),
            rhs))
    try:
        d.all_gradients = {name: with_display(g) for name, g in backward_pass(d, wanted).items()}
    except RecursionError:
        raise UnsupportedError("the backward pass nests too deeply to write out; split the "
                               "program into shorter ones") from None
    d.gradients = {name: d.all_gradients[name] for name in wanted}
    d.symmetric_inputs = [n for n in symmetric_inputs(p.program, p.shapes.assumptions, SYM)
                          if n in d.all_gradients]
    for gradient in d.all_gradients.values():
        gradient.owner = d
    d = _finished_result(d, check)
    if backward == "staged":
        from .calculus.backward import staged_shares
        d.staged = staged_shares(d)
        _staged(d, check)
    if against:
        from .check.against import compare
        d.against = {name: compare(d, name, formula) for name, formula in against.items()}
    return d


def _staged(d: Derivation, check: bool) -> None:
    """The staged backward pass written, and (with ``check``) verified as a hand-written
    pass is: every gradient, after its last line, against central differences."""
    source = d.backward_numpy
    if source is None:
        raise UnsupportedError("a statement's share of a gradient has no numpy code, so "
                               "there is no staged backward pass; use --backward named")
    if check and d.verified_on:
        from .check.against import check_pass
        report = check_pass(d, source)
        if not report.ok:
            wrong = report.first_wrong
            raise CheckError("a wrong staged backward pass was caught by the numerical "
                             "check and is not shown; please report this program to "
                             "matcalc's developers"
                             + (f" (d{wrong.gradient or wrong.target[1:]})" if wrong else ""))


def check_backward(d: Derivation, source: str, trials: int = 3, seed: int = 0,
                   wanted: list[str] | tuple[str, ...] = ()):
    """A hand-written backward pass (lines ``dNAME = formula``), each line compared with
    ∂L/∂NAME in order, later lines reading the user's own earlier values: a
    ``check.against.BackwardCheck``, line by line. ``d`` is derived again if the pass
    assigns a gradient it did not derive on the way. A name of ``wanted`` (--wrt W) whose
    gradient no line assigns is said to be lacking, and the pass is not called right."""
    from .check.against import check_pass, pass_gradients
    assigned = pass_gradients(d, source)
    missing = [n for n in assigned if n not in d.all_gradients]
    if missing:
        shapes = {n: d.shapes.names[n] for n in d.program.inputs()}
        d = derive(d.program.source, wrt=[*d.gradients, *missing], shapes=shapes,
                   loss=d.loss if d.has_upstream else None, steps=d.style)
    report = check_pass(d, source, trials, seed)
    report.lacking = [n for n in dict.fromkeys(wanted) if n not in assigned]
    return report


def _check_style(steps: str) -> None:
    if steps not in STEPS:
        raise UsageError("must be article, element or delta", option="steps", value=steps)


def _check_proof(proof: str) -> None:
    if proof not in PROOFS:
        raise UsageError("must be full or result", option="proof", value=proof)


def _loss_name(p: Prepared, loss: str | None) -> str:
    output = p.program.output
    if not p.program.upstreams(p.shapes.names):
        if loss not in (None, output):
            raise UsageError(f"the output {output} is a scalar and is the loss; renaming "
                             "it would hide that: rename it in the program", option="loss",
                             value=loss)
        return output
    loss = loss or "L"
    if not loss.isidentifier() or not loss.isascii():
        raise UsageError("not a valid name", option="loss", value=loss)
    if loss in p.shapes.names and len(p.program.outputs) > 1:
        raise UsageError(f"the program has several outputs ({', '.join(p.program.outputs)}), "
                         f"so a scalar loss is implied, but its name {loss!r} is taken; "
                         "choose another loss name")
    if loss in p.shapes.names:
        raise UsageError(f"the output {output} has shape {show(p.shapes.names[output])}, "
                         f"so a scalar loss is implied, but its name {loss!r} is taken; "
                         "choose another loss name")
    return loss


def _wrt_names(program: Program, wrt: str | Iterable[str] | None) -> list[str]:
    """The names to differentiate by: those given, or every input; a program that reads
    none (L = 2 c with c computed from nothing declared) has its declared names, whose
    gradients are zero."""
    assigned = [s.target for s in program.statements]
    declared = [d.name for d in program.declarations if d.name not in assigned]
    inputs = program.inputs() or declared
    if wrt is None:
        return inputs
    given = [wrt] if isinstance(wrt, str) else list(wrt)
    wanted = [name.strip() for item in given for name in item.split(",")]
    if not wanted or any(not name for name in wanted):
        raise UsageError("needs a name (or 'all')", option="wrt")
    if "all" in wanted:
        return inputs
    for name in wanted:  # an unread declared name has a zero gradient
        if name in program.outputs:
            raise UsageError("that is the output; its gradient is the upstream gradient "
                             "itself", option="wrt", value=name)
        if name not in inputs and name not in assigned and name not in declared:
            raise UsageError(f"no such name in the program (inputs: {', '.join(inputs)})",
                             option="wrt", value=name)
    return list(dict.fromkeys(wanted))


# ---------------------------------------------------------------- Jacobians and Hessians

def jacobian(program: str, wrt: str, layout: str = "numerator",
             shapes: dict[str, Shape] | None = None, check: bool = True,
             steps: str = "article", proof: str = "full", vec: str = "columns") -> Derivative:
    """∂Y/∂X for the program's output Y, entry by entry, in the given layout:
    numerator J_ki = ∂y_k/∂x_i (rows follow the output), denominator its transpose.

    The proof is the engine's: element form (intermediates inlined), differentiation to
    Kronecker deltas, collapse, recognition. A derivative with three or four free indices
    (∂(W x)/∂W, ∂(X X)/∂X) is read as the matrix ∂vec(Y)/∂vec(X)ᵀ in the ``vec``
    convention (``hessian``), where its terms are entries of Kronecker products."""
    _check_style(steps)
    _check_proof(proof)
    if vec not in ORDERS:
        raise UsageError("must be columns or rows", option="vec", value=vec)
    p = _prepare_derivative(program, wrt, layout, shapes)
    out_shape, wrt_shape = p.shapes.names[p.program.output], p.shapes.names[wrt]
    out_idx, wrt_idx = jacobian_indices(out_shape, wrt_shape, p.names.shown())
    y = p.names.element(p.program.output, out_idx)
    var = p.names.element(wrt, wrt_idx)
    free = _layout(out_idx, wrt_idx, layout)
    symbol_out, symbol_wrt = p.names.symbols[p.program.output], p.names.symbols[wrt]
    matrix_lhs = Partial(symbol_out, symbol_wrt)
    by_vec = len(free) > 2 and len(out_idx) <= 2 and len(wrt_idx) <= 2
    if by_vec:  # ∂vec(Y)/∂vec(X)ᵀ
        y_vec, x_vec = _vec(symbol_out, vec), _vec(symbol_wrt, vec)
        matrix_lhs = Partial(y_vec, sympy.Transpose(x_vec)) if layout == "numerator" \
            else Partial(sympy.Transpose(y_vec), x_vec)
    d = Derivative("jacobian", p.program, p.shapes, p.names, p.program.output, wrt, layout,
                   Partial(y, var), matrix_lhs, free, proof=proof)
    if by_vec:
        d.vec, d.vec_rows = vec, len(out_idx) if layout == "numerator" else len(wrt_idx)
    proof = Proof(d.lhs, free)
    form = _inlined(p, out_idx)
    if maps_entry(form, var):  # y = g(x), g declared: ∂y_k/∂x_i is its Jacobian's entry
        expr = ops.of_node(form).differentiate(form, var, differentiate)
        expr = expr.xreplace({g: Nabla(*g.args) for g in expr.atoms(MapGradient)})
    else:
        expr = push_partial(form, var)
        proof.record(expr, "element_form", names=[p.program.output])
        expr = differentiate_step(proof, expr, wrt, steps)
    dims = {i: dim(n) for i, n in zip((*out_idx, *wrt_idx), (*out_shape, *wrt_shape))}
    if steps == "article" and layout == "numerator" and \
            _rows_route(form, out_idx, wrt_idx, getattr(var, "matrix", None)):
        d.rows = form  # seed 004: f's rows written out, each differentiated by x
    return _finished(d, proof, expr, dims, check)


def _rows_route(form: Expr, out_idx: tuple, wrt_idx: tuple, x) -> bool:
    """Seed 004's route for ∂(Wx)/∂x: a vector by a vector whose entry is one sum over the
    input's entries, y_k = Σ_p w_kp x_p (a linear map). The rows are written out,
    ∂(w_11 x_1 + w_12 x_2 + ⋯ + w_1n x_n)/∂x = (w_11, w_12, ⋯, w_1n), from the proof's
    element form and its last step at k = 1, 2, …, m (``render.expand.jacobian_rows``)."""
    if len(out_idx) != 1 or len(wrt_idx) != 1 or not isinstance(form, sympy.Sum) or \
            len(form.limits) != 1:
        return False
    p = form.limits[0][0]
    entries = [e for e in form.function.atoms(Element) if e.matrix == x]
    return bool(entries) and all(e.indices[0] == p for e in entries) and \
        form.function.is_polynomial(*entries) and \
        all(sympy.degree(form.function, e) == 1 for e in entries)


def _layout(out_idx: tuple, wrt_idx: tuple, layout: str) -> tuple:
    """The order of the free indices. Numerator layout: rows follow the output, columns
    the input (∂y/∂x is m×n for y ∈ ℝᵐ, x ∈ ℝⁿ), so a scalar's derivative by a vector is a
    row (∂(aᵀx)/∂x = aᵀ, 0 in the row's place), by a matrix X is shaped like Xᵀ, and a
    matrix's by a scalar like Y; denominator layout is its transpose.
    With more than two indices there is no matrix, and the output's indices come first
    (numerator) or last (denominator)."""
    numerator = (*out_idx, *(reversed(wrt_idx) if not out_idx else wrt_idx))
    if len(numerator) == 1:  # seed 004: ∂f/∂x of a scalar is a row in numerator layout
        numerator = (Integer(0), *numerator) if not out_idx else (*numerator, Integer(0))
    if layout == "numerator":
        return numerator
    return numerator[::-1] if len(numerator) <= 2 else (*wrt_idx, *out_idx)


def hessian(program: str, wrt: str | Sequence[str], layout: str = "numerator",
            shapes: dict[str, Shape] | None = None, check: bool = True,
            steps: str = "article", proof: str = "full", vec: str = "columns") -> Derivative:
    """∂²f/∂x_i∂x_j for a scalar output f of a vector x (the denominator layout is its
    transpose; the two agree wherever f is twice continuously differentiable).

    By a matrix X, ∂²f/∂x_ij∂x_kl has four indices: it is given as the matrix
    ∂²f/∂vec(X)∂vec(X)ᵀ, in the ``vec`` convention ("columns": vec stacks the columns, as
    Magnus–Neudecker and the Matrix Cookbook; "rows": numpy's order). Two inputs,
    wrt="W, b", give the block ∂²f/∂vec(W)∂vec(b)ᵀ."""
    _check_style(steps)
    _check_proof(proof)
    first, second = _wrt_pair(wrt)
    if vec not in ORDERS:
        raise UsageError("must be columns or rows", option="vec", value=vec)
    p = _prepare_derivative(program, first, layout, shapes)
    _check_input(p.program, second)
    output = p.program.output
    if p.shapes.names[output]:
        raise UsageError(f"a Hessian needs a scalar output; {output} has shape "
                         f"{show(p.shapes.names[output])}")
    shape_1, shape_2 = p.shapes.names[first], p.shapes.names[second]
    for name, shape in ((first, shape_1), (second, shape_2)):
        if not 1 <= len(shape) <= 2:
            raise UsageError(f"a Hessian is taken with respect to a vector or a matrix; "
                             f"{name} has shape {show(shape)}")
    idx_1 = index_symbols(WRT_INDICES, len(shape_1))
    idx_2 = (Index("j"),) if len(shape_1) == len(shape_2) == 1 else \
        index_symbols(OUTPUT_INDICES, len(shape_2))
    f = p.names.symbols[output]
    x, y = p.names.symbols[first], p.names.symbols[second]
    xi, yj = p.names.element(first, idx_1), p.names.element(second, idx_2)
    free = (*idx_1, *idx_2) if layout == "numerator" else (*idx_2, *idx_1)
    rows, cols = (x, y) if layout == "numerator" else (y, x)  # the block's transpose
    if len(free) == 2:
        matrix_lhs = Partial(Partial(f, rows), sympy.Transpose(cols))  # ∂²f/∂x∂yᵀ
    else:  # ∂²f/∂vec(X)∂vec(X)ᵀ
        matrix_lhs = Partial(Partial(f, _vec(rows, vec)), sympy.Transpose(_vec(cols, vec)))
    d = Derivative("hessian", p.program, p.shapes, p.names, output, first, layout,
                   Partial(Partial(f, xi), yj), matrix_lhs, free, proof=proof)
    d.wrt2 = second if second != first else None
    proof = Proof(d.lhs, free)
    gradient_first = replace_partials(push_partial(_inlined(p, ()), xi),
                                      lambda q: differentiate(q.expr, q.var))
    terms, _ = collapse(expand(gradient_first))
    gradient = total(terms)
    proof.record(push_partial(gradient, yj) if isinstance(gradient, sympy.Sum)
                 else Partial(gradient, yj), "gradient_first", wrt=first)
    expr = differentiate_step(proof, proof.last, second, steps)
    dims = {i: dim(n) for i, n in zip((*idx_1, *idx_2), (*shape_1, *shape_2))}
    if len(free) > 2:  # rows: the first input's indices (the second's in denominator)
        d.vec, d.vec_rows = vec, len(idx_1 if layout == "numerator" else idx_2)
    return _finished(d, proof, expr, dims, check)


def _wrt_pair(wrt: str | Sequence[str]) -> tuple[str, str]:
    """The Hessian's inputs: "X" (∂²f/∂X∂X) or "W, b" (the block ∂²f/∂W∂b)."""
    names = [w.strip() for w in (wrt.split(",") if isinstance(wrt, str) else wrt)
             if w.strip()]
    if not 1 <= len(names) <= 2:
        raise UsageError("a Hessian is taken by one input or a pair (W, b)", option="wrt",
                         value=",".join(names))
    return names[0], names[-1]


def _vec(symbol: Expr, order: str) -> Expr:
    """vec(X) for a matrix; a column vector is its own vec."""
    if isinstance(symbol, sympy.MatrixSymbol) and symbol.shape[1] != 1:
        return Vec(symbol, order)
    return symbol


def _shorthand(d: Derivative) -> Expr | None:
    """Seed 004's xᵀ for ∂(Wx)/∂W: a vector by a matrix whose index form is δ_ik v_j —
    each slice ∂y_k/∂W holds vᵀ in its row k and 0 in every other — is written vᵀ in
    machine learning. The shorthand of the slices' one row, not a matrix equal to the
    derivative (which has three indices); None where it does not apply."""
    if d.kind != "jacobian" or len(d.free) != 3 or \
            not isinstance(d.index_form, sympy.Mul) or \
            (len(d.shapes.names[d.output]), len(d.shapes.names[d.wrt])) != (1, 2):
        return None  # a vector by a matrix only
    k, i, j = d.free if d.layout == "numerator" else (d.free[2], d.free[0], d.free[1])
    factors = list(d.index_form.args)
    delta = [f for f in factors if isinstance(f, sympy.KroneckerDelta)]
    rest = [f for f in factors if not isinstance(f, sympy.KroneckerDelta)]
    if len(delta) != 1 or set(delta[0].args) != {k, i} or len(rest) != 1 or \
            not isinstance(rest[0], Element):
        return None
    v = rest[0].matrix
    if not isinstance(v, sympy.MatrixSymbol) or v.shape[1] != 1 or rest[0].row != j:
        return None
    return sympy.Transpose(v)


def _finished(d: Derivative, proof: Proof, expr: Expr, dims: dict,
              check: bool) -> Derivative:
    outcome = finish(proof, expr, d.free, dims, d.shapes.assumptions,
                     max_free=2)
    d.steps = proof.steps
    d.index_form = outcome.index_form
    d.no_matrix_form, d.form = outcome.no_matrix_form, outcome.form
    d.result = outcome.result
    d.shorthand = _shorthand(d)
    layout = _vec_layout(d, dims)
    if layout is not None and outcome.terms:
        from .calculus.kronecker import vec_form  # by matrices only: not on every start
        try:
            d.result = vec_form(outcome.terms, layout, d.shapes.assumptions, proof)
            d.no_matrix_form = None
        except NoMatrixForm as why:  # the vec matrix exists; its entries are the index form
            d.no_matrix_form = str(why)
            d.vec, d.no_kronecker = None, True
        d.steps = proof.steps
    if not outcome.terms and layout is not None:  # a zero of the vec matrix's shape
        d.result = sympy.ZeroMatrix(*layout.shape())
    if d.kind == "hessian" and d.vec is not None and d.wrt2 is None and \
            d.result is not None and d.shapes.assumptions.get(d.wrt) in ("symmetric", "spd"):
        # S symmetric: vec(S) = D_n vech(S), so the Hessian in vech(S) is D_nᵀ H D_n (in
        # either order: rvec(S) = vec(Sᵀ) = vec(S), and K D_n = D_n)
        from .calculus.kronecker import in_vech
        d.vech = in_vech(d.result, Duplication(d.names.symbols[d.wrt].shape[0]))
    elif d.kind == "jacobian" and d.vec is not None and d.result is not None and \
            len(d.shapes.names[d.wrt]) == 2 and \
            d.shapes.assumptions.get(d.wrt) in ("symmetric", "spd"):
        # by a symmetric S: ∂vec(Y)/∂vech(S)ᵀ = J D_n (its transpose in the denominator)
        duplication = Duplication(d.names.symbols[d.wrt].shape[0])
        d.vech = sympy.MatMul(d.result, duplication) if d.layout == "numerator" else \
            sympy.MatMul(sympy.Transpose(duplication), d.result)
    elif not outcome.terms and layout is None:  # the output does not depend on the wrt
        sizes = [dims.get(f, Integer(1)) for f in d.free]
        if len(sizes) > 2:
            d.no_matrix_form = f"{len(sizes)} free indices: a tensor of order {len(sizes)}"
        else:
            d.result = sympy.ZeroMatrix(*sizes, *[Integer(1)] * (2 - len(sizes))) \
                if sizes else Integer(0)
    return _finished_result(d, check)


def _vec_layout(d: Derivative, dims: dict):
    """Rows and columns of the vec matrix (``calculus.kronecker.Layout``): the first
    ``vec_rows`` free indices are the rows', each side padded with 0 (a vector's second
    index, of size 1); None unless the derivative is read in the vec convention."""
    if d.vec is None:
        return None
    from .calculus.kronecker import Layout as VecLayout
    rows, cols = d.free[:d.vec_rows], d.free[d.vec_rows:]
    pad = (Integer(0),)
    return VecLayout((*rows, *pad)[:2], (*cols, *pad)[:2], dims, d.vec,
                     frozenset(d.names.symbols))


def _finished_result(result: Derivation | Derivative, check: bool):
    """Verify the result (unless ``check`` is off), then hand it to the observers. A wrong
    result is never returned: it raises ``CheckError``; a program defined nowhere raises
    ``DomainError``. A program whose domain the checker cannot draw from, or one with a
    branch its random instances never reach on both sides, is returned unverified, and
    says so."""
    if check:
        from .check import verify  # numpy (or purenp) is imported here, not for deriving
        try:
            report = verify(result)
        except UnsupportedError as why:
            result.unverified = str(why)
        else:
            if not report.agrees:
                failed = [c for c in report.checks if not c.ok]
                if all("MemoryError" in (c.failure or "") for c in failed):
                    raise CheckError("the numerical check ran out of memory, so the derivation "
                                     "is not shown (it was not found wrong); please report "
                                     "this program to matcalc's developers")
                raise CheckError("a wrong derivation was caught by the numerical check and "
                                 "is not shown; please report this program to matcalc's "
                                 f"developers ({failed[0].line(report.trials)})")
            if report.uncovered:  # right where it was checked, but not on every branch
                result.unverified = "; ".join(report.uncovered)
            else:
                result.verified_on = report.trials
    return notify(result)


def _prepare_derivative(program: str, wrt: str, layout: str,
                        shapes: dict[str, Shape] | None) -> Prepared:
    if layout not in LAYOUTS:
        raise UsageError("must be numerator or denominator", option="layout", value=layout)
    p = Prepared.of(program, shapes)
    if wrt == "all" and wrt not in p.program.inputs():
        raise UsageError("a Jacobian or Hessian is taken by one input (all is for derive)",
                         option="wrt", value=wrt)
    _check_input(p.program, wrt)
    return p


def _check_input(program: Program, wrt: str) -> None:
    if wrt not in program.inputs():
        raise UsageError(f"not an input of the program (inputs: "
                         f"{', '.join(program.inputs())})", option="wrt", value=wrt)


def _inlined(p: Prepared, idx: tuple) -> Expr:
    """The output's element form, each intermediate replaced by its own (fresh indices):
    an entry m_kl by m's element form, a scalar by its value, and a matrix inside det or
    inv (det M for M = A + x xᵀ) by its matrix expression, so that the derivative sees
    every way the wrt enters."""
    values = {s.target: s.value for s in p.program.statements}
    padded = [n for n in walk_program(p.program) if isinstance(n, Call) and n.options
              and dict(n.options).get("padding") and isinstance(n.args[0], Name)
              and n.args[0].id in values]
    if padded:  # inlined, an intermediate's entry past the edge would read f(0), not 0
        raise UnsupportedError(f"{padded[0].func} with padding of the intermediate "
                               f"{padded[0].args[0].id}: derive its gradient (matcalc derive);"
                               " a Jacobian or Hessian through it is not supported",
                               padded[0].pos.line, padded[0].pos.col)
    ctx = Lowering(p.names, IndexSupply(p.names.letters()))
    form = lower(values[p.program.output], idx, ctx)
    for _ in range(2 * len(values) + 1):
        entries = [e for e in form.atoms(Element) if isinstance(e.matrix, NAMES)
                   and e.matrix.name in values]
        scalars = [s for s in form.atoms(Symbol)
                   if not isinstance(s, Index) and s.name in values]
        replacements = {}
        for e in entries:
            rank = len(p.names.shape(e.matrix.name))
            at = e.indices if e.order > 2 else e.indices[:rank]  # a stack: every index
            replacements[e] = lower(values[e.matrix.name], at, ctx)
        for s in scalars:
            replacements[s] = lower(values[s.name], (), ctx)
        if replacements:
            form = form.xreplace(replacements)
            continue
        matrices = {m: ctx.matrix(values[m.name]) for m in form.atoms(*NAMES)
                    if m.name in values and not isinstance(m, UPSTREAMS)}
        if not matrices:
            break
        form = form.xreplace(matrices)
    return form
