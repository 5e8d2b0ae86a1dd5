"""Rendering: expressions are printed by the printers, prose and layout come from templates.

``render(derivation, fmt, lang)`` builds a view (strings per expression, reasons as data)
and hands it to ``templates/<fmt>.j2``; reasons are phrased by ``templates/reasons.<lang>.j2``.
A new format or language is a new template.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import sympy

from ..errors import UsageError
from ..symbols import ScalarGrad, UpstreamGrad, free_symbols
from .numpy_code import NumpyPrinter, fit_shape
from .printers import PrintContext
from .text import TextPrinter

if TYPE_CHECKING:
    from ..derivation import Derivation, Gradient

FORMATS = ("text", "latex", "markdown", "json")
LANGUAGES = ("en", "ja")


def templates_dir() -> Path:
    """``templates/`` beside the package in a checkout, inside it in an installed wheel."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "templates", here.parent / "templates"):
        if (candidate / "text.j2").is_file():
            return candidate
    raise FileNotFoundError("matcalc's templates are missing from this installation")


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
    env.filters["json"] = lambda value: json.dumps(value, ensure_ascii=False, indent=2)
    env.filters["tex_text"] = lambda text: str(text).replace("\\", "\\textbackslash{}") \
        .replace("_", "\\_").replace("{", "\\{").replace("}", "\\}")
    return env


def latex_printer(ctx: PrintContext):
    """The LaTeX printer, imported when first asked for (the terminal needs only text)."""
    from .latex import LatexPrinter
    return LatexPrinter(ctx)


def context(d: Derivation) -> PrintContext:
    names = list(d.shapes.names)
    return PrintContext(loss=d.loss, order={n: k for k, n in enumerate(names)},
                        names=set(names),
                        matrices={n for n, s in d.shapes.names.items() if len(s) > 0},
                        vectors={n for n, s in d.shapes.names.items() if len(s) == 1})


def numpy_printer(d: Derivation) -> NumpyPrinter:
    ranks = {name: len(shape) for name, shape in d.shapes.names.items()}
    dims: dict[str, str] = {}
    for name, shape in d.shapes.names.items():
        for axis, size in enumerate(shape):
            if isinstance(size, str) and size not in dims:
                dims[size] = f"{name}.shape[{axis}]"
    return NumpyPrinter(ranks, dims, d.output, context(d).order)


def numpy_code(d: Derivation, grad: Gradient, named: bool = False) -> str | None:
    """numpy code for the gradient: with every named gradient substituted (``inlined``), or
    in terms of the named gradients dZ of what it feeds (``named``)."""
    result = grad.result if named else grad.inlined
    if result is None:
        return None
    printer = numpy_printer(d)
    code, prec = printer._code(result)
    return fit_shape(code, prec, printer.rank(result), grad.shape, printer.dims)


def backward_code(d: Derivation) -> list[tuple[str, str]] | None:
    """The backward pass as numpy statements, in the order they run: (X, code of dX) for
    each named gradient that a requested one needs, e.g. dZ2 = dH2 * H2 * (1 - H2), then
    dW2 = H1.T @ dZ2.
    Each line is as long as its own matrix form, so the whole pass grows linearly with the
    program (the inlined forms grow with its square). None if a needed gradient has no
    matrix form or a name d<X> is taken by the program."""
    needed, todo = set(), list(d.gradients)
    while todo:
        name = todo.pop()
        if name in needed:
            continue
        needed.add(name)
        grad = d.backward.get(name)
        if grad is None or grad.result is None:
            return None
        named = (s.name if isinstance(s, UpstreamGrad) else s.of
                 for s in free_symbols(grad.result) if isinstance(s, (UpstreamGrad, ScalarGrad)))
        todo += [target for target in named if target != d.output]
    lines = [(name, numpy_code(d, grad, named=True))
             for name, grad in d.backward.items() if name in needed]
    if any(f"d{name}" in d.shapes.names for name, _ in lines):
        return None
    return lines


def notes(program) -> list[str]:
    """Ill-defined points and domains the program's functions bring with them."""
    from ..functions import SPELLING
    from ..program import Call, walk_program
    return list(dict.fromkeys(SPELLING[node.func].note for node in walk_program(program)
                              if isinstance(node, Call) and node.func in SPELLING
                              and SPELLING[node.func].note))


def _view(d: Derivation, printer, code: list | None, inlined: bool = False) -> dict:
    """Strings for the templates; the inlined forms (which grow with the square of a
    network's depth) only if they are shown."""
    from sympy import MatrixSymbol
    definitions = []
    for df in d.definitions:
        definitions.append({
            "name": df.name,
            "lhs": printer.doprint(d.names.symbols[df.name]),
            "matrix": printer.doprint(df.node),
            "element_lhs": printer.doprint(df.element_lhs),
            "element_rhs": printer.doprint(df.element_rhs),
        })
    gradients = []
    for grad in d.backward.values():
        steps = [{"rhs": printer.doprint(s.rhs), "key": s.reason.key, "params": s.reason.params}
                 for s in grad.steps]
        result = printer.doprint(grad.result) if grad.result is not None else None
        symbol = d.names.symbols[grad.wrt]
        gradients.append({
            "wrt": grad.wrt,
            "lhs": printer.doprint(grad.lhs),
            "matrix_lhs": printer.doprint(grad.matrix_lhs),
            "steps": steps,
            "result": result,
            "index_form": printer.doprint(grad.index_form),
            "no_matrix_form": grad.no_matrix_form,
            "is_matrix": isinstance(symbol, MatrixSymbol),
            "numpy": numpy_code(d, grad) if grad.wrt in d.gradients and not code else None,
            "requested": grad.wrt in d.gradients,
            "inlined": printer.doprint(grad.inlined)
            if grad.inlined is not None and (inlined or d.inline) else None,
            "consumers": grad.consumers,
            "zero": grad.zero,
        })
    upstream = printer.doprint(UpstreamGrad(d.output, *d.names.symbols[d.output].shape)) \
        if d.has_upstream else None
    from ..shapes import show
    shapes = [(name, show(shape)) for name, shape in d.shapes.names.items()]
    return {"program": d.program.source, "output": d.output, "loss": d.loss,
            "upstream": upstream, "definitions": definitions, "gradients": gradients,
            "shapes": shapes, "graph": d.is_graph, "inline": d.inline,
            "notes": notes(d.program), "backward_code": code}


def render(d: Derivation, fmt: str, lang: str = "en") -> str:
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if lang not in LANGUAGES:
        raise UsageError(f"unknown language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    ctx = context(d)
    env = environment()
    if fmt == "json":
        return _json(d, ctx, env, lang)
    printer = TextPrinter(ctx) if fmt == "text" else latex_printer(ctx)
    view = _view(d, printer, backward_code(d) if d.is_graph else None)
    return env.get_template(f"{fmt}.j2").render(lang=lang, **view).rstrip() + "\n"


def _json(d: Derivation, ctx: PrintContext, env, lang: str) -> str:
    """The JSON contract: "gradients" are the requested ones (numpy with every named gradient
    substituted); "intermediates" are the named gradients derived on the way."""
    code = backward_code(d) if d.is_graph else None
    text, latex = _view(d, TextPrinter(ctx), code, True), _view(d, latex_printer(ctx), code, True)
    phrase = env.get_template("reason.j2").module
    requested, intermediates = [], []
    for grad, t, x in zip(d.backward.values(), text["gradients"], latex["gradients"]):
        steps = [{"latex": xs["rhs"], "text": ts["rhs"], "reason": ts["key"],
                  "params": ts["params"],
                  "why": str(phrase.reason(ts["key"], ts["params"], "text", lang)).strip()}
                 for ts, xs in zip(t["steps"], x["steps"])]
        entry = {
            "wrt": grad.wrt,
            "shape": list(grad.shape),
            "numpy": numpy_code(d, grad),
            "latex": f"{x['matrix_lhs']} = {x['result']}" if x["result"] else None,
            "text": f"{t['matrix_lhs']} = {t['result']}" if t["result"] else None,
            "index": f"{t['lhs']} = {t['index_form']}",
            "no_matrix_form": grad.no_matrix_form,
            "steps": steps,
        }
        if d.is_graph:
            entry["inlined_latex"] = f"{x['matrix_lhs']} = {x['inlined']}" \
                if x["inlined"] else None
        (requested if grad.wrt in d.gradients else intermediates).append(entry)
    order = list(d.gradients)
    requested.sort(key=lambda e: order.index(e["wrt"]))
    contract = {
        "program": d.program.source,
        "output": d.output,
        "loss": d.loss,
        "shapes": {name: list(shape) for name, shape in d.shapes.names.items()},
        "gradients": requested,
    }
    if intermediates:
        contract["intermediates"] = intermediates
    if code:
        contract["backward_numpy"] = [f"d{name} = {line}" for name, line in code]
    return env.get_template("json.j2").render(contract=contract).rstrip() + "\n"


def render_derivative(d, fmt: str, lang: str = "en") -> str:
    """A Jacobian or Hessian through templates/derivative.j2 (JSON through json.j2)."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    from ..shapes import show
    from ..symbols import Partial
    names = list(d.shapes.names)
    ctx = PrintContext(loss=d.output, order={n: k for k, n in enumerate(names)},
                       names=set(names),
                       matrices={n for n, s in d.shapes.names.items() if len(s) > 0},
                       vectors={n for n, s in d.shapes.names.items() if len(s) == 1})
    env = environment()
    views = {}
    for kind in ("text", "latex"):
        printer = TextPrinter(ctx) if kind == "text" else latex_printer(ctx)
        symbol_out, symbol_wrt = d.names.symbols[d.output], d.names.symbols[d.wrt]
        matrix_lhs = Partial(symbol_out, symbol_wrt) if d.kind == "jacobian" else \
            Partial(Partial(symbol_out, symbol_wrt), sympy.Transpose(symbol_wrt))  # ∂²f/∂x∂xᵀ
        views[kind] = {
            "program": d.program.source, "kind": d.kind, "layout": d.layout,
            "shapes": [(n, show(s)) for n, s in d.shapes.names.items()],
            "definitions": [{"lhs": printer.doprint(d.names.symbols[s.target]),
                             "matrix": printer.doprint(s.value),
                             "element_lhs": "", "element_rhs": ""}
                            for s in d.program.statements],
            "lhs": printer.doprint(d.lhs), "matrix_lhs": printer.doprint(matrix_lhs),
            "steps": [{"rhs": printer.doprint(s.rhs), "key": s.reason.key,
                       "params": s.reason.params} for s in d.steps],
            "result": printer.doprint(d.result) if d.result is not None else None,
            "index_form": printer.doprint(d.index_form) if d.index_form is not None else "",
            "no_matrix_form": d.no_matrix_form,
        }
    if fmt == "json":
        text, latex = views["text"], views["latex"]
        contract = {"program": d.program.source, "kind": d.kind, "output": d.output,
                    "wrt": d.wrt, "layout": d.layout,
                    "shapes": {n: list(s) for n, s in d.shapes.names.items()},
                    "latex": f"{latex['matrix_lhs']} = {latex['result']}"
                    if latex["result"] else None,
                    "text": f"{text['matrix_lhs']} = {text['result']}"
                    if text["result"] else None,
                    "index": f"{text['lhs']} = {text['index_form']}",
                    "no_matrix_form": d.no_matrix_form,
                    "steps": [{"latex": x["rhs"], "text": t["rhs"], "reason": t["key"],
                               "params": t["params"]}
                              for t, x in zip(text["steps"], latex["steps"])]}
        return env.get_template("json.j2").render(contract=contract).rstrip() + "\n"
    view = views["text" if fmt == "text" else "latex"]
    return env.get_template("derivative.j2").render(fmt=fmt, lang=lang, **view).rstrip() + "\n"
