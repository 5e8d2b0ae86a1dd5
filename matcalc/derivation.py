"""The driver: text → program → shapes → element form → chain → collapse → recognise.

A ``Derivation`` holds the forward definitions and, per wrt name, the ordered proof
``Step(lhs, rhs, reason)``. Every rhs is a real sympy expression equal to the previous one
(``matcalc.check`` evaluates them); reasons are data that templates phrase.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sympy import Expr

from .errors import UsageError
from .lower import OUTPUT_INDICES, IndexSupply, Lowering, Names, index_symbols, lower
from .parse import parse
from .program import Program
from .recognise import Reason
from .shapes import Shape, Shapes, infer


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
    """∂L/∂X with its proof. ``result`` is the named form (in terms of the gradients of the
    results X feeds, ∂L/∂Z), ``inlined`` the same with every named gradient substituted."""

    wrt: str
    shape: Shape
    lhs: Expr                    # ∂L/∂a_ij
    matrix_lhs: Expr             # ∂L/∂A (as a Partial of matrices)
    steps: list[Step]
    result: Expr | None          # the matrix form, or None when there is none
    index_form: Expr             # the collapsed index form
    no_matrix_form: str | None = None
    consumers: list[str] = field(default_factory=list)   # the results X feeds
    inlined: Expr | None = None
    zero: bool = False           # X does not influence the output


@dataclass
class Derivation:
    program: Program
    shapes: Shapes
    names: Names
    output: str
    loss: str
    definitions: list[ForwardDefinition]
    gradients: dict[str, Gradient] = field(default_factory=dict)   # the requested ones
    backward: dict[str, Gradient] = field(default_factory=dict)    # every one derived, in order
    inline: bool = False          # renderers also show each requested gradient substituted

    # -- convenience for the common one-wrt case
    @property
    def gradient(self) -> Gradient:
        return next(iter(self.gradients.values()))

    @property
    def result(self) -> Expr | None:
        """The matrix form (for a graph, in terms of the named gradients ∂L/∂Z)."""
        return self.gradient.result

    @property
    def inlined(self) -> Expr | None:
        """The matrix form with every named gradient substituted (what numpy computes)."""
        return self.gradient.inlined

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

    @property
    def is_graph(self) -> bool:
        """More than one statement: the backward pass has named intermediate gradients."""
        return len(self.program.statements) > 1

    def evaluate(self, values: dict, upstream=None) -> dict:
        """The requested gradients at given input values (numbers or arrays), by numpy."""
        from .numeric import evaluate_gradients
        return evaluate_gradients(self, values, upstream)

    def numpy_of(self, wrt: str) -> str:
        from .render import numpy_code
        return numpy_code(self, self.gradients[wrt])

    @property
    def backward_numpy(self) -> str | None:
        """For a program of several statements, the backward pass as numpy statements
        (dZ2 = …, then dW2 = H1.T @ dZ2), one per named gradient the requested ones need;
        None for one statement (``numpy`` is the whole gradient) or if a needed gradient
        has no matrix form."""
        from .render import backward_code
        code = backward_code(self) if self.is_graph else None
        return None if code is None else "\n".join(f"d{name} = {line}" for name, line in code)

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
           shapes: dict[str, Shape] | None = None, loss: str | None = None,
           inline: bool = False) -> Derivation:
    """Derive ∂loss/∂x for each name x in ``wrt`` (default: every input), with proofs.

    If the output is a scalar, it is the loss; otherwise the loss is an implied scalar
    (``loss``, default L) and ∂L/∂Output is an input of the derivation.
    """
    from .backward import backward
    parsed = parse(program, shapes)
    inferred = infer(parsed)
    names = Names.of(inferred)
    output = parsed.output
    scalar_output = not inferred.names[output]
    if scalar_output:
        if loss not in (None, output):
            raise UsageError(f"the output {output} is a scalar and is the loss; "
                             f"--loss {loss} would rename it: rename it in the program")
        loss = output
    else:
        loss = loss or "L"
        if not loss.isidentifier() or not loss.isascii():
            raise UsageError(f"--loss {loss!r} is not a valid name")
        if loss in inferred.names:
            from .shapes import show
            raise UsageError(f"the output {output} has shape {show(inferred.names[output])}, "
                             f"so a scalar loss is implied, but its name {loss!r} is taken; "
                             "choose another with --loss")
    if not parsed.inputs():
        raise UsageError("the program has no inputs to differentiate with respect to")
    if not scalar_output and f"d{output}" in inferred.names:
        raise UsageError(f"the name d{output} is taken: numpy code calls the upstream gradient "
                         f"∂{loss}/∂{output} d{output}; rename it")
    wanted = _wrt_names(parsed, wrt)
    derivation = Derivation(parsed, inferred, names, output, loss, [], inline=inline)
    supply = IndexSupply(names.letters())
    for statement in parsed.statements:
        shape = inferred.names[statement.target]
        out_idx = index_symbols(OUTPUT_INDICES, len(shape))
        rhs = lower(statement.value, out_idx, Lowering(names, supply))
        derivation.definitions.append(ForwardDefinition(
            statement.target, statement.value, names.element(statement.target, out_idx), rhs))
    try:
        derivation.backward = backward(derivation, wanted)
    except RecursionError:
        from .errors import UnsupportedError
        raise UnsupportedError("the backward pass nests too deeply to write out; split the "
                               "program into shorter ones") from None
    derivation.gradients = {name: derivation.backward[name] for name in wanted}
    return derivation


def _wrt_names(program: Program, wrt: str | Iterable[str] | None) -> list[str]:
    inputs = program.inputs()
    if wrt is None or wrt == "all":
        return inputs
    wanted = [wrt] if isinstance(wrt, str) else list(wrt)
    if not wanted or any(not name for name in wanted):
        raise UsageError("--wrt needs a name (or 'all')")
    if "all" in wanted:
        return inputs
    assigned = [s.target for s in program.statements]
    for name in wanted:
        if name == program.output:
            raise UsageError(f"--wrt {name}: that is the output; its gradient is the "
                             "upstream gradient itself")
        if name not in inputs and name not in assigned:
            raise UsageError(f"--wrt {name}: no such name in the program "
                             f"(inputs: {', '.join(inputs)})")
    return list(dict.fromkeys(wanted))
