"""Hostile and malformed input: never runs code, never hangs, never a traceback. One
clear line on stderr with the position where it applies; exit 2 for usage errors, 1 for a
program that cannot be derived. The table is the specification."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from matcalc import derive

# (description, arguments after "derive", exit code, words the message must contain)
TABLE = [
    ("syntax error", ["C = A @@ B"], 1, "line 1, column"),
    ("unknown name as function", ["C = foo(A)"], 1, "unknown function 'foo'"),
    ("attribute other than .T", ["C = A.shape"], 1, "only '.T'"),
    ("call of a non-function", ["C = A(B)"], 1, "unknown function 'A'"),
    ("string", ["C = 'A'"], 1, "only numbers"),
    ("lambda", ["C = (lambda: 1)()"], 1, "only the functions of the language"),
    ("comprehension", ["C = [a for a in A]"], 1, "ListComp is not allowed"),
    ("import", ["import os"], 1, "a program needs no import"),
    ("dunder name", ["C = A.__class__"], 1, "attribute '.__class__'"),
    ("__import__", ["C = __import__('os').system('true')"], 1, "only the functions"),
    ("shape mismatch names both", ["A: (m, n)\nB: (k, p)\nC = A @ B"], 1,
     "A is (m, n) and B is (k, p)"),
    ("--wrt unknown", ["C = A @ B", "--wrt", "Z"], 2, "no such name"),
    ("--wrt the output", ["C = A @ B", "--wrt", "C"], 2, "that is the output"),
    ("non-square det", ["A: (m, n)\ns = det(A)"], 1, "square"),
    ("non-square inv", ["A: (m, n)\nY = inv(A)"], 1, "square"),
    ("non-square trace", ["A: (m, n)\ns = trace(A)"], 1, "square"),
    ("deep nesting", ["C = " + "(" * 10_000 + "A" + ")" * 10_000], 1, "nested"),
    ("deep unary chain", ["C = " + "-" * 10_000 + "A"], 1, "nested too deeply"),
    ("huge program (1 MB)", ["C = A\n" + "# padding\n" * 100_000], 1, "limit is"),
    ("10,000 statements", ["\n".join(f"x{k + 1} = x{k} + 1" for k in range(10_000))], 1,
     "limit is"),
    ("the loss name is taken", ["L = A @ B"], 2, "its name 'L' is taken"),
    ("np as a name", ["np = A"], 1, "reserved"),
    ("upstream name taken", ["C = dC * A"], 2, "the name dC is taken"),
    ("NUL character", ["C = A\x00"], 1, "NUL"),
    ("non-finite number", ["C = A * 1e400"], 1, "not finite"),
    ("dimension with no input to read it from", ["C: (m, n)\nC = A * m"], 1,
     "no input is declared with it"),
    ("--against writes a file", ["C = A @ B", "--wrt", "A", "--against", "np.save('x', A)"],
     2, "np.save is not supported in a formula"),
    ("--against reaches a dunder", ["C = A @ B", "--against", "A=A.__class__"], 2,
     "underscores"),
    ("--against builds a huge array", ["C = A @ B", "--against", "A=np.ones(10**9)"], 2,
     "1,000,000,000 entries"),
    ("--against pass reads too early", ["C = A @ B", "--against", "dA = dB; dB = A"], 2,
     "line 1: dB is read before a line assigns it"),
    ("dimension and matrix of one name", ["m: ()\nA: (m, n)\nC = A * m"], 1,
     "both a dimension and a matrix"),
]


def run(args: list[str]) -> tuple[subprocess.CompletedProcess, float]:
    """The program goes through stdin ("-") when argv cannot carry it (size, NUL)."""
    stdin = None
    if len(args[0]) > 50_000 or "\x00" in args[0]:
        stdin, args = args[0], ["-", *args[1:]]
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "matcalc", "derive", *args], input=stdin,
                            capture_output=True, text=True, timeout=60)
    return result, time.perf_counter() - start


def _argv(args: list[str]) -> tuple[list[str], str | None]:
    """The program goes through stdin ("-") when argv cannot carry it (size, NUL)."""
    if len(args[0]) > 50_000 or "\x00" in args[0]:
        return ["derive", "-", *args[1:]], args[0]
    return ["derive", *args], None


@pytest.fixture(scope="module")
def table_runs() -> list:
    """The table through the command's main() in one interpreter, each case with its own
    streams and stdin (the first case and the deepest also run in a process of their own)."""
    from helpers import run_commands
    return [(code, err, seconds)
            for code, _, err, seconds in run_commands([_argv(row[1]) for row in TABLE])]


def _judge(description, code, words, returned, stderr, seconds):
    assert returned == code, (description, stderr)
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("matcalc: error: "), stderr
    assert words in lines[0], lines[0]
    assert "Traceback" not in stderr
    assert seconds < 30


@pytest.mark.parametrize("case", range(len(TABLE)), ids=[row[0] for row in TABLE])
def test_hostile_input(case, table_runs):
    description, _, code, words = TABLE[case]
    _judge(description, code, words, *table_runs[case])


@pytest.mark.parametrize("case", [0, 16], ids=[TABLE[0][0], TABLE[16][0]])
def test_hostile_input_in_a_process_of_its_own(case):
    description, args, code, words = TABLE[case]
    result, seconds = run(args)
    _judge(description, code, words, result.returncode, result.stderr, seconds)


def test_names_that_would_break_latex_are_escaped():
    d = derive("X_in: (m, n)\nW_1: (n, h)\nH_1 = X_in @ W_1", wrt="W_1")
    # the name is set in math, as in the formulas (H_1 reads as H with subscript 1)
    assert r"\text{element form of }\mathbf{H}_{1}" in d.latex()
    assert r"\mathbf{X\_in}" in d.latex()


def test_relu_at_zero_uses_the_stated_subgradient():
    # relu′(0) = 0: the result is written [A > 0], and numpy's heaviside(·, 0.0) agrees
    d = derive("B = relu(A)", wrt="A")
    assert d.numpy == "dB * np.heaviside(A, 0.0)"
    assert "[A > 0]" in d.text()
    assert "relu′(0) is taken as 0" in d.text()


def test_zero_gradient_is_said():
    d = derive("B: (n, h)\nD = A * 2", wrt="B")  # (an unread C = A @ B is an output)
    assert "B does not influence the output: the gradient is zero" in d.text()
