"""Checking a hand-derived formula: is the user's numpy expression ∂L/∂X?

    matcalc derive PROGRAM --wrt W --against "X.T @ dZ"
    derive(PROGRAM, wrt="W", against={"W": "X.T @ dZ"})

The formula is numpy code over the program's names, the upstream gradient d<Output>, and
the gradient dZ of any intermediate Z. It is parsed with ``ast`` and run under the same
whitelist as matcalc's own numpy (never evaluated as Python), on random instances, and
compared entry by entry with central differences of the forward pass. The verdict says
why a wrong formula is wrong: it cannot run, it has the wrong shape (and whether its
transpose would be right), or an entry differs — with that entry, both values, and the
right formula.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import UnsupportedError, UsageError
from ..numpy_eval import calls_in
from .numeric import eval_numpy
from .verification import RTOL, _relative, gradient_instance, plain

TRIALS = 3
MAX_FORMULA = 2000        # characters
MAX_CONSTANT = 10 ** 6    # the largest number a formula may write


def _number(node):
    """The value of a literal number, signed, else None."""
    import ast
    sign = 1
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        sign, node = (-1 if isinstance(node.op, ast.USub) else 1), node.operand
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return sign * node.value
    return None


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
    shape: tuple = ()                      # the gradient's shape in dimension names
    right_formula: str | None = None       # the derived gradient, as text
    right_numpy: str | None = None

    @property
    def equal(self) -> bool:
        return self.verdict == "equal"

    def text(self, loss: str = "L") -> str:
        from ..render.formats import render_comparison
        return render_comparison(self, loss)

    def __str__(self) -> str:
        return self.text()


def compare(d, wrt: str, formula: str, trials: int = TRIALS, seed: int = 0) -> Comparison:
    """The user's formula for ∂loss/∂wrt against the derivation ``d`` of the program."""
    if wrt not in d.gradients:
        raise UsageError(f"no gradient with respect to {wrt} was derived", option="against",
                         value=wrt)
    _check_formula(d, formula)
    out = Comparison(wrt, formula, "equal", shape=tuple(d.shapes.names[wrt]),
                     right_formula=_shown(d, wrt), right_numpy=d.numpy_of(wrt))
    for trial in range(trials):
        instance = gradient_instance(d, seed + trial)
        values = plain(instance.values)
        if instance.upstream is not None:
            values[f"d{d.output}"] = instance.upstream
        for name in _intermediate_gradients(d, formula):
            values[f"d{name}"] = np.asarray(instance.gradient_of(name), dtype=float)
        right = np.asarray(instance.gradient_of(wrt), dtype=float).reshape(
            np.shape(instance.values[wrt]))
        try:
            with np.errstate(all="ignore"):
                yours = np.asarray(eval_numpy(formula, values), dtype=float)
        except (ValueError, TypeError, ArithmeticError, IndexError, UnsupportedError,
                MemoryError) as error:
            out.verdict = "error"
            out.detail = _failing_product(formula, values, instance.dims) or \
                _numpy_message(error)
            return out
        out.trials = trial + 1
        if yours.shape != right.shape:
            out.detail = f"{_described(yours.shape)} | {_described(right.shape)}"
            out.verdict = "transpose" if yours.T.shape == right.shape and \
                _relative(yours.T.reshape(-1), right.reshape(-1), instance.floor) < RTOL else "shape"
            return out
        if _relative(yours.reshape(-1), right.reshape(-1), instance.floor) >= RTOL:
            worst = np.unravel_index(int(np.argmax(np.abs(yours - right))), right.shape) \
                if right.ndim else ()
            out.verdict, out.entry = "differs", tuple(int(k) for k in worst)
            out.yours, out.right = float(yours[worst]), float(right[worst])
            return out
    return out


def _check_formula(d, formula: str) -> None:
    """Only names the derivation knows and numpy functions matcalc's own code may call."""
    import ast

    from .. import ops
    from ..render.numpy_code import STRUCTURAL_CALLS
    try:
        tree = ast.parse(formula, mode="eval")
    except SyntaxError as error:
        raise UsageError(f"not a numpy expression: {error.msg}", option="against",
                         value=formula) from None
    if len(formula) > MAX_FORMULA:
        raise UsageError(f"a formula of more than {MAX_FORMULA} characters",
                         option="against", value=formula[:40] + "…")
    # the gradients a formula may read: the upstream one, and those of the results
    results = {s.target for s in d.program.statements} - {d.output}
    gradients = {f"d{n}" for n in results} | ({f"d{d.output}"} if d.has_upstream else set())
    known = set(d.shapes.names) | gradients
    unknown = sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
                      and n.id not in known and n.id != "np"})
    if unknown:
        raise UsageError(f"unknown name {unknown[0]!r}: use the program's names, the "
                         "gradients of its results (dZ for a result Z)" +
                         (f" and d{d.output}, the upstream gradient" if d.has_upstream
                          else ""), option="against", value=formula)
    for node in ast.walk(tree):  # nothing that could run for ever or fill the memory
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and \
                abs(node.value) > MAX_CONSTANT:
            raise UsageError(f"the number {node.value!r} is too large for a formula",
                             option="against", value=formula)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow) and not (
                isinstance(node.right, (ast.Name, ast.Attribute)) or
                (_number(node.right) is not None and abs(_number(node.right)) <= 64)):
            raise UsageError("an exponent is a number up to 64 or an array",
                             option="against", value=formula)
    allowed = STRUCTURAL_CALLS | ops.numpy_calls()
    calls = sorted(calls_in(formula) - allowed)
    if calls:
        raise UsageError(f"np.{calls[0]} is not among the functions matcalc runs; known: "
                         + ", ".join(sorted(allowed)), option="against", value=formula)


def _intermediate_gradients(d, formula: str) -> list[str]:
    """The intermediates Z whose gradient dZ the formula reads."""
    import ast
    targets = {s.target for s in d.program.statements} - {d.output}
    read = {n.id for n in ast.walk(ast.parse(formula, mode="eval")) if isinstance(n, ast.Name)}
    return [name for name in targets if f"d{name}" in read and f"d{name}" not in
            d.shapes.names]


def _shown(d, wrt: str) -> str:
    """The derived gradient as text (its matrix form, with named gradients inlined)."""
    from ..render.formats import gradient_line
    return gradient_line(d, wrt)


def _failing_product(formula: str, values: dict, dims: dict[str, int]) -> str | None:
    """Why the innermost failing ``a @ b`` fails, in words and dimension names: "u.T is a
    vector of length n (.T leaves a 1-D array as it is) and du2 one of length m: @ of two
    vectors is their inner product, which needs n = m"."""
    import ast
    tree = ast.parse(formula, mode="eval")
    products = [n for n in ast.walk(tree) if isinstance(n, ast.BinOp)
                and isinstance(n.op, ast.MatMult)]
    for node in reversed(products):  # inner products before the ones that contain them
        try:
            left, right = (np.asarray(eval_numpy(ast.unparse(side), values))
                           for side in (node.left, node.right))
        except (ValueError, TypeError, ArithmeticError, IndexError, UnsupportedError):
            continue
        if _matmul_fits(left.shape, right.shape):
            continue
        named = {size: name for name, size in dims.items()
                 if list(dims.values()).count(size) == 1}
        sides = []
        for side, value in ((node.left, left), (node.right, right)):
            words = _described(value.shape, named)
            if isinstance(side, ast.Attribute) and side.attr == "T" and value.ndim == 1:
                words += " (.T leaves a 1-D array as it is: numpy has no row vectors)"
            sides.append(f"{ast.unparse(side)} is {words}")
        inner = (left.shape[-1] if left.ndim else None,
                 right.shape[0] if right.ndim == 1 else right.shape[-2] if right.ndim else None)
        need = " = ".join(named.get(k, str(k)) for k in inner if k is not None)
        what = "their inner product" if left.ndim == right.ndim == 1 else "a matrix product"
        return f"{sides[0]} and {sides[1]}: @ makes {what}, which needs {need}"
    return None


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
    if len(shape) == 1:
        return f"a vector of length {names} = {sizes}" if shape[0] in named else \
            f"a vector of length {sizes}"
    if any(k in named for k in shape):
        return f"a matrix of shape ({names}) = {sizes}"
    return f"a {sizes} matrix"
    if not shape:
        return "a scalar"
    if len(shape) == 1:
        return f"a vector of length {shape[0]}"
    return f"a {shape[0]}×{shape[1]} matrix"


def _numpy_message(error: Exception) -> str:
    return f"{type(error).__name__}: {error}".splitlines()[0]
