"""The logistic function written out, 1/(1 + e^{−u}), simplified as seed 003 does it:

    e^{−u}/(1 + e^{−u})²
        = ((1 + e^{−u} − 1)/(1 + e^{−u})) (1/(1 + e^{−u}))    (add and subtract 1, and split
                                                             into a product of fractions)
        = (1 − s) s                                          (definition of s, if named)
        = (1 − σ(u)) σ(u)                                    (σ(u) = 1/(1 + e^{−u}), if not)

Each line is a step of the proof; the checker evaluates them like any other. The lines
keep the written order of 1 + e^{−u} (``written``, the program's ``WrittenOrder``) and
write (1 − s) s in seed 003's order.
"""

from __future__ import annotations

import sympy
from sympy import Add, Expr, Mul, Pow, S

from .. import ops
from .proof import Proof
from .written import WrittenOrder


def _pairs(expr: Expr) -> dict[Expr, tuple[Expr, Expr]]:
    """Products holding e^{a} and (e^{a} + 1)^{−2}: {product: (e^{a}, e^{a} + 1)}."""
    found = {}
    for node in sympy.preorder_traversal(expr):
        if not isinstance(node, Mul):
            continue
        for f in node.args:
            if isinstance(f, Pow) and f.exp == -2 and isinstance(f.base, Add) and \
                    len(f.base.args) == 2 and S.One in f.base.args:
                (e,) = [a for a in f.base.args if a != 1]
                if isinstance(e, sympy.exp) and e in node.args:
                    found[node] = (e, f.base)
    return found


def simplify_logistic(proof: Proof, expr: Expr, name_of=None,
                      written: WrittenOrder | None = None) -> Expr:
    """The steps above for every e^{a}/(e^{a} + 1)² in ``expr``; ``name_of(d)`` gives the
    entry and name of a definition that is 1/d (s_ij, "S"), or None. Returns ``expr``
    unchanged if there is none."""
    pairs = _pairs(expr)
    if not pairs:
        return expr
    written = written if written is not None else WrittenOrder()
    names, used, logistic = {}, [], ops.logistic().function
    for _, (e, d) in pairs.items():
        found = name_of(d) if name_of is not None else None
        if found is not None:
            names[Pow(d, -1)], name = found
            used.append(name)
        else:
            names[Pow(d, -1)] = logistic(-e.args[0])
    split, named = {}, {}
    for product, (e, d) in pairs.items():
        rest = [a for a in product.args if a not in (e, Pow(d, -2))]
        # (1 + e − 1)/(1 + e) · 1/(1 + e): the sum as the program writes it, then − 1
        above = written.record(Add(*written.operands(d, Add), S.NegativeOne, evaluate=False),
                               [*written.operands(d, Add), S.NegativeOne])
        split[product] = written.product_of_fractions(
            *rest, Mul(above, Pow(d, -1), evaluate=False),
            Mul(S.One, Pow(d, -1), evaluate=False))
        s = names[Pow(d, -1)]
        rest_s = written.record(1 - s, [S.One, -s])
        named[product] = Mul(*rest) * written.record(rest_s * s, [rest_s, s])
    proof.record(expr.xreplace(split), "split_product")
    result = expr.xreplace(named)
    if used:
        proof.record(result, "by_definition", names=list(dict.fromkeys(used)))
    else:
        proof.record(result, "logistic")
    return result
