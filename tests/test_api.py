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
        "chain_rule", "element_form", "differentiate", "collapse", "transpose",
        "matrix_product"]
    assert all(isinstance(s.rhs, sympy.Basic) and isinstance(s.lhs, sympy.Basic)
               for s in d.steps)
    assert d.steps[3].reason.params == {"kept": [["k", "i"], ["p", "j"]]}
    assert verify(d).ok


def test_several_wrt_and_indexing():
    from matcalc.symbols import UpstreamGrad
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
