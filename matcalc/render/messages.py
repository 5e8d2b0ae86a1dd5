"""Error messages in Japanese (``--lang ja``): each English message of the command line is
matched by a pattern below and said again in Japanese, its names and numbers kept. A
message no pattern knows stays English (a missing line here, not a crash).
"""

from __future__ import annotations

import re

# a shape in words, as check/against.py says it ("a matrix of shape (m, n) = 4×3")
DESCRIBED = r"(?:a scalar|a vector of length .+|an? (?:matrix|array) of shape .+|" \
    r"a \S+ (?:matrix|array))"

# (the English message, as a pattern; the Japanese one, with the pattern's groups)
JA: list[tuple[str, str]] = [
    (r"line (\d+), column (\d+): (.*)", r"\1 行 \2 列：\3"),
    # the habits people bring from Python and numpy (language/parse.py)
    (r"write (\w+)\(…\): matcalc's functions are numpy's without (\w+)\. \((\S+) is \w+\)",
     r"\1(…) と書く。matcalc の関数は numpy の関数から \2. を除いた名前（\3 は \1）"),
    (r"(\S+) is not a function of matcalc; its functions are numpy's without np\.: (.*)",
     r"\1 は matcalc の関数ではない。関数は numpy の名前から np. を除いたもの：\2"),
    (r"write \w+\(…\) with the array as its argument, e\.g\. (\S+) for (\S+): matcalc "
     r"calls functions, not methods",
     r"\2 ではなく \1 と書く。matcalc はメソッドではなく関数を呼ぶ"),
    (r"use \*\* for powers, e\.g\. X \*\* 2 \(\^ is Python's exclusive or\)",
     r"累乗は ** で書く（例：X ** 2）。^ は Python では排他的論理和"),
    (r"a program needs no import: .*", r"import は要らない。matcalc の関数は numpy の関数から "
     r"np. を除いた名前（例：'Y = exp(X)'）"),
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
     r"式だけでは何も計算しない。代入する（例：'L = …'）"),
    (r"invalid syntax(?:: (.*))?", r"構文の誤り\1"),
    (r"shapes do not broadcast for '([^']+)': (.+) and (.+)",
     r"'\1' の両辺の形がブロードキャストできない：\2、\3"),
    (r"cannot multiply: (.+) and (.+); inner dimensions differ",
     r"行列積ができない：\1、\2。内側の次元が違う"),
    (r"cannot multiply: (.+) and (.+)", r"行列積ができない：\1、\2"),
    (r"--wrt (\S+): no such name in the program \(inputs: (.*)\)",
     r"--wrt \1：プログラムにない名前（入力：\2）"),
    (r"(--\w+)(?: (\S+))?: no such name in the program", r"\1 \2：プログラムにない名前"),
    (r"no such file: (.*)", r"ファイルがない：\1"),
    (r"'([^']+)' is used before or in its own definition; give the result a new name",
     r"'\1' は定義より前か自身の定義の中で使われている。結果に新しい名前を付ける"),
    (r"'([^']+)' is assigned twice; give each result its own name",
     r"'\1' に二度代入している。結果ごとに別の名前を付ける"),
    (r"'([^']+)' is reserved and cannot name a matrix",
     r"'\1' は予約語なので行列の名前にできない"),
    (r"(.+)\(\) needs a square matrix; (.*)", r"\1() には正方行列が必要：\2"),
    (r"(.+)\(\) maps a vector of length (\S+); (.*)",
     r"\1() は長さ \2 のベクトルの写像：\3"),
    (r"(.+)\(\) maps a value of shape (.+?); (.*)",
     r"\1() は形 \2 の値の写像：\3"),
    (r"(.+)\(\) takes no such keyword argument", r"\1() にそのキーワード引数はない"),
    (r"(.+)\(\) is applied to an intermediate here, which this command writes out, and a "
     r"declared map's derivative is a symbol of its own argument: use 'matcalc derive', "
     r"which follows the chain through the argument's name",
     r"ここで \1() は中間の値に適用されていて、このコマンドはそれを展開する。宣言した写像の微分"
     r"は自身の引数についての記号なので、引数の名前を通して連鎖律をたどる 'matcalc derive' "
     r"を使う"),
    (r"the derivative (.+) of a declared map is a symbol with no derivative of its own: there "
     r"is no second derivative \(a Hessian\) through the map",
     r"宣言した写像の微分 \1 はそれ自身の微分を持たない記号なので、写像を通る二階微分"
     r"（ヘッセ行列）はない"),
    (r"numpy's (\S+) needs two axes; (.*)", r"numpy の \1 には軸が二つ必要：\2"),
    (r"reshape is not in the language yet: form heads with einsum, e\.g\. (.+), or declare "
     r"them split, (.+)",
     r"reshape はまだ言語にない。ヘッドは einsum で作るか（例：\1）、分けた形で宣言する（\2）"),
    (r"(\S+)\(X, axis=(.+)\) names an axis twice", r"\1(X, axis=\2) は同じ軸を二度指している"),
    (r"(\S+)\(X, axis=(.+)\): (.+), which has (\d+) axes \((\d+) to (\d+), or -1 for the "
     r"last\)", r"\1(X, axis=\2)：\3 の軸は \4 個（\5 から \6、最後の軸は -1）"),
    (r"(\S+)\(\) runs along the last axis here \(axis=-1\); for axis=(\S+), transpose the "
     r"axes first",
     r"ここでの \1() は最後の軸（axis=-1）に沿って計算する。axis=\2 には先に軸を入れ替える"),
    (r"numpy's (\S+) reverses all (\d+) axes; for the last two write (.+) or (\S+)",
     r"numpy の \1 は \2 個の軸をすべて逆順にする。最後の二つを入れ替えるには \3 か \4 と書く"),
    (r"(\w+)\(\) takes the axes as integers, e\.g\. (.+)",
     r"\1() は軸を整数で受け取る（例：\2）"),
    (r"(.+) does not permute the (\d+) axes: (.+)", r"\1 は \2 個の軸の並べ替えになっていない：\3"),
    (r"reshape\(\) takes the new shape as dimension names, numbers and one -1, e\.g\. (.+)",
     r"reshape() は新しい形を次元の名前・数・一つの -1 で受け取る（例：\1）"),
    (r"reshape splits one axis into two or merges two adjacent ones; (.+), and (.+) is neither",
     r"reshape は一つの軸を二つに分けるか、隣り合う二つの軸をまとめる。"
     r"\1 で、\2 はそのどちらでもない"),
    (r"reshape to (.+): (.+), and the lengths do not multiply out",
     r"\1 への reshape：\2 で、長さの積が合わない"),
    (r"reshape to (.+) adds or drops an axis of length 1; (.+): matcalc splits an axis "
     r"d = h·k into two longer ones, or merges two",
     r"\1 への reshape は長さ 1 の軸を足すか除く（\2）。"
     r"matcalc が扱うのは軸 d = h·k を二つの長い軸に"
     r"分けるか、二つをまとめる reshape"),
    (r"reshape to (.+): (\S+) is split as (\S+) already; split it the same way",
     r"\1 への reshape：\2 はすでに \3 に分けられている。同じように分ける"),
    (r"(\S+) must be an integer of at least (\S+), e\.g\. (\S+)",
     r"\1 は \2 以上の整数（例：\3）"),
    (r"(\S+) needs its arguments' shapes declared, e\.g\. (.+) and (.+)",
     r"\1 には引数の形の宣言が要る（例：\2 と \3）"),
    (r"(\S+): the kernel \((\S+)\) is longer than the padded input \((.+)\)",
     r"\1：カーネル（\2）がパディングした入力（\3）より長い"),
    (r"(\S+) takes a batch of images and a kernel, (.+); (.+) and (.+)",
     r"\1 は画像のバッチとカーネルを取る（\2）。\3、\4"),
    (r"(\S+): the channels differ, (.+) and (.+) \(input channels are axis 1 of both\)",
     r"\1：チャネル数が違う。\2、\3（入力チャネルはどちらも軸 1）"),
    (r"(\S+) with padding of the intermediate (\S+): derive its gradient \(matcalc derive\); "
     r"a Jacobian or Hessian through it is not supported",
     r"中間の \2 をパディングする \1：勾配は導けるが、それを通るヤコビアンとヘッセ行列は扱わない"),
    (r"(\S+) with padding reads its input past the edges as zeros: give the input a name "
     r"first, e\.g\. (.+), then (.+)",
     r"パディング付きの \1 は入力の端の外を 0 として読む："
     r"先に入力に名前を付ける（例：\2、次に \3）"),
    (r"(\S+) is a length: give a positive integer, e\.g\. (\S+)",
     r"\1 は長さ：正の整数で与える（例：\2）"),
    (r"(\S+)=(\S+) does not divide (\S+)=(\S+) \((.+)\)",
     r"\1=\2 は \3=\4 を割り切らない（\5）"),
    (r"(\S+) = (\S+), but (.+)", r"\1 = \2 だが \3"),
    (r"reshape keeps every other axis: (.+), and (.+) differs",
     r"reshape は他の軸をそのまま保つ：\1 で、\2 はそれと違う"),
    (r"reshape needs the length (\S+): give it with the values, e\.g\. (\S+)",
     r"reshape には長さ \1 が要る：値と一緒に与える（例：\2）"),
    (r"(.+)\(\) takes its subscripts first, as a string: '(.+)'",
     r"\1() の最初の引数は添字の文字列：'\2'"),
    (r"(.+)\(\) needs at least one operand after its subscripts",
     r"\1() には添字の後にオペランドが一つ以上必要"),
    (r"the subscripts '(.+)' name (\S+) operands?, and (\S+) (?:is|are) given",
     r"添字 '\1' はオペランド \2 個を表すが、与えられたのは \3 個"),
    (r"the result of '(.+)' has a letter no operand has",
     r"'\1' の結果に、どのオペランドにもない文字がある"),
    (r"a letter appears twice in the result of '(.+)'", r"'\1' の結果に同じ文字が二度ある"),
    (r"subscripts are letters, one per axis: '(.+)'", r"添字は軸ごとに一文字の英字：'\1'"),
    (r"an ellipsis \(\.\.\.\) is not supported: write every axis's letter",
     r"省略記号（...）は使えない。軸ごとに文字を書く"),
    (r"einsum subscripts '(.+)' give (\S+) axes; (.*)", r"einsum の添字 '\1' は軸 \2 個：\3"),
    (r"einsum letter '(.+)' has two lengths, (.+) and (.+); (.*)",
     r"einsum の文字 '\1' に二つの長さ \2 と \3 がある：\4"),
    (r"(.+)\(\) takes one argument, got (\d+)", r"\1() の引数は一つ（\2 個ある）"),
    (r"(.+)\(\) takes two arguments, got (\d+)", r"\1() の引数は二つ（\2 個ある）"),
    (r"the program has no assignment: write e\.g\. '(.*)'",
     r"プログラムに代入文がない。例：'\1'"),
    (r"the exponent of '\*\*' must be a constant number", r"'**' の指数は定数でなければならない"),
    (r"(--against): line (\d+): (.*)", r"\1：\2 行目：\3"),
    (r"--against (.+): no such file: (.*)", r"--against \1：ファイル \2 がない"),
    (r"(--against): (.+)", r"\1：\2"),
    (r"(np\.\S+) is not supported in a formula", r"\1 は式では使えない"),
    (r"\.(\w+) is not supported in a formula \(arrays offer (.*) and methods such as (.*)\)",
     r".\1 は式では使えない（配列にあるのは \2 と \3 などのメソッド）"),
    (r"`([^`]+)` is not a name of this program; the upstream gradients are (.*) "
     r"\(its names: (.*)\)", r"`\1` はこのプログラムの名前ではない。上流の勾配は \2（名前：\3）"),
    (r"`([^`]+)` is not a name of this program; its names are (.*)",
     r"`\1` はこのプログラムの名前ではない。名前は \2"),
    (r"(\S+) is read before a line assigns it; .*",
     r"\1 は代入される前に読まれている。逆伝播は上流の勾配か順伝播の値から始まり、"
     r"前の行が代入した値を読む"),
    (r"(.+) is too large: it would have (.+) entries; a formula may build arrays of at "
     r"most (.+)",
     r"\1 は成分が \2 個になる。式が作れる配列は \3 個まで"),
    (r"(.+): (?:names|attributes) with (?:double )?underscores are not allowed in a formula",
     r"\1：アンダースコアで始まる名前は式では使えない"),
    (r"(.+) is not a numpy expression \((.*)\)", r"\1 は numpy の式ではない（\2）"),
    # the command line (cli.py)
    (r"--shape expects NAME=d1,d2 \(e\.g\. X=m,n\), got (.+)",
     r"--shape は NAME=d1,d2 の形で書く（例：X=m,n）。与えられたのは \1"),
    (r"--shape (.+): an empty dimension between commas", r"--shape \1：コンマの間の次元が空"),
    (r"--shape (.+): (.+) is not a dimension", r"--shape \1：\2 は次元ではない"),
    (r"--shape (.+) is given twice", r"--shape \1 が二度与えられている"),
    (r"--at gives the values, --seed draws them: give one of them",
     r"--at は値を与え、--seed は値を引く。どちらか一方を与える"),
    (r"(.+) is declared, not specified, so it has no values: write it out to use --at",
     r"\1 は宣言されただけで中身がないので値を持たない。--at を使うには関数を書き下す"),
    (r"--check prints the check's report, --no-check skips the check: give one of them",
     r"--check は検証の報告を表示し、--no-check は検証を省く。どちらか一方を与える"),
    (r"--against -: the program already reads standard input; give one of them as a file",
     r"--against -：プログラムがすでに標準入力を読んでいる。どちらかをファイルで与える"),
    (r"--format png writes a file: give --output FILE",
     r"--format png はファイルに書く。--output FILE を与える"),
    (r"a backward pass is checked on its own; give it as the only --against",
     r"逆伝播はそれだけで検証する。--against には逆伝播だけを与える"),
    (r"write NAME=FORMULA, or give exactly one --wrt",
     r"NAME=式 と書くか、--wrt をちょうど一つ与える"),
    (r"the program is nested too deeply", r"プログラムの入れ子が深すぎる"),
    # the library's arguments (pipeline.py)
    (r"must be (\w+), (\w+) or (\w+)", r"\1、\2、\3 のいずれか"),
    (r"must be (\w+) or (\w+)", r"\1 か \2 のどちらか"),
    (r"(.+) names the loss and a gradient; rename the gradient",
     r"\1 は損失と勾配の両方の名前になっている。勾配の名前を変える"),
    (r"the name (\S+) is taken: numpy code calls the upstream gradient (\S+) (\S+); rename it",
     r"名前 \1 は使えない：numpy のコードでは上流の勾配 \2 を \3 と呼ぶ。名前を変える"),
    (r"the program has no inputs to differentiate with respect to",
     r"プログラムに微分できる入力がない"),
    (r"not a valid name", r"名前として使えない"),
    (r"the output (\S+) has shape (.+), so a scalar loss is implied, but its name (\S+) is "
     r"taken; choose another loss name",
     r"出力 \1 の形は \2 なのでスカラーの損失を補うが、その名前 \3 はすでに使われている。"
     r"別の損失の名前を選ぶ"),
    (r"the program has several outputs \((.+)\), so a scalar loss is implied, but its name "
     r"(\S+) is taken; choose another loss name",
     r"プログラムには出力が複数（\1）あるのでスカラーの損失を補うが、その名前 \2 はすでに"
     r"使われている。別の損失の名前を選ぶ"),
    (r"a statement's share of a gradient has no numpy code, so there is no staged backward "
     r"pass; use --backward named",
     r"ある文の勾配への寄与に numpy のコードがないので、段階的な逆伝播は書けない。"
     r"--backward named を使う"),
    (r"a wrong staged backward pass was caught by the numerical check and is not shown; "
     r"please report this program to matcalc's developers(.*)",
     r"誤った段階的な逆伝播が数値検証で見つかったので表示しない。このプログラムを matcalc の"
     r"開発者に報告してほしい\1"),
    (r"needs a name \(or 'all'\)", r"名前（または 'all'）が必要"),
    (r"a Hessian needs a scalar output; (\S+) has shape (.+)",
     r"ヘッセ行列にはスカラーの出力が必要。\1 の形は \2"),
    (r"a Hessian is taken with respect to a vector or a matrix; (\S+) has shape (.+)",
     r"ヘッセ行列はベクトルか行列で微分して求める。\1 の形は \2"),
    (r"a Hessian is taken by one input or a pair \(W, b\)",
     r"ヘッセ行列は一つの入力か、二つの入力の組（W, b）で微分して求める"),
    (r"not an input of the program \(inputs: (.*)\)", r"プログラムの入力ではない（入力：\1）"),
    (r"a Jacobian or Hessian is taken by one input \(all is for derive\)",
     r"ヤコビ行列とヘッセ行列は一つの入力で微分して求める"
     r"（all は勾配を求める 'derive' のためのもの）"),
    (r"no such name in the program \(inputs: (.*)\)", r"プログラムにない名前（入力：\1）"),
    (r"no such name in the program", r"プログラムにない名前"),
    (r"the backward pass nests too deeply to write out; split the program into shorter ones",
     r"逆伝搬の入れ子が深すぎて書き出せない。プログラムを短く分ける"),
    (r"the output (\S+) is a scalar and is the loss; renaming it would hide that: rename it "
     r"in the program",
     r"出力 \1 はスカラーで、それ自体が損失。名前を変えるとそれが見えなくなるので、"
     r"プログラムの中で名前を変える"),
    (r"that is the output; its gradient is the upstream gradient itself",
     r"それは出力。その勾配は上流の勾配そのもの"),
    # the program (language/parse.py)
    (r"names may not start with '_': (.+)", r"名前を '_' で始めることはできない：\1"),
    (r"a dimension is a name or a positive integer", r"次元は名前か正の整数"),
    (r"(\w+) is not allowed in matcalc programs", r"\1 は matcalc のプログラムでは使えない"),
    (r"the program is ([\d,]+) characters long; the limit is ([\d,]+)",
     r"プログラムが \1 文字ある。上限は \2 文字"),
    (r"the program contains a NUL character", r"プログラムに NUL 文字が含まれている"),
    (r"only a plain name can be declared", r"宣言できるのは単純な名前だけ"),
    (r"gradient\(\) takes the name whose gradient it writes, e\.g\. '(.+)'",
     r"gradient() には勾配を表す名前を渡す（例：'\1'）"),
    (r"the program has ([\d,]+) statements; the limit is ([\d,]+)",
     r"プログラムに \1 個の文がある。上限は \2 個"),
    (r"'([^']+)' names both a dimension and a matrix; rename one",
     r"'\1' は次元と行列の両方の名前になっている。どちらかの名前を変える"),
    (r"a name must be an identifier", r"名前は識別子でなければならない"),
    (r"a shape is a tuple of dimensions, e\.g\. (.+) or (.+)",
     r"形は次元のタプルで書く（例：\1、\2）"),
    (r"'([^']+)' is a Python keyword and cannot name a matrix \(write 'lam' for λ\)",
     r"'\1' は Python のキーワードなので行列の名前にできない（λ は 'lam' と書く）"),
    (r"'([^']+)' is a Python keyword and cannot name a matrix",
     r"'\1' は Python のキーワードなので行列の名前にできない"),
    (r"assign to a single name, e\.g\. '(.+)'", r"一つの名前に代入する（例：'\1'）"),
    (r"only numbers are allowed as constants, not (\w+)", r"定数は数だけ（\1 は使えない）"),
    (r"unary (\w+) is not supported", r"単項演算 \1 は使えない"),
    (r"operator (\w+) is not supported", r"演算子 \1 は使えない"),
    (r"unknown function '([^']+)'; did you mean (\w+)\? known: (.*) \(or declare it: '(.+)'\)",
     r"未知の関数 '\1'。\2 のことか。使える関数：\3（または '\4' と宣言する）"),
    (r"unknown function '([^']+)'; known: (.*) \(or declare it: '(.+)'\)",
     r"未知の関数 '\1'。使える関数：\2（または '\3' と宣言する）"),
    (r"starred arguments are not allowed", r"* を付けた引数は使えない"),
    (r"this statement is nested more than (\d+) levels deep",
     r"この文の入れ子が \1 段より深い"),
    (r"'([^']+)' is declared twice with different shapes",
     r"'\1' が異なる形で二度宣言されている"),
    (r"(\S+) is declared twice with different shapes", r"\1 が異なる形で二度宣言されている"),
    (r"contradicts the declaration of (\S+) in the program",
     r"プログラムの中の \1 の宣言と矛盾する"),
    (r"'([^']+)' is declared a function and used as a name; rename one",
     r"'\1' は関数として宣言され、名前としても使われている。どちらかの名前を変える"),
    (r"gradient\((\S+)\): no such name in the program", r"gradient(\1)：プログラムにない名前"),
    (r"'([^']+)' writes the gradient of (\S+) and is also a name, a dimension, an index "
     r"letter or the loss; choose another",
     r"'\1' は \2 の勾配を表すが、名前、次元、添字の文字、損失のどれかとしても使われている。"
     r"別の名前を選ぶ"),
    (r"'([^']+)': one name per gradient, and one gradient per name",
     r"'\1'：一つの勾配に名前は一つ、一つの名前に勾配は一つ"),
    (r"(.+) is not a dimension \(a positive integer or a name\)",
     r"\1 は次元ではない（次元は正の整数か名前）"),
    (r"unknown assumption '([^']+)'; known: (.*)", r"未知の仮定 '\1'。使える仮定：\2"),
    (r"an assumption takes only dimensions", r"仮定には次元だけを書く"),
    (r"'([^']+)' is not a valid dimension name", r"'\1' は次元の名前として使えない"),
    (r"attribute '\.(\w+)' is not allowed; only '\.T' \(transpose\) is",
     r"属性 '.\1' は使えない。使えるのは '.T'（転置）だけ"),
    (r"only an entry of a vector by a number from 0 is allowed, e\.g\. x\[0\] \(no slices, no "
     r"negative positions\)",
     r"使えるのはベクトルの成分を 0 から数えた番号で取り出すことだけ（例：x[0]。"
     r"スライスや負の位置は使えない）"),
    (r"a vector literal has 1 to (\d+) entries", r"ベクトルの直書きの成分は 1 個から \1 個まで"),
    (r"a matrix literal is a list of rows, each a list: \[\[a, b\], \[c, d\]\]",
     r"行列の直書きは行のリストで、各行もリスト：[[a, b], [c, d]]"),
    (r"the rows of a matrix literal have the same length: the first has (\S+) entries, "
     r"this one (\S+)",
     r"行列の直書きの行はすべて同じ長さ：最初の行の成分は \1 個、この行は \2 個"),
    (r"a row of a matrix literal has 1 to (\d+) entries",
     r"行列の直書きの行の成分は 1 個から \1 個まで"),
    (r"a matrix literal has two levels of brackets, \[\[a, b\], \[c, d\]\]; its entries are "
     r"scalars",
     r"行列の直書きの括弧は二重まで（[[a, b], [c, d]]）。成分はスカラー"),
    (r"'([^']+)' is already a function of the language", r"'\1' はすでに言語の関数"),
    (r"'([^']+)' is declared twice", r"'\1' が二度宣言されている"),
    (r"a map goes from a vector to a vector, '(.+)', or to a scalar from a scalar, a "
     r"vector or a matrix, '(.+)'",
     r"写像はベクトルからベクトルへ（'\1'）、またはスカラー、ベクトル、行列からスカラーへ"
     r"（'\2'）のもの"),
    (r"a map is applied to a name and its result given a name, e\.g\. '(.+)'",
     r"写像は名前に適用し、その結果に名前を付ける（例：'\1'）"),
    (r"the dimension '([^']+)' is used as a number, but no input is declared with it in its "
     r"shape",
     r"次元 '\1' が数として使われているが、その次元を形に持つ入力が宣言されていない"),
    (r"the number (\S+) is not finite", r"数 \1 は有限ではない"),
    (r"axis must be an integer \(-1: the last axis\) or a tuple of integers, e\.g\. (.+)",
     r"axis は整数（最後の軸は -1）か整数のタプルで書く（例：\1）"),
    (r"'([^']+)' is a name matcalc uses for a node of its own; choose another",
     r"'\1' は matcalc が内部で使う名前。別の名前を選ぶ"),
    (r"keepdims must be True or False", r"keepdims は True か False"),
    (r"expected a declaration 'X: \(m, n\)' or an assignment 'Y = \.\.\.'",
     r"宣言 'X: (m, n)' か代入 'Y = ...' を書く"),
    # shapes (language/shapes.py, ops/)
    (r"'([^']+)' is a dimension and cannot also be a value; use a number or another name",
     r"'\1' は次元なので値としては使えない。数か別の名前を使う"),
    (r"(\S+) is declared (\w+) but its shape (.+) is not square",
     r"\1 は \2 と宣言されているが、形 \3 は正方でない"),
    (r"the exponent of '\*\*' must be a number or a scalar",
     r"'**' の指数は数かスカラーでなければならない"),
    (r"(.+)\[(\d+)\] needs the length of (.+) known as a number, to be sure the entry is "
     r"there, but it is (.+); declare its dimensions as numbers",
     r"\1[\2] には \3 の長さが数として分かっている必要がある（成分があると確かめるため）が、"
     r"形は \4。次元を数で宣言する"),
    (r"(.+)\[(\d+)\] is past the end of (.+), which has (\S+) entries",
     r"\1[\2] は \3 の末尾を越えている（成分は \4 個）"),
    (r"'@' needs vectors or matrices on both sides; use '\*' for a scalar",
     r"'@' の両辺はベクトルか行列。スカラーには '*' を使う"),
    (r"(\S+)\[(\d+)\] needs (\S+) declared a vector of known length, e\.g\. (.+)",
     r"\1[\2] には \3 を長さの分かったベクトルとして宣言する必要がある（例：\4）"),
    (r"(\S+) is declared (.+) but computed as (.+)", r"\1 は \2 と宣言されているが、計算では \3"),
    (r"\((.+)\)\[(\d+)\] needs a vector, but \((.+)\) is (.+)",
     r"(\1)[\2] にはベクトルが必要だが、(\3) の形は \4"),
    (r"a vector literal \[ … \] holds scalars", r"ベクトルの直書き [ … ] の成分はスカラー"),
    (r"(.+)\(\) needs a vector or a matrix", r"\1() にはベクトルか行列が必要"),
    (r"(.+)\(\) needs two arrays of one shape: (.+) and (.+)",
     r"\1() には同じ形の配列が二つ必要：\2、\3"),
    (r"outer\(\) takes two vectors", r"outer() の引数はベクトル二つ"),
    (r"(.+)\(X, axis=(.+)\) needs a matrix", r"\1(X, axis=\2) には行列が必要"),
    # values (--at, language/values.py, check/numeric.py, render/display.py)
    (r"a value is a number or a nested list of numbers", r"値は数か、数の入れ子のリスト"),
    (r"no values given", r"値が与えられていない"),
    (r"write NAME=VALUE pairs separated by commas, e\.g\. (.+) or (.+)",
     r"NAME=VALUE の組をコンマで区切って書く（例：\1、\2）"),
    (r"values missing for (.+)", r"\1 の値がない"),
    (r"the output (\S+) is not a scalar: pass its upstream gradient (\S+)",
     r"出力 \1 はスカラーではない。上流の勾配 \2 を渡す"),
    (r"the output (\S+) is one of several: pass its upstream gradient (\S+)",
     r"出力 \1 は複数ある出力の一つ。上流の勾配 \2 を渡す"),
    (r"the program has several outputs \((.+)\): pass their upstream gradients by name, (.+)",
     r"プログラムには出力が複数（\1）ある。上流の勾配を名前で渡す：\2"),
    (r"not the upstream gradient of an output \(they are (.+)\)",
     r"出力の上流の勾配ではない（上流の勾配は \1）"),
    (r"(\S+) is (\d+)-dimensional (.+), the value given is (.+)",
     r"\1 は \2 次元 \3 だが、与えられた値の形は \4"),
    (r"(\S+) has shape (.+), but the value given is (.+) \((\S+) is (\S+) elsewhere\)",
     r"\1 の形は \2 だが、与えられた値の形は \3（\4 は他の所で \5）"),
    (r"(\S+) has shape (.+), the value given is (.+)",
     r"\1 の形は \2 だが、与えられた値の形は \3"),
    (r"a value's rows must all have the same length", r"値の各行は同じ長さでなければならない"),
    # output formats (render/)
    (r"unknown format (.+); choose one of (.+)", r"未知の形式 \1。\2 から選ぶ"),
    (r"unknown language (.+); choose one of (.+)", r"未知の言語 \1。\2 から選ぶ"),
    (r"(.+) is declared, not specified, so there is no numpy module; write the function out "
     r"to get one",
     r"\1 は宣言されただけで中身がないので numpy モジュールはない。関数を書き下せば得られる"),
    (r"a gradient here has no numpy code \(no matrix form and no einsum\); --format numpy "
     r"needs the whole backward pass",
     r"numpy のコードがない勾配がある（行列表記も einsum もない）。--format numpy には"
     r"逆伝搬全体が必要"),
    (r"this (jacobian|hessian) has no matrix form, so no numpy module",
     r"この\1には行列表記がないので numpy モジュールはない"),
    (r"jacobian", r"ヤコビ行列"),
    (r"hessian", r"ヘッセ行列"),
    (r"drawing (\w+) needs Graphviz's dot \(apt install graphviz\); --format dot writes the "
     r"graph without it",
     r"\1 を描くには Graphviz の dot が必要（apt install graphviz）。--format dot なら"
     r" dot なしでグラフを書き出す"),
    (r"dot failed: (.*)", r"dot が失敗した：\1"),
    (r"the name (\S+) is one the numpy module defines itself; rename it for --format numpy",
     r"名前 \1 は numpy モジュールが自分で定義する。--format numpy のために名前を変える"),
    (r"(\S+)=(.+): choose (.+)", r"\1=\2：\3 から選ぶ"),
    (r"among (.+)", r"\1"),
    # hand-derived numpy (--against: check/against.py, check/user_numpy.py)
    (r"line (\d+): (.*)", r"\1 行目：\2"),
    (r"a backward pass is lines NAME = formula \(e\.g\. (.+)\)",
     r"逆伝播は NAME = 式 の形の行で書く（例：\1）"),
    (r"no gradient with respect to (\S+) was derived", r"\1 についての勾配は導出していない"),
    (r"the backward pass is empty: write lines like (.+)", r"逆伝播が空。\1 のような行を書く"),
    (r"a backward pass of more than (\d+) lines", r"逆伝播が \1 行を超えている"),
    (r"only \+= sums a gradient", r"勾配の和に使えるのは += だけ"),
    (r"not a numpy statement \((.*)\)", r"numpy の文ではない（\1）"),
    (r"the backward pass is nested too deeply", r"逆伝播の入れ子が深すぎる"),
    (r"(\S+) is (the upstream gradient, given to the pass|a name of the program|reserved); a "
     r"backward pass assigns gradients dNAME and names of its own",
     r"\1 は\2。逆伝播が代入するのは勾配 dNAME と自分で付けた名前"),
    (r"the upstream gradient, given to the pass", r"逆伝播に与えられる上流の勾配"),
    (r"a name of the program", r"プログラムの名前"),
    (r"reserved", r"予約語"),
    (r"a formula of more than (\d+) characters", r"式が \1 文字を超えている"),
    (r"(\S+) \+= … before (\S+) has a value", r"\2 に値がないうちに \1 += … としている"),
    (r"no line assigns the gradient dNAME of a name of the program \((.*)\)",
     r"プログラムの名前の勾配 dNAME を代入する行がない（名前：\1）"),
    (r"and/or are not elementwise: write & and \| \(with parentheses\)",
     r"`and`/`or` は成分ごとに働かない。& と | を（括弧を付けて）書く"),
    (r"not is not elementwise: write ~ or np\.logical_not",
     r"`not` は成分ごとに働かない。~ か np.logical_not を書く"),
    (r"x if c else y is not elementwise: write np\.where\(c, x, y\)",
     r"`x if c else y` は成分ごとに働かない。np.where(c, x, y) を書く"),
    (r"an? (lambda|comprehension|f-string) is not allowed in a formula",
     r"式では \1 は使えない"),
    (r"an assignment expression \(:=\) is not allowed in a formula", r"式では代入式 := は使えない"),
    (r"\*arguments are not allowed in a formula", r"式では *引数 は使えない"),
    (r"\*\*keyword arguments are not allowed in a formula", r"式では **キーワード引数 は使えない"),
    (r"(\S+) is an array, not a function", r"\1 は配列で、関数ではない"),
    (r"(.+) is not allowed in a formula", r"\1 は式では使えない"),
    (r"(.+): the exponent makes too large a number for a formula",
     r"\1：指数が大きすぎて式で扱えない数になる"),
    (r"the formula is nested too deeply", r"式の入れ子が深すぎる"),
    (r"(\S+) is numpy's module: call its functions, np\.sum\(…\)",
     r"\1 は numpy のモジュール。その関数を呼ぶ（np.sum(…) など）"),
    (r"(\S+) is a function: call it, (.+)", r"\1 は関数なので呼ぶ：\2"),
    (r"(\S+) is a function: call it", r"\1 は関数なので呼ぶ"),
    (r"(\S+) is a method: call it, (.+)", r"\1 はメソッドなので呼ぶ：\2"),
    (r"the formula takes more than (.+) seconds", r"式の計算に \1 秒より長くかかる"),
    (r"(.+) is no array of real numbers: an integer beyond 2\^(\d+), or Python objects",
     r"\1 は実数の配列ではない（2^\2 を超える整数か Python のオブジェクト）"),
    (r"'(\w+)' object has no attribute '(\w+)'", r"'\1' オブジェクトに属性 '\2' はない"),
    (r"(.+): a list or tuple is not an array \(write np\.array\(…\)\)",
     r"\1：リストやタプルは配列ではない（np.array(…) と書く）"),
    (r"(\S+) has no value", r"\1 に値がない"),
    (r"(.+) is not elementwise in numpy: write \(a < b\) & \(b < c\)",
     r"\1 は numpy では成分ごとに働かない。(a < b) & (b < c) と書く"),
    (r"the text (.+): a string may only be einsum's subscripts, a dtype or norm's ord",
     r"文字列 \1：文字列に書けるのは einsum の添字、dtype、norm の ord だけ"),
    (r"(.+) is not a real number", r"\1 は実数ではない"),
    (r"(.+): only numpy's functions, the methods of arrays and float, int, abs, len can be "
     r"called",
     r"\1：呼べるのは numpy の関数、配列のメソッド、float、int、abs、len だけ"),
    (r"out= writes into an array: a formula only computes",
     r"out= は配列に書き込む。式は計算するだけ"),
    (r"(.+): only == != < <= > >= compare arrays",
     r"\1：配列を比べられるのは == != < <= > >= だけ"),
    (r"(.+) is not supported in a formula", r"\1 は式では使えない"),
    (r"'\(' was never closed", r"'(' が閉じていない"),
    (r"'\[' was never closed", r"'[' が閉じていない"),
    (r"unmatched '(.)'", r"'\1' に対応する括弧がない"),
    (r"unexpected EOF while parsing", r"式が途中で終わっている"),
    (r"unterminated string literal .*", r"文字列が閉じていない"),
    # why numpy cannot compute a formula (check/against.py): its shapes, in words
    (r"a scalar", r"スカラー"),
    (r"a vector of length (.+) = (.+)", r"長さ \1 = \2 のベクトル"),
    (r"a vector of length (.+)", r"長さ \1 のベクトル"),
    (r"a matrix of shape (.+) = (.+)", r"形 \1 = \2 の行列"),
    (r"an array of shape (.+) = (.+)", r"形 \1 = \2 の配列"),
    (r"a (\S+) matrix", r"\1 の行列"),
    (r"a (\S+) array", r"\1 の配列"),
    (r"(.+) \(\.T leaves a 1-D array as it is: numpy has no row vectors\)",
     r"\1（.T は 1 次元配列をそのまま返す。numpy に行ベクトルはない）"),
    (r"(.+?) is (.+?) and (.+?) is (.+?): @ makes (their inner product|a matrix product), "
     r"which needs (.+)",
     r"\1 は\2、\3 は\4。@ は\5を計算するので \6 でなければならない"),
    (r"their inner product", r"内積"),
    (r"a matrix product", r"行列積"),
    (r"(.+?) is (.+?) and (.+?) is (.+?): @ needs arrays, not scalars \(\* multiplies by one\)",
     r"\1 は\2、\3 は\4。@ にはスカラーではなく配列が必要（スカラー倍は *）"),
    (r"(.+?) is (.+?) and (.+?) (an? .+|a scalar): (\S+) needs shapes that broadcast",
     r"\1 は\2、\3 は\4。\5 には互いにブロードキャストできる形が必要"),
    (r"it gives a (\w+), not an array of numbers", r"結果が \1 で、数の配列ではない"),
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
    (r"the numerical check ran out of memory, so the derivation is not shown \(it was not "
     r"found wrong\); please report this program to matcalc's developers",
     r"数値検証がメモリ不足で終わったので導出を表示しない（誤りが見つかったのではない）。"
     r"このプログラムを matcalc の開発者に報告してほしい"),
    (r"(\S+) is not available here: numpy cannot be imported, and matcalc's own stand-in "
     r"for it has no such function",
     r"\1 はここでは使えない：numpy を読み込めず、matcalc 自身の代わりの実装にはその関数がない"),
    (r"a wrong derivation was caught by the numerical check and is not shown; (?:.*)",
     r"数値検証が誤った導出を検出したので表示しない。matcalc の開発者に報告してほしい"),
    # a program file's heading lines (cli.py)
    (r"missing option '--wrt' \(or a '# wrt: NAME' line at the top of the program file\)",
     r"--wrt がない（プログラムのファイルの先頭に '# wrt: 名前' の行を書いてもよい）"),
    (r"--wrt (\S+): (\w+) takes one input \(a Hessian takes a pair, W,b\)",
     r"--wrt \1：\2 は入力を一つだけ取る（ヘッセ行列は W,b の組も取る）"),
    (r"the file's '# wrt:' line names (.+); (\w+) takes one: give --wrt NAME",
     r"ファイルの '# wrt:' の行は \1 を挙げるが、\2 は一つだけ取る：--wrt 名前 で指定する"),
    (r"the file's '# entries-from: (.+)' line: choose 0 or 1",
     r"ファイルの '# entries-from: \1' の行：0 か 1 を選ぶ"),
    (r"the file's '# layout: (.+)' line: choose numerator or denominator",
     r"ファイルの '# layout: \1' の行：numerator か denominator を選ぶ"),
    # an option's own message: --at: …, --wrt Q: …
    (r"(--[\w-]+): (.+)", r"\1：\2"),
    (r"(--[\w-]+) (\S+): (.+)", r"\1 \2：\3"),
    # click's own messages
    (r"No such option: (\S+) Did you mean (\S+)\?", r"そのオプションはない：\1（\2 のことか）"),
    (r"No such option: (\S+)", r"そのオプションはない：\1"),
    (r"No such option '([^']+)'\. \(Did you mean one of: (.+)\?\)",
     r"オプション '\1' はない（\2 のことか）"),
    (r"No such option '([^']+)'\. \(Did you mean '([^']+)'\?\)",
     r"オプション '\1' はない（'\2' のことか）"),
    (r"No such option '([^']+)'\.", r"オプション '\1' はない"),
    (r"Missing argument '(\w+)'\.", r"引数 \1 がない"),
    (r"Invalid value for (.+?): (.+)", r"\1 の値が正しくない：\2"),
    (r"'([^']+)' is not one of (.+)\.", r"'\1' は \2 のどれでもない"),
    # the shapes of a formula's operands, in words (check/against.py), and of a program's
    # (language/shapes.py): general, so after every message that says more
    (r"(.+?): (.+) \((\S+ is " + DESCRIBED + r"(?:; \S+ is " + DESCRIBED + r")*)\)",
     r"\1：\2（\3）"),
    (r"(\S+) is (" + DESCRIBED + r"); (.+)", r"\1 は\2、\3"),
    (r"(\S+) is (" + DESCRIBED + r")", r"\1 は\2"),
    (r"(.+) is \(([^)]*)\)", r"\1 の形は (\2)"),
    (r"one side is \(([^)]*)\)", r"一方の形は (\1)"),
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
