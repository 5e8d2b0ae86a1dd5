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
                          "SHAPES", "ASSUMPTIONS"})


def _clash(program) -> None:
    from ..errors import UsageError
    taken = sorted(MODULE_NAMES & {*program.names(), *(d.name for d in program.declarations)})
    if taken:
        raise UsageError(f"the name {taken[0]!r} is one the numpy module defines itself; "
                         "rename it for --format numpy", option="format", value="numpy")


def derivative_view(d, code: str | None) -> dict:
    """What ``templates/numpy_derivative.j2`` needs: a Jacobian's or Hessian's forward pass
    and its matrix as numpy, with the layout its check arranges central differences in."""
    from ..check.numeric import _invertible_names, _needs_positive
    from .numpy_source import NumpySource
    program, shapes = d.program, d.shapes
    _clash(program)
    out_shape, wrt_shape = list(shapes.names[d.output]), list(shapes.names[d.wrt])
    if code is None or len(out_shape) > 1 or len(wrt_shape) != 1:
        return {}
    inputs = list(program.inputs())
    dims = list(dict.fromkeys(x for name in inputs for x in shapes.names[name]
                              if isinstance(x, str)))
    return {
        "program": program.source, "kind": d.kind, "layout": d.layout, "wrt": d.wrt,
        "output": d.output, "code": code,
        "inputs": [{"name": n, "shape": list(shapes.names[n]),
                    "assumption": shapes.assumptions.get(n)} for n in inputs],
        "dims": {name: 2 + k % 3 for k, name in enumerate(dims)},
        "forward": [(s.target, NumpySource().code(s.value)) for s in program.statements],
        "positive": _needs_positive(program),
        "invertible": sorted(_invertible_names(program)),
        "scalar_output": not out_shape,
    }


def module_view(d: Derivation, code: list[tuple[str, str | None]]) -> dict:
    """What ``templates/numpy.j2`` needs: inputs with their shapes and assumptions, the
    forward statements, and the backward statements ``code`` ((name, numpy of dname))."""
    from ..check.numeric import _invertible_names, _needs_positive
    from .numpy_source import NumpySource
    program, shapes = d.program, d.shapes
    _clash(program)
    targets = {s.target for s in program.statements}
    unread = [x.name for x in program.declarations if x.name not in targets and
              x.name not in program.inputs()]
    inputs = [*program.inputs(), *unread]
    source = NumpySource()
    forward = [(s.target, source.code(s.value)) for s in program.statements]
    if any(line is None for _, line in code):
        return {}
    dims = list(dict.fromkeys(x for name in inputs for x in shapes.names[name]
                              if isinstance(x, str)))
    return {
        "program": program.source,
        "inputs": [{"name": n, "shape": list(shapes.names[n]),
                    "assumption": shapes.assumptions.get(n)} for n in inputs],
        "dims": {name: 2 + k % 3 for k, name in enumerate(dims)},
        "forward": forward,
        "backward": code,
        "requested": list(d.gradients),
        "output": d.output,
        "upstream": f"d{d.output}" if d.has_upstream else None,
        "output_shape": list(shapes.names[d.output]),
        "positive": _needs_positive(program),
        "invertible": sorted(_invertible_names(program)),
    }
