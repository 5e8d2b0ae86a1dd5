"""numpy for an index form whose entries are read at shifted indices (a convolution's
gradients), by sliding windows and einsum:

    ∂L/∂w_{o,c,j} = Σ_β Σ_u x_{β,c,u+j} ∂L/∂y_{β,o,u}
        np.einsum("bcuj,bou->ocj", <windows of x: axis u, taps j>, dy)
    ∂L/∂x_{β,c,i} = Σ_o Σ_a w_{o,c,a} ∂L/∂y_{β,o,i−a}          (the flipped kernel)
        np.einsum("oca,boia->bci", w, <windows of dy, taps reversed: [..., ::-1]>)

An entry read at s₁p + s₂q + c (two indices) becomes an array with an axis for p and one
for q: the array padded with zeros by M = |s₁|(N_p − 1) + |s₂|(N_q − 1) + |c| on both
sides (a read past either end is 0), its windows of |s₂|(N_q − 1) + 1 taps
(``np.lib.stride_tricks.sliding_window_view``), every |s₁|-th window from the one p = 0
reads, every |s₂|-th tap, reversed where a coefficient is negative.
"""

from __future__ import annotations

from sympy import Expr, Integer, KroneckerDelta

from ..index.symbols import Element, Index, affine
from .einsum import NoEinsum, delta_operand, entry_axes

SWV = "np.lib.stride_tricks.sliding_window_view"
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def shifted(expr: Expr) -> bool:
    """Whether an index form reads an entry at a shifted index (u + a − 1)."""
    return any(not isinstance(i, (Index, Integer)) for e in expr.atoms(Element)
               for i in e.indices)


def windows_code(expr: Expr, free: tuple[Index, ...], sizes: dict, printer) -> str:
    """np.einsum over sliding windows for the index form ``expr`` over ``free``."""
    from ..calculus.collapse import expand
    terms = expand(expr)
    if not terms:
        raise NoEinsum("no terms")
    parts = []
    for term in terms:
        ranges = {**sizes, **{i: hi - lo + 1 for i, lo, hi in term.sums}}
        if any(lo != 0 for _, lo, _ in term.sums):
            raise NoEinsum("a sum that does not start at 0")
        letters = {index: LETTERS[k] for k, index in enumerate([*free, *(s[0] for s in
                                                                        term.sums)])}
        operands, specs = [], []
        for factor in term.factors:
            if isinstance(factor, KroneckerDelta):  # δ_{j,2l+2q}: its 0/1 array
                code, indices = delta_operand(factor, printer, ranges)
                operands.append(code)
                specs.append("".join(letters[i] for i in indices))
                continue
            if not isinstance(factor, Element):
                raise NoEinsum("a factor that is not an entry")
            others = [f for f in term.factors if f is not factor]
            code, spec = _operand(factor, letters, ranges, printer, _taps_first(others))
            operands.append(code)
            specs.append(spec)
        out = "".join(letters[i] for i in free)
        for index in free:  # constant along a free index: ones carry its axis
            if letters[index] not in "".join(specs):
                operands.append(f"np.ones({printer._code(ranges[index])[0]})")
                specs.append(letters[index])
        code = f'np.einsum("{",".join(specs)}->{out}", {", ".join(operands)})'
        coeff = term.coeff
        if coeff != 1:
            scalar, _ = printer._code(coeff)
            code = f"{scalar} * {code}"
        parts.append(code)
    return " + ".join(parts)


def _operand(e: Element, letters: dict, ranges: dict, printer,
             preference=None) -> tuple[str, str]:
    """(numpy of the entry's array as the einsum reads it, its subscripts)."""
    plain = Element(e.matrix, *[i if isinstance(i, (Index, Integer)) else Index("ℓ")
                                for i in e.indices])
    code, axes_indices, rank = entry_axes(plain, printer)
    # the entry's own indices, axis by axis, as the array has them (a dropped unit axis
    # of a vector is gone)
    own = [i for i in e.indices if not (i == Integer(0))] if rank < len(e.indices) \
        else list(e.indices)
    if len(own) != rank:
        raise NoEinsum("an entry this printer cannot lay out")
    shape = _array_shape(e, rank)
    spec, cuts = [], []
    for axis, index in enumerate(own):
        if isinstance(index, Index):
            spec.append(letters[index])
            continue
        cut = _cut(axis, index, ranges, shape, preference)
        spec.append(letters[cut["p"]])
        cuts.append(cut)
    if not cuts:
        return code, "".join(spec)
    return _windows(code, cuts, rank, printer), "".join(spec + [letters[c["q"]] for c in cuts])


def _array_shape(e: Element, rank: int) -> list:
    """The lengths of the entry's array, axis by axis as numpy has them."""
    shape = list(e.matrix.shape)
    if rank < len(shape):  # a vector, n×1: its one axis
        shape = [d for d in shape if d != 1] or shape[:1]
    return shape


def _taps_first(others: list):
    """Which index of a shifted entry runs along a window's taps: one another factor
    reads that is no upstream gradient (the kernel's tap a, as in ∂L/∂y_{i−a} w_a), else
    one no upstream gradient reads (the kernel's tap j of ∂L/∂w_j = Σ_u x_{u+j} ∂L/∂y_u).
    Higher is more a tap."""
    from ..index.symbols import UPSTREAMS, free_symbols

    def score(index: Index) -> int:
        kernel = any(index in free_symbols(f) and not (isinstance(f, Element) and
                                                      isinstance(f.matrix, UPSTREAMS))
                     for f in others)
        upstream = any(index in free_symbols(f) and isinstance(f, Element) and
                       isinstance(f.matrix, UPSTREAMS) for f in others)
        return 2 * kernel + (not upstream)
    return score


def _cut(axis: int, index: Expr, ranges: dict, shape: list, preference=None) -> dict:
    """How axis ``axis`` read at s₁p + s₂q + c becomes two: its zeros on either side, the
    window's taps, the positions p reads (start, stop, step) and the taps q reads."""
    parts = affine(index)
    if parts is None:
        raise NoEinsum("an index that is not a sum of multiples of indices")
    const, coeffs = parts
    if len(coeffs) != 2 or not const.is_Integer:
        raise NoEinsum("a shifted index of other than two indices")
    score = preference or (lambda index: 0)
    (q, s2), (p, s1) = sorted(coeffs.items(), key=lambda kv: (-score(kv[0]), str(kv[0])))
    n1, n2, c = ranges[p], ranges[q], int(const)
    low = c + min(0, s1) * (n1 - 1) + min(0, s2) * (n2 - 1)    # the reads' first …
    high = c + max(0, s1) * (n1 - 1) + max(0, s2) * (n2 - 1)   # … and last position
    reach = abs(s1) * (n1 - 1) + abs(s2) * (n2 - 1) + abs(c)  # enough on either side
    left, right = _padding(-low, reach), _padding(high - shape[axis] + 1, reach)
    base = c + left + min(0, s2) * (n2 - 1)
    start, stop = (base, base + s1 * (n1 - 1) + 1) if s1 > 0 else \
        (base + s1 * (n1 - 1), base + 1)
    return {"axis": axis, "p": p, "q": q, "pad": (left, right),
            "taps": abs(s2) * (n2 - 1) + 1, "positions": (start, stop, abs(s1)),
            "reversed": s1 < 0, "tap_step": -abs(s2) if s2 < 0 else abs(s2)}


def _windows(code: str, cuts: list, rank: int, printer) -> str:
    """One padding, one sliding_window_view over every shifted axis, one slice of the
    positions, one of the taps (reversed where a coefficient is negative: ::-1)."""
    size = lambda e: printer._code(Integer(e) if isinstance(e, int) else e)[0]  # noqa: E731
    widths = ["(0, 0)"] * rank
    for cut in cuts:
        left, right = cut["pad"]
        widths[cut["axis"]] = f"({size(left)}, {size(right)})"
    padded = code if all(c["pad"] == (0, 0) for c in cuts) else \
        f"np.pad({code}, ({', '.join(widths)}))"
    taps = [size(c["taps"]) for c in cuts]
    axes = [str(c["axis"]) for c in cuts]
    view = f"{SWV}({padded}, {taps[0] if len(cuts) == 1 else '(' + ', '.join(taps) + ')'}, " \
           f"axis={axes[0] if len(cuts) == 1 else '(' + ', '.join(axes) + ')'})"
    last = max(c["axis"] for c in cuts)
    positions = [":"] * (last + 1)
    for cut in cuts:
        start, stop, step = cut["positions"]
        positions[cut["axis"]] = f"{size(start)}:{size(stop)}" + (f":{step}" if step != 1
                                                                    else "")
    view = f"{view}[{', '.join(positions)}]"
    for cut in cuts:
        if cut["reversed"]:
            view = f"{view}[{':, ' * cut['axis']}::-1]"
    steps = [f"::{c['tap_step']}" if c["tap_step"] != 1 else ":" for c in cuts]
    if any(step != ":" for step in steps):
        view = f"{view}[..., {', '.join(steps)}]"
    return view


def _padding(need: Expr, reach: Expr) -> Expr:
    """Zeros to add on one side: what the reads need past the end, none if they need
    none (a number, or a length whose sign sympy knows), else ``reach``, enough always."""
    if need.is_number:
        return max(Integer(0), need)
    if need.is_nonnegative:
        return need
    if need.is_nonpositive:
        return Integer(0)
    return reach


__all__ = ["shifted", "windows_code"]
