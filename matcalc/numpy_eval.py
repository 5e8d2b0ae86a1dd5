"""Running numpy code that matcalc itself wrote, under a whitelist (it is checked, not
trusted): ``dC @ B.T``, ``np.logaddexp(0, x)``, ``(dY * Y).sum(axis=0)``. The code runs
exactly as Python would run it: ``2.0.sum()`` fails here as it would in a notebook.

The code is parsed with ``ast`` and walked; only arithmetic, the program's own names,
``.T``/``.shape``, subscripts, the array methods below and the numpy functions named in
``allowed`` (``exp`` for ``np.exp``, ``linalg.inv`` for ``np.linalg.inv``) run.
"""

from __future__ import annotations

import ast
import operator
from functools import lru_cache

from .errors import UnsupportedError

ARRAY_METHODS = frozenset({"sum", "max", "reshape", "item", "swapaxes", "transpose"})
_ATTRIBUTES = ("T", "shape", "ndim")
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
        ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Pow: operator.pow, ast.MatMult: operator.matmul}


@lru_cache(maxsize=4096)
def _tree(code: str) -> ast.Expression:
    return ast.parse(code, mode="eval")


def _called(func: ast.expr) -> str | None:
    """"exp" for np.exp, "linalg.inv" for np.linalg.inv,
    "lib.stride_tricks.sliding_window_view", None for anything else."""
    parts = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if isinstance(func, ast.Name) and func.id == "np" and parts:
        return ".".join(reversed(parts))
    return None


def calls_in(code: str) -> frozenset[str]:
    """The numpy functions a piece of code calls: {"logaddexp"} for np.logaddexp(0, x)."""
    return frozenset(name for node in ast.walk(_tree(code)) if isinstance(node, ast.Call)
                     and (name := _called(node.func)) is not None)


@lru_cache(maxsize=4096)
def _compiled(code: str, allowed: frozenset[str]):
    """``code`` as a function of the values, its tree walked once (the forward pass runs an
    elementwise function's spelling on every call): the same constructs as ``eval_numpy``,
    each checked here, before anything runs. None for code that binds names (:=)."""
    import numpy as np
    tree = _tree(code)
    if any(isinstance(node, ast.NamedExpr) for node in ast.walk(tree)):
        return None

    def unexpected(node):
        return UnsupportedError("unexpected construct in generated numpy code: "
                                f"{ast.dump(node)[:80]}")

    def build(node):
        if isinstance(node, ast.Expression):
            return build(node.body)
        if isinstance(node, ast.Constant) and (type(node.value) in (int, float, bool, str)
                                               or node.value in (Ellipsis, None)):
            value = node.value
            return lambda values: value
        if isinstance(node, ast.Name):
            name = node.id

            def read(values):
                if name not in values:
                    raise unexpected(node)
                return values[name]
            return read
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            op, left, right = _OPS[type(node.op)], build(node.left), build(node.right)
            return lambda values: op(left(values), right(values))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = build(node.operand)
            if isinstance(node.op, ast.USub):
                return lambda values: -operand(values)
            return operand
        if isinstance(node, (ast.Tuple, ast.List)):
            items = [build(e) for e in node.elts]
            kind = tuple if isinstance(node, ast.Tuple) else list
            return lambda values: kind(item(values) for item in items)
        if isinstance(node, ast.Attribute) and node.attr in _ATTRIBUTES:
            inner, attr = build(node.value), node.attr
            return lambda values: getattr(inner(values), attr)
        if isinstance(node, ast.Subscript):
            inner, key = build(node.value), build(node.slice)
            return lambda values: inner(values)[key(values)]
        if isinstance(node, ast.Slice):
            parts = [None if part is None else build(part)
                     for part in (node.lower, node.upper, node.step)]
            return lambda values: slice(*(None if p is None else p(values) for p in parts))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            args = [build(a) for a in node.args]
            kwargs = {k.arg: build(k.value) for k in node.keywords}
            name = _called(node.func)
            if name is not None and name in allowed:
                target = np
                for part in name.split("."):
                    target = getattr(target, part)
                return lambda values: target(*(a(values) for a in args),
                                             **{k: v(values) for k, v in kwargs.items()})
            if name is None and node.func.attr in ARRAY_METHODS:
                owner, method = build(node.func.value), node.func.attr
                return lambda values: getattr(owner(values), method)(
                    *(a(values) for a in args), **{k: v(values) for k, v in kwargs.items()})
        raise unexpected(node)

    return build(tree)


def eval_numpy(code: str, values: dict, allowed: frozenset[str], memo: dict | None = None):
    """The value of ``code`` with the arrays ``values``, calling only ``allowed`` (numpy is
    imported here, not with the module: deriving needs only ``calls_in``). ``memo`` keeps
    the value of each ``(dZ := …)`` by its text, for other code run on the same values (a
    backward pass bound once per gradient shares its named gradients)."""
    import numpy as np

    compiled = _compiled(code, frozenset(allowed))
    if compiled is not None:  # nothing bound: the tree walked once, run as a function
        return compiled(values)
    values = dict(values)  # (name := value) binds here, not in the caller's dict

    def run(node):
        if isinstance(node, ast.Expression):
            return run(node.body)
        if isinstance(node, ast.NamedExpr):  # (dH := …): a gradient bound once, read later
            # by the name and the text: (dh0 := 2 * h1) in one code and (dh1 := 2 * h1) in
            # another are two bindings (keyed by the text alone, the second read no dh1)
            key = (node.target.id, code[node.value.col_offset:node.value.end_col_offset]) \
                if memo is not None and node.value.lineno == node.value.end_lineno == 1 \
                else None
            if key is not None and key in memo:  # its value, and every name bound inside
                values.update(memo[key])
                return values[node.target.id]
            before = set(values)
            values[node.target.id] = run(node.value)
            if key is not None:
                memo[key] = {name: values[name] for name in values
                             if name not in before or name == node.target.id}
            return values[node.target.id]
        if isinstance(node, ast.Constant) and (type(node.value) in (int, float, bool, str)
                                               or node.value in (Ellipsis, None)):
            return node.value
        if isinstance(node, ast.Slice):  # a[1:5:2], a[..., ::-1]: windows of a convolution
            return slice(*(None if part is None else run(part)
                           for part in (node.lower, node.upper, node.step)))
        if isinstance(node, ast.Name) and node.id in values:
            return values[node.id]
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](run(node.left), run(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            value = run(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.Tuple):
            return tuple(run(e) for e in node.elts)
        if isinstance(node, ast.List):  # np.array([[…], […]]): a matrix written out
            return [run(e) for e in node.elts]
        if isinstance(node, ast.Attribute) and node.attr in _ATTRIBUTES:
            return getattr(run(node.value), node.attr)  # as Python would: no np.asarray
        if isinstance(node, ast.Subscript):
            return run(node.value)[run(node.slice)]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            args = [run(a) for a in node.args]
            kwargs = {k.arg: run(k.value) for k in node.keywords}
            name = _called(node.func)
            if name is not None and name in allowed:
                target = np
                for part in name.split("."):
                    target = getattr(target, part)
                return target(*args, **kwargs)
            if name is None and node.func.attr in ARRAY_METHODS:  # x.sum(): x must have one
                return getattr(run(node.func.value), node.func.attr)(*args, **kwargs)
        raise UnsupportedError("unexpected construct in generated numpy code: "
                               f"{ast.dump(node)[:80]}")

    return run(_tree(code))
