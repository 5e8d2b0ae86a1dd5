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
_ATTRIBUTES = ("T", "shape", "ndim", "size")
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
        ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Pow: operator.pow,
        ast.MatMult: operator.matmul}


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
    """``code`` as a function of (the values, the memo), its tree walked once here and each
    construct checked before anything runs (the forward pass runs an elementwise
    function's spelling on every call); and whether it binds names (:=)."""
    from .arrays import np
    def unexpected(node):
        return UnsupportedError("unexpected construct in generated numpy code: "
                                f"{ast.dump(node)[:80]}")

    def build(node):
        if isinstance(node, ast.Expression):
            return build(node.body)
        if isinstance(node, ast.NamedExpr):  # (dH := …): a gradient bound once, read later
            return bound(node)
        if isinstance(node, ast.Constant) and (type(node.value) in (int, float, bool, str)
                                               or node.value in (Ellipsis, None)):
            value = node.value
            return lambda values, memo: value
        if isinstance(node, ast.Name):
            name = node.id

            def read(values, memo):
                if name not in values:
                    raise unexpected(node)
                return values[name]
            return read
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            op, left, right = _OPS[type(node.op)], build(node.left), build(node.right)
            return lambda values, memo: op(left(values, memo), right(values, memo))
        if isinstance(node, ast.Compare) and [type(op) for op in node.ops] == [ast.Eq]:
            left, right = build(node.left), build(node.comparators[0])  # a δ's 0/1 array
            return lambda values, memo: left(values, memo) == right(values, memo)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = build(node.operand)
            if isinstance(node.op, ast.USub):
                return lambda values, memo: -operand(values, memo)
            return operand
        if isinstance(node, (ast.Tuple, ast.List)):  # a list: np.array([[…], […]])
            items = [build(e) for e in node.elts]
            kind = tuple if isinstance(node, ast.Tuple) else list
            return lambda values, memo: kind(item(values, memo) for item in items)
        if isinstance(node, ast.Attribute) and node.attr in _ATTRIBUTES:
            inner, attr = build(node.value), node.attr  # as Python would: no np.asarray
            return lambda values, memo: getattr(inner(values, memo), attr)
        if isinstance(node, ast.Subscript):
            inner, key = build(node.value), build(node.slice)
            return lambda values, memo: inner(values, memo)[key(values, memo)]
        if isinstance(node, ast.Slice):  # a[1:5:2], a[..., ::-1]: windows of a convolution
            parts = [None if part is None else build(part)
                     for part in (node.lower, node.upper, node.step)]
            return lambda values, memo: slice(*(None if p is None else p(values, memo)
                                                for p in parts))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            args = [build(a) for a in node.args]
            kwargs = {k.arg: build(k.value) for k in node.keywords}

            def arguments(values, memo):
                return ([a(values, memo) for a in args],
                        {k: v(values, memo) for k, v in kwargs.items()})
            name = _called(node.func)
            if name is not None and name in allowed:
                target = np
                for part in name.split("."):
                    target = getattr(target, part)

                def call(values, memo):
                    positional, keywords = arguments(values, memo)
                    return target(*positional, **keywords)
                return call
            if name is None and node.func.attr in ARRAY_METHODS:  # x.sum(): x must have one
                owner, method = build(node.func.value), node.func.attr

                def method_call(values, memo):
                    positional, keywords = arguments(values, memo)
                    return getattr(owner(values, memo), method)(*positional, **keywords)
                return method_call
        raise unexpected(node)

    def bound(node: ast.NamedExpr):
        """(dZ := …), by the name and the text: (dh0 := 2 * h1) in one code and
        (dh1 := 2 * h1) in another are two bindings (keyed by the text alone, the second
        read no dh1). Its value, and every name bound inside it, are kept in the memo."""
        target, value = node.target.id, build(node.value)
        key = (target, code[node.value.col_offset:node.value.end_col_offset]) \
            if node.value.lineno == node.value.end_lineno == 1 else None

        def bind(values, memo):
            if memo is not None and key is not None and key in memo:
                values.update(memo[key])
                return values[target]
            before = set(values)
            values[target] = value(values, memo)
            if memo is not None and key is not None:
                memo[key] = {name: values[name] for name in values
                             if name not in before or name == target}
            return values[target]
        return bind

    tree = _tree(code)
    binds = any(isinstance(node, ast.NamedExpr) for node in ast.walk(tree))
    return build(tree), binds


def eval_numpy(code: str, values: dict, allowed: frozenset[str], memo: dict | None = None):
    """The value of ``code`` with the arrays ``values``, calling only ``allowed`` (numpy is
    imported here, not with the module: deriving needs only ``calls_in``). ``memo`` keeps
    the value of each ``(dZ := …)`` by its text, for other code run on the same values (a
    backward pass bound once per gradient shares its named gradients)."""
    run, binds = _compiled(code, frozenset(allowed))
    # (name := value) binds in a scope of its own, not in the caller's dict
    return run(dict(values) if binds else values, memo)
