"""The catalogue (examples 36-59): every derivation people make today, derived, verified,
and compared with the form the textbooks give — numerically, as ``--against`` compares a
hand-derived formula, and, where the form is the point, as it is printed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from helpers import assert_correct

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
sys.path.insert(0, str(EXAMPLES))
from generate import derivation, options, program_text  # noqa: E402

from matcalc import derive  # noqa: E402

SQRT_D = "np.sqrt(Q.shape[1])"
SIGMA_INV = "np.linalg.inv(Sigma)"


def sigmoid(x: str) -> str:
    return f"(1 / (1 + np.exp(-({x}))))"


# example -> {gradient: the textbook's formula, in numpy}
TEXTBOOK = {
    "36_attention": {
        "V": "P.T @ dO",
        "S": "P * (dP - (dP * P).sum(axis=1, keepdims=True))",
        "Q": f"dS @ K / {SQRT_D}",
        "K": f"dS.T @ Q / {SQRT_D}",
    },
    "37_attention_projections": {
        "X": "dQ @ Wq.T + dK @ Wk.T + dV @ Wv.T",
        "Wq": "X.T @ dQ", "Wk": "X.T @ dK", "Wv": "X.T @ dV",
    },
    "38_layer_norm": {
        "gamma": "(dY * Xhat).sum(axis=0)",
        "beta": "dY.sum(axis=0)",
        # the compact form: (n dX̂ − Σ dX̂ − X̂ Σ(dX̂ ∘ X̂)) / (n √(v + ε)), dX̂ = dY ∘ γ
        "X": "(X.shape[1] * dY * gamma - (dY * gamma).sum(axis=1, keepdims=True) "
             "- Xhat * (dY * gamma * Xhat).sum(axis=1, keepdims=True)) "
             "/ (X.shape[1] * np.sqrt(v + eps))",
    },
    "39_batch_norm": {
        "gamma": "(dY * Xhat).sum(axis=0)",
        "beta": "dY.sum(axis=0)",
        # γ/(N σ) (N ∂L/∂Y − Σ ∂L/∂Y − X̂ ∘ Σ(∂L/∂Y ∘ X̂))
        "X": "gamma / (X.shape[0] * s) * (X.shape[0] * dY - dY.sum(axis=0) "
             "- Xhat * (dY * Xhat).sum(axis=0))",
    },
    "40_least_squares": {"w": "2 * X.T @ (X @ w - y)"},
    "41_ridge": {"w": "2 * X.T @ (X @ w - y) + 2 * lam * w"},
    "42_logistic_regression": {"w": f"X.T @ ({sigmoid('X @ w')} - y)"},
    "43_logistic_pm1": {"w": f"-X.T @ (y * {sigmoid('-y * (X @ w)')})"},
    "44_softmax_regression": {"W": "X.T @ (P - T) + lam * W"},
    "45_l1_regression": {"w": "X.T @ np.sign(X @ w - y)"},
    "46_matrix_factorisation": {"U": "-2 * (X - U @ V.T) @ V", "V": "-2 * (X - U @ V.T).T @ U"},
    "47_gaussian_likelihood": {
        "mu": f"-{SIGMA_INV} @ (x - mu)",
        "Sigma": f"0.5 * ({SIGMA_INV} - {SIGMA_INV} @ np.outer(x - mu, x - mu) @ {SIGMA_INV})",
    },
    "48_gaussian_batch": {
        "mu": f"-({SIGMA_INV} @ (X - mu).T).sum(axis=1)",
        "Sigma": f"X.shape[0] / 2 * {SIGMA_INV} - 0.5 * {SIGMA_INV} @ D.T @ D @ {SIGMA_INV}",
    },
    "49_cross_entropy_logits": {"Z": "np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True) - T"},
    "50_logsumexp": {"x": "np.exp(x) / np.exp(x).sum()"},
    "51_rnn_three_steps": {
        "W": "x1.T @ (dh1 * (1 - h1**2)) + x2.T @ (dh2 * (1 - h2**2)) "
             "+ x3.T @ (dh3 * (1 - h3**2))",
        "U": "h0.T @ (dh1 * (1 - h1**2)) + h1.T @ (dh2 * (1 - h2**2)) "
             "+ h2.T @ (dh3 * (1 - h3**2))",
        "h0": "(dh1 * (1 - h1**2)) @ U.T",
    },
    "52_lstm_cell": {
        "c": "dh * o * (1 - np.tanh(c)**2)",
        "c0": "dc * f",
        "Wi": "x.T @ (dc * g * i * (1 - i))",
        "Wg": "x.T @ (dc * i * (1 - g**2))",
        "Wo": "x.T @ (dh * np.tanh(c) * o * (1 - o))",
    },
    "53_residual_block": {
        "X": "dY + (dY @ W2.T * np.heaviside(X @ W1, 0.0)) @ W1.T",
        "W2": "H.T @ dY",
    },
    "54_gelu": {
        "X": "dY * (0.5 * (1 + np.tanh(0.7978845608 * (X + 0.044715 * X**3))) + 0.5 * X * "
             "(1 - np.tanh(0.7978845608 * (X + 0.044715 * X**3))**2) * 0.7978845608 * "
             "(1 + 3 * 0.044715 * X**2))",
    },
    "55_swish": {"X": f"dY * ({sigmoid('X')} + X * {sigmoid('X')} * (1 - {sigmoid('X')}))"},
    "56_max_gate": {"x": "z * np.heaviside(x - y, 0.0)", "y": "z * np.heaviside(y - x, 0.0)"},
}

# the forms as matcalc prints them, where the form is what the textbooks teach
PRINTED = {
    # softmax's row sums (∂L/∂P ∘ P) 𝟏 written as seed 001 eq. 27 does, diag(∂L/∂P Pᵀ)
    "36_attention": ["∂L/∂V = Pᵀ ∂L/∂O", "∂L/∂S = P ∘ (∂L/∂P − diag(∂L/∂P Pᵀ))",
                     "∂L/∂Q = (1/√d) ∂L/∂S K", "∂L/∂K = (1/√d) (∂L/∂S)ᵀ Q"],
    "37_attention_projections": ["∂L/∂X  = ∂L/∂Q Wqᵀ + ∂L/∂K Wkᵀ + ∂L/∂V Wvᵀ"],
    "42_logistic_regression": ["∂L/∂z = σ(z) − y", "∂L/∂w = Xᵀ (σ(z) − y)"],
    # −(T − P) with the sign where seed 001 eq. 32 places it; P − T inside ∂L/∂W
    "44_softmax_regression": ["∂L/∂Z = −(T − P)", "∂L/∂W = Xᵀ (P − T) + λ W"],
    "45_l1_regression": ["∂L/∂w = Xᵀ sign(X w − y)"],
    "47_gaussian_likelihood": ["∂L/∂μ = −Σ⁻¹ (x − μ)",
                               "∂L/∂Σ = (1/2) (Σ⁻¹ − Σ⁻¹ (x − μ) (xᵀ − μᵀ) Σ⁻¹)"],
    "48_gaussian_batch": ["∂L/∂Σ = (N/2) Σ⁻¹ − (1/2) Σ⁻¹ Dᵀ D Σ⁻¹"],
    "49_cross_entropy_logits": ["∂L/∂Z = softmax(Z) − T"],
    "50_logsumexp": ["∂s/∂x = softmax(x)"],
    "57_hessian_softmax_cross_entropy": ["∂²L/∂z ∂zᵀ = diag(softmax(z)) − softmax(z) softmax(z)ᵀ"],
    "58_hessian_logsumexp": ["∂²s/∂x ∂xᵀ = diag(softmax(x)) − softmax(x) softmax(x)ᵀ"],
    "59_hessian_logistic": ["∂²L/∂w ∂wᵀ = Xᵀ diag(σ(X w) ∘ (1 − σ(X w))) X"],
}


def test_the_catalogue_is_complete():
    found = {p.stem for p in EXAMPLES.glob("*.mc") if "36" <= p.stem[:2] <= "59"}
    assert found == set(TEXTBOOK) | {"57_hessian_softmax_cross_entropy",
                                     "58_hessian_logsumexp", "59_hessian_logistic"}


@pytest.mark.parametrize("name", sorted(TEXTBOOK))
def test_the_derived_gradient_equals_the_textbooks(name):
    source = (EXAMPLES / f"{name}.mc").read_text(encoding="utf-8")
    opts = options(source)
    d = derive(program_text(source), wrt=opts.get("wrt"), against=TEXTBOOK[name])
    assert_correct(d, trials=1)
    wrong = [str(v) for v in d.against.values() if not v.equal]
    assert not wrong, "\n".join(wrong)
    for wrt in opts.get("wrt", "").replace(" ", "").split(","):
        assert d.all_gradients[wrt].result is not None, f"{wrt}: no matrix form"


@pytest.mark.parametrize("name", sorted(PRINTED))
def test_the_printed_form_is_the_textbooks(name):
    text = derivation(EXAMPLES / f"{name}.mc").text()
    if options((EXAMPLES / f"{name}.mc").read_text(encoding="utf-8")).get("inline"):
        text += derive(program_text((EXAMPLES / f"{name}.mc").read_text(encoding="utf-8")),
                       inline=True).text()
    for line in PRINTED[name]:
        assert line in text, f"{name}: {line!r} not in\n{text}"


@pytest.mark.parametrize("name", ["38_layer_norm", "39_batch_norm"])
def test_normalisation_has_its_compact_form_derived_with_the_centred_fact(name):
    # the staged backward pass (∂L/∂X̂, ∂L/∂v, ∂L/∂Xc, ∂L/∂μ) substituted entry by entry:
    # the term Σ_k xc_kj (…) vanishes as a stated step, leaving the compact textbook form
    from matcalc.index.symbols import UpstreamGrad
    source = (EXAMPLES / f"{name}.mc").read_text(encoding="utf-8")
    d = derive(program_text(source), wrt="X", inline=True)
    grad = d.gradients["X"]
    keys = [s.reason.key for s in grad.inline_steps]
    assert "centred" in keys and keys[0] == "named_result"
    upstreams = {u.name for u in grad.inlined.atoms(UpstreamGrad)}
    assert upstreams == {"Y"}  # only ∂L/∂Y is left: every named gradient put in
    assert_correct(d, trials=1)
    compact = derive(program_text(source), wrt="X",
                     against={"X": TEXTBOOK[name]["X"]}).against["X"]
    assert compact.equal, str(compact)
