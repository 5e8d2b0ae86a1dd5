"""numpy from an index form, for gradients with no matrix form: np.einsum read off the
collapsed terms (issue 11, point 5 in part)."""

from __future__ import annotations

import numpy as np
import pytest
from sympy import Integer, KroneckerDelta, MatrixSymbol, Symbol

from matcalc.index.symbols import Element, Index, IndexSum
from matcalc.check.numeric import eval_numpy
from matcalc.render.einsum import NoEinsum, einsum_code
from matcalc.render.numpy_code import NumpyPrinter

i, j, k, l = (Index(name) for name in "ijkl")
m, n = Symbol("m", integer=True, positive=True), Symbol("n", integer=True, positive=True)
A, B = MatrixSymbol("A", m, n), MatrixSymbol("B", n, n)
x = MatrixSymbol("x", n, Integer(1))
PRINTER = NumpyPrinter({"A": 2, "B": 2, "x": 1}, {"m": "A.shape[0]", "n": "A.shape[1]"}, "Y")
RNG = np.random.default_rng(0)
VALUES = {"A": RNG.normal(size=(3, 4)), "B": RNG.normal(size=(4, 4)), "x": RNG.normal(size=4),
          "np": np}


def run(form, free, sizes):
    return eval_numpy(einsum_code(form, free, sizes, PRINTER), VALUES)


def test_a_sum_of_products_is_one_einsum_per_term():
    # Σ_l a_il b_lj + 2 a_ij x_j
    form = IndexSum(Element(A, i, l) * Element(B, l, j), (l, 0, n - 1)) + \
        2 * Element(A, i, j) * Element(x, j, 0)
    a, b, v = VALUES["A"], VALUES["B"], VALUES["x"]
    np.testing.assert_allclose(run(form, (i, j), {i: m, j: n}), a @ b + 2 * a * v)


def test_a_free_index_no_factor_carries_broadcasts_and_a_delta_is_eye():
    # x_i (constant in j), and δ_ij x_j
    v = VALUES["x"]
    np.testing.assert_allclose(run(Element(x, i, 0), (i, j), {i: n, j: n}),
                               np.tile(v[:, None], (1, 4)))
    np.testing.assert_allclose(run(KroneckerDelta(i, j) * Element(x, j, 0), (i, j),
                                   {i: n, j: n}), np.diag(v))


def test_a_function_of_entries_has_no_einsum():
    from sympy import tanh
    with pytest.raises(NoEinsum):
        einsum_code(tanh(Element(A, i, j)), (i, j), {i: m, j: n}, PRINTER)
