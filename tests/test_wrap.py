"""Text for the terminal: long steps wrap at the width (100 columns unless the terminal
says otherwise), with the reason on its own line; numpy code wraps inside brackets, so it
stays valid Python."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from matcalc.render.wrap import wrap_code, wrap_math

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
sys.path.insert(0, str(EXAMPLES))
from generate import derivation, examples  # noqa: E402

PROGRAMS = examples()


@pytest.mark.parametrize("path", PROGRAMS, ids=[p.stem for p in PROGRAMS])
def test_no_line_of_an_examples_text_is_over_100_columns(path):
    long = [line for line in derivation(path).text().splitlines() if len(line) > 100]
    assert not long, long[0]


def test_a_long_step_puts_its_reason_on_its_own_line():
    text = derivation(EXAMPLES / "59_hessian_logistic.mc").text()
    lines = text.splitlines()
    reasons = [k for k, line in enumerate(lines) if line.strip().startswith("(the gradient")]
    assert reasons and lines[reasons[0] - 1].lstrip()  # the step above it, wrapped


MATH = "Σ_p x_pi x_pj σ(Σ_r x_pr w_r) (1 − y_p) (1 − σ(Σ_r x_pr w_r)) + Σ_p x_pi y_p x_pj " \
       "σ(Σ_q x_pq w_q) (1 − σ(Σ_q x_pq w_q)) − (∂L/∂Y ∘ (𝟏 ((sᵀ)^∘⁻¹ ∘ γᵀ)))_ij"
CODE = "(np.exp(Z - Z.max(axis=-1, keepdims=True)) / np.exp(Z - Z.max(axis=-1, " \
       "keepdims=True)).sum(axis=-1, keepdims=True)) * dv.reshape(-1, 1) + X.T @ (dZ * (1 - H))"


@pytest.mark.parametrize("width", [30, 50, 80])
def test_wrapping_only_breaks_lines(width):
    wrapped = wrap_math(MATH, width, 4)
    assert " ".join(part.strip() for part in wrapped.splitlines()) == MATH
    assert all(len(line) <= width for line in wrapped.splitlines()[:1])
    code = wrap_code(CODE, width, 4)
    assert ast.dump(ast.parse(code, mode="eval")) == ast.dump(ast.parse(CODE, mode="eval"))
    assert len(code.splitlines()) > 1


def test_a_note_is_filled_as_prose_and_keeps_formulas_whole():
    """A note fills each line as far as it goes (not broken early at a bracket's edge), and
    never breaks beside an operator: 'sin(b · x) + 0.1 (b · x)³' is not split at its +."""
    from matcalc.render.wrap import wrap_prose
    note = ("note: the numerical check runs it as two unrelated functions of the entries of "
            "x in order, tanh(a · x) and sin(b · x) + 0.1 (b · x)³ with fixed random a and b "
            "(the result must hold for both)")
    for width in range(40, 100, 7):
        lines = wrap_prose(note, width, 4).split("\n")
        assert all(len(line) <= width for line in lines)
        assert " ".join(line.strip() for line in lines) == note
        for line, after in zip(lines, lines[1:]):
            assert line[-1] not in "+−=·" and after.strip()[0] not in "+−=·"
            # filled, as far as a bracket of the formula kept whole allows
            assert len(line) > width // 2


def test_a_japanese_note_keeps_to_the_columns_a_terminal_gives_it():
    """Full-width characters take two columns; Japanese breaks between characters, never
    before 、。） nor after （."""
    from matcalc import derive
    from matcalc.render.wrap import NO_LINE_END, NO_LINE_START, display_columns
    text = derive("x: ()\nf: () -> ()\ny = f(x)", wrt="x").show("text", "ja")
    notes = text[text.index("注："):text.index("\n\n")].split("\n")
    assert len(notes) > 2
    assert all(display_columns(line) <= 100 for line in notes)
    for line, after in zip(notes, notes[1:]):
        assert line[-1] not in NO_LINE_END and after.strip()[0] not in NO_LINE_START
