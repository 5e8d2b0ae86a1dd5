"""numpy from an index form, for gradients with no matrix form: np.einsum read off the
collapsed terms (issue 11, point 5 in part)."""

from __future__ import annotations

import numpy as np
import pytest
from sympy import Integer, KroneckerDelta, MatrixSymbol, Symbol

from matcalc.check.numeric import eval_numpy
from matcalc.codegen.einsum import NoEinsum, einsum_code
from matcalc.codegen.numpy_code import NumpyPrinter
from matcalc.index.symbols import Element, Index, IndexSum

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


# ---------------------------------------------------------------- einsum in the language

@pytest.mark.parametrize(("program", "wrt", "result"), [
    ('C = einsum("ij,jk->ik", A, B)', "A", "∂L/∂A = ∂L/∂C Bᵀ"),           # A @ B
    ('C = einsum("ij,jk->ik", A, B)', "B", "∂L/∂B = Aᵀ ∂L/∂C"),
    ('S: (n, n)\nt = einsum("ii->", S)', "S", "∂t/∂S = I"),                 # a trace
    ('S: (n, n)\nd = einsum("ii->i", S)', "S", "∂L/∂S = diag(∂L/∂d)"),       # the diagonal
    ('u: (m,)\nv: (n,)\nP = einsum("i,j->ij", u, v)', "u", "∂L/∂u = ∂L/∂P v"),  # outer
    ('s = einsum("ij,ij", A, B)', "A", "∂s/∂A = B"),                         # implicit mode
    ('S: (n, n)\nx: (n,)\nq = einsum("i,ij,j->", x, S, x)', "x", "∂q/∂x = (S + Sᵀ) x"),
    ('C = einsum("ij->ji", A)', "A", "∂L/∂A = (∂L/∂C)ᵀ"),
])
def test_einsum_reads_its_subscripts_and_verifies(program, wrt, result):
    """The element form is read off the subscripts (a letter the result leaves out is
    summed, a repeated one is a diagonal); the textbook results come out, verified."""
    from helpers import result_line
    from matcalc import derive
    d = derive(program, wrt=wrt)
    assert result_line(d.text()) == result
    assert d.verified_on >= 2


def test_einsum_forward_and_numpy_are_numpys():
    from matcalc import derive
    d = derive('C = einsum("ij,jk->ik", A, B)', wrt="A")
    assert 'C = einsum("ij,jk->ik", A, B)' in d.text()
    module = d.show("numpy")
    assert 'np.einsum("ij,jk->ik", A, B)' in module
    namespace: dict = {}
    exec(compile(module, "generated", "exec"), namespace)  # matcalc's own output
    assert namespace["check"](seed=0) < 1e-6
    assert r"\operatorname{einsum}_{ij, jk \to ik}" in d.latex()


@pytest.mark.parametrize(("program", "words"), [
    ("C = einsum(A, B)", "takes its subscripts first"),
    ('C = einsum("ij,jk->ik", A)', "name 2 operands, and 1 is given"),
    ('C = einsum("ij,jk->ikl", A, B)', "a letter no operand has"),
    ('A: (m, n)\nC = einsum("ijk,kl->il", A, B)', "give 3 axes; A is (m, n)"),
    ('A: (m, n)\nC = einsum("i,kl->il", A, B)', "give 1 axes; A is (m, n)"),
    ('A: (m, n)\nC = einsum("ij,jk->ik", A, A)', "letter 'j' has two lengths"),
    ('C = einsum("...ij,jk->ik", A, B)', "ellipsis"),
    ('C = einsum("ij,jk->ii", A, B)', "appears twice in the result"),
])
def test_einsum_misuse_is_one_line(program, words):
    from matcalc import derive
    from matcalc.errors import MatcalcError
    with pytest.raises(MatcalcError) as caught:
        derive(program)
    assert words in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("spelling", ["A.mT", "A.swapaxes(-1, -2)", "A.swapaxes(0, 1)",
                                      "A.transpose()", "A.transpose(1, 0)"])
def test_numpys_other_transposes_of_a_matrix(spelling):
    """numpy's .mT, swapaxes and transpose() are Aᵀ on a matrix (issue 22 point 2, order 2);
    on a vector .mT and swapaxes fail, as in numpy; axes a matrix does not have are
    refused."""
    from helpers import result_line
    from matcalc import derive
    from matcalc.errors import MatcalcError
    d = derive(f"C = {spelling} @ B", wrt="A")
    assert result_line(d.text()) == "∂L/∂A = B (∂L/∂C)ᵀ" and d.verified_on
    if spelling != "A.transpose()":  # a vector's transpose() is itself, as in numpy
        with pytest.raises(MatcalcError, match="needs two axes"):
            derive(f"A: (n,)\nC = {spelling}")
    with pytest.raises(MatcalcError, match="does not permute the 2 axes"):
        derive("C = A.swapaxes(0, 2)" if "swap" in spelling else "C = A.transpose(2, 0, 1)")


def test_einsums_definition_is_read_off_its_subscripts():
    """c_ik = Σ_j a_ij b_jk in the subscripts' own letters, with a note giving the proof's
    letters; a letter the program uses for a dimension keeps the proof's."""
    from matcalc import derive
    text = derive('C = einsum("ij,jk->ik", A, B)', wrt="A").text()
    assert 'C = einsum("ij,jk->ik", A, B)    c_ik = Σ_j a_ij b_jk' in text
    assert "c_kl = Σ_p a_kp b_pl (i → k, k → l, j → p)" in " ".join(text.split())
    clash = derive('A: (m, j)\nB: (j, q)\nC = einsum("ij,jk->ik", A, B)', wrt="A").text()
    assert "c_kl = Σ_p a_kp b_pl" in clash.splitlines()[1]


def test_an_entry_carries_as_many_indices_as_its_array_has_axes():
    """The n-ary index model's first step (issue 22): Element(T, b, i, j) for an array of
    order 3; a matrix's entry keeps its two indices, args unchanged (order 2 untouched)."""
    from sympy.tensor.array.expressions import ArraySymbol
    b = Index("b")
    t = Element(ArraySymbol("T", (m, n, n)), b, i, j)
    assert t.order == 3 and t.indices == (b, i, j) and str(t.matrix.name) == "T"
    a = Element(A, i, j)
    assert a.args == (A, i, j) and (a.row, a.col) == (i, j) and a.order == 2
    assert Element(A, 0, 1).indices == (Integer(0), Integer(1))
