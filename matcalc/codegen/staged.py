"""The staged backward pass (``--backward staged``), as CS231n writes it (seed 003):
one gradient per intermediate, statement by statement in reverse order, each read off
that statement alone as (local gradient) * (upstream gradient), and ``+=`` where a second
path reaches a name (a fan-out):

    dnum = invden                          # f = num * invden (f is the loss)
    dden = (-1 / den**2) * dinvden         # invden = 1 / den
    dx = (1) * dxpy                        # xpy = x + y
    dx += ((1 - sigx) * sigx) * dsigx      # sigx = σ(x): a second path into x

Each line is the share Σ ∂L/∂z ∂z/∂x of one statement z (``calculus.backward.
staged_shares``), derived by the engine from that statement alone, nothing substituted. Where the
statement and the name are both scalars the share is (local) * dZ with the local gradient
∂z/∂x written first; otherwise (matrices) it is the share's own numpy, which reads dZ
(``dW = dD @ X.T``). The pass is verified as a hand-written one is (``check_pass``): every
gradient, after its last line, against central differences.
"""

from __future__ import annotations

import sympy

from ..index.symbols import Element
from ..index.symbols import upstream_symbol as upstream_of_symbol
from .numpy_code import NoNumpyForm, fit_shape


def staged_code(d, printer, numpy_code) -> list[tuple[str, str, str]] | None:
    """(name, op, code) for each line of the staged pass, op "=" or "+=", from the
    shares the derivation holds (``calculus.backward.staged_shares``, in their order).
    ``printer`` is the derivation's NumpyPrinter and ``numpy_code`` the function that
    writes a gradient's numpy (``render.formats``). None if a share has no numpy."""
    shares = d.staged or []
    paths = {}
    for _, name, _ in shares:
        paths[name] = paths.get(name, 0) + 1
    lines: list[tuple[str, str, str]] = []
    assigned: set[str] = set()
    for target, name, share in shares:
        # a vector written entry by entry is CS231n's list, [w[0] * ddot, …], where no
        # second path adds to it (a list's += would lengthen it)
        code = _local_times_upstream(d, printer, target, name, share, paths[name] == 1)
        if code is None:
            code = numpy_code(d, share, named=True)
        if code is None:
            return None
        lines.append((name, "+=" if name in assigned else "=", code))
        assigned.add(name)
    return lines


def _local_times_upstream(d, printer, target: str, name: str, share,
                          listed: bool) -> str | None:
    """(local) * dZ for a scalar name of a scalar statement, the local gradient ∂z/∂x
    first; just the local gradient for the loss's own statement (∂L/∂L = 1: dnum =
    invden); for a vector whose share is written entry by entry (x[0], x[1] of a scalar
    statement), each entry so, in a list (``listed``) or np.array. None for anything
    else."""
    if d.shapes.names[target] or share.result is None:
        return None
    upstream = upstream_symbol(d, target)
    result = share.result
    if isinstance(result, sympy.MatrixBase) and len(d.shapes.names[name]) == 1 and \
            1 in result.shape:
        entries = [_entry(printer, e, upstream, target) for e in result]
        if any(e is None for e in entries):
            return None
        inner = ", ".join(entries)
        return f"[{inner}]" if listed else f"np.array([{inner}])"
    if d.shapes.names[name]:
        return None
    return _entry(printer, result, upstream, target)


def upstream_symbol(d, target: str):
    """∂L/∂Z as the backward pass names it (``calculus.backward.upstream_of``): None for
    the loss itself (a lone scalar output)."""
    if target in d.outputs and target not in d.upstreams:
        return None
    return upstream_of_symbol(d.names.symbols[target], target, d.loss)


def _entry(printer, result, upstream, target: str) -> str | None:
    local = result if upstream is None else result.xreplace({upstream: sympy.Integer(1)})
    if upstream is not None and local.has(upstream):
        return None  # not linear in the upstream gradient: not a local factor
    try:
        code = _factor(printer, local)
    except NoNumpyForm:
        return None
    if upstream is None:
        return code
    # CS231n brackets the local gradient, (1) * dden, (2 * xpy) * dxpysqr, but not a name
    # or an entry: w[0] * ddot
    plain = isinstance(local, (sympy.Symbol, Element))
    return f"{code} * d{target}" if plain else f"({code}) * d{target}"


def _factor(printer, e) -> str:
    """A scalar local gradient in CS231n's order: the number, the sums, then the names
    ((1 - sigx) * sigx, 2 * xpy), over the factors with negative powers (-1 / den**2)."""
    if not isinstance(e, sympy.Mul):
        code, prec = printer._code(e)
        return fit_shape(code, prec, 0, (), printer.dims)
    number = sympy.Mul(*[a for a in e.args if a.is_number])
    rest = [a for a in e.args if not a.is_number]
    below = [a for a in rest if isinstance(a, sympy.Pow) and a.exp.is_negative]
    above = [a for a in rest if a not in below]
    above.sort(key=lambda a: (not isinstance(a, sympy.Add), isinstance(a, sympy.Symbol)))
    parts = [_wrapped(printer, a) for a in above]
    if number != 1 or not parts:
        parts.insert(0, _number(number, bool(parts) or bool(below)))
    top = " * ".join(parts)
    if not below:
        return top
    bottom = [_wrapped(printer, sympy.Pow(a.base, -a.exp)) for a in below]
    under = bottom[0] if len(bottom) == 1 else "(" + " * ".join(bottom) + ")"
    return f"{top} / {under}"


def _number(n, inside: bool) -> str:
    if n == -1 and inside:
        return "-1"
    code = str(n)
    return f"({code})" if inside and isinstance(n, sympy.Rational) and n.q != 1 else code


def _wrapped(printer, e) -> str:
    code, prec = printer._code(e)
    return f"({code})" if prec < 3 else code
