"""Kronecker-delta collapse on terms with any number of sums and factors."""

from __future__ import annotations

import sympy
from sympy import Integer, KroneckerDelta, MatrixSymbol, Sum, Symbol

from matcalc.calculus.collapse import Term, collapse, expand, total
from matcalc.index.symbols import Element, Index, substitute

i, j, k, l, p, q = (Index(n) for n in "ijklpq")
m, n, r = (Symbol(s, integer=True, positive=True) for s in "mnr")
A, B, G = MatrixSymbol("A", m, n), MatrixSymbol("B", n, r), MatrixSymbol("G", m, r)


def limits(*indices):
    return tuple((x, Integer(0), m - 1) for x in indices)


def test_expand_distributes_sums_and_products():
    expr = Sum(Element(G, k, l) * Sum(KroneckerDelta(k, i) * KroneckerDelta(p, j)
                                      * Element(B, p, l), (p, 0, n - 1)),
               (k, 0, m - 1), (l, 0, r - 1))
    (term,) = expand(expr)
    assert {s[0] for s in term.sums} == {k, l, p}
    assert len(term.factors) == 4


def test_expand_keeps_plain_sums_as_one_factor():
    # (1 − b_ij) is one elementwise factor, not two terms
    expr = Element(G, i, j) * (1 - Element(A, i, j))
    (term,) = expand(expr)
    assert len(term.factors) == 2


def test_collapse_records_the_kept_indices():
    # Σ_k Σ_l Σ_p g_kl δ_ki δ_pj b_pl = Σ_l g_il b_jl   (∵ only k = i, p = j remain)
    term = Term(Integer(1), (Element(G, k, l), KroneckerDelta(k, i), KroneckerDelta(p, j),
                             Element(B, p, l)), limits(k, l, p))
    (out,), kept = collapse([term])
    assert kept == [(k, i), (p, j)]
    assert [s[0] for s in out.sums] == [l]
    assert set(out.factors) == {Element(G, i, l), Element(B, j, l)}


def test_delta_between_free_indices_stays():
    term = Term(Integer(1), (KroneckerDelta(i, j),), ())
    (out,), kept = collapse([term])
    assert kept == [] and out.factors == (KroneckerDelta(i, j),)


def test_delta_between_two_summed_indices_keeps_one():
    term = Term(Integer(1), (KroneckerDelta(p, q), Element(A, i, p), Element(B, q, j)),
                limits(p, q))
    (out,), kept = collapse([term])
    assert len(out.sums) == 1 and len(kept) == 1


def test_vanishing_and_like_terms():
    a = Term(Integer(1), (KroneckerDelta(k, i), Element(A, k, j)), limits(k))
    b = Term(Integer(2), (KroneckerDelta(p, i), Element(A, p, j)), limits(p))
    zero = Term(Integer(1), (KroneckerDelta(Integer(0), Integer(1)),), ())
    terms, _ = collapse([a, b, zero])
    assert len(terms) == 1 and terms[0].coeff == 3
    assert total(terms) == 3 * Element(A, i, j)


def test_substitute_respects_bound_indices():
    # a sum that binds p keeps its own p; a bound index equal to the new one is renamed
    inner = Sum(Element(A, k, p), (p, 0, n - 1))
    assert substitute(inner * Element(B, p, l), p, j) == inner * Element(B, j, l)
    renamed = substitute(Sum(Element(A, k, j) * Element(A, i, p), (j, 0, n - 1)), p, j)
    assert renamed.free_symbols >= {j}
    assert sympy.Symbol("j") not in renamed.free_symbols
    bound = renamed.limits[0][0]
    assert bound != j
