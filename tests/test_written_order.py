"""Written order (issue 21, point 1): terms and factors keep the order the program writes
them in, in every line — the forward definition, each step, the result — numbers
included; sympy's canonical order (exp(−x) + 1) is for computing, not for printing.
Every derivation here is also verified numerically (conftest), so the order is only how
the same expression is printed."""

from __future__ import annotations

import random

import pytest

from matcalc import derive
from matcalc.render.formats import context, steps_view
from matcalc.render.text import TextPrinter

# a term as the program writes it, and as the text printer writes it; no two of them are
# like terms (sympy would add x and 3 x), and at most one number is drawn
TERMS = [("x", "x"), ("y ** 2", "y²"), ("x * y", "x y"), ("exp(y)", "exp(y)"),
         ("sin(x)", "sin(x)"), ("3 * z", "3 z"), ("z * x * y", "z x y"),
         ("exp(-x)", "exp(−x)"), ("y * z", "y z")]
NUMBERS = [("1", "1"), ("2", "2")]


def _programs(n: int, seed: int = 21):
    """Random sums of distinct terms, each joined by + or −, in a random order."""
    rng = random.Random(seed)
    for _ in range(n):
        terms = rng.sample(TERMS, rng.randint(2, 4))
        if rng.random() < 0.6:
            terms.insert(rng.randrange(len(terms) + 1), rng.choice(NUMBERS))
        ops = [rng.choice("+-") for _ in terms[1:]]
        source = terms[0][0] + "".join(f" {op} {t[0]}" for op, t in zip(ops, terms[1:]))
        shown = terms[0][1] + "".join(f" {'+' if op == '+' else '−'} {t[1]}"
                                      for op, t in zip(ops, terms[1:]))
        yield source, shown


@pytest.mark.parametrize(("source", "shown"), list(_programs(30)))
def test_each_line_keeps_the_programs_order(source, shown):
    """The definition f = … and the proof's ∂(…)/∂x (--steps element writes it) read as the
    program: t1 ± t2 ± t3 in that order, whatever sympy's order is."""
    wrt = next(v for v in "xyz" if v in source.replace("exp", ""))
    d = derive(f"x: ()\ny: ()\nz: ()\nf = {source}", wrt=wrt, steps="element")
    printer = TextPrinter(context(d))
    definition = d.definitions[-1]
    assert printer.doprint(definition.element_rhs) == shown
    first = steps_view(d.gradients[wrt].steps, printer, d.program)[0]["rhs"]
    read = {v for v in "xyz" if v in source.replace("exp", "")}
    op = "d" if read == {wrt} else "∂"  # a function of the one scalar alone: d (issue 21)
    assert first == f"{op}({shown})/{op}{wrt}"


def test_one_plus_exp_stays_one_plus_exp_in_every_line():
    d = derive("x: ()\nsigma = 1 / (1 + exp(-x))", wrt="x")
    text = d.text()
    assert "exp(−x) + 1" not in text
    assert text.count("1 + exp(−x)") >= 5   # the definition and every step
    assert "σ = 1/(1 + exp(−x))" in text    # the element form column


def test_a_fan_out_keeps_the_definition_as_written():
    """CS231n's xpy = x + y: ∂(x + y)/∂y in the fan-out step, not ∂(y + x)/∂y."""
    d = derive("x: ()\ny: ()\nsigy = sigmoid(y)\nnum = x + sigy\nsigx = sigmoid(x)\n"
               "xpy = x + y\nxpysqr = xpy ** 2\nden = sigx + xpysqr\ninvden = 1 / den\n"
               "f = num * invden", wrt="x,y")
    assert "∂(x + y)/∂y" in d.text() and "∂(y + x)/∂y" not in d.text()


@pytest.mark.parametrize(("program", "line"), [
    ("A: (m, n)\nB: (m, n)\nC = B + 2 * A", "c_kl = b_kl + 2 a_kl"),
    ("A: (m, n)\nB: (m, n)\nC = -A + B", "c_kl = −a_kl + b_kl"),
    ("x: ()\ny: ()\nf = y * x + 1", "f = y x + 1"),
])
def test_matrices_negative_first_terms_and_products_keep_their_order(program, line):
    assert line in derive(program, steps="element").text()


def test_a_derived_sum_falls_back_to_the_printers_order():
    """2 x₁ + x₂ is no term of the program: it is ordered by the names in it."""
    d = derive("x1: ()\nx2: ()\nf = x1**2 + x1*x2 + x2 + 1", wrt="x1")
    assert "∂f/∂x1 = 2 x1 + x2" in d.text()


def test_the_terms_of_a_fan_out_keep_their_places_from_line_to_line():
    """CS231n's staged x: the chain rule names num, sigx, xpy in that order, and every
    line after it keeps each path's term in its place, ∂f/∂num's as it becomes invden."""
    d = derive("x: ()\ny: ()\nsigy = sigmoid(y)\nnum = x + sigy\nsigx = sigmoid(x)\n"
               "xpy = x + y\nxpysqr = xpy ** 2\nden = sigx + xpysqr\ninvden = 1 / den\n"
               "f = num * invden", wrt="x")
    printer = TextPrinter(context(d))
    lines = [s["rhs"] for s in steps_view(d.gradients["x"].steps, printer, d.program)]
    markers = [("∂f/∂num", "invden"), ("sigx", "σ(x)", "σ′(x)"), ("∂f/∂xpy",)]
    for line in lines:
        places = [min(p for m in marks if (p := line.find(m)) >= 0) for marks in markers]
        assert places == sorted(places), line


def test_numpy_code_keeps_the_proofs_order():
    """The result (1 − σ) σ is printed so in numpy too: (1 - sigma) * sigma."""
    d = derive("x: ()\nsigma = 1 / (1 + exp(-x))", wrt="x")
    assert d.numpy_of("x") == "(1 - sigma) * sigma"
