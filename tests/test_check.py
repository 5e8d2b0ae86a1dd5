"""The checker: a wrong step or result must fail it, and the vectorised evaluator and the
finite differences it rests on agree with direct numpy computations."""

from __future__ import annotations

import numpy as np
import pytest
import sympy
from sympy import KroneckerDelta, KroneckerProduct, MatrixSymbol, Transpose

from matcalc import derive
from matcalc.calculus.proof import Step
from matcalc.check import verify_derivative, verify_gradients
from matcalc.check.numeric import central_difference, finite_difference, random_instance
from matcalc.check.tensor_eval import Evaluator
from matcalc.index.symbols import ChainPartial, Element, Index, IndexSum, Partial, dim
from matcalc.language.parse import parse
from matcalc.language.shapes import infer
from matcalc.ops.rowwise import softmax_entry
from matcalc.pipeline import hessian, jacobian

i, j, k, l, p, q = (Index(name) for name in "ijklpq")


def tampered(steps: list, n: int, change) -> None:
    """Step n's right-hand side replaced by change(rhs)."""
    steps[n] = Step(steps[n].lhs, change(steps[n].rhs), steps[n].reason)


def swapped(expr):
    """The transposed index form: i and j exchanged."""
    return expr.xreplace({i: j, j: i})


# ------------------------------------------------------------------ wrong steps fail

@pytest.mark.unverified
@pytest.mark.parametrize("n", [1, 2, -1])
def test_a_doubled_gradient_step_fails(n):
    d = derive("s = trace(A @ X @ B @ X.T @ C)", wrt="X")
    assert verify_gradients(d, trials=1).ok
    tampered(d.gradient.steps, n, lambda rhs: 2 * rhs)
    report = verify_gradients(d, trials=1)
    assert not report.ok and "X: MISMATCH" in report.summary()
    errors = {step: error for step, _, error in report.checks[0].step_errors}
    if n == -1:   # the last step: it no longer equals the one before, nor the result
        assert errors[len(d.gradient.steps) - 1] > 1e-3
        assert report.checks[0].result_error > 1e-3
    else:         # a middle step differs from its neighbours on both sides
        assert errors[n] > 1e-3 and errors[n + 1] > 1e-3


@pytest.mark.unverified
def test_a_transposed_gradient_step_or_result_fails():
    d = derive("s = trace(A @ X @ B @ X.T @ C)", wrt="X")
    tampered(d.gradient.steps, -1, swapped)
    assert not verify_gradients(d, trials=1).ok
    d = derive("s = trace(A @ X)", wrt="X")      # ∂s/∂X = Aᵀ, not A
    d.gradient.result = d.gradient.inlined = Transpose(d.gradient.result).doit()
    report = verify_gradients(d, trials=1)
    assert not report.ok and "the matrix form is" in report.checks[0].failure  # Xᵀ's shape


@pytest.mark.unverified
def test_a_vector_gradient_in_the_wrong_orientation_fails():
    # w is declared a column (n, 1): its gradient Xᵀ ∂L/∂y must be n×1, not its transpose
    d = derive("X: (m, n)\nw: (n, 1)\ny = X @ w", wrt="w")
    assert verify_gradients(d, trials=1).ok
    d.gradient.result = d.gradient.inlined = Transpose(d.gradient.result)
    report = verify_gradients(d, trials=1)
    assert not report.ok and "the matrix form is 1×" in report.checks[0].failure


@pytest.mark.unverified
def test_a_wrong_chain_rule_step_fails():
    # the first steps hold unevaluated partials ∂z_kl/∂w_ij: evaluated by central differences
    d = derive("X: (m, n)\nW: (n, h)\nb: (h,)\nZ = X @ W + b\nH = sigmoid(Z)\nL = sum(H)",
               wrt="W")
    assert verify_gradients(d, trials=1).ok
    steps = d.all_gradients["W"].steps
    assert steps[0].rhs.has(ChainPartial) and steps[1].rhs.has(Partial)
    for n in (0, 1):
        d = derive("X: (m, n)\nW: (n, h)\nb: (h,)\nZ = X @ W + b\nH = sigmoid(Z)\nL = sum(H)",
                   wrt="W")
        tampered(d.all_gradients["W"].steps, n, lambda rhs: 2 * rhs)
        check = next(c for c in verify_gradients(d, trials=1).checks if c.wrt == "W")
        assert not check.ok and dict((s, e) for s, _, e in check.step_errors)[1] > 1e-3


@pytest.mark.unverified
@pytest.mark.parametrize("layout", ["numerator", "denominator"])
def test_a_wrong_jacobian_fails(layout):
    program = "W: (n, n)\nx: (n,)\ny = tanh(W @ x)"
    assert verify_derivative(jacobian(program, "x", layout)).ok
    d = jacobian(program, "x", layout)
    tampered(d.steps, len(d.steps) // 2, lambda rhs: 2 * rhs)
    assert not verify_derivative(d).ok
    d = jacobian(program, "x", layout)            # the other layout's answer
    d.result = Transpose(d.result).doit()
    report = verify_derivative(d)
    assert not report.ok and report.checks[0].result_error > 1e-3


@pytest.mark.unverified
def test_a_wrong_jacobian_by_a_matrix_fails():
    d = jacobian("x: (n,)\ny = W @ x", "W")       # ∂y_k/∂w_ij = δ_ik x_j: three indices
    assert verify_derivative(d).ok                # ∂y/∂vec(W)ᵀ = xᵀ ⊗ I
    tampered(d.steps, -2, lambda rhs: rhs.xreplace({i: k, k: i}) * 2)
    assert not verify_derivative(d).ok
    d = jacobian("x: (n,)\ny = W @ x", "W")
    d.result = KroneckerProduct(*reversed(d.result.args))   # I ⊗ xᵀ: the same shape
    report = verify_derivative(d)
    assert not report.ok and report.checks[0].result_error > 1e-3


@pytest.mark.unverified
def test_a_wrong_hessian_fails():
    program = "x: (n,)\nf = x @ A @ x + sum(exp(x))"
    d = hessian(program, "x")
    assert verify_derivative(d).ok
    tampered(d.steps, 1, lambda rhs: 2 * rhs)
    assert not verify_derivative(d).ok
    d = hessian("x: (n,)\nf = x @ A @ x", "x")    # A + Aᵀ, not 2A
    A = MatrixSymbol("A", dim("n"), dim("n"))
    d.result = 2 * A
    report = verify_derivative(d)
    assert not report.ok and report.checks[0].result_error > 1e-3


# ------------------------------------------------------------------ the evaluator

PROGRAM = "A: (m, n)\nB: (n, m)\nM: (n, n)\nx: (n,)\nC = A @ B\ns = sum(C) + trace(M) + sum(x)"


@pytest.fixture
def ev():
    program = parse(PROGRAM)
    instance = random_instance(program, infer(program), program.output, seed=3)
    return Evaluator(program, instance, program.output)


def matrix(name: str, rows: str, cols: str | int):
    return MatrixSymbol(name, dim(rows), dim(cols))


A, B, M, C = matrix("A", "m", "n"), matrix("B", "n", "m"), matrix("M", "n", "n"), \
    matrix("C", "m", "m")
X = matrix("x", "n", 1)


def sizes(ev, *names):
    return tuple(ev.instance.dims[name] for name in names)


def test_a_matrix_product_is_a_contraction(ev):
    a, b = ev.values["A"], ev.values["B"]
    product = IndexSum(Element(A, i, p) * Element(B, p, j), (p, 0, dim("n") - 1))
    np.testing.assert_allclose(ev.array(product, (i, j), sizes(ev, "m", "m")), a @ b)
    np.testing.assert_allclose(ev.array(product, (j, i), sizes(ev, "m", "m")), (a @ b).T)
    # a matrix-vector product: the vector's column index is the constant 0
    mx = IndexSum(Element(M, i, p) * Element(X, p, 0), (p, 0, dim("n") - 1))
    np.testing.assert_allclose(ev.array(mx, (i,), sizes(ev, "n")),
                               ev.values["M"] @ ev.values["x"])


def test_a_long_chain_of_products_is_one_contraction(ev):
    # M¹², a sum over 11 indices: contracted pairwise, never the 12-fold broadcast product
    idx = [i, *(Index(f"p{t}") for t in range(11)), j]
    body = sympy.Mul(*(Element(M, a, b) for a, b in zip(idx, idx[1:])))
    chain = IndexSum(body, *((t, 0, dim("n") - 1) for t in idx[1:-1]))
    np.testing.assert_allclose(ev.array(chain, (i, j), sizes(ev, "n", "n")),
                               np.linalg.matrix_power(ev.values["M"], 12), rtol=1e-10)


def test_a_sum_of_terms_is_summed_term_by_term(ev):
    """Σ (a + b) = Σ a + Σ b: a term is never formed over the indices only another term
    reads. Formed whole, a Hessian's 9-index sums of many terms took 38 GiB at n = 12, and
    the check reported the memory error as a wrong derivation (a fuzz program)."""
    import tracemalloc
    idx = [i, *(Index(f"p{t}") for t in range(11)), j]
    chain = sympy.Mul(*(Element(M, a, b) for a, b in zip(idx, idx[1:])))
    spread = Element(M, i, j) * sympy.Mul(*(Element(X, t, 0) for t in idx[1:-1]))
    total = IndexSum(chain + spread, *((t, 0, dim("n") - 1) for t in idx[1:-1]))
    m, x = ev.values["M"], ev.values["x"]
    tracemalloc.start()
    got = ev.array(total, (i, j), sizes(ev, "n", "n"))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    np.testing.assert_allclose(got, np.linalg.matrix_power(m, 12) + m * x.sum() ** 11,
                               rtol=1e-10)
    assert peak < 2 ** 20  # the 13 indices formed whole: n¹³ entries, 12 MB at n = 3


def test_trace_diagonal_and_delta(ev):
    m = ev.values["M"]
    trace = IndexSum(Element(M, p, p), (p, 0, dim("n") - 1))
    assert ev.array(trace).shape == ()
    np.testing.assert_allclose(ev.array(trace), np.trace(m))
    np.testing.assert_allclose(ev.array(Element(M, i, i), (i,), sizes(ev, "n")), np.diag(m))
    n = ev.instance.dims["n"]
    np.testing.assert_array_equal(ev.array(KroneckerDelta(i, j), (i, j), (n, n)), np.eye(n))
    np.testing.assert_array_equal(ev.array(KroneckerDelta(i, 0), (i,), (n,)), np.eye(n)[0])
    picked = IndexSum(KroneckerDelta(i, p) * Element(M, p, j), (p, 0, dim("n") - 1))
    np.testing.assert_allclose(ev.array(picked, (i, j), (n, n)), m)
    # a term free of j is constant along j
    np.testing.assert_allclose(ev.array(Element(X, i, 0) * 3, (i, j), (n, n)),
                               np.tile(3 * ev.values["x"][:, None], (1, n)))


def test_a_softmax_entry_is_a_softmax_along_its_index(ev):
    a = ev.values["A"]
    want = np.exp(a) / np.exp(a).sum(axis=1, keepdims=True)
    running = Index("ℓ")
    entry = softmax_entry(Element(A, i, running), running, dim("n"), l)
    np.testing.assert_allclose(ev.array(entry, (i, l), sizes(ev, "m", "n")), want)
    np.testing.assert_allclose(ev.array(entry, (l, i), sizes(ev, "n", "m")), want.T)
    rows = IndexSum(entry, (l, 0, dim("n") - 1))
    np.testing.assert_allclose(ev.array(rows, (i,), sizes(ev, "m")), 1.0)


def test_a_softmax_entry_on_its_diagonal(ev):
    # softmax(S)_pp for a square S: the row is s_pℓ, read at ℓ = p (not exp(s_pp)/Σ exp(s_qq))
    s = ev.values["M"]
    want = np.diag(np.exp(s) / np.exp(s).sum(axis=1, keepdims=True))
    running = Index("ℓ")
    entry = softmax_entry(Element(M, p, running), running, dim("n"), p)
    np.testing.assert_allclose(ev.array(entry, (p,), sizes(ev, "n")), want)


def test_partials_by_central_differences(ev):
    b = ev.values["B"]
    m, n = sizes(ev, "m", "n")
    # ∂(Σ_q a_kq b_ql)/∂a_ij = δ_ki b_jl
    form = IndexSum(Element(A, k, q) * Element(B, q, l), (q, 0, dim("n") - 1))
    got = ev.array(Partial(form, Element(A, i, j)), (k, l, i, j), (m, m, m, n))
    np.testing.assert_allclose(got, np.einsum("ki,jl->klij", np.eye(m), b), atol=1e-8)
    # ∂c_kl/∂a_ij: the chain rule's partial recomputes C = A B; a plain partial holds C fixed
    chain = ChainPartial(Element(C, k, l), Element(A, i, j))
    got = ev.array(chain, (k, l, i, j), (m, m, m, n))
    np.testing.assert_allclose(got, np.einsum("ki,jl->klij", np.eye(m), b), atol=1e-8)
    held = Partial(Element(C, k, l), Element(A, i, j))
    np.testing.assert_allclose(ev.array(held, (k, l, i, j), (m, m, m, n)), 0.0)
    # a vector's entry x_i0: ∂(Σ_p m_kp x_p)/∂x_i = m_ki
    form = IndexSum(Element(M, k, p) * Element(X, p, 0), (p, 0, dim("n") - 1))
    got = ev.array(Partial(form, Element(X, i, 0)), (k, i), (n, n))
    np.testing.assert_allclose(got, ev.values["M"], atol=1e-8)


# ------------------------------------------------------------------ finite differences

def test_central_differences_of_first_and_second_order():
    x = np.array([[0.3, -1.2], [2.5, 0.7]])
    f = lambda points: np.sin(points).sum(axis=(1, 2))  # noqa: E731  (a stack of points)
    np.testing.assert_allclose(central_difference(f, x), np.cos(x), atol=1e-9)
    hessian = central_difference(f, x, order=2)          # H[a, b, c, d] = ∂²f/∂x_ab ∂x_cd
    want = np.diag(-np.sin(x).reshape(-1)).reshape(2, 2, 2, 2)
    np.testing.assert_allclose(hessian, want, atol=1e-6)
    # a vector-valued f: the axes of x first, then those of f
    g = lambda points: points ** 2  # noqa: E731
    np.testing.assert_allclose(central_difference(g, x[0]), np.diag(2 * x[0]), atol=1e-9)
    # the step grows with the entry: a derivative at 1e6 is still accurate
    big = np.array([1e6, 2.0])
    np.testing.assert_allclose(central_difference(g, big), np.diag(2 * big), rtol=1e-8)


def test_finite_difference_of_the_forward_pass():
    d = derive("X: (m, n)\nY = X * X\nL = sum(Y * X)", wrt="X")
    instance = random_instance(d.program, d.shapes, d.output, seed=1)
    x = instance.values["X"]
    np.testing.assert_allclose(finite_difference(d.program, instance, d.output, "X"),
                               3 * x ** 2, rtol=1e-6, atol=1e-8)
    # an intermediate is perturbed where it stands: ∂L/∂Y = X
    np.testing.assert_allclose(finite_difference(d.program, instance, d.output, "Y"), x,
                               rtol=1e-6, atol=1e-8)


def test_generated_code_runs_exactly_as_printed():
    # no np.asarray behind the scenes: a method of a Python float fails, as in a notebook
    from matcalc.check.numeric import eval_numpy
    from matcalc.check.verification import plain
    with pytest.raises(AttributeError):
        eval_numpy("c.item()", {"c": 2.0})
    assert eval_numpy("x.sum()", {"x": np.ones(3)}) == 3.0
    assert isinstance(plain({"c": np.float64(2.0)})["c"], float)


@pytest.mark.unverified
@pytest.mark.parametrize("wrong", ["sign", "unweighted"])
def test_a_wrong_matrix_step_of_softmax_fails(wrong):
    # seed 001 eq. 27's matrix lines are steps: B ∘ (G − diag(G Bᵀ)) with the row sums
    # added instead, or the row sums of G without B's weights (G 𝟏), is caught
    from matcalc.index.symbols import Broadcast, MatrixLine
    d = derive("P = softmax(Z)", wrt="Z")
    steps = d.gradient.steps
    n = next(k for k, s in enumerate(steps) if s.reason.key == "identity_matrix")
    line = steps[n].rhs
    p, rest = line.matrix.args if isinstance(line.matrix.args[0], sympy.MatrixSymbol) else \
        line.matrix.args[::-1]
    g, rows = [a for a in rest.args if not isinstance(a, sympy.MatMul)][0], \
        next(a for a in sympy.preorder_traversal(rest) if isinstance(a, Broadcast))
    if wrong == "sign":
        bad = sympy.HadamardProduct(p, sympy.MatAdd(g, rows))
    else:
        other = Broadcast(sympy.MatMul(g, sympy.OneMatrix(rows.shape[1], 1)), rows.shape[1])
        bad = sympy.HadamardProduct(p, sympy.MatAdd(g, sympy.MatMul(-1, other)))
    tampered(steps, n, lambda rhs: MatrixLine(bad, line.row, line.col))
    report = verify_gradients(d, trials=1)
    assert not report.ok
    assert dict((s, e) for s, _, e in report.checks[0].step_errors)[n] > 1e-3


def test_a_bound_gradient_is_remembered_by_its_name_and_its_code():
    """Found by the fuzzer: one instance's memo of (dZ := …) values was keyed by the code
    alone, so (dh1 := 2 * h1) after (dh0 := 2 * h1) found dh0's binding and read no dh1
    (a KeyError, and a right derivation refused)."""
    import numpy as np

    from matcalc.check.numeric import eval_numpy
    memo: dict = {}
    values = {"h1": np.arange(3.0)}
    first = eval_numpy("(dh0 := 2 * h1) + dh0", values, memo)
    second = eval_numpy("(dh1 := 2 * h1) * dh1", values, memo)
    assert np.allclose(first, 4 * values["h1"]) and np.allclose(second, 4 * values["h1"] ** 2)


@pytest.mark.parametrize("name", ["17_mlp", "16_softmax_cross_entropy", "76_attention_heads",
                                  "79_heads_by_reshape", "77_layer_norm_last_axis"])
def test_chained_references_equal_differences_of_the_whole_program(name):
    """The checker's reference gradients, run backwards statement by statement
    (``chained_differences``), against central differences of L with each name moved where
    it stands and the rest of the program run again (``finite_differences``), at every
    name of the program, on three instances."""
    import sys
    from pathlib import Path

    import numpy as np

    from matcalc.check.numeric import chained_differences, finite_differences, random_instance
    examples = Path(__file__).resolve().parents[1] / "examples"
    sys.path.insert(0, str(examples))
    from generate import derivation
    d = derivation(examples / f"{name}.mc")
    for seed in range(3):
        instance = random_instance(d.program, d.shapes, d.output, seed)
        names = [n for n in instance.values if n != instance.output]
        with instance.active():
            chained = chained_differences(d.program, instance, names)
            whole = finite_differences(d.program, instance, instance.output, names)
        assert chained is not None
        for n in names:
            scale = max(1.0, float(np.max(np.abs(whole[n]), initial=0.0)))
            assert np.max(np.abs(chained[n] - whole[n]), initial=0.0) <= 1e-6 * scale, n


@pytest.mark.parametrize(("program", "wrong_name", "factor"), [
    ("X: (m, n)\nW: (n, p)\nH = tanh(X @ W)\nL = sum(H ** 2)", "W", 1.01),
    # a small input beside a large one: its error must not hide in their total (review)
    ("W: (m, n)\nx: (n,)\nL = 100000 * sum(W ** 2) + sum(x ** 2)", "x", 2.0),
    # an intermediate no input's reference sees (∂Z/∂X = 0): checked where it stands
    ("X: (m, n)\nA: (m, n)\nZ = relu(X) * 0\nL = sum(Z * A) + sum(X ** 2)", "Z", 2.0),
])
def test_a_chain_that_does_not_add_up_is_not_used(monkeypatch, program, wrong_name, factor):
    """A statement's share gone wrong makes the chain disagree with L's own central
    difference along a random direction, name by name: the checker falls back to
    differencing L for every entry of every name, rather than trust it."""
    import matcalc.check.numeric as numeric
    from matcalc.check.numeric import chained_differences, random_instance
    d = derive(program, wrt="all", check=False)
    instance = random_instance(d.program, d.shapes, d.output, 0)
    names = [n for n in instance.values if n != instance.output]
    share = numeric._statement_share

    def wrong(expr, base, name, g, inst):
        value, noise = share(expr, base, name, g, inst)
        return (value * factor, noise) if name == wrong_name else (value, noise)

    monkeypatch.setattr(numeric, "_statement_share", wrong)
    with instance.active():
        assert chained_differences(d.program, instance, names) is None


def test_a_check_that_runs_out_of_memory_says_so(monkeypatch):
    """The derivation is refused (it was not checked) but not called wrong: a fuzz
    program's 38 GiB sum was reported as "a wrong derivation was caught"."""
    import matcalc.check.verification as verification
    from matcalc.errors import CheckError

    def exhausted(*args, **kwargs):
        raise MemoryError("Unable to allocate 38.4 GiB")
    monkeypatch.setattr(verification, "_check_gradient", exhausted)
    with pytest.raises(CheckError, match="ran out of memory") as caught:
        derive("A: (m, n)\nB: (n, p)\nC = A @ B", wrt="A")
    assert "wrong derivation" not in str(caught.value)
