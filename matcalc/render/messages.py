"""Error messages in Japanese (``--lang ja``): each English message of the command line is
matched by a pattern below and said again in Japanese, its names and numbers kept. A
message no pattern knows stays English (a missing line here, not a crash).
"""

from __future__ import annotations

import re

# (the English message, as a pattern; the Japanese one, with the pattern's groups)
JA: list[tuple[str, str]] = [
    (r"line (\d+), column (\d+): (.*)", r"\1 行 \2 列: \3"),
    (r"unknown function '([^']+)'; did you mean (\w+)\? known: (.*)",
     r"未知の関数 '\1'。\2 のことか。使える関数: \3"),
    (r"unknown function '([^']+)'; known: (.*)",
     r"未知の関数 '\1'。使える関数: \2"),
    # the habits people bring from Python and numpy (language/parse.py)
    (r"write (\w+)\(…\): matcalc's functions are numpy's without (\w+)\. \((\S+) is \w+\)",
     r"\1(…) と書く。matcalc の関数は numpy の関数から \2. を除いた名前（\3 は \1）"),
    (r"(\S+) is not a function of matcalc; its functions are numpy's without np\.: (.*)",
     r"\1 は matcalc の関数ではない。関数は numpy の名前から np. を除いたもの: \2"),
    (r"write \w+\(…\) with the array as its argument, e\.g\. (\S+) for (\S+): matcalc "
     r"calls functions, not methods",
     r"\2 ではなく \1 と書く。matcalc はメソッドではなく関数を呼ぶ"),
    (r"use \*\* for powers, e\.g\. X \*\* 2 \(\^ is Python's exclusive or\)",
     r"累乗は ** で書く（例: X ** 2）。^ は Python では排他的論理和"),
    (r"a program needs no import: .*", r"import は要らない。matcalc の関数は numpy の関数から "
     r"np. を除いた名前（例: 'Y = exp(X)'）"),
    (r"write a new name for the new value, .*",
     r"新しい値には新しい名前を付ける（'H += …' なら 'H2 = H + …'）。各名前への代入は一度だけ"),
    (r"a program defines no functions: .*",
     r"プログラムでは関数を定義しない。中身を文として書くか、"
     r"未知の関数は 'f: elementwise' と宣言する"),
    (r"a program returns nothing: .*", r"プログラムは return しない。最後の代入が出力になる"),
    (r"a program has no loops: .*", r"プログラムにループはない。各ステップを一つずつ文として書く"),
    (r"a program has no conditions: .*",
     r"プログラムに条件分岐はない。値が切り替わる所は折れ点のある関数（--help を参照）で書く"),
    (r"an expression alone computes nothing: .*",
     r"式だけでは何も計算しない。代入する（例: 'L = …'）"),
    (r"invalid syntax(?:: (.*))?", r"構文の誤り\1"),
    (r"shapes do not broadcast for '([^']+)': (.+) and (.+)",
     r"'\1' の両辺の形がブロードキャストできない: \2、\3"),
    (r"cannot multiply: (.+) and (.+); inner dimensions differ",
     r"行列積ができない: \1、\2。内側の次元が違う"),
    (r"cannot multiply: (.+) and (.+)", r"行列積ができない: \1、\2"),
    (r"(.+) is \(([^)]*)\)", r"\1 の形は (\2)"),
    (r"one side is \(([^)]*)\)", r"一方の形は (\1)"),
    (r"--wrt (\S+): no such name in the program \(inputs: (.*)\)",
     r"--wrt \1: プログラムにない名前（入力: \2）"),
    (r"(--\w+)(?: (\S+))?: no such name in the program", r"\1 \2: プログラムにない名前"),
    (r"no such file: (.*)", r"ファイルがない: \1"),
    (r"'([^']+)' is used before or in its own definition; give the result a new name",
     r"'\1' は定義より前か自身の定義の中で使われている。結果に新しい名前を付ける"),
    (r"'([^']+)' is assigned twice; give each result its own name",
     r"'\1' に二度代入している。結果ごとに別の名前を付ける"),
    (r"'([^']+)' is reserved and cannot name a matrix",
     r"'\1' は予約語なので行列の名前にできない"),
    (r"(.+)\(\) needs a square matrix; (.*)", r"\1() には正方行列が必要: \2"),
    (r"(.+)\(\) takes no such keyword argument", r"\1() にそのキーワード引数はない"),
    (r"(.+)\(\) takes one argument, got (\d+)", r"\1() の引数は一つ（\2 個ある）"),
    (r"(.+)\(\) takes two arguments, got (\d+)", r"\1() の引数は二つ（\2 個ある）"),
    (r"the program has no assignment: write e\.g\. '(.*)'",
     r"プログラムに代入文がない。例: '\1'"),
    (r"the exponent of '\*\*' must be a constant number", r"'**' の指数は定数でなければならない"),
    (r"(--against): line (\d+): (.*)", r"\1: \2 行目: \3"),
    (r"(--against): (.+)", r"\1: \2"),
    (r"(np\.\S+) is not supported in a formula", r"\1 は式では使えない"),
    (r"\.(\w+) is not supported in a formula \(arrays offer (.*) and methods such as (.*)\)",
     r".\1 は式では使えない（配列にあるのは \2 と \3 などのメソッド）"),
    (r"`([^`]+)` is not a name of this program; the upstream gradients are (.*) "
     r"\(its names: (.*)\)", r"`\1` はこのプログラムの名前ではない。上流の勾配は \2（名前: \3）"),
    (r"`([^`]+)` is not a name of this program; its names are (.*)",
     r"`\1` はこのプログラムの名前ではない。名前は \2"),
    (r"(\S+) is read before a line assigns it; .*",
     r"\1 は代入される前に読まれている。逆伝播は上流の勾配か順伝播の値から始まり、"
     r"前の行が代入した値を読む"),
    (r"(.+) is too large: it would have (.+) entries; a formula may build arrays of at "
     r"most (.+)",
     r"\1 は成分が \2 個になる。式が作れる配列は \3 個まで"),
    (r"(.+): (?:names|attributes) with (?:double )?underscores are not allowed in a formula",
     r"\1: アンダースコアで始まる名前は式では使えない"),
    (r"(.+) is not a numpy expression \((.*)\)", r"\1 は numpy の式ではない（\2）"),
    # the numerical check's report (check/numeric.py, check/verification.py)
    (r"(.+): never (.+) in (\d+) instances?",
     r"\1 では \3 組の入力で一度も\2ならなかった"),
    (r"negative", r"引数が負に"),
    (r"positive", r"引数が正に"),
    (r"with the second argument larger", r"第 2 引数の方が大きく"),
    (r"with the first argument larger", r"第 1 引数の方が大きく"),
    (r"(.+) moved into the domain of (.+)", r"\1 は \2 の定義域に入るよう取り直した"),
    (r"no random input found where the program is defined",
     r"プログラムが定義される乱数入力が見つからない"),
    (r"(.+): (.+), and no random point could be moved where it is \((\d+) draws\): the "
     r"program is defined nowhere",
     r"\1 について、\2。\3 回引き直しても条件を満たす点がなく、プログラムはどこでも定義されない"),
    (r"its argument must be positive", r"引数は正でなければならない"),
    (r"its argument must have a positive determinant", r"引数の行列式は正でなければならない"),
    (r"its denominator must not be 0", r"分母は 0 であってはならない"),
    (r"the base of a fractional power must be positive", r"分数乗の底は正でなければならない"),
    (r"could not evaluate: (.*)", r"評価できない（\1）"),
    (r"numpy backward pass: (.*)", r"numpy の逆伝搬が評価できない（\1）"),
    (r"the vector lies the wrong way for its layout", r"ベクトルの向きがレイアウトと逆"),
    (r"the numerical check caught a wrong result \(see above\); it is not shown: please "
     r"report this program",
     r"数値検証が誤った結果を検出したので表示しない（上を参照）。このプログラムを報告してほしい"),
    (r"a wrong derivation was caught by the numerical check and is not shown; (?:.*)",
     r"数値検証が誤った導出を検出したので表示しない。matcalc の開発者に報告してほしい"),
]


def in_japanese(message: str) -> str:
    """The message in Japanese where a pattern knows it (recursively, for the parts a
    pattern leaves: "line 1, column 5: unknown function …")."""
    for pattern, replacement in JA:
        match = re.fullmatch(pattern, message, flags=re.S)
        if match:
            groups = [in_japanese(g) if g else "" for g in match.groups()]
            out = replacement
            for k, group in enumerate(groups, 1):
                out = out.replace(f"\\{k}", group)
            return out
    return message


def message_in(message: str, lang: str) -> str:
    """An error message in the language asked for (a sentence: Japanese ends with 。)."""
    if lang != "ja":
        return message
    shown = in_japanese(message)
    return shown if shown == message or shown.endswith(("。", "）")) else shown + "。"


def said_in(text: str, lang: str, sentence: bool = True) -> str:
    """A phrase of a report (a branch never seen on both sides, an input moved into a
    domain, why a result is unverified) in the language asked for. Parts joined by "; "
    are said one by one; in Japanese a ``sentence`` ends with 。, parts with 、 between."""
    if lang != "ja" or not text:
        return text
    whole = in_japanese(text)
    parts = [whole] if whole != text else [in_japanese(part) for part in text.split("; ")]
    shown = ("。" if sentence else "、").join(parts)
    return shown + "。" if sentence and not shown.endswith("。") else shown
