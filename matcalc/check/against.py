"""Checking hand-derived formulas: is the user's numpy expression ∂L/∂X? Is each line of
the user's backward pass the gradient it assigns?

    matcalc derive PROGRAM --wrt W --against "X.T @ dZ"
    derive(PROGRAM, wrt="W", against={"W": "X.T @ dZ"})
    check_backward(derive(PROGRAM), "dZ2 = P - T\ndW2 = H.T @ dZ2\n…")

A formula is the numpy a person writes (``np.sum``, ``.mean()``, ``X > 0``, slices) over
the program's names, the upstream gradient d<Output>, and the gradient dZ of any
intermediate Z. It is parsed with ``ast`` and run by ``user_numpy`` under a whitelist
(never evaluated as Python), on random instances, and compared entry by entry with central
differences of the forward pass. The verdict says why a wrong formula is wrong: it cannot
run, it has the wrong shape (and whether its transpose would be right), or an entry
differs — with that entry, both values, and the right formula.

A backward pass is several lines ``dNAME = formula``; each is compared with ∂L/∂NAME in
order, later lines reading the user's own earlier values. A line that is wrong only because
it reads a wrong earlier value is said to follow from it (it is run again with the true
values of what it reads, to tell the two apart).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from ..arrays import np
from ..errors import UsageError
from . import user_numpy
from .user_numpy import Failed
from .verification import RTOL, _relative, gradient_draws

TRIALS = 3
MAX_PASS_LINES = 200


@dataclass
class Comparison:
    """The verdict on one formula. ``verdict``: "equal", "error" (it cannot run),
    "shape" (its shape is not the gradient's), "transpose" (its transpose is the
    gradient) or "differs" (an entry differs: ``entry``, ``yours`` and ``right``)."""

    wrt: str
    formula: str
    verdict: str
    trials: int = 0
    detail: str = ""                       # numpy's error, or the shapes compared
    entry: tuple[int, ...] | None = None
    yours: float | None = None
    right: float | None = None
    shape: tuple | None = ()               # the gradient's shape in dimension names
    right_formula: str | None = None       # the derived gradient, as text
    right_numpy: str | None = None
    # branches the random inputs never saw on both sides: an equal formula is not
    # called right then (it was never compared where the branch takes its other side)
    uncovered: list[str] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        return self.verdict == "equal" and not self.uncovered

    def text(self, loss: str = "L") -> str:
        from ..render.formats import render_comparison
        return render_comparison(self, loss)

    def __str__(self) -> str:
        return self.text()


def _instances(d, trials: int, seed: int):
    """The random instances every verdict is judged on (the one place they are drawn):
    the verifier's own (``verification.gradient_draws``), at least ``trials``, and more
    until every branch has been seen on both sides."""
    return gradient_draws(d, trials, seed)


def _user_values(d, instance) -> dict:
    """The values a formula reads, as a forward pass in numpy would have them (a scalar is
    a numpy float), each a read-only copy: a formula cannot change what the next one reads."""
    values = {name: _frozen(value) for name, value in instance.values.items()}
    values.update({f"d{o}": _frozen(g) for o, g in instance.given().items()})
    return values


def _frozen(value):
    if np.ndim(value) == 0:
        return np.float64(value)
    array = np.array(value, dtype=float)
    array.flags.writeable = False
    return array


def _right(instance, name: str) -> np.ndarray:
    """∂L/∂name on this instance, by central differences, in name's shape."""
    return np.asarray(instance.gradient_of(name), dtype=float).reshape(
        np.shape(instance.values[name]))


def compare(d, wrt: str, formula: str, trials: int = TRIALS, seed: int = 0) -> Comparison:
    """The user's formula for ∂loss/∂wrt against the derivation ``d`` of the program."""
    if wrt not in d.gradients:
        raise UsageError(f"no gradient with respect to {wrt} was derived", option="against",
                         value=wrt)
    tree = user_numpy.parse(formula)
    gradients = _readable_gradients(d)
    user_numpy.check(tree, set(d.shapes.names) | set(gradients),
                     lambda name: _unknown(d, name, gradients))
    out = Comparison(wrt, formula, "equal", shape=tuple(d.shapes.names[wrt]),
                     right_formula=_shown(d, wrt), right_numpy=d.numpy_of(wrt))
    read = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    draws = _instances(d, trials, seed)
    out.uncovered = draws.uncovered
    for trial, instance in enumerate(draws.instances):
        values = _user_values(d, instance)
        for name in gradients:
            if name in read and name not in values:
                values[name] = _frozen(_right(instance, name[1:]))
        right = _right(instance, wrt)
        if not _judged(out, _run(tree, values), right, instance.dims, instance.floor(wrt)):
            return out
        out.trials = trial + 1
    return out


def _readable_gradients(d) -> list[str]:
    """The gradients a formula may read: the upstream one and those of the results."""
    results = [s.target for s in d.program.statements if s.target not in d.outputs]
    upstream = [f"d{o}" for o in d.upstreams]
    return upstream + [f"d{n}" for n in results if f"d{n}" not in d.shapes.names]


def _unknown(d, name: str, gradients: list[str]) -> str:
    """The one line for a name a formula may not read, listing the ones it may."""
    names = ", ".join(n for n in d.shapes.names if n not in d.outputs or d.has_upstream)
    if name.startswith("d") and gradients:
        return f"`{name}` is not a name of this program; the upstream gradients are " \
               f"{', '.join(gradients)} (its names: {names})"
    return f"`{name}` is not a name of this program; its names are {names}" + \
        (f", and the upstream gradients {', '.join(gradients)}" if gradients else "")


def _run(tree, values: dict):
    """The formula's value, or the Failed that says where numpy gave up."""
    try:
        return user_numpy.evaluate(tree, values)
    except Failed as failure:
        return failure


def _judged(out: Comparison, yours, right: np.ndarray, dims: dict[str, int],
            floor: float) -> bool:
    """Compare the formula's value with the gradient; record a verdict that is not
    "equal" in ``out``, and say whether it still is."""
    if isinstance(yours, Failed):
        out.verdict, out.detail = "error", _explained(yours, dims)
        return False
    try:
        yours = np.asarray(yours, dtype=float)
    except (TypeError, ValueError, OverflowError):
        out.verdict = "error"
        out.detail = f"it gives a {type(yours).__name__}, not an array of numbers"
        return False
    if yours.shape != right.shape:
        out.detail = f"{_described(yours.shape)} | {_described(right.shape)}"
        out.verdict = "transpose" if yours.T.shape == right.shape and \
            _relative(yours.T.reshape(-1), right.reshape(-1), floor) < RTOL else "shape"
        return False
    if _relative(yours.reshape(-1), right.reshape(-1), floor) >= RTOL:
        gap = np.where(np.isfinite(yours), np.abs(yours - right), np.inf)
        worst = np.unravel_index(int(np.argmax(gap)), right.shape) if right.ndim else ()
        out.verdict, out.entry = "differs", tuple(int(k) for k in worst)
        out.yours, out.right = float(yours[worst]), float(right[worst])
        return False
    return True


# ------------------------------------------------------------------ a whole backward pass

@dataclass
class PassLine:
    """One line of a backward pass. ``status``: "right", "wrong" (the line itself is
    wrong: ``comparison`` says why), "follows" (right with the true values of what it
    reads; wrong here because it reads ``reads``, wrong earlier), "helper" (a name of the
    user's own, not a gradient), "partial" (a gradient summed further on later lines)."""

    number: int
    target: str
    formula: str
    op: str = "="                       # "+=" for a line that adds to a gradient
    gradient: str | None = None         # NAME, for the line that gives dNAME its value
    status: str = "right"
    comparison: Comparison | None = None
    reads: tuple[str, ...] = ()

    @property
    def right(self) -> bool:
        return self.status in ("right", "helper", "partial")


@dataclass
class BackwardCheck:
    """The verdict on a backward pass, line by line (``lines``)."""

    lines: list[PassLine]
    loss: str = "L"
    trials: int = 0
    output: str = ""
    program: str = field(default="", repr=False)
    uncovered: list[str] = field(default_factory=list)  # as in ``Comparison``
    # the names asked for (--wrt W) whose gradient dW no line assigns: not checked
    lacking: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(line.right for line in self.lines) and not self.uncovered and \
            not self.lacking

    @property
    def first_wrong(self) -> PassLine | None:
        return next((line for line in self.lines if not line.right), None)

    def text(self, lang: str = "en") -> str:
        from ..render.formats import render_backward_check
        return render_backward_check(self, lang)

    def __str__(self) -> str:
        return self.text()

    def _repr_markdown_(self) -> str:
        return "```text\n" + self.text() + "```\n"


def pass_gradients(d, source: str) -> list[str]:
    """The names NAME whose gradient dNAME a backward pass assigns (it is checked first)."""
    return list(dict.fromkeys(target[1:] for _, target, _, _ in _parse_pass(d, source)
                              if _is_gradient(d, target)))


def check_pass(d, source: str, trials: int = TRIALS, seed: int = 0) -> BackwardCheck:
    """Each line ``dNAME = formula`` of a hand-written backward pass against ∂L/∂NAME of
    the derivation ``d`` (which has derived each of them: ``pipeline.check_backward``
    sees to it), in order; later lines read the user's own earlier values."""
    statements = _parse_pass(d, source)
    lines = [PassLine(number, target, text.removeprefix("+="), "+=" if text.startswith("+=")
                      else "=") for number, target, _, text in statements]
    last = {target: k for k, (_, target, _, _) in enumerate(statements)}
    for k, line in enumerate(lines):
        name = line.target[1:]
        if _is_gradient(d, line.target):
            line.gradient, line.status = (name, "right") if last[line.target] == k else \
                (None, "partial")
        else:
            line.status = "helper"
    if not any(line.gradient for line in lines):
        raise UsageError("no line assigns the gradient dNAME of a name of the program ("
                         + ", ".join(_names(d)) + ")", option="against")
    for line in lines:
        if line.gradient:
            line.comparison = Comparison(
                line.gradient, line.formula, "equal", shape=tuple(d.shapes.names[
                    line.gradient]), right_formula=_shown(d, line.gradient, named=True),
                right_numpy=_named_numpy(d, line.gradient))
    report = BackwardCheck(lines, d.loss, 0, d.output, d.program.source)
    draws = _instances(d, trials, seed)
    report.uncovered = draws.uncovered
    for trial, instance in enumerate(draws.instances):
        _run_pass(d, statements, lines, instance)
        report.trials = trial + 1
    return report


def _run_pass(d, statements, lines: list[PassLine], instance) -> None:
    """One instance: each line run with the user's values (``yours``) and, if it reads a
    value that was wrong, again with the true ones (``true``)."""
    yours = _user_values(d, instance)
    true = dict(yours)
    wrong: dict[str, tuple[str, ...]] = {}  # name → the wrong gradients it came from
    for (number, target, tree, _), line in zip(statements, lines):
        read = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        roots = tuple(dict.fromkeys(r for n in sorted(read & set(wrong)) for r in wrong[n]))
        mine = _line_value(tree, yours, number)
        fixed = _line_value(tree, true, number) if roots else mine
        if line.gradient is None:  # a helper or a partial sum: nothing to compare
            if isinstance(mine, Failed) and line.status != "wrong":
                line.status = "wrong"
                line.comparison = Comparison(target, line.formula, "error", shape=None,
                                             detail=_explained(mine, instance.dims))
            _bind(yours, target, mine)
            _bind(true, target, fixed)
            if roots or isinstance(mine, Failed):
                wrong[target] = roots or (target,)
            continue
        right = _right(instance, line.gradient)
        probe = Comparison(line.gradient, line.formula, "equal")
        floor = instance.floor(line.gradient)
        if _judged(probe, mine, right, instance.dims, floor):
            pass
        elif roots and _judged(Comparison(line.gradient, line.formula, "equal"), fixed,
                               right, instance.dims, floor):
            if line.status == "right":
                line.status, line.reads = "follows", roots
            wrong[target] = roots
        else:
            if line.status != "wrong":
                own = probe
                if roots:
                    own = Comparison(line.gradient, line.formula, "equal")
                    _judged(own, fixed, right, instance.dims, floor)
                line.status, line.reads = "wrong", roots
                _take_verdict(line.comparison, own)
            wrong[target] = (target,)
        _bind(yours, target, mine)
        true[target] = _frozen(right)
        if line.status == "right":
            line.comparison.trials += 1


def _take_verdict(into: Comparison, verdict: Comparison) -> None:
    for name in ("verdict", "detail", "entry", "yours", "right"):
        setattr(into, name, getattr(verdict, name))


def _bind(values: dict, name: str, value) -> None:
    if isinstance(value, Failed):
        values.pop(name, None)
    else:
        values[name] = value


def _line_value(tree, values: dict, number: int):
    try:
        return _run(tree, values)
    except UsageError as error:  # a bound crossed while it ran
        raise UsageError(f"line {number}: {error.message}", option="against") from None


def _is_gradient(d, target: str) -> bool:
    name = target[1:]
    return target.startswith("d") and name in d.shapes.names and name not in d.outputs and \
        target not in d.shapes.names


def _names(d) -> list[str]:
    return [n for n in d.shapes.names if n not in d.outputs]


def _parse_pass(d, source: str) -> list[tuple[int, str, ast.Expression, str]]:
    """(line number, target, checked formula, its text) for each line of the pass."""
    try:
        module = ast.parse(source.removeprefix("\ufeff"))
    except SyntaxError as error:
        raise UsageError(f"line {error.lineno}: not a numpy statement ({error.msg})",
                         option="against") from None
    except (RecursionError, MemoryError):
        raise UsageError("the backward pass is nested too deeply", option="against") from None
    if not module.body:
        raise UsageError("the backward pass is empty: write lines like dW = X.T @ dZ",
                         option="against")
    if len(module.body) > MAX_PASS_LINES:
        raise UsageError(f"a backward pass of more than {MAX_PASS_LINES} lines",
                         option="against")
    upstream = [f"d{o}" for o in d.upstreams]
    readable = set(d.shapes.names) | set(upstream)
    out = []
    shared = len({s.lineno for s in module.body}) < len(module.body)  # a; b on one line
    for k, statement in enumerate(module.body):
        number = k + 1 if shared else statement.lineno
        target, value = _assignment(statement, number)
        text = ast.get_source_segment(source.removeprefix("\ufeff"), value) or \
            ast.unparse(value)
        if target in d.shapes.names or target in upstream or target == "np" or \
                target in user_numpy.BUILTINS or target.startswith("__"):
            what = "the upstream gradient, given to the pass" if target in upstream else \
                "a name of the program" if target in d.shapes.names else "reserved"
            raise UsageError(f"line {number}: {target} is {what}; a backward pass assigns "
                             "gradients dNAME and names of its own", option="against")
        if isinstance(statement, ast.AugAssign):
            if target not in readable:
                raise UsageError(f"line {number}: {target} += … before {target} has a "
                                 "value", option="against")
            value = ast.BinOp(left=ast.Name(id=target, ctx=ast.Load()), op=ast.Add(),
                              right=value)
            text = f"+={text}"
        if len(text) > user_numpy.MAX_LENGTH:
            raise UsageError(f"line {number}: a formula of more than "
                             f"{user_numpy.MAX_LENGTH} characters", option="against")
        tree = ast.fix_missing_locations(ast.Expression(body=value))
        try:
            user_numpy.check(tree, readable, lambda name: _unread(d, name, readable,
                                                                  upstream))
        except UsageError as error:
            raise UsageError(f"line {number}: {error.message}", option="against") from None
        out.append((number, target, tree, text))
        readable.add(target)
    return out


def _assignment(statement: ast.stmt, number: int) -> tuple[str, ast.expr]:
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and \
            isinstance(statement.targets[0], ast.Name):
        return statement.targets[0].id, statement.value
    if isinstance(statement, ast.AugAssign) and isinstance(statement.target, ast.Name) \
            and isinstance(statement.op, ast.Add):
        return statement.target.id, statement.value
    if isinstance(statement, ast.AugAssign):
        raise UsageError(f"line {number}: only += sums a gradient", option="against")
    raise UsageError(f"line {number}: a backward pass is lines NAME = formula (e.g. dW = "
                     "X.T @ dZ)", option="against")


def _unread(d, name: str, readable: set, upstream: list[str]) -> str:
    """The one line for a name a line of the pass may not read."""
    start = f"{', '.join(upstream)}, the upstream gradient{'s' * (len(upstream) > 1)}," \
        if upstream else \
        "the forward values"
    if _is_gradient(d, name):
        return f"{name} is read before a line assigns it; a backward pass starts from " \
               f"{start} and reads what its earlier lines assigned"
    own = sorted(readable - set(d.shapes.names) - set(upstream))
    return f"`{name}` is not a name of this program; its names are " + \
        ", ".join(_names(d)) + (f", the upstream gradient{'s' * (len(upstream) > 1)} "
                                f"{', '.join(upstream)}" if upstream else "") \
        + (f", and earlier lines assigned {', '.join(own)}" if own else "")


def _named_numpy(d, name: str) -> str | None:
    from ..codegen.backward import numpy_code
    return numpy_code(d, d.all_gradients[name], named=True)


def _shown(d, wrt: str, named: bool = False) -> str:
    """The derived gradient as text: its matrix form with named gradients inlined, or
    (``named``) in terms of the named gradients ∂L/∂Z, as a backward pass reads them."""
    from ..render.formats import gradient_line
    return gradient_line(d, wrt, named=named)


def _explained(failure: Failed, dims: dict[str, int]) -> str:
    """Why numpy could not compute the formula, in the program's dimension names."""
    named = {size: name for name, size in dims.items()
             if list(dims.values()).count(size) == 1}
    node = failure.node
    product = _failing_product(failure, named)
    if product is not None:
        return product
    arrays = [(side, value) for side, value in zip(_operands(node), failure.values)
              if isinstance(value, np.ndarray) and value.ndim]
    if isinstance(node, (ast.BinOp, ast.Compare)) and len(arrays) == 2 and \
            "broadcast" in failure.reason:
        (a, x), (b, y) = arrays
        op = node.op if isinstance(node, ast.BinOp) else node.ops[0]
        symbol = _SYMBOLS.get(type(op), "it")
        return f"{ast.unparse(a)} is {_described(x.shape, named)} and {ast.unparse(b)} " \
               f"{_described(y.shape, named)}: {symbol} needs shapes that broadcast"
    shown = ast.unparse(node)
    shown = shown if len(shown) <= 60 else shown[:59] + "…"
    words = "; ".join(f"{ast.unparse(side)} is {_described(value.shape, named)}"
                      for side, value in arrays)
    return f"{shown}: {failure.reason}" + (f" ({words})" if words else "")


_SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
            ast.FloorDiv: "//", ast.Mod: "%", ast.BitAnd: "&", ast.BitOr: "|",
            ast.BitXor: "^", ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=",
            ast.Gt: ">", ast.GtE: ">="}


def _operands(node: ast.AST) -> list[ast.AST]:
    """The expressions whose values a Failed at ``node`` carries, in order."""
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.Compare):
        return [node.left, *node.comparators]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Subscript):
        return [node.value, node.slice]
    if isinstance(node, ast.Call):
        owner = [node.func.value] if isinstance(node.func, ast.Attribute) and \
            user_numpy._numpy_path(node.func) is None else []
        return [*owner, *node.args]
    return []


def _failing_product(failure: Failed, named: dict[int, str]) -> str | None:
    """Why a failing ``a @ b`` fails, in words and dimension names: "u.T is a vector of
    length n (.T leaves a 1-D array as it is) and du2 one of length m: @ of two vectors is
    their inner product, which needs n = m"."""
    node = failure.node
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult)):
        return None
    left, right = (np.asarray(v) for v in failure.values)
    if _matmul_fits(left.shape, right.shape):
        return None
    sides = []
    for side, value in ((node.left, left), (node.right, right)):
        words = _described(value.shape, named)
        if isinstance(side, ast.Attribute) and side.attr == "T" and value.ndim == 1:
            words += " (.T leaves a 1-D array as it is: numpy has no row vectors)"
        sides.append(f"{ast.unparse(side)} is {words}")
    if not left.ndim or not right.ndim:
        return f"{sides[0]} and {sides[1]}: @ needs arrays, not scalars (* multiplies by one)"
    inner = (left.shape[-1], right.shape[0] if right.ndim == 1 else right.shape[-2])
    need = " = ".join(named.get(k, str(k)) for k in inner)
    what = "their inner product" if left.ndim == right.ndim == 1 else "a matrix product"
    return f"{sides[0]} and {sides[1]}: @ makes {what}, which needs {need}"


def _matmul_fits(a: tuple, b: tuple) -> bool:
    if not a or not b:
        return False
    return a[-1] == (b[0] if len(b) == 1 else b[-2])


def _described(shape: tuple, named: dict[int, str] | None = None) -> str:
    """a scalar; a vector of length n = 3; a matrix of shape (m, k) = 4×3."""
    named = named or {}
    if not shape:
        return "a scalar"
    sizes = "×".join(map(str, shape))
    names = ", ".join(named.get(k, str(k)) for k in shape)
    kind = "matrix" if len(shape) == 2 else "array"
    if len(shape) == 1:
        return f"a vector of length {names} = {sizes}" if shape[0] in named else \
            f"a vector of length {sizes}"
    if any(k in named for k in shape):
        return f"a{'n' if kind == 'array' else ''} {kind} of shape ({names}) = {sizes}"
    return f"a {sizes} {kind}"
