"""Verification of a derivation on random instances: the proof and the result.

Every step's right-hand side is evaluated at entries of the gradient (all of them, or a
sample of ``MAX_ENTRIES`` for big ones) and must equal the previous step's; the matrix form,
its inlined form, the numpy code and each statement of the numpy backward pass must equal
central finite differences of the forward pass (numpy semantics, independent of the element
forms) at every entry. Anything that cannot be evaluated is a failure with its reason,
never a crash.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from .calculus.symbols import Index
from .numeric import Evaluator, eval_numpy, random_instance
from .results import Derivation, Gradient

RTOL = 1e-5
MAX_ENTRIES = 12


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

    @property
    def worst_step(self) -> float:
        return max((e for _, _, e in self.step_errors), default=0.0)

    @property
    def ok(self) -> bool:
        return self.failure is None and self.worst_step < RTOL and \
            self.result_error < RTOL and (self.numpy_error or 0.0) < RTOL and \
            (self.backward_error or 0.0) < RTOL

    def record_step(self, n: int, key: str, err: float) -> None:
        for k, (m, _, old) in enumerate(self.step_errors):
            if m == n:
                self.step_errors[k] = (n, key, max(old, err))
                return
        self.step_errors.append((n, key, err))

    def line(self, trials: int) -> str:
        verdict = "ok" if self.ok else "MISMATCH"
        plural = "s" if self.steps != 1 else ""
        text = (f"{self.wrt}: {verdict} — {self.steps} step{plural}, largest step error "
                f"{self.worst_step:.1e}; result vs finite differences {self.result_error:.1e}")
        if self.numpy_error is not None:
            text += f", numpy code {self.numpy_error:.1e}"
        if self.backward_error is not None:
            text += f", numpy backward pass {self.backward_error:.1e}"
        if self.failure:
            text += f"; {self.failure}"
        return text + f" ({trials} random instances)"


@dataclass
class CheckReport:
    checks: list[GradientCheck]
    trials: int

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def summary(self) -> str:
        return "\n".join(c.line(self.trials) for c in self.checks)


def _relative(a: np.ndarray, b: np.ndarray) -> float:
    if a.shape != b.shape:
        return float("inf")
    scale = max(1.0, float(np.max(np.abs(b))) if b.size else 1.0)
    return float(np.max(np.abs(a - b))) / scale if a.size else 0.0


def _entries(grad: Gradient, instance, rng) -> list[tuple[int, dict[Index, int]]]:
    """(flat position, index values) for the entries to evaluate: all, or a sample."""
    from .calculus.symbols import WRT_INDICES, index_symbols
    idx = index_symbols(WRT_INDICES, len(grad.shape))
    sizes = [instance.dims.get(d, d) if isinstance(d, str) else d for d in grad.shape]
    points = list(itertools.product(*(range(s) for s in sizes)))
    chosen = range(len(points))
    if len(points) > MAX_ENTRIES:
        chosen = sorted(rng.choice(len(points), MAX_ENTRIES, replace=False))
    return [(int(k), dict(zip(idx, points[k]))) for k in chosen]


def _matrix_value(result, ev: Evaluator, count: int) -> np.ndarray:
    if result.is_Matrix:
        return np.asarray(ev.matrix(result)).reshape(-1)
    return np.full(count, ev.scalar(result, {})) if count == 1 else \
        np.array([ev.scalar(result, {})])


def _numpy_error(d: Derivation, wrt: str, instance, reference: np.ndarray) -> float | None:
    """The generated numpy code, run on the instance, against finite differences; its
    shape must be the wrt's numpy shape exactly."""
    code = d.numpy_of(wrt) if wrt in d.gradients else None
    if code is None:
        return None
    values = dict(instance.values)
    if instance.upstream is not None:
        values[f"d{d.output}"] = instance.upstream
    value = np.asarray(eval_numpy(code, values), dtype=float)
    if value.shape != np.shape(instance.values[wrt]):
        return float("inf")
    return _relative(value.reshape(-1), reference)


def _check_gradient(d: Derivation, grad: Gradient, check: GradientCheck, instance,
                    ev: Evaluator, rng) -> None:
    reference = np.asarray(instance.gradient_of(grad.wrt), dtype=float).reshape(-1)
    entries = _entries(grad, instance, rng)
    positions = [k for k, _ in entries]
    previous = None
    for n, step in enumerate(grad.steps):
        values = np.array([ev.scalar(step.rhs, env) for _, env in entries])
        if previous is not None:
            check.record_step(n, step.reason.key, _relative(values, previous))
        previous = values
    if previous is not None:
        check.result_error = max(check.result_error, _relative(previous, reference[positions]))
    for form in (grad.result, grad.inlined):
        if form is not None:
            value = _matrix_value(form, ev, reference.size)
            check.result_error = max(check.result_error, _relative(value, reference))
    if grad.result is None:
        values = np.array([ev.scalar(grad.index_form, env) for _, env in entries])
        check.result_error = max(check.result_error, _relative(values, reference[positions]))
    error = _numpy_error(d, grad.wrt, instance, reference)
    if error is not None:
        check.numpy_error = max(check.numpy_error or 0.0, error)


def _check_backward_code(d: Derivation, checks: dict[str, GradientCheck], instance) -> None:
    """The backward pass's numpy statements, run in order: each dX must equal finite
    differences of L in X (an intermediate X perturbed where it stands)."""
    from .render.formats import backward_code
    code = backward_code(d) if d.is_graph else None
    if not code:
        return
    values = dict(instance.values)
    if instance.upstream is not None:
        values[f"d{d.output}"] = instance.upstream
    for name, line in code:
        value = values[f"d{name}"] = np.asarray(eval_numpy(line, values), dtype=float)
        reference = np.asarray(instance.gradient_of(name), dtype=float)
        error = _relative(value.reshape(-1), reference.reshape(-1)) \
            if value.shape == np.shape(instance.values[name]) else float("inf")
        checks[name].backward_error = max(checks[name].backward_error or 0.0, error)


def verify(d, trials: int | None = None, seed: int = 0) -> CheckReport:
    """Verify a result numerically: a gradient derivation, a Jacobian or a Hessian. A
    result already verified with these trials is not verified again."""
    key = (trials, seed)
    if key not in d.checked:
        if d.view == "derivative":
            d.checked[key] = verify_derivative(d, trials or 2, seed)
        else:
            d.checked[key] = verify_gradients(d, trials or 3, seed)
    return d.checked[key]


def verify_gradients(d: Derivation, trials: int = 3, seed: int = 0) -> CheckReport:
    checks = {name: GradientCheck(name, requested=name in d.gradients) for name in d.all_gradients}
    for trial in range(trials):
        instance = random_instance(d.program, d.shapes, d.output, seed + trial)
        ev = Evaluator(d.program, instance, d.output)
        rng = np.random.default_rng(1000 + trial)
        for name, grad in d.all_gradients.items():
            check = checks[name]
            check.steps = len(grad.steps)
            if check.failure:
                continue
            try:
                _check_gradient(d, grad, check, instance, ev, rng)
            except Exception as error:  # a failure to evaluate is a failed check
                check.failure = f"could not evaluate: {type(error).__name__}: {error}"
        try:
            _check_backward_code(d, checks, instance)
        except Exception as error:
            for check in checks.values():
                check.failure = check.failure or \
                    f"numpy backward pass: {type(error).__name__}: {error}"
    return CheckReport(list(checks.values()), trials)


def verify_derivative(d, trials: int = 2, seed: int = 0) -> CheckReport:
    """A Jacobian or Hessian: each step equals the previous one at every entry, and the
    result (or the index form) equals central (second) differences of the forward pass."""
    from .numeric import forward
    check = GradientCheck(d.wrt)
    check.steps = len(d.steps)
    out_shape = d.shapes.names[d.output]
    for trial in range(trials):
        instance = random_instance(d.program, d.shapes, d.output, seed + trial)
        ev = Evaluator(d.program, instance, d.output)
        inputs = {n: instance.values[n] for n in d.program.inputs()}
        base = np.array(inputs[d.wrt], dtype=float)

        def out(moved, inputs=inputs):
            return np.asarray(forward(d.program, {**inputs, d.wrt: moved})[d.output])

        if d.kind == "hessian":
            h = 1e-4
            n = base.size
            reference = np.zeros((n, n))
            for a in range(n):
                for b in range(n):
                    total = 0.0
                    for sa, sb, sign in ((1, 1, 1), (1, -1, -1), (-1, 1, -1), (-1, -1, 1)):
                        moved = base.copy()
                        moved[a] += sa * h
                        moved[b] += sb * h
                        total += sign * float(out(moved))
                    reference[a, b] = total / (4 * h * h)
        else:
            columns = []
            for position in np.ndindex(base.shape):
                plus, minus = base.copy(), base.copy()
                plus[position] += 1e-6
                minus[position] -= 1e-6
                columns.append((out(plus) - out(minus)) / 2e-6)
            # reference[out..., in...] in numerator layout
            reference = np.moveaxis(np.array(columns).reshape(*base.shape, *np.shape(
                columns[0])), list(range(base.ndim)), list(range(-base.ndim, 0)))
            if d.layout == "denominator":
                reference = np.moveaxis(reference, list(range(len(out_shape))),
                                        list(range(-len(out_shape), 0)))
        from .calculus.symbols import OUTPUT_INDICES, WRT_INDICES, index_symbols
        if d.kind == "hessian":
            free = index_symbols(WRT_INDICES, 2)
            free = free if d.layout == "numerator" else free[::-1]
        else:
            out_idx = index_symbols(OUTPUT_INDICES, len(out_shape))
            wrt_idx = index_symbols(WRT_INDICES, base.ndim)
            free = (*wrt_idx, *out_idx) if d.layout == "denominator" else (*out_idx, *wrt_idx)
        sizes = reference.shape
        points = list(itertools.product(*(range(s) for s in sizes)))
        try:
            previous = None
            for n, step in enumerate(d.steps):
                values = np.array([ev.scalar(step.rhs, dict(zip(free, p))) for p in points])
                if previous is not None:
                    check.record_step(n, step.reason.key, _relative(values, previous))
                previous = values
            if d.result is not None:
                value = np.asarray(ev.matrix(d.result)) if d.result.is_Matrix else \
                    np.array(float(ev.scalar(d.result, {})))
                check.result_error = max(check.result_error, _relative(
                    value.reshape(-1), reference.reshape(-1)))
            if previous is not None:
                check.result_error = max(check.result_error,
                                         _relative(previous, reference.reshape(-1)))
        except Exception as error:  # a failure to evaluate is a failed check
            check.failure = f"could not evaluate: {type(error).__name__}: {error}"
    return CheckReport([check], trials)
