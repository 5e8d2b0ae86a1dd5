"""A term read through a reshape's index map, as a term over views of its arrays.

Two rewrites, before the recogniser looks for matrices:

- a pair of sums that only meet through a joint index folds into one sum over the long
  axis, Σ_η Σ_κ g_{β,η,τ,κ} w_{i,ηk+κ} = Σ_j g_{β,⌊j/k⌋,τ,j mod k} w_{i,j};
- an entry at ⌊j/k⌋ … j mod k, or at ηk + κ, is the entry of a *view* at plain indices
  (``index.reshape.view_of``): g_{β,⌊j/k⌋,τ,j mod k} is the entry (β, τ, j) of
  ``G.transpose(0, 2, 1, 3).reshape(b, t, d)``.

After them the term is one of arrays and plain indices, and the recogniser reads it as it
reads any other: Σ_j G′_{β,τ,j} w_{i,j} is G′_β Wᵀ.
"""

from __future__ import annotations

from sympy import Integer

from ..index.reshape import Div, Joint, Mod, reads_through_map, view_of
from ..index.symbols import Element, Index, fresh_index, substitute_all
from .collapse import Term


def read_as_views(terms: list[Term], free: tuple[Index, ...]) -> tuple[list[Term], list[str]]:
    """The terms with joint sums folded and entries read through index maps as entries of
    views; and the names of the arrays read so (for the proof's reason), none if nothing
    changed."""
    out, names = [], []
    for term in terms:
        folded = _fold_joint_sums(term)
        entries = {e for f in folded.factors for e in f.atoms(Element) if reads_through_map(e)}
        viewed = {e: view_of(e, free) for e in entries}
        viewed = {e: v for e, v in viewed.items() if v != e}
        names += [str(getattr(e.matrix, "name", e.matrix)) for e in viewed]
        if viewed:
            folded = Term(folded.coeff, tuple(f.xreplace(viewed) for f in folded.factors),
                          folded.sums)
        out.append(folded)
    return out, list(dict.fromkeys(names))


def _fold_joint_sums(term: Term) -> Term:
    """Σ_η Σ_κ f(η, κ, ηk+κ) = Σ_j f(⌊j/k⌋, j mod k, j): the two sums a joint index runs
    over, as one over the long axis."""
    limits = {limit[0]: limit for limit in term.sums}
    joints = {j for f in term.factors for j in f.atoms(Joint)
              if j.high != j.low and j.high in limits and j.low in limits}
    if not joints:
        return term
    taken = {s.name for f in term.factors for s in f.atoms(Index)} | \
        {i.name for i in limits}
    factors, sums = list(term.factors), list(term.sums)
    for joint in joints:
        if joint.high not in {s[0] for s in sums} or joint.low not in {s[0] for s in sums}:
            continue
        j = fresh_index(taken)
        taken.add(j.name)
        at = {joint.high: Div(j, *joint.split), joint.low: Mod(j, *joint.split)}
        factors = [substitute_all(f, at) for f in factors]
        position = min(k for k, s in enumerate(sums) if s[0] in at)
        sums = [s for s in sums if s[0] not in at]
        sums.insert(position, (j, Integer(0), joint.long - 1))
    return Term(term.coeff, tuple(factors), tuple(sums))
