"""Matrix Cookbook identities (Petersen & Pedersen, version of November 15, 2012), each
derived by the engine, its every step verified numerically, its result and numpy code
compared with finite differences. The equation number is the Cookbook's; the expected
form is the Cookbook's right-hand side, written the way matcalc prints it (where it
differs only in arrangement, the comment gives the Cookbook's own form)."""

from __future__ import annotations

import pytest

from helpers import derived, result_line

IDENTITIES = [
    # eq, program, wrt, expected matrix form
    ("100", "s = trace(X)", "X", "I"),
    ("101", "s = trace(X @ A)", "X", "Aᵀ"),
    ("102", "s = trace(A @ X @ B)", "X", "Aᵀ Bᵀ"),
    ("103", "s = trace(A @ X.T @ B)", "X", "B A"),
    ("104", "s = trace(X.T @ A)", "X", "A"),
    ("105", "s = trace(A @ X.T)", "X", "A"),
    ("107", "s = trace(X @ X)", "X", "2 Xᵀ"),
    ("108", "s = trace(X @ X @ B)", "X", "Bᵀ Xᵀ + Xᵀ Bᵀ"),       # (XB + BX)ᵀ
    ("109", "s = trace(X.T @ B @ X)", "X", "(B + Bᵀ) X"),         # BX + BᵀX
    ("110", "s = trace(B @ X @ X.T)", "X", "(B + Bᵀ) X"),
    ("111", "s = trace(X @ X.T @ B)", "X", "(B + Bᵀ) X"),
    ("112", "s = trace(X @ B @ X.T)", "X", "X (B + Bᵀ)"),         # XBᵀ + XB
    ("113", "s = trace(B @ X.T @ X)", "X", "X (B + Bᵀ)"),
    ("114", "s = trace(X.T @ X @ B)", "X", "X (B + Bᵀ)"),
    ("115", "s = trace(A @ X @ B @ X)", "X", "Aᵀ Xᵀ Bᵀ + Bᵀ Xᵀ Aᵀ"),
    ("116", "s = trace(X.T @ X)", "X", "2 X"),
    ("117", "s = trace(B.T @ X.T @ C @ X @ B)", "X", "(C + Cᵀ) X B Bᵀ"),  # CᵀXBBᵀ + CXBBᵀ
    ("118", "s = trace(X.T @ B @ X @ C)", "X", "B X C + Bᵀ X Cᵀ"),
    ("119", "s = trace(A @ X @ B @ X.T @ C)", "X", "Aᵀ Cᵀ X Bᵀ + C A X B"),
    ("120", "s = trace((A @ X @ B + C) @ (A @ X @ B + C).T)", "X", "2 Aᵀ (A X B + C) Bᵀ"),
    ("124", "s = trace(A @ inv(X) @ B)", "X", "−X⁻ᵀ Aᵀ Bᵀ X⁻ᵀ"),    # −(X⁻¹BAX⁻¹)ᵀ
    ("124, A = I", "s = trace(inv(X) @ A)", "X", "−X⁻ᵀ Aᵀ X⁻ᵀ"),
    ("49", "s = det(X)", "X", "det(X) X⁻ᵀ"),
    ("57", "s = logdet(X)", "X", "X⁻ᵀ"),
    ("61", "a: (n,)\nb: (n,)\ns = a @ inv(X) @ b", "X", "−X⁻ᵀ a bᵀ X⁻ᵀ"),
    ("69", "x: (n,)\na: (n,)\ns = x @ a", "x", "a"),
    ("70", "a: (m,)\nb: (n,)\ns = a @ X @ b", "X", "a bᵀ"),
    ("71", "a: (n,)\nb: (m,)\ns = a @ X.T @ b", "X", "b aᵀ"),
    ("72", "a: (n,)\ns = a @ X @ a", "X", "a aᵀ"),
    # the Cookbook writes X(bcᵀ + cbᵀ); terms come in the order of X's occurrences (Xᵀ first)
    ("77", "b: (n,)\nc: (n,)\ns = b @ X.T @ X @ c", "X", "X (c bᵀ + b cᵀ)"),
    ("81", "x: (n,)\ns = x @ B @ x", "x", "(B + Bᵀ) x"),
    ("82", "b: (n,)\nc: (n,)\ns = b @ X.T @ D @ X @ c", "X", "D X c bᵀ + Dᵀ X b cᵀ"),
    ("85", "W: symmetric(n, n)\nx: (n,)\ns: (n,)\nq = (x - s) @ W @ (x - s)", "x",
     "2 W (x − s)"),
    ("88", "W: symmetric(m, m)\nx: (m,)\ns: (n,)\nq = (x - A @ s) @ W @ (x - A @ s)", "A",
     "2 W (A s − x) sᵀ"),                                         # −2W(x − As)sᵀ
    ("129", "s = norm(X) ** 2", "X", "2 X"),
    ("least squares", "x: (n,)\nb: (m,)\ns = norm(A @ x - b) ** 2", "x", "2 Aᵀ (A x − b)"),
    ("symmetric", "A: symmetric(n, n)\nx: (n,)\ns = x @ A @ x", "x", "2 A x"),
    ("spd", "A: spd(n, n)\ns = trace(X.T @ A @ X)", "X", "2 A X"),
]


@pytest.mark.parametrize("eq, program, wrt, expected", IDENTITIES,
                         ids=[f"eq{eq}" for eq, *_ in IDENTITIES])
def test_cookbook_identity(eq, program, wrt, expected):
    d = derived(program, wrt=wrt)
    top = d.output
    assert result_line(d.text()) == f"∂{top}/∂{wrt} = {expected}"


def test_there_are_at_least_thirty():
    assert len(IDENTITIES) >= 30


def test_inverse_lemma_is_cited_in_index_form():
    # ∂(X⁻¹)_kl/∂x_ij = −(X⁻¹)_ki (X⁻¹)_jl (eq. 59), then collapse and recognition
    d = derived("Y = inv(X)", wrt="X")
    keys = [s.reason.key for s in d.steps]
    assert "differentiate" in keys
    assert d.steps[keys.index("differentiate")].reason.params.get("lemmas") == ["inverse"]
    assert result_line(d.text()) == "∂L/∂X = −X⁻ᵀ ∂L/∂Y X⁻ᵀ"


def test_jacobi_formula_is_cited():
    d = derived("s = det(X)", wrt="X")
    lemma = [s.reason.params.get("lemmas") for s in d.steps if s.reason.key == "differentiate"]
    assert lemma == [["jacobi"]]
    assert "Jacobi" in d.text()


def test_sympy_gets_logdet_wrong_matcalc_does_not():
    import sympy
    X = sympy.MatrixSymbol("X", 3, 3)
    assert str(sympy.log(sympy.Determinant(X)).diff(X)) == "0"  # the failure we exist to beat
    d = derived("s = logdet(X)", wrt="X")
    assert result_line(d.text()) == "∂s/∂X = X⁻ᵀ"
