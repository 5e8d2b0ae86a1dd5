"""The order the program writes terms and factors in, carried to the printers.

sympy keeps a sum or a product in its own canonical order: ``1 + exp(-x)`` is stored as
``exp(-x) + 1``. That order is for computing; a proof is read, and seed 003 writes
1 + e^{−x} in every line. So the lowering records, for each sum and product it builds
from the program, its operands in written order (a side table keyed by the sympy node,
which is structural: the same 1 + e^{−x} in a later line's denominator is the same key),
and the printers order a node's terms by it. The same sum at other indices (1 + e^{−x_kl} in
the element form, 1 + e^{−x_ij} once the deltas have collapsed) is found by its shape, its
indices blanked. A node nobody recorded (a derived one, 2 x₁ + x₂) falls back to the
printers' own order. A route that builds a line of its own
(seed 003's (1 + e^{−x} − 1)/(1 + e^{−x})) records it the same way.

    written = WrittenOrder()
    s = written.record(one + e, [one, e])     # returns the node: exp(-x) + 1
    written.ranks(s)                          # {1: 0, exp(-x): 1}
"""

from __future__ import annotations

from collections.abc import Iterable

import sympy
from sympy import Expr

from ..index.symbols import Index

_BLANK = Index("_")


def _shape(expr: Expr) -> Expr:
    """expr with every index blanked: 1 + e^{−x_kl} and 1 + e^{−x_ij} alike."""
    indices = {i: _BLANK for i in expr.atoms(Index)}
    return expr.xreplace(indices) if indices else expr


class WrittenOrder(dict):
    """sympy Add or Mul -> its args in the order the program (or a route) writes them."""

    def __init__(self) -> None:
        super().__init__()
        self.shapes: dict[Expr, dict[Expr, int]] = {}   # the same with indices blanked
        self.fractions: set[Expr] = set()   # products written as products of fractions

    def product_of_fractions(self, *factors: Expr) -> Expr:
        """(a/b) (c/d) as a product of two fractions, as seed 003 writes it, where sympy
        would make one fraction: the product unevaluated, noted for the printers."""
        product = sympy.Mul(*factors, evaluate=False)
        self.fractions.add(product)
        return self.record(product, factors)

    def record(self, expr: Expr, parts: Iterable[Expr]) -> Expr:
        """Note that ``expr`` (a sum or product of ``parts``, each possibly a sum or product
        of the same kind, flattened as sympy flattens them) is written in that order. The
        first record of a node stands: later ones are derived forms that happen to meet it.
        Returns ``expr``."""
        kind = type(expr)
        if kind not in (sympy.Add, sympy.Mul) or expr in self:
            return expr
        flat: list[Expr] = []
        for part in parts:
            flat.extend(self.operands(part, kind))
        args = set(expr.args)
        order = tuple(dict.fromkeys(a for a in flat if a in args))
        if order:
            self[expr] = order
            self.shapes.setdefault(_shape(expr), {_shape(a): n for n, a in enumerate(order)})
        return expr

    def carry(self, before: Expr, after: Expr) -> None:
        """A proof's next line keeps its line's order for the terms that persist: each term
        of ``after`` takes the place of the term of ``before`` it shares most names with
        (∂f/∂num ∂(x + sigy)/∂x after ∂f/∂num ∂num/∂x), a term that shares none the place of
        a term that found no successor (invden for ∂f/∂num, substituted). Only a sum
        ``before`` whose order is recorded passes it on."""
        if type(after) is not sympy.Add or type(before) is not sympy.Add or after in self:
            return
        old = self.get(before)
        if not old:
            return
        names = [t.free_symbols for t in old]
        place: dict[Expr, int] = {}
        for term in after.args:
            if term in old:
                place[term] = old.index(term)
                continue
            shared = [len(term.free_symbols & n) for n in names]
            if max(shared, default=0) > 0:
                place[term] = shared.index(max(shared))
        free = iter(n for n in range(len(old)) if n not in place.values())
        for term in after.args:
            if term not in place:
                place[term] = next(free, len(old))
        order = tuple(sorted(after.args, key=lambda t: place[t]))
        self[after] = order
        self.shapes.setdefault(_shape(after), {_shape(a): n for n, a in enumerate(order)})

    def operands(self, expr: Expr, kind: type) -> tuple[Expr, ...]:
        """expr's operands of the given kind, in written order if recorded (a sum inside a
        sum is flat in sympy: (a + b) + c is Add(a, b, c))."""
        if type(expr) is not kind:
            return (expr,)
        return self.get(expr, expr.args)

    def negated(self, expr: Expr) -> list[Expr]:
        """The terms of −expr, in expr's written order: −(a + b) is −a − b."""
        return [-t for t in self.operands(expr, sympy.Add)]

    def ranks(self, expr: Expr) -> dict[Expr, int]:
        """Each recorded operand of expr and its place (found at other indices too); empty
        if expr was not recorded."""
        if expr in self:
            return {a: n for n, a in enumerate(self[expr])}
        if not self.shapes or not expr.has(Index):
            return {}
        places = self.shapes.get(_shape(expr))
        if places is None:
            return {}
        return {a: places[_shape(a)] for a in expr.args if _shape(a) in places}
