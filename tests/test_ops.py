"""The registry of operations, walked: every operation of the language parses, derives,
verifies (every step, the result and its numpy code against finite differences) and
renders in every format and language. And the registry is the only place that names an
operation."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from helpers import assert_correct, doubled_brackets, result_line
from matcalc import derive, jacobian, ops, verify
from matcalc.errors import ParseError
from matcalc.language.parse import parse
from matcalc.language.program import Call, walk_program
from matcalc.render.catalogue import FORMATS, languages

PACKAGE = Path(__file__).resolve().parent.parent / "matcalc"
README = Path(__file__).resolve().parent.parent / "README.md"
LANGUAGE = [ops.get(name) for name in ops.LANGUAGE]
EXAMPLES = [(op.name, program) for op in LANGUAGE for program in op.examples]


def test_every_operation_has_an_example_and_its_facts():
    for op in LANGUAGE:
        assert op.examples, f"{op.name} has no example program"
        assert op.fuzz, f"{op.name} is not in the fuzzer's vocabulary"
        assert op.summary and op.kind in ops.SECTIONS, op.name
        if op.elementwise:
            assert op.function is not None and op.derivative is not None, op.name
            assert op.numpy and "{}" in op.numpy, op.name
        else:
            assert op.lower is not None and op.forward is not None, op.name


@pytest.mark.parametrize("name, program", EXAMPLES,
                         ids=[f"{name}:{program.splitlines()[-1]}" for name, program in EXAMPLES])
def test_every_operation_derives_verifies_and_renders(name, program):
    assert name in {node.func for node in walk_program(parse(program))
                    if isinstance(node, Call)}, "the example does not use its operation"
    d = derive(program, wrt="all")
    assert_correct(d, trials=1)  # steps, result, inlined form, numpy code and backward pass
    for fmt in FORMATS:
        for lang in languages():
            out = d.show(fmt, lang)
            assert out.strip(), (fmt, lang)
            if fmt == "text":
                assert not doubled_brackets(out), doubled_brackets(out)
            if fmt == "json":
                json.loads(out)


ELEMENTWISE = [op for op in ops.REGISTRY.values() if op.elementwise]


@pytest.mark.parametrize("op", ELEMENTWISE, ids=[op.name for op in ELEMENTWISE])
def test_every_function_of_a_constant_is_a_number(op):
    """A function of a constant expression (not only of a literal number) is a real number
    that can be compared and converted: relu(1/(2 (1 + e²))) once stayed unevaluated and
    crashed the printers (found by the fuzzer, seed 11)."""
    import sympy
    constant = sympy.Rational(1, 2) / (1 + sympy.exp(2))
    value = op.function(constant)
    assert value.is_number and isinstance(float(value), float)
    assert (value > -1) in (sympy.true, sympy.false, True, False)


LANGUAGE_ELEMENTWISE = [op for op in ELEMENTWISE if op.in_language]


@pytest.mark.parametrize("op", LANGUAGE_ELEMENTWISE, ids=[op.name for op in LANGUAGE_ELEMENTWISE])
def test_every_function_of_a_constant_derives_verifies_and_renders(op):
    d = derive(f"v: (m,)\nh = (v @ v) * {op.name}(0.5 / (1 + exp(2)))", wrt="v")
    assert_correct(d, trials=1)
    for fmt in FORMATS:
        assert d.show(fmt).strip()
    assert not doubled_brackets(d.text())


def test_softplus_is_one_record():
    # log(1 + eˣ)′ = σ(x); numpy spells it np.logaddexp(0, x), which the checker runs
    d = derive("B = softplus(A)", wrt="A")
    assert result_line(d.text()) == "∂L/∂A = ∂L/∂B ∘ σ(A)"
    assert ops.get("softplus").numpy == "np.logaddexp(0, {})"
    assert "logaddexp" in ops.numpy_calls()
    forward = derive("y = sum(softplus(A) * A)", wrt="A")
    assert "np.logaddexp(0, A)" in forward.numpy and verify(forward).ok


def test_the_parser_knows_exactly_the_registry():
    for op in LANGUAGE:
        parse(op.examples[0])
    with pytest.raises(ParseError, match="unknown function 'step'"):
        parse("B = step(A)")  # an internal node, not part of the language


def test_readme_function_table_is_current():
    assert ops.readme_table() in README.read_text(encoding="utf-8"), \
        "README's function table is stale: paste the output of python -m matcalc.ops"


def test_help_lists_the_registry():
    from click.testing import CliRunner

    from matcalc.cli import cli
    out = CliRunner().invoke(cli, ["derive", "--help"]).output
    for op in LANGUAGE:
        assert op.name in out


# words that also name sympy/numpy attributes (expr.exp, np.log) are left out of the check
GENERIC = {"exp", "log", "sin", "cos", "sqrt", "abs", "maximum"}  # np.abs, abs(), np.maximum


def test_no_module_outside_the_registry_names_an_elementwise_function():
    names = [op.name for op in ops.in_section("elementwise") if op.name not in GENERIC]
    assert {"sigmoid", "tanh", "relu", "softplus"} <= set(names)
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if "ops" in path.relative_to(PACKAGE).parts or path.name == "purenp.py":
            continue  # (purenp is numpy's API, np.tanh among it: no operation of matcalc's)
        text = path.read_text(encoding="utf-8")
        offenders += [(path.name, name) for name in names if re.search(rf"\b{name}\b", text)]
    assert not offenders


def _imports(path: Path, module: str) -> set[str]:
    """The package modules a module imports, at any level (lazy imports included; those
    only for type checkers are not)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    typing_only = {id(sub) for node in ast.walk(tree) if isinstance(node, ast.If)
                   and "TYPE_CHECKING" in ast.unparse(node.test) for sub in ast.walk(node)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[:len(package) - (node.level - 1)]
            target = ".".join(base + ([node.module] if node.module else []))
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_no_import_cycles():
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ("matcalc", *path.relative_to(PACKAGE).with_suffix("").parts)
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    graph = {m: {t for t in _imports(p, m) if t in modules and t != m}
             for m, p in modules.items()}
    state: dict[str, int] = {}

    def visit(m: str, trail: list[str]) -> None:
        state[m] = 1
        for t in graph[m]:
            assert state.get(t) != 1, "import cycle: " + " → ".join([*trail, m, t])
            if t not in state:
                visit(t, [*trail, m])
        state[m] = 2

    for m in graph:
        if m not in state:
            visit(m, [])


def test_no_package_level_import_cycles():
    """The packages and top-level modules form layers (issue 22 point 9): the index model
    below the operations and the calculus, results plain data, code generation and values
    in the renderers and the checker, the display of results (``shown``) above both. A
    package importing one that imports it back, at any depth, lazily or not, fails."""
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ("matcalc", *path.relative_to(PACKAGE).with_suffix("").parts)
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path

    def unit(module: str) -> str | None:  # matcalc.calculus.lower -> calculus
        parts = module.split(".")
        return parts[1] if len(parts) > 1 else None  # (the package root re-exports all)

    graph: dict[str, set[str]] = {}
    for m, p in modules.items():
        for t in _imports(p, m):
            if t in modules and unit(m) and unit(t) and unit(t) != unit(m):
                graph.setdefault(unit(m), set()).add(unit(t))
    assert {"calculus", "check", "render", "results", "shown", "ops"} <= set(graph)
    state: dict[str, int] = {}

    def visit(u: str, trail: list[str]) -> None:
        state[u] = 1
        for t in sorted(graph.get(u, ())):
            assert state.get(t) != 1, "package cycle: " + " → ".join([*trail, u, t])
            if t not in state:
                visit(t, [*trail, u])
        state[u] = 2

    for u in sorted(graph):
        if u not in state:
            visit(u, [])
    assert graph["results"] <= {"language", "errors"}  # plain data


def test_jacobians_and_hessians_render_and_display_like_gradients():
    d = jacobian("x: (n,)\ny = sigmoid(W @ x)", "x")
    for fmt in FORMATS:
        for lang in languages():
            assert d.show(fmt, lang).strip()
    assert d._repr_latex_().startswith("$$") and str(d) == d.text()
    assert verify(d).ok


def test_every_package_ships():
    """A non-editable install has only the packages pyproject.toml lists: each folder of
    the package with an __init__.py must be there (matcalc.index once was not, and
    `pip install .` then failed at the first derivation)."""
    import tomllib
    listed = set(tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text("utf-8"))
                 ["tool"]["setuptools"]["packages"])
    found = {".".join(("matcalc", *p.parent.relative_to(PACKAGE).parts))
             for p in PACKAGE.rglob("__init__.py")}
    assert found - listed == set()
