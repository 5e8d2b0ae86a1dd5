"""User text is parsed, never evaluated: no eval, exec, sympify or parse_expr in matcalc."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from matcalc import derive
from matcalc.errors import MatcalcError

PACKAGE = Path(__file__).resolve().parent.parent / "matcalc"
FORBIDDEN = {"eval", "exec", "compile", "sympify", "parse_expr", "__import__", "S"}


def calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else \
                func.attr if isinstance(func, ast.Attribute) else None
            yield name, node.lineno


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.name)
def test_no_evaluating_calls(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bad = [(name, line) for name, line in calls(tree) if name in FORBIDDEN]
    assert not bad, f"{path.name} calls {bad}"


@pytest.mark.parametrize("program", [
    "C = __import__('os').system('touch {marker}')",
    "C = exec('open(\"{marker}\", \"w\")')",
    "C = eval('1')",
    "C = (lambda: open('{marker}', 'w'))()",
    "C = [open('{marker}', 'w') for _ in A]",
    "import os; C = A",
    "C = A.__class__",
])
def test_hostile_programs_run_nothing(tmp_path, program):
    marker = tmp_path / "pwned"
    with pytest.raises(MatcalcError):
        derive(program.format(marker=marker))
    assert not marker.exists()


@pytest.mark.parametrize("formula", [
    "np.save('{marker}', A)",
    "A.tofile('{marker}')",
    "np.savetxt('{marker}', A)",
    "np.lib.npyio.savetxt('{marker}', A)",
    "open('{marker}', 'w')",
    "A.__class__",
    "A.__reduce__()",
    "np.memmap('{marker}', mode='w+', shape=(2,))",
])
def test_hostile_formulas_run_nothing(tmp_path, formula):
    """--against runs the numpy a person writes: whatever reaches beyond arrays is refused
    before it runs, alone or as a line of a backward pass."""
    marker = tmp_path / "pwned"
    with pytest.raises(MatcalcError):
        derive("C = A @ B", wrt="A", against={"A": formula.format(marker=marker)})
    d = derive("C = A @ B", wrt="A")
    from matcalc import check_backward
    with pytest.raises(MatcalcError):
        check_backward(d, "dA = dC @ B.T\nx = " + formula.format(marker=marker))
    assert not marker.exists() and not list(tmp_path.iterdir())
