"""The ``matcalc`` command: a thin layer over ``matcalc.derive``.

Only this module turns errors into exit codes: 2 for usage errors, 1 for a program that
cannot be derived or a failed ``--check``. Messages are one line on stderr, never a
traceback (set MATCALC_DEBUG=1 to see one). Heavy imports (sympy) happen inside commands,
so ``matcalc --help`` starts instantly.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from . import __version__
from .render.catalogue import FORMATS, languages

FUNCTIONS_PLACEHOLDER = "{functions}"


class WithFunctions(click.Command):
    """A command whose help lists the operations of the language, read from the registry
    (imported only when the help is shown: it brings sympy)."""

    def format_help_text(self, ctx, formatter) -> None:
        if self.help and FUNCTIONS_PLACEHOLDER in self.help:
            from . import ops
            at = next(line for line in self.help.splitlines() if FUNCTIONS_PLACEHOLDER in line)
            indent = at[:len(at) - len(at.lstrip())]
            lines = ("\n" + indent).join(ops.help_lines())
            self.help = self.help.replace(FUNCTIONS_PLACEHOLDER, lines)
        super().format_help_text(ctx, formatter)


def parse_shape_option(text: str) -> tuple[str, tuple[str | int, ...]]:
    """``--shape X=m,n`` → ``("X", ("m", "n"))``; ``s=`` is a scalar, ``b=n,`` or ``b=n``
    a vector."""
    if "=" not in text:
        raise click.UsageError(f"--shape expects NAME=d1,d2 (e.g. X=m,n), got {text!r}")
    name, _, dims = text.partition("=")
    parts = [p.strip() for p in dims.split(",")]
    if parts and not parts[-1] and len(parts) > 1:
        parts.pop()  # b=n, : a vector, as numpy writes (n,)
    if parts == [""]:
        parts = []   # s= : a scalar
    if "" in parts:
        raise click.UsageError(f"--shape {text!r}: an empty dimension between commas")
    shape: list[str | int] = []
    for part in parts:
        if part.isdigit() and int(part) >= 1:
            shape.append(int(part))
        elif part.isidentifier() and part.isascii():
            shape.append(part)
        else:
            raise click.UsageError(f"--shape {text!r}: {part!r} is not a dimension")
    return name.strip(), tuple(shape)


def _shapes(options: tuple[str, ...]) -> dict:
    """Every --shape, each name once."""
    shapes: dict = {}
    for text in options:
        name, shape = parse_shape_option(text)
        if name in shapes:
            raise click.UsageError(f"--shape {name} is given twice")
        shapes[name] = shape
    return shapes


HEADER_OPTIONS = ("wrt", "loss", "shape", "layout", "inline", "expand",  # applied here
                  "entries-from")


def _header(text: str) -> dict[str, str]:
    """The options a program file states in its leading comment lines (``# wrt: W, b``,
    ``# loss: L``, ``# shape: X=m,n; b=n,``), as the gallery's files do; the command
    line wins over them."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        key, colon, value = stripped[1:].partition(":")
        if colon and key.strip() in HEADER_OPTIONS:
            found[key.strip()] = value.strip()
    return found


def _header_shapes(header: dict[str, str], shape: tuple[str, ...]) -> dict:
    """The file's ``# shape:`` declarations, then --shape's (which win)."""
    return {**_shapes(tuple(s for s in header.get("shape", "").split(";") if s.strip())),
            **_shapes(shape)}


def _header_flags(header: dict[str, str]) -> None:
    """``# expand: yes`` at the top of a file turns --expand on, as the flag would;
    ``# entries-from: 1`` counts numbered entries from 1 unless --entries-from says."""
    from .render.display import set_notation
    if header.get("expand", "").lower() in ("yes", "on", "true"):
        set_notation(expand="on")
    first = header.get("entries-from")
    if first is not None and OUTPUT.get("entries_from") is None:
        if first not in ("0", "1"):
            raise click.UsageError(f"the file's '# entries-from: {first}' line: choose 0 or 1")
        set_notation(entries=f"from{first}")


def _header_layout(layout: str | None, header: dict[str, str]) -> str:
    """--layout, else the file's ``# layout:`` line, else numerator."""
    chosen = layout or header.get("layout", "numerator")
    if chosen not in ("numerator", "denominator"):
        raise click.UsageError(f"the file's '# layout: {chosen}' line: choose numerator "
                               "or denominator")
    return chosen


def _one_wrt(wrt: str | None, header: dict[str, str], command: str) -> str:
    """The one input a Jacobian is taken by: --wrt, or the file's ``# wrt:``."""
    if wrt and "," in wrt:
        raise click.UsageError(f"--wrt {wrt.replace(' ', '')}: {command} takes one input "
                               "(a Hessian takes a pair, W,b)")
    if wrt:
        return wrt
    named = [w.strip() for w in header.get("wrt", "").split(",") if w.strip()]
    if len(named) == 1:
        return named[0]
    if named:
        raise click.UsageError(f"the file's '# wrt:' line names {', '.join(named)}; "
                               f"{command} takes one: give --wrt NAME")
    raise click.UsageError("missing option '--wrt' (or a '# wrt: NAME' line at the top "
                           "of the program file)")


def _hessian_wrt(wrt: str | None, header: dict[str, str]) -> str:
    """The Hessian's input, or pair of inputs (W,b): --wrt, or the file's ``# wrt:``."""
    named = wrt or header.get("wrt", "")
    if not named.strip():
        raise click.UsageError("missing option '--wrt' (or a '# wrt: NAME' line at the top "
                               "of the program file)")
    return named


def _vec_option(command):
    return click.option(
        "--vec", type=click.Choice(["columns", "rows"]), default="columns",
        show_default=True,
        help="For a derivative with three or four indices, what vec stacks: columns "
             "(Magnus–Neudecker, the Matrix Cookbook: vec(A X B) = (Bᵀ ⊗ A) vec(X)) or "
             "rows (numpy's order, X.reshape(-1)).")(command)


def _read_program(program: str) -> str:
    """The program text: standard input for -, a file's contents (UTF-8, with or without a
    byte-order mark), or the argument itself."""
    if program == "-":
        return sys.stdin.read().removeprefix("\ufeff")
    if "\n" not in program and ("=" not in program) and Path(program).is_file():
        return Path(program).read_text(encoding="utf-8-sig")
    if program.endswith((".py", ".mc", ".txt")) and "=" not in program:
        raise click.UsageError(f"no such file: {program}")
    return program


OUTPUT = {"file": None, "standalone": False, "flavor": "zenn", "title": None}  # how _show writes


STEPS_HELP = ("The order of a proof: article (the seed articles' own routes: keep the "
              "terms that hold the entry, then differentiate, so each derivative is of one "
              "entry; softmax's derivative at once and its row sums as diag(∂L/∂B Bᵀ), as "
              "seed 001 eq. 27; for a product of two names that gives a vector, seed 000's "
              "route, ∂L/∂y_j ∂y_j/∂w_ij before y's element form; a scalar function of "
              "scalars, f = x * y, differentiated at once, as seeds 003 and 004), element "
              "(the element form first everywhere, every line written: seed 001's order, "
              "also for those) or delta (differentiate first, to Kronecker deltas, which "
              "then collapse the sums; softmax by the quotient rule, entry by entry).")


PROOF_HELP = ("What to show: full (every step of the proof) or result (the result alone, "
              "as a seed states a result it does not derive: 同様に計算すると ∂L/∂B = "
              "∂L/∂C). The proof is derived and verified either way, and the output says "
              "so.")


def _steps(command):
    """--steps and --proof: the order of a proof, and whether it is shown."""
    command = click.option("--proof", type=click.Choice(["full", "result"]), default="full",
                           show_default=True, help=PROOF_HELP)(command)
    return click.option("--steps", type=click.Choice(["article", "element", "delta"]),
                        default="article",
                        show_default=True, help=STEPS_HELP)(command)


def _notation(command):
    """The notation options and -o FILE, for derive, jacobian and hessian: they set the
    notation (render.display.NOTATION) and the output file, then run the command."""
    import functools

    @functools.wraps(command)
    def run(*args, transpose, bold, limits, division, output, standalone, title, flavor,
            numbered, expand, entries_from, layer_index, indicator, ones, gradient,
            definition_letters, ja_spacing, derivative, **kwargs):
        from .render.display import set_notation
        set_notation(transpose=transpose, bold=bold, limits="on" if limits else "off",
                     division=division, numbers="on" if numbered else "off",
                     expand="on" if expand else "off", entries=f"from{entries_from or 0}",
                     layers=layer_index, indicator=indicator, ones=ones, gradient=gradient,
                     definition_letters=definition_letters, ja_spacing=ja_spacing,
                     derivative=derivative)
        OUTPUT["entries_from"] = entries_from  # None: the file's heading may say
        OUTPUT["file"] = output
        OUTPUT["standalone"] = standalone
        OUTPUT["title"] = title
        OUTPUT["flavor"] = flavor
        return command(*args, **kwargs)

    options = [
        click.option("--flavor", type=click.Choice(["zenn", "qiita", "github", "hatena"]),
                     default="zenn", show_default=True,
                     help="With --format markdown: the site's math syntax, so that the TeX "
                          "survives its Markdown parser (zenn: $$ and $…$; qiita: ```math "
                          "and escaped $…$; github: ```math and $`…`$; hatena: "
                          "[tex:…])."),
        click.option("--standalone", is_flag=True,
                     help="With --format latex: a complete document for a paper (pdflatex "
                          "reads it whatever the names; one numbered display per gradient, "
                          "labelled eq:grad-NAME, reasons flush right; --lang ja: LuaLaTeX "
                          "with luatexja)."),
        click.option("--title", default=None, metavar="TEXT",
                     help="With --standalone: the document's title (text; $...$ is math). "
                          "Default: the program's first line if it is a comment, else "
                          "'The gradient of L with respect to ...'."),
        click.option("--output", "-o", "output", default=None, metavar="FILE",
                     help="Write the output to FILE (UTF-8) instead of the terminal."),
        click.option("--division", type=click.Choice(["power", "fraction"]),
                     default="power", show_default=True,
                     help="Elementwise division as T ∘ P^∘⁻¹ (power) or T ⊘ P, "
                          "\\frac{T}{P} in LaTeX (fraction, as seed 001 writes −Y/B)."),
        click.option("--entries-from", type=click.Choice(["0", "1"]), default=None,
                     help="A numbered entry x[0] prints x_0, as the program counts (0, the "
                          "default), or x_1, as many articles count (1)."),
        click.option("--layer-index", type=click.Choice(["subscript", "superscript"]),
                     default="subscript", show_default=True,
                     help="A name's trailing number as a subscript, Z1 → Z_1, or as a "
                          "layer's index, Z^{(1)} (superscript)."),
        click.option("--indicator", type=click.Choice(["bracket", "one"]),
                     default="bracket", show_default=True,
                     help="The indicators a kink's derivative makes (the max gate's) as "
                          "Iverson brackets, "
                          "[x − y > 0] (bracket), or as 𝟙(x > y) (one, as seed 003 writes "
                          "them)."),
        click.option("--ja-spacing", type=click.Choice(["spaced", "article"]),
                     default="spaced", show_default=True,
                     help="--lang ja: the kept-terms reason spaced, ∵ k=i, l=j の項のみが"
                          "残る (spaced), or as seed 001 writes it, ∵ k=i,l=jの項のみが残る "
                          "(article: no space after a comma within one term's indices, "
                          "none before の)."),
        click.option("--definition-letters", type=click.Choice(["proof", "article"]),
                     default="proof", show_default=True,
                     help="The forward definitions in the proof's letters, c_kl = Σ_p a_kp "
                          "b_pl (proof: i, j index the gradient's entry), or in the "
                          "articles', c_ij = Σ_k a_ik b_kj (article, seed 001 eq. 14), with "
                          "a note giving the proof's form and the renaming."),
        click.option("--gradient", type=click.Choice(["partial", "nabla"]),
                     default="partial", show_default=True,
                     help="The gradient of the loss by a vector or matrix X as ∂L/∂X "
                          "(partial) or ∇_X L (nabla, as seeds 002 and 004 write it); its "
                          "entries stay ∂L/∂x_i."),
        click.option("--ones", type=click.Choice(["symbol", "row"]),
                     default="symbol", show_default=True,
                     help="The row of ones as 𝟏ᵀ (symbol) or [1, ⋯, 1] (row, as seed 001 "
                          "eq. 9 writes it)."),
        click.option("--derivative", type=click.Choice(["d", "partial"]),
                     default="d", show_default=True,
                     help="The derivative of a function of one scalar alone, dR/dθ (d), "
                          "or ∂R/∂θ as every other (partial); a function of several "
                          "names is always written with ∂."),
        click.option("--numbered", is_flag=True,
                     help="Number each result, \\tag{1}, \\tag{2}, … (Markdown; the "
                          "--standalone LaTeX document numbers its results always)."),
        click.option("--expand", is_flag=True,
                     help="Also write each result out entry by entry, a grid with ⋯, ⋮ "
                          "and ⋱ (seeds 000 and 004), and a product as its factors' grids; "
                          "a Jacobian with three indices as its slices, a Kronecker form "
                          "by matrices as its blocks."),
        click.option("--limits", is_flag=True,
                     help="Summation limits: Σ_{k=1}^{m} instead of Σ_k."),
        click.option("--bold", type=click.Choice(["mathbf", "bm", "plain"]),
                     default="mathbf", show_default=True,
                     help="Matrices in LaTeX: \\mathbf{A}, \\bm{A} (package bm) or A."),
        click.option("--transpose", type=click.Choice(["mathsf", "top", "T"]),
                     default="mathsf", show_default=True,
                     help="The transpose in LaTeX: A^{\\mathsf{T}}, A^{\\top} or A^{T}."),
    ]
    for option in options:
        run = option(run)
    return run


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, no_args_is_help=True)
@click.version_option(__version__, prog_name="matcalc")
def cli() -> None:
    """Matrix calculus with step-by-step proofs.

    \b
    Examples:
      matcalc derive "C = A @ B" --wrt A
      matcalc derive "Z = X @ W + b" --shape b=k --wrt W --wrt b --format markdown
      matcalc derive examples/01_matmul.mc --check
      matcalc derive examples/17_mlp.mc --wrt W,b --inline
      matcalc derive net.mc --wrt W --against 'X.T @ (dY * (Z > 0))'
      matcalc derive net.mc --against @backward.py   # a hand-written backward pass
    """


@cli.command(cls=WithFunctions)
@click.argument("program")
@click.option("--wrt", "wrt", multiple=True, metavar="NAME",
              help="Differentiate with respect to NAME (repeat, or NAME,NAME; 'all' = every "
                   "input). Default: every input.")
@click.option("--shape", "shape", multiple=True, metavar="NAME=d1,d2",
              help="Declare a shape, e.g. --shape X=m,n  --shape b=n,  --shape s= (scalar).")
@click.option("--format", "-f", "fmt", type=click.Choice(list(FORMATS)), default="text",
              show_default=True, help="Output format: " + "; ".join(
                  f"{f.name}: {f.description}" for f in FORMATS.values()) + ".")
@click.option("--lang", type=click.Choice(languages()), default="en", show_default=True,
              help="Language of the reasons in the proof.")
@click.option("--loss", default=None, metavar="NAME",
              help="Name of the implied scalar loss when the output is not a scalar "
                   "(default L). A scalar output is the loss itself.")
@click.option("--inline", is_flag=True,
              help="Also show each requested gradient with every named intermediate "
                   "gradient substituted.")
@click.option("--check", is_flag=True,
              help="Also print the numerical check's report (to stderr): the largest error "
                   "of each step and of the result against central differences.")
@click.option("--no-check", is_flag=True,
              help="Skip the numerical check that every result passes before it is shown.")
@click.option("--against", "against", multiple=True, metavar="[NAME=]FORMULA|PASS",
              help="Check numpy you derived by hand instead of printing the proof: a "
                   "formula for a gradient, e.g. --wrt W --against 'X.T @ dZ' or --against "
                   "'W=np.dot(X.T, dZ)' (it reads the program's names, dZ for the gradient "
                   "of a result Z and dOut for the upstream one; np.sum, np.where, .mean(), "
                   "X > 0, slices: any pure numpy), or a whole backward pass, one line "
                   "dNAME = formula per gradient, as a multi-line string, lines separated "
                   "by ';', @FILE or - (standard input): each line is checked in order "
                   "against ∂L/∂NAME, reading your earlier lines' values. Says whether it is "
                   "right; if not, which line, why, at which entry, and the right formula. "
                   "Exit code 1 if it is wrong.")
@click.option("--at", "at", default=None, metavar="NAME=VALUE,...",
              help="Also show the forward values and every gradient at these inputs, e.g. "
                   "--at x=-2,y=5,z=-4 or --at 'W=[[1, 2], [3, 4]],b=[0, 1]' (a "
                   "non-scalar output's dY=... too, and with several outputs each "
                   "one's, dB=...,dC=...; default ones).")
@click.option("--seed", "seed", type=click.IntRange(min=0), default=None, metavar="N",
              help="Like --at, at random inputs of the declared shapes (seed N).")
@click.option("--symmetric-gradient", "symmetric_gradient", type=click.Choice(["sym", "full"]),
              default="sym", show_default=True,
              help="The gradient with respect to an input declared symmetric(n, n) or "
                   "spd(n, n). sym: the gradient on symmetric matrices, sym(G) = (G + Gᵀ)/2 "
                   "of the gradient G that takes the entries as independent (a gradient "
                   "step keeps S symmetric; the check moves s_ij and s_ji together); "
                   "e.g. aᵀSb gives (a bᵀ + b aᵀ)/2. full: G itself (a bᵀ).")
@click.option("--backward", "backward_style", type=click.Choice(["named", "staged"]),
              default="named", show_default=True,
              help="How the numpy backward pass is written (in every format that shows "
                   "it, and in --format numpy's backward()). named: one line per named "
                   "gradient the requested ones need. staged: as CS231n writes it (seed "
                   "003), one line per name a statement reads, statements in reverse "
                   "order, each (local gradient) * (upstream), e.g. dx = (1) * dxpy, and "
                   "dx += … for a second path into x; verified line by line.")
@_steps
@_notation
def derive(program: str, wrt: tuple[str, ...], shape: tuple[str, ...], fmt: str, lang: str,
           loss: str | None, inline: bool, check: bool, no_check: bool,
           against: tuple[str, ...], at: str | None, seed: int | None,
           symmetric_gradient: str, backward_style: str, steps: str, proof: str) -> None:
    """Derive gradients of PROGRAM and show the proof.

    PROGRAM is the program text, a file, or - for standard input. It is Python syntax
    with numpy semantics: declarations like 'A: (m, n)' or 'b: (n,)', then assignments;
    the last assigned name is the output. If the output is not a scalar, the loss L is
    implied and its gradient ∂L/∂Output (dOutput in numpy) is an input of the proof.
    Every assigned name that nothing reads is an output: with several (B = A; C = A),
    L depends on each through its own upstream gradient (dB, dC), and a note says so.

    \b
    Operators: @  +  -  *  /  ** (number exponent)  .T
               .mT  .swapaxes(-1, -2)  .transpose(0, 2, 1, 3)  (stacks: X: (b, t, d))
    Functions:
      {functions}
    Assumptions: T: onehot(m, c) or prob_rows(m, c) (rows sum to 1),
                 S: symmetric(n, n) or spd(n, n), x: positive(n)
                 (∂L/∂S is then sym(G) = (G + Gᵀ)/2: see --symmetric-gradient)
    Any function: f: elementwise, then B = f(A) (the proof ends in ∂L/∂B ∘ f′(A))
    Gradient names: Delta: gradient(Z) writes ∂L/∂Z as Δ (seed 001's Δ ≡ ∂L/∂Z)
    Entries and literals: x[0] (x: (2,)), f = [x[0]**2, x[0]*x[1]] (seed 004)

    Several statements form a computation graph: each name gets its own proof in terms
    of the named gradients of what it feeds (∂L/∂Z); --inline also substitutes them, and
    the numpy backward pass computes each named gradient once.

    Every result is checked numerically before it is shown: each step must equal the one
    before it, and the result and its numpy code must equal central differences, at random
    points. The output says so in its last line; a wrong result is never printed.

    \b
    Exit codes: 0 done; 1 the program cannot be derived, the numerical check caught a
    wrong result, or an --against formula is wrong; 2 a usage error (unknown option,
    --wrt naming no input, missing file); 70 a bug in matcalc (please report it).
    """
    from .pipeline import derive as run

    _exclusive(check, no_check)
    text = _read_program(program)
    header = _header(text)
    wrt = wrt or tuple(w for w in header.get("wrt", "").split(",") if w.strip())
    loss = loss or header.get("loss")
    shapes = _header_shapes(header, shape)
    inline = inline or header.get("inline", "").lower() in ("yes", "on", "true")
    _header_flags(header)
    formulas, backward = _formulas(against, wrt, program)
    derivation = run(text, wrt=list(wrt) or None, shapes=shapes, loss=loss,
                     inline=inline, check=not no_check, against=formulas, steps=steps,
                     symmetric_gradient=symmetric_gradient, backward=backward_style,
                     proof=proof)
    if backward is not None:
        wanted = [n.strip() for item in wrt for n in item.split(",") if n.strip() != "all"]
        _pass_verdict(derivation, backward, fmt, lang, [n for n in wanted if n])
        return
    if formulas:
        wanted = [n.strip() for item in wrt for n in item.split(",") if n.strip()]
        _verdicts(derivation, fmt, lang, [n for n in wanted if n != "all"])
        return
    if at is not None or seed is not None:
        _values_at(derivation, at, seed)
    _show(derivation, fmt, lang, check, no_check)


def _values_at(derivation, at: str | None, seed: int | None) -> None:
    """--at NAME=VALUE,... or --seed N: the values to show the derivation at."""
    if at is not None and seed is not None:
        raise click.UsageError("--at gives the values, --seed draws them: give one of them")
    if derivation.program.functions:
        raise click.UsageError(f"{derivation.program.functions[0]} is declared, not "
                               "specified, so it has no values: write it out to use --at")
    upstream = None
    if seed is not None:
        from .check.numeric import random_instance
        instance = random_instance(derivation.program, derivation.shapes,
                                   derivation.output, seed)
        values = {n: instance.values[n] for n in derivation.program.inputs()}
        values.update({n: size for n, size in instance.dims.items()  # a reshape's heads h
                       if n in derivation.shapes.lengths()})
        upstream = instance.given() or None
    else:
        from .language.values import parse_values
        values = parse_values(at)
        # dB, dC: each output's upstream gradient (ones for one not given)
        upstream = {f"d{o}": values.pop(f"d{o}") for o in derivation.upstreams
                    if f"d{o}" in values} or None
    derivation.at(values, upstream)


def _formulas(against: tuple[str, ...], wrt: tuple[str, ...],
              program: str) -> tuple[dict[str, str], str | None]:
    """--against 'FORMULA' (for the one --wrt), --against 'NAME=FORMULA', or a backward
    pass: several lines (a multi-line string, lines separated by ';', @FILE, or - for
    standard input). Returns the formulas by name, or the pass's text."""
    import re
    named = [name.strip() for item in wrt for name in item.split(",") if name.strip()]
    formulas: dict[str, str] = {}
    backward = None
    for item in against:
        text = _against_text(item, program)
        if _is_pass(text):
            if len(against) > 1:
                raise click.UsageError("--against: a backward pass is checked on its own; "
                                       "give it as the only --against")
            backward = text
            continue
        match = re.match(r"\s*([^\W\d]\w*)\s*=(?!=)(.*)", text, flags=re.S)
        if match and "." not in match.group(1):
            formulas[match.group(1)] = match.group(2).strip()
        elif len(named) == 1:
            formulas[named[0]] = text.strip()
        else:
            raise click.UsageError("--against: write NAME=FORMULA, or give exactly one --wrt")
    return formulas, backward


def _against_text(item: str, program: str) -> str:
    """The text of an --against: standard input for -, a file's contents for @FILE."""
    if item.strip() == "-":
        if program == "-":
            raise click.UsageError("--against -: the program already reads standard input; "
                                   "give one of them as a file")
        return sys.stdin.read().removeprefix("\ufeff")
    if item.startswith("@"):  # no formula starts with @: it is a file
        path = Path(item[1:])
        if not path.is_file():
            raise click.UsageError(f"--against {item}: no such file: {path}")
        return path.read_text(encoding="utf-8-sig")
    return item


def _is_pass(text: str) -> bool:
    """Several lines, or several statements separated by ';'."""
    import ast
    if "\n" not in text.strip() and ";" not in text:
        return False
    try:
        ast.parse(text.strip(), mode="eval")  # one expression written over several lines
        return False
    except SyntaxError:
        return True


def _verdicts(derivation, fmt: str, lang: str, wanted: list[str]) -> None:
    """The verdicts on hand-derived formulas (JSON with --format json), and the gradients
    asked for (--wrt) that no formula gives; exit code 1 if a formula is wrong or one
    asked for is missing."""
    from .render.formats import render_comparison, render_lacking
    verdicts = list(derivation.against.values())
    lacking = [n for n in dict.fromkeys(wanted) if n not in derivation.against]
    if fmt == "json":
        import json
        from dataclasses import asdict
        click.echo(json.dumps([asdict(v) | {"equal": v.equal} for v in verdicts] +
                              [{"wrt": n, "verdict": "missing", "equal": False}
                               for n in lacking], ensure_ascii=False, indent=2))
    else:
        shown = [render_comparison(v, derivation.loss, lang) for v in verdicts]
        if lacking:
            shown.append(render_lacking(lacking, derivation.loss, lang))
        click.echo("\n".join(shown), nl=False)
    if lacking or not all(v.equal for v in verdicts):
        raise click.exceptions.Exit(1)


def _pass_verdict(derivation, backward: str, fmt: str, lang: str,
                  wanted: list[str]) -> None:
    """The verdict on a backward pass, line by line; exit code 1 if a line is wrong or
    a gradient asked for (--wrt) has no line."""
    from .pipeline import check_backward
    report = check_backward(derivation, backward, wanted=wanted)
    if fmt == "json":
        import json
        from dataclasses import asdict
        lines = [asdict(line) | {"right": line.right} for line in report.lines]
        click.echo(json.dumps({"ok": report.ok, "trials": report.trials, "lines": lines,
                               "lacking": report.lacking}, ensure_ascii=False, indent=2))
    else:
        click.echo(report.text(lang), nl=False)
    if not report.ok:
        raise click.exceptions.Exit(1)


@cli.command()
@click.argument("program")
@click.option("--format", "-f", "fmt", type=click.Choice(["dot", "svg", "png"]),
              default="dot", show_default=True,
              help="dot: Graphviz's language (needs nothing else); svg, png: drawn by "
                   "Graphviz's dot command.")
@click.option("--shape", "shape", multiple=True, metavar="NAME=d1,d2",
              help="Declare a shape, e.g. --shape X=m,n.")
@click.option("--at", "at", default=None, metavar="NAME=VALUE,...",
              help="Label the arrows with values: forward values and gradients (seed 003).")
@click.option("--seed", "seed", type=click.IntRange(min=0), default=None, metavar="N",
              help="Like --at, at random inputs of the declared shapes.")
@click.option("--output", "-o", "output", default=None, metavar="FILE",
              help="Write to FILE (png always needs one).")
def graph(program: str, fmt: str, shape: tuple[str, ...], at: str | None, seed: int | None,
          output: str | None) -> None:
    """Draw the computation graph of PROGRAM, as seed 001 does: a node per name, forward
    arrows from what each statement reads to its result, and the gradients flowing back
    along them, labelled ∂L/∂Z. With --at (or --seed) the arrows carry the values, forward
    above and gradient below, as seed 003 draws its circuits.

    \b
    Examples:
      matcalc graph examples/17_mlp.mc -f svg -o mlp.svg
      matcalc graph examples/20_cs231n_add_multiply.mc --at x=-2,y=5,z=-4
    """
    from .pipeline import derive as run
    from .render.graph import draw
    text = _read_program(program)
    derivation = run(text, wrt="all", shapes=_header_shapes(_header(text), shape))
    if at is not None or seed is not None:
        _values_at(derivation, at, seed)
    source = derivation.dot()
    if fmt == "dot":
        data = source.encode("utf-8")
    else:
        data = draw(source, fmt)
    if output is not None:
        with open(output, "wb") as file:
            file.write(data)
    elif fmt == "png":
        raise click.UsageError("--format png writes a file: give --output FILE")
    else:
        click.echo(data.decode("utf-8"), nl=False)


def _common(command):
    """Options that jacobian and hessian share with derive."""
    command = _steps(command)
    command = click.option("--no-check", is_flag=True,
                           help="Skip the numerical check every result passes before it is "
                                "shown.")(command)
    command = click.option("--check", is_flag=True,
                           help="Also print the numerical check's report (to stderr).")(command)
    command = click.option("--lang", type=click.Choice(languages()), default="en",
                           show_default=True, help="Language of the reasons.")(command)
    command = click.option("--format", "-f", "fmt", type=click.Choice(list(FORMATS)),
                           default="text", show_default=True, help="Output format.")(command)
    command = click.option("--shape", "shape", multiple=True, metavar="NAME=d1,d2",
                           help="Declare a shape, e.g. --shape x=n")(command)
    return command


def _exclusive(check: bool, no_check: bool) -> None:
    if check and no_check:
        raise click.UsageError("--check prints the check's report, --no-check skips the "
                               "check: give one of them")


def _show(result, fmt: str, lang: str, report: bool, skip: bool) -> None:
    """The result, unless the check (already run, and kept with the result) failed; the
    check's report on stderr with --check, so that the output file stays clean."""
    if not skip and result.unverified is None:  # (unverified: no numpy, or uncovered)
        from .check import verify
        from .errors import CheckError
        checked = verify(result)
        if checked is not None and (report or not checked.ok):
            click.echo(checked.summary(lang), err=True)
        if checked is not None and not checked.ok:
            raise CheckError("the numerical check caught a wrong result (see above); it is "
                             "not shown: please report this program")
    if fmt == "text" and sys.stdout.isatty():  # wrap at the terminal's width
        import shutil

        from .render.formats import COLUMNS
        COLUMNS["text"] = max(60, shutil.get_terminal_size((100, 24)).columns)
    text = result.show(fmt, lang, standalone=OUTPUT["standalone"] and fmt == "latex",
                       title=OUTPUT["title"])
    if fmt == "markdown" and OUTPUT["flavor"] != "zenn":
        from .render.flavors import flavoured
        text = flavoured(text, OUTPUT["flavor"])
    if OUTPUT["file"] is not None:
        with open(OUTPUT["file"], "w", encoding="utf-8") as file:
            file.write(text)
        return
    click.echo(text, nl=False)


@cli.command()
@click.argument("program")
@click.option("--wrt", default=None, metavar="NAME",
              help="The input to differentiate by (default: the file's '# wrt:' line).")
@click.option("--layout", type=click.Choice(["numerator", "denominator"]),
              default=None,
              help="numerator (the default): J_ki = ∂y_k/∂x_i (rows follow the output); "
                   "denominator: its transpose.")
@_vec_option
@_common
@_notation
def jacobian(program: str, wrt: str | None, layout: str | None, vec: str,
             shape: tuple[str, ...], fmt: str, lang: str, check: bool, no_check: bool,
             steps: str, proof: str) -> None:
    """The Jacobian ∂Y/∂X of the program's output, entry by entry.

    A derivative with three or four free indices (∂(W x)/∂W, a matrix by a matrix) is
    given as the matrix ∂vec(Y)/∂vec(X)ᵀ, read off the index form as Kronecker products
    (vec stacks the columns unless --vec rows).

    \b
    Examples:
      matcalc jacobian "x: (n,); y = W @ x" --wrt x --layout denominator
      matcalc jacobian "Y = X @ X" --wrt X          # I ⊗ X + Xᵀ ⊗ I
    """
    from .pipeline import jacobian as run
    _exclusive(check, no_check)
    text = _read_program(program)
    header = _header(text)
    _header_flags(header)
    _show(run(text, _one_wrt(wrt, header, "jacobian"), _header_layout(layout, header),
              _header_shapes(header, shape),
              check=not no_check, steps=steps, proof=proof, vec=vec),
          fmt, lang, check, no_check)


@cli.command()
@click.argument("program")
@click.option("--wrt", default=None, metavar="NAME[,NAME]",
              help="The vector or matrix to differentiate by, or two inputs W,b for the "
                   "block ∂²f/∂W∂b (default: the file's '# wrt:' line).")
@click.option("--layout", type=click.Choice(["numerator", "denominator"]),
              default=None,
              help="numerator (the default): H_ij = ∂²f/∂x_i∂x_j; denominator: its "
                   "transpose.")
@_vec_option
@_common
@_notation
def hessian(program: str, wrt: str | None, layout: str | None, vec: str,
            shape: tuple[str, ...], fmt: str, lang: str, check: bool, no_check: bool,
            steps: str, proof: str) -> None:
    """The Hessian ∂²f/∂x_i∂x_j of a scalar output f with respect to a vector x, or
    ∂²f/∂vec(X)∂vec(X)ᵀ with respect to a matrix X, in index form and as Kronecker
    products (vec stacks the columns unless --vec rows).

    \b
    Examples:
      matcalc hessian "x: (n,); f = x @ A @ x" --wrt x      # A + Aᵀ
      matcalc hessian "f = trace(X.T @ A @ X)" --wrt X      # I ⊗ (A + Aᵀ)
      matcalc hessian "x: (d,); b: (c,); f = sum((W.T @ x + b) ** 3)" --wrt W,b
    """
    from .pipeline import hessian as run
    _exclusive(check, no_check)
    text = _read_program(program)
    header = _header(text)
    _header_flags(header)
    _show(run(text, _hessian_wrt(wrt, header), _header_layout(layout, header),
              _header_shapes(header, shape),
              check=not no_check, steps=steps, proof=proof, vec=vec),
          fmt, lang, check, no_check)


OPTIONS = {"wrt": "--wrt", "shapes": "--shape", "loss": "--loss", "layout": "--layout",
           "against": "--against", "at": "--at", "values": "--at"}


def cli_message(error) -> str:
    """An error in the command line's terms: the library's wrt='Q' is --wrt Q here."""
    if error.option is None:
        return str(error)
    flag = OPTIONS.get(error.option, error.option)
    shown = "" if error.value is None else f" {error.value}"
    return f"{flag}{shown}: {error.message}"


def _writable(stream) -> None:
    """A stream that cannot spell ∂ or Σ (cp1252, cp932) writes UTF-8 instead of failing."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        "∂Σ∘ᵀ𝟏".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8")


def _lang_of(argv: list[str]) -> str:
    """--lang ja (or --lang=ja) on the command line, for the error messages."""
    for k, arg in enumerate(argv):
        if arg == "--lang" and k + 1 < len(argv):
            return argv[k + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return "en"


def _error_line(message: str, lang: str) -> str:
    """The one line an error is: 'matcalc: error: …', in Japanese 'matcalc: エラー：…'."""
    return f"matcalc: エラー：{message}" if lang == "ja" else f"matcalc: error: {message}"


def main(argv: list[str] | None = None) -> int:
    from .errors import MatcalcError
    _writable(sys.stdout)
    _writable(sys.stderr)
    try:
        code = cli.main(args=argv, prog_name="matcalc", standalone_mode=False)
        if isinstance(code, int):  # an Exit raised inside a command, returned by click
            return code
    except click.exceptions.Exit as done:
        return done.exit_code
    except getattr(click.exceptions, "NoArgsIsHelpError", ()) as bare:  # `matcalc` alone
        click.echo(bare.format_message())
        return 0
    except click.exceptions.Abort:
        click.echo("matcalc: aborted", err=True)
        return 1
    except click.ClickException as error:
        from .render.messages import message_in
        lang = _lang_of(argv if argv is not None else sys.argv[1:])
        click.echo(_error_line(message_in(error.format_message(), lang), lang), err=True)
        return 2
    except MatcalcError as error:
        from .render.messages import message_in
        lang = _lang_of(argv if argv is not None else sys.argv[1:])
        click.echo(_error_line(message_in(cli_message(error), lang), lang), err=True)
        return error.exit_code
    except RecursionError:
        from .render.messages import message_in
        lang = _lang_of(argv if argv is not None else sys.argv[1:])
        click.echo(_error_line(message_in("the program is nested too deeply", lang), lang),
                   err=True)
        return 1
    except Exception as error:  # a bug in matcalc: still one line, no traceback
        if os.environ.get("MATCALC_DEBUG"):
            raise
        click.echo(f"matcalc: internal error: {type(error).__name__}: {error} "
                   "(please report; MATCALC_DEBUG=1 shows the traceback)", err=True)
        return 70
    return 0


def entry_point() -> None:
    """The ``matcalc`` command. Once the output is flushed nothing is left to do, so the
    process ends without the interpreter's teardown, which would spend ~70 ms freeing
    sympy's caches (a fifth of a cold start). MATCALC_DEBUG=1 keeps the normal exit."""
    code = main()
    if os.environ.get("MATCALC_DEBUG"):
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):  # a reader that stopped early, or a closed stream
        pass
    os._exit(code)
