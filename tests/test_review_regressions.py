"""Found by a review of this session's features, each a class of bug with its test."""

from __future__ import annotations

import subprocess
import sys

import pytest

from helpers import assert_correct
from matcalc import derive
from matcalc.errors import UsageError


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "matcalc", *args], capture_output=True,
                          text=True, timeout=60)


def test_finite_differences_near_a_steep_spot_are_extrapolated():
    # batch norm on a square X: a column of 2 centred entries makes v + ε small, where a
    # plain central difference was off by 4.5e-3 and a right derivation was called wrong
    d = derive("X: (n, n)\nG: (n, n)\nC = X - mean(X, axis=0)\nV = mean(C**2, axis=0)\n"
               "Y = C / sqrt(V + 1e-5)\nf = sum(Y * G)", wrt="X")
    assert d.verified_on == 3
    assert_correct(d, trials=1)


@pytest.mark.parametrize("name", ["values", "upstream", "grads", "inputs"])
def test_a_programs_names_never_clash_with_the_modules_own(name, tmp_path):
    import importlib.util
    code = derive(f"x: (n,)\n{name} = exp(x)\nf = sum({name})").show("numpy")
    path = tmp_path / "m.py"
    path.write_text(code, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("m", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.check() < 1e-4


def test_a_name_the_module_defines_is_refused_in_one_line():
    with pytest.raises(UsageError, match="numpy module defines"):
        derive("x: (n,)\nforward = exp(x)\nf = sum(forward)").show("numpy")


@pytest.mark.parametrize("values, message", [
    ("A=[[1,2],[3,4]],B=[[1,2,3]]", "value given is (1, 3)"),
    ("A=[[1,2],[3]],B=[[1]]", "same length"),
    ("A=[[1]],B=[[1]],Q=2", "no such name"),
])
def test_bad_values_are_usage_errors_not_crashes(values, message):
    done = run("derive", "C = A @ B", "--at", values)
    assert done.returncode == 2 and message in done.stderr, done.stderr


def test_a_negative_seed_is_a_usage_error():
    assert run("derive", "C = A @ B", "--seed", "-1").returncode == 2


@pytest.mark.parametrize("formula, message", [
    ("9**9**9", "exponent"), ("np.eye(10000000)", "too large"),
    ("X.T @ df", "not a name of this program"), ("dW", "not a name of this program"),
])
def test_against_refuses_what_could_hang_or_is_not_there(formula, message):
    with pytest.raises(UsageError, match=message):
        derive("X: (m, n)\nW: (n, k)\nf = sum(X @ W)", wrt="W", against={"W": formula})


def test_a_formula_too_big_for_memory_is_refused_before_it_is_built():
    with pytest.raises(UsageError, match="entries"):  # not a MemoryError, not a crash
        derive("X: (m, n)\nW: (n, k)\nf = sum(X @ W)", wrt="W",
               against={"W": "np.eye(10**7)"})


@pytest.mark.parametrize("program", [
    # found by the fuzzer: a row's log-sum-exp or maximum as a value inside a matrix form
    # has no numpy spelling — the gradient is shown without numpy, never called wrong
    "A: (1, n)\nv: (1,)\nh0 = (sigmoid(v) @ logsumexp(A, axis=1))\nh1 = softplus(h0)",
    "A: (1, n)\nx: (n,)\nv: (1,)\nh0 = norm(sigmoid((x / (1 + exp(x)))))\n"
    "h1 = ((std(A, axis=1) @ relu(v)) + h0)\n"
    "h2 = ((logsumexp(sin(A), axis=1) @ sigmoid(max(A, axis=1))) + h0)",
    # and a steep one, where plain central differences were off by 4e-5
    "A: (m, n)\nS: (n, n)\nh0 = (S / (1 + exp(S)))\nh1 = sin(exp(exp(A)))\n"
    "out = sum(h1 * h1)",
])
def test_fuzz_finds_of_this_session_verify(program):
    from matcalc.fuzz import Tally, check_program
    tally = Tally()
    check_program(program, tally)
    assert not tally.failures, tally.failures[0][1][:300]


# ---- session 5 review (issue 14)

def test_numerator_layout_row_gradient_with_a_diagonal_inside_does_not_crash():
    from matcalc import jacobian
    d = jacobian("x: (n,)\nW: (n, n)\nB: (n, n)\nh2 = (outer(x, x) * W) @ B\n"
                 "out = sum(h2 * h2)", wrt="x")
    assert d.verified_on


def test_a_declared_function_cannot_take_a_name_matcalc_uses_and_leaves_no_trace():
    import pytest

    from matcalc.errors import ParseError
    for program in ("step: elementwise\nB = step(A)", "sign: elementwise\nB = sign(A)"):
        with pytest.raises(ParseError, match="uses for a node of its own"):
            derive(program)
    derive("tanh_prime: elementwise\nB = tanh_prime(A)")
    assert derive("B = tanh(A)").verified_on          # σ′-style nodes are tanh′, not tanh_prime
    both = derive("f_prime: elementwise\nf: elementwise\nB = f(A) + f_prime(A)", wrt="A")
    assert "f′(A)" in both.text() and "f_prime′(A)" in both.text()


def test_a_declared_function_of_a_constant_is_no_number():
    d = derive("f: elementwise\nc: ()\nh0 = f(2) * c")
    assert "f(2)" in d.text() and d.verified_on


def test_gradient_names_are_checked():
    import pytest

    from matcalc.errors import ParseError, UsageError
    for program in ("Delta: gradient(Z)\nDelta: gradient(H)\nZ = A @ B\nH = sigmoid(Z)",
                    "m: gradient(Z)\nA: (m, n)\nZ = A @ B", "k: gradient(Z)\nZ = A @ B",
                    "D: gradient(Z)\nE: gradient(Z)\nZ = A @ B\nH = sigmoid(Z)"):
        with pytest.raises(ParseError):
            derive(program)
    with pytest.raises((ParseError, UsageError)):
        derive("J: gradient(Z)\nZ = A @ B\nH = sigmoid(Z)", loss="J")


def test_a_logistic_in_a_fan_out_is_named_only_where_its_indices_fit():
    d = derive("x: (n,)\nO: (m, n)\nT = exp(x)\nS = 1 / (1 + exp(-(x + O - O)))\n"
               "y = sum(S * S) + sum(T)", wrt="x")
    assert d.verified_on


def test_expand_keeps_a_column_gradient_a_column():
    from matcalc.render.expand import expansion
    d = derive("x: (n,)\nW: (n, k)\ny = x @ W", wrt="x")
    grids = expansion(d["x"], ("n",))
    assert all(len(row) == 1 for row in grids["entries"])   # a column, as W ∂L/∂y is


def test_a_vector_transposed_on_the_right_of_a_product_is_the_vector():
    # numpy's .T of a 1-D x is x: x @ x.T is xᵀ x, once printed xᵀ xᵀ (a reader's review)
    from matcalc import derive
    d = derive("x: (n,)\nL = x @ x.T", wrt="x")
    assert "L = xᵀ x" in d.text() and "xᵀ xᵀ" not in d.text()
