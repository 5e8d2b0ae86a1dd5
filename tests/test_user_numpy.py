"""The numpy people write, judged by ``--against``: every spelling of a right formula is
right, wrong variants are wrong, and whatever is not pure array arithmetic is refused with
one line, before anything runs."""

from __future__ import annotations

import pytest

from matcalc import derive
from matcalc.check.against import compare
from matcalc.errors import UsageError

# a relu layer: no log anywhere, so inputs keep both signs and the mask matters
LAYER = "X: (m, n)\nW: (n, k)\nb: (k,)\nZ = X @ W + b\nY = relu(Z)"


@pytest.fixture(scope="module")
def layer():
    return derive(LAYER, wrt="W,b,X")


@pytest.mark.parametrize("wrt, formula", [
    ("W", "X.T @ (dY * (Z > 0))"),
    ("W", "np.dot(X.T, np.where(Z > 0, dY, 0))"),
    ("W", "np.einsum('ij,ik->jk', X, dY * (Z > 0).astype(float))"),
    ("W", "np.matmul(np.transpose(X), dY * ~(Z <= 0))"),
    ("W", "(X[:, :, np.newaxis] * (dY * (Z > 0))[:, None, :]).sum(axis=0)"),
    ("W", "X.T.dot(np.maximum(np.sign(Z), 0) * dY)"),
    ("b", "np.sum(dY * (Z > 0), axis=0)"),
    ("b", "(dY * (Z > 0)).sum(0)"),
    ("b", "(dY * (Z > 0)).mean(axis=0) * X.shape[0]"),
    ("b", "np.mean(np.where(Z > 0, dY, 0.0), axis=0, keepdims=True)[0] * len(X)"),
    ("b", "((dY * (Z > 0)) ** 1).mean(axis=0) * (Z.size / Z.shape[1])"),
    ("X", "(dY * (Z > 0)) @ W.T"),
    ("X", "np.clip(np.sign(Z), 0, 1) * dY @ W.T + 0 * np.pi"),
])
def test_every_spelling_of_a_right_formula_is_right(layer, wrt, formula):
    verdict = compare(layer, wrt, formula)
    assert verdict.equal, verdict.text()


@pytest.mark.parametrize("wrt, formula, verdict", [
    ("W", "X.T @ dY", "differs"),                          # the relu mask dropped
    ("W", "-np.dot(X.T, dY * (Z > 0))", "differs"),        # the sign flipped
    ("b", "(dY * (Z > 0)).mean(axis=0)", "differs"),       # a factor m dropped
    ("b", "np.sum(dY * (Z > 0))", "shape"),                # summed over both axes
    ("W", "(dY * (Z > 0)).T @ X", "transpose"),
    ("X", "(dY * (Z > 0)) @ W", "error"),                  # W not transposed
])
def test_wrong_formulas_are_wrong_whatever_their_spelling(layer, wrt, formula, verdict):
    judged = compare(layer, wrt, formula)
    assert judged.verdict == verdict, judged.text()
    assert "The right formula" in judged.text()


def test_a_shape_error_is_explained_in_the_programs_dimension_names(layer):
    text = compare(layer, "X", "(dY * (Z > 0)) @ W").text()
    assert "is a matrix of shape (m, k)" in text and "W is a matrix of shape (n, k)" in text
    assert "which needs k = n" in text
    text = compare(layer, "W", "X * dY").text()
    assert "X is a matrix of shape (m, n)" in text and "needs shapes that broadcast" in text


@pytest.mark.parametrize("formula, words", [
    ("np.convolve(X, W)", "np.convolve is not supported in a formula"),
    ("np.save('{marker}', X)", "np.save is not supported"),
    ("X.tofile('{marker}')", ".tofile is not supported"),
    ("np.load('{marker}')", "np.load is not supported"),
    ("np.memmap('{marker}', mode='w+', shape=(3,))", "np.memmap is not supported"),
    ("np.lib.format.open_memmap('{marker}', mode='w+')", "np.lib is not supported"),
    ("np.ctypeslib.as_array(X)", "np.ctypeslib is not supported"),
    ("X.ctypes", ".ctypes is not supported"),
    ("X.base", ".base is not supported"),
    ("X.__class__", "underscores"),
    ("np.__builtins__", "underscores"),
    ("__import__('os').system('touch {marker}')", "double underscores"),
    ("(lambda: X)()", "lambda"),
    ("[x for x in X]", "comprehension"),
    ("X if W else X", "np.where"),
    ("(X > 0) and (X < 1)", "&"),
    ("np.exp(X, out=X)", "out="),
    ("X.sum", "call it"),
    ("np.sum", "call it"),
    ("np", "numpy's module"),
    ("open('{marker}', 'w')", "`open` is not a name of this program"),
    ("np.ones(10 ** 9)", "1,000,000,000 entries"),
    ("np.ones((1000, 1000, 1000)).sum() + X.T @ dY", "1,000,000,000 entries"),
    ("np.outer(np.ones(10 ** 5), np.ones(10 ** 5))", "entries"),
    ("np.zeros(10 ** 6)[:, None] * np.zeros(10 ** 6)", "entries"),
    ("10 ** 10 ** 10", "exponent"),
    ("X.T @ dH", "`dH` is not a name of this program; the upstream gradients are dY, dZ"),
    # found by a review: a callee that is no name, numbers Python cannot bound, and
    # shapes given as numpy arrays (planned too, not built and then refused)
    ("np.sum(X)(1)", "only numpy's functions"),
    ("(1)(2)", "only numpy's functions"),
    ("np.full((2, 2), 2 ** 2000)", "no array of real numbers"),
    ("np.array(2 ** 100) ** 10 ** 9 * 0 + X.T @ dY", "no array of real numbers"),
    ("np.arange(np.array(2e8))", "200,000,000 entries"),
    ("np.eye(np.array(12000))", "144,000,000 entries"),
    ("np.full(np.array([12000, 12000]), 1.0)", "144,000,000 entries"),
    ("np.einsum('i,j->ij', np.ones(4000), np.ones(4000))", "16,000,000 entries"),
])
def test_anything_but_pure_numpy_is_refused_before_it_runs(layer, tmp_path, formula, words):
    marker = tmp_path / "pwned"
    with pytest.raises(UsageError) as refused:
        compare(layer, "W", formula.format(marker=marker))
    assert words in refused.value.message
    assert "\n" not in refused.value.message and "ast." not in refused.value.message
    assert not marker.exists() and not list(tmp_path.iterdir())
