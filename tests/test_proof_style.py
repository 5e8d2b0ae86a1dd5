"""Issue 14: proofs as the articles write them — their order, their letters, the user's
operand order, and reasons that say what their line did."""

from __future__ import annotations

import pytest
import sympy
from test_examples import PROGRAMS, generate

from helpers import result_line
from matcalc import Derivation, derive, jacobian
from matcalc.index.symbols import Index, Partial


def steps_of(d) -> list:
    if isinstance(d, Derivation):
        return [g.steps for g in d.all_gradients.values()]
    return [d.steps]


# ---------------------------------------------------------------- point 1: the order

def test_article_order_keeps_the_term_before_it_differentiates():
    d = derive("C = A @ B", wrt="A")
    keys = [s.reason.key for s in d.steps]
    assert keys[:4] == ["chain_rule", "element_form", "keep", "differentiate"]
    kept = d.steps[2].rhs
    assert kept.has(Partial) and not kept.has(sympy.KroneckerDelta)
    assert d.steps[2].reason.params["kept"] == [["k", "i"], ["p", "j"]]


def test_delta_order_is_still_there_and_agrees():
    article = derive("C = A @ B", wrt="A")
    delta = derive("C = A @ B", wrt="A", steps="delta")
    assert "keep" not in [s.reason.key for s in delta.steps]
    assert delta.steps[2].reason.params["deltas"] is True
    assert article.result == delta.result


def test_a_sum_inside_the_derivative_keeps_only_its_term():
    # ∂(Σ_q h_iq w_ql + b_l)/∂h_ij → ∂(h_ij w_jl + b_l)/∂h_ij: a linear sum only
    d = derive("b: (c,)\nZ = H @ W + b", wrt="H")
    kept = next(s for s in d.steps if s.reason.key == "keep")
    assert kept.reason.params["kept"] == [["k", "i"], ["p", "j"]]
    (partial,) = kept.rhs.atoms(Partial)
    assert not partial.expr.has(sympy.Sum)
    softmax = derive("P = softmax(Z)", wrt="Z")
    kept = next(s for s in softmax.steps if s.reason.key == "keep")
    assert kept.reason.params["kept"] == [["k", "i"]]  # Σ_p e^{z_ip} stays whole


# ---------------------------------------------------------------- point 2: letters

def test_the_forward_definitions_letters_are_the_proofs():
    d = derive("Y: onehot(m, c)\nP = softmax(Z)\nL = cross_entropy(Y, P)", wrt="P")
    text = d.text()
    assert "L = −Σ_k Σ_l y_kl log(p_kl)" in text
    assert "∂L/∂p_ij = −∂(Σ_k Σ_l y_kl log(p_kl))/∂p_ij" in text


def test_a_bias_takes_j_and_a_row_vector_one_index():
    bias = derive("b: (n,)\nC = A + b", wrt="b")
    assert bias["b"].axes == (Index("j"),)
    assert "∂L/∂b_j = Σ_k Σ_l ∂L/∂c_kl · ∂c_kl/∂b_j" in bias.text()
    row = derive("X: (1, n)\nW: (n, m)\nY = X @ W", wrt="X")
    assert "∂L/∂x_i = Σ_j ∂L/∂y_j · ∂y_j/∂x_i" in row.text()
    assert "δ_0" not in row.text()


# ---------------------------------------------------------------- point 3: as written

def test_forward_definitions_and_proofs_keep_the_operand_order():
    d = derive("x: ()\ny: ()\nsigy = sigmoid(y)\nnum = x + sigy\nf = num * sigy", wrt="x")
    text = d.text()
    assert "num = x + sigy" in text and "sigy + x" not in text
    assert "∂(num sigy)/∂num" in derive(
        "x: ()\ny: ()\nsigy = sigmoid(y)\nnum = x + sigy\nf = num * sigy", wrt="num").text()
    bias = derive("b: (n,)\nC = A + b", wrt="A").text()  # declared first, written second
    assert "c_kl = a_kl + b_l" in bias and "∂(a_kl + b_l)/∂a_ij" in bias


def test_product_rule_terms_follow_the_occurrences():
    # Cookbook eq. 119: the first X gives Aᵀ Cᵀ X Bᵀ, the second C A X B
    d = derive("s = trace(A @ X @ B @ X.T @ C)", wrt="X")
    assert result_line(d.text()) == "∂s/∂X = Aᵀ Cᵀ X Bᵀ + C A X B"


# ---------------------------------------------------------------- point 4: reasons

def _holds(step, previous) -> str | None:
    """Why the step's reason is false for its line, or None."""
    key, params, rhs = step.reason.key, step.reason.params, step.rhs
    if key == "differentiate":
        if rhs.has(Partial):
            return "a derivative is left"
        if bool(params.get("deltas")) != rhs.has(sympy.KroneckerDelta):
            return "says deltas where there are none, or not where there are"
    if key in ("keep", "collapse") and not params.get("kept"):
        return "keeps nothing"
    if key in ("keep", "collapse"):
        # "only the terms q = l remain" names q as the line above shows it: distributing a
        # product renames a copied sum (Σ_q → Σ_q1) out of sight, and the reason once said
        # "q1 = l" under a line with no q1 (example 87); a split index's parts (l = qk+s)
        # are the reason's own names
        kept = params["kept"]
        shown = {i.name for i in previous.atoms(Index)}
        named = {u for u, _ in kept if any(u in v for _, v in kept if "+" in v)}
        stray = [u for u, _ in kept if u not in shown | named]
        if stray:
            return f"names {stray[0]}, which the line above does not show"
    if key == "keep" and not rhs.has(Partial):
        return "a kept term without its derivative"
    if key == "element_form" and params.get("entries", True) != (
            rhs.has(sympy.Sum) or any(a.is_Matrix is False and hasattr(a, "matrix")
                                      for a in sympy.preorder_traversal(rhs))):
        return "element form of an expression without entries, or the reverse"
    if key == "linearity" and params.get("sums", True) and not previous.has(sympy.Sum):
        return "a derivative moved inside sums that are not there"
    if key == "identity" and not rhs.has(sympy.Identity):
        return "no identity matrix"
    if key == "transpose" and not rhs.has(sympy.Transpose) and not previous.has(
            sympy.Transpose) and not params.get("symmetric"):
        return "a transpose that no side has (and no symmetry used)"
    if key == "factor" and not any(
            isinstance(a, sympy.HadamardProduct) and any(isinstance(b, sympy.MatAdd)
                                                         for b in a.args)
            for a in sympy.preorder_traversal(rhs)):
        return "a Hadamard factor, but no Hadamard product of a sum"
    if key == "factor_product" and not any(
            _factored(a, params["side"][0]) for a in sympy.preorder_traversal(rhs)):
        return f"a {params['side'][0]} factor of a product that the line does not have"
    return None


def _factored(node, side: str) -> bool:
    """node is F (S₁ + S₂) (a left factor out), (S₁ + S₂) F (a right one) or c (S₁ + S₂)
    (a number): a matrix product with a sum at the end the factor did not come from."""
    if not isinstance(node, sympy.MatMul):
        return False
    matrices = [a for a in node.args if a.is_Matrix]
    numbers = [a for a in node.args if not a.is_Matrix]
    if side == "number":
        return len(matrices) == 1 and isinstance(matrices[0], sympy.MatAdd) and \
            any(n.is_number and n != 1 for n in numbers)
    if len(matrices) < 2:
        return False
    return isinstance(matrices[-1 if side == "left" else 0], sympy.MatAdd)


def test_every_reason_is_true_to_its_line():
    """Every step of every example: its reason's claim is checked against the step."""
    wrong = []
    for path in PROGRAMS:
        for steps in steps_of(generate.derivation(path)):
            for previous, step in zip(steps, steps[1:]):
                why = _holds(step, previous.rhs)
                if why:
                    wrong.append(f"{path.stem} {step.reason.key}: {why}")
    assert not wrong, wrong[:10]


@pytest.mark.parametrize("program, wrt, side", [
    # ‖Ax − b‖² and Σ (Ax − b)²: 2 Aᵀ A x − 2 Aᵀ b = 2 Aᵀ (A x − b), a left factor
    ("A: (m, n); x: (n,); b: (m,)\nL = norm(A @ x - b) ** 2", "x", "left"),
    ("A: (m, n); x: (n,); b: (m,)\nL = sum((A @ x - b) ** 2)", "x", "left"),
    ("s = trace(X.T @ A @ X)", "X", "right"),              # A X + Aᵀ X = (A + Aᵀ) X
    ("x: (n,)\nA: (n, n)\nB: (n, n)\ns = x @ (A @ x) - x @ (B @ x)", "x", None),
])
def test_factoring_out_of_products_says_so(program, wrt, side):
    d = derive(program, wrt=wrt)
    steps = [s for s in d.steps if s.reason.key in ("factor", "factor_product")]
    if side is None:  # whatever it factors, the reason is true to the line
        for previous, step in zip(d.steps, d.steps[1:]):
            assert _holds(step, previous.rhs) is None
        return
    assert [s.reason.key for s in steps] == ["factor_product"]
    assert steps[0].reason.params["side"] == [side]
    last = steps[0]
    assert _holds(last, None) is None
    text, japanese = d.text(), d.text("ja")
    assert "Hadamard" not in text and "アダマール" not in japanese
    assert f"common {side} factor of the matrix products" in text
    assert {"left": "左側", "right": "右側"}[side] in japanese


def test_the_reason_checks_catch_a_mislabelled_factor():
    # a matrix-product factoring called Hadamard, or a side swapped, is caught
    d = derive("A: (m, n); x: (n,); b: (m,)\nL = sum((A @ x - b) ** 2)", wrt="x")
    step = next(s for s in d.steps if s.reason.key == "factor_product")
    from matcalc.calculus.proof import Reason, Step
    assert _holds(Step(step.lhs, step.rhs, Reason("factor")), None)
    assert _holds(Step(step.lhs, step.rhs, Reason("factor_product", {"side": ["right"]})),
                  None)
    # softmax's P ∘ ∂L/∂P − P ∘ ((∂L/∂P ∘ P) 𝟏𝟏ᵀ) = P ∘ (…): a Hadamard factor truly (the
    # entry-by-entry route, --steps delta; the default is seed 001 eq. 27's diag route)
    hadamard = derive("P = softmax(Z)", wrt="Z", steps="delta")
    factored = [s for s in hadamard.steps if s.reason.key.startswith("factor")]
    assert [s.reason.key for s in factored] == ["factor"]
    assert _holds(factored[0], None) is None
    assert _holds(Step(factored[0].lhs, factored[0].rhs,
                       Reason("factor_product", {"side": ["left"]})), None)


def test_a_scalar_function_of_scalars_is_differentiated_at_once():
    """Seeds 003 and 004: ∂f/∂x = y for f = x y, no definition line and no line of
    constant factors; --steps element keeps them; a graph or a matrix keeps its route."""
    d = derive("x: ()\ny: ()\nf = x * y", wrt="x,y")
    assert [[s.reason.key for s in g.steps] for g in d.gradients.values()] == \
        [["differentiate"], ["differentiate"]]
    assert [str(g.result) for g in d.gradients.values()] == ["y", "x"]
    full = derive("x: ()\ny: ()\nf = x * y", wrt="x", steps="element")
    assert [s.reason.key for s in full.steps] == ["element_form", "linearity", "differentiate"]
    assert result_line(derive("x: ()\nf = exp(x)").text()) == "df/dx = exp(x)"  # not f
    graph = derive("x: ()\ny: ()\nq = x + y\nf = q * x", wrt="y")
    assert graph.steps[0].reason.key != "differentiate"
    matrix = derive("x: (n,)\nf = sum(x * x)", wrt="x")
    assert matrix.steps[0].reason.key == "element_form"


def test_a_kronecker_delta_read_as_the_identity_is_no_transpose():
    d = jacobian("x: (n,)\ny = 2 * x", wrt="x")
    keys = [s.reason.key for s in d.steps]
    assert "identity" in keys and "transpose" not in keys


def test_a_scalar_statement_is_its_definition_not_an_element_form():
    d = derive("x: ()\ny: ()\nf = x * y", wrt="x", steps="element")
    first = d.steps[0]
    assert first.reason.key == "element_form" and first.reason.params["entries"] is False
    assert "(definition of f)" in d.text() and "element form" not in d.text()
    assert "inside the sums" not in d.text()


# ---------------------------------------------------------------- point 8: layouts

def test_a_scalars_gradient_by_a_vector_is_a_row_in_numerator_layout():
    program = "a: (n,)\nx: (n,)\nf = a @ x"
    numerator = jacobian(program, wrt="x")
    denominator = jacobian(program, wrt="x", layout="denominator")
    assert numerator.result.shape[0] == 1 and result_line(numerator.text()) == "∂f/∂x = aᵀ"
    assert denominator.result.shape[1] == 1 and result_line(denominator.text()) == "∂f/∂x = a"
    column = jacobian("x: ()\na: (n,)\ny = x * a", wrt="x")
    assert column.result.shape[1] == 1                       # ∂y/∂x of a vector by a scalar


def test_derive_says_which_layout_it_uses():
    assert "the machine-learning convention" in derive("C = A @ B", wrt="A").text()
    assert "機械学習の慣習" in derive("C = A @ B", wrt="A").text("ja")
    assert "convention" not in derive("x: ()\nf = x * x").text()  # a scalar: no layout


# ---------------------------------------------------------------- point 5: any f

def test_a_declared_function_ends_in_f_prime_and_a_specific_one_is_its_instance():
    any_f = derive("f: elementwise\nB = f(A)", wrt="A")
    assert result_line(any_f.text()) == "∂L/∂A = ∂L/∂B ∘ f′(A)"
    sigma = derive("B = sigmoid(A)", wrt="A")
    keys = [s.reason.key for s in sigma.steps]
    assert keys[3:5] == ["differentiate", "derivative_of"]      # σ′(a_ij), then σ′ = σ(1 − σ)
    assert "σ′(a_ij)" in sigma.text()


def test_a_declared_function_is_checked_and_misuse_is_one_line():
    import pytest

    from matcalc.errors import ParseError
    with pytest.raises(ParseError, match="declare it: 'g: elementwise'"):
        derive("B = g(A)")
    with pytest.raises(ParseError, match="already a function"):
        derive("exp: elementwise\nB = exp(A)")
    d = derive("f: elementwise\nB = f(A)\nL = sum(B * B)", wrt="A")
    assert d.verified_on


# ---------------------------------------------------------------- point 6: scalar algebra

def test_a_written_out_logistic_reaches_s_times_one_minus_s_by_seed_003s_steps():
    # e^{−x}/(1 + e^{−x})² = ((1 + e^{−x} − 1)/(1 + e^{−x})) (1/(1 + e^{−x})) = (1 − s) s
    d = derive("x: ()\ns = 1 / (1 + exp(-x))")
    keys = [s.reason.key for s in d.steps]
    assert keys == ["differentiate", "split_product", "by_definition"]
    assert "((1 + exp(−x) − 1)/(1 + exp(−x))) (1/(1 + exp(−x)))" in d.text()
    assert result_line(d.text()) == "ds/dx = (1 − s) s"  # s of x alone: d
    unnamed = derive("X: (m, n)\nL = sum(1 / (1 + exp(-X)))")
    assert result_line(unnamed.text()) == "∂L/∂X = σ(X) ∘ (1 − σ(X))"


def test_a_product_of_two_moving_factors_names_the_product_rule():
    d = derive("x: ()\nf = x * sigmoid(x)")  # differentiated at once (seed 003's style)
    assert "product_rule" in d.steps[0].reason.params["lemmas"]
    assert "product rule" in d.text()


# ---------------------------------------------------------------- point 7: --expand

def test_expand_writes_the_gradient_out_and_its_factors(tmp_path):
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-m", "matcalc", "derive",
                          "X: (1, n)\nW: (n, m)\nY = X @ W", "--wrt", "W", "--expand"],
                         capture_output=True, text=True, check=True).stdout
    assert "⎡ ∂L/∂y_1 · x_1  ∂L/∂y_2 · x_1  ⋯  ∂L/∂y_m · x_1 ⎤" in out      # seed 000 eq. 11
    assert "⋱" in out and "⎣ x_n ⎦" in out                               # eq. 12: a column
    assert "[∂L/∂y_1  ∂L/∂y_2  ⋯  ∂L/∂y_m]" in out                        # … times a row
    bias = subprocess.run([sys.executable, "-m", "matcalc", "derive", "b: (n,)\nC = A + b",
                           "--wrt", "b", "--expand"], capture_output=True, text=True,
                          check=True).stdout
    assert "[1  1  ⋯  1]" in bias                                          # seed 001 eq. 9


SEED_000 = [("X: (1, n)\nW: (n, m)\nY = X @ W", "W"),   # seed 000 eqs. 11-13
            ("X: (1, n)\nW: (n, m)\nY = X @ W", "X"),   # eqs. 16-18
            ("x: (n,)\nW: (m, n)\ny = W @ x", "W"), ("b: (n,)\nC = A + b", "b"),
            ("X: (1, 2)\nW: (2, 3)\nY = X @ W", "W")]


def _expanded_markdown(program: str, wrt: str) -> tuple[list[str], str]:
    """The --expand grids' displays in the Markdown output, and the whole page."""
    import re

    from matcalc import set_notation
    d = derive(program, wrt=wrt)
    set_notation(expand="on")
    try:
        markdown = d.markdown()
    finally:
        set_notation(expand="off")
    grids = [b for b in re.findall(r"\$\$\n(.*?)\n\$\$", markdown, flags=re.S)
             if "pmatrix" in b]
    return grids, markdown


def test_expanded_grids_fit_a_blog_column():
    # a 740-px column: at most 80 characters of TeX on each row of a display (one row of
    # a matrix, or of the chain lhs = entries = factors), every line one such row; a grid
    # that would be wider shows fewer columns, or its columns one display each
    from test_math_renders import render_errors

    from helpers import node_package, reader
    from matcalc.render.expand import COLUMN
    widest, shown = 0, []
    for program, wrt in SEED_000:
        grids, _ = _expanded_markdown(program, wrt)
        assert grids, program
        for block in grids:
            rows = block.split("\n")
            widest = max(widest, *(len(row) for row in rows))
            assert all(row.count(r"\\") <= 1 and row.count("&") <= 4 for row in rows)
        shown += grids
    assert widest <= COLUMN == 80
    grids, markdown = _expanded_markdown(*SEED_000[0])
    # ∂L/∂W's columns one by one: (∂L/∂W)_{:,1} … (∂L/∂W)_{:,m}, then xᵀ times the row
    assert any(r"\right)_{:,1}" in g for g in grids) and any(r"\right)_{:,m}" in g
                                                             for g in grids)
    assert any(r"\frac{\partial L}{\partial y_{m}} \, x_{n}" in g for g in grids)
    assert r"\frac{\partial L}{\partial y_{1}} & \cdots & \frac{\partial L}{\partial y_{m}}" in \
        markdown
    small, _ = _expanded_markdown(*SEED_000[-1])  # a 2×3 grid fits whole, every entry
    assert any(r"x_{2} \, \frac{\partial L}{\partial y_{3}}" in g or
               r"\frac{\partial L}{\partial y_{3}} \, x_{2}" in g for g in small)
    reader("KaTeX and MathJax (npm, tests/js)",
           node_package("katex") and node_package("mathjax-full"))
    assert not render_errors(shown)


def test_expand_shows_every_entry_of_a_small_matrix():
    from matcalc.render.expand import DOTS, expansion
    d = derive("X: (1, 2)\nW: (2, 3)\nY = X @ W", wrt="W")
    grids = expansion(d["W"], (2, 3))
    assert len(grids["entries"]) == 2 and len(grids["entries"][0]) == 3
    assert not any(v is DOTS for row in grids["entries"] for v in row)


def test_a_three_index_jacobian_is_shown_as_its_slices():
    from matcalc import set_notation
    d = jacobian("x: (n,)\ny = W @ x", wrt="W")
    set_notation(expand="on")
    try:
        text = d.text()
    finally:
        set_notation(expand="off")
    assert "∂y_1/∂W =" in text and "∂y_2/∂W =" in text and "∂y_m/∂W =" in text
    assert "⎡ x_1  x_2  ⋯  x_n ⎤" in text     # row 1 of ∂y_1/∂W is xᵀ
    assert "⎣ 0    0    ⋯  0   ⎦" in text     # row m of it is 0, as seed 004 writes (not δ_1m)
    assert "δ_1m" not in text and "δ_2m" not in text


# ---------------------------------------------------------------- point 9: seed 004

def test_a_vector_literal_and_its_jacobian_written_out():
    import sympy as sp
    d = jacobian("x: (2,)\nf = [x[0]**2, x[0]*x[1], 2*x[1] + 1]", wrt="x")
    x = sp.MatrixSymbol("x", 2, 1)
    from matcalc.index.symbols import Element
    x1, x2 = Element(x, 0, 0), Element(x, 1, 0)
    assert d.result == sp.ImmutableMatrix([[2 * x1, 0], [x2, x1], [0, 2]])
    assert d.verified_on and "(x_0², x_0 x_1, 2 x_1 + 1)" in d.text()  # as the program counts
    assert d.numpy == "np.array([[2 * x[0], 0], [x[1], x[0]], [0, 2]])"


def test_integer_subscripts_give_the_partials_seed_004_writes():
    from matcalc import set_notation
    d = derive("x: (2,)\nf = x[0]**2 + x[0]*x[1] + x[1] + 1")
    assert result_line(d.text()) == "∂f/∂x = [2 x_0 + x_1; x_0 + 1]"
    set_notation(entries="from1")  # seed 004 counts from 1
    try:
        assert result_line(d.text()) == "∂f/∂x = [2 x_1 + x_2; x_1 + 1]"
    finally:
        set_notation(entries="from0")
    assert d.verified_on


def test_subscripts_say_what_is_wrong_in_one_line():
    import pytest

    from matcalc.errors import MatcalcError
    for program, message in [("x: (n,)\nf = x[0]", "known length"),
                             ("x: (2,)\nf = x[5]", "past the end"),
                             ("x: (2,)\nf = [x[0], X]", "holds scalars"),
                             ("f = x[0:2]", "by a number")]:
        with pytest.raises(MatcalcError, match=message):
            derive(program)

