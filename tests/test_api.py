"""The library API: from matcalc import derive."""

from __future__ import annotations

import json

import pytest
import sympy

import matcalc
from helpers import result_line
from matcalc import Derivation, UsageError, derive, verify


def test_derive_returns_a_derivation():
    d = derive("C = A @ B", wrt="A")
    assert isinstance(d, Derivation)
    A, B = d.names.symbols["A"], d.names.symbols["B"]
    assert isinstance(d.result, sympy.MatMul)
    assert d.result.args[1] == sympy.Transpose(B)
    assert d.result.shape == A.shape
    assert d.numpy == "dC @ B.T"


def test_steps_are_sympy_with_reason_data():
    d = derive("C = A @ B", wrt="A")
    assert [s.reason.key for s in d.steps] == [
        "chain_rule", "element_form", "keep", "differentiate", "transpose",
        "matrix_product"]
    assert all(isinstance(s.rhs, sympy.Basic) and isinstance(s.lhs, sympy.Basic)
               for s in d.steps)
    assert d.steps[2].reason.params == {"kept": [["k", "i"], ["p", "j"]]}
    assert verify(d).ok


def test_several_wrt_and_indexing():
    from matcalc.index.symbols import UpstreamGrad
    d = derive("C = A @ B", wrt=["A", "B"])
    assert list(d.gradients) == ["A", "B"]
    upstream = UpstreamGrad("C", *d.names.symbols["C"].shape)
    assert d["B"].result == sympy.MatMul(sympy.Transpose(d.names.symbols["A"]), upstream)
    assert d.numpy_of("B") == "A.T @ dC"


def test_default_wrt_is_every_input():
    assert list(derive("C = A @ B + D").gradients) == ["A", "B", "D"]


def test_shapes_argument():
    d = derive("y = W @ x", wrt="x", shapes={"x": ("n",)})
    assert d.shapes.names["y"] == ("m",)
    assert d.numpy == "W.T @ dy"


def test_renderers_and_notebook_display():
    d = derive("C = A * B", wrt="A")
    assert result_line(d.text()) == "∂L/∂A = ∂L/∂C ∘ B"
    assert r"\circ" in d.latex()
    assert d.markdown().count("$$") % 2 == 0
    assert json.loads(d.json())["gradients"][0]["numpy"] == "dC * B"
    latex = d._repr_latex_()
    assert latex.startswith("$$") and latex.endswith("$$")
    assert str(d) == d.text()


def test_loss_name():
    d = derive("C = A @ B", wrt="A", loss="J")
    assert result_line(d.text()) == "∂J/∂A = ∂J/∂C Bᵀ"


def test_errors_are_matcalc_errors():
    with pytest.raises(UsageError):
        derive("C = A @ B", wrt="Z")
    with pytest.raises(UsageError, match="that is the output"):
        derive("C = A @ B; D = C * 2", wrt="D")


def test_public_names():
    for name in matcalc.__all__:
        assert getattr(matcalc, name) is not None


def test_wrt_takes_names_separated_by_commas_like_the_cli():
    d = derive("C = A @ B", wrt="A, B")
    assert list(d.gradients) == ["A", "B"]


def test_library_errors_name_library_arguments():
    with pytest.raises(UsageError) as error:
        derive("C = A @ B", wrt="Q")
    assert str(error.value).startswith("wrt='Q': no such name") and "--" not in str(error.value)
    with pytest.raises(UsageError, match=r"shapes='b': no such name"):
        derive("C = A @ B", shapes={"b": ("n",)})


@pytest.mark.parametrize("shape, message", [
    ("m,n", "a tuple of dimensions"),
    (("m", "n x"), "'n x' is not a dimension"),
    ((0, 2), "0 is not a dimension"),
    (("m", 2.5), "2.5 is not a dimension"),
])
def test_shapes_given_to_the_library_are_checked(shape, message):
    # once a bare KeyError or a sympy error from deep inside (found by a review)
    with pytest.raises(UsageError, match=message):
        derive("C = A @ B", shapes={"A": shape})


def test_jacobian_and_hessian_are_exported():
    from matcalc import Derivative, hessian, jacobian
    assert isinstance(jacobian("x: (n,)\ny = W @ x", "x"), Derivative)
    assert hessian("x: (n,)\nf = x @ A @ x", "x").result is not None


def test_a_step_with_a_stray_free_index_is_refused():
    """Recording a step checks that it keeps the lhs's free indices (a bug, not a style)."""
    from sympy import MatrixSymbol, Symbol

    from matcalc.calculus.proof import Proof, ProofError
    from matcalc.index.symbols import Element, Index
    i, j, p = Index("i"), Index("j"), Index("p")
    A = MatrixSymbol("A", Symbol("m"), Symbol("n"))
    proof = Proof(Element(A, i, j), (i, j))
    proof.record(Element(A, i, j), "start")
    with pytest.raises(ProofError, match="free index p"):
        proof.record(Element(A, i, p), "wrong")


def test_evaluate_checks_the_shapes_of_the_values():
    import numpy as np
    d = derive("C = A @ B", wrt="A")
    value = d.evaluate({"A": np.ones((2, 3)), "B": np.ones((3, 4))}, upstream=np.ones((2, 4)))
    np.testing.assert_allclose(value["A"], np.full((2, 3), 4.0))
    with pytest.raises(UsageError, match="n is 3 elsewhere"):
        d.evaluate({"A": np.ones((2, 3)), "B": np.ones((2, 4))}, upstream=np.ones((2, 4)))
    with pytest.raises(UsageError, match="A is 2-dimensional"):
        d.evaluate({"A": np.ones(3), "B": np.ones((3, 4))}, upstream=np.ones((2, 4)))


def test_a_declared_input_the_output_does_not_read_has_a_zero_gradient():
    # once "no such name in the program": it is a name of the program, and says so
    d = derive("X: (m, n)\nW: (n, p)\nY = X @ X.T", wrt="W")
    assert d["W"].zero and "does not influence the output" in d.text()


def test_a_result_keeps_its_programs_own_declarations():
    """A declared name lives in the program that declares it: another program that
    declares f otherwise (a map, not an elementwise function) changed an earlier result's
    note, and its check ran the other f (the page and notebooks derive one program after
    another in one process)."""
    from matcalc.check import verify
    first = derive("f: elementwise\nX: (m, n)\nL = sum(f(X))", wrt="X")
    text = first.text()
    second = derive("f: (n,) -> ()\nx: (n,)\nL = f(x)", wrt="x")
    assert first.text() == text and "declared elementwise" in " ".join(text.split())
    assert verify(first, trials=2, seed=5).agrees  # checked anew, after the second
    assert "map declared to a scalar" in " ".join(second.text().split())
    assert verify(second, trials=2, seed=5).agrees
