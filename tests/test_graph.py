"""Computation graphs: multi-statement programs, named intermediate gradients, fan-out,
softmax and cross-entropy, scalar programs (seed 001's MLP, seed 002, CS231n in seed 003)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from helpers import derived, result_line
from matcalc import derive
from matcalc.cli import cli
from matcalc.render.printers import PrintContext
from matcalc.render.text import TextPrinter

MLP = """X: (m, n)
W: (n, h)
b: (h,)
W2: (h, c)
b2: (c,)
T: onehot(m, c)
Z = X @ W + b
H = sigmoid(Z)
Z2 = H @ W2 + b2
P = softmax(Z2)
L = cross_entropy(T, P)
"""


def named(d) -> dict[str, str]:
    """Each derived gradient's named form, as the text output prints it."""
    printer = TextPrinter(PrintContext(loss=d.loss, names=set(d.shapes.names),
                                       order={n: k for k, n in enumerate(d.shapes.names)}))
    return {name: printer.doprint(g.result) for name, g in d.all_gradients.items()}


def inlined(d) -> dict[str, str]:
    printer = TextPrinter(PrintContext(loss=d.loss, names=set(d.shapes.names),
                                       order={n: k for k, n in enumerate(d.shapes.names)}))
    return {name: printer.doprint(g.inlined) for name, g in d.gradients.items()}


def test_seed_001_mlp_named_and_inlined():
    # seed 001 eqs. 38-45, with softmax + cross-entropy fused to −(T − P) (eq. 32, the sign
    # where the article places it), and P − T where it is put into the next formulas
    d = derived(MLP, wrt=["W", "b", "W2", "b2", "H", "Z", "Z2"], inline=True)
    forms = named(d)
    assert forms["Z2"] == "−(T − P)"
    assert forms["b2"] == "𝟏ᵀ (P − T)"
    assert forms["W2"] == "Hᵀ (P − T)"
    assert forms["H"] == "(P − T) W2ᵀ"
    assert forms["Z"] == "∂L/∂H ∘ H ∘ (1 − H)"
    assert forms["W"] == "Xᵀ ∂L/∂Z"
    assert forms["b"] == "𝟏ᵀ ∂L/∂Z"
    full = inlined(d)
    assert full["W"] == "Xᵀ (H ∘ ((P − T) W2ᵀ) ∘ (1 − H))"
    assert full["b"] == "𝟏ᵀ (H ∘ ((P − T) W2ᵀ) ∘ (1 − H))"
    assert d.numpy_of("W") == "X.T @ (H * ((P - T) @ W2.T) * (1 - H))"
    text = d.text()
    assert "backward pass:" in text and "inlined:" in text
    assert "each row of T sums to 1 (onehot)" in text


def test_softmax_cross_entropy_without_the_assumption_is_general():
    d = derived(MLP.replace("T: onehot(m, c)\n", ""), wrt="Z2")
    assert named(d)["Z2"] != "P − T"
    assert "𝟏𝟏ᵀ" in named(d)["Z2"] or "𝟏 𝟏ᵀ" in named(d)["Z2"]


def test_prob_rows_also_gives_minus_t_minus_p():
    d = derived("T: prob_rows(m, c)\nP = softmax(Z)\nL = cross_entropy(T, P)", wrt="Z")
    assert named(d)["Z"] == "−(T − P)"   # diag((T/P) Pᵀ) = 𝟏 as rows of T sum to 1


def test_softmax_proof_shows_the_seed_form():
    # seed 001 eq. 27: Σ_l ∂L/∂b_il b_ij (δ_jl − b_il), the sum split, the transposes,
    # then B ∘ (G Eᵀ − diag(G Bᵀ)) and B ∘ (G − diag(G Bᵀ)), diag(·) a column broadcast
    d = derived("P = softmax(Z)", wrt="Z")
    lines = [line.strip() for line in d.text().splitlines()]
    keys = [s.reason.key for s in d.gradient.steps]
    assert keys[-5:] == ["known_derivative", "split_sum", "transpose", "row_sums_diag",
                         "identity_matrix"]
    assert "= Σ_l ∂L/∂p_il · p_ij (δ_jl − p_il)" in lines
    assert "= p_ij (Σ_l ∂L/∂p_il · δ_jl − Σ_l ∂L/∂p_il · p_il)" in lines
    assert any(line.startswith("= P ∘ (∂L/∂P Iᵀ − diag(∂L/∂P Pᵀ))") for line in lines)
    assert result_line(d.text()) == "∂L/∂Z = P ∘ (∂L/∂P − diag(∂L/∂P Pᵀ))"
    # numpy: the row sums of ∂L/∂P ∘ P, not the m × m product ∂L/∂P Pᵀ
    assert d.numpy == "P * (dP - (dP * P).sum(axis=1, keepdims=True))"


def test_softmax_by_the_quotient_rule_with_steps_delta():
    # today's route stays: the quotient rule, deltas, collapses, the ones vector
    d = derived("P = softmax(Z)", wrt="Z", steps="delta")
    keys = [s.reason.key for s in d.gradient.steps]
    assert "known_derivative" not in keys and "row_sums_diag" not in keys
    assert result_line(d.text()) == "∂L/∂Z = P ∘ (∂L/∂P − (∂L/∂P ∘ P) 𝟏𝟏ᵀ)"


def test_softmax_of_a_product_keeps_the_general_route():
    # the known form is softmax's by its own argument; through Z = X W it is not used
    d = derived("P = softmax(X @ W)", wrt="W")
    assert "known_derivative" not in [s.reason.key for s in d.gradient.steps]


def test_fan_out_adds_the_paths():
    # seed 001 eq. 12: B = A; C = A; D = B ∘ C
    d = derived("B = A\nC = A\nD = B * C", wrt="A")
    assert named(d)["A"] == "∂L/∂B + ∂L/∂C"
    assert d.gradient.steps[0].reason.key == "fan_out"
    assert d.gradient.steps[0].reason.params["names"] == ["B", "C"]
    assert "∵ only the terms k = i, l = j, p = i, q = j remain" in d.text()
    assert d.numpy == "dD * C + dD * B"


def test_seed_002_outer_product_with_a_renamed_loss():
    # u' = Wᵀu: the seed's last formula (uᵀG) is wrong; the gradient is u (∂J/∂u')ᵀ
    d = derived("u: (n,)\nu2 = W.T @ u", wrt="W", loss="J")
    assert result_line(d.text()) == "∂J/∂W = u (∂J/∂u2)ᵀ"
    assert d.numpy == "np.outer(u, du2)"


def test_cs231n_add_multiply():
    d = derived("x: (); y: (); z: ()\nq = x + y\nf = q * z")
    values = d.evaluate({"x": -2, "y": 5, "z": -4})
    assert {k: float(v) for k, v in values.items()} == {"x": -4.0, "y": -4.0, "z": 3.0}
    assert named(d)["q"] == "z"


def test_cs231n_sigmoid_neuron():
    d = derived("w0: (); w1: (); w2: (); x0: (); x1: ()\n"
                "dot = w0*x0 + w1*x1 + w2\nf = sigmoid(dot)")
    values = d.evaluate({"w0": 2, "w1": -3, "w2": -3, "x0": -1, "x1": -2})
    rounded = {k: round(float(v), 2) for k, v in values.items()}
    assert rounded == {"w0": -0.2, "x0": 0.39, "w1": -0.39, "x1": -0.59, "w2": 0.2}
    assert named(d)["dot"] == "f (1 − f)"


STAGED = """x: (); y: ()
sigy = sigmoid(y)
num = x + sigy
sigx = sigmoid(x)
xpy = x + y
xpysqr = xpy ** 2
den = sigx + xpysqr
invden = 1 / den
f = num * invden
"""


def test_cs231n_staged_with_fan_out():
    d = derived(STAGED)
    forms = named(d)
    # x feeds num, sigx and xpy; y feeds sigy and xpy: "dx += ..." in the seed
    assert [s.reason.key for s in d["x"].steps][0] == "fan_out"
    assert d["x"].consumers == ["num", "sigx", "xpy"]
    assert forms["xpy"] == "2 xpy ∂f/∂den"
    x, y = 3.0, -4.0
    def sig(t):
        return 1 / (1 + np.exp(-t))

    def f(x, y):
        return (x + sig(y)) / (sig(x) + (x + y) ** 2)
    h = 1e-6
    values = d.evaluate({"x": x, "y": y})
    assert float(values["x"]) == pytest.approx((f(x + h, y) - f(x - h, y)) / (2 * h), rel=1e-6)
    assert float(values["y"]) == pytest.approx((f(x, y + h) - f(x, y - h)) / (2 * h), rel=1e-6)


def test_wrt_all_intermediates_and_loss_name():
    d = derived("C = A @ B\nD = sigmoid(C)", wrt=["C", "A"], loss="J")
    assert list(d.gradients) == ["C", "A"]
    assert named(d)["C"] == "∂J/∂D ∘ D ∘ (1 − D)"
    assert list(derive(MLP).gradients) == ["X", "W", "b", "W2", "b2", "T"]


def test_name_with_no_influence_has_a_zero_gradient():
    # (C, which nothing reads, is an output too since issue 21: B influences it)
    d = derive("E: (m, n)\nD = A * 2", wrt=["E", "A"])
    assert d["E"].zero and not d["A"].zero
    assert "does not influence the output" in d.text()


def test_an_unread_result_is_an_output_not_dropped():
    # issue 21 point 4: C = A @ B is read by nothing, so it is an output beside D
    d = derive("C = A @ B\nD = A * 2", wrt=["B", "A"])
    assert d.outputs == ("C", "D")
    assert not d["B"].zero
    assert d.numpy_of("B") == "A.T @ dC" and d.numpy_of("A") == "2 * dD + dC @ B.T"


@pytest.mark.parametrize("program, wrt", [
    ("Y = log_softmax(Z)", "Z"),
    ("T: onehot(m, c)\nL = -sum(T * log_softmax(Z))", "Z"),
    ("l = mse(Y, T)", "Y"),
    ("s = mean(X)", "X"),
    ("s = mean(X, axis=0)", "X"),
    ("x: (n,)\nT: onehot(n)\nL = cross_entropy(T, softmax(x))", "x"),
    ("Y = softmax(A @ B)", "B"),
    ("Y = softmax(A.T)", "A"),
])
def test_more_functions_verify(program, wrt):
    derived(program, wrt=wrt)


def test_cli_wrt_list_inline_and_json():
    runner = CliRunner()
    out = runner.invoke(cli, ["derive", MLP, "--wrt", "W,b2", "--inline"]).output
    assert "inlined:" in out and "dW  = X.T @ dZ" in out and "dZ  = dH * H * (1 - H)" in out
    data = json.loads(runner.invoke(cli, ["derive", MLP, "--wrt", "W", "-f", "json"]).output)
    assert [g["wrt"] for g in data["gradients"]] == ["W"]
    assert [g["wrt"] for g in data["intermediates"]] == ["P", "Z2", "H", "Z"]
    assert data["gradients"][0]["numpy"] == "X.T @ (H * ((P - T) @ W2.T) * (1 - H))"
    assert data["backward_numpy"] == ["dH = (P - T) @ W2.T", "dZ = dH * H * (1 - H)",
                                      "dW = X.T @ dZ"]
    assert data["loss"] == "L"


def test_numpy_backward_pass_has_one_statement_per_needed_gradient():
    """Seed 001's backward pass as code: each named gradient once, in the order it runs
    (verified statement by statement against finite differences by the conftest hook)."""
    d = derived(MLP, wrt=["W", "b2"])
    assert d.backward_numpy.splitlines() == [
        "dH = (P - T) @ W2.T", "dZ = dH * H * (1 - H)", "dW = X.T @ dZ",
        "db2 = (P - T).sum(axis=0)"]
    # a scalar intermediate's gradient is a number: ds
    d = derived("x: (n,)\ns = sum(exp(x))\nt = log(s) * s", wrt="x")
    assert d.backward_numpy.splitlines()[-1].startswith("dx = ")
    # a program that names dZ itself keeps the inlined code
    d = derived("X: (m, n)\ndZ: (m, n)\nZ = X * dZ\nL = sum(tanh(Z))", wrt="X")
    assert d.backward_numpy is None and "numpy:\ndX = " in d.text()  # pasteable: no indent


@pytest.mark.unverified
def test_verify_fails_on_a_wrong_backward_pass_statement(monkeypatch):
    import matcalc.codegen.backward as render
    from matcalc import verify
    real = render.backward_code

    def tampered(d):
        return [(name, f"2 * ({code})" if name == "Z" else code) for name, code in real(d)]

    monkeypatch.setattr(render, "backward_code", tampered)
    report = verify(derive(MLP, wrt=["W"], check=False))
    checks = {c.wrt: c for c in report.checks}
    assert not report.ok and checks["Z"].backward_error > 1e-3 and checks["W"].backward_error > 1e-3
    assert "numpy backward pass" in checks["W"].line(report.trials)


@pytest.mark.parametrize("program, wrt", [
    # a statement reading both x and a result computed from x (partials hold others fixed)
    ("x: (); y: ()\na = x + y\nf = a * x", "x"),
    ("X: (m, n)\nA = X * X\nF = A * X", "X"),
    ("X: (m, n)\nmu = mean(X, axis=0)\nC = X - mu", "X"),
    ("S = softmax(X)\nY = S * X", "X"),
    ("x: (n,)\nW: (n, n)\nh1 = tanh(x @ W)\nh2 = tanh(h1 @ W)\nh3 = tanh(h2 @ W)\n"
     "L = sum(h3)", "W"),
    # residual connection with relu (random inputs keep away from the kink)
    ("X: (m, n)\nW: (n, n)\nH1 = relu(X @ W)\nH2 = H1 + relu(H1 @ W)\n"
     "H3 = H2 + relu(H2 @ W)\nL = sum(H3)", "W"),
    # nested softmax: its inner sums get their own index
    ("X: (m, n)\nY = softmax(log_softmax(X))", "X"),
    ("X: (m, n)\nZ = softmax(softmax(X))", "X"),
    ("X: (m, n)\nY = log_softmax(softmax(X))", "X"),
    ("Y = softmax(softmax(X) @ X.T)", "X"),
    # softmax straight onto a product, attention, and biases inside softmax
    ("X: (m, n)\nW: (n, c)\nT: onehot(m, c)\nP = softmax(X @ W)\nL = cross_entropy(T, P)",
     "W"),
    ("S = softmax(Q @ K.T)\nO = S @ V", "K"),
    ("b: (n,)\nY = softmax(X @ W + b)", "b"),
    ("X: (m, n)\nb: (n,)\nY = log_softmax(X + b)", "b"),
    # 1-D vectors against columns in numpy code
    ("X: (m, n)\ns: (n,)\nN = X / s", "s"),
    ("X: (m, n)\ns = sum(X, axis=0)\nN = X * s", "X"),
    ("X: (m, n)\nP: (m, n)\nL = cross_entropy(softmax(X), P)", "X"),
])
def test_review_cases_verify(program, wrt):
    d = derived(program, wrt=wrt)
    assert d.gradient.inlined is not None


def test_the_benchmark_programs_derive_and_verify():
    """benchmarks/run.py times these; here they are checked (by the conftest hook)."""
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    try:
        from programs import chain, mlp, wanted
    finally:
        sys.path.pop(0)
    d = derived(mlp(3), wrt=wanted(3))
    assert d.backward_numpy.splitlines()[0] == "dH2 = (P - T) @ W3.T"
    program, middle = chain(5)
    d = derived(program, wrt=middle)
    assert result_line(d.text()) == "∂L/∂A3 = A2ᵀ A1ᵀ ∂L/∂Y A5ᵀ A4ᵀ"
    assert [s.reason.key for s in d.steps][-2:] == ["transpose", "matrix_product"]


@pytest.mark.parametrize("f", ["exp", "sigmoid", "tanh"])
def test_a_definition_never_folds_onto_an_index_that_is_summed(f):
    # exp(Σ_q x_qq v_q) is z, not y_q: the fold must not capture the bound q (found in
    # review: once a silently wrong ∂L/∂X, or a crash for sigmoid and tanh)
    program = f"X: (n, n)\nv: (n,)\nz = {f}(diag(X) @ v)\nY = {f}(X @ v)\nL = z + sum(Y)"
    d = derived(program, wrt="X")
    assert "z" in result_line(d.text())


def test_definitions_fold_up_to_the_names_of_their_sums():
    # H2 = σ(H1 W2): its inner sum is named differently in the forward definition and in
    # the rule for W2, and still folds (∂L/∂W2 = H1ᵀ (H2 ∘ (1 − H2)))
    d = derived("X: (m, n)\nW1: (n, h)\nW2: (h, c)\nH1 = sigmoid(X @ W1)\n"
                "H2 = sigmoid(H1 @ W2)\nL = sum(H2)", wrt=["W2", "W1"])
    assert named(d)["W2"] == "H1ᵀ (H2 ∘ (1 − H2))"


def residual(blocks: int) -> str:
    lines = ["X: (m, d)"] + [f"W{i}: (d, d)" for i in range(blocks)]
    h = "X"
    for i in range(blocks):
        lines.append(f"H{i} = {h} + tanh({h} @ W{i})")
        h = f"H{i}"
    return "\n".join([*lines, f"L = sum({h} * {h})"])


def test_shared_gradients_are_bound_once_in_the_one_expression():
    # H = H + tanh(H @ W): each dH is read twice; inlined, the numpy doubled in size with
    # every block (16 blocks in JSON: 77 s, 18.6 MB). Bound once, (dH := …), it is linear
    # (benchmarks/run.py times the 16 blocks; here the growth from 3 to 6 to 12).
    import json
    sizes = []
    for blocks in (3, 6, 12):
        d = derive(residual(blocks), wrt="W0")
        code = json.loads(d.json())["gradients"][0]["numpy"]
        assert "(dH1 := " in code and code.count("dH1 :=") == 1
        sizes.append(len(code))
    assert sizes[2] < 2.5 * sizes[1] < 6.25 * sizes[0]


def test_a_long_chain_renders_as_json():
    # 99 statements: once "nested too deeply" in JSON
    import json
    program = "X: (n, n)\nY1 = tanh(X)\n" + "\n".join(f"Y{i + 1} = tanh(Y{i})"
                                                       for i in range(1, 99))
    data = json.loads(derive(program, wrt="X").json())
    assert data["gradients"][0]["numpy"] and data["verified"]


def test_numpy_is_never_null_for_a_gradient_without_a_matrix_form():
    # issue 11's example: ∂L/∂P had no matrix form (tanh of a δ-sum; δ inside a function
    # now reads as I, so it has one); numpy for its index form alone is written by
    # broadcasting over the indices, and it equals the matrix form's numpy
    import dataclasses
    import json

    import numpy as np

    from matcalc.check.numeric import random_instance
    from matcalc.codegen.backward import numpy_code
    program = ("D: (p, n)\nb: (n,)\ne = cos(b)\nP = D @ e\nh = sum(b - P @ P)\n"
               "F2 = tanh(P - h - diag(P))")
    d = derive(program, wrt=["b", "D"])
    data = json.loads(d.json())
    assert all(g["numpy"] for g in data["gradients"]) and data["backward_numpy"]
    grad = d.all_gradients["P"]
    bare = dataclasses.replace(grad, result=None, inlined=None, no_matrix_form="(test)")
    code = numpy_code(d, bare, named=True)
    assert code is not None
    instance = random_instance(d.program, d.shapes, d.output, seed=3)
    names = {"np": np, **instance.values, "dF2": instance.upstream, "dh": 0.7}
    matrix = eval(numpy_code(d, grad, named=True), names)
    np.testing.assert_allclose(eval(code, names), matrix, rtol=1e-9, atol=1e-12)


def test_repeated_squaring_stays_small():
    # 16 statements H = H @ H: once 79 s (the inlined numpy repeated every shared piece)
    import json
    program = "H0: (n, n)\n" + "\n".join(f"H{i + 1} = H{i} @ H{i}" for i in range(16))
    data = json.loads(derive(program, wrt="H0").json())
    assert len(data["gradients"][0]["numpy"]) < 5000 and data["verified"]


def test_softmax_cross_entropy_at_the_matrix_level_as_seed_001_eqs_31_32():
    # −Y/B put into B ∘ (∂L/∂B − diag(∂L/∂B Bᵀ)), then B ∘ Y/B = Y and diag((Y/B) Bᵀ) = 𝟏
    d = derived("Y: onehot(m, n)\nB = softmax(A)\nL = cross_entropy(Y, B)", wrt="A")
    keys = [s.reason.key for s in d.gradient.steps]
    assert keys[-5:] == ["substitute", "distribute", "hadamard_cancel", "assumption",
                         "hadamard_ones"]
    lines = [line.strip() for line in d.text().splitlines()]
    assert any(line.startswith("= −(Y − B ∘ 𝟏)") for line in lines)
    assert named(d)["A"] == "−(Y − B)"
    assert "dA = -(Y - B)" in lines
