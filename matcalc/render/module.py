"""``--format numpy``: a Python module you can run, with ``forward``, ``backward`` and
``check`` (matrixcalculus.org's fAndG and checkGradient, for a whole program).

    forward(**inputs) -> every name's value
    backward(**inputs, dY=...) -> the requested gradients, from the numpy backward pass
    check(seed=0) -> backward against central differences on random inputs of the
                     declared shapes and assumptions

The module needs numpy only. Its forward pass spells each call as the operation's record
does (``NumpySource``); its backward pass is the one matcalc verified.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..results import Derivation


# names the module itself defines: a program name among them would be shadowed
MODULE_NAMES = frozenset({"np", "forward", "backward", "check", "jacobian", "hessian",
                          "SHAPES", "ASSUMPTIONS", "SYMMETRIC_GRADIENT"})


def _clash(program) -> None:
    from ..errors import UsageError
    taken = sorted(MODULE_NAMES & {*program.names(), *(d.name for d in program.declarations)})
    if taken:
        raise UsageError(f"the name {taken[0]!r} is one the numpy module defines itself; "
                         "rename it for --format numpy", option="format", value="numpy")


def derivative_view(d, code: str | None, lhs: str) -> dict:
    """What ``templates/numpy_derivative.j2`` needs: a Jacobian's or Hessian's forward pass
    and its matrix as numpy, with the layout its check arranges central differences in;
    ``lhs`` says what it is, ∂y/∂x or ∂vec(Y)/∂vec(X)ᵀ, in text."""
    program, shapes = d.program, d.shapes
    _clash(program)
    out_shape, wrt_shape = list(shapes.names[d.output]), list(shapes.names[d.wrt])
    if code is None or d.vec is None and (len(out_shape) > 1 or len(wrt_shape) != 1):
        return {}
    return {
        **_program_view(d, list(program.inputs())),
        "kind": d.kind, "layout": d.layout, "wrt": d.wrt, "output": d.output, "code": code,
        "scalar_output": not out_shape, "wrt2": d.wrt2 or d.wrt,
        "lhs": lhs, "vec": d.vec,
        # what vec stacks: numpy's reshape order for it ("F": the columns)
        "order": "F" if d.vec == "columns" else "C",
    }


def module_view(d: Derivation, code: list[tuple[str, str | None]]) -> dict:
    """What ``templates/numpy.j2`` needs: inputs with their shapes and assumptions, the
    forward statements, and the backward statements ``code`` ((name, "=" or "+=", numpy))."""
    program, shapes = d.program, d.shapes
    _clash(program)
    targets = {s.target for s in program.statements}
    unread = [x.name for x in program.declarations if x.name not in targets and
              x.name not in program.inputs()]
    view = _program_view(d, [*program.inputs(), *unread])  # its forward pass first
    if any(line is None for _, _, line in code):
        return {}
    return {
        **view,
        "backward": code,
        "requested": list(d.gradients),
        "output": d.output,
        "upstream": f"d{d.output}" if d.has_upstream else None,
        # several outputs: each one's upstream gradient, (dB, B), and L = Σ_O Σ dO ∘ O
        "upstreams": [(f"d{o}", o) for o in d.upstreams] if len(d.outputs) > 1 else [],
        "output_shape": list(shapes.names[d.output]),
        "symmetric": [n for n in d.symmetric_names if n in d.gradients],
    }


def _program_view(d, inputs: list[str]) -> dict:
    """What both modules share: the program, its inputs with shapes and assumptions, sizes
    for its dimensions, the forward statements as numpy, what the inputs drawn must be,
    and the branches its check must see on both sides."""
    from ..codegen.numpy_source import NumpySource
    from ..language.domains import invertible_names
    program, shapes = d.program, d.shapes
    dims = list(dict.fromkeys(x for name in inputs for x in shapes.names[name]
                              if isinstance(x, str)))
    read = {}
    for name in inputs:
        for axis, size in enumerate(shapes.names[name]):
            read.setdefault(size, f"{name}.shape[{axis}]") if isinstance(size, str) else None
    source = NumpySource(read)
    forward = [(s.target, source.code(s.value)) for s in program.statements]
    # a reshape's lengths no input has: the forward pass takes them (h=2), and a product
    # d = h·k is drawn as one
    products = {long: list(hk) for long, hk in shapes.products.items()}
    dims = list(dict.fromkeys([*dims, *source.bare,
                               *(x for hk in products.values() for x in hk
                                 if isinstance(x, str))]))
    return {
        "program": program.source,
        "inputs": [{"name": n, "shape": list(shapes.names[n]),
                    "assumption": shapes.assumptions.get(n)} for n in inputs] +
                  [{"name": n, "shape": None, "assumption": None, "length": True}
                   for n in source.bare],
        "lengths": source.bare,
        "products": products,
        # a convolution's input at least as long as two windows: (n, r, S, P, D)
        "derived": [list(spec) for spec in shapes.derived.values()],
        "dims": {name: 2 + k % 3 for k, name in enumerate(dims)},
        "forward": forward,
        "domains": _domains(program, source),
        "invertible": sorted(invertible_names(program)),
        "branches": _branches(program, source),
    }


def _domains(program, source) -> list[tuple[str, str]]:
    """Each place a domain constrains (the argument of log and √, a denominator, a
    fractional power's base) as (the call as written, numpy of how far inside the domain
    each entry is: the argument, or a denominator's size)."""
    from ..language.domains import domain_argument, domain_of
    from ..language.program import walk_program, written
    found = {}
    for node in walk_program(program):
        kind = domain_of(node)
        if kind is not None:
            code = source.code(domain_argument(node))
            found.setdefault(written(node), f"np.abs({code})" if kind == "nonzero" else code)
    return list(found.items())


def _branches(program, source) -> list[tuple[str, str, list[str]]]:
    """Each branch of the program (a call with sides: max(x, 0), |x|, maximum) as (the call
    as written, numpy of the side of its kink each entry is on, the two sides in words);
    not one whose argument's sign leaves a single side (a kink at 0 of exp(x): ``sign_of``), which
    the derivation's own check does not ask for either."""
    from .. import ops
    from ..language.domains import sign_of
    from ..language.program import Call, walk_program, written
    found = {}
    for node in walk_program(program):
        if isinstance(node, Call) and ops.get(node.func).sides_numpy is not None and \
                not (len(node.args) > 1 and all(a == node.args[0] for a in node.args)) and \
                not (len(node.args) == 1 and sign_of(node.args[0], program)):
            op = ops.get(node.func)
            code = op.sides_numpy.format(*(source.operand(a) for a in node.args))
            found.setdefault(written(node), (code, list(op.side_words)))
    return [(text, code, words) for text, (code, words) in found.items()]
