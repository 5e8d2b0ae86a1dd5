"""einsum: a product of entries summed over the letters the result does not keep, as
numpy's ``np.einsum`` reads its subscripts.

    C = einsum("ij,jk->ik", A, B)      c_ik = Σ_j a_ij b_jk        (A @ B)
    t = einsum("ii->", S)              t = Σ_i s_ii                (trace)
    d = einsum("ii->i", S)             d_i = s_ii                  (the diagonal)
    P = einsum("i,j->ij", u, v)        p_ij = u_i v_j              (an outer product)
    s = einsum("ij,ij", A, B)          s = Σ_i Σ_j a_ij b_ij       (implicit: the letters
                                                                    met once, in order)
    S = einsum("bhtk,bhsk->bhts", Q, K)   s_{b,h,t,s} = Σ_k q_{b,h,t,k} k_{b,h,s,k}

Its element form is read off the subscripts, so its proof is the element form's: the
chain rule over the kept letters, the Kronecker deltas of the operand's entries, the
summed letters collapsing. Operands and results have any number of axes.
"""

from __future__ import annotations

from sympy import Mul

from ..index.symbols import IndexSum
from .base import Op


class Subscripts:
    """numpy's subscripts "ij,jk->ik": the operands' letters and the result's."""

    def __init__(self, spec: str, operands: int):
        text = spec.replace(" ", "")
        if "." in text:
            raise ValueError("an ellipsis (...) is not supported: write every axis's letter")
        given, arrow, result = text.partition("->")
        self.inputs = given.split(",")
        for letters in (*self.inputs, result):
            if not all(c.isalpha() and c.isascii() for c in letters):
                raise ValueError(f"subscripts are letters, one per axis: {spec!r}")
        if len(self.inputs) != operands:
            raise ValueError(f"the subscripts {spec!r} name {len(self.inputs)} operand"
                             f"{'s' if len(self.inputs) != 1 else ''}, and "
                             f"{operands} {'are' if operands != 1 else 'is'} given")
        seen = "".join(self.inputs)
        if arrow:
            if len(set(result)) != len(result):
                raise ValueError(f"a letter appears twice in the result of {spec!r}")
            if set(result) - set(seen):
                raise ValueError(f"the result of {spec!r} has a letter no operand has")
            self.result = result
        else:  # numpy's implicit mode: the letters met exactly once, in alphabetical order
            self.result = "".join(sorted(c for c in set(seen) if seen.count(c) == 1))
        self.summed = "".join(dict.fromkeys(c for c in seen if c not in self.result))


def _subscripts(node) -> Subscripts:
    return Subscripts(node.spec, len(node.args))


def _shape(check, node, shapes: list[tuple]) -> tuple:
    """Each operand has as many axes as letters; a letter has one length everywhere."""
    subscripts = _subscripts(node)
    size: dict[str, object] = {}
    for k, (letters, shape) in enumerate(zip(subscripts.inputs, shapes)):
        if len(letters) != len(shape):
            raise check.fail(f"einsum subscripts '{letters}' give {len(letters)} axes; "
                             f"{check.describe(k)}")
        for letter, d in zip(letters, shape):
            if letter in size and not check.unify(size[letter], d):
                raise check.fail(f"einsum letter '{letter}' has two lengths, "
                                 f"{size[letter]} and {d}; {check.describe(k)}")
            size.setdefault(letter, d)
    return tuple(size[c] for c in subscripts.result)


def _lower(node, idx, ctx):
    """c_{result letters} = Σ_{summed letters} Π_operands a_{its letters}."""
    subscripts = _subscripts(node)
    at = dict(zip(subscripts.result, idx))
    sizes = {}
    for letters, arg in zip(subscripts.inputs, node.args):
        sizes.update(zip(letters, ctx.shape(arg)))
    limits = []
    for letter in subscripts.summed:
        at[letter] = ctx.fresh()
        limits.append(ctx.limit(at[letter], sizes[letter]))
    factors = [ctx.lower(arg, tuple(at[c] for c in letters))
               for letters, arg in zip(subscripts.inputs, node.args)]
    body = Mul(*factors)
    return IndexSum(body, *limits) if limits else body


def _forward(*arrays, axis=None, spec: str):
    """np.einsum on a batch: every operand's leading axis of copies kept (``...``)."""
    from ..arrays import np
    subscripts = Subscripts(spec, len(arrays))
    batched = ",".join("..." + s for s in subscripts.inputs) + "->..." + subscripts.result
    return np.einsum(batched, *arrays)


OPS = [
    Op("einsum", "linalg", "numpy's einsum: entries multiplied, summed over the letters the "
       "result leaves out (traces, diagonals, outer products, batched products)",
       signature='einsum("ij,jk->ik", A, B)', arity=0, subscripts=True, shape=_shape,
       lower=_lower, forward=_forward, source='np.einsum("{spec}", {all})', text="einsum",
       tex=r"\operatorname{einsum}", transposes=False,
       examples=('C = einsum("ij,jk->ik", A, B)',
                 'S: (n, n)\nx: (n,)\nq = einsum("i,ij,j->", x, S, x)',
                 'S: (n, n)\nt = einsum("ii->", S)'),
       fuzz=(("mn", ("mn", "nn"), 'einsum("ij,jk->ik", {0}, {1})'),
             ("", ("nn",), 'einsum("ii->", {0})'),
             ("n", ("nn",), 'einsum("ii->i", {0})'),
             ("nn", ("n", "n"), 'einsum("i,j->ij", {0}, {1})'),
             ("nm", ("mn",), 'einsum("ij->ji", {0})'),
             ("", ("mn", "mn"), 'einsum("ij,ij", {0}, {1})'))),
]
