"""The catalogue of matcalc's error messages, read from the source: every message a user
can see, as raised (``raise UsageError(...)``, ``_fail(...)``, ``mismatch(...)``,
``check.fail(...)``, ``refuse(...)``, click's errors, the parser's table of Python habits),
each written out with sample values in place of what it formats, so that a test can say
each of them in Japanese (tests/test_japanese.py)."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "matcalc"
# where users' errors are raised (the engine's internal invariants — a checker that cannot
# evaluate its own expressions — are reported as bugs, in a line of their own)
MODULES = ["errors.py", "cli.py", "pipeline.py", "language", "check", "ops", "render"]
INTERNAL = {"check/tensor_eval.py", "render/printers.py"}
# calls whose first argument (third for Failed) is a message shown to the user
RAISERS = {"MatcalcError", "ParseError", "ShapeError", "UsageError", "UnsupportedError",
           "DomainError", "CheckError", "ClickException", "_fail", "mismatch", "fail",
           "refuse", "OutsideDomain", "Failed", "BadParameter"}
SKIP = {"NoMatrixForm"}   # shown only in English: Japanese says 行列表記はない on its own


@dataclass
class Message:
    where: str        # file:line
    template: str     # the message with {…} where it formats a value
    sample: str       # written out with sample values
    values: list[str]


def _template(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.replace("{", "{{").replace("}", "}}")
    if isinstance(node, ast.JoinedStr):
        out = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                out.append(str(part.value).replace("{", "{{").replace("}", "}}"))
            else:
                quoted = "!r" if part.conversion == ord("r") else ""
                out.append("{" + ast.unparse(part.value) + quoted + "}")
        return "".join(out)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _template(node.left), _template(node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, ast.IfExp):
        return None   # two messages: each is its own site below
    return None


# what a formatted value looks like, by what the code formats
SAMPLES = [
    (r"number|lineno|tries|count|len\(|MAX|assignments|trials|index\b", "3"),
    (r"show\(|shape|declared|tuple\(", "(m, n)"),
    (r"join", "X, W"),
    (r"__name__|type\(", "Tuple"),
    (r"\.msg|reason|stderr", "invalid syntax"),
    (r"fmt", "svg"),
    (r"lang", "'fr'"),
    (r"op\b|symbol", "+"),
    (r"axis", "1"),
]


def _sample(template: str) -> tuple[str, list[str]]:
    values: list[str] = []

    def put(match: re.Match) -> str:
        expr = match.group(1)
        value = next((v for pattern, v in SAMPLES if re.search(pattern, expr)), "W")
        if expr.endswith("!r"):
            value = f"'{value}'"
        values.append(value)
        return value
    text = re.sub(r"(?<!\{)\{([^{}]+)\}(?!\})", put, template)
    return text.replace("{{", "{").replace("}}", "}"), values


def _nested(template: str) -> bool:
    """A message that only passes on another one (``{error.message}``)."""
    return bool(re.fullmatch(r"(?:line \{\w+\}: )?\{[\w.]*(?:message|problem)\}", template))


def catalogue() -> list[Message]:
    files = []
    for name in MODULES:
        path = ROOT / name
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    found = []
    for path in files:
        where = path.relative_to(ROOT).as_posix()
        if where in INTERNAL:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        texts: list[tuple[int, ast.AST]] = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in SKIP or name not in RAISERS:
                    continue
                args = node.args[2:3] if name == "Failed" else node.args[:1] \
                    if name not in ("OutsideDomain",) else node.args[1:2]
                for arg in args:
                    parts = [arg.body, arg.orelse] if isinstance(arg, ast.IfExp) else [arg]
                    texts += [(node.lineno, p) for p in parts]
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                    isinstance(node.targets[0], ast.Name) and \
                    node.targets[0].id in ("problem", "message"):
                texts.append((node.lineno, node.value))
            elif isinstance(node, ast.Dict) and any(
                    isinstance(k, ast.Attribute) and isinstance(k.value, ast.Name) and
                    k.value.id == "ast" for k in node.keys):
                texts += [(node.lineno, v) for v in node.values]  # the Python habits
            elif isinstance(node, ast.FunctionDef) and node.name.startswith("_") and \
                    ast.get_docstring(node) and node.name in DOMAIN_DOCS:
                texts.append((node.lineno, ast.Constant(ast.get_docstring(node))))
        for line, node in texts:
            template = _template(node)
            if template is None or _nested(template) or " " not in template.strip():
                continue   # not a message (a table of operator symbols), or one passed on
            for sample in OVERRIDES.get(template, [None]):
                values = _sample(template)[1] if sample is None else []
                sample = _sample(template)[0] if sample is None else sample
                found.append(Message(f"{where}:{line}", template, sample, values))
    return found


DOMAIN_DOCS = {"_positive_determinant"}
# messages whose formatted parts are words, not values: written out as the code writes them
OVERRIDES = {
    "unknown function {func!r}; {hint}known: {', '.join(FUNCTIONS)} (or declare it: "
    "'{func}: elementwise')": [
        "unknown function 'tanhh'; did you mean tanh? known: exp, log (or declare it: "
        "'tanhh: elementwise')",
        "unknown function 'foo'; known: exp, log (or declare it: 'foo: elementwise')"],
    "{func}() takes {'two arguments' if wanted == 2 else 'one argument'}, got {len(args)}": [
        "exp() takes one argument, got 2", "maximum() takes two arguments, got 1"],
    "line {number}: {target} is {what}; a backward pass assigns gradients dNAME and names "
    "of its own": [
        f"line 2: {target} is {what}; a backward pass assigns gradients dNAME and names of "
        "its own" for target, what in (
            ("dY", "the upstream gradient, given to the pass"),
            ("W", "a name of the program"), ("np", "reserved"))],
    "this {d.kind} has no matrix form, so no numpy module": [
        "this jacobian has no matrix form, so no numpy module",
        "this hessian has no matrix form, so no numpy module"],
}   # a domain's rule says what it needs in its docstring

if __name__ == "__main__":
    for m in catalogue():
        print(m.where, "|", m.sample)
