"""From a result to text: ``render(result, fmt, lang)`` builds a view (strings per
expression, reasons as data) and hands it to the format's template, with the language's
``reasons.<lang>.j2`` as ``r`` (its macros ``r.phrase(key, params, fmt)`` and
``r.label(key)`` phrase every reason and label).
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from typing import TYPE_CHECKING

import sympy

from ..codegen.backward import (
    backward_lines,
    derivative_numpy,
    numpy_code,
)
from ..codegen.staged import upstream_symbol as upstream_of
from ..errors import UsageError
from ..index.symbols import Element, Partial, TensorSymbol
from ..language.program import Stack
from ..language.program import names_in as read_names
from .catalogue import FORMATS, languages, templates_dir
from .messages import said_in
from .names import tex_index, unicode_name
from .printers import PrintContext, functions_of_one
from .text import TextPrinter
from .wrap import display_columns, reason_rows, tex_rows, visible, wrap_code, wrap_math, wrap_prose

# the text format's line width: the terminal's, when the command writes to one
COLUMNS = {"text": 100}

if TYPE_CHECKING:
    from ..results import Derivation, Derivative, Gradient


def bytecode_cache():
    """Compiled templates kept in ``$MATCALC_CACHE_DIR`` (default ``~/.cache/matcalc``).

    Compiling the templates is most of a cold start's rendering time; jinja2 checks each
    cached entry against its template's source, so an edited template is recompiled.
    ``MATCALC_CACHE_DIR=""`` turns the cache off; an unwritable directory does too.
    """
    import jinja2
    directory = os.environ.get("MATCALC_CACHE_DIR")
    if directory is None:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        directory = os.path.join(base, "matcalc")
    if not directory:
        return None
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError:
        return None
    if not os.access(directory, os.W_OK):
        return None
    return jinja2.FileSystemBytecodeCache(directory)


@lru_cache(maxsize=1)
def environment():
    import jinja2
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        bytecode_cache=bytecode_cache(),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=False, autoescape=False)
    env.filters["pad"] = lambda text, width: text + " " * max(0, width - len(text))
    env.filters["wrap_math"] = wrap_math
    env.filters["wrap_prose"] = wrap_prose
    env.filters["columns"] = display_columns
    env.filters["wrap_code"] = wrap_code
    env.filters["tex_rows"] = tex_rows
    env.filters["reason_rows"] = reason_rows
    env.filters["visible"] = visible
    from .paper import in_pairs, numbered, numpy_line, tagged, two_columns, verbatim_text
    env.filters["in_pairs"] = in_pairs
    env.filters["numpy_line"] = numpy_line
    env.filters["two_columns"] = two_columns
    env.filters["tagged"] = tagged
    env.filters["numbered"] = numbered
    env.filters["verbatim"] = verbatim_text
    env.filters["dims"] = _dims
    env.filters["add_line"] = lambda name, numbers, lang="en": name if name not in numbers \
        else f"{numbers[name]} 行目の {name}" if lang == "ja" else \
        f"{name} (line {numbers[name]})"
    env.filters["in_lang"] = said_in
    env.filters["add_prefix"] = lambda text, prefix: f"{prefix}{text}"
    env.filters["json"] = lambda value: json.dumps(value, ensure_ascii=False, indent=2)
    env.filters["tex_index"] = tex_index
    env.filters["tex_text"] = lambda text: str(text).replace("\\", "\\textbackslash{}") \
        .replace("_", "\\_").replace("{", "\\{").replace("}", "\\}")
    return env


def _dims(shape) -> str:
    """(m, n): a shape in dimension names."""
    from ..language.shapes import show
    return show(shape)


def latex_printer(ctx: PrintContext):
    """The LaTeX printer, imported when first asked for (the terminal needs only text)."""
    from .latex import LatexPrinter
    return LatexPrinter(ctx)


def context(d: Derivation | Derivative) -> PrintContext:
    """What the printers must know of the program; a Jacobian's "loss" is its output."""
    names = list(d.shapes.names)
    loss = d.loss if hasattr(d, "loss") else d.output
    from .settings import NOTATION
    return PrintContext(loss=loss, order={n: k for k, n in enumerate(names)},
                        names=set(names), notation=dict(NOTATION),
                        matrices={n for n, s in d.shapes.names.items() if len(s) > 0},
                        vectors={n for n, s in d.shapes.names.items() if len(s) == 1},
                        aliases=dict(d.program.aliases), written=d.names.written,
                        scalar_nodes={k for k, s in d.shapes.nodes.items() if len(s) == 0},
                        ordinary=functions_of_one(d.program, d.shapes.names, loss)
                        if NOTATION.get("derivative", "d") == "d" else {})


def outputs_note(d: Derivation, printer) -> dict | None:
    """A program with several outputs (names nothing reads, seed 001 eq. 10's B = A;
    C = A): their names and upstream gradients ∂L/∂B, ∂L/∂C, printed, for the note that
    lists them (none is dropped); None with one output."""
    if len(d.outputs) < 2:
        return None
    return {"names": [printer.doprint(d.names.symbols[o]) for o in d.outputs],
            "upstreams": [printer.doprint(upstream_of(d, o)) for o in d.outputs]}


def notes(program) -> list[str]:
    """Ill-defined points and domains the program's functions bring with them."""
    from .. import ops
    from ..language.program import Call, walk_program
    return list(dict.fromkeys(ops.get(node.func).note for node in walk_program(program)
                              if isinstance(node, Call) and ops.get(node.func).note))


def stacks_note(d: Derivation, printer) -> list[str]:
    """The leading indices of the stacks the matrix forms run over, each with its length:
    ["β (b)", "η (h)"] (empty for a derivation of matrices)."""
    from ..index.symbols import slices_in
    found: dict = {}
    for grad in d.all_gradients.values():
        for form in (grad.result, grad.inlined):
            if form is None or not getattr(form, "is_Matrix", False):
                continue
            for s in slices_in(form):  # (an inlined form shares its pieces: no atoms())
                found.update(zip(s.labels, s.tensor.shape))
    from .latex import LatexPrinter
    math = (lambda t: f"${t}$") if isinstance(printer, LatexPrinter) else (lambda t: t)
    return [f"{math(printer.doprint(label))} ({math(printer.doprint(n))})"
            for label, n in found.items()]


def symmetric_notes(d: Derivation) -> list[dict]:
    """The convention of each gradient by a name declared symmetric or spd: sym(G) or G
    (``calculus.symmetric``), for the notes."""
    from ..calculus.symmetric import ASSUMPTIONS
    return [{"name": unicode_name(n), "kind": d.shapes.assumptions[n],
             "convention": d.symmetric_gradient}
            for n in d.all_gradients if d.shapes.assumptions.get(n) in ASSUMPTIONS
            and n in d.program.inputs() and not d.all_gradients[n].zero]


# steps before the matrix form is read off: their products stay as the program writes
# them (∂L/∂c_kj a_ki, as seed 001 eq. 16 has it); after, entries chain from i
WRITTEN = frozenset({"chain_rule", "fan_out", "element_form", "linearity", "keep",
                     "differentiate_by_form",
                     "differentiate"})


def step_view(step, printer, order: list[str] | None = None) -> dict:
    """A step for the templates: its right-hand side printed, its reason's key and
    parameters. Steps before the matrix form is read are printed as written, the names of
    a sum in ``order`` (the statements they came from)."""
    if step.reason.key in WRITTEN:
        rhs = printer.in_order(order or [], step.rhs)
    else:
        rhs = printer.doprint(step.rhs)
    return {"rhs": rhs, "key": step.reason.key,
            "params": shown_params(step.reason.params, printer)}


def _result_is_last_line(grad) -> bool:
    """The scalar result is its proof's last line, written in the program's order there
    (exp(−x) + 3 − (y + x) exp(−x)): the closing line keeps that order rather than
    sympy's ((−y − x) exp(−x) + exp(−x) + 3). Small scalar expressions only."""
    result, last = grad.result, grad.steps[-1].rhs if grad.steps else None
    if last is None or getattr(result, "is_Matrix", True) or \
            getattr(last, "is_Matrix", True) or last.has(Partial, sympy.Sum, Element) or \
            sympy.count_ops(result) > 60:
        return False
    return last != result and sympy.expand(last - result) == 0


def steps_view(steps, printer, program) -> list[dict]:
    """Every step; from a chain rule or an element form on, the names of the statements it
    names keep their written order (c_kl = a_kl + b_l, num = x + sigy)."""
    values = {s.target: s.value for s in program.statements}
    order: list[str] = []
    out = []
    for step in steps:
        if step.reason.key in ("chain_rule", "fan_out", "element_form"):
            order = list(dict.fromkeys(n for target in step.reason.params.get("names", [])
                                       if target in values
                                       for n in read_names(values[target])))
        out.append(step_view(step, printer, order))
    return out


def shown_params(params: dict, printer) -> dict:
    """A reason's names as the formulas show them: mu → μ in text, \\mu (and bold
    matrices) in LaTeX, where the reasons set them in math. With the notation's
    ja_spacing="article", a kept-terms reason is marked ``tight`` (seed 001's spacing)."""
    if "kept" in params and printer.ctx.notation.get("ja_spacing") == "article":
        params = {**params, "tight": True}
    if "loss" in params and printer.nabla:  # substitute ∇_C L, as the formulas write it
        params = {**params, "nabla": True}
    if not isinstance(printer, TextPrinter):
        return {k: v for k, v in params.items() if k != "rules"}
    if type(printer) is TextPrinter:
        def show(n: str) -> str:
            return printer.uname(n)
    else:  # LaTeX: the names set in math, as in the formulas (bold matrices)
        def show(n: str) -> str:
            return printer.tex_name(n, bold=n in printer.ctx.matrices)
    shown = dict(params)
    if "rules" in shown:  # σ′(x) = σ(x)(1 − σ(x)): sympy, printed as the formulas are
        shown["rules"] = [[printer.doprint(side) for side in pair] for pair in shown["rules"]]
    for key in ("names", "wrt", "symmetric"):
        if isinstance(shown.get(key), list):
            shown[key] = [show(n) if isinstance(n, str) else n for n in shown[key]]
        elif isinstance(shown.get(key), str):
            shown[key] = show(shown[key])
    return shown


def _expanded(d: Derivation, grad: Gradient, printer, result: str | None,
              column: bool = False):
    """--expand: the requested gradient written out entry by entry (``render.expand``);
    ``column``: as displays that fit a blog column (TeX only: the Markdown's)."""
    if printer.ctx.notation.get("expand") != "on" or grad.wrt not in d.gradients or \
            result is None:
        return None
    from .expand import column_displays, expansion, shown
    from .latex import LatexPrinter
    if column and not isinstance(printer, LatexPrinter):
        return None
    grids = expansion(grad, d.shapes.names[grad.wrt])
    if grids is None:
        return None
    if column:
        return column_displays(grids, printer.doprint(grad.matrix_lhs), printer)
    return shown(grids, printer.doprint(grad.matrix_lhs), result, printer,
                 tex=isinstance(printer, LatexPrinter))


def _view(d: Derivation, printer, code: list | None, inlined: bool = False) -> dict:
    """Strings for the templates; the inlined forms (which grow with the square of a
    network's depth) only if they are shown."""
    from sympy import MatrixSymbol
    definitions = []
    article = printer.ctx.notation.get("definition_letters") == "article"
    letters_note = "note_letters"
    for df in d.definitions:
        element_lhs, element_rhs = df.element_lhs, df.element_rhs
        renamed = article_letters(df.element_lhs, df.element_rhs, printer.ctx.names) \
            if article else subscript_letters(df, printer.ctx.names)
        if renamed and not article:
            letters_note = "note_subscript_letters"
        if renamed:  # c_ij = Σ_k a_ik b_kj: the proof's c_kl = Σ_p a_kp b_pl, renamed
            element_lhs, element_rhs = element_lhs.xreplace(renamed), \
                element_rhs.xreplace(renamed)
            # a row-wise node's sum (softmax's Σ_p) takes the next article letter: Σ_k
            printer.row_letter = article_letters(element_lhs, element_rhs, printer.ctx.names,
                                                 after=True)
        shown_rhs = printer.in_order(read_names(df.node), element_rhs)
        row_renaming = _row_renaming(df.element_rhs, printer) if renamed else []
        printer.row_letter = None
        definitions.append({
            "name": df.name,
            "lhs": printer.doprint(d.names.symbols[df.name]),
            "matrix": printer.doprint(df.node),
            "element_lhs": printer.doprint(element_lhs),
            "element_rhs": shown_rhs,
            # the proof's own letters, where the definition shows the article's
            "proof_lhs": printer.doprint(df.element_lhs) if renamed else None,
            "proof_rhs": printer.in_order(read_names(df.node), df.element_rhs)
            if renamed else None,
            "renaming": [[printer.doprint(new), printer.doprint(old)]
                         for old, new in renamed.items()] + row_renaming,
            # a literal is its own element form (f_k = (x², 2 x)_k): written once
            "written_out": isinstance(df.node, Stack),
        })
    gradients = []
    hidden = getattr(d, "proof", "full") == "result"   # --proof result: the result alone
    for grad in d.shown_gradients.values():
        steps = [] if hidden else steps_view(grad.steps, printer, d.program)
        result = printer.doprint(grad.result) if grad.result is not None else None
        if steps and _result_is_last_line(grad):  # a scalar result as its last line wrote it
            result = steps[-1]["rhs"]
        symbol = d.names.symbols[grad.wrt]
        gradients.append({
            "wrt": grad.wrt,
            "lhs": printer.doprint(grad.lhs),
            "matrix_lhs": printer.named(grad.wrt, printer.doprint(grad.matrix_lhs)),
            "steps": steps,
            "result": result,
            "index_form": printer.doprint(grad.index_form),
            "no_matrix_form": grad.no_matrix_form,
            "form": grad.form,
            "is_matrix": isinstance(symbol, (MatrixSymbol, TensorSymbol)),
            "numpy": numpy_code(d, grad) if grad.wrt in d.gradients and not code else None,
            "requested": grad.wrt in d.gradients,
            "inlined": printer.doprint(grad.inlined)
            if grad.inlined is not None and (inlined or d.inline) else None,
            "inline_steps": [step_view(s, printer) for s in grad.inline_steps]
            if grad.inlined is not None and (inlined or d.inline) and not hidden else [],
            "consumers": grad.consumers,
            "zero": grad.zero,
            "expanded": _expanded(d, grad, printer, result),
            # the matrix form is the symbol itself (a declared map's ∂y/∂x): after the
            # expansion it is not restated
            "restates": result == printer.doprint(grad.matrix_lhs),
            "column_displays": _expanded(d, grad, printer, result, column=True),
        })
    upstream = printer.doprint(upstream_of(d, d.output)) \
        if d.has_upstream and len(d.outputs) == 1 else None
    from ..language.shapes import show
    shapes = [(name, show(shape)) for name, shape in d.shapes.names.items()]
    return {"program": d.program.source, "output": d.output, "loss": d.loss,
            "letters_note": letters_note,
            "upstream": upstream, "outputs": outputs_note(d, printer),
            "definitions": definitions, "gradients": gradients,
            "shapes": shapes, "graph": d.is_graph, "inline": d.inline,
            "notes": notes(d.program) + (["layout"] if any(
                d.shapes.names[g] for g in d.gradients) else []), "backward_code": code,
            "stacks": stacks_note(d, printer),
            "symmetric": symmetric_notes(d),
            "squared": [{"name": name, "shape": show(d.shapes.names[name]), "line": pos.line,
                         "col": pos.col} for name, pos in d.shapes.squared.items()],
            "verified_on": d.verified_on, "unverified": d.unverified,
            "verified_key": "verified_result" if hidden else "verified",
            # --proof result on a graph: the backward pass alone lists every result
            "proof_hidden": hidden,
            "values": _values_view(d, printer),
            "numbered": printer.ctx.notation.get("numbers") == "on"}


ARTICLE_LETTERS = ("i", "j", "k", "l", "m", "n", "p", "q", "r", "s", "t", "u", "v", "w")


def article_letters(lhs, rhs, names: set[str], after: bool = False):
    """The articles' letters for a forward definition (seed 001 eq. 14, c_ij = Σ_k a_ik
    b_kj, where the proof writes c_kl = Σ_p a_kp b_pl, keeping i, j for the gradient's
    entry): the entry's indices become i, j, …, the summed ones the letters after them; a
    letter the definition or the program already uses for something else is skipped. One
    renaming of both sides at once (xreplace is simultaneous), each letter to a letter
    nothing else in the definition uses, so the definition is the same; {} when nothing
    changes (a scalar's definition has no indices). A row-wise node's running index (ℓ,
    softmax's) is never printed: its printer picks a letter, and with ``after`` this
    returns the first article letter the (renamed) definition leaves free for it."""
    from sympy import Symbol

    from ..index.symbols import Index, RowEntry
    indices = [a for a in lhs.args if isinstance(a, Index)]
    running = {node.index for node in rhs.atoms(RowEntry)}
    summed = sorted({s for s in rhs.atoms(Index) if s not in indices and s not in running},
                    key=str)
    taken = {str(s) for s in (lhs.free_symbols | rhs.free_symbols)
             if isinstance(s, Symbol) and not isinstance(s, Index)} | set(names)
    letters = [c for c in ARTICLE_LETTERS if c not in taken]
    if after:
        used = {str(s) for s in lhs.atoms(Index) | rhs.atoms(Index)}
        return next((c for c in letters if c not in used), None)
    if len(letters) < len(indices) + len(summed):
        return {}
    renamed = {old: Index(new) for old, new in zip([*indices, *summed], letters)}
    return {} if all(str(old) == str(new) for old, new in renamed.items()) else renamed


def subscript_letters(df, names: set[str]) -> dict:
    """einsum's definition in its own subscripts' letters: C = einsum("ij,jk->ik", A, B)
    is c_ik = Σ_j a_ij b_jk, where the proof writes c_kl = Σ_p a_kp b_pl. {} for any other
    statement, or where a letter is the program's (a dimension or a name)."""
    from sympy import Symbol

    from ..index.symbols import Index
    from ..language.program import Call
    from ..ops.einsum import Subscripts
    node = df.node
    if not (isinstance(node, Call) and node.spec is not None):
        return {}
    subscripts = Subscripts(node.spec, len(node.args))
    indices = [a for a in df.element_lhs.args if isinstance(a, Index)]
    summed = [limit[0] for limit in getattr(df.element_rhs, "limits", ())]
    taken = {str(s) for s in df.element_lhs.free_symbols | df.element_rhs.free_symbols
             if isinstance(s, Symbol) and not isinstance(s, Index)} | set(names)
    letters = [*subscripts.result, *subscripts.summed]
    if len(indices) != len(subscripts.result) or len(summed) != len(subscripts.summed) or \
            taken & set(letters):
        return {}
    renamed = {old: Index(new) for old, new in zip([*indices, *summed], letters)}
    return {} if all(str(old) == str(new) for old, new in renamed.items()) else renamed


def _row_renaming(rhs, printer) -> list[list[str]]:
    """[article letter, proof letter] for each row-wise node's sum (softmax's Σ_k, the
    proof's Σ_p), where they differ."""
    from ..index.symbols import RowEntry
    from ..ops.rowwise import printed_index
    article = printer.row_letter
    printer.row_letter = None
    pairs = [[article, str(printed_index(node, printer))] for node in rhs.atoms(RowEntry)]
    printer.row_letter = article
    return [pair for pair in dict.fromkeys(map(tuple, pairs)) if pair[0] != pair[1]]


def _values_view(d: Derivation, printer) -> dict | None:
    """d.at(...): the inputs, the forward values and the gradients, as the printer writes
    names and numbers (a pmatrix in LaTeX)."""
    at = getattr(d, "values_at", None)
    if not at:
        return None
    tex = type(printer) is not TextPrinter
    shown = value_tex if tex else value_text
    inputs = [(printer.doprint(d.names.symbols[n]), shown(v)) for n, v in at["inputs"].items()
              if n in d.shapes.names]
    computed = [(printer.doprint(d.names.symbols[n]), shown(v))
                for n, v in at["forward"].items() if n not in at["inputs"]]
    gradients = [(printer.doprint(_whole(d.all_gradients[n].matrix_lhs)), shown(v))
                 for n, v in at["gradients"].items() if n in d.all_gradients]
    given = at.get("upstreams") or ({d.output: at["upstream"]}
                                    if at.get("upstream") is not None else {})
    upstreams = [(printer.doprint(upstream_of(d, o)), shown(g)) for o, g in given.items()]
    return {"inputs": inputs, "forward": computed, "gradients": gradients,
            "upstreams": upstreams}


def _whole(lhs):
    """∂L/∂A for ∂L/∂A_β: a value is the whole stack, not one slice."""
    from ..index.symbols import Partial, Slice
    if isinstance(lhs, Partial) and isinstance(lhs.var, Slice):
        return Partial(lhs.expr, lhs.var.tensor)
    return lhs


def value_text(value) -> str:
    """−12, 0.7311, [1, −2], [[1, 2], [3, 4]]: 4 significant digits, a true minus."""
    from ..arrays import np
    array = np.asarray(value, dtype=float)
    if array.ndim == 0:
        return f"{float(array):.4g}".replace("-", "−")
    return "[" + ", ".join(value_text(row) for row in array) + "]"


def value_tex(value) -> str:
    """A number, or a pmatrix (a vector as a column); a stack as a row of its slices'
    matrices, each a pmatrix (a stack of stacks, nested the same way)."""
    from ..arrays import np
    array = np.asarray(value, dtype=float)
    if array.ndim == 0:
        return f"{float(array):.4g}"
    if array.ndim > 2:
        return r"\left[" + r",\ ".join(value_tex(part) for part in array) + r"\right]"
    rows = array.reshape(-1, 1) if array.ndim == 1 else array
    body = r" \\ ".join(" & ".join(f"{float(x):.4g}" for x in row) for row in rows)
    return r"\begin{pmatrix} " + body + r" \end{pmatrix}"


def _document(d, env, lang: str, phrases, ctx, view: dict, title: str | None) -> str:
    """A complete LaTeX document for a paper (``render.paper``, document.j2): titled by
    ``title`` or by the program, each gradient named and labelled eq:grad-NAME."""
    from . import paper
    printer = latex_printer(ctx)
    taken: set[str] = set()
    for g in view.get("gradients", []):
        g["name"] = printer.doprint(d.names.symbols[g["wrt"]])
        g["label"] = paper.label(g["wrt"], taken)
    comment = None if title else paper.title_comment(d.program.source, lang)
    if title or comment:
        shown = paper.title_tex(title or comment)
    elif "derivative" in view:
        shown = paper.default_title(phrases, printer.doprint(d.names.symbols[d.output]),
                                    [printer.doprint(d.names.symbols[d.wrt])], kind=d.kind)
    else:
        shown = paper.default_title(phrases, printer.loss,
                                    [g["name"] for g in view["gradients"] if g["requested"]])
    return paper.document(env, lang, phrases, view, title=shown, skip_title=bool(comment),
                          bm=ctx.notation.get("bold") == "bm")


def render(d: Derivation | Derivative, fmt: str, lang: str = "en",
           standalone: bool = False, title: str | None = None) -> str:
    """The result in a format of ``catalogue.FORMATS`` and a language of ``languages()``;
    ``standalone`` LaTeX is a complete document for a paper, titled ``title`` (text, with
    $…$ as math) or by the program."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if lang not in languages():
        raise UsageError(f"unknown language {lang!r}; choose one of "
                         f"{', '.join(languages())}")
    form = FORMATS[fmt]
    env = environment()
    phrases = env.get_template(f"reasons.{lang}.j2").module
    ctx = context(d)
    statement = d.program.source.strip().splitlines()[-1]  # the statement derived
    if form.printer == "numpy":
        return _module(d, env, form)
    if form.printer == "html":  # the Markdown, as a page with MathML
        from .html import page
        return page(render(d, "markdown", lang), f"matcalc: {statement}", lang)
    if d.view == "derivative":
        if standalone and fmt == "latex":  # its proof, split into rows, in a document
            view = _derivative_view(d, latex_printer(ctx))
            return _document(d, env, lang, phrases, ctx, {
                "derivative": view, "program": d.program.source,
                "verified_on": d.verified_on}, title)
        return _fragment(_render_derivative(d, form, lang, ctx, env, phrases), fmt, phrases,
                         ctx)
    if form.printer is None:
        return _json(d, ctx, env, phrases, form)
    printer = TextPrinter(ctx) if form.printer == "text" else latex_printer(ctx)
    view = _view(d, printer, backward_lines(d))
    if standalone and fmt == "latex":
        return _document(d, env, lang, phrases, ctx, view, title)
    return _fragment(env.get_template(form.template).render(
        lang=lang, r=phrases, columns=COLUMNS["text"], **view).rstrip() + "\n", fmt, phrases,
        ctx)


def _fragment(text: str, fmt: str, phrases, ctx: PrintContext) -> str:
    """--format latex without --standalone: headed by the packages it needs, its letters
    as TeX commands where TeX has them (a name in a script without any stays, for
    LuaLaTeX, KaTeX and MathJax)."""
    if fmt != "latex":
        return text
    from .paper import for_pdflatex, fragment_header
    return fragment_header(phrases, ctx.notation.get("bold") == "bm") + \
        for_pdflatex(text, "math", keep=True)


def _why(result, phrases) -> str | None:
    """Why a result stays an index form, in words: what it is where it has a name (a
    convolution's gradient, ``form``), else the reason recognition gave."""
    if result.form is None and getattr(result, "no_kronecker", False):
        return f"no Kronecker form: {result.no_matrix_form}"  # the vec matrix has no ⊗ form
    if result.form is None:
        return result.no_matrix_form
    return str(phrases.phrase(result.form["key"], result.form["params"], "text")).strip()


def _json(d: Derivation, ctx: PrintContext, env, phrases, form) -> str:
    """The JSON contract: "gradients" are the requested ones (numpy with every named gradient
    substituted); "intermediates" are the named gradients derived on the way."""
    code = backward_lines(d)
    text, latex = _view(d, TextPrinter(ctx), code), _view(d, latex_printer(ctx), code)
    requested, intermediates = [], []
    for grad, t, x in zip(d.shown_gradients.values(), text["gradients"], latex["gradients"]):
        steps = [{"latex": xs["rhs"], "text": ts["rhs"], "reason": ts["key"],
                  "params": ts["params"],
                  "why": str(phrases.phrase(ts["key"], ts["params"], "text")).strip()}
                 for ts, xs in zip(t["steps"], x["steps"])]
        entry = {
            "wrt": grad.wrt,
            "shape": list(grad.shape),
            "numpy": numpy_code(d, grad),
            "latex": f"{x['matrix_lhs']} = {x['result']}" if x["result"] else None,
            "text": f"{t['matrix_lhs']} = {t['result']}" if t["result"] else None,
            "index": f"{t['lhs']} = {t['index_form']}",
            "no_matrix_form": _why(grad, phrases),
            "form": grad.form,
            "steps": steps,
        }
        if d.shapes.assumptions.get(grad.wrt) in ("symmetric", "spd"):
            entry["symmetric_gradient"] = d.symmetric_gradient  # sym(G) or G itself
        if d.is_graph and d.inline:  # asked for: it grows fast with depth
            entry["inlined_latex"] = f"{x['matrix_lhs']} = {x['inlined']}" \
                if x["inlined"] else None
            if t["inline_steps"]:
                entry["inlined_steps"] = [
                    {"latex": xs["rhs"], "text": ts["rhs"], "reason": ts["key"],
                     "params": ts["params"],
                     "why": str(phrases.phrase(ts["key"], ts["params"], "text")).strip()}
                    for ts, xs in zip(t["inline_steps"], x["inline_steps"])]
        (requested if grad.wrt in d.gradients else intermediates).append(entry)
    order = list(d.gradients)
    requested.sort(key=lambda e: order.index(e["wrt"]))
    contract = {
        "program": d.program.source,
        "output": d.output,
        "outputs": list(d.outputs),
        "loss": d.loss,
        "shapes": {name: list(shape) for name, shape in d.shapes.names.items()},
        "gradients": requested,
    }
    if intermediates:
        contract["intermediates"] = intermediates
    if code:
        contract["backward_numpy"] = [f"d{name} {op} {line}" for name, op, line in code]
    at = getattr(d, "values_at", None)
    if at:
        from ..arrays import np
        contract["values"] = {
            key: {name: np.asarray(v, dtype=float).tolist() for name, v in at[key].items()}
            for key in ("inputs", "forward", "gradients")}
    contract["verified"] = {"random_instances": d.verified_on} if d.verified_on else None
    if d.proof == "result":  # the steps were derived and verified, and are not shown
        contract["proof"] = "result"
    if d.unverified:
        contract["unverified"] = d.unverified
    return env.get_template(form.template).render(contract=contract).rstrip() + "\n"


def _derivative_view(d: Derivative, printer) -> dict:
    from ..language.shapes import show
    return {
        "program": d.program.source, "kind": d.kind, "layout": d.layout, "vec": d.vec,
        "block": d.wrt2 is not None,  # a Hessian's block by two inputs
        "shapes": [(n, show(s)) for n, s in d.shapes.names.items()],
        "definitions": [{"lhs": printer.doprint(d.names.symbols[s.target]),
                         "matrix": printer.doprint(s.value),
                         "element_lhs": "", "element_rhs": "", "written_out": True}
                        for s in d.program.statements],
        "lhs": printer.doprint(d.lhs), "matrix_lhs": printer.doprint(d.matrix_lhs),
        "steps": [] if d.proof == "result" else [step_view(s, printer) for s in d.steps],
        "rows": None if d.proof == "result" else _jacobian_rows(d, printer),
        "shorthand": _shorthand(d, printer),
        "wrt_name": unicode_name(d.wrt),
        "wrt_tex": printer.doprint(d.names.symbols[d.wrt]),
        "result": printer.doprint(d.result) if d.result is not None else None,
        "index_form": printer.doprint(d.index_form) if d.index_form is not None else "",
        "no_matrix_form": d.no_matrix_form,
        "no_form_label": "no_kronecker_form" if d.no_kronecker else "no_matrix_form",
        "form": d.form, "numpy": derivative_numpy(d),
        "verified_on": d.verified_on, "unverified": d.unverified,
        "verified_key": "verified_result" if d.proof == "result" else "verified",
        "vech": _vech_view(d, printer),
        "expanded": _derivative_expanded(d, printer),
        "sliced": d.vec is not None and len(d.free) == 3,  # --expand writes its slices
        "restates": d.result is not None and
        printer.doprint(d.result) == printer.doprint(d.matrix_lhs),
        "slice_rows": _derivative_expanded_rows(d, printer),
        # the other names nothing reads: a Jacobian is of the last one (said, not hidden)
        "output_name": printer.doprint(d.names.symbols[d.output]),
        "left_out": [printer.doprint(d.names.symbols[o]) for o in d.program.outputs
                     if o != d.output],
    }


def _vech_view(d: Derivative, printer) -> dict | None:
    """By a symmetric S: the Hessian in vech(S), D_nᵀ H D_n, and the names to state it."""
    if d.vech is None:
        return None
    from ..index.vec import Vech
    s = d.names.symbols[d.wrt]
    if d.kind == "hessian":
        lhs = Partial(Partial(d.matrix_lhs.expr.expr, Vech(s)), sympy.Transpose(Vech(s)))
    elif d.layout == "numerator":  # ∂vec(Y)/∂vech(S)ᵀ
        lhs = Partial(d.matrix_lhs.expr, sympy.Transpose(Vech(s)))
    else:
        lhs = Partial(d.matrix_lhs.expr, Vech(s))
    return {"lhs": printer.doprint(lhs), "result": printer.doprint(d.vech),
            "name": printer.doprint(s), "n": printer.doprint(s.shape[0]),
            "kind": [d.kind], "layout": [d.layout]}


def _shorthand(d: Derivative, printer) -> dict | None:
    """Seed 004's xᵀ for ∂(Wx)/∂W, with the slice it abbreviates (∂y_k/∂W)."""
    if getattr(d, "shorthand", None) is None:
        return None
    from ..index.symbols import Index
    from .latex import LatexPrinter
    k = Index("k")
    top = printer.doprint(d.names.element(d.output, (k,)))
    wrt = printer.doprint(d.names.symbols[d.wrt])
    slice_ = rf"\frac{{\partial {top}}}{{\partial {wrt}}}" \
        if isinstance(printer, LatexPrinter) else f"∂{top}/∂{wrt}"
    return {"vec": printer.doprint(d.shorthand), "slice": slice_, "k": printer.doprint(k)}


def _jacobian_rows(d: Derivative, printer) -> list[dict] | None:
    """Seed 004's route for ∂(Wx)/∂x: its rows written out (``render.expand``)."""
    from .expand import jacobian_rows
    from .latex import LatexPrinter
    return jacobian_rows(d, printer, isinstance(printer, LatexPrinter))


def _derivative_expanded_rows(d: Derivative, printer) -> list | None:
    """--expand in LaTeX: the slices of a three-index Jacobian, a row each."""
    if printer.ctx.notation.get("expand") != "on" or type(printer) is TextPrinter:
        return None
    from .expand import derivative_expansion, slice_rows
    grids = derivative_expansion(d)
    if grids is None or grids["slices"] is None:
        return None
    return slice_rows(d, grids, printer)


def _derivative_expanded(d: Derivative, printer) -> str | None:
    """--expand for a Jacobian: its grid, or its slices ∂y_1/∂W, ∂y_2/∂W, … (seed 004)."""
    if printer.ctx.notation.get("expand") != "on":
        return None
    from .expand import derivative_expansion, shown, slices_shown
    grids = derivative_expansion(d)
    if grids is None:
        return None
    from .latex import LatexPrinter
    tex = isinstance(printer, LatexPrinter)
    if grids["slices"] is None:
        result = printer.doprint(d.result) if d.result is not None else ""
        return shown(grids, printer.doprint(d.matrix_lhs), result, printer, tex)
    return slices_shown(d, grids, printer, tex)


def _render_derivative(d: Derivative, form, lang: str, ctx: PrintContext, env,
                       phrases) -> str:
    """A Jacobian or Hessian through its format's derivative template."""
    if form.printer is None:
        text, latex = _derivative_view(d, TextPrinter(ctx)), \
            _derivative_view(d, latex_printer(ctx))
        contract = {"program": d.program.source, "kind": d.kind, "output": d.output,
                    "wrt": d.wrt, "wrt2": d.wrt2, "layout": d.layout, "vec": d.vec,
                    "left_out": [o for o in d.program.outputs if o != d.output],
                    "shapes": {n: list(s) for n, s in d.shapes.names.items()},
                    "latex": f"{latex['matrix_lhs']} = {latex['result']}"
                    if latex["result"] else None,
                    "text": f"{text['matrix_lhs']} = {text['result']}"
                    if text["result"] else None,
                    "index": f"{text['lhs']} = {text['index_form']}",
                    "no_matrix_form": _why(d, phrases),
                    "form": d.form,
                    "vech": {"latex": f"{latex['vech']['lhs']} = {latex['vech']['result']}",
                             "text": f"{text['vech']['lhs']} = {text['vech']['result']}",
                             "numpy": derivative_numpy(d, d.vech)}
                    if text["vech"] else None,
                    # seed 004's xᵀ: a shorthand of the slices, not equal to the derivative
                    "ml_shorthand": {"latex": latex["shorthand"]["vec"],
                                     "text": text["shorthand"]["vec"]}
                    if text["shorthand"] else None,
                    "numpy": derivative_numpy(d),
                    "verified": {"random_instances": d.verified_on} if d.verified_on
                    else None,
                    "steps": [{"latex": x["rhs"], "text": t["rhs"], "reason": t["key"],
                               "params": t["params"],
                               "why": str(phrases.phrase(t["key"], t["params"],
                                                         "text")).strip()}
                              for t, x in zip(text["steps"], latex["steps"])]}
        return env.get_template(form.derivative_template).render(contract=contract) \
            .rstrip() + "\n"
    printer = TextPrinter(ctx) if form.printer == "text" else latex_printer(ctx)
    view = _derivative_view(d, printer)
    return env.get_template(form.derivative_template).render(
        fmt=form.name, lang=lang, r=phrases, columns=COLUMNS["text"], **view).rstrip() + "\n"


def _module(d, env, form) -> str:
    """``--format numpy``: the runnable module."""
    from .module import derivative_view, module_view
    if d.program.functions:
        raise UsageError(f"{d.program.functions[0]} is declared, not specified, so there is "
                         "no numpy module; write the function out to get one",
                         option="format", value="numpy")
    if d.view == "derivative":
        view = derivative_view(d, derivative_numpy(d),
                               TextPrinter(context(d)).doprint(d.matrix_lhs))
        if not view:
            raise UsageError(f"this {d.kind} has no matrix form, so no numpy module")
        return env.get_template("numpy_derivative.j2").render(**view).rstrip() + "\n"
    code = backward_lines(d)
    if code is None:
        code = [(name, "=", numpy_code(d, grad)) for name, grad in d.gradients.items()]
    view = module_view(d, code)
    if not view:
        raise UsageError("a gradient here has no numpy code (no matrix form and no "
                         "einsum); --format numpy needs the whole backward pass")
    return env.get_template(form.template).render(**view).rstrip() + "\n"


def gradient_line(d: Derivation, wrt: str, named: bool = False) -> str:
    """∂L/∂W = … in text: the matrix form with every named gradient substituted (or, with
    ``named``, in terms of them), or the index form where there is no matrix form."""
    printer = TextPrinter(context(d))
    grad = d.all_gradients[wrt]
    if grad.result is None:
        return f"{printer.doprint(grad.lhs)} = {printer.doprint(grad.index_form)}"
    shown = grad.inlined if grad.inlined is not None and not named else grad.result
    return f"{printer.doprint(grad.matrix_lhs)} = {printer.doprint(shown)}"


def short_repr(d: Derivation | Derivative) -> str:
    """One line: what was derived and whether it was verified."""
    if d.view == "derivative":
        printer = TextPrinter(context(d))
        shown = printer.doprint(d.result) if d.result is not None else \
            printer.doprint(d.index_form)
        what = f"{d.kind.capitalize()} {printer.doprint(d.matrix_lhs)} = {shown}"
    else:
        what = "Derivation " + "; ".join(gradient_line(d, wrt) for wrt in d.gradients)
    status = f"verified on {d.verified_on} random inputs" if d.verified_on else \
        "not verified"
    return f"<{what} ({status})>"


def gradient_markdown(d: Derivation, wrt: str, lang: str = "en") -> str:
    """One gradient's proof as a Markdown $$ block (a notebook's display of d["W"])."""
    env = environment()
    phrases = env.get_template(f"reasons.{lang}.j2").module
    view = _view(d, latex_printer(context(d)), None)
    grad = next(g for g in view["gradients"] if g["wrt"] == wrt)
    lines = [(grad["lhs"] if k == 0 else "") + " &= " + s["rhs"] + r" \quad \left(" +
             str(phrases.phrase(s["key"], s["params"], "latex")).strip() + r"\right) \\"
             for k, s in enumerate(grad["steps"])]
    end = grad["result"] if grad["result"] is not None else grad["index_form"]
    lhs = grad["matrix_lhs"] if grad["result"] is not None else grad["lhs"]
    lines.append(f"{lhs} &= {end}")
    return "$$\n\\begin{aligned}\n" + "\n".join(lines) + "\n\\end{aligned}\n$$\n"


def render_comparison(c, loss: str = "L", lang: str = "en") -> str:
    """The verdict on a hand-derived formula (``check.against.Comparison``), as text."""
    template = environment().get_template("against.j2")
    return template.render(c=c, loss=loss, lang=lang).rstrip() + "\n"


def render_backward_check(report, lang: str = "en") -> str:
    """The verdict on a backward pass (``check.against.BackwardCheck``), line by line."""
    template = environment().get_template("backward_pass.j2")
    numbers = {line.gradient and f"d{line.gradient}": line.number for line in report.lines}
    return template.render(r=report, loss=report.loss, lang=lang,
                           numbers=numbers).rstrip() + "\n"


def render_lacking(names: list[str], loss: str = "L", lang: str = "en") -> str:
    """The gradients asked for (--wrt) that --against gives no formula for."""
    parts = environment().get_template("against_parts.j2").module
    return str(parts.lacking(names, loss, lang)).strip() + "\n"
