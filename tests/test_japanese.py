"""--lang ja, fully: no English phrase in any format (the "no matrix form" tail once was),
sentences end with 。, and the reasons sit in full-width parentheses."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
sys.path.insert(0, str(EXAMPLES))
from generate import derivation, examples  # noqa: E402

# the words of matcalc's English phrases (templates/reasons.en.j2 and the labels); a
# program's names and functions (sum(…), log) are not prose and are left alone
ENGLISH = set("""the of and only terms remain product with differentiate chain rule element
form verified note backward pass inlined free indices tensor order substitute collect cancel
broadcast transpose definition diagonal matrix layout shapes gradient ones constant entries
give each row rows sums random points agree central differences step result not above here
along centred like letters renamed multiply out common factor vector between two
matrices scalar input output numerator denominator distribute over every path feeds fan
holds where needs positive entries taken subgradient""".split())

PROGRAMS = examples()


def english_words(text: str) -> list[str]:
    """Words of English prose: not a call (sum(…)), not inside a formula's name, not a
    command-line option (--symmetric-gradient full)."""
    text = re.sub(r"--[a-z][a-z-]*( [a-z]+)?", "", text)
    return [w for w in re.findall(r"(?<![\w\\])([A-Za-z]{2,})\b(?!\()", text)
            if w.lower() in ENGLISH]


@pytest.mark.parametrize("path", PROGRAMS, ids=[p.stem for p in PROGRAMS])
def test_japanese_output_has_no_english_phrase(path):
    d = derivation(path)
    for fmt in ("text", "markdown", "latex", "json"):
        shown = d.show(fmt, "ja")
        if fmt == "json":  # the contract's keys are English by design; its "why" is prose
            shown = "\n".join(re.findall(r'"why": "([^"]*)"', shown))
        if fmt == "markdown":  # code blocks hold the program and numpy, not prose
            shown = re.sub(r"```.*?```", "", shown, flags=re.S)
        found = english_words(shown)
        assert not found, f"{fmt}: {found[:5]}"


def test_japanese_sentences_end_with_a_full_stop_and_reasons_in_full_width_parentheses():
    text = derivation(EXAMPLES / "16_softmax_cross_entropy.mc").text("ja")
    assert "（微分するとクロネッカーのデルタになる）" in text
    verified = [line for line in text.splitlines() if line.startswith("検証済み")]
    notes = [line for line in text.splitlines() if line.startswith("注")]
    assert verified and all(line.endswith("。") for line in verified + notes)


@pytest.mark.parametrize("args, japanese", [
    (["C = foo(A)"], "未知の関数 'foo'"),
    (["x: (n,)\ny: (m,)\nz = x + y"], "ブロードキャストできない"),
    (["C = A @ B", "--wrt", "Q"], "プログラムにない名前"),
    (["C = A @ B\nC = A"], "二度代入している"),
])
def test_error_messages_in_japanese(args, japanese):
    import subprocess
    done = subprocess.run([sys.executable, "-m", "matcalc", "derive", *args, "--lang", "ja"],
                          capture_output=True, text=True)
    assert done.returncode != 0 and japanese in done.stderr, done.stderr
    assert not english_words(done.stderr.split("使える関数")[0]), done.stderr


def test_every_japanese_message_uses_only_groups_its_pattern_has():
    """Issue 20: '行列積ができない: W is (m, h)…、\\3' printed a literal \\3 — its
    replacement named a group the pattern does not have, and lost an operand. The class:
    every replacement's \\k exists in its pattern, and every group is used."""
    import re

    from matcalc.render.messages import JA, in_japanese
    for pattern, replacement in JA:
        groups = re.compile(pattern).groups
        used = {int(k) for k in re.findall(r"\\(\d)", replacement)}
        assert used <= set(range(1, groups + 1)), (pattern, replacement)
        assert used == set(range(1, groups + 1)), f"{pattern!r} drops a group"
    message = "line 1, column 27: cannot multiply: A is (m, n) and W is (m, h); inner " \
              "dimensions differ"
    shown = in_japanese(message)
    assert "A の形は (m, n)" in shown and "W の形は (m, h)" in shown and "\\" not in shown
