"""Issue 22's catalogue — tensors of any order — as tests, ahead of the work.

Each case is a program as a user would write it, its forward pass in plain numpy, and the
textbook formula of each gradient (the ones the blog posts reach: a batched product's
dC @ Bᵀ per batch, a shared weight's sum over the batch, the convolution's flipped kernel).
Two kinds of test:

- ``test_the_textbook_formula_is_right``: each formula against central differences of the
  numpy forward pass, here and now. The catalogue's own numbers are checked, so a wrong
  formula cannot hide behind the xfails below.
- ``test_matcalc_derives_it``: matcalc derives the program, verifies it, and its numpy
  (as printed) equals the formula at random inputs; where the form is the point, the form
  is asserted too. Strict xfails until issue 22 lands: each starts passing with the work
  and must then lose its mark.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pytest

from matcalc import derive

swv = np.lib.stride_tricks.sliding_window_view


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _windows(x, size, stride=1, padding=0):
    """(b, c, H, W) → (b, c, oh, ow, kh, kw): the patches a kernel of ``size`` meets."""
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    return swv(x, size, axis=(2, 3))[:, :, ::stride, ::stride]


def _conv2d(x, k, stride=1, padding=0):
    """Cross-correlation as deep-learning libraries define it: y_boyx = Σ_chw x k."""
    return np.einsum("bcyxhw,ochw->boyx", _windows(x, k.shape[2:], stride, padding), k)


def _conv2d_dx(dy, k, x_shape, stride=1, padding=0):
    """∂L/∂X: the full convolution of ∂L/∂Y (dilated by the stride) with the flipped
    kernel, cropped by the padding."""
    b, o, oh, ow = dy.shape
    kh, kw = k.shape[2:]
    dilated = np.zeros((b, o, (oh - 1) * stride + 1, (ow - 1) * stride + 1))
    dilated[:, :, ::stride, ::stride] = dy
    grown = np.pad(dilated, ((0, 0), (0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1)))
    full = np.einsum("boyxhw,ochw->bcyx", swv(grown, (kh, kw), axis=(2, 3)),
                     k[:, :, ::-1, ::-1])
    h, w = x_shape[2] + 2 * padding, x_shape[3] + 2 * padding
    grown = np.zeros((b, k.shape[1], h, w))
    grown[:, :, :full.shape[2], :full.shape[3]] = full[:, :, :h, :w]
    return grown[:, :, padding:h - padding, padding:w - padding]


@dataclass
class Case:
    name: str
    program: str
    sizes: dict[str, tuple]                  # the inputs' concrete shapes
    forward: object                          # numpy: inputs → the output
    formulas: dict[str, object]              # wrt → (inputs, dOut) → gradient
    forms: dict[str, str] = field(default_factory=dict)  # wrt → in matcalc's numpy
    lengths: dict[str, int] = field(default_factory=dict)  # a length no input has (h)


HEADS = 2  # h of the attention cases: a length no input's shape has, given with the values
MHA = """X: (b, t, d)
Wq: (d, d)
Wk: (d, d)
Wv: (d, d)
Wo: (d, d)
M: (t, t)
Q = (X @ Wq).reshape(b, t, h, k).transpose(0, 2, 1, 3)
K = (X @ Wk).reshape(b, t, h, k).transpose(0, 2, 1, 3)
V = (X @ Wv).reshape(b, t, h, k).transpose(0, 2, 1, 3)
S = Q @ K.swapaxes(-1, -2) / sqrt(k) + M
P = softmax(S, axis=-1)
O = (P @ V).transpose(0, 2, 1, 3).reshape(b, t, d)
Y = O @ Wo"""


def _heads(Z, h=HEADS):
    """(b, t, d) → (b, h, t, k): the heads split off the last axis and moved forward."""
    b, t, d = Z.shape
    return Z.reshape(b, t, h, d // h).transpose(0, 2, 1, 3)


def _merged(Z):
    """(b, h, t, k) → (b, t, h·k): the heads back side by side."""
    b, h, t, k = Z.shape
    return Z.transpose(0, 2, 1, 3).reshape(b, t, h * k)


def _attention(X, Wq, Wk, Wv, Wo, M):
    Q, K, V = _heads(X @ Wq), _heads(X @ Wk), _heads(X @ Wv)
    P = _softmax(Q @ K.swapaxes(-1, -2) / np.sqrt(Q.shape[-1]) + M)
    return _merged(P @ V) @ Wo


def _attention_grads(X, Wq, Wk, Wv, Wo, M, d):
    """The backward pass the blog posts write: dO = dY Woᵀ split into heads, dP = dO Vᵀ,
    dV = Pᵀ dO, dS = P ∘ (dP − rowsum(P ∘ dP)), dQ = dS K/√k, dK = dSᵀ Q/√k, each merged
    back and multiplied by Xᵀ (summed over the batch: the weights are shared)."""
    Q, K, V = _heads(X @ Wq), _heads(X @ Wk), _heads(X @ Wv)
    k = Q.shape[-1]
    P = _softmax(Q @ K.swapaxes(-1, -2) / np.sqrt(k) + M)
    O = _merged(P @ V)
    dO = _heads(d @ Wo.T)
    dP, dV = dO @ V.swapaxes(-1, -2), P.swapaxes(-1, -2) @ dO
    dS = P * (dP - (P * dP).sum(-1, keepdims=True))
    dQ, dK = dS @ K / np.sqrt(k), dS.swapaxes(-1, -2) @ Q / np.sqrt(k)
    def shared(dZ):  # a weight the whole batch uses: Σ over b and t
        return np.einsum("btd,bte->de", X, _merged(dZ))
    return {"Wq": shared(dQ), "Wk": shared(dK), "Wv": shared(dV),
            "Wo": np.einsum("btd,bte->de", O, d),
            "X": _merged(dQ) @ Wq.T + _merged(dK) @ Wk.T + _merged(dV) @ Wv.T}


CASES = [
    Case("batched matmul", "A: (b, m, n)\nB: (b, n, p)\nC = A @ B",
         {"A": (2, 3, 4), "B": (2, 4, 5)}, lambda A, B: A @ B,
         {"A": lambda A, B, d: d @ B.swapaxes(-1, -2),
          "B": lambda A, B, d: A.swapaxes(-1, -2) @ d}),
    Case("batched matmul, shared B", "A: (b, m, n)\nB: (n, p)\nC = A @ B",
         {"A": (2, 3, 4), "B": (4, 5)}, lambda A, B: A @ B,
         {"A": lambda A, B, d: d @ B.T,
          "B": lambda A, B, d: (A.swapaxes(-1, -2) @ d).sum(axis=0)},
         forms={"B": "sum(axis=0)"}),
    Case("dense layer on (b, t, d)", "X: (b, t, d)\nW: (d, e)\nc: (e,)\nY = X @ W + c",
         {"X": (2, 3, 4), "W": (4, 5), "c": (5,)}, lambda X, W, c: X @ W + c,
         {"W": lambda X, W, c, d: np.einsum("btd,bte->de", X, d),
          "c": lambda X, W, c, d: d.sum(axis=(0, 1)),
          "X": lambda X, W, c, d: d @ W.T}),
    Case("einsum bhtk,bhsk->bhts",
         'Q: (b, h, t, k)\nK: (b, h, s, k)\nS = einsum("bhtk,bhsk->bhts", Q, K)',
         {"Q": (2, 2, 3, 4), "K": (2, 2, 5, 4)},
         lambda Q, K: np.einsum("bhtk,bhsk->bhts", Q, K),
         {"Q": lambda Q, K, d: np.einsum("bhts,bhsk->bhtk", d, K),
          "K": lambda Q, K, d: np.einsum("bhts,bhtk->bhsk", d, Q)}),
    Case("layer norm over the last axis",
         "X: (b, t, d)\nmu = mean(X, axis=-1, keepdims=True)\nXc = X - mu\n"
         "v = mean(Xc ** 2, axis=-1, keepdims=True)\nY = Xc / sqrt(v + 0.001)",
         {"X": (2, 3, 5)},
         lambda X: (X - X.mean(-1, keepdims=True)) /
         np.sqrt(((X - X.mean(-1, keepdims=True)) ** 2).mean(-1, keepdims=True) + 0.001),
         {"X": lambda X, d: _layer_norm_dx(X, d)}),
    Case("cross-entropy over (b, t, V) logits",
         "Z: (b, t, V)\nT: (b, t, V)\nP = softmax(Z, axis=-1)\nL = -sum(T * log(P))",
         {"Z": (2, 3, 4), "T": (2, 3, 4)},
         lambda Z, T: -np.sum(T * np.log(_softmax(Z))),
         {"Z": lambda Z, T, d: d * (_softmax(Z) * T.sum(-1, keepdims=True) - T)}),
    Case("global average pooling", "X: (b, c, h, w)\nY = mean(X, axis=(2, 3))",
         {"X": (2, 3, 4, 5)}, lambda X: X.mean(axis=(2, 3)),
         {"X": lambda X, d: np.broadcast_to(d[:, :, None, None], X.shape) /
          (X.shape[2] * X.shape[3])}),
    Case("multi-head self-attention, heads by reshape", MHA,
         {"X": (2, 3, 4), "Wq": (4, 4), "Wk": (4, 4), "Wv": (4, 4), "Wo": (4, 4),
          "M": (3, 3)}, _attention,
         {w: (lambda X, Wq, Wk, Wv, Wo, M, d, w=w:
              _attention_grads(X, Wq, Wk, Wv, Wo, M, d)[w])
          for w in ("Wq", "Wk", "Wv", "Wo", "X")},
         forms={"Wq": ".transpose(0, 2, 1, 3).reshape("}, lengths={"h": HEADS}),
    Case("conv2d, 3×3, stride 1, padding 1", "X: (b, c, h, w)\nK: (o, c, 3, 3)\n"
         "Y = conv2d(X, K, padding=1)", {"X": (2, 2, 5, 6), "K": (3, 2, 3, 3)},
         lambda X, K: _conv2d(X, K, 1, 1),
         {"K": lambda X, K, d: np.einsum("bcyxhw,boyx->ochw", _windows(X, (3, 3), 1, 1), d),
          "X": lambda X, K, d: _conv2d_dx(d, K, X.shape, 1, 1)},
         forms={"X": "::-1"}),
    Case("conv2d, 3×3, stride 2, padding 1", "X: (b, c, h, w)\nK: (o, c, 3, 3)\n"
         "Y = conv2d(X, K, stride=2, padding=1)", {"X": (2, 2, 7, 7), "K": (3, 2, 3, 3)},
         lambda X, K: _conv2d(X, K, 2, 1),
         {"K": lambda X, K, d: np.einsum("bcyxhw,boyx->ochw", _windows(X, (3, 3), 2, 1), d),
          "X": lambda X, K, d: _conv2d_dx(d, K, X.shape, 2, 1)}),
    Case("conv1d with channels", "x: (b, c, n)\nw: (o, c, r)\ny = conv1d(x, w)",
         {"x": (2, 3, 8), "w": (4, 3, 3)},
         lambda x, w: np.einsum("bcnr,ocr->bon", swv(x, 3, axis=-1), w),
         {"w": lambda x, w, d: np.einsum("bcnr,bon->ocr", swv(x, 3, axis=-1), d),
          "x": lambda x, w, d: _conv2d_dx(d[:, :, None, :], w[:, :, None, :],
                                          x[:, :, None, :].shape)[:, :, 0, :]}),
]


def _layer_norm_dx(X, d, eps=0.001):
    """∂L/∂X of y = (x − μ)/σ over the last axis: (d − mean d − ŷ mean(d ŷ)) / σ."""
    xc = X - X.mean(-1, keepdims=True)
    sigma = np.sqrt((xc ** 2).mean(-1, keepdims=True) + eps)
    y = xc / sigma
    return (d - d.mean(-1, keepdims=True) - y * (d * y).mean(-1, keepdims=True)) / sigma


def _inputs(case: Case, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {n: rng.normal(size=s) for n, s in case.sizes.items()}


def _upstream(case: Case, inputs: dict, seed: int = 1) -> np.ndarray:
    out = np.asarray(case.forward(**inputs))
    return np.random.default_rng(seed).normal(size=out.shape) if out.ndim else np.array(1.0)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_textbook_formula_is_right(case):
    """Each formula of the catalogue against central differences of L = Σ dOut ∘ Out."""
    inputs, h = _inputs(case), 1e-6
    d = _upstream(case, inputs)
    for wrt, formula in case.formulas.items():
        found = np.asarray(formula(**inputs, d=d))
        x = inputs[wrt]
        numeric = np.zeros_like(x)
        for at in np.ndindex(x.shape):
            step = np.zeros_like(x)
            step[at] = h
            up = np.sum(d * case.forward(**{**inputs, wrt: x + step}))
            down = np.sum(d * case.forward(**{**inputs, wrt: x - step}))
            numeric[at] = (up - down) / (2 * h)
        assert np.allclose(found, numeric, atol=1e-6), (case.name, wrt)


# the cases matcalc does not derive yet (issue 22 is open): strict xfails, each to lose its
# mark when it starts passing
NOT_YET: set[str] = set()


@pytest.mark.parametrize("case", [
    pytest.param(c, marks=pytest.mark.xfail(strict=True, reason="issue 22: not derived yet"))
    if c.name in NOT_YET else c for c in CASES], ids=[c.name for c in CASES])
def test_matcalc_derives_it(case):
    d = derive(case.program, wrt=list(case.formulas))
    assert d.verified_on
    inputs = _inputs(case, 5)
    upstream = _upstream(case, inputs, 6)
    got = d.evaluate({**inputs, **case.lengths}, None if upstream.ndim == 0 else upstream)
    for wrt, formula in case.formulas.items():
        assert np.allclose(got[wrt], formula(**inputs, d=upstream), atol=1e-8), wrt
        if wrt in case.forms:
            assert case.forms[wrt] in d.numpy_of(wrt)


def test_the_readmes_tensor_transcripts_are_current():
    """The README's three tensor examples are matcalc's own output, as it prints them now."""
    import re
    from pathlib import Path

    from helpers import run_commands
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Tensors"):readme.index("### Functions")]
    blocks = re.findall(r"```\n\$ matcalc (.+?)\n(.*?)```", section, re.S)
    assert len(blocks) == 3
    import shlex
    outputs = run_commands([(shlex.split(command), None) for command, _ in blocks])
    for (command, shown), (code, out, *_) in zip(blocks, outputs):
        assert code == 0
        if shown.startswith("…\n"):  # an excerpt: the lines shown, in order, contiguous
            assert shown[2:].rstrip() in out, command
        else:
            assert shown.rstrip() == out.rstrip(), command


def test_a_jacobian_of_a_stack_keeps_its_index_form_and_says_its_order():
    """∂C/∂B for C = A @ B on a stack: 5 free indices (β, k, l of C; i, j of B), no matrix
    form, verified entry by entry; the output's leading index is primed beside the wrt's
    own (∂c_β′,k,l/∂a_β,i,j)."""
    from matcalc import jacobian
    d = jacobian("A: (b, m, n)\nB: (n, p)\nC = A @ B", wrt="B")
    assert d.verified_on and d.result is None and "order 5" in d.text()
    d = jacobian("A: (b, m, n)\nB: (n, p)\nC = A @ B", wrt="A")
    assert d.verified_on and "∂c_β′,k,l/∂a_β,i,j" in d.text()


@pytest.mark.parametrize(("program", "words"), [
    ("A: (b, m, n)\nC = A.T", "reverses all 3 axes"),
    ("A: (b, m, n)\nC = A.transpose(0, 2)", "does not permute the 3 axes"),
    ("A: (b, m, n)\nC = sum(A, axis=3)", "which has 3 axes"),
    ("A: (b, m, n)\nC = softmax(A, axis=0)", "runs along the last axis"),
    ("A: (b, m, n)\nB: (c, n, p)\nC = A @ B", "do not broadcast"),
    ("X: (b, t, d)\nY = X.reshape(b, d, t)", "merges two adjacent ones"),
    ("X: (b, t, 6)\nY = X.reshape(b, t, 4, 2)", "do not multiply out"),
    ("X: (b, t, d)\nY = X.reshape(b, -1, -1)", "one -1"),
    ("X: (b, t, d)\nY = X.reshape(b, t, h, k)\nZ = Y.reshape(b, t, h * k)", "one -1"),
    ("X: (b, c, h, w)\nK: (o, e, 3, 3)\nY = conv2d(X, K)", "the channels differ"),
    ("X: (b, c, h, w)\nK: (o, c, 3, 3)\nY = conv2d(exp(X), K, padding=1)", "give the input a"),
    ("x: (b, c, 2)\nw: (o, c, 5)\ny = conv1d(x, w)", "longer than the padded input"),
    ("X: (b, c, h, w)\nK: (o, c, 3, 3)\nY = conv2d(X, K, stride=0)", "at least 1"),
])
def test_tensor_misuse_is_one_line(program, words):
    from matcalc.errors import MatcalcError
    with pytest.raises(MatcalcError) as caught:
        derive(program)
    assert words in str(caught.value) and "\n" not in str(caught.value)


def test_no_two_dimensions_are_drawn_alike_in_every_instance():
    """A formula that reads one dimension's size for another's (h for e) must meet an
    instance where they differ: found by a review, with five dimensions the 2nd and 5th
    were drawn alike in all three instances, and a wrong --against formula passed."""
    from itertools import combinations

    from matcalc.check.numeric import dimension_size
    for count in range(2, 25):
        for seed in (0, 5):
            draws = [[dimension_size(k, seed + n) for k in range(count)] for n in range(3)]
            assert all(any(d[a] != d[b] for d in draws) for a, b in combinations(range(count), 2))
            assert all(len({d[k] for d in draws}) > 1 for k in range(count))
    d = derive("X: (b, h, t, d)\nW: (d, e)\nY = mean(X @ W, axis=1)", against={
        "X": "np.broadcast_to((dY @ W.T)[:, None], X.shape) / W.shape[1]"})
    assert not d.against["X"].equal


def test_a_retried_draw_keeps_its_sizes(monkeypatch):
    """The size patterns hold for the instances a check runs on, not only for the seeds:
    a draw retried (values too large) kept its values' seed for its sizes too, so the
    reshape transformer's third instance took the first one's sizes in one program and
    not in another, and exp(exp(exp(A @ B @ C))) was checked twice on the same sizes."""
    from itertools import combinations

    import matcalc.check.numeric as numeric
    from matcalc.language.parse import parse
    from matcalc.language.shapes import infer
    program = parse("A: (m, n)\nB: (n, p)\nC: (p, q)\nL = sum(exp(exp(exp(A @ B @ C))))")
    draws, inputs = [], numeric._inputs
    monkeypatch.setattr(numeric, "_inputs", lambda *a, **k: draws.append(a) or inputs(*a, **k))
    sizes = [i.dims for i in numeric.draw_instances(program, infer(program), "L", 3).instances]
    assert len(draws) > len(sizes) == 3  # a draw was retried
    names = list(sizes[0])
    assert all(len({s[n] for s in sizes}) > 1 for n in names)
    assert all(any(s[a] != s[b] for s in sizes) for a, b in combinations(names, 2))
    assert len({tuple(s.values()) for s in sizes}) == 3


def test_cross_entropy_with_one_hot_targets_over_a_stack_is_p_minus_t():
    """The textbook form on (b, t, v) logits as on a matrix: each row of a one-hot T sums
    to 1 along its last axis, so ∂L/∂Z_β = P_β − T_β (numpy P - T)."""
    d = derive("Z: (b, t, v)\nT: onehot(b, t, v)\nP = softmax(Z, axis=-1)\n"
               "L = -sum(T * log(P))", wrt="Z")
    assert "\n∂L/∂Z_β = P_β − T_β\n" in d.text() and d.verified_on
    assert d.numpy_of("Z").replace(" ", "") in ("P-T", "-T+P")


BLOCK = MHA.replace("Y = O @ Wo", """W1: (d, f)
W2: (f, d)
R = X + O @ Wo
mu = mean(R, axis=-1, keepdims=True)
Rc = R - mu
v = mean(Rc ** 2, axis=-1, keepdims=True)
N = Rc / sqrt(v + 0.001)
Y = N + relu(N @ W1) @ W2""")


def _block(X, Wq, Wk, Wv, Wo, M, W1, W2):
    """A post-norm transformer block in plain numpy, written apart from matcalc."""
    R = X + _attention(X, Wq, Wk, Wv, Wo, M)
    Rc = R - R.mean(-1, keepdims=True)
    N = Rc / np.sqrt((Rc ** 2).mean(-1, keepdims=True) + 0.001)
    return N + np.maximum(N @ W1, 0) @ W2


def test_a_transformer_block_with_heads_by_reshape_derives_every_weight():
    """The catalogue's full block on (b, t, d): attention with heads formed by reshape and
    transpose, a mask on the scores, residual, layer norm, a ReLU MLP. Every gradient
    matcalc prints (its numpy, run as printed) against central differences of the block
    written in plain numpy."""
    wrt = ["X", "Wq", "Wk", "Wv", "Wo", "W1", "W2"]
    d = derive(BLOCK, wrt=wrt)
    assert d.verified_on
    rng = np.random.default_rng(3)
    sizes = {"X": (2, 3, 4), "Wq": (4, 4), "Wk": (4, 4), "Wv": (4, 4), "Wo": (4, 4),
             "M": (3, 3), "W1": (4, 5), "W2": (5, 4)}
    inputs = {n: rng.normal(size=s) for n, s in sizes.items()}
    dY = rng.normal(size=(2, 3, 4))
    got = d.evaluate({**inputs, "h": HEADS}, dY)
    for name in wrt:
        x, h = inputs[name], 1e-6
        numeric = np.zeros_like(x)
        for at in np.ndindex(x.shape):
            step = np.zeros_like(x)
            step[at] = h
            up = np.sum(dY * _block(**{**inputs, name: x + step}))
            down = np.sum(dY * _block(**{**inputs, name: x - step}))
            numeric[at] = (up - down) / (2 * h)
        assert np.allclose(got[name], numeric, atol=1e-6), name
    assert ".transpose(0, 2, 1, 3).reshape(" in d.numpy_of("Wq")


def test_the_numpy_module_of_a_reshape_program_runs_its_own_check():
    """--format numpy of heads formed by reshape: forward takes the heads h (no input
    shows it), check() draws d = h·k and passes; --seed and --at take h with the values."""
    d = derive(MHA, wrt=["Wq", "X"])
    namespace: dict = {}
    exec(compile(d.show("numpy"), "mha_module", "exec"), namespace)
    assert namespace["LENGTHS"] == ("h",) and namespace["PRODUCTS"] == {"d": ("h", "k")}
    assert namespace["check"]() < 1e-6
    rng = np.random.default_rng(0)
    case = CASES_BY_NAME["multi-head self-attention, heads by reshape"]
    values = {n: rng.normal(size=s) for n, s in case.sizes.items()}
    dY = rng.normal(size=(2, 3, 4))
    shown = d.at({**values, "h": HEADS}, dY).values_at
    assert np.allclose(shown["gradients"]["Wq"], _attention_grads(**values, d=dY)["Wq"])


CASES_BY_NAME = {c.name: c for c in CASES}


def test_every_node_of_the_index_kernel_rebuilds_from_its_args():
    """sympy rebuilds a node as node.func(*node.args) in every xreplace and substitution.
    A view once stored its args in another order than its constructor took them, so a
    gradient put into a view came back with its shape read as its base (found by the
    fuzzer's reshapes): every node type of the kernel must survive the round trip."""
    from sympy import MatrixSymbol

    from matcalc.index.reshape import Div, Joint, Mod, make_view
    from matcalc.index.symbols import (
        BatchSum,
        Element,
        Index,
        Slice,
        TensorSymbol,
        TensorUpstream,
        UpstreamGrad,
        dim,
    )
    b, n, g, f = (dim(x) for x in "bngf")
    i, j, beta = Index("i"), Index("j"), Index("β")
    T, W = TensorSymbol("T", (b, n, n)), MatrixSymbol("W", n, n)
    split = (n, g, f)
    nodes = [T, TensorUpstream("Y", (b, n, n)), UpstreamGrad("C", n, n),
             Element(T, beta, i, j), Slice(T, (beta,)),
             BatchSum(Slice(T, (beta,)), (beta, 0, b - 1)),
             Joint(i, j, *split), Div(i, *split), Mod(i, *split),
             make_view(W, [("reshape", (f, g, n)), ("transpose", (1, 0, 2)),
                           ("reshape", (n, n))], [n, n]),
             make_view(T, [("transpose", (0, 2, 1))], [b, n, n])]
    for node in nodes:
        assert node.func(*node.args) == node, type(node).__name__


@pytest.mark.parametrize("program", [
    "x: (d,)\nL = trace(x.reshape(k, k))",                     # a diagonal ηk+η
    'X: (t, d)\nZ = einsum("tii->t", X.reshape(t, k, k))',
    "X: (t, d)\nY = X.reshape(-1, t, d)\nL = sum(Y ** 2)",     # an axis of length 1 added
    "T: (b, 1, n)\nW: (n, n)\nY = (T.reshape(-1, n) @ W).reshape(b, 1, n)",
    "X: (t, d)\nY = X.reshape(t, h, k)\nZ = Y.reshape(t, h, a, c)\nL = sum(Z ** 2)",
    "X: (t, 6)\nY = X.reshape(t, 3, -1)\nL = sum(Y ** 2)",
    "X: (t, h, k)\nZ = X.reshape(t, d).reshape(t, k, h)",
    # a length-1 axis added where its neighbour is split elsewhere (the fuzzer, seed 24)
    "T: (b, 1, n)\nS: (n, n)\nh0 = sum(T.reshape(b, 1, g, f) * 2)\n"
    "h1 = (T.reshape(-1, n) @ S).reshape(b, 1, n)",
])
def test_reshapes_a_review_found_derive_and_verify(program):
    """Each crashed, or was refused or caught as wrong though numpy runs it (review of the
    reshape change): a diagonal of a square reshape, a length-1 axis added or merged,
    a split inside a split, a -1 beside a number, a transpose through a merge."""
    d = derive(program, wrt="all")
    assert d.verified_on


def test_reshape_index_maps_bracket_their_compound_arguments():
    d = derive("X: (t, h, k)\nZ = X.reshape(t, d).reshape(t, k, h)", wrt="X")
    assert "⌊(" in d.text() and ") mod k" in d.text()  # ⌊(κh+η)/k⌋, not ⌊κh+η/k⌋


@pytest.mark.parametrize(("value", "words"), [
    ("h=4", "h=4 does not divide d=6"), ("h=0", "give a positive integer"),
    ("h=2.5", "give a positive integer"), ("h=3,k=3", "d = h·k, but d=6")])
def test_a_length_given_with_the_values_is_checked(value, words):
    from matcalc.errors import UsageError
    from matcalc.language.values import parse_values
    d = derive("X: (t, d)\nY = X.reshape(t, h, k)\nL = sum(Y ** 2)", wrt="X")
    with pytest.raises(UsageError) as caught:
        d.at(parse_values(f"X=[[1, 2, 3, 4, 5, 6]],{value}"))
    assert words in str(caught.value) and "\n" not in str(caught.value)


def test_a_second_split_of_one_axis_must_be_the_same():
    from matcalc.errors import ShapeError
    with pytest.raises(ShapeError, match="split it the same way"):
        derive("X: (t, d)\nY = X.reshape(t, h, k)\nZ = X.reshape(t, a, c)")


def test_a_trace_over_a_stack_prints_one_trace_per_slice():
    """np.trace of a stack traces its first two axes, not each slice's: the fuzzer's
    sum((T @ U) * T) * W was caught by the check (numpy of the wrong shape); a trace of a
    stacked product is np.trace(…, axis1=-2, axis2=-1), one per slice."""
    d = derive("T: (b, m, n)\nU: (b, n, n)\nW: (n, n)\nY = sum((T @ U) * T) * W", wrt="W")
    assert d.verified_on and "axis1=-2, axis2=-1" in d.numpy_of("W")


def test_the_gradient_of_a_kernel_is_a_correlation_and_of_the_input_a_flipped_one():
    """The blogs' two forms: ∂L/∂K correlates X with ∂L/∂Y (windows of X, taps as they
    are), ∂L/∂X runs ∂L/∂Y through the flipped kernel (the taps reversed, ::-1); both by
    sliding windows and einsum, and verified."""
    d = derive("X: (b, c, h, w)\nK: (o, c, 3, 3)\nY = conv2d(X, K, padding=1)",
               wrt=["X", "K"])
    assert d.verified_on
    assert "sliding_window_view(np.pad(X" in d.numpy_of("K") and "::-1" not in d.numpy_of("K")
    assert "sliding_window_view(np.pad(dY" in d.numpy_of("X") and "::-1" in d.numpy_of("X")
    assert "only the terms" in d.text()  # the shifted δ collapses, said as any other
    assert "the correlation of X with ∂L/∂Y" in " ".join(d.text().split())
    assert "the full convolution of ∂L/∂Y with the flipped K" in " ".join(d.text().split())


def test_a_jacobian_through_a_padded_convolution_of_an_intermediate_is_refused():
    """Inlined, an intermediate's entry past the edge would read f(0), not the padding's 0."""
    from matcalc import jacobian
    from matcalc.errors import UnsupportedError
    with pytest.raises(UnsupportedError, match="with padding of the intermediate Z"):
        jacobian("x: (1, 1, n)\nw: (1, 1, 3)\nZ = exp(x)\ny = conv1d(Z, w, padding=1)", "x")


def _full_convolution(dy, w, n, stride, dilation, padding):
    """The blogs' ∂L/∂x of conv1d: ∂L/∂y spread out by the stride (stride − 1 zeros
    between its entries), fully convolved (np.convolve) with each kernel row whose taps
    stand ``dilation`` apart, cropped by the padding."""
    b, o, length = dy.shape
    spread = np.zeros((b, o, (length - 1) * stride + 1))
    spread[:, :, ::stride] = dy
    taps = np.zeros((*w.shape[:2], (w.shape[2] - 1) * dilation + 1))
    taps[:, :, ::dilation] = w
    grown = np.zeros((b, w.shape[1], n + 2 * padding + taps.shape[2]))
    for i, k, c in np.ndindex(b, o, w.shape[1]):
        full = np.convolve(spread[i, k], taps[k, c])
        grown[i, c, :len(full)] += full
    return grown[:, :, padding:padding + n]


def _correlation(x, dy, taps, stride, dilation, padding):
    """The blogs' ∂L/∂w of conv1d: the correlation (np.correlate) of the padded x with
    ∂L/∂y spread out by the stride, read at lags ``dilation`` apart."""
    b, o, length = dy.shape
    spread = np.zeros((b, o, (length - 1) * stride + 1))
    spread[:, :, ::stride] = dy
    padded = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    out = np.zeros((o, x.shape[1], taps))
    for i, k, c in np.ndindex(b, o, x.shape[1]):
        out[k, c] += np.correlate(padded[i, c], spread[i, k], "valid")[::dilation][:taps]
    return out


@pytest.mark.parametrize("stride,padding,dilation", [
    (1, 0, 1), (2, 0, 1), (1, 0, 2), (2, 0, 2), (3, 1, 1), (2, 1, 2), (3, 2, 2), (2, 2, 3)])
def test_a_convolutions_gradients_are_the_forms_they_are_named(stride, padding, dilation):
    """Each convolution's gradient has numpy, is verified, and is named: ∂L/∂x the full
    convolution of ∂L/∂y (spread out by the stride) with the flipped kernel (taps spread
    by the dilation), ∂L/∂w the correlation of x with ∂L/∂y. The name is checked by what it
    claims: the textbook operation built from the name's own stride and dilation
    (np.convolve, np.correlate) equals matcalc's numpy. Stride and dilation both 2 left a
    δ_{j,2l+2q} that had no numpy, and named nothing."""
    from matcalc.check.numeric import eval_numpy
    d = derive(f"x: (b, c, n)\nw: (o, c, 3)\ny = conv1d(x, w, stride={stride}, "
               f"padding={padding}, dilation={dilation})", wrt=["x", "w"])
    assert d.verified_on
    forms = {name: d.gradients[name].form for name in ("x", "w")}
    assert forms["x"]["key"] == "full_convolution" and forms["w"]["key"] == "correlation"
    rng = np.random.default_rng(stride + 10 * padding + 100 * dilation)
    x, w = rng.normal(size=(2, 2, 13)), rng.normal(size=(3, 2, 3))
    length = (13 + 2 * padding - dilation * 2 - 1) // stride + 1
    dy = rng.normal(size=(2, 3, length))
    padded = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    y = sum(np.einsum("bcl,oc->bol", padded[:, :, dilation * q::stride][:, :, :length],
                      w[:, :, q]) for q in range(3))  # y_bol = Σ_c Σ_q x_{b,c,Sl+Dq} w_ocq
    values = {"x": x, "w": w, "y": y, "dy": dy}
    named = {n: (f["params"]["stride"], f["params"]["dilation"]) for n, f in forms.items()}
    assert named == {"x": (stride, dilation), "w": (stride, dilation)}
    np.testing.assert_allclose(eval_numpy(d.numpy_of("x"), values),
                               _full_convolution(dy, w, 13, *named["x"], padding), atol=1e-12)
    np.testing.assert_allclose(eval_numpy(d.numpy_of("w"), values),
                               _correlation(x, dy, 3, *named["w"], padding), atol=1e-12)
    text = " ".join(d.text().split())
    assert "the full convolution of ∂L/∂y" in text and "the correlation of x with ∂L/∂y" in text


@pytest.mark.parametrize("program", [
    "x: (b, c, n)\nw: (o, c, r)\ny = conv1d(x, w, stride=2)",
    "X: (b, c, h, w)\nK: (o, c, 3, 3)\nY = conv2d(X, K, stride=2, padding=1)"])
def test_the_numpy_module_of_a_convolution_runs_its_own_check(program):
    """forward by sliding windows; check() draws inputs at least two windows long."""
    d = derive(program, wrt="all")
    namespace: dict = {}
    exec(compile(d.show("numpy"), "conv_module", "exec"), namespace)
    assert namespace["check"]() < 1e-6
