"""Running the numpy a person writes (``--against``): ``dY * (X > 0)``, ``np.sum(dZ,
axis=0)``, ``X.T @ dZ / X.shape[0]``, ``np.where(X <= b, dY, 0.0)``, ``dZ.mean()``.

matcalc's own generated code runs under ``numpy_eval``, which knows the few calls the
printer writes. People write more, so this is a separate evaluator with a wider whitelist
and the bounds that user text needs. The text is parsed with ``ast`` and walked; nothing is
ever passed to ``eval``. Before anything runs, ``check`` refuses whatever is not pure array
arithmetic: names outside the program (and ``np``), dunders and private names, imports,
lambdas, comprehensions, and every numpy function or array attribute not listed below —
so nothing can touch files, memory or the process (``np.save``, ``A.tofile``, ``np.memmap``,
``A.ctypes``, ``A.data``, ``A.base`` are not listed). While it runs, ``evaluate`` bounds the
size of every array before it is built (``np.ones(10**9)`` is refused, not attempted), the
work of ``einsum``-like products, the digits of integer powers and the time taken.

A numpy error raises ``Failed`` at the innermost expression that failed, with its operands'
values, so that the caller can say why in the program's dimension names.
"""

from __future__ import annotations

import ast
import math
import operator
import time
from dataclasses import dataclass
from functools import lru_cache

from ..arrays import NUMPY, np
from ..errors import UsageError

MAX_LENGTH = 2000          # characters of one formula
MAX_ENTRIES = 10 ** 6      # entries of any array a formula builds
MAX_WORK = 10 ** 7         # entries multiplied by einsum, tensordot, outer, kron
MAX_SECONDS = 10.0         # to run one formula
MAX_POWER_BITS = 4096      # bits of an integer power 10 ** 64 ** ...
MAX_INT_BITS = 256         # bits of any integer a formula's value holds

NP_FUNCTIONS = frozenset("""
    abs absolute add all allclose amax amin any arange arccos arccosh arcsin arcsinh arctan
    arctan2 arctanh argmax argmin around array asarray atleast_1d atleast_2d broadcast_to
    cbrt ceil clip column_stack concatenate cos cosh count_nonzero cumprod cumsum diag
    diagflat diagonal divide dot einsum equal exp exp2 expand_dims expm1 eye fabs flip
    float_power floor full full_like greater greater_equal heaviside hstack hypot identity
    inner isclose isfinite isnan kron less less_equal linspace log log10 log1p log2
    logaddexp logical_and logical_not logical_or logical_xor matmul max maximum mean median
    min minimum moveaxis multiply negative not_equal ones ones_like outer positive power
    prod ravel reciprocal repeat reshape rint round sign sin sinh sort sqrt square squeeze
    stack std subtract sum swapaxes tan tensordot tile trace transpose tri tril triu
    true_divide var vdot vstack where zeros zeros_like
""".split())
LINALG_FUNCTIONS = frozenset("inv det slogdet solve norm pinv eigh eigvalsh cholesky "
                             "matrix_power multi_dot".split())
NP_CONSTANTS = frozenset("pi e inf nan newaxis".split())
NP_TYPES = frozenset("float64 float32 int64 int32 bool_ double".split())
BUILTINS = {"float": float, "int": int, "bool": bool, "abs": abs, "len": len}
DTYPE_TEXT = frozenset("float float64 float32 double int int64 int32 bool".split())
ARRAY_ATTRIBUTES = frozenset("T mT shape size ndim dtype".split())
ARRAY_METHODS = frozenset("""
    all any argmax argmin astype clip copy cumprod cumsum diagonal dot flatten item max
    mean min prod ravel repeat reshape round squeeze std sum swapaxes trace transpose var
""".split())

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
           ast.Pow: operator.pow, ast.MatMult: operator.matmul, ast.BitAnd: operator.and_,
           ast.BitOr: operator.or_, ast.BitXor: operator.xor}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Invert: operator.invert}
_COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt,
            ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge}
_STRUCTURE = (ast.Expression, ast.Load, ast.Slice, ast.Tuple, ast.List, ast.keyword,
              ast.Name, ast.Constant, ast.Attribute, ast.Subscript, ast.Call, ast.BinOp,
              ast.UnaryOp, ast.Compare, *_BINARY, *_UNARY, *_COMPARE)
_HINTS = {  # what Python offers that a formula does not, and what to write instead
    ast.BoolOp: "and/or are not elementwise: write & and | (with parentheses)",
    ast.Not: "not is not elementwise: write ~ or np.logical_not",
    ast.IfExp: "x if c else y is not elementwise: write np.where(c, x, y)",
    ast.Lambda: "a lambda is not allowed in a formula",
    ast.ListComp: "a comprehension is not allowed in a formula",
    ast.GeneratorExp: "a comprehension is not allowed in a formula",
    ast.SetComp: "a comprehension is not allowed in a formula",
    ast.DictComp: "a comprehension is not allowed in a formula",
    ast.NamedExpr: "an assignment expression (:=) is not allowed in a formula",
    ast.Starred: "*arguments are not allowed in a formula",
    ast.JoinedStr: "an f-string is not allowed in a formula",
}


class Failed(Exception):
    """numpy could not compute ``node`` (its operands' ``values``, in order): ``reason``
    is numpy's message."""

    def __init__(self, node: ast.AST, values: list, reason: str):
        super().__init__(reason)
        self.node, self.values, self.reason = node, values, reason


def refuse(message: str) -> UsageError:
    return UsageError(message, option="against")


def parse(formula: str) -> ast.Expression:
    """The formula's syntax tree, or a one-line refusal."""
    if len(formula) > MAX_LENGTH:
        raise refuse(f"a formula of more than {MAX_LENGTH} characters")
    try:
        return ast.parse(formula.strip(), mode="eval")
    except SyntaxError as error:
        raise refuse(f"{formula.strip()!r} is not a numpy expression ({error.msg})") from None
    except (RecursionError, MemoryError):
        raise refuse("the formula is nested too deeply") from None


def check(tree: ast.AST, readable, unknown) -> None:
    """Refuse anything but pure array arithmetic over the names ``readable`` (a container)
    and ``np``; ``unknown(name)`` is the message for a name the formula may not read."""
    allowed_text = _allowed_strings(tree)
    callees = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    owners = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    # what Python allows and a formula does not first, then the names, then the rest
    nodes = sorted(ast.walk(tree), key=lambda n: 0 if not isinstance(n, _STRUCTURE) else
                   1 if isinstance(n, ast.Name) else 2)
    for node in nodes:
        if _numpy_path(node) in ("np", "np.linalg") and id(node) not in owners:
            raise refuse(f"{ast.unparse(node)} is numpy's module: call its functions, "
                         "np.sum(…)")
        if isinstance(node, ast.Name):
            _check_name(node, readable, unknown, id(node) in callees)
        elif isinstance(node, ast.Attribute):
            _check_attribute(node, id(node) in callees)
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, str) and id(node) not in allowed_text:
                raise refuse(f"the text {node.value!r}: a string may only be einsum's "
                             "subscripts, a dtype or norm's ord")
            if not isinstance(node.value, (int, float, bool, str, type(None), type(...))):
                raise refuse(f"{ast.unparse(node)} is not a real number")
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, (ast.Name, ast.Attribute)):
                raise refuse(f"{_shown(node)}: only numpy's functions, the methods of "
                             "arrays and float, int, abs, len can be called")
            if any(k.arg is None for k in node.keywords):
                raise refuse("**keyword arguments are not allowed in a formula")
            if any(k.arg == "out" for k in node.keywords):
                raise refuse("out= writes into an array: a formula only computes")
        elif isinstance(node, ast.Compare):
            bad = [op for op in node.ops if type(op) not in _COMPARE]
            if bad:
                raise refuse(f"{ast.unparse(node)}: only == != < <= > >= compare arrays")
        elif type(node) in _HINTS:
            raise refuse(_HINTS[type(node)])
        elif not isinstance(node, _STRUCTURE):
            raise refuse(f"{_shown(node)} is not allowed in a formula")


def _check_name(node: ast.Name, readable, unknown, called: bool) -> None:
    name = node.id
    if name.startswith("__"):
        raise refuse(f"{name}: names with double underscores are not allowed in a formula")
    if name in BUILTINS:
        return
    if name == "np":
        return
    if name not in readable:
        raise refuse(unknown(name))
    if called:
        raise refuse(f"{name} is an array, not a function")


@lru_cache(maxsize=1)
def _registry_calls() -> frozenset[str]:
    """What matcalc's own numpy calls (each operation's spelling, in the registry): a
    formula may call it too."""
    from .. import ops
    from ..codegen.numpy_code import STRUCTURAL_CALLS
    return frozenset(ops.numpy_calls() | STRUCTURAL_CALLS)


def _check_attribute(node: ast.Attribute, called: bool) -> None:
    attr = node.attr
    if attr.startswith("_"):
        raise refuse(f".{attr}: attributes with underscores are not allowed in a formula")
    owner = _numpy_path(node.value)
    if owner == "np":
        if attr == "linalg" or attr in NP_CONSTANTS or attr in NP_TYPES:
            return
        if attr not in NP_FUNCTIONS and attr not in _registry_calls():
            raise refuse(f"np.{attr} is not supported in a formula")
        if not called:
            raise refuse(f"np.{attr} is a function: call it, np.{attr}(…)")
        _stand_in_has(np, attr, f"np.{attr}")
        return
    if owner == "np.linalg":
        if attr not in LINALG_FUNCTIONS and f"linalg.{attr}" not in _registry_calls():
            raise refuse(f"np.linalg.{attr} is not supported in a formula")
        if not called:
            raise refuse(f"np.linalg.{attr} is a function: call it")
        _stand_in_has(np.linalg, attr, f"np.linalg.{attr}")
        return
    if owner is not None:  # np.lib.format.open_memmap, np.pi.real: the first step outside
        parts = f"{owner}.{attr}".split(".")
        step = 2 if parts[1] != "linalg" else 3
        raise refuse(f"{'.'.join(parts[:step])} is not supported in a formula")
    if attr in ARRAY_METHODS:
        if not called:
            raise refuse(f"{ast.unparse(node)} is a method: call it, {ast.unparse(node)}()")
        _stand_in_has(np.ndarray, attr, f".{attr}()")
        return
    if attr not in ARRAY_ATTRIBUTES:
        raise refuse(f".{attr} is not supported in a formula (arrays offer "
                     f"{', '.join('.' + a for a in sorted(ARRAY_ATTRIBUTES))} and methods "
                     "such as .sum(), .mean(), .max(), .reshape(), .astype())")


def _stand_in_has(owner, name: str, shown: str) -> None:
    """Where numpy cannot be imported (a browser's Python) formulas run on matcalc's own
    stand-in, ``matcalc.purenp``: a function it lacks is refused in one line."""
    if not NUMPY and not hasattr(owner, name):
        raise refuse(f"{shown} is not available here: numpy cannot be imported, and "
                     "matcalc's own stand-in for it has no such function")


def _numpy_path(node: ast.AST) -> str | None:
    """"np" for np, "np.linalg" for np.linalg, "np.…" for deeper paths, else None."""
    if isinstance(node, ast.Name) and node.id == "np":
        return "np"
    if isinstance(node, ast.Attribute):
        inner = _numpy_path(node.value)
        return None if inner is None else f"{inner}.{node.attr}"
    return None


def _allowed_strings(tree: ast.AST) -> set[int]:
    """The string constants that may stand: einsum's subscripts, norm's ord, a dtype."""
    allowed = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else None
        if name == "einsum" and node.args:
            allowed.add(id(node.args[0]))
        if name == "norm" and len(node.args) > 1 and _is_text(node.args[1], {"fro", "nuc"}):
            allowed.add(id(node.args[1]))
        if name == "astype" and node.args and _is_text(node.args[0], DTYPE_TEXT):
            allowed.add(id(node.args[0]))
        for k in node.keywords:
            if (k.arg == "ord" and _is_text(k.value, {"fro", "nuc"})) or \
                    (k.arg == "dtype" and _is_text(k.value, DTYPE_TEXT)):
                allowed.add(id(k.value))
    return allowed


def _is_text(node: ast.AST, among) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and \
        node.value in among


def _shown(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 40 else text[:39] + "…"


# ------------------------------------------------------------------------------ running

def evaluate(tree: ast.Expression, values: dict):
    """The value of a checked formula with the arrays ``values``."""
    return _Run(values).run(tree.body)


@dataclass
class _Run:
    values: dict
    deadline: float = 0.0

    def __post_init__(self):
        self.deadline = time.monotonic() + MAX_SECONDS

    def run(self, node: ast.AST):
        if time.monotonic() > self.deadline:
            raise refuse(f"the formula takes more than {MAX_SECONDS:g} seconds")
        try:
            value = self._value(node)
        except RecursionError:
            raise refuse("the formula is nested too deeply") from None
        if isinstance(value, np.ndarray) and (value.size > MAX_ENTRIES or
                                              value.nbytes > 8 * MAX_ENTRIES):
            raise _too_large(node, value.size)
        if isinstance(value, int) and not isinstance(value, bool) and \
                value.bit_length() > MAX_INT_BITS or \
                isinstance(value, np.ndarray) and value.dtype == object:
            # Python's exact integers grow without bound (2**2000, squared line by line)
            raise refuse(f"{_shown(node)} is no array of real numbers: an integer beyond "
                         f"2^{MAX_INT_BITS}, or Python objects")
        return value

    def _value(self, node: ast.AST):
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            if node.id in BUILTINS:
                return BUILTINS[node.id]
            if node.id not in self.values:
                raise Failed(node, [], f"{node.id} has no value")
            return self.values[node.id]
        if isinstance(node, ast.Tuple):
            return tuple(self.run(e) for e in node.elts)
        if isinstance(node, ast.List):
            return [self.run(e) for e in node.elts]
        if isinstance(node, ast.Slice):
            return slice(*(None if part is None else self.run(part)
                           for part in (node.lower, node.upper, node.step)))
        if isinstance(node, ast.Attribute):
            return self._attribute(node)
        if isinstance(node, ast.UnaryOp):
            operand = self.run(node.operand)
            return self._apply(node, _UNARY[type(node.op)], [operand])
        if isinstance(node, ast.BinOp):
            left, right = self.run(node.left), self.run(node.right)
            _plan_binary(node, left, right)
            return self._apply(node, _BINARY[type(node.op)], [left, right])
        if isinstance(node, ast.Compare):
            return self._compare(node)
        if isinstance(node, ast.Subscript):
            value, index = self.run(node.value), self.run(node.slice)
            _plan_index(node, value, index)
            return self._apply(node, operator.getitem, [value, index])
        if isinstance(node, ast.Call):
            return self._call(node)
        raise refuse(f"{_shown(node)} is not allowed in a formula")  # check() let it by

    def _attribute(self, node: ast.Attribute):
        path = _numpy_path(node)
        if path is not None:  # np.pi, np.newaxis, np.float64
            target = np
            for part in path.split(".")[1:]:
                target = getattr(target, part)
            return target
        owner = self.run(node.value)
        if not isinstance(owner, (np.ndarray, np.generic)):
            raise Failed(node, [owner], f"'{type(owner).__name__}' object has no attribute "
                                        f"'{node.attr}'")
        return self._apply(node, getattr, [owner, node.attr])

    def _compare(self, node: ast.Compare):
        left = self.run(node.left)
        result = None
        for op, right_node in zip(node.ops, node.comparators):
            right = self.run(right_node)
            _plan_binary(node, left, right)
            step = self._apply(node, _COMPARE[type(op)], [left, right])
            if result is not None:
                if np.size(result) > 1 or np.size(step) > 1:
                    raise Failed(node, [], f"{ast.unparse(node)} is not elementwise in "
                                           "numpy: write (a < b) & (b < c)")
                result = bool(result) and bool(step)
            else:
                result = step
            left = right
        return result

    def _call(self, node: ast.Call):
        args = [self.run(a) for a in node.args]
        kwargs = {k.arg: self.run(k.value) for k in node.keywords}
        func = node.func
        if isinstance(func, ast.Name):  # float(x), len(x)
            return self._apply(node, BUILTINS[func.id], args, kwargs)
        path = _numpy_path(func)
        if path is not None:
            name = path.removeprefix("np.")
            _plan_call(node, name, args, kwargs)
            target = np
            for part in name.split("."):
                target = getattr(target, part)
            return self._apply(node, target, args, kwargs)
        owner = self.run(func.value)
        if not isinstance(owner, (np.ndarray, np.generic)):
            raise Failed(node, [owner], f"'{type(owner).__name__}' object has no attribute "
                                        f"'{func.attr}'")
        _plan_call(node, func.attr, [owner, *args], kwargs)
        return self._apply(node, getattr(owner, func.attr), args, kwargs)

    def _apply(self, node, function, args, kwargs=None):
        """function(*args), numpy's errors raised as Failed at this node."""
        if isinstance(node, (ast.BinOp, ast.UnaryOp)) and \
                any(isinstance(a, (list, tuple, str)) for a in args) and not (
                isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and
                all(isinstance(a, tuple) for a in args)):
            raise Failed(node, args, f"{_shown(node)}: a list or tuple is not an array "
                                     "(write np.array(…))")
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            _plan_power(node, *args)
        try:
            with np.errstate(all="ignore"):
                return function(*args, **(kwargs or {}))
        except (ValueError, TypeError, ArithmeticError, IndexError, AttributeError,
                KeyError, MemoryError) as error:
            reason = f"{error}".splitlines()[0] if str(error) else type(error).__name__
            raise Failed(node, list(args), reason) from None


# -------------------------------------------------------------- sizes, before building

def _too_large(node: ast.AST, entries: float) -> UsageError:
    return refuse(f"{_shown(node)} is too large: it would have {_count(entries)} entries; a "
                  f"formula may build arrays of at most {_count(MAX_ENTRIES)}")


def _count(n: float) -> str:
    return f"{int(n):,}" if n < 10 ** 12 else f"about 10^{int(math.log10(n))}"


def _size(value) -> int:
    return int(np.size(value)) if isinstance(value, (np.ndarray, np.generic, int, float,
                                                      bool)) else 1


def _arrays(values) -> list[np.ndarray]:
    """Every array among values, lists and tuples included."""
    found = []
    for value in values:
        if isinstance(value, (list, tuple)):
            found.extend(_arrays(value))
        elif isinstance(value, np.ndarray):
            found.append(value)
    return found


def _shape_entries(shape) -> float | None:
    """The entries of an array of this shape (an int or a tuple of ints), else None."""
    number = (int, float, np.integer, np.floating)
    if isinstance(shape, number) and not isinstance(shape, bool) and math.isfinite(shape):
        return max(int(shape), 0)
    if isinstance(shape, (tuple, list)) and all(
            isinstance(k, number) and math.isfinite(k) for k in shape):
        return math.prod(max(int(k), 0) for k in shape)
    return None


def _product_entries(a, b) -> float:
    """An upper bound of the entries of a @ b or np.dot(a, b)."""
    a, b = np.asarray(a) if not isinstance(a, np.ndarray) else a, \
        np.asarray(b) if not isinstance(b, np.ndarray) else b
    if a.ndim == 0 or b.ndim == 0:
        return max(a.size, b.size)
    inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    return (a.size // max(a.shape[-1], 1)) * (b.size // max(inner_b, 1))


def _plan_binary(node, left, right) -> None:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
        entries = _product_entries(left, right) if all(
            isinstance(v, (np.ndarray, np.generic, int, float)) for v in (left, right)) else 0
    else:
        try:
            entries = math.prod(np.broadcast_shapes(np.shape(left), np.shape(right)))
        except (ValueError, TypeError):
            return  # numpy will say why
    if entries > MAX_ENTRIES:
        raise _too_large(node, entries)


def _plan_power(node, base, exponent) -> None:
    """An integer power is computed exactly by Python: bound its digits."""
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0 and \
            abs(base) > 1 and abs(base).bit_length() * exponent > MAX_POWER_BITS:
        raise refuse(f"{_shown(node)}: the exponent makes too large a number for a formula")


def _plan_index(node, value, index) -> None:
    parts = index if isinstance(index, tuple) else (index,)
    arrays = [np.shape(p) for p in parts if isinstance(p, (np.ndarray, list))]
    if arrays:
        try:
            entries = math.prod(np.broadcast_shapes(*arrays)) * max(_size(value), 1)
        except ValueError:
            return
        if entries > MAX_ENTRIES:
            raise _too_large(node, entries)


def _plan_call(node, name: str, args: list, kwargs: dict) -> None:
    """Refuse a call whose result (or work) would be too large, before it runs."""
    entries = _planned_entries(name, args, kwargs)
    if entries is None:
        return
    work = name in ("einsum", "tensordot")
    if entries > (MAX_WORK if work else MAX_ENTRIES):
        raise _too_large(node, entries)


def _as_python(value):
    """A number or a shape given as a numpy array (np.array(12000), np.array([n, n])) as
    the Python number or list it stands for, so that its size is planned too."""
    if isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind in "iuf" and \
            value.size <= 64:
        return value.tolist()
    return value


def _planned_entries(name: str, args: list, kwargs: dict) -> float | None:
    arrays = _arrays(args)
    if name not in ("outer", "kron", "einsum", "tensordot", "dot", "matmul", "vdot",
                    "inner", "multi_dot", "concatenate", "stack", "hstack", "vstack",
                    "column_stack", "array", "asarray"):
        args = [_as_python(a) for a in args]
        kwargs = {k: _as_python(v) for k, v in kwargs.items()}
    first = args[0] if args else None
    if name in ("ones", "zeros", "full"):
        return _shape_entries(kwargs.get("shape", first))
    if name in ("ones_like", "zeros_like", "full_like"):
        return _shape_entries(kwargs["shape"]) if "shape" in kwargs else _size(first)
    if name in ("eye", "tri"):
        n = kwargs.get("N", first)
        m = args[1] if len(args) > 1 else kwargs.get("M", n)
        return _shape_entries((n, n if m is None else m))
    if name == "identity":
        return _shape_entries((first, first))
    if name == "arange":
        numbers = [a for a in args if isinstance(a, (int, float, np.number))]
        if len(numbers) != len(args) or not numbers:
            return None
        start, stop, step = (0, numbers[0], 1) if len(numbers) == 1 else \
            (*numbers[:2], numbers[2] if len(numbers) > 2 else 1)
        return max(0, math.ceil((stop - start) / step)) if step and \
            math.isfinite((stop - start) / step) else None
    if name == "linspace":
        return _shape_entries(args[2] if len(args) > 2 else kwargs.get("num", 50))
    if name == "broadcast_to":
        return _shape_entries(args[1] if len(args) > 1 else kwargs.get("shape"))
    if name in ("tile", "repeat"):
        times = args[1] if len(args) > 1 else kwargs.get("reps", kwargs.get("repeats", 1))
        many = np.max(np.abs(times)) if name == "repeat" and np.size(times) else \
            _shape_entries(times) if name == "tile" else times
        return _size(first) * int(many) if isinstance(many, (int, np.integer)) else None
    if name in ("diag", "diagflat") and (name == "diagflat" or np.ndim(first) == 1):
        k = args[1] if len(args) > 1 else kwargs.get("k", 0)
        return (_size(first) + abs(int(k))) ** 2 if isinstance(k, (int, np.integer)) else None
    if name in ("outer", "kron", "einsum", "tensordot"):
        return math.prod(a.size for a in arrays)
    if name in ("dot", "matmul", "vdot", "inner") and len(args) >= 2:
        if name == "inner":
            return _product_entries(first, np.swapaxes(np.atleast_1d(args[1]), -1, 0))
        return _product_entries(first, args[1])
    if name == "multi_dot" and arrays:
        return arrays[0].size * arrays[-1].size
    if name in ("concatenate", "stack", "hstack", "vstack", "column_stack", "array",
                "asarray"):
        return sum(a.size for a in arrays) + len(args)
    try:
        return math.prod(np.broadcast_shapes(*(a.shape for a in arrays))) if arrays else None
    except ValueError:
        return max(a.size for a in arrays)
