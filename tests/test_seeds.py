"""The seed articles' derivations, compared line for line with matcalc's (issue 21, point 8).

Every derivation of the five seeds in ../shared/seeds/ is a ``Seed`` below, numbered by the
seed's own equations or headings; docs/seeds.md is the same list as a table, with the
command that expresses each one and its status. The rules:

* A seed line is the seed's own TeX, as its source holds it (whitespace aside), and its
  reason as it writes it: ``r"\\because k=i,l=jの項のみが残る"``. ``test_every_seed_line_
  is_the_seeds_own`` finds each of them in ../shared/seeds/. A line the seed does not
  write is never a seed line. Where the seed is wrong, ``CORRECTIONS`` holds its words and
  the correction, and the corrected line is compared.
* matcalc's side is its LaTeX output (``d.latex(lang)``, the aligned environment a
  blogger pastes), cut into the same lines: the lhs of a proof (the entry ∂L/∂a_ij), each
  right-hand side, each part of a line that holds several equalities (the grids of
  --expand), and the result. Comparing TeX with TeX, both passed through the same
  ``canonical`` function, keeps the comparison honest: the seed's text is not translated
  by hand into matcalc's notation (as the old, text-based cases did), and matcalc's text
  printer is not trusted to say what its LaTeX says. The options a seed's notation asks
  for (``--transpose T``, ``--bold bm``, ``--limits``, ``--division fraction``) are passed,
  so that results are compared in the seed's form where an option produces it.
* ``canonical`` applies ``EQUIVALENCES`` — a small table of notations that mean the same
  (∂ for d, \\exp(x) for e^{x}, (Bᵀ)_lj for b^T_lj, [1,⋯,1] for 𝟏ᵀ, spacing …), each
  with its reason — to both sides. Nothing else is forgiven.
* matcalc may write a line the seed does not only where ``ALLOWED_ADDITIONS`` names it
  (the entry (∂L/∂C Bᵀ)_ij before the matrix form ∂L/∂C Bᵀ; the closing ∂f/∂x = y that
  restates the line before it). Every other extra line is a difference.
* A derivation matches *line for line* when, after that, matcalc's lines are the seed's
  lines, in order, and (in Japanese) every reason the seed gives is matcalc's reason on
  that line. Otherwise its test is ``xfail(strict=True)`` with the precise difference: when
  the engine is fixed, the strict xfail fails and says to un-mark it.
* Each test records lines matched / seed lines (the longest common subsequence of the
  two lists) and the count of matcalc-only lines; conftest.py prints the table at the
  end of every run (terminal summary).
* The seeds' code (CS231n's backward passes) is compared statement by statement with
  matcalc's numpy backward pass — with ``--backward staged`` where the seed stages it —
  (``CODE_EQUIVALENCES``: ``a.dot(b)`` is ``a @ b``, the seed's ``dfdq`` is its ``dq``,
  ``1.0`` is ``1``), and each seed backward pass is also checked right by
  ``check_backward``.
"""

from __future__ import annotations

import ast
import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from matcalc import check_backward, derive, jacobian
from matcalc.render.settings import NOTATION


def _seed_folder() -> Path:
    """The seed articles: ../shared/seeds/ beside the repository, or where $MATCALC_SEEDS
    says, or the workplace's /work/shared/seeds/ (a CI clone may live elsewhere)."""
    import os
    candidates = [Path(__file__).resolve().parents[1].parent / "shared" / "seeds"]
    if os.environ.get("MATCALC_SEEDS"):
        candidates.insert(0, Path(os.environ["MATCALC_SEEDS"]))
    candidates.append(Path("/work/shared/seeds"))
    return next((c for c in candidates if c.is_dir()), candidates[-1])


SEEDS = _seed_folder()


# --------------------------------------------------------------------------- TeX text

def _group_end(s: str, i: int) -> int:
    """The index after the balanced group that opens at s[i] ('{' or '(' or '[')."""
    pairs = {"{": "}", "(": ")", "[": "]"}
    opening, closing, depth = s[i], pairs[s[i]], 0
    for j in range(i, len(s)):
        if s[j] == opening:
            depth += 1
        elif s[j] == closing:
            depth -= 1
            if depth == 0:
                return j + 1
    raise ValueError(f"unbalanced {opening} in {s!r}")


def _split_top(s: str, sep: str) -> list[str]:
    """s split at each sep outside braces and environments."""
    out, depth, env, start, i = [], 0, 0, 0, 0
    while i < len(s):
        if s.startswith("\\begin{", i):
            env += 1
        elif s.startswith("\\end{", i):
            env -= 1
        if s[i] == "{":
            depth += 1
        elif s[i] == "}":
            depth -= 1
        elif depth == 0 and env == 0 and s.startswith(sep, i):
            out.append(s[start:i])
            i += len(sep)
            start = i
            continue
        i += 1
    return [*out, s[start:]]


def _tidy(s: str) -> str:
    """No whitespace, except one space where a control word meets a letter (\\partial L)."""
    s = re.sub(r"\s+", " ", s).strip()
    s = re.sub(r"(\\[A-Za-z]+) (?=[A-Za-z])", "\\1\x00", s)   # keep \partial L apart
    return s.replace(" ", "").replace("\x00", " ")


def _sub_groups(s: str, opener: str, make) -> str:
    """Each ``opener`` followed by a balanced group, rewritten: make(inner) -> text."""
    out, i = [], 0
    while (j := s.find(opener, i)) >= 0:
        k = j + len(opener)
        if k < len(s) and s[k] in "{([":
            end = _group_end(s, k)
            out.append(s[i:j] + make(s[k + 1:end - 1]))
            i = end
        else:
            out.append(s[i:k])
            i = k
    out.append(s[i:])
    return "".join(out)


def _numerator_parens(s: str) -> str:
    r"""\frac{\partial (X)}{…} -> \frac{\partial X}{…} when the parentheses hold it all."""
    out, i = [], 0
    while (j := s.find("\\frac{\\partial(", i)) >= 0:
        open_at = j + len("\\frac{\\partial")
        close = _group_end(s, open_at)
        if s[close:close + 2] == "}{":
            out.append(s[i:open_at] + " " + s[open_at + 1:close - 1])
            i = close
        else:
            out.append(s[i:open_at + 1])
            i = open_at + 1
    out.append(s[i:])
    return _tidy("".join(out))


def _operator_form(s: str) -> str:
    r"""\frac{\partial}{\partial v}(X) -> \frac{\partial X}{\partial v}."""
    while (m := re.search(r"\\frac\{\\partial\}\{\\partial ([^{}]*(?:\{[^{}]*\})*)\}\(", s)):
        close = _group_end(s, m.end() - 1)
        inner = s[m.end():close - 1]
        s = s[:m.start()] + f"\\frac{{\\partial {inner}}}{{\\partial {m.group(1)}}}" + s[close:]
    return _tidy(s)


def _d_is_partial(s: str) -> str:
    r"""\frac{dz}{dy}, \frac{\mathrm{d} f}{\mathrm{d} x} -> \frac{\partial z}{\partial y}."""
    out, i = [], 0
    while (j := s.find("\\frac{", i)) >= 0:
        top_end = _group_end(s, j + 5)
        bottom_end = _group_end(s, top_end)
        top, bottom = s[j + 6:top_end - 1], s[top_end + 1:bottom_end - 1]
        d = re.compile(r"^(?:\\mathrm\{d\} ?|d(?=[A-Za-z\\(]))")
        if d.match(top) and d.match(bottom):
            top, bottom = d.sub(r"\\partial ", top), d.sub(r"\\partial ", bottom)
            out.append(s[i:j] + f"\\frac{{{top}}}{{{bottom}}}")
        else:
            out.append(s[i:j + 6])
            bottom_end = j + 6
        i = bottom_end
    out.append(s[i:])
    return _tidy("".join(out))


def _braced_scripts(s: str) -> str:
    r"""x_1 -> x_{1}, ^\mathsf{T} -> ^{\mathsf{T}}: a script of one token is that token."""
    s = re.sub(r"([_^])(\\[A-Za-z]+(?:\{[^{}]*\})?)", r"\1{\2}", s)
    return re.sub(r"([_^])([A-Za-z0-9])", r"\1{\2}", s)


_BOLD = r"\\(?:mathbf|bm|boldsymbol)\{\\?\w+\}"
_ATOM = r"-?(?:\\(?:mathbf|bm|boldsymbol)\{\\?\w+\}|\w)(?:[_^]\{[^{}]*\})*"

# The notations that mean the same. Each entry: the seed's notation, matcalc's, why they
# are one, and the rewrite (applied to both sides, in this order, after ``_tidy``).
EQUIVALENCES: list[tuple[str, str, str, object]] = [
    ("spacing: ~ \\, \\; \\! \\quad \\displaystyle \\small, \\left \\right, &",
     "the same without them",
     "typography: the seeds space lines with ~ ~ ~ ~ and align with &=&",
     lambda s: _tidy(re.sub(r"\\(?:displaystyle|small|quad|left|right)(?![A-Za-z])|"
                            r"\\[,;!]|(?<!\\)\\ |~|&", " ", s))),
    ("\\dfrac", "\\frac", "typography: \\dfrac is \\frac set in display style (seed 004 "
     "writes it in inline math, $${\\dfrac{\\partial W\\bm{x}}{\\partial \\bm{x}} = W^\\top}$$, "
     "to keep the fraction large); the fraction is the same",
     lambda s: re.sub(r"\\dfrac(?![A-Za-z])", r"\\frac", s)),
    ("x_1, y_k, ^\\mathsf{T}", "x_{1}, y_{k}, ^{\\mathsf{T}}",
     "a script of one token needs no braces in TeX", _braced_scripts),
    ("\\begin{bmatrix} \\\\[-6pt] a \\\\[3ex] b \\\\[1ex] \\end{bmatrix}",
     "\\begin{pmatrix} a \\\\ b \\end{pmatrix}",
     "a matrix's delimiters and row spacing: seed 004 sets its grids in brackets, spaces "
     "their rows (\\\\[3ex]) and raises them with an empty first row (\\\\[-6pt]) and a "
     "last row break; matcalc (and seed 000) in parentheses. The entries, in their rows and "
     "columns, are the same matrix",
     lambda s: re.sub(r"\\\\(?=\\end\{pmatrix\})", "",
                      re.sub(r"(?<=\\begin\{pmatrix\})\\\\", "",
                             re.sub(r"\\\\\[-?[\d.]+(?:ex|pt|em)\]", r"\\\\",
                                    s.replace("{bmatrix}", "{pmatrix}"))))),
    ("\\dots (in a matrix row)", "\\cdots", "seed 000's ellipsis between entries",
     lambda s: re.sub(r"\\dots(?![a-z])", r"\\cdots", s)),
    ("\\cdot between factors", "juxtaposition",
     "seed 000 writes the matrix product with a dot (np.dot), matcalc by juxtaposition",
     lambda s: _tidy(re.sub(r"\\cdot(?![a-z])", " ", s))),
    ("^{\\mathrm{T}}", "^{T}", "seed 002's upright T: no matcalc option writes \\mathrm{T}",
     lambda s: s.replace("^{\\mathrm{T}}", "^{T}")),
    ("\\mathbf{\\Phi}", "\\boldsymbol{\\Phi}",
     "a bold Greek letter: \\mathbf does not bold Greek in LaTeX, \\boldsymbol does",
     lambda s: re.sub(r"\\mathbf\{(\\[A-Za-z]+)\}", r"\\boldsymbol{\1}", s)),
    ("e^{x}", "\\exp(x)", "the exponential", lambda s: _sub_groups(
        re.sub(r"(?<![A-Za-z\\])e\^(?=\{)", "\x01", s), "\x01",
        lambda inner: f"\\exp({inner})")),
    ("\\log{b}", "\\log(b)", "the logarithm's argument in braces or parentheses",
     lambda s: _sub_groups(s, "\\log", lambda inner: f"\\log({inner})")),
    ("\\frac{\\partial}{\\partial a}(X)", "\\frac{\\partial X}{\\partial a}",
     "the derivative as an operator applied to X, or with X in its numerator",
     _operator_form),
    ("\\frac{\\partial a_{kp}b_{pl}}{\\partial a_{ij}}",
     "\\frac{\\partial (a_{kp} b_{pl})}{\\partial a_{ij}}",
     "parentheses around the whole numerator of ∂(…)/∂a: seed 001 writes them for a sum "
     "and not for a product; the numerator is the whole expression either way",
     _numerator_parens),
    ("\\frac{dz}{dx}, \\frac{\\mathrm{d} f}{\\mathrm{d} x}", "\\frac{\\partial z}{\\partial x}",
     "d for ∂ where the function has one variable (seeds 002, 003, 004)", _d_is_partial),
    ("\\partial f(x), \\partial f(\\bm{x})", "\\partial f",
     "seed 004 names the function with its argument, matcalc names the result",
     lambda s: re.sub(r"^\\frac\{\\partial ?f\((?:x|\\bm\{x\})\)\}", r"\\frac{\\partial f}", s)),
    ("diag", "\\operatorname{diag}",
     "seed 001 sets diag (its own notation, 対角成分を縦ベクトルに並べたもの) in italic letters; "
     "matcalc sets the operator's name upright: one operator, typography aside",
     lambda s: s.replace("\\operatorname{diag}", " diag")),
    ("\\mathbf{E}^{T}, \\delta_{lj}^{T}", "\\mathbf{I}^{T}, (\\mathbf{I}^{T})_{lj}",
     "the identity matrix: E in Japanese texts (単位行列), I in English; seed 001 writes the "
     "entry of Eᵀ as δ with a T, as the identity's entries are Kronecker deltas",
     lambda s: re.sub(r"\((?:\\mathbf|\\bm)\{I\}\^\{T\}\)_\{(\w+)\}", r"\\delta_{\1}^{T}",
                      re.sub(r"(\\mathbf|\\bm)\{E\}", r"\1{I}", s))),
    ("b^{T}_{lj}: b_{lj}^{T}", "(\\mathbf{B}^{T})_{lj}",
     "seed 001 writes an entry of Bᵀ as b with a T; matcalc as the entry of the transpose",
     lambda s: re.sub(r"\((?:\\mathbf|\\bm)\{([A-Z])\}\^\{T\}\)_\{(\w+)\}",
                      lambda m: f"{m.group(1).lower()}_{{{m.group(2)}}}^{{T}}", s)),
    ("[1,\\cdots,1]", "\\mathbf{1}^{T}", "seed 001's row of ones is 𝟏ᵀ",
     lambda s: s.replace("[1,\\cdots,1]", "\\mathbf{1}^{T}")),
    ("\\mathbf{Y}/\\mathbf{B}, 1/x^2", "\\frac{\\mathbf{Y}}{\\mathbf{B}}, \\frac{1}{x^{2}}",
     "a quotient written with a slash (seed 001's / is the elementwise quotient, "
     "--division fraction)",
     lambda s: re.sub(rf"((?<![\w}}]){_ATOM}|{_BOLD})/({_ATOM})",
                      lambda m: (("-" if m.group(1).startswith("-") else "")
                                 + f"\\frac{{{m.group(1).lstrip('-')}}}{{{m.group(2)}}}"),
                      s)),
    ("[1;\\vdots;1] (an array, a column)", "\\mathbf{1}",
     "seed 001 eq. 32's column of ones is 𝟏, as its row [1,⋯,1] is 𝟏ᵀ",
     lambda s: s.replace("[\\begin{array}{ccc}1\\\\\\vdots\\\\1\\\\\\end{array}]",
                         "\\mathbf{1}")),
    ("(\\mathbf{Y}/\\mathbf{B})\\mathbf{B}^{T}", "\\frac{\\mathbf{Y}}{\\mathbf{B}} \\mathbf{B}^{T}",
     "a quotient as the left factor of a matrix product: with a slash it needs parentheses "
     "((Y/B) Bᵀ, not Y/(B Bᵀ)), as a fraction it does not; only before a matrix factor, "
     "so −(Y/B) stays apart from −Y/B",
     lambda s: re.sub(r"\((\\frac\{(?:[^{}]|\{[^{}]*\})*\}\{(?:[^{}]|\{[^{}]*\})*\})\)"
                      r"(?=\\(?:mathbf|bm|boldsymbol)\{)", r"\1", s)),
]

# The statement the seed makes once, for all of its lines: not a rewrite of TeX.
STRUCTURE = [
    "seed 001 opens each derivation with ∂L/∂A = ∂L/∂a_ij (the matrix named by its entry); "
    "its first line ∂L/∂a_ij is matcalc's proof's left-hand side, and ∂L/∂A itself, which "
    "matcalc writes before its result, is not a line of either",
]

# matcalc-only lines that are allowed, by name. Nothing else may be added.
ALLOWED_ADDITIONS = {
    "entry_before_matrix": "an added entry line before the matrix form: (∂L/∂C Bᵀ)_ij "
                           "before ∂L/∂C Bᵀ (the seed goes from the index form to the matrix "
                           "in one line)",
    "restated_result": "matcalc's closing line ∂f/∂x = y restating the line before it, "
                       "= y: one line, written twice",
}

# The seeds' known errors: (derivation, the seed's words, the correction).
CORRECTIONS = [
    ("000 eqs. 14-18",
     r"w_{11} & w_{21} & \dots  & w_{m1} \\ w_{12} & w_{22} & \dots  & w_{m2} \\ \vdots & "
     r"\vdots & \ddots & \vdots \\ w_{1n} & w_{2n} & \dots  & w_{mn}",
     r"w_{11} & w_{21} & \dots & w_{n1} \\ w_{12} & w_{22} & \dots & w_{n2} \\ \vdots & "
     r"\vdots & \ddots & \vdots \\ w_{1m} & w_{2m} & \dots & w_{nm}",
     "eq. 17: Wᵀ is m × n, so its rows run to m and w's first index to n; the seed swaps "
     "the ranges (w_{m1} … w_{mn} do not exist: W is n × m)"),
    ("002 ∂J/∂W",
     r"\mathbf{u}_i^{\mathrm{T}} \mathbf{G}",
     r"\mathbf{u}_i \mathbf{G}^{\mathrm{T}}",
     "for u' = Wᵀu the gradient is u Gᵀ (an outer product, n × m like W), not uᵀG; the "
     "author writes 最後の式間違ってる可能性がかなり高いです"),
    ("002 chain rule (vector)",
     r"\nabla_{\mathbf{x}^{z}}", r"\nabla_{\mathbf{x}} z",
     "the gradient of z with respect to x, ∇ₓz (the seed's superscript is a slip); also its "
     "ヤコビ行列 \\frac{\\partial \\mathbf{x}}{\\partial \\mathbf{x}} is ∂y/∂x"),
    ("002 chain rule (vector)",
     r"\nabla_{\mathbf{y}^{z}}", r"\nabla_{\mathbf{y}} z",
     "the gradient of z with respect to y, ∇_y z: the same slip as ∇_{x^z}"),
    ("003 f = (x + y) z",
     "dfdq = z # df/dq = z, so gradient on q becomes 3",
     "dfdz = q # df/dz = q, so gradient on z becomes 3",
     "a translation slip: CS231n's first backward line is dfdz = q (3); the seed repeats "
     "dfdq = z. The prose has two more: ∂f/∂x = 4 for ∂f/∂y = x = 4, and 勾配が4 for −4"),
    ("003 D = W X",
     r"dD \cdot \text{dot}(X.T)", "dD.dot(X.T)", "the translation's \\cdot for numpy's .dot"),
    ("004 ∂(Wx)/∂W",
     r"\dfrac{\partial f_1(X)}{\partial w_{11}}", r"\dfrac{\partial f_1(W)}{\partial w_{11}}",
     "f's argument is W (the seed writes f_1(X), f_2(X) in both grids; and f's entries "
     "x_ij for w_ij where it defines ∂f/∂X)"),
]


def _corrected(seed_id: str, text: str) -> str:
    """The seed's line with ``CORRECTIONS`` made (whitespace aside)."""
    for case, wrong, right, _ in CORRECTIONS:
        if case == seed_id and _tidy(wrong) in _tidy(text):
            text = _tidy(text).replace(_tidy(wrong), _tidy(right))
    return text


def canonical(tex: str, names: dict[str, str] | None = None) -> str:
    """TeX in one spelling: the names a case renames, then ``EQUIVALENCES`` in order."""
    for old, new in (names or {}).items():
        tex = tex.replace(old, new)
    for *_, rewrite in EQUIVALENCES:
        tex = _tidy(rewrite(tex))
    return tex


def canonical_reason(tex: str | None) -> str | None:
    r"""(\because k=i, l=j\text{ の項のみが残る}) and \because k=i,l=jの項のみが残る are one."""
    if tex is None:
        return None
    tex = re.sub(r"\\text\{([^{}]*)\}", r"\1", tex)
    tex = re.sub(r"\\(?:left|right)(?![A-Za-z])|\\small|[(){}（）\s]", "", tex)
    return tex.replace("\\because", "∵")


# --------------------------------------------------------------------------- matcalc's lines

@dataclass
class Line:
    tex: str                  # canonical
    why: str | None = None    # canonical reason
    kind: str = "step"        # entry, step, result


def _rows(latex: str) -> list[list[dict]]:
    """The aligned environment's rows, in blocks (a forward definition, a proof, the
    summary of a backward pass), as matcalc separates them with \\\\[1ex] and \\\\[2ex]."""
    body = latex.split("\\begin{aligned}", 1)[1].rsplit("\\end{aligned}", 1)[0]
    blocks: list[list[dict]] = [[]]
    for raw in _split_top(body, "\\\\"):
        gap = re.match(r"\s*\[\dex\]", raw)
        raw = raw[gap.end():].strip() if gap else raw.strip()
        if gap and blocks[-1]:
            blocks.append([])
        if not raw or raw in ("\\vdots", "&\\vdots"):
            continue  # a row of ⋮ between equations (seed 004's, and matcalc's) is none
        lhs, *rest = _split_top(raw, "&=")
        rhs = "&=".join(rest)
        parts = _split_top(rhs, " \\quad ")
        why = parts[-1] if len(parts) > 1 else None
        blocks[-1].append({"lhs": lhs.strip(), "rhs": parts[0].strip(), "why": why})
    return [b for b in blocks if b and not any("\\qquad" in r["rhs"] for r in b)]


def _chain_lines(block: list[dict]) -> list[Line]:
    lines = [Line(canonical(block[0]["lhs"]), kind="entry")]
    for n, row in enumerate(block):
        kind = "result" if n and row["lhs"] else "step"
        pieces = _split_top(row["rhs"], " = ")
        for k, piece in enumerate(pieces):
            why = canonical_reason(row["why"]) if k == len(pieces) - 1 else None
            lines.append(Line(canonical(piece), why, kind))
    return lines


def _result_group(lines: list[Line], start: int) -> list[Line]:
    """The result lines from ``start`` on: the matrix form (grids of --expand, then M)."""
    group = []
    for line in lines[start:]:
        if line.kind != "result":
            break
        group.append(line)
    return group


def _allowed(lines: list[Line]) -> tuple[list[Line], dict[str, int]]:
    """matcalc's lines without those ``ALLOWED_ADDITIONS`` names, and how many of each."""
    used = {key: 0 for key in ALLOWED_ADDITIONS}
    kept: list[Line] = []
    for n, line in enumerate(lines):
        after = lines[n + 1] if n + 1 < len(lines) else None
        if kept and line.kind == "result" and line.tex == kept[-1].tex:
            used["restated_result"] += 1
            continue
        entry = re.sub(r"_\{\w+\}$", "", line.tex)
        if after is not None and after.kind == "result" and line.kind == "step" and \
                entry != line.tex:
            matrix = [r.tex for r in _result_group(lines, n + 1)]
            forms = {f for r in matrix for f in (r, f"({r})", re.sub(r"^-(.*)$", r"-(\1)", r))}
            if entry in forms:
                used["entry_before_matrix"] += 1
                continue
        kept.append(line)
    return kept, {k: v for k, v in used.items() if v}


def _code(statement: str) -> str:
    """One spelling of a Python statement: ast's, with ``CODE_EQUIVALENCES``."""
    tree = ast.parse(statement.split("#")[0].strip())
    for _, rewrite in CODE_EQUIVALENCES:
        tree = rewrite(tree)
    return ast.unparse(tree)


class _DfPrefix(ast.NodeTransformer):
    def visit_Name(self, node):  # noqa: N802 - ast's name
        node.id = re.sub(r"^df(d\w+)$", r"\1", node.id)
        return node


class _WholeFloat(ast.NodeTransformer):
    def visit_Constant(self, node):  # noqa: N802 - ast's name
        if isinstance(node.value, float) and node.value.is_integer():
            node.value = int(node.value)
        return node


class _Dot(ast.NodeTransformer):
    def visit_Call(self, node):  # noqa: N802 - ast's name
        self.generic_visit(node)
        f = node.func
        if isinstance(f, ast.Attribute) and f.attr == "dot" and len(node.args) == 1:
            return ast.BinOp(f.value, ast.MatMult(), node.args[0])
        return node


CODE_EQUIVALENCES = [
    ("a.dot(b)", lambda tree: _Dot().visit(tree)),   # numpy's dot of 2-D arrays is a @ b
    # the seed's own words (003): 今後は、df という接頭辞を省いた…表記法を使う。例えば、
    # dfdq ではなく dq と書き — dfdq is its name for dq
    ("dfdq = dq", lambda tree: _DfPrefix().visit(tree)),
    # 1.0 and 1 are the same number: (1.0) * dq and (1) * dq compute the same float (the
    # seed writes the local gradient 1 both ways, 1.0 * dfdq and (1) * dden)
    ("1.0 = 1", lambda tree: _WholeFloat().visit(tree)),
]


@dataclass
class Part:
    """One program and the seed's lines for it."""

    program: str
    wrt: str
    lines: list[tuple]              # (tex,) or (tex, reason), the seed's own
    kind: str = "derive"            # derive | results | jacobian | code
    notation: dict = field(default_factory=dict)
    names: dict = field(default_factory=dict)   # the seed's names -> matcalc's (TeX)
    layout: str = "numerator"
    loss: str | None = None
    row: str | None = None          # results: the backward pass's line for this name
    backward: str = "named"         # code: how matcalc writes the pass (--backward)
    # "result" where the seed states the result alone (同様に計算すると): --proof result,
    # the result without its proof (which matcalc still derives and verifies)
    proof: str = "full"


@dataclass
class Seed:
    id: str                         # the seed's own numbering: "001 eq. 15"
    what: str
    parts: list[Part]
    differs: str | None = None      # why it is not line for line (both languages)
    differs_ja: str | None = None   # … in Japanese only (a reason)

    def __str__(self) -> str:
        return self.id


@functools.cache
def _derived(program: str, wrt: str, loss: str | None = None, proof: str = "full",
             backward: str = "named"):
    return derive(program, wrt=wrt, loss=loss, proof=proof, backward=backward)


def matcalc_lines(part: Part, lang: str) -> list[Line]:
    if part.kind == "code":
        d = _derived(part.program, part.wrt, backward=part.backward)
        names = part.wrt.split(",")
        code = d.backward_numpy if d.is_graph or part.backward == "staged" else "\n".join(
            f"d{n} = {d.numpy_of(n)}" for n in names)
        return [Line(_code(s)) for s in code.splitlines()]
    saved = dict(NOTATION)
    NOTATION.update(part.notation)
    try:
        if part.kind == "jacobian":
            d = jacobian(part.program, wrt=part.wrt, layout=part.layout, proof=part.proof)
            return _chain_lines([r for b in _rows(d.latex(lang)) for r in b])
        d = _derived(part.program, part.wrt, part.loss, part.proof)
        latex = d.latex(lang)
        heads = {g["wrt"]: _split_top(g["latex"], " = ")[0]
                 for g in json.loads(d.json(lang))["gradients"]}
    finally:
        NOTATION.clear()
        NOTATION.update(saved)
    blocks = _rows(latex)
    lines: list[Line] = []
    if part.kind == "results":   # the backward pass, one result a line
        row = next(r for r in blocks[-1] if r["lhs"].endswith(part.row))
        return [Line(canonical(row["lhs"]), kind="entry"),
                Line(canonical(row["rhs"]), kind="result")]
    for wrt in part.wrt.split(","):
        head = heads[wrt].strip()
        # its proof's block (not the backward pass's line); a proof of one line (a
        # declared map's expansion) is the first block with the head
        found = [b for b in blocks if any(r["lhs"] == head for r in b)]
        block = next((b for b in found if len(b) > 1 or len(blocks) == 1), found[0])
        lines += _chain_lines(block)
    return lines


def seed_lines(seed: Seed, part: Part) -> list[Line]:
    if part.kind == "code":
        return [Line(_code(_corrected(seed.id, line[0]))) for line in part.lines]
    return [Line(canonical(_corrected(seed.id, line[0]), part.names),
                 canonical_reason(line[1]) if len(line) > 1 else None)
            for line in part.lines]


def _same(ours: Line, theirs: Line, lang: str) -> bool:
    return ours.tex == theirs.tex and (lang != "ja" or theirs.why is None or
                                       ours.why == theirs.why)


def common(ours: list[Line], theirs: list[Line], lang: str) -> int:
    """How many of the seed's lines matcalc writes, in the seed's order (LCS)."""
    table = [[0] * (len(ours) + 1) for _ in range(len(theirs) + 1)]
    for a, t in enumerate(theirs):
        for b, o in enumerate(ours):
            table[a + 1][b + 1] = table[a][b] + 1 if _same(o, t, lang) else \
                max(table[a][b + 1], table[a + 1][b])
    return table[-1][-1]


# --------------------------------------------------------------------------- the seeds

DL_DA = r"\frac{\partial L}{\partial a_{ij}}"
DL_DB = r"\frac{\partial L}{\partial b_{ij}}"
T001 = {"transpose": "T"}
KEEP_KL = r"\because k=i,l=jの項のみが残る"
X000 = "X: (1, n)\nW: (n, m)\nY = X @ W"
N000 = {"bold": "bm", "limits": "on", "expand": "on"}
MLP = ("Y: onehot(m, c)\nb1: (h,)\nb2: (c,)\nf: elementwise\n"
       "Delta1: gradient(Z1)\nDelta2: gradient(Z2)\n"
       "Z1 = Phi1 @ W1 + b1\nPhi2 = f(Z1)\nZ2 = Phi2 @ W2 + b2\n"
       "Phi3 = softmax(Z2)\nL = cross_entropy(Y, Phi3)")
# seed 001's layers λ (= 1) and Λ − 1 (= 2, the output layer) in matcalc's names
LAYERS = {r"f^{'(\lambda)}": "f'", r"^{(\lambda+1)}": "_{2}", r"^{(\lambda)T}": "_{1}^{T}",
          r"^{(\lambda)}": "_{1}", r"^{(\Lambda-1)T}": "_{2}^{T}", r"^{(\Lambda-1)}": "_{2}",
          r"^{(\Lambda)}": "_{3}"}


MLP_ROWS = {"Z1": r"\mathbf{Z}_{1}", "b1": r"\mathbf{b}_{1}", "W1": r"\mathbf{W}_{1}",
            "Phi1": r"\boldsymbol{\Phi}_{1}", "Z2": r"\mathbf{Z}_{2}",
            "b2": r"\mathbf{b}_{2}", "W2": r"\mathbf{W}_{2}",
            "Phi2": r"\boldsymbol{\Phi}_{2}"}


def mlp(eq: str, name: str, lhs: str, rhs: str, differs: str | None = None) -> Seed:
    """Seed 001's backward pass of a two-layer perceptron, one result a line, as matcalc
    lists it after the proofs (\\partial L/\\partial of ``name``)."""
    return Seed(f"001 eq. {eq}", f"the MLP's backward pass: ∂L/∂{name}",
                [Part(MLP, "W1,b1,Phi1,W2,b2", [(lhs,), (rhs,)], kind="results",
                      notation=T001, names=LAYERS, row=MLP_ROWS[name] + "}")], differs)


# seed 001 eqs. 26-27, softmax's ∂L/∂A; eqs. 31-32 go on from its last line
SOFTMAX_27 = [
    (DL_DA,),
    (r"\sum_{k} \sum_{l} \frac{\partial L}{\partial b_{kl}} \frac{\partial b_{kl}}"
     r"{\partial a_{ij}}",),
    (r"\sum_{k} \sum_{l} \frac{\partial L}{\partial b_{kl}} \frac{\partial }{\partial "
     r"a_{ij}} \left( \frac{e^{a_{kl}}}{\sum_{p} e^{a_{kp}}} \right)",),
    (r"\sum_{l} \frac{\partial L}{\partial b_{il}} \frac{\partial }{\partial a_{ij}} "
     r"\left( \frac{e^{a_{il}}}{\sum_{p} e^{a_{ip}}} \right)", r"\because k=iの項のみが残る"),
    (r"\sum_{l} \frac{\partial L}{\partial b_{il}} b_{ij}\left(\delta_{jl} - b_{il} "
     r"\right)",),
    (r"b_{ij} \left( \sum_{l} \frac{\partial L}{\partial b_{il}} \delta_{jl} - "
     r"\sum_{l} \frac{\partial L}{\partial b_{il}} b_{il} \right)",),
    (r"b_{ij} \left( \sum_{l} \frac{\partial L}{\partial b_{il}} \delta_{lj}^{T} - "
     r"\sum_{l} \frac{\partial L}{\partial b_{il}} b_{li}^{T} \right)",),
    (r"\mathbf{B} \circ \left( \frac{\partial L}{\partial \mathbf{B}} \mathbf{E}^{T} - "
     r"diag \left( \frac{\partial L}{\partial \mathbf{B}} \mathbf{B}^{T} \right) "
     r"\right)",),
    (r"\mathbf{B} \circ \left( \frac{\partial L}{\partial \mathbf{B}} - diag \left( "
     r"\frac{\partial L}{\partial \mathbf{B}} \mathbf{B}^{T} \right) \right)",),
]

SEED_CASES: list[Seed] = [
    # ------------------------------------------------------------------ seed 000
    Seed("000 eqs. 8-13", "∂L/∂W for Y = XW, X a 1 × n row (eqs. 8-10 entries, 11-13 matrix)",
         [Part(X000, "W", [
             (r"\frac{\partial L}{\partial w_{ij}}",),
             (r"\sum_{k = 1}^{m} \frac{\partial L}{\partial y_k} \frac{\partial y_k}"
              r"{\partial w_{ij}}",),
             (r"\frac{\partial L}{\partial y_j} \frac{\partial y_j}{\partial w_{ij}}",),
             (r"\frac{\partial L}{\partial y_j} x_i",),
             (r"\begin{pmatrix} \frac{\partial L}{\partial y_1} x_1 & \frac{\partial L}"
              r"{\partial y_2} x_1 & \dots  & \frac{\partial L}{\partial y_m} x_1 \\ "
              r"\frac{\partial L}{\partial y_1} x_2 & \frac{\partial L}{\partial y_2} x_2 & "
              r"\dots  & \frac{\partial L}{\partial y_m} x_2 \\ \vdots & \vdots & \ddots & "
              r"\vdots \\ \frac{\partial L}{\partial y_1} x_n & \frac{\partial L}{\partial "
              r"y_2} x_n & \dots  & \frac{\partial L}{\partial y_m} x_n \end{pmatrix}",),
             (r"\begin{pmatrix} x_1 \\ x_2 \\ \vdots \\ x_n \end{pmatrix} \cdot \begin"
              r"{pmatrix} \frac{\partial L}{\partial y_1} & \frac{\partial L}{\partial y_2} "
              r"& \dots & \frac{\partial L}{\partial y_m} \end{pmatrix}",),
             (r"\bm{X}^\mathsf{T} \cdot \frac{\partial L}{\partial \bm{Y}}",)],
             notation=N000)]),
    Seed("000 eqs. 14-18", "∂L/∂X for Y = XW (eqs. 14-15 entries, 16-18 matrix)",
         [Part(X000, "X", [
             (r"\frac{\partial L}{\partial x_i}",),
             (r"\sum_{j = 1}^{m} \frac{\partial L}{\partial y_j} \frac{\partial y_j}"
              r"{\partial x_i}",),
             (r"\sum_{j = 1}^{m} \frac{\partial L}{\partial y_j} w_{ij}",),
             (r"\begin{pmatrix} \sum_{j = 1}^{m} \frac{\partial L}{\partial y_j} w_{1j} & "
              r"\sum_{j = 1}^{m} \frac{\partial L}{\partial y_j} w_{2j} & \dots & "
              r"\sum_{j = 1}^{m} \frac{\partial L}{\partial y_j} w_{nj} \end{pmatrix}",),
             (r"\begin{pmatrix} \frac{\partial L}{\partial y_1} & \frac{\partial L}"
              r"{\partial y_2} & \dots & \frac{\partial L}{\partial y_m} \end{pmatrix} "
              r"\cdot \begin{pmatrix} w_{11} & w_{21} & \dots  & w_{m1} \\ w_{12} & w_{22} "
              r"& \dots  & w_{m2} \\ \vdots & \vdots & \ddots & \vdots \\ w_{1n} & w_{2n} & "
              r"\dots  & w_{mn} \end{pmatrix}",),
             (r"\frac{\partial L}{\partial \bm{Y}} \bm{W}^\mathsf{T}",)],
             notation=N000)]),
    # ------------------------------------------------------------------ seed 001
    Seed("001 eq. 3", "∂L/∂A for C = A + B", [Part("C = A + B", "A", [
        (DL_DA,),
        (r"\sum_{k} \sum_{l} \frac{\partial L}{\partial c_{kl}} \frac{\partial c_{kl}}"
         r"{\partial a_{ij}}",),
        (r"\sum_{k} \sum_{l} \frac{\partial L}{\partial c_{kl}} \frac{\partial (a_{kl}+"
         r"b_{kl})}{\partial a_{ij}}",),
        (r"\frac{\partial L}{\partial c_{ij}} \frac{\partial (a_{ij}+b_{ij})}{\partial "
         r"a_{ij}}", KEEP_KL),
        (r"\frac{\partial L}{\partial c_{ij}}",),
        (r"\frac{\partial L}{\partial \mathbf{C}}",)], notation=T001)]),
    Seed("001 eq. 4", "∂L/∂B for C = A + B (同様に計算すると: the result only)",
         [Part("C = A + B", "B", [(r"\frac{\partial L}{\partial \mathbf{B}}",),
                                  (r"\frac{\partial L}{\partial \mathbf{C}}",)],
               notation=T001, proof="result")]),
    Seed("001 eq. 7", "∂L/∂A for C = A + b (a row vector, broadcast)",
         [Part("b: (n,)\nC = A + b", "A", [
             (DL_DA,),
             (r"\sum_{k} \sum_{l} \frac{\partial L}{\partial c_{kl}} \frac{\partial c_{kl}}"
              r"{\partial a_{ij}}",),
             (r"\sum_{k} \sum_{l} \frac{\partial L}{\partial c_{kl}} \frac{\partial (a_{kl}"
              r"+b_{l})}{\partial a_{ij}}",),
             (r"\frac{\partial L}{\partial c_{ij}} \frac{\partial (a_{ij}+b_{j})}{\partial "
              r"a_{ij}}", KEEP_KL),
             (r"\frac{\partial L}{\partial c_{ij}}",),
             (r"\frac{\partial L}{\partial \mathbf{C}}",)], notation=T001)]),
    Seed("001 eq. 9", "∂L/∂b for C = A + b: the column sums [1,⋯,1] ∂L/∂C",
         [Part("b: (n,)\nC = A + b", "b", [
             (r"\frac{\partial L}{\partial b_{j}}",),
             (r"\sum_{k} \sum_{l} \frac{\partial L}{\partial c_{kl}} \frac{\partial c_{kl}}"
              r"{\partial b_{j}}",),
             (r"\sum_{k} \sum_{l} \frac{\partial L}{\partial c_{kl}} \frac{\partial (a_{kl}"
              r"+b_{l})}{\partial b_{j}}",),
             (r"\sum_{k} \frac{\partial L}{\partial c_{kj}} \frac{\partial (a_{kj}+b_{j})}"
              r"{\partial b_{j}}", r"\because l=jの項のみが残る"),
             (r"\sum_{k} \frac{\partial L}{\partial c_{kj}}",),
             (r"\left[1,\cdots,1 \right] \frac{\partial L}{\partial \mathbf{C}}",)],
             notation=T001)]),
    Seed("001 eq. 12", "a branch B = A, C = A: ∂L/∂A = ∂L/∂B + ∂L/∂C",
         [Part("B = A\nC = A\nD = B * C", "A", [
             (DL_DA,),
             (r"\sum_{k} \sum_{l} \frac{\partial L}{\partial b_{kl}} \frac{\partial b_{kl}}"
              r"{\partial a_{ij}} + \sum_{p} \sum_{q} \frac{\partial L}{\partial c_{pq}} "
              r"\frac{\partial c_{pq}}{\partial a_{ij}}",),
             (r"\sum_{k} \sum_{l} \frac{\partial L}{\partial b_{kl}} \frac{\partial a_{kl}}"
              r"{\partial a_{ij}} + \sum_{p} \sum_{q} \frac{\partial L}{\partial c_{pq}} "
              r"\frac{\partial a_{pq}}{\partial a_{ij}}",),
             (r"\frac{\partial L}{\partial b_{ij}} \frac{\partial a_{ij}}{\partial a_{ij}} + "
              r"\frac{\partial L}{\partial c_{ij}} \frac{\partial a_{ij}}{\partial a_{ij}}",
              r"\because k=i,l=j, p=i,q=jの項のみが残る"),
             (r"\frac{\partial L}{\partial b_{ij}} + \frac{\partial L}{\partial c_{ij}}",),
             (r"\frac{\partial L}{\partial \mathbf{B}} + \frac{\partial L}{\partial "
              r"\mathbf{C}}",)], notation=T001)]),
    Seed("001 eq. 15", "∂L/∂A for C = AB", [Part("C = A @ B", "A", [
        (DL_DA,),
        (r"\sum_{k} \sum_{l} \frac{\partial L}{\partial c_{kl}} \frac{\partial c_{kl}}"
         r"{\partial a_{ij}}",),
        (r"\sum_{k} \sum_{l} \frac{\partial L}{\partial c_{kl}} \sum_{p} \frac{\partial "
         r"a_{kp}b_{pl}}{\partial a_{ij}}",),
        (r"\sum_{l} \frac{\partial L}{\partial c_{il}} \frac{\partial a_{ij}b_{jl}}{\partial "
         r"a_{ij}}", r"\because k=i,p=jの項のみが残る"),
        (r"\sum_{l} \frac{\partial L}{\partial c_{il}} b_{jl}",),
        (r"\sum_{l} \frac{\partial L}{\partial c_{il}} b_{lj}^{T}",),
        (r"\frac{\partial L}{\partial \mathbf{C}} \mathbf{B}^{T}",)], notation=T001)]),
    Seed("001 eq. 16", "∂L/∂B for C = AB", [Part("C = A @ B", "B", [
        (DL_DB,),
        (r"\sum_{k} \sum_{l} \frac{\partial L}{\partial c_{kl}} \frac{\partial c_{kl}}"
         r"{\partial b_{ij}}",),
        (r"\sum_{k} \sum_{l} \frac{\partial L}{\partial c_{kl}} \sum_{p} \frac{\partial "
         r"a_{kp}b_{pl}}{\partial b_{ij}}",),
        (r"\sum_{k} \frac{\partial L}{\partial c_{kj}} \frac{\partial a_{ki}b_{ij}}{\partial "
         r"b_{ij}}", r"\because p=i,l=jの項のみが残る"),
        (r"\sum_{k} \frac{\partial L}{\partial c_{kj}} a_{ki}",),
        (r"\sum_{k} a_{ik}^{T} \frac{\partial L}{\partial c_{kj}}",),
        (r"\mathbf{A}^{T} \frac{\partial L}{\partial \mathbf{C}}",)], notation=T001)]),
    Seed("001 eq. 19", "∂L/∂A for C = A ∘ B", [Part("C = A * B", "A", [
        (DL_DA,),
        (r"\sum_{k} \sum_{l} \frac{\partial L}{\partial c_{kl}} \frac{\partial c_{kl}}"
         r"{\partial a_{ij}}",),
        (r"\sum_{k} \sum_{l} \frac{\partial L}{\partial c_{kl}} \frac{\partial a_{kl}b_{kl}}"
         r"{\partial a_{ij}}",),
        (r"\frac{\partial L}{\partial c_{ij}} \frac{\partial a_{ij}b_{ij}}{\partial a_{ij}}",
         KEEP_KL),
        (r"\frac{\partial L}{\partial c_{ij}} b_{ij}",),
        (r"\frac{\partial L}{\partial \mathbf{C}} \circ \mathbf{B}",)], notation=T001)]),
    Seed("001 eq. 20", "∂L/∂B for C = A ∘ B", [Part("C = A * B", "B", [
        (DL_DB,),
        (r"\sum_{k} \sum_{l} \frac{\partial L}{\partial c_{kl}} \frac{\partial c_{kl}}"
         r"{\partial b_{ij}}",),
        (r"\sum_{k} \sum_{l} \frac{\partial L}{\partial c_{kl}} \frac{\partial a_{kl}b_{kl}}"
         r"{\partial b_{ij}}",),
        (r"\frac{\partial L}{\partial c_{ij}} \frac{\partial a_{ij}b_{ij}}{\partial b_{ij}}",
         KEEP_KL),
        (r"\frac{\partial L}{\partial c_{ij}} a_{ij}",),
        (r"\frac{\partial L}{\partial \mathbf{C}} \circ \mathbf{A}",)], notation=T001)]),
    Seed("001 eq. 23", "∂L/∂A for B = f(A), f any elementwise function",
         [Part("f: elementwise\nB = f(A)", "A", [
             (DL_DA,),
             (r"\sum_{k} \sum_{l} \frac{\partial L}{\partial b_{kl}} \frac{\partial b_{kl}}"
              r"{\partial a_{ij}}",),
             (r"\sum_{k} \sum_{l} \frac{\partial L}{\partial b_{kl}} \frac{\partial f(a_{kl})}"
              r"{\partial a_{ij}}",),
             (r"\frac{\partial L}{\partial b_{ij}} \frac{\partial f(a_{ij})}{\partial a_{ij}}",
              KEEP_KL),
             (r"\frac{\partial L}{\partial b_{ij}} f'(a_{ij})",),
             (r"\frac{\partial L}{\partial \mathbf{B}} \circ f'(\mathbf{A})",)],
             notation=T001)]),
    Seed("001 eqs. 26-27", "∂L/∂A for B = softmax(A)", [Part("B = softmax(A)", "A", [
        *SOFTMAX_27], notation=T001)]),
    Seed("001 eq. 30", "∂L/∂B for L = cross-entropy(Y, B): −Y/B",
         [Part("L = cross_entropy(Y, B)", "B", [
             (DL_DB,),
             (r"- \frac{\partial}{\partial b_{ij}} \left( \sum_{k} \sum_{l} y_{kl} "
              r"\log{b_{kl}} \right)",),
             (r"- \sum_{k} \sum_{l} y_{kl} \frac{\partial \log{b_{kl}}}{\partial b_{ij}}",),
             (r"- y_{ij} \frac{\partial \log{b_{ij}}}{\partial b_{ij}}", KEEP_KL),
             (r"-\frac{y_{ij} }{b_{ij}}",),
             (r"-\mathbf{Y}/\mathbf{B}",)],
             notation={**T001, "division": "fraction"})]),
    Seed("001 eqs. 31-32", "∂L/∂A for softmax and cross-entropy together: −(Y − B) (eq. 27 "
         "continued: (27)式の ∂L/∂B に(30)式を代入すると)",
         [Part("Y: onehot(m, n)\nB = softmax(A)\nL = cross_entropy(Y, B)", "A", [
             *SOFTMAX_27,
             (r"- \mathbf{B} \circ \left( \mathbf{Y}/\mathbf{B} - diag \left( \left( "
              r"\mathbf{Y}/\mathbf{B} \right) \mathbf{B}^{T} \right) \right)",),
             (r"- \left( \mathbf{B} \circ \mathbf{Y}/\mathbf{B} - \mathbf{B} \circ diag "
              r"\left( \left( \mathbf{Y}/\mathbf{B} \right) \mathbf{B}^{T} \right) \right)",),
             (r"- \left( \mathbf{Y} - \mathbf{B} \circ diag \left( \left( \mathbf{Y}/"
              r"\mathbf{B} \right) \mathbf{B}^{T} \right) \right)",),
             (r"- \left( \mathbf{Y} - \mathbf{B} \circ \left[ \begin{array}{ccc} 1 \\ "
              r"\vdots\\ 1\\ \end{array} \right] \right)",),
             (r"- \left( \mathbf{Y} - \mathbf{B} \right)",)],
             notation={**T001, "division": "fraction"})]),
    mlp("38", "Z1", r"\mathbf{\Delta}^{(\lambda)} \equiv \frac{\partial L}{\partial "
        r"\mathbf{Z}^{(\lambda)}}", r"\frac{\partial L}{\partial \mathbf{\Phi}^{(\lambda+1)}}"
        r" \circ f^{'(\lambda)}(\mathbf{Z}^{(\lambda)})"),
    mlp("39", "b1", r"\frac{\partial L}{\partial \mathbf{b}^{(\lambda)}}",
        r"\left[1,\cdots,1\right]\mathbf{\Delta}^{(\lambda)}"),
    mlp("40", "W1", r"\frac{\partial L}{\partial \mathbf{W}^{(\lambda)}}",
        r"\mathbf{\Phi}^{(\lambda)T}\mathbf{\Delta}^{(\lambda)}"),
    mlp("41", "Phi1", r"\frac{\partial L}{\partial \mathbf{\Phi}^{(\lambda)}}",
        r"\mathbf{\Delta}^{(\lambda)}\mathbf{W}^{(\lambda)T}"),
    mlp("42", "Z2", r"\mathbf{\Delta}^{(\Lambda-1)} \equiv \frac{\partial L}{\partial "
        r"\mathbf{Z}^{(\Lambda-1)}}", r"- \left( \mathbf{Y}-\mathbf{\Phi}^{(\Lambda)} \right)"),
    mlp("43", "b2", r"\frac{\partial L}{\partial \mathbf{b}^{(\Lambda-1)}}",
        r"\left[1,\cdots,1\right]\mathbf{\Delta}^{(\Lambda-1)}"),
    mlp("44", "W2", r"\frac{\partial L}{\partial \mathbf{W}^{(\Lambda-1)}}",
        r"\mathbf{\Phi}^{(\Lambda-1)T}\mathbf{\Delta}^{(\Lambda-1)}"),
    mlp("45", "Phi2", r"\frac{\partial L}{\partial \mathbf{\Phi}^{(\Lambda-1)}}",
        r"\mathbf{\Delta}^{(\Lambda-1)}\mathbf{W}^{(\Lambda-1)T}"),
    # ------------------------------------------------------------------ seed 002
    # the seed states the rule for any z(y), y(x): declared maps f, g between scalars, whose
    # derivatives are the symbols dy/dx, dz/dy
    Seed("002 chain rule (scalar)", "dz/dx = dz/dy dy/dx for z = g(y), y = f(x)",
         [Part("x: ()\nf: () -> ()\ng: () -> ()\ny = f(x)\nz = g(y)", "x", [
             (r"\frac{dz}{dx}",), (r"\frac{dz}{dy} \frac{dy}{dx}",)])]),
    # the seed states the rule (これはスカラー以外にも一般化することができる): the result
    # alone, for a declared map g (any y(x)), its Jacobian the symbol ∂y/∂x
    Seed("002 chain rule (vector)", "∇ₓz = (∂y/∂x)ᵀ ∇_y z for any vector function y(x)",
         [Part("x: (n,)\ng: (n,) -> (m,)\ny = g(x)", "x", [
             (r"\nabla_{\mathbf{x}^{z}}",),
             (r"\left( \frac{\partial \mathbf{y}}{\partial \mathbf{x}} \right)^{\mathrm{T}} "
              r"\nabla_{\mathbf{y}^{z}}",)], loss="z", proof="result",
             notation={"transpose": "T", "gradient": "nabla"})]),
    Seed("002 ∂J/∂W", "u' = Wᵀu, G = ∂J/∂u': ∂J/∂W = u Gᵀ (the seed's uᵀG corrected)",
         [Part("u: (n,)\nG: gradient(u2)\nu2 = W.T @ u", "W", [
             (r"\frac{\partial \mathbf{u}_{i+1}}{\partial \mathbf{W}_i} \mathbf{G}",),
             (r"\mathbf{u}_i^{\mathrm{T}} \mathbf{G}",)], loss="J",
             names={r"\mathbf{u}_{i+1}": r"\mathbf{u}_{2}", r"\mathbf{W}_i": r"\mathbf{W}",
                    r"\mathbf{u}_i": r"\mathbf{u}"}, notation={"transpose": "T"})],
         differs="the seed's middle line, ∂u'/∂W G, multiplies a three-index Jacobian by a "
                 "vector, a product matcalc does not write (it is no matrix product): matcalc "
                 "goes entry by entry (∂J/∂w_ij = Σ_k ∂J/∂u2_k ∂u2_k/∂w_ij … = u_i g_j) to "
                 "the corrected result u Gᵀ, the seed's last line (1 of 2 seed lines; see "
                 "CORRECTIONS for the seed's uᵀG)"),
    # ------------------------------------------------------------------ seed 003
    Seed("003 f = xy", "∂f/∂x = y, ∂f/∂y = x", [Part("x: ()\ny: ()\nf = x * y", "x,y", [
        (r"\frac{\partial f}{\partial x}",), ("y",),
        (r"\frac{\partial f}{\partial y}",), ("x",)])]),
    Seed("003 f = x + y", "∂f/∂x = 1, ∂f/∂y = 1", [Part("x: ()\ny: ()\nf = x + y", "x,y", [
        (r"\frac{\partial f}{\partial x}",), ("1",),
        (r"\frac{\partial f}{\partial y}",), ("1",)])]),
    Seed("003 f = max(x, y)", "∂f/∂x = 𝟙(x > y), ∂f/∂y = 𝟙(y > x)",
         [Part("x: ()\ny: ()\nf = maximum(x, y)", "x,y", [
             (r"\frac{\partial f}{\partial x}",), (r"\mathbb{1}(x > y)",),
             (r"\frac{\partial f}{\partial y}",), (r"\mathbb{1}(y > x)",)],
             notation={"indicator": "one"})],
         differs="the tie: with --indicator one matcalc writes ∂f/∂x = 𝟙(x > y) as the seed "
                 "does, but ∂f/∂y = 𝟙(y ≥ x) where the seed writes 𝟙(y > x): at x = y the "
                 "seed's two shares are 0 and 0, which do not sum to the gate's slope 1 "
                 "along x = y; matcalc's convention gives the tie to y (1 − 𝟙(x > y)) and "
                 "says so rather than print 𝟙(y > x), which is false there (3 of 4 lines)"),
    Seed("003 f = (x + y) z", "q = x + y, f = qz: the backward pass (code)",
         [Part("x: ()\ny: ()\nz: ()\nq = x + y\nf = q * z", "x,y,z", [
             ("dfdq = z # df/dq = z, so gradient on q becomes 3",),
             ("dfdq = z # df/dq = z, so gradient on q becomes -4",),
             ("dfdx = 1.0 * dfdq # dq/dx = 1. And the multiplication here is the chain "
              "rule!",),
             ("dfdy = 1.0 * dfdq # dq/dy = 1",)], kind="code", backward="staged")]),
    Seed("003 the unary gates", "1/x → −1/x², c + x → 1, eˣ → eˣ, ax → a", [
        Part("x: ()\nf = 1 / x", "x", [(r"\frac{df}{dx}",), ("-1/x^2",)]),
        Part("c: ()\nx: ()\nf = c + x", "x", [(r"\frac{df}{dx}",), ("1",)]),
        Part("x: ()\nf = exp(x)", "x", [(r"\frac{df}{dx}",), ("e^x",)]),
        Part("a: ()\nx: ()\nf = a * x", "x", [(r"\frac{df}{dx}",), ("a",)])]),
    Seed("003 σ′(x)", "dσ/dx = e⁻ˣ/(1 + e⁻ˣ)² = … = (1 − σ(x)) σ(x)",
         [Part("x: ()\nsigma = 1 / (1 + exp(-x))", "x", [
             (r"\frac{d\sigma(x)}{dx}",),
             (r"\frac{e^{-x}}{(1 + e^{-x})^2}",),
             (r"\left( \frac{1 + e^{-x} - 1}{1 + e^{-x}} \right) \left( \frac{1}"
              r"{1 + e^{-x}} \right)",),
             (r"(1 - \sigma(x))\sigma(x)",)],
               names={r"\sigma(x)": r"\sigma"})]),   # the seed's σ(x) is the program's sigma
    Seed("003 the sigmoid neuron", "ddot = (1 − f) f; dx, dw (code)",
         [Part("w: (3,)\nx: (2,)\ndot = w[0]*x[0] + w[1]*x[1] + w[2]\nf = sigmoid(dot)",
               "x,w", [
                   ("ddot = (1 - f) * f # gradient on dot variable, using the sigmoid "
                    "gradient",),
                   ("dx = [w[0] * ddot, w[1] * ddot] # backprop into x",),
                   ("dw = [x[0] * ddot, x[1] * ddot, 1.0 * ddot] # backprop into w",)],
               kind="code", backward="staged")]),
    Seed("003 staged backprop", "f = (x + σ(y))/(σ(x) + (x + y)²), lines (8) … (1) (code)",
         [Part("x: ()\ny: ()\nsigy = sigmoid(y)\nnum = x + sigy\nsigx = sigmoid(x)\n"
               "xpy = x + y\nxpysqr = xpy ** 2\nden = sigx + xpysqr\ninvden = 1 / den\n"
               "f = num * invden", "x,y", [
                   ("dnum = invden # gradient on numerator",),
                   ("dinvden = num",),
                   ("dden = (-1.0 / (den**2)) * dinvden",),
                   ("dsigx = (1) * dden",),
                   ("dxpysqr = (1) * dden",),
                   ("dxpy = (2 * xpy) * dxpysqr",),
                   ("dx = (1) * dxpy",),
                   ("dy = (1) * dxpy",),
                   ("dx += ((1 - sigx) * sigx) * dsigx # Notice += !! See notes below",),
                   ("dx += (1) * dnum",),
                   ("dsigy = (1) * dnum",),
                   ("dy += ((1 - sigy) * sigy) * dsigy",)], kind="code",
               backward="staged")]),
    Seed("003 D = W X", "dW = dD.dot(X.T), dX = W.T.dot(dD) (code)",
         [Part("W: (5, 10)\nX: (10, 3)\nD = W @ X", "W,X", [
             ("dW = dD.dot(X.T) # .T gives the transpose of the matrix",),
             ("dX = W.T.dot(dD)",)], kind="code")]),
    # ------------------------------------------------------------------ seed 004
    Seed("004 f(x) = x² + 1", "df/dx = 2x", [Part("x: ()\nf = x**2 + 1", "x", [
        (r"\frac{\mathrm{d} f(x)}{\mathrm{d} x}",), ("2x",)])]),
    Seed("004 f(x₁, x₂)", "∂f/∂x₁ = 2x₁ + x₂, ∂f/∂x₂ = x₁ + 1 for f = x₁² + x₁x₂ + x₂ + 1",
         [Part("x1: ()\nx2: ()\nf = x1**2 + x1*x2 + x2 + 1", "x1,x2", [
             (r"\frac{\partial f(\bm{x})}{\partial x_1}",), ("2x_1 + x_2",),
             (r"\frac{\partial f(\bm{x})}{\partial x_2}",), ("x_1 + 1",)])]),
    # seed 004's general definitions, for an arbitrary f: declared maps (issue 21 point 6)
    Seed("004 the gradient", "∂f(x)/∂x: the column of ∂f(x)/∂x_i for any scalar f(x)",
         [Part("x: (n,)\nF: (n,) -> ()\nf = F(x)", "x", [
             (r"\frac{\partial f(\bm{x})}{\partial \bm{x}}",),
             (r"\begin{bmatrix} \\[-5pt] \dfrac{\partial f(\bm{x})}{\partial x_1} \\[12pt] "
              r"\dfrac{\partial f(\bm{x})}{\partial x_2} \\[10pt] \vdots \\[8pt] "
              r"\dfrac{\partial f(\bm{x})}{\partial x_n} \\[10pt] \end{bmatrix}",)],
             names={r"f(\bm{x})": "f"}, notation={"bold": "bm", "expand": "on"})]),
    Seed("004 the Jacobian", "J_f = ∂f(x)/∂x: the m × n matrix of ∂f_i/∂x_j for any f(x)",
         [Part("x: (n,)\nF: (n,) -> (m,)\nf = F(x)", "x", [
             (r"J_{\bm{f}}",),
             (r"\frac{\partial \bm{f}(\bm{x})}{\partial \bm{x}}",),
             (r"\begin{bmatrix} \\[-5pt] \dfrac{\partial f_1}{\partial x_1} & "
              r"\dfrac{\partial f_1}{\partial x_2} & \cdots & \dfrac{\partial f_1}{\partial x_n} "
              r"\\[12pt] \dfrac{\partial f_2}{\partial x_1} & \dfrac{\partial f_2}{\partial x_2} "
              r"& \cdots & \dfrac{\partial f_2}{\partial x_n} \\[12pt] \vdots & \vdots & "
              r"\ddots & \vdots \\[10pt] \dfrac{\partial f_m}{\partial x_1} & "
              r"\dfrac{\partial f_m}{\partial x_2} & \cdots & \dfrac{\partial f_m}{\partial x_n} "
              r"\\[10pt] \end{bmatrix}",)], kind="jacobian",
             names={r"\bm{f}(\bm{x})": r"\bm{f}"}, notation={"bold": "bm", "expand": "on"})],
         differs="the seed names the Jacobian J_f before it writes ∂f(x)/∂x = [grid]; matcalc "
                 "writes ∂f/∂x = [grid] (the map's Jacobian, entry (i, j) ∂f_i/∂x_j, by "
                 "declaration) and has no name for a Jacobian (2 of 3 lines)"),
    Seed("004 the gradient matrix", "∂f/∂X: the m × n matrix of ∂f/∂x_ij for any scalar f(X)",
         [Part("X: (m, n)\nF: (m, n) -> ()\nf = F(X)", "X", [
             (r"\frac{\partial f}{\partial \mathbf{X}}",),
             (r"\begin{bmatrix} \\[-6pt] \dfrac{\partial f}{\partial x_{11}} & "
              r"\dfrac{\partial f}{\partial x_{12}} & \cdots & \dfrac{\partial f}{\partial x_{1n}} "
              r"\\[3ex] \dfrac{\partial f}{\partial x_{21}} & \dfrac{\partial f}{\partial x_{22}} "
              r"& \cdots & \dfrac{\partial f}{\partial x_{2n}} \\[2ex] \vdots & \vdots & "
              r"\ddots & \vdots \\[1ex] \dfrac{\partial f}{\partial x_{m1}} & "
              r"\dfrac{\partial f}{\partial x_{m2}} & \cdots & \dfrac{\partial f}{\partial x_{mn}} "
              r"\\[3ex] \end{bmatrix}",)], notation={"expand": "on"})]),
    Seed("004 ∂(Wx)/∂x = W", "the Jacobian of Wx, numerator layout, row by row",
         [Part("x: (n,)\ny = W @ x", "x", [
             (r"\frac{\partial (w_{11} x_1 + w_{12} x_2 \ + \cdots \ + w_{1n} x_n )}"
              r"{\partial \bm{x}}",),
             (r"\left( w_{11}, w_{12}, \cdots, w_{1n} \right)",),
             (r"\left( w_{21}, w_{22}, \cdots, w_{2n} \right)",),
             (r"\left( w_{m1}, w_{m2}, \cdots, w_{mn} \right)",),
             ("W",)], kind="jacobian", names={r"\bm{x}": "x"},
             notation={"bold": "plain"})]),
    Seed("004 ∂(Wx)/∂x = Wᵀ", "the same Jacobian in denominator layout (a statement)",
         [Part("x: (n,)\ny = W @ x", "x", [(r"\dfrac{\partial W\bm{x}}{\partial \bm{x}}",),
                                          (r"W^\top",)], kind="jacobian",
               layout="denominator", proof="result",
               names={r"W\bm{x}": "y", r"\bm{x}": "x"},
               notation={"bold": "plain", "transpose": "top"})]),
    Seed("004 ∂(Wx)/∂W", "a vector by a matrix: the slices ∂f₁/∂W, ∂f₂/∂W, and xᵀ",
         [Part("x: (n,)\ny = W @ x", "W", [
             (r"\begin{bmatrix} \\[-6pt] x_1 & x_2 & \cdots & x_n \\[3ex] 0 & 0 & \cdots & 0 "
              r"\\[1ex] \vdots & \vdots & \ddots & \vdots \\[1ex] 0 & 0 & \cdots & 0 "
              r"\\[1ex] \end{bmatrix}",),
             (r"\bm{x}^\top",)], kind="jacobian", notation={"bold": "bm", "transpose": "top",
                                                             "expand": "on"})],
         differs="matcalc gives its entry proof and the index form ∂y_k/∂w_ij = δ_ik x_j, "
                 "read as the matrix ∂y/∂vec(W)ᵀ = xᵀ ⊗ I (vec stacking the columns: the "
                 "derivative has three indices); with --expand it writes "
                 "the slices ∂y_1/∂W, ∂y_2/∂W, ⋮, ∂y_m/∂W with 0 where the seed writes 0 (the "
                 "first is the seed's grid); and it states the seed's xᵀ as the shorthand of "
                 "machine learning, in words (every slice has xᵀ in its row k and 0 "
                 "elsewhere), where the seed writes ∂(Wx)/∂W = xᵀ as an equation: the "
                 "derivative has three indices and is no matrix equal to xᵀ"),
]


# --------------------------------------------------------------------------- the tests

def _params():
    for seed in SEED_CASES:
        for lang in ("en", "ja"):
            reason = seed.differs or (seed.differs_ja if lang == "ja" else None)
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(seed, lang, id=f"{seed.id}-{lang}", marks=marks)


def measure(seed: Seed, lang: str) -> tuple[int, int, int, dict, list, list]:
    ours_all, theirs_all, used = [], [], {}
    for part in seed.parts:
        ours, allowed = _allowed(matcalc_lines(part, lang))
        for key, n in allowed.items():
            used[key] = used.get(key, 0) + n
        ours_all += ours
        theirs_all += seed_lines(seed, part)
    matched = common(ours_all, theirs_all, lang)
    extra = len(ours_all) - matched
    return matched, len(theirs_all), extra, used, ours_all, theirs_all


@pytest.mark.parametrize(("seed", "lang"), _params())
def test_line_for_line(seed, lang, record_property):
    matched, total, extra, used, ours, theirs = measure(seed, lang)
    record_property("seed_lines", json.dumps(
        {"id": seed.id, "lang": lang, "matched": matched, "total": total, "extra": extra,
         "allowed": used}))
    reasons = [lang == "ja" and t.why is not None for t in theirs]
    shown = [(o.tex, o.why if n < len(theirs) and reasons[n] else None)
             for n, o in enumerate(ours)]
    assert shown == [(t.tex, t.why if asked else None) for t, asked in zip(theirs, reasons)]


@pytest.mark.parametrize("seed", [s for s in SEED_CASES
                                  if any(p.kind == "code" for p in s.parts)], ids=str)
def test_the_seeds_backward_passes_are_right(seed):
    """CS231n's code (seed 003), corrected where CORRECTIONS says, checked by matcalc."""
    for part in seed.parts:
        code = "\n".join(_corrected(seed.id, line[0]).split("#")[0].strip()
                         for line in part.lines)
        code = re.sub(r"\bdf(d\w+)", r"\1", code)        # dfdq is dq (the seed's own text)
        d = derive(part.program, wrt=part.wrt)
        assert check_backward(d, code).ok, check_backward(d, code).text()


def test_every_seed_line_is_the_seeds_own():
    """Each seed line and reason is in ../shared/seeds/, verbatim but for whitespace and &."""
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds/ is not here")

    def flat(text: str) -> str:
        return re.sub(r"\s+|&", "", text)
    source = flat("".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.iterdir())))
    missing = [(seed.id, line[0]) for seed in SEED_CASES for part in seed.parts
               for line in part.lines if flat(line[0]) not in source]
    missing += [(seed.id, line[1]) for seed in SEED_CASES for part in seed.parts
                for line in part.lines if len(line) > 1 and flat(line[1]) not in source]
    missing += [(case, wrong) for case, wrong, *_ in CORRECTIONS if flat(wrong) not in source]
    assert not missing, missing


def test_the_table_in_docs_lists_every_derivation():
    table = (Path(__file__).resolve().parents[1] / "docs" / "seeds.md").read_text("utf-8")
    assert [s.id for s in SEED_CASES if f"| {s.id} |" not in table] == []


@pytest.mark.parametrize(("text", "same"), [
    (r"\frac{\partial a_{kp}b_{pl}}{\partial a_{ij}}",
     r"\frac{\partial \left(a_{kp} b_{pl}\right)}{\partial a_{ij}}"),
    (r"b_{lj}^{T}", r"\left(\mathbf{B}^{T}\right)_{lj}"),
    (r"\frac{\partial }{\partial a_{ij}} \left( \frac{e^{a_{kl}}}{\sum_{p} e^{a_{kp}}} \right)",
     r"\frac{\partial \left(\frac{\exp\left(a_{kl}\right)}{\sum_{p} \exp\left(a_{kp}\right)}"
     r"\right)}{\partial a_{ij}}"),
    (r"\left[1,\cdots,1 \right] \frac{\partial L}{\partial \mathbf{C}}",
     r"\mathbf{1}^{T} \frac{\partial L}{\partial \mathbf{C}}"),
    (r"\frac{dz}{dy} \frac{dy}{dx}", r"\frac{\partial z}{\partial y} \frac{\partial y}"
                                      r"{\partial x}"),
    (r"-\mathbf{Y}/\mathbf{B}", r"-\frac{\mathbf{Y}}{\mathbf{B}}"),
    (r"diag \left( \frac{\partial L}{\partial \mathbf{B}} \mathbf{E}^{T} \right)",
     r"\operatorname{diag}\left(\frac{\partial L}{\partial \mathbf{B}} \mathbf{I}^{T}\right)"),
    (r"\delta_{lj}^{T}", r"\left(\mathbf{I}^{T}\right)_{lj}"),
    (r"\left[ \begin{array}{ccc} 1 \\ \vdots\\ 1\\ \end{array} \right]", r"\mathbf{1}"),
    (r"diag \left( \left( \mathbf{Y}/\mathbf{B} \right) \mathbf{B}^{T} \right)",
     r"\operatorname{diag}\left(\frac{\mathbf{Y}}{\mathbf{B}} \mathbf{B}^{T}\right)"),
    (r"\dfrac{\partial W\bm{x}}{\partial \bm{x}}", r"\frac{\partial W\bm{x}}{\partial \bm{x}}"),
    (r"\begin{bmatrix} \\[-6pt] x_1 & x_2 \\[3ex] 0 & 0 \\[1ex] \end{bmatrix}",
     r"\begin{pmatrix} x_{1} & x_{2} \\ 0 & 0 \end{pmatrix}"),
    (r"\bm{X}^\mathsf{T} \cdot \frac{\partial L}{\partial \bm{Y}}",
     r"\bm{X}^{\mathsf{T}} \frac{\partial L}{\partial \bm{Y}}"),
])
def test_the_equivalences(text, same):
    assert canonical(text) == canonical(same)


@pytest.mark.parametrize(("text", "other"), [
    (r"-\mathbf{Y}/\mathbf{B}", r"-\left(\frac{\mathbf{Y}}{\mathbf{B}}\right)"),
    (r"- \left( \mathbf{Y}-\mathbf{B} \right)", r"\mathbf{B} - \mathbf{Y}"),
    (r"\delta_{lj}^{T}", r"\delta_{lj}"),
    (r"\mathbf{E}", r"\mathbf{B}"),
    (r"\frac{\partial L}{\partial y_j} \frac{\partial y_j}{\partial w_{ij}}",
     r"\frac{\partial L}{\partial y_{j}} \, \frac{\partial \left(x_{i} w_{ij}\right)}"
     r"{\partial w_{ij}}"),
    (r"\nabla_{\mathbf{y}} z \mathbf{B}", r"\left(\nabla_{\mathbf{y}} z\right) \mathbf{B}"),
])
def test_the_equivalences_forgive_nothing_else(text, other):
    assert canonical(text) != canonical(other)
