"""The operations of the language, one record each (``Op``), in one registry.

    elementwise   exp log sqrt sin cos tanh sigmoid relu softplus      y_kl = f(x_kl)
    rowwise       softmax log_softmax                                  over each row
    reduction     sum mean var std logsumexp max                       of all, or an axis
    loss          cross_entropy mse                                    two arrays → scalar
    linalg        trace det logdet inv norm diag outer

Every stage reads these records — the parser's whitelist, shapes, lowering, the chain
rule, the checker, the printers, the fuzzer, ``matcalc derive --help`` and the README's
function list — so adding an operation is one record in one of the modules below.

    python -m matcalc.ops     # the README's function table, from the registry
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace
from functools import lru_cache

from .base import Op, fill, numpy_function
from .conv import OPS as _CONV
from .einsum import OPS as _EINSUM
from .elementwise import OPS as _ELEMENTWISE
from .elementwise import declared, logistic, primed
from .extrema import OPS as _EXTREMA
from .linalg import OPS as _LINALG
from .losses import OPS as _LOSSES
from .maps import declare_map as _declare_map
from .reductions import OPS as _REDUCTIONS
from .rowwise import OPS as _ROWWISE

SECTIONS = ("elementwise", "rowwise", "reduction", "loss", "linalg")


def _complete(op: Op) -> Op:
    """An elementwise op evaluates its own numpy spelling (numpy is spelled once)."""
    if op.forward is None and op.numpy is not None:
        f = numpy_function(op.numpy)
        return replace(op, forward=lambda x, axis=None, f=f: f(x))
    return op


REGISTRY: dict[str, Op] = {
    op.name: _complete(op)
    for op in [*_ELEMENTWISE, *_ROWWISE, *_REDUCTIONS, *_EXTREMA, *_LOSSES, *_LINALG,
               *_EINSUM, *_CONV]
}
_BY_FUNCTION = {op.function: op for op in REGISTRY.values() if op.function is not None}

LANGUAGE: tuple[str, ...] = tuple(name for name, op in REGISTRY.items() if op.in_language)


def declare(name: str) -> Op:
    """The record of a function a program declares (``f: elementwise``), made once per
    name and kept in the registry with its derivatives (``elementwise.declared``)."""
    if name in REGISTRY and REGISTRY[name].kind not in ("declared", "map"):
        raise ValueError(f"{name} is an operation of matcalc's own")
    if name not in REGISTRY or REGISTRY[name].kind == "map":
        for op in declared(name):
            REGISTRY[op.name] = op
            _BY_FUNCTION[op.function] = op
    return REGISTRY[name]


def declare_map(name: str, arg: tuple, out: tuple, outputs: dict[str, str]) -> Op:
    """The record of a map a program declares (``g: (n,) -> (m,)``, ``f: (m, n) -> ()``),
    made anew for each
    program (its dimensions and the names of its results are the program's;
    ``maps.declare_map``)."""
    if name in REGISTRY and REGISTRY[name].kind not in ("declared", "map"):
        raise ValueError(f"{name} is an operation of matcalc's own")
    op = REGISTRY[name] = _declare_map(name, arg, out, outputs)
    _BY_FUNCTION[op.function] = op
    return op


def prime(op: Op) -> Op:
    """The record of f′ as a node (σ′), made once per function (``elementwise.primed``)."""
    name = op.name + "′"
    if name not in REGISTRY:
        record = primed(op)
        REGISTRY[name] = record
        _BY_FUNCTION[record.function] = record
    return REGISTRY[name]


# the records a program declared (``f: elementwise``, ``g: (n,) -> (m,)``) while that
# program's result is shown or checked: the registry holds the latest declaration of each
# name, and a later program may declare the same name otherwise (``scope``)
_SCOPE: ContextVar[dict | None] = ContextVar("matcalc_declared", default=None)


def get(name: str) -> Op:
    """The record of an operation (or of an internal node such as ``step``)."""
    scope = _SCOPE.get()
    if scope is not None and name in scope:
        return scope[name]
    return REGISTRY[name]


def find(name: str) -> Op | None:
    """``get``, or None for a name that is no operation."""
    scope = _SCOPE.get()
    if scope is not None and name in scope:
        return scope[name]
    return REGISTRY.get(name)


def declared_records(names: Iterable[str]) -> dict[str, Op]:
    """The records the registry holds now for these declared names and their derivatives
    (f, f′, f″): a program keeps them as it declared them (``Program.records``)."""
    names = set(names)
    return {n: op for n, op in REGISTRY.items() if n.rstrip("′″") in names
            and op.kind in ("declared", "map", "internal")}


@contextmanager
def scope(records: dict[str, Op]):
    """Within it, ``get`` reads a program's own declarations first."""
    token = _SCOPE.set(records or None)
    try:
        yield
    finally:
        _SCOPE.reset(token)


def of_node(expr) -> Op | None:
    """The record whose sympy node ``expr`` is (σ(x), softmax_entry(…)), if any."""
    return _BY_FUNCTION.get(getattr(expr, "func", None))


def of_function(func) -> Op | None:
    """The record of a sympy function class (sympy.exp, σ), if any."""
    return _BY_FUNCTION.get(func)


def rowwise_nodes() -> tuple[type, ...]:
    """Nodes whose entry runs along a row (its ``index``): softmax's, log-sum-exp's."""
    from ..index.symbols import RowEntry
    return tuple(op.function for op in REGISTRY.values()
                 if isinstance(op.function, type) and issubclass(op.function, RowEntry))


def in_section(section: str) -> list[Op]:
    return [op for op in REGISTRY.values() if op.kind == section]


@lru_cache(maxsize=1)
def numpy_calls() -> frozenset[str]:
    """The numpy functions that the registry's spellings call (for the code checker)."""
    from ..numpy_eval import calls_in
    found: set[str] = set()
    for op in REGISTRY.values():
        if op.numpy:
            found |= calls_in(fill(op.numpy, "x", atomic=True) if op.arity == 1
                              else op.numpy.format(*["x"] * op.arity))
    return frozenset(found)


SHAPE_HELPERS = frozenset({"atleast_2d", "asarray", "array"})  # calls that only shape


def numpy_names() -> dict[str, str]:
    """numpy's name of each operation of the language where it differs from matcalc's and
    its spelling calls one numpy function: {"linalg.slogdet": "logdet", "logaddexp":
    "softplus"} (for the parser's "write logdet(…)")."""
    from ..numpy_eval import calls_in
    found: dict[str, str] = {}
    for name in LANGUAGE:
        op = REGISTRY[name]
        spelling = op.source.format(*["x"] * op.arity, axis="", spec="i->i", all="x") \
            if op.source and op.source_fields is None else \
            fill(op.numpy, "x", atomic=True) if op.numpy and op.arity == 1 else \
            op.numpy.format(*["x"] * op.arity) if op.numpy else ""
        calls = (calls_in(spelling) if spelling else frozenset()) - SHAPE_HELPERS
        if len(calls) == 1 and next(iter(calls)) not in LANGUAGE:
            found.setdefault(next(iter(calls)), name)
    return found


LABELS = {"elementwise": "elementwise", "rowwise": "row-wise", "reduction": "reductions",
          "loss": "losses", "linalg": "linear algebra"}


def help_lines() -> list[str]:
    """``derive --help``'s function list: one line per section."""
    lines = []
    for section in SECTIONS:
        found = in_section(section)
        # a signature every operation of the section shares is said once, at the end
        shared = {op.call[len(op.name):] for op in found}
        if len(found) > 1 and len(shared) == 1 and next(iter(shared)) != "(X)":
            names = " ".join(op.name for op in found) + f", each {next(iter(shared))}"
        else:
            names = " ".join(op.call if op.signature else op.name for op in found)
        lines.append(f"{LABELS[section] + ':':16}{names}")
    return lines


def readme_table() -> str:
    """The README's function table (a test keeps the README in step with it)."""
    rows = ["| function | kind | meaning |", "|---|---|---|"]
    for section in SECTIONS:
        for op in in_section(section):
            rows.append(f"| `{op.call}` | {LABELS[section]} | {op.summary} |")
    return "\n".join(rows)


__all__ = ["LANGUAGE", "Op", "REGISTRY", "SECTIONS", "declare", "declare_map", "get", "help_lines",
           "in_section", "logistic", "numpy_calls", "of_function", "of_node", "prime",
           "readme_table", "rowwise_nodes"]
