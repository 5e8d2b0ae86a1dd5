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
    assert "（∵ k=i の項のみが残る）" in text and "（単位行列を掛けても変わらない）" in text
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


# ------------------------------------------------------------ Japanese without seams (issue 20)

JAPANESE = r"[\u3040-\u30ff\u3400-\u9fff、。：（）「」]"
# words that are code, not prose: numpy's and matcalc's names, Python's, the command line's
CODE = set("""numpy np matcalc import return lambda lam elementwise gradient onehot prob_rows
symmetric spd positive dtype einsum ord norm float int abs len True False axis keepdims
NAME VALUE FORMULA FILE dNAME apt install graphviz Graphviz dot svg png sym full article
named staged
delta numerator denominator columns rows NUL Python where logical_not array sum mean max reshape
astype Delta exp log tanh tanhh foo outer maximum all comprehension string linalg
CheckReport dW dZ dY out f-string element result""".split())


def seams(text: str) -> list[str]:
    """What makes Japanese read as a patchwork: an ASCII sentence mark right after Japanese
    (「…一致.」, 「値: 」), an ASCII bracket against Japanese, a full-width bracket inside
    another (（連鎖律（…））)."""
    found = re.findall(rf"{JAPANESE}[ ]?(?:[.,;!?](?![\w=(])|:(?![=\w]))", text)
    found += re.findall(rf"\({JAPANESE}|{JAPANESE}\)", text)
    depth = 0
    for char in text:
        depth += {"（": 1, "）": -1}.get(char, 0)
        if depth > 1:
            found.append(f"nested （: …{text[max(0, text.index(char) - 20):][:60]}")
            break
    return found


def leftover_english(japanese: str, allowed=()) -> list[str]:
    """English words in a Japanese message, beyond quoted code ('…', `…`), options
    (--wrt), the names the message was given (``allowed``) and code words."""
    text = re.sub(r"'[^']*'|`[^`]*`|--[a-z][a-z-]*", " ", japanese)
    names = {w for value in allowed for w in re.findall(r"[A-Za-z_]\w*", value)}
    names |= {f"d{name}" for name in names}   # the gradient of a name, in numpy
    return [w for w in re.findall(r"(?<![\w.\\])([A-Za-z][A-Za-z_-]+)\b", text)
            if w not in CODE and w not in names]


def test_every_error_message_has_a_japanese_rendering():
    """The catalogue walk: every message matcalc raises to a user (read from the source,
    tests/message_catalogue.py, each written out with sample values) is said in
    Japanese — translated, no English sentence words left beyond names and code, full-width
    punctuation, no nested brackets, no ASCII full stop after Japanese."""
    from message_catalogue import catalogue

    from matcalc.render.messages import message_in
    messages = catalogue()
    assert len(messages) > 150   # the walk finds the raise sites (it once found none)
    problems = []
    for m in messages:
        ja = message_in(m.sample, "ja")
        if ja == m.sample:
            problems.append(f"{m.where}: untranslated: {m.sample}")
            continue
        english = leftover_english(ja, m.values)
        if english or seams(ja):
            problems.append(f"{m.where}: {ja} ({english or seams(ja)})")
    assert not problems, "\n".join(problems)


def test_the_message_scan_can_fail():
    """The scan above catches what the issue filed."""
    assert seams("検証済み: 3 組") and seams("一致.") and seams("（連鎖律（W は分岐））")
    assert seams("ヤコビ行列 (分子レイアウト") and not seams("∂L/∂W は W と同じ形 (n, k) を持つ。")
    assert leftover_english("3 行目：W is not a dimension", ["W"]) == ["is", "not", "dimension"]
    assert not leftover_english("'foo' は未知の関数。使える関数：exp, log", ["exp", "log"])


@pytest.mark.parametrize("args, japanese", [
    (["C = foo(A)"], "未知の関数 'foo'"),
    (["C = A.T", "--shape", "A=m,n,k"], "軸をすべて逆順"),
    (["x: (n,)\nC = x[0] + A"], "長さの分かったベクトル"),
    (["C = A @ B", "--at", "A=1,B=2"], "与えられた値の形"),
    (["C = A @ B", "--wrt", "A", "--against", "A @ dC"], "numpy で計算できない"),
    (["C = A @ B", "--wrt", "A", "--against", "dQ @ B.T"], "このプログラムの名前ではない"),
    (["C = A @ B", "--wrt", "A", "--against", "dC @ B.T +"], "numpy の式ではない"),
    (["C = A @ B", "--check", "--no-check"], "どちらか一方"),
    (["y = log(-exp(x))"], "どこでも定義されない"),
])
def test_errors_from_real_failing_inputs_in_japanese(args, japanese, capsys):
    """End to end: a real failing input, through the command line, says it in Japanese."""
    from matcalc.cli import main
    code = main(["derive", *args, "--lang", "ja"])
    said = capsys.readouterr()
    shown = said.err + said.out
    assert code != 0 and japanese in shown, shown
    program = " ".join(args)
    assert "error" not in said.err and ("matcalc: エラー：" in said.err or
                                        "不一致" in said.out), shown  # an error or a verdict
    body = shown.split("エラー：", 1)[-1]
    assert not leftover_english(body.split("使える関数")[0], [program]), shown
    assert not seams(body), shown


def test_the_check_report_in_japanese(capsys):
    from matcalc.cli import main
    assert main(["derive", "X: (n, n)\nw: (n,)\ny = log(X @ w)", "--check", "--lang", "ja"]) \
        == 0
    report = capsys.readouterr().err
    assert "X：合格。" in report and "（3 組の乱数入力）" in report, report
    assert "注：X, w は log(X @ w) の定義域に入るよう取り直した。" in report, report
    assert not leftover_english(report, ["X", "w", "log"]) and not seams(report), report
    # a branch never seen on both sides: not verified, said in Japanese
    assert main(["derive", "x: positive(n)\ny = relu(x)", "--check", "--lang", "ja"]) == 0
    shown = capsys.readouterr().out
    assert "未検証：relu(x) では 16 組の入力で一度も引数が負にならなかった。" in shown, shown


@pytest.fixture
def japanese():
    from matcalc import set_language
    set_language("ja")
    yield
    set_language("en")


def test_a_verify_report_in_a_notebook_after_set_language(japanese):
    from matcalc import derive, verify
    d = derive("Z1 = X @ W\nH = maximum(Z1, 0)\nL = sum(H)", check=False)
    report = verify(d)
    for shown in (str(report), repr(report), report._repr_markdown_()):
        assert not leftover_english(shown, ["X", "W", "H", "Z1"]), shown
        assert not seams(shown), shown
    assert "W：合格。" in str(report) and "合格" in repr(report)
    assert "| 結果 | ステップ数 |" in report._repr_markdown_()
    shifted = verify(derive("X: (n, n)\nw: (n,)\ny = log(X @ w)", check=False))
    assert "log(X @ w) の定義域" in shifted._repr_markdown_()


def test_the_report_is_english_again_after_the_language_is_reset():
    from matcalc import derive, set_language, verify
    set_language("ja")
    set_language("en")
    assert str(verify(derive("C = A @ B", wrt="A", check=False))).startswith("A: ok — ")


@pytest.mark.parametrize("args, head", [
    (["--against", "X.T @ (dH * (Z > 0))"], "一致：X.T @ (dH * (Z > 0)) は ∂L/∂W に等しい"),
    (["--against", "X.T @ dH"], "不一致：X.T @ dH は ∂L/∂W ではない。"),
    (["--against", "dH.T @ X"], "不一致："),
    (["--against", "X @ dH"], "numpy で計算できない：X は形 (m, n) = "),
])
def test_against_verdicts_in_japanese(args, head, capsys):
    from matcalc.cli import main
    main(["derive", "X: (m, n)\nW: (n, k)\nZ = X @ W\nH = relu(Z)", "--wrt", "W", *args,
          "--lang", "ja"])
    shown = capsys.readouterr().out
    assert head in shown, shown
    assert not leftover_english(shown, ["X", "W", "Z", "H", "dH", "heaviside", args[1]]), shown
    assert not seams(shown), shown


def test_an_against_that_cannot_be_judged_in_japanese(capsys):
    from matcalc.cli import main
    assert main(["derive", "x: positive(n)\ny = relu(x)", "--wrt", "x", "--against", "dy",
                 "--lang", "ja"]) == 1
    shown = capsys.readouterr().out
    assert shown.startswith("判定できない：dy は") and "一度も引数が負にならなかった。" in shown
    assert not leftover_english(shown, ["x", "dy", "relu"]) and not seams(shown), shown


@pytest.mark.parametrize("lang, said", [
    ("en", "not judged: --against gives no dW, so ∂L/∂W is not checked"),
    ("ja", "判定できない：--against に dW がないので、∂L/∂W は検証していない。"),
])
def test_an_against_file_without_the_gradient_asked_for_says_so(lang, said, tmp_path, capsys):
    """--wrt W --against @file with no dW line used to say nothing about W."""
    from matcalc.cli import main
    program = "X: (m, n)\nW: (n, k)\nZ = X @ W\nH = relu(Z)"
    for text in ("dZ = dH * (Z > 0)\n", "dZ = dH * (Z > 0)\ndX = dZ @ W.T\n"):
        path = tmp_path / "backward.py"
        path.write_text(text)
        assert main(["derive", program, "--wrt", "W", "--against", f"@{path}",
                     "--lang", lang]) == 1
        assert said in capsys.readouterr().out


def test_japanese_markdown_of_a_non_scalar_result_ends_its_sentences_with_a_full_stop():
    from matcalc import derive, jacobian
    markdown = derive("C = A @ B", wrt="A").markdown("ja")
    prose = re.sub(r"```.*?```|\$\$.*?\$\$", "", markdown, flags=re.S)
    upstream = next(line for line in prose.splitlines() if "上流から伝わる勾配" in line)
    assert upstream.endswith("（逆伝搬の入力）。"), upstream
    assert not seams(prose), seams(prose)
    for line in prose.splitlines():
        if re.search(JAPANESE, line) and not line.startswith("#"):
            assert line.endswith(("。", "：")) or line.startswith("形状："), line
    header = jacobian("x: (n,)\ny = W @ x", "x").text("ja").splitlines()[3]
    assert header == "ヤコビ行列（分子レイアウト：行が出力に対応）：", header
    at = derive("x: ()\ny: ()\nq = x * y", wrt="all").at({"x": 4, "y": -3})
    assert "x = 4, y = −3 における値：" in at.text("ja")
    assert "$x = 4,\\ y = -3$ における値：" in at.markdown("ja")


@pytest.mark.parametrize("program", [
    "H = A @ B\nC = H * A",                              # fan-out: 連鎖律：…
    "S: symmetric(n, n)\nx: (n,)\nf = x @ S @ x",         # 転置：S は対称
    "T: onehot(m, c)\nP = softmax(Z)\nL = cross_entropy(T, P)",  # ∵ T は onehot なので
    "u: (m,)\nv: (n,)\nC = outer(u, v)",
    "x: (n,)\nB = diag(x) @ A",
])
def test_japanese_proofs_have_no_seams(program):
    from matcalc import derive
    d = derive(program, wrt="all")
    for fmt in ("text", "markdown"):
        shown = re.sub(r"```.*?```", "", d.show(fmt, "ja"), flags=re.S)
        assert not seams(shown), (fmt, seams(shown))
