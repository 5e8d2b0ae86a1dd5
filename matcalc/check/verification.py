"""Verification of a derivation on random instances: the proof and the result.

Every step's right-hand side is evaluated at every entry of the gradient at once (an array
of its shape, ``check.tensor_eval``) and must equal the previous step's; the matrix form,
its inlined form, the numpy code and each statement of the numpy backward pass must equal
central finite differences of the forward pass (numpy semantics, independent of the element
forms) at every entry. Anything that cannot be evaluated is a failure with its reason,
never a crash.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from .. import ops
from ..arrays import np
from ..calculus.symmetric import KEY as SYMMETRIC_KEY
from ..codegen import backward as codegen
from ..index.symbols import axis_labels, jacobian_indices
from ..render import formats
from ..render.settings import LANGUAGE
from ..results import Derivation, Derivative, Gradient
from .numeric import (
    LOSS_NOISE,
    NOISE_MARGIN,
    central_difference,
    draw_instances,
    eval_numpy,
    forward,
    random_instance,
    symmetric_directions,
)
from .tensor_eval import Evaluator, _expand

RTOL = 1e-5
# second differences (a Hessian's reference) lose precision as the square of the step:
# their round-off on a function of size 1e6 is ~1e-4; every step is still held to RTOL
RTOL_SECOND = 1e-3


@dataclass
class GradientCheck:
    wrt: str
    steps: int = 0
    step_errors: list[tuple[int, str, float]] = field(default_factory=list)  # (step, key, err)
    result_error: float = 0.0
    numpy_error: float | None = None
    backward_error: float | None = None   # its statement in the numpy backward pass
    requested: bool = True
    failure: str | None = None
    result_rtol: float = RTOL            # what the result may differ from its reference

    @property
    def worst_step(self) -> float:
        return max((e for _, _, e in self.step_errors), default=0.0)

    @property
    def ok(self) -> bool:
        return self.failure is None and self.worst_step < RTOL and \
            self.result_error < self.result_rtol and \
            (self.numpy_error or 0.0) < self.result_rtol and \
            (self.backward_error or 0.0) < RTOL

    def record_step(self, n: int, key: str, err: float) -> None:
        for k, (m, _, old) in enumerate(self.step_errors):
            if m == n:
                self.step_errors[k] = (n, key, max(old, err))
                return
        self.step_errors.append((n, key, err))

    def line(self, trials: int, lang: str = "en") -> str:
        """One line: the verdict, the largest errors and any failure."""
        return str(_phrases().line(self, trials, lang))


def _phrases():
    """The report's phrases (templates/check.j2), by language."""
    return formats.environment().get_template("check.j2").module


@dataclass
class CheckReport:
    """Every result's check on ``trials`` random instances; ``uncovered`` names each
    branch the instances never saw on both sides (max(Z1, 0) never negative), ``shifted``
    each input a domain forced to one sign. Verified (``ok``) means that everything
    agrees and every branch was seen on both sides."""

    checks: list[GradientCheck]
    trials: int
    uncovered: list[str] = field(default_factory=list)
    shifted: list[str] = field(default_factory=list)

    @property
    def agrees(self) -> bool:
        """Nothing found wrong on the instances drawn."""
        return all(c.ok for c in self.checks)

    @property
    def ok(self) -> bool:
        return self.agrees and not self.uncovered

    def summary(self, lang: str = "en") -> str:
        """Every result's line, then what keeps it from being called verified (a branch
        never seen on both sides) and the inputs a domain moved."""
        phrases = _phrases()
        lines = [c.line(self.trials, lang) for c in self.checks]
        lines += [str(phrases.uncovered(site, lang)) for site in self.uncovered]
        lines += [str(phrases.shifted(shift, lang)) for shift in self.shifted]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary(LANGUAGE["lang"])

    def __repr__(self) -> str:
        return str(_phrases().headline(self, LANGUAGE["lang"]))

    def _repr_markdown_(self) -> str:
        return str(_phrases().table(self, LANGUAGE["lang"])).strip() + "\n"


def plain(values: dict) -> dict:
    """The values as a user's code would have them: a scalar is a Python float (so that
    printed code calling .item() or .sum() on it fails here as it would there)."""
    return {name: float(v) if np.ndim(v) == 0 else np.asarray(v) for name, v in values.items()}


def code_namespace(instance, shapes: dict) -> dict:
    """What printed numpy reads on an instance: its values (``plain``), and the lengths
    only a reshape names (h, as a user's code has it beside the arrays) — not a length
    an array carries (m for A: (m, n)): printed code must read that off A.shape, as a
    user's code would have no name m."""
    values = plain(instance.values)
    carried = {x for name in values for x in shapes.get(name, ()) if isinstance(x, str)}
    values.update({n: size for n, size in instance.dims.items()
                   if isinstance(n, str) and n not in values and n not in carried})
    return values


def _relative(a: np.ndarray, b: np.ndarray, floor: float) -> float:
    """The largest difference, relative to b's own scale (its largest entry) — not below
    ``floor``, the instance's noise floor (``Instance.floor``: what central differences
    can resolve, far below any gradient's scale); infinite when the shapes differ or a
    value is not finite (a NaN must never compare as small)."""
    if a.shape != b.shape or not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return float("inf")
    scale = max(floor, float(np.max(np.abs(b))) if b.size else floor)
    return float(np.max(np.abs(a - b))) / scale if a.size else 0.0


def _free(grad: Gradient, instance) -> tuple[tuple, tuple[int, ...]]:
    """The gradient's free indices (i, j) and their ranges on this instance."""
    sizes = tuple(instance.dims.get(d, d) if isinstance(d, str) else d for d in grad.shape)
    return axis_labels(grad.axes, len(grad.shape)), sizes


def _matrix_value(result, ev: Evaluator, shape: tuple[int, ...], free: tuple = ()
                  ) -> np.ndarray:
    """A matrix form's entries, flat (a scalar form: one entry), after checking that the
    matrix has the shape it stands for: rows and columns as ``shape`` says (a 1-D vector
    may be a row or a column: numpy does not tell them apart)."""
    if not result.is_Matrix:
        return ev.array(result).reshape(-1)
    if len(shape) > 2:  # a stack: its leading labels are the gradient's leading indices
        return _stack_value(result, ev, shape, free)
    value = np.asarray(ev.matrix(result))
    wanted = [shape] if len(shape) == 2 else [(1, 1)] if not shape else \
        [(shape[0], 1), (1, shape[0])]
    if value.shape not in wanted:
        raise ValueError(f"the matrix form is {value.shape[0]}×{value.shape[1]}, "
                         f"its entries {' or '.join(f'{r}×{c}' for r, c in wanted)}")
    return value.reshape(-1)


def _stack_value(result, ev: Evaluator, shape: tuple[int, ...], free: tuple) -> np.ndarray:
    """A matrix form over slices (∂L/∂C_β B_βᵀ), its leading labels laid out as the
    gradient's leading indices (constant along one it does not carry), flat."""
    value = ev.matrix_value(result)
    lead = tuple(free[:-2])
    stray = [label for label in value.labels if label not in lead]
    if stray:
        raise ValueError(f"the matrix form runs over {stray[0]}, which the gradient does not")
    data = np.asarray(_expand(value, lead))
    if data.shape[-2:] != tuple(shape[-2:]):
        raise ValueError(f"the matrix form's slices are {data.shape[-2]}×{data.shape[-1]}, "
                         f"the gradient's {shape[-2]}×{shape[-1]}")
    return np.broadcast_to(data, shape).reshape(-1)


def _numpy_error(d: Derivation, wrt: str, instance, reference: np.ndarray,
                 numpy_of: Callable[[str], str | None]) -> float | None:
    """The generated numpy code, run on the instance, against finite differences; its
    shape must be the wrt's numpy shape exactly."""
    code = numpy_of(wrt) if wrt in d.gradients else None
    if code is None:
        return None
    values = code_namespace(instance, d.shapes.names)
    values.update({f"d{o}": g for o, g in instance.given().items()})
    value = np.asarray(eval_numpy(code, values, instance.numpy_memo), dtype=float)
    if value.shape != np.shape(instance.values[wrt]):
        return float("inf")
    return _relative(value.reshape(-1), reference, instance.floor(wrt))


def _symmetrised(values: np.ndarray, sizes) -> np.ndarray:
    """sym(G) = (G + Gᵀ)/2 of a matrix's entries, flat."""
    g = values.reshape(sizes)
    return ((g + g.T) / 2).reshape(-1)


# what a step claims of the one before it, where that is not equality: by its reason
CLAIMS: dict[str, Callable[[np.ndarray, tuple], np.ndarray]] = {
    SYMMETRIC_KEY: _symmetrised,   # G → sym(G), the gradient on symmetric matrices
}


def _steps_error(steps, check: GradientCheck, ev: Evaluator, free, sizes,
                 first: int = 0) -> np.ndarray | None:
    """Each step's right-hand side at every entry against the previous step's (or what
    its reason says it is of it, ``CLAIMS``); the last one's values, flat (None if there
    are no steps). Steps are numbered from ``first``.
    A pair that differs is evaluated again with the partial derivatives in it taken by
    extrapolated differences (near a steep spot a plain central difference is off by
    1e-3): a step is wrong only if it differs then too."""
    previous, kept = None, None
    for n, step in enumerate(steps, start=first):
        values = ev.array(step.rhs, free, sizes).reshape(-1)
        if previous is not None:
            claim = CLAIMS.get(step.reason.key, lambda v, _: v)
            error = _relative(values, claim(previous, sizes), ev.instance.floor())
            if error >= RTOL:
                precise = Evaluator(ev.program, ev.instance, ev.output, precise=True)
                error = _relative(precise.array(step.rhs, free, sizes).reshape(-1),
                                  claim(precise.array(kept.rhs, free, sizes).reshape(-1),
                                        sizes), ev.instance.floor())
            check.record_step(n, step.reason.key, error)
        previous, kept = values, step
    return previous


def _check_gradient(d: Derivation, grad: Gradient, check: GradientCheck, instance,
                    ev: Evaluator, numpy_of: Callable[[str], str | None]) -> None:
    reference = np.asarray(instance.gradient_of(grad.wrt), dtype=float).reshape(-1)
    free, sizes = _free(grad, instance)
    last = _steps_error(grad.steps, check, ev, free, sizes)
    if last is not None:
        floor = instance.floor(grad.wrt)
        check.result_error = max(check.result_error, _relative(last, reference, floor))
    # the entry-by-entry proof of the inlined form: its steps numbered after the proof's
    inline = _steps_error(grad.inline_steps, check, ev, free, sizes, first=len(grad.steps))
    if inline is not None:
        check.result_error = max(check.result_error,
                                 _relative(inline, reference, instance.floor(grad.wrt)))
    for form in (grad.result, grad.inlined):
        if form is not None:
            check.result_error = max(check.result_error,
                                     _relative(_matrix_value(form, ev, sizes, free), reference,
                                               instance.floor(grad.wrt)))
    if grad.result is None:
        values = ev.array(grad.index_form, free, sizes).reshape(-1)
        check.result_error = max(check.result_error,
                                 _relative(values, reference, instance.floor(grad.wrt)))
    error = _numpy_error(d, grad.wrt, instance, reference, numpy_of)
    if error is not None:
        check.numpy_error = max(check.numpy_error or 0.0, error)


def _check_backward_code(d: Derivation, checks: dict[str, GradientCheck], instance,
                         code: list[tuple[str, str]] | None) -> None:
    """The backward pass's numpy statements, run in order: each dX must equal finite
    differences of L in X (an intermediate X perturbed where it stands)."""
    if not code:
        return
    values = code_namespace(instance, d.shapes.names)
    values.update({f"d{o}": g for o, g in instance.given().items()})
    for name, line in code:
        value = values[f"d{name}"] = np.asarray(eval_numpy(line, values), dtype=float)
        reference = np.asarray(instance.gradient_of(name), dtype=float)
        error = _relative(value.reshape(-1), reference.reshape(-1), instance.floor(name)) \
            if value.shape == np.shape(instance.values[name]) else float("inf")
        checks[name].backward_error = max(checks[name].backward_error or 0.0, error)


def verify(d: Derivation | Derivative, trials: int | None = None, seed: int = 0) -> CheckReport:
    """Verify a result numerically: a gradient derivation (3 random instances by default),
    a Jacobian or a Hessian (2). A result already verified this way is not verified again:
    the report is kept with the result, under a fingerprint of what it verified (a result
    changed since is verified anew)."""
    derivative = d.view == "derivative"
    trials = trials if trials is not None else 2 if derivative else 3
    key = (trials, seed, fingerprint(d))
    if key not in d.checked:
        with ops.scope(d.program.records):  # the program's own declarations
            d.checked[key] = verify_derivative(d, trials, seed) if derivative else \
                verify_gradients(d, trials, seed)
    return d.checked[key]


def verified(d: Derivation | Derivative) -> CheckReport | None:
    """A report kept for the result as it is now (with any trials), or None."""
    current = fingerprint(d)
    return next((report for key, report in d.checked.items() if key[2] == current), None)


def fingerprint(d: Derivation | Derivative) -> int:
    """What verification reads of a result: every step, result, inlined and index form
    (sympy expressions hash by value)."""
    if d.view == "derivative":
        parts = [(tuple(s.rhs for s in d.steps), d.result, d.index_form, d.layout)]
    else:
        parts = [(name, tuple(s.rhs for s in (*g.steps, *g.inline_steps)), g.result,
                  g.inlined, g.index_form) for name, g in d.all_gradients.items()]
    return hash(tuple(parts))


def gradient_instance(d: Derivation, seed: int):
    """A random instance of the program whose finite differences are the references of
    the derivation's gradients: a symmetric input under the sym convention moved within
    the symmetric matrices."""
    instance = random_instance(d.program, d.shapes, d.output, seed)
    instance.symmetric = frozenset(d.symmetric_names)
    return instance


def gradient_draws(d: Derivation, trials: int, seed: int):
    """The instances that verify a derivation's gradients (``numeric.draw_instances``),
    each with its symmetric inputs as ``gradient_instance`` has them."""
    draws = draw_instances(d.program, d.shapes, d.output, trials, seed)
    for instance in draws.instances:
        instance.symmetric = frozenset(d.symmetric_names)
    return draws


def verify_gradients(d: Derivation, trials: int = 3, seed: int = 0) -> CheckReport:
    """Every step of every gradient derived (requested or on the way), each result, its
    numpy code and each statement of the numpy backward pass, on ``trials`` instances."""
    checks = {name: GradientCheck(name, requested=name in d.gradients)
              for name in d.all_gradients}
    numpy_of = cache(d.numpy_of)  # the code is written once and run on every instance
    backward = cache(lambda: codegen.backward_code(d) if d.is_graph else None)
    draws = gradient_draws(d, trials, seed)
    for instance in draws.instances:
        with instance.active():
            _check_instance(d, checks, instance, numpy_of, backward)
    return CheckReport(list(checks.values()), len(draws.instances), draws.uncovered,
                       draws.shifted)


def _check_instance(d: Derivation, checks: dict[str, GradientCheck], instance, numpy_of,
                    backward) -> None:
    ev = Evaluator(d.program, instance, d.output)
    for name, grad in d.all_gradients.items():
        check = checks[name]
        check.steps = len(grad.steps) + len(grad.inline_steps)
        if check.failure:
            continue
        try:
            _check_gradient(d, grad, check, instance, ev, numpy_of)
        except Exception as error:  # a failure to evaluate is a failed check
            check.failure = f"could not evaluate: {type(error).__name__}: {error}"
    try:
        _check_backward_code(d, checks, instance, backward())
    except Exception as error:
        for check in checks.values():
            check.failure = check.failure or \
                f"numpy backward pass: {type(error).__name__}: {error}"


def layout_order(out_idx: tuple, wrt_idx: tuple, layout: str) -> tuple:
    """The textbooks' layouts, stated here independently of the derivation: numerator
    layout has the output's indices along the rows and the input's along the columns — the
    Jacobian of y ∈ ℝᵐ by x ∈ ℝⁿ is m×n, the derivative of a scalar by a matrix X is shaped
    like Xᵀ (∂ log det X/∂X = X⁻¹), of a matrix Y by a scalar like Y; denominator layout is
    the transpose. Beyond two indices: output's first (numerator) or last (denominator)."""
    if len(out_idx) + len(wrt_idx) > 2:
        return (*out_idx, *wrt_idx) if layout == "numerator" else (*wrt_idx, *out_idx)
    numerator = (*out_idx, *wrt_idx) if out_idx else tuple(reversed(wrt_idx))
    return numerator if layout == "numerator" else numerator[::-1]


def vec_matrix(tensor: np.ndarray, rows: int, order: str) -> np.ndarray:
    """A derivative's entries t[r₁, r₂, c₁, c₂] (rows: the first ``rows`` axes) as the
    matrix of the vec convention, stated here independently of the derivation: entry
    (r₁, r₂) of an (m, n) array is row r₁ + m r₂ when vec stacks the columns, r₁ n + r₂ when
    it stacks the rows (numpy's order)."""
    row_axes, col_axes = list(range(rows)), list(range(rows, tensor.ndim))
    if order == "columns":  # column-major: the first index runs fastest
        tensor = tensor.transpose([*row_axes[::-1], *col_axes[::-1]])
    count = int(np.prod(tensor.shape[:rows]))
    return tensor.reshape(count, -1)


def _second_difference(d: Derivative, inputs: dict, outputs, scale: float = 1.0
                       ) -> np.ndarray:
    """∂²f/∂x_a∂y_b by second central differences, shape (*x.shape, *y.shape): of the one
    input, or of the pair (x, y) taken as one vector, the block of x's rows and y's
    columns."""
    x = np.asarray(inputs[d.wrt][0])
    if not d.wrt2:
        return central_difference(outputs, x, order=2, scale=scale)
    y = np.asarray(inputs[d.wrt2][0])

    def joint(points):
        return outputs(points[:, :x.size].reshape(-1, *x.shape),
                       {**inputs, d.wrt2: points[:, x.size:].reshape(-1, *y.shape)})
    both = central_difference(joint, np.concatenate([x.reshape(-1), y.reshape(-1)]),
                              order=2, scale=scale)
    return both[:x.size, x.size:].reshape(*x.shape, *y.shape)


def _within_symmetric(d: Derivative, s: np.ndarray, outputs) -> np.ndarray:
    """The derivative by u at u = 0 of the output at S + Σ_p u_p D_p, D_p the moves that
    keep S symmetric (``symmetric_directions``: E_ii, E_ij + E_ji), one per entry on or
    below the diagonal in vech's order (the lower triangle's columns stacked): a Hessian's
    ∂²f/∂u_p∂u_q, or a Jacobian's ∂vec(Y)/∂u_p with rows the output's vec positions
    (transposed in the denominator layout)."""
    n = s.shape[0]
    directions, _, _ = symmetric_directions(n)

    def along(points):
        return outputs(s[None] + (points @ directions).reshape(-1, n, n))
    if d.kind == "hessian":
        return central_difference(along, np.zeros(len(directions)), order=2)
    found = central_difference(along, np.zeros(len(directions)))   # (p, *out)
    out = np.moveaxis(found, 0, -1)                                  # (*out, p)
    matrix = vec_matrix(out, out.ndim - 1, d.vec) if out.ndim > 1 else out[None]
    return matrix if d.layout == "numerator" else matrix.T


def _check_numpy(d: Derivative, matrix, check: GradientCheck, instance,
                 reference: np.ndarray, floor: float) -> None:
    """The numpy code of ``matrix`` (the result, or its vech form), run on the instance,
    against the same reference as the matrix itself."""
    code = codegen.derivative_numpy(d, matrix) if matrix is not None else None
    if code is None:
        return
    value = np.asarray(eval_numpy(code, code_namespace(instance, d.shapes.names)), dtype=float)
    error = _relative(value.reshape(-1), reference.reshape(-1), floor) \
        if value.size == reference.size else float("inf")
    check.numpy_error = max(check.numpy_error or 0.0, error)


def verify_derivative(d: Derivative, trials: int = 2, seed: int = 0) -> CheckReport:
    """A Jacobian or Hessian: each step equals the previous one at every entry, and the
    result (or the index form) equals central (second) differences of the forward pass."""
    check = GradientCheck(d.wrt, result_rtol=RTOL_SECOND if d.kind == "hessian" else RTOL)
    check.steps = len(d.steps)
    out_rank = len(d.shapes.names[d.output])
    draws = draw_instances(d.program, d.shapes, d.output, trials, seed)
    for instance in draws.instances:
        with instance.active():
            _check_derivative(d, check, instance, out_rank)
    return CheckReport([check], len(draws.instances), draws.uncovered, draws.shifted)


def _check_derivative(d: Derivative, check: GradientCheck, instance, out_rank: int) -> None:
    ev = Evaluator(d.program, instance, d.output)
    inputs = {n: np.asarray(instance.values[n], dtype=float)[None]
              for n in d.program.inputs()}
    base = np.asarray(inputs[d.wrt][0])

    def outputs(points, inputs=inputs):
        return forward(d.program, {**inputs, d.wrt: points}, batched=True,
                       frozen=instance.frozen)[d.output]

    try:
        if d.kind == "hessian":
            second = d.wrt2 or d.wrt
            reference = _second_difference(d, inputs, outputs)          # H[a, b]
            # second differences err by ~h² f⁗ (steep f) and ε S / h²: what they
            # resolve is measured by differences of twice the step
            twice = _second_difference(d, inputs, outputs, scale=2.0)
            floor = max(1.0, 3.0 / RTOL_SECOND * float(np.max(np.abs(reference - twice),
                                                               initial=0.0)))
            free = d.free
            if d.layout != "numerator":  # H[b, a]
                rank = len(d.shapes.names[second])
                reference = np.moveaxis(reference, list(range(base.ndim)),
                                        list(range(rank, rank + base.ndim)))
        else:
            # reference[in..., out...] → [out..., in...], then into the layout's order
            found = central_difference(outputs, base)
            noise = np.max(np.abs(found - central_difference(outputs, base, precise=False)),
                           initial=0.0)
            size = float(np.max(np.abs(outputs(base[None])), initial=0.0))
            floor = max(NOISE_MARGIN * float(noise), LOSS_NOISE * max(1.0, size))
            reference = np.moveaxis(found, list(range(base.ndim)),
                                    list(range(-base.ndim, 0)))
            out_idx, wrt_idx = jacobian_indices(d.shapes.names[d.output],
                                                d.shapes.names[d.wrt], d.names.shown())
            free = layout_order(out_idx, wrt_idx, d.layout)
            canonical = (*out_idx, *wrt_idx)
            reference = reference.transpose([canonical.index(f) for f in free])
        last = _steps_error(d.steps, check, ev, free, reference.shape)
        if d.kind == "jacobian" and len(free) == 1 and d.result is not None and \
                getattr(d.result, "is_Matrix", False):
            # a row in numerator layout for a scalar by a vector, a column for a
            # vector by a scalar; the denominator layout the other way (seed 004)
            row = (out_rank == 0) == (d.layout == "numerator")
            if (d.result.shape[0] == 1) != row:
                check.failure = "the vector lies the wrong way for its layout"
        if last is not None:
            check.result_error = max(check.result_error,
                                     _relative(last, reference.reshape(-1), floor))
        if d.vec is not None:  # the result is a matrix in the vec convention
            reference = vec_matrix(reference, d.vec_rows, d.vec)
        if d.result is not None:
            check.result_error = max(check.result_error, _relative(
                _matrix_value(d.result, ev, reference.shape), reference.reshape(-1), floor))
        _check_numpy(d, d.result, check, instance, reference, floor)
        if d.vech is not None:  # moved within the symmetric matrices, as the checker moves S
            within = _within_symmetric(d, base, outputs)
            check.result_error = max(check.result_error, _relative(
                _matrix_value(d.vech, ev, within.shape), within.reshape(-1), floor))
            _check_numpy(d, d.vech, check, instance, within, floor)
    except Exception as error:  # a failure to evaluate is a failed check
        check.failure = f"could not evaluate: {type(error).__name__}: {error}"

