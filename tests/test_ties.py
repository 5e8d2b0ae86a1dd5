"""Max at ties: the stated convention (README, the note) is that k entries tied at the
maximum get 1/k each — for a vector, along an axis (per row or column) and over a whole
matrix (all of its tied entries together, not 1/k per row times 1/k per row maximum).

Ties cannot be reached by random draws (the checker draws away from them), so these tests
force them: every proof step is evaluated at the tied values (``tensor_eval.Evaluator``),
and so are the result's matrix form and its numpy code, against the shares written out."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import derived
from matcalc.check.numeric import Instance, forward
from matcalc.check.tensor_eval import Evaluator
from matcalc.check.verification import _free
from matcalc.codegen.backward import numpy_code
from matcalc.index.symbols import Partial


def shares(x: np.ndarray, axis=None) -> np.ndarray:
    """1/k at each of the k maxima along ``axis`` (all entries: None), 0 elsewhere."""
    top = np.isclose(x, np.max(x, axis=axis, keepdims=True), rtol=0, atol=0)
    return top / np.sum(top, axis=axis, keepdims=True)


def at_values(d, wrt: str, inputs: dict, upstream=None) -> list[np.ndarray]:
    """The gradient at the given inputs by each route: every proof step's right-hand side
    once the derivative is taken (before, ∂ max/∂x is a central difference, which at a tie
    is ½ by its own convention), the matrix form, the numpy code and ``Derivation.at``."""
    values = forward(d.program, {n: np.asarray(v, dtype=float) for n, v in inputs.items()})
    dims = {n: s for n, s in zip(d.shapes.names[wrt], np.shape(inputs[wrt]))}
    instance = Instance(dims, values, upstream, d.program, d.output)
    ev = Evaluator(d.program, instance, d.output)
    grad = d.gradients[wrt]
    free, sizes = _free(grad, instance)
    taken = [step for step in grad.steps if not step.rhs.has(Partial)]
    assert taken, "no step past the derivative"
    routes = [ev.array(step.rhs, free, sizes) for step in taken]
    routes.append(np.asarray(ev.matrix(grad.result)).reshape(sizes) if grad.result.is_Matrix
                  else ev.array(grad.result))
    namespace = {"np": np, **values, **({f"d{d.output}": upstream} if upstream is not None
                                        else {})}
    routes.append(np.asarray(eval(numpy_code(d, grad), namespace)))  # our own generated code
    routes.append(np.asarray(d.at(inputs, upstream=upstream).values_at["gradients"][wrt]))
    return routes


TIED = np.array([[1.0, 5.0, 5.0], [5.0, 4.0, 2.0]])  # three maxima: two in row 0, one in row 1


@pytest.mark.parametrize("program, axis", [
    ("X: (m, n); L = max(X)", None),                        # 1/3 each, over the whole matrix
    ("X: (m, n); L = sum(max(X, keepdims=True))", None),
    ("X: (m, n); L = sum(max(X, axis=1))", 1),              # row 0: 1/2 each; row 1: 1
    ("X: (m, n); L = sum(max(X, axis=0, keepdims=True))", 0),
    ("X: (m, n); L = sum(max(X.T, axis=1))", 0),
])
def test_tied_maxima_share_alike_in_every_form(program, axis):
    d = derived(program, wrt="X")
    expected = shares(TIED, axis)
    for value in at_values(d, "X", {"X": TIED}):
        np.testing.assert_allclose(value, expected, atol=1e-12)


def test_a_vector_with_three_tied_maxima():
    d = derived("x: (n,); L = max(x)", wrt="x")
    x = np.array([3.0, 3.0, 1.0, 3.0])
    for value in at_values(d, "x", {"x": x}):
        np.testing.assert_allclose(np.reshape(value, -1), [1 / 3, 1 / 3, 0, 1 / 3])


def test_the_whole_matrix_share_goes_through_the_chain_rule():
    # L = 2 max(X Xᵀ): the tied entries of X Xᵀ share 1/K, then ∂(X Xᵀ)/∂X
    d = derived("X: (m, n); L = 2 * max(X @ X.T)", wrt="X")
    x = np.array([[1.0, 0.0], [0.0, 1.0]])  # X Xᵀ = I: two tied maxima on the diagonal
    for value in at_values(d, "X", {"X": x}):
        np.testing.assert_allclose(value, 2 * (shares(x @ x.T) + shares(x @ x.T).T) @ x)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_note_says_the_bracket_is_a_share(lang):
    # the printed [x = max x] would read as 1 at each tie: the note says it stands for
    # 1/k there, and that over a whole matrix the count is written out as a sum of brackets
    text = " ".join(derived("x: (n,); L = max(x)", wrt="x").show("text", lang=lang).split())
    note = text[text.index("[x = max x]") - 80:]
    assert "1/k" in note and "[x = M] / Σ [x = M]" in note


def test_the_max_gates_indicators_as_seed_003_writes_them_keep_the_tie_convention():
    """--indicator one: ∂max(x, y)/∂x = 𝟙(x > y) as seed 003 writes it; ∂/∂y is 𝟙(y ≥ x),
    not the seed's 𝟙(y > x): at a tie the gate's slope along x = y is 1, and matcalc gives
    it to y. The two numpy codes sum to 1 everywhere, the tie included."""
    from matcalc import derive
    from matcalc.render.settings import NOTATION
    d = derive("x: ()\ny: ()\nf = maximum(x, y)", wrt="x,y")
    NOTATION["indicator"] = "one"  # (conftest restores the notation after each test)
    text, latex = d.text(), d.latex()
    assert "∂f/∂x = 𝟙(x > y)" in text and "∂f/∂y = 𝟙(y ≥ x)" in text
    assert r"\mathbb{1}\left(x > y\right)" in latex and r"\mathbb{1}\left(y \geq x\right)" in latex
    NOTATION["indicator"] = "bracket"
    assert "∂f/∂x = [x − y > 0]" in d.text()   # the default: Iverson's bracket
    x, y = (d.names.symbols[n] for n in ("x", "y"))
    for a, b in [(1, 1), (2, 1), (1, 2)]:
        shares = [d.gradients[n].result.subs({x: a, y: b}) for n in ("x", "y")]
        assert sum(shares) == 1 and shares[1] == (1 if b >= a else 0)
