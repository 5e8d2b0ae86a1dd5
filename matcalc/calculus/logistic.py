"""The logistic function written out, 1/(1 + e^{−u}), simplified as seed 003 does it:

    e^{−u}/(1 + e^{−u})²
        = (1 + e^{−u} − 1)/(1 + e^{−u})²                  (add and subtract 1 above)
        = 1/(1 + e^{−u}) − 1/(1 + e^{−u})²                (split the fraction)
        = 1/(1 + e^{−u}) (1 − 1/(1 + e^{−u}))             (factor)
        = s (1 − s)                                      (definition of s, if named)
        = σ(u) (1 − σ(u))                                (σ(u) = 1/(1 + e^{−u}), if not)

Each line is a step of the proof; the checker evaluates them like any other.
"""

from __future__ import annotations

import sympy
from sympy import Add, Expr, Mul, Pow, S

from .. import ops
from .proof import Proof


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


def simplify_logistic(proof: Proof, expr: Expr, name_of=None) -> Expr:
    """The steps above for every e^{a}/(e^{a} + 1)² in ``expr``; ``name_of(d)`` gives the
    entry and name of a definition that is 1/d (s_ij, "S"), or None. Returns ``expr``
    unchanged if there is none."""
    pairs = _pairs(expr)
    if not pairs:
        return expr

    def rebuilt(stage: int) -> Expr:
        out = {}
        for product, (e, d) in pairs.items():
            rest = [a for a in product.args if a not in (e, Pow(d, -2))]
            if stage == 1:
                core = Mul(Add(S.One, e, S.NegativeOne, evaluate=False), Pow(d, -2),
                           evaluate=False)
            elif stage == 2:
                core = Add(Pow(d, -1), -Pow(d, -2), evaluate=False)
            else:
                core = Mul(Pow(d, -1), Add(S.One, -Pow(d, -1)), evaluate=False)
            out[product] = Mul(*rest, core, evaluate=False)
        return expr.xreplace(out)

    proof.record(rebuilt(1), "add_subtract_one")
    proof.record(rebuilt(2), "split_fraction")
    factored = rebuilt(3)
    proof.record(factored, "factor_out")
    names, used, logistic = {}, [], ops.logistic().function
    for _, (e, d) in pairs.items():
        found = name_of(d) if name_of is not None else None
        if found is not None:
            names[Pow(d, -1)], name = found
            used.append(name)
        else:
            names[Pow(d, -1)] = logistic(-e.args[0])
    named = factored.xreplace(names)
    if used:
        proof.record(named, "by_definition", names=list(dict.fromkeys(used)))
    else:
        proof.record(named, "logistic")
    return named
