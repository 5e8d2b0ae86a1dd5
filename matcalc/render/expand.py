"""``--expand``: a gradient written out entry by entry, as seeds 000 and 004 do.

    ∂L/∂W = ⎡ ∂L/∂y_1 x_1  ∂L/∂y_2 x_1  ⋯  ∂L/∂y_m x_1 ⎤   the index form at i, j = 1, 2, …, n
            ⎢     ⋮             ⋮        ⋱       ⋮      ⎥
            ⎣ ∂L/∂y_1 x_n  ∂L/∂y_2 x_n  ⋯  ∂L/∂y_m x_n ⎦
          = [x_1; ⋮; x_n] [∂L/∂y_1 ⋯ ∂L/∂y_m]              a product: each factor's grid
          = Xᵀ ∂L/∂Y

A grid shows the first two entries and the last of each long axis (named by its dimension:
x_n), with ⋯, ⋮ and ⋱ between; a 1-D result is a row, [1, ⋯, 1] for the ones vector.
Indices are counted from 1 here, as the articles count them.
"""

from __future__ import annotations

import sympy
from sympy import Expr

from ..calculus.matrices import entry_of
from ..index.symbols import Element, Index, UnusedSupply, substitute

DOTS = object()  # an elided run of rows or columns


def positions(size) -> list:
    """1, 2, …, the last: all of a short numbered axis, else 1, 2, DOTS, the last (by its
    dimension's name when it has one)."""
    if isinstance(size, int) and size <= 4:
        return [str(k) for k in range(1, size + 1)]
    last = str(size)
    return ["1", "2", DOTS, last]


def shown_positions(shape) -> tuple[list, list]:
    """The rows and the columns a grid of this shape shows (1-D: one row)."""
    rows = positions(shape[0]) if len(shape) == 2 else ["1"]
    cols = positions(shape[-1]) if shape else ["1"]
    if len(shape) == 2 and shape[1] == 1:
        cols = ["1"]
    if len(shape) == 2 and shape[0] == 1:
        rows = ["1"]
    return rows, cols


def grid(entry, shape) -> list[list]:
    """entry(row, col) at the positions of a matrix of this shape (1-D: one row)."""
    rows, cols = shown_positions(shape)
    out = []
    for r in rows:
        out.append([DOTS if DOTS in (r, c) else entry(r, c) for c in cols]
                   if r is not DOTS else [DOTS for _ in cols])
    return out


def index_grid(index_form: Expr, axes: tuple, shape: tuple) -> list[list]:
    """The gradient's index form at each shown entry (its free indices set)."""
    def entry(r, c):
        values = [r, c] if len(shape) == 2 else [c]
        expr = index_form
        for axis, value in zip(axes, values):
            if isinstance(axis, Index):
                expr = substitute(expr, axis, Index(value))
        return _settle_deltas(expr, _named(shape))
    return grid(entry, tuple(shape))


def matrix_grid(m: Expr) -> list[list]:
    """A matrix expression's entries at the shown positions: (Xᵀ)_ij = x_ji, 𝟏 = 1."""
    rows, cols = m.shape
    supply = UnusedSupply(m)

    def entry(r, c):
        return entry_of(m, Index(r), Index(c), supply)
    shape = (_size(rows), _size(cols))
    return grid(entry, shape)


def _size(n):
    return int(n) if getattr(n, "is_Integer", False) else n


def factors(result: Expr) -> list[Expr] | None:
    """The two matrices of a product shown side by side (Xᵀ ∂L/∂Y, 𝟏ᵀ ∂L/∂C), else None."""
    if isinstance(result, sympy.MatMul):
        mats = [a for a in result.args if a.is_Matrix]
        if len(mats) == 2 and len(mats) == len(result.args):
            return mats
    return None


def expansion(grad, shape: tuple) -> dict | None:
    """The grids of one gradient: its entries, and its factors when it is a product."""
    if grad.result is None or grad.index_form is None or not shape:
        return None
    if isinstance(grad.result, sympy.ImmutableDenseMatrix):  # written out already
        return {"entries": grad.result.tolist(), "factors": None}
    sizes = tuple(d if isinstance(d, int) else sympy.Symbol(d) for d in shape)
    axes = grad.axes
    if len(sizes) == 1 and getattr(grad.result, "is_Matrix", False) and \
            grad.result.shape[1] == 1:  # a 1-D gradient that came out a column stays one
        sizes, axes = (sizes[0], 1), (axes[0], sympy.Integer(0))
    parts = factors(grad.result)
    return {"entries": index_grid(grad.index_form, axes, sizes),
            "columns": shown_positions(tuple(_size(s) for s in sizes))[1],
            "factors": [matrix_grid(m) for m in parts] if parts else None}


# ---------------------------------------------------------------- the grids, printed

def _cell(value, row_dots: bool, col_dots: bool, printer, tex: bool) -> str:
    if row_dots and col_dots:
        return r"\ddots" if tex else "⋱"
    if row_dots:
        return r"\vdots" if tex else "⋮"
    if col_dots:
        return r"\cdots" if tex else "⋯"
    return printer.doprint(value)


def _cells(rows: list[list], printer, tex: bool) -> list[list[str]]:
    regular = next((row for row in rows if not all(v is DOTS for v in row)), rows[0])
    dots_cols = {c for c, v in enumerate(regular) if v is DOTS}
    out = []
    for row in rows:
        row_dots = len(rows) > 1 and all(v is DOTS for v in row) and row is not regular
        out.append([_cell(v, row_dots, c in dots_cols, printer, tex)
                    for c, v in enumerate(row)])
    return out


def tex_grid(rows: list[list], printer) -> str:
    """\\begin{pmatrix} a & b & \\cdots & c \\\\ \\vdots & … \\end{pmatrix}"""
    body = r" \\ ".join(" & ".join(row) for row in _cells(rows, printer, tex=True))
    return rf"\begin{{pmatrix}} {body} \end{{pmatrix}}"


def text_grid(rows: list[list], printer) -> list[str]:
    """The grid as lines: ⎡ a  b  ⋯  c ⎤ … ⎣ … ⎦, or [a  ⋯  c] for one row."""
    cells = _cells(rows, printer, tex=False)
    widths = [max(len(row[c]) for row in cells) for c in range(len(cells[0]))]
    lines = ["  ".join(cell.center(w) if cell in "⋮⋯⋱" else cell.ljust(w)
                       for cell, w in zip(row, widths)) for row in cells]
    if len(lines) == 1:
        return [f"[{lines[0]}]"]
    out = []
    for n, line in enumerate(lines):
        left, right = ("⎡", "⎤") if n == 0 else ("⎣", "⎦") if n == len(lines) - 1 else \
            ("⎢", "⎥")
        out.append(f"{left} {line} {right}")
    return out


def side_by_side(blocks: list[list[str]]) -> list[str]:
    """Blocks of lines next to each other, centred on the tallest."""
    height = max(len(b) for b in blocks)
    padded = []
    for block in blocks:
        width = max(len(line) for line in block)
        top = (height - len(block)) // 2
        lines = [" " * width] * top + [line.ljust(width) for line in block]
        padded.append(lines + [" " * width] * (height - len(lines)))
    return [" ".join(parts).rstrip() for parts in zip(*padded)]


def shown(expanded: dict, lhs: str, result: str, printer, tex: bool) -> str:
    """lhs = entries = factors = result, as text lines or one LaTeX chain of equalities."""
    if tex:
        parts = [tex_grid(expanded["entries"], printer)]
        if expanded["factors"]:
            parts.append(" ".join(tex_grid(f, printer) for f in expanded["factors"]))
        return "= " + " = ".join(parts)
    blocks = [[lhs + " ="], text_grid(expanded["entries"], printer)]
    lines = side_by_side(blocks)
    indent = " " * len(lhs)
    if expanded["factors"]:
        factor = side_by_side([[indent + " ="], *[text_grid(f, printer)
                                                   for f in expanded["factors"]]])
        lines += factor
    if result != lhs:  # a declared map's ∂y/∂x is its own matrix form: not restated
        lines.append(f"{indent} = {result}")
    return "\n".join(lines)


# ---------------------------------------------------------------- a blog column

COLUMN = 80  # characters of TeX on one row of a display: what a 740-px blog column holds


def column_displays(expanded: dict, lhs: str, printer, width: int = COLUMN) -> list[str]:
    """The grids for a blog column, as seed 000 sets them: an aligned chain, lhs = entries
    (one row of the matrix to a line) = factors, whose every row keeps to ``width``
    characters of TeX. A grid too wide shows fewer columns (1, ⋯, the last); one still
    too wide is shown column by column, a display for each, (∂L/∂W)_{:,1} = (…); factors
    that do not fit are left out (the result line that follows says the same)."""
    entries = _fitted(expanded["entries"], printer, width)
    lines: list[str] = []
    if entries is not None:
        lines = _matrix_lines(f"{lhs} &= ", entries, printer)
    factors = [_fitted(f, printer, width) for f in expanded["factors"] or []]
    if factors and all(f is not None for f in factors):
        if lines:
            lines[-1] += r" \\"
        for n, f in enumerate(factors):
            part = _matrix_lines(("&= " if lines else f"{lhs} &= ") if n == 0 else "", f,
                                 printer)
            if n:
                lines[-1] += " " + part[0]
                part = part[1:]
            lines += part
    displays = ["\\begin{aligned}\n" + "\n".join(lines) + "\n\\end{aligned}"] if lines \
        else []
    if entries is None:
        displays = _by_columns(expanded["entries"], expanded.get("columns"), lhs,
                               printer) + displays
    return displays


def _fitted(rows: list[list], printer, width: int) -> list[list] | None:
    """The grid, or with its second column left out, if every row then fits; else None."""
    for grid_rows in (rows, _fewer_columns(rows)):
        if grid_rows is not None and \
                max(len(line) for line in _matrix_lines("", grid_rows, printer)) <= width:
            return grid_rows
    return None


def _fewer_columns(rows: list[list]) -> list[list] | None:
    """1, 2, ⋯, n → 1, ⋯, n (None when there is no elided run to widen)."""
    regular = next((row for row in rows if not all(v is DOTS for v in row)), rows[0])
    if len(regular) < 4 or regular[2] is not DOTS:
        return None
    return [row[:1] + row[2:] for row in rows]


def _row_texts(rows: list[list], printer) -> list[str]:
    return [" & ".join(row) + r" \\" for row in _cells(rows, printer, tex=True)]


def _matrix_lines(prefix: str, rows: list[list], printer) -> list[str]:
    texts = _row_texts(rows, printer)
    texts[-1] = texts[-1][:-3]
    return [prefix + r"\begin{pmatrix}", *texts, r"\end{pmatrix}"]


def _by_columns(rows: list[list], labels: list | None, lhs: str, printer) -> list[str]:
    """A display for each shown column of the grid, (∂L/∂W)_{:,j} = (…), with ⋯ for
    the columns between; a single row is written as its transpose, (∂L/∂X)ᵀ = (…)."""
    regular = next((row for row in rows if not all(v is DOTS for v in row)), rows[0])
    labels = labels or [str(k + 1) for k in range(len(regular))]
    cells = _cells(rows, printer, tex=True)
    if len(cells) == 1:  # a row: written as the column it transposes to, one entry a line
        column = [r"\vdots" if c == r"\cdots" else c for c in cells[0]]
        return [rf"\left({lhs}\right){printer.T} =" + "\n" + r"\begin{pmatrix}" + "\n" +
                " \\\\\n".join(column) + "\n" + r"\end{pmatrix}"]
    displays = []
    for c, label in enumerate(labels):
        if label is DOTS:
            displays.append(r"\cdots")
            continue
        column = [row[c] for row in cells]
        if len(column) == 1:
            displays.append(rf"\left({lhs}\right)_{{{label}}} = {column[0]}")
            continue
        body = "\n".join(cell + r" \\" for cell in column[:-1]) + "\n" + column[-1]
        displays.append(rf"\left({lhs}\right)_{{:,{label}}} =" + "\n" + r"\begin{pmatrix}" +
                        "\n" +
                        body + "\n" + r"\end{pmatrix}")
    return displays


# ---------------------------------------------------------------- Jacobians and slices

def _position(x) -> int | None:
    """The 1-based position an index stands for: a label "2", or a number 1 (numpy's)."""
    if isinstance(x, Index) and x.name.isdigit():
        return int(x.name)
    if getattr(x, "is_Integer", False):
        return int(x) + 1
    return None


def _settle_deltas(expr: Expr, last: frozenset = frozenset()) -> Expr:
    """δ between two numbered positions is 1 or 0 (δ_12 = 0). A grid shows an axis of
    named length m as 1, 2, ⋯, m, so there the last position m is a third one (m ≥ 3):
    δ between it (a name in ``last``) and 1 or 2 is 0 (δ_1m = 0, where seed 004 writes 0).
    With any other name (an index still summed) δ stays."""
    def settle(a, b):
        pa, pb = _position(a), _position(b)
        if pa is not None and pb is not None:
            return sympy.S.One if pa == pb else sympy.S.Zero
        for here, there in ((pa, b), (pb, a)):
            if here in (1, 2) and isinstance(there, Index) and there.name in last:
                return sympy.S.Zero
        return sympy.KroneckerDelta(a, b)
    return expr.replace(sympy.KroneckerDelta, settle)


def _named(sizes) -> frozenset:
    """The names of the lengths among ``sizes`` (m for (m, n)): a grid's last positions."""
    return frozenset(str(n) for n in sizes
                     if isinstance(n, (str, sympy.Symbol)) and not str(n).isdigit())


def derivative_expansion(d) -> dict | None:
    """A Jacobian's grid (its free indices in the layout's order), or, for three free
    indices, its slices along the first: ∂y_1/∂W, ∂y_2/∂W, …, ∂y_m/∂W (seed 004)."""
    if d.vec is not None and len(d.free) == 4 and d.result is not None:
        return kronecker_blocks(d.result)
    if d.index_form is None or d.kind != "jacobian":
        return None
    if isinstance(d.result, sympy.ImmutableDenseMatrix):  # written out already
        return {"entries": d.result.tolist(), "factors": None, "slices": None}
    sizes = {}
    for name, idx in ((d.output, "kl"), (d.wrt, "ij")):
        for letter, n in zip(idx, d.shapes.names[name]):
            sizes[Index(letter)] = n
    free = [f for f in d.free if isinstance(f, Index)]
    if not free or len(free) > 3:
        return None

    def at(values: dict) -> Expr:
        expr = d.index_form
        for index, value in values.items():
            expr = substitute(expr, index, Index(value))
        return _settle_deltas(expr, _named(sizes.values()))

    plane = free[-2:] if len(free) >= 2 else free
    shape = tuple(sympy.Symbol(sizes[i]) if isinstance(sizes[i], str) else sizes[i]
                  for i in plane)
    if len(plane) == 1:
        shape = (shape[0], 1) if d.free[-1] == 0 else (1, shape[0])

    def slice_at(fixed: dict) -> list[list]:
        if len(plane) == 1:
            return grid(lambda r, c: at({**fixed, plane[0]: r if shape[1] == 1 else c}),
                        tuple(_size(s) for s in shape))
        return grid(lambda r, c: at({**fixed, plane[0]: r, plane[1]: c}),
                    tuple(_size(s) for s in shape))
    if len(free) < 3:
        return {"entries": slice_at({}), "factors": None, "slices": None}
    outer = free[0]
    size = sizes[outer]
    labels = positions(size if isinstance(size, int) else sympy.Symbol(size))
    return {"entries": None, "factors": None, "outer": outer,
            "slices": [(label, None if label is DOTS else slice_at({outer: label}))
                       for label in labels]}


def slice_rows(d, grids: dict, printer) -> list[dict | None]:
    """The slices as rows of an aligned environment, ∂y_1/∂W &= (grid), one a row (None
    for the ⋮ between the second and the last): LaTeX's --expand of a Jacobian."""
    wrt = printer.doprint(d.names.symbols[d.wrt])
    return [None if rows is None else
            {"lhs": rf"\frac{{\partial {d.output.lower()}_{{{label}}}}}{{\partial {wrt}}}",
             "grid": tex_grid(rows, printer)}
            for label, rows in grids["slices"]]


def slices_shown(d, grids: dict, printer, tex: bool) -> str:
    """∂y_1/∂W = grid, ∂y_2/∂W = grid, …: one line (or block) per slice."""
    wrt = printer.doprint(d.names.symbols[d.wrt])
    out = []
    for label, rows in grids["slices"]:
        if rows is None:  # the slices between the second and the last
            out.append(r"\cdots" if tex else "⋮")
            continue
        top = printer.doprint(sympy.Symbol(f"{d.output}_{label}")) if not tex else \
            f"{d.output.lower()}_{{{label}}}"
        lhs = rf"\frac{{\partial {top}}}{{\partial {wrt}}}" if tex else f"∂{top}/∂{wrt}"
        if tex:
            out.append(f"{lhs} = {tex_grid(rows, printer)}")
        else:
            out.append("\n".join(side_by_side([[lhs + " ="], text_grid(rows, printer)])))
    return (r", \quad " if tex else "\n").join(out)


# ---------------------------------------------------------------- seed 004's rows

def jacobian_rows(d, printer, tex: bool) -> list[dict] | None:
    """Seed 004's ∂(Wx)/∂x row by row: each shown row k of y written out and
    differentiated by the vector x,

        ∂(w_11 x_1 + w_12 x_2 + ⋯ + w_1n x_n)/∂x = (w_11, w_12, ⋯, w_1n)

    for k = 1, 2, ⋯, m (None in the place of the rows between). The left side is the
    proof's element form y_k = Σ_p w_kp x_p at k, the right side its last step, w_ki, at k
    for i = 1, 2, ⋯, n: two lines of the verified proof at one row, with the steps between
    them (keep, differentiate) verified and not written, as the seed does not write them.
    None when the derivative is not on that route (``Derivative.rows``)."""
    form = getattr(d, "rows", None)
    if form is None or d.index_form is None:
        return None
    k = next(f for f in d.free if isinstance(f, Index) and f.name in "klmn")
    i = next(f for f in d.free if isinstance(f, Index) and f != k)
    (p, _, _), body = form.limits[0], form.function
    m, n = (d.shapes.names[name][0] for name in (d.output, d.wrt))

    def at(expr: Expr, values: dict) -> Expr:
        for index, value in values.items():
            expr = substitute(expr, index, Index(value))
        return _settle_deltas(expr, _named((m, n)))

    def run(values: list, sep: str, show) -> str:
        dots = r"\cdots" if tex else "⋯"
        return sep.join(dots if v is DOTS else show(v) for v in values)

    x = printer.doprint(d.names.symbols[d.wrt])
    rows = []
    for r in positions(m if isinstance(m, int) else sympy.Symbol(m)):
        if r is DOTS:
            rows.append(None)
            continue
        cols = positions(n if isinstance(n, int) else sympy.Symbol(n))
        terms = run(cols, " + ", lambda c, r=r: printer.doprint(at(body, {k: r, p: c})))
        entries = run(cols, ", ",
                      lambda c, r=r: printer.doprint(at(d.index_form, {k: r, i: c})))
        if tex:
            rows.append({"lhs": rf"\frac{{\partial \left({terms}\right)}}{{\partial {x}}}",
                         "rhs": rf"\left({entries}\right)"})
        else:
            rows.append({"lhs": f"∂({terms})/∂{x}", "rhs": f"({entries})"})
    return rows


def kronecker_blocks(result: Expr) -> dict | None:
    """A matrix Σ c P ⊗ Q as its blocks: block (a, b) is Σ c p_ab Q — one for each pair of
    columns of X when vec stacks the columns, of rows when rvec stacks the rows. I ⊗ (A +
    Aᵀ) has A + Aᵀ down its diagonal and 0 elsewhere. None for any other form (a
    commutation matrix, a sum over a batch)."""
    parts = []
    for term in (result.args if isinstance(result, sympy.MatAdd) else (result,)):
        scalar = sympy.S.One
        if isinstance(term, sympy.MatMul) and len(term.args) == 2 and \
                not term.args[0].is_Matrix:
            scalar, term = term.args
        if not isinstance(term, sympy.KroneckerProduct) or len(term.args) != 2:
            return None
        parts.append((scalar, *term.args))
    outer = parts[0][1].shape
    if any(p.shape != outer for _, p, _ in parts):
        return None

    def block(r, c) -> Expr:
        pieces = [scalar * _entry(p, r, c, outer) for scalar, p, _ in parts]
        kept = [(w, q) for w, (_, _, q) in zip(pieces, parts) if w != 0]
        if not kept:
            return sympy.ZeroMatrix(*parts[0][2].shape)
        shown = [q if w == 1 else sympy.MatMul(w, q) for w, q in kept]
        return shown[0] if len(shown) == 1 else sympy.MatAdd(*shown)
    return {"entries": grid(block, tuple(_size(n) for n in outer)), "factors": None,
            "slices": None}


def _entry(m: Expr, r: str, c: str, shape: tuple) -> Expr:
    """Entry (r, c) of m at shown positions ("1", "2", or the last, m's length)."""
    if isinstance(m, sympy.Identity):
        return sympy.S.One if r == c else sympy.S.Zero
    if isinstance(m, sympy.OneMatrix):
        return sympy.S.One
    if isinstance(m, sympy.ZeroMatrix):
        return sympy.S.Zero
    if isinstance(m, sympy.Transpose) and isinstance(m.arg, sympy.MatrixSymbol):
        return Element(m.arg, Index(c), Index(r))  # (Xᵀ)_12 = x_21
    if isinstance(m, sympy.MatAdd):  # (A + Aᵀ)_12 = a_12 + a_21
        return sympy.Add(*[_entry(a, r, c, shape) for a in m.args])
    if isinstance(m, sympy.MatMul) and len(m.args) == 2 and not m.args[0].is_Matrix:
        return m.args[0] * _entry(m.args[1], r, c, shape)
    return Element(m, Index(r), Index(c))
