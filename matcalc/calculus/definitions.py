"""Folding a result's definition back into a derivative: σ(z_kl) → h_kl.

People write σ′ in terms of the output, h (1 − h), not σ(z) (1 − σ(z)); this is the
proof's "definition of H" step.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import sympy
from sympy import Basic, Expr, Pow, Sum

from ..index.symbols import Element, Index, IndexSum, RowEntry, indices_of


@dataclass(frozen=True)
class Definition:
    """y_kl = e(k, l): a forward result whose entries can be recognised by name."""

    name: str
    element: Expr
    indices: tuple[Index, ...]
    form: Expr


def fold_definitions(expr: Expr, definitions: list[Definition]) -> tuple[Expr, list[str]]:
    """Replace sub-expressions equal to a forward definition by its entry: σ(a_ij) → b_ij.

    Only results of a function (σ, exp, √, …) are folded: that is where people write
    the derivative in terms of the output. A power of a root folds to a power of its name:
    b = √a gives a^(−1/2) = b^(−1).
    """
    used: list[str] = []
    for d in definitions:
        form = d.form
        is_root = isinstance(form, Pow) and form.exp == sympy.S.Half
        if not (isinstance(form, sympy.Function) or is_root):
            continue
        anchors = sorted(form.atoms(Element), key=str)
        replacements = {}
        for sub in sympy.preorder_traversal(expr):
            if sub.func != form.func or sub in replacements:
                continue
            mapping = _match_indices(d, anchors, sub)
            if mapping is None:
                continue
            if not is_root and _alike(form, mapping, sub):
                replacements[sub] = d.element.xreplace(mapping)
            elif is_root and _alike(form.base, mapping, sub.base):
                replacements[sub] = d.element.xreplace(mapping) ** (sub.exp / form.exp)
        if replacements:
            expr = expr.xreplace(replacements)
            used.append(d.name)
    return expr, used


def reciprocal(definitions: list[Definition], base: Expr) -> tuple[Expr, str] | None:
    """The entry of a definition that is 1/base, and its name: s_ij for s_kl = 1/(1 +
    e^{−x_kl}) and base 1 + e^{−x_ij} (the logistic's steps name it; ``fold_definitions``
    leaves reciprocals alone, 1/den stays 1/den)."""
    for d in definitions:
        form = d.form
        if not (isinstance(form, Pow) and form.exp == -1):
            continue
        mapping = _match_indices(d, sorted(form.base.atoms(Element), key=str), base)
        if mapping is not None and _alike(form.base, mapping, base):
            return d.element.xreplace(mapping), d.name
    return None


def _match_indices(d: Definition, anchors: list[Element], sub: Expr) -> dict | None:
    """The renaming of the definition's free indices (k, l) that its entries need to be
    the entries in ``sub``: y_kl = σ(Σ_p x_kp w_pl) matches σ(Σ_q x_iq w_qj) with k → i,
    l → j. Only to indices free in ``sub``: an index that ``sub`` sums over is no entry of
    y. The caller checks that the renamed form is ``sub`` (``_alike``)."""
    if not d.indices:
        return {}
    free = indices_of(sub)
    mapping: dict = {}
    if isinstance(d.form, RowEntry) and d.form.at in d.indices:  # p_kl: l is its position
        if isinstance(sub.at, Index) and sub.at not in free:
            return None
        mapping[d.form.at] = sub.at
    candidates = sub.atoms(Element)
    for anchor in anchors:
        for candidate in candidates:
            if candidate.matrix != anchor.matrix:
                continue
            pairs = {mine: theirs for mine, theirs in zip(anchor.indices, candidate.indices)
                     if mine in d.indices}
            if any(isinstance(v, Index) and v not in free for v in pairs.values()):
                continue
            if all(mapping.get(k, v) == v for k, v in pairs.items()):
                mapping.update(pairs)
                break
        if set(mapping) == set(d.indices):
            return mapping
    return None


def _alike(form: Expr, mapping: dict, sub: Expr) -> bool:
    """form with its free indices renamed by ``mapping`` is ``sub``, up to the names of the
    indices their sums bind (Σ_p x_ip w_pj is Σ_q x_iq w_qj)."""
    return canonical(canonical(form).xreplace(mapping)) == canonical(sub)


def canonical(expr: Expr) -> Expr:
    """expr with every index a sum (or a row-wise entry) binds renamed _0, _1, … in the
    order they appear."""
    counter = itertools.count()

    def walk(e: Expr) -> Expr:
        if isinstance(e, Sum):
            renames = {limit[0]: Index(f"_{next(counter)}") for limit in e.limits}
            body = walk(e.function.xreplace(renames))
            return IndexSum(body, *[(renames[x], lo, hi) for x, lo, hi in e.limits])
        if isinstance(e, RowEntry):
            node = e.with_index(Index(f"_{next(counter)}"))
            return node.func(walk(node.entry), *node.args[1:])
        if not e.args or not any(isinstance(a, Basic) and a.has(Sum, RowEntry)
                                 for a in e.args):
            return e
        return e.func(*[walk(a) for a in e.args])

    return walk(expr)
