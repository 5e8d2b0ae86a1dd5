"""Verification of a derivation on random instances: the proof and the result.

Every step's right-hand side is evaluated at every entry of the gradient and must equal
the previous step's; the matrix form must equal central finite differences of the forward
pass (numpy semantics, independent of the element forms). A failure is a ``CheckError``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from .derivation import Derivation, Gradient
from .errors import CheckError
from .numeric import Evaluator, eval_numpy, finite_difference, random_instance
from .symbols import Index

RTOL = 1e-5


@dataclass
class GradientCheck:
    wrt: str
    steps: int = 0
    step_errors: list[tuple[int, str, float]] = field(default_factory=list)  # (step, key, err)
    result_error: float = 0.0
    numpy_error: float = 0.0
    requested: bool = True
    ok: bool = True

    @property
    def worst_step(self) -> float:
        return max((e for _, _, e in self.step_errors), default=0.0)


@dataclass
class CheckReport:
    checks: list[GradientCheck]
    trials: int

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def summary(self) -> str:
        lines = []
        for c in self.checks:
            verdict = "ok" if c.ok else "MISMATCH"
            lines.append(f"{c.wrt}: {verdict} — {len(c.step_errors)} steps, largest step error "
                         f"{c.worst_step:.1e}; result vs finite differences {c.result_error:.1e}"
                         + (f", numpy code {c.numpy_error:.1e}" if c.requested else "")
                         + f" ({self.trials} random instances)")
        return "\n".join(lines)


def _relative(a: np.ndarray, b: np.ndarray) -> float:
    scale = max(1.0, float(np.max(np.abs(b))) if b.size else 1.0)
    return float(np.max(np.abs(a - b))) / scale if a.size else 0.0


def _entries(grad: Gradient, ev: Evaluator) -> list[dict[Index, int]]:
    from .lower import WRT_INDICES, index_symbols
    idx = index_symbols(WRT_INDICES, len(grad.shape))
    sizes = [ev.instance.dims.get(d, d) if isinstance(d, str) else d for d in grad.shape]
    return [dict(zip(idx, point)) for point in itertools.product(*(range(s) for s in sizes))]


def evaluate_steps(grad: Gradient, ev: Evaluator) -> list[np.ndarray]:
    entries = _entries(grad, ev)
    return [np.array([ev.scalar(step.rhs, env) for env in entries]) for step in grad.steps]


def evaluate_result(d: Derivation, grad: Gradient, ev: Evaluator,
                    result=None) -> np.ndarray:
    result = grad.result if result is None else result
    if result is None:
        entries = _entries(grad, ev)
        return np.array([ev.scalar(grad.index_form, env) for env in entries])
    if result.is_Matrix:
        return np.asarray(ev.matrix(result)).reshape(-1)
    return np.array([ev.scalar(result, {})])


def _numpy_error(d: Derivation, wrt: str, instance, reference: np.ndarray) -> float:
    """The generated numpy code, run on the instance, against finite differences; its
    shape must be the wrt's numpy shape exactly."""
    code = d.numpy_of(wrt) if wrt in d.gradients else None
    if code is None:
        return 0.0
    values = dict(instance.values)
    if instance.upstream is not None:
        values[f"d{d.output}"] = instance.upstream
    value = np.asarray(eval_numpy(code, values), dtype=float)
    expected = np.shape(instance.values[wrt])
    if value.shape != expected:
        return float("inf")
    return _relative(value.reshape(-1), reference)


def verify(d: Derivation, trials: int = 3, seed: int = 0) -> CheckReport:
    checks = {name: GradientCheck(name, requested=name in d.gradients) for name in d.backward}
    for trial in range(trials):
        instance = random_instance(d.program, d.shapes, d.output, seed + trial)
        ev = Evaluator(d.program, instance, d.output)
        for name, grad in d.backward.items():
            check = checks[name]
            check.steps = len(grad.steps)
            values = evaluate_steps(grad, ev)
            for n in range(1, len(values)):
                err = _relative(values[n], values[n - 1])
                if trial == 0:
                    check.step_errors.append((n, grad.steps[n].reason.key, err))
                else:
                    _, key, old = check.step_errors[n - 1]
                    check.step_errors[n - 1] = (n, key, max(old, err))
            reference = finite_difference(d.program, instance, d.output, name).reshape(-1)
            computed = evaluate_result(d, grad, ev)
            if grad.inlined is not None:
                inlined = evaluate_result(d, grad, ev, grad.inlined)
                check.result_error = max(check.result_error, _relative(inlined, reference))
            check.result_error = max(check.result_error, _relative(computed, reference))
            if values:
                check.result_error = max(check.result_error, _relative(values[-1], reference))
            check.numpy_error = max(check.numpy_error, _numpy_error(d, name, instance, reference))
    for check in checks.values():
        check.ok = check.worst_step < RTOL and check.result_error < RTOL and \
            check.numpy_error < RTOL
    return CheckReport(list(checks.values()), trials)


def assert_verified(d: Derivation, trials: int = 3) -> CheckReport:
    report = verify(d, trials)
    if not report.ok:
        raise CheckError("verification failed:\n" + report.summary())
    return report
