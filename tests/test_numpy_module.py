"""--format numpy: a module you can run. For every example its module is imported and its
check() compares backward with central differences; its forward pass equals matcalc's own
on every operation's example programs."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from matcalc import derive, jacobian, ops
from matcalc.check.numeric import forward, random_instance
from matcalc.errors import UsageError

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
sys.path.insert(0, str(EXAMPLES))
from generate import derivation, options  # noqa: E402

GRADIENT_EXAMPLES = [p for p in sorted(EXAMPLES.glob("*.mc"))
                     if options(p.read_text(encoding="utf-8")).get("command") is None
                     and ": elementwise" not in p.read_text(encoding="utf-8")
                     and ") -> (" not in p.read_text(encoding="utf-8")]  # declared: no numpy


def load(code: str, where: Path):
    """Import the generated module from a file, as a user would."""
    path = where / "generated.py"
    path.write_text(code, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"generated_{abs(hash(code))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", GRADIENT_EXAMPLES, ids=[p.stem for p in GRADIENT_EXAMPLES])
def test_every_examples_module_checks_its_own_gradients(path, tmp_path):
    d = derivation(path)
    module = load(d.show("numpy"), tmp_path)
    assert module.check(seed=0) < 1e-4
    assert set(module.backward.__code__.co_varnames) >= set(module.SHAPES)


EXAMPLE_PROGRAMS = [(op.name, ex) for op in ops.REGISTRY.values() for ex in op.examples]


@pytest.mark.parametrize("name, program", EXAMPLE_PROGRAMS,
                         ids=[f"{n}:{k}" for k, (n, _) in enumerate(EXAMPLE_PROGRAMS)])
def test_the_modules_forward_pass_is_matcalcs(name, program, tmp_path):
    d = derive(program, check=False)
    module = load(d.show("numpy"), tmp_path)
    instance = random_instance(d.program, d.shapes, d.output, seed=5)
    inputs = {n: np.asarray(instance.values[n]) for n in module.SHAPES}
    ours = module.forward(**inputs)
    reference = forward(d.program, inputs)
    for statement in d.program.statements:
        np.testing.assert_allclose(ours[statement.target], reference[statement.target],
                                   rtol=1e-10, atol=1e-12, err_msg=statement.target)


def test_a_wrong_backward_pass_fails_the_modules_check(tmp_path):
    code = derive("X: (m, n)\nW: (n, k)\nZ = X @ W", wrt="W").show("numpy")
    module = load(code.replace("X.T @ dZ", "2 * X.T @ dZ"), tmp_path)
    with pytest.raises(AssertionError, match="dW differs"):
        module.check()


DERIVATIVE_EXAMPLES = [p for p in sorted(EXAMPLES.glob("*.mc"))
                       if options(p.read_text(encoding="utf-8")).get("command")]


@pytest.mark.parametrize("path", DERIVATIVE_EXAMPLES, ids=[p.stem for p in DERIVATIVE_EXAMPLES])
def test_jacobians_and_hessians_get_a_module_too(path, tmp_path):
    # by a matrix too: the module's check arranges its differences in the vec convention
    d = derivation(path)
    assert d.result is not None
    if d.vec is None and (len(d.shapes.names[d.wrt]) != 1 or len(d.shapes.names[d.output]) > 1):
        with pytest.raises(UsageError):  # dR/dθ of a matrix by a scalar: no module
            d.show("numpy")
        return
    module = load(d.show("numpy"), tmp_path)
    assert module.check(seed=1) < 1e-4
    assert getattr(module, d.kind) is not None


@pytest.mark.unverified
def test_a_wrong_vec_form_fails_the_modules_check(tmp_path):
    code = jacobian("Y = A @ X @ B", "X").show("numpy")
    assert "np.kron(B.T, A)" in code
    module = load(code.replace("np.kron(B.T, A)", "np.kron(A, B.T)"), tmp_path)
    with pytest.raises(AssertionError, match="differs from central differences"):
        module.check(seed=1, sizes={"m": 3, "n": 3, "p": 3, "q": 3})


def test_a_declared_function_has_no_module_and_says_why():
    from matcalc.errors import UsageError
    d = derive("f: elementwise\nB = f(A)")
    with pytest.raises(UsageError, match="f is declared, not specified"):
        d.show("numpy")
