"""Shared checks: every derivation in the tests goes through these."""

from __future__ import annotations

import numpy as np

from matcalc import derive
from matcalc.check import verify
from matcalc.check.numeric import finite_difference
from matcalc.check.verification import gradient_instance


def numpy_value(d, wrt: str, instance) -> np.ndarray:
    """Evaluate the generated numpy code (our own output, not user text) on an instance."""
    namespace = {"np": np, **instance.values}
    if instance.upstream is not None:
        namespace[f"d{d.output}"] = instance.upstream
    return np.asarray(eval(d.numpy_of(wrt), namespace))


def assert_correct(d, trials: int = 2) -> None:
    """Every step equals the one before it, the matrix form and the numpy code equal central
    finite differences of the forward pass, on random instances (a symmetric input of a
    sym gradient moved within the symmetric matrices). A branch the instances never saw
    on both sides leaves a result unverified, not wrong: ``report.agrees``."""
    report = verify(d, trials=trials)
    assert report.agrees, report.summary()
    for seed in range(trials):
        instance = gradient_instance(d, seed=100 + seed)
        for wrt, grad in d.gradients.items():
            if grad.inlined is None or d.numpy_of(wrt) is None:
                continue  # no numpy (a declared function): verify() alone checked it
            reference = finite_difference(d.program, instance, d.output, wrt)
            value = numpy_value(d, wrt, instance)
            assert value.shape == reference.shape, (d.numpy_of(wrt), value.shape,
                                                    reference.shape)
            np.testing.assert_allclose(value, reference, rtol=1e-5, atol=1e-6,
                                       err_msg=d.numpy_of(wrt))


def derived(program: str, wrt=None, **kwargs):
    d = derive(program, wrt=wrt, **kwargs)
    assert_correct(d)
    return d


def result_line(text: str) -> str:
    """The matrix form line of the last gradient in text output (before its numpy line and
    the line that says it was verified)."""
    lines = text.splitlines()
    starts = [k for k, line in enumerate(lines) if line and not line[0].isspace()
              and not line.startswith(("numpy: ", "verified: ", "not verified: "))]
    k = starts[-1]
    found = lines[k]
    for line in lines[k + 1:]:  # a wrapped result continues on indented lines
        if not line[:1].isspace() or line.lstrip().startswith(("(", "=")):
            break
        found += " " + line.strip()
    return found


def doubled_brackets(text: str) -> list[str]:
    """Spans of the mathematics written ((…)): a bracket pair whose only content is another
    pair (numpy code is left out: np.ones((m, n)) takes a tuple)."""
    text = "\n".join(line for line in text.splitlines() if "np." not in line
                     and not line.lstrip().startswith(("numpy", "d")))
    found, stack, closed_at = [], [], {}
    for n, char in enumerate(text):
        if char == "(":
            stack.append(n)
        elif char == ")" and stack:
            start = stack.pop()
            closed_at[start] = n
            if text[start + 1:start + 2] == "(" and closed_at.get(start + 1) == n - 1:
                found.append(text[start:n + 1])
    return found


def reader(what: str, present: bool) -> None:
    """The tests that use a reader's real tool (Graphviz, Chromium, pdflatex, LuaLaTeX, the
    Node packages in tests/js) skip, and say so, where it is missing — except in CI
    (CI=true), which installs them all (.ci/run) and must skip nothing."""
    import os

    import pytest
    if present:
        return
    if os.environ.get("CI") == "true":
        raise AssertionError(f"{what} is missing in CI: .ci/run installs it")
    pytest.skip(f"{what} is not installed here (.ci/run installs it)")


def node_package(name: str) -> bool:
    import shutil
    from pathlib import Path
    return shutil.which("node") is not None and \
        (Path(__file__).parent / "js" / "node_modules" / name).is_dir()


# the two-layer perceptron with ReLU, softmax and cross-entropy (issue 19); its classic
# bug is the forgotten ReLU mask: Xᵀ ((P − T) W2ᵀ) for ∂L/∂W1
RELU_MLP = """X: (m, d)
W1: (d, h)
b1: (h,)
W2: (h, c)
b2: (c,)
T: onehot(m, c)
Z1 = X @ W1 + b1
H = relu(Z1)
Z2 = H @ W2 + b2
P = softmax(Z2)
L = cross_entropy(T, P)"""


# the command run for many argument lists in one interpreter, through its own main(): each
# with its own stdin and streams (a process each would import sympy every time)
_COMMANDS = """
import io, json, sys, time, traceback
from matcalc.cli import main
results = []
for argv, stdin in json.loads(sys.stdin.read()):
    out, err = io.StringIO(), io.StringIO()
    sys.stdin, sys.stdout, sys.stderr = io.StringIO(stdin or ""), out, err
    start = time.perf_counter()
    try:
        code = main(argv)
    except BaseException:
        traceback.print_exc(file=err)
        code = -1
    finally:
        sys.stdin, sys.stdout, sys.stderr = sys.__stdin__, sys.__stdout__, sys.__stderr__
    results.append([code, out.getvalue(), err.getvalue(), time.perf_counter() - start])
print(json.dumps(results))
"""


def run_commands(cases: list[tuple[list[str], str | None]]) -> list[tuple]:
    """(exit code, stdout, stderr, seconds) of ``matcalc ARGV`` for each (argv, stdin)."""
    import json
    import subprocess
    import sys
    done = subprocess.run([sys.executable, "-c", _COMMANDS], capture_output=True, text=True,
                          input=json.dumps(cases), timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return [tuple(r) for r in json.loads(done.stdout)]
