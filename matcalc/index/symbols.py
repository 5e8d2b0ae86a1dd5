"""The sympy vocabulary of a derivation: indices, matrix entries, unevaluated partials.

Element forms are ordinary sympy expressions (``Add``, ``Mul``, ``Pow``, ``Sum``,
``KroneckerDelta``, functions) over a few node types of our own:

- ``Index``: a summation or free index (i, j for the wrt entry, k, l for the output,
  p, q, … for inner sums). Ranges live in the ``Sum`` limits.
- ``Element(M, r, c)``: the entry m_rc of any matrix expression M (a name, ``Bᵀ``, ``∂L/∂C Bᵀ``).
  Vectors are n×1 matrices; the index of a size-1 dimension is the constant 0. An entry of
  a name of order ≥ 3 (``TensorSymbol``) takes one index per axis, t_{b,i,j}.
- ``Slice(T, (b,))``: the matrix T_b of T's last two axes at the leading indices b (a
  stack of matrices read one matrix at a time); ``BatchSum(M, limits)``: Σ_b M_b.
- ``Partial(e, x)``: the unevaluated ∂e/∂x that proofs show before differentiating.
- ``UpstreamGrad``: the matrix ∂L/∂C that flows in from the loss.
- ``Apply(f, M)``: f applied elementwise to a matrix expression, f(M).

The nodes of the operations themselves (σ, a row-wise entry) live with their operations,
in ``matcalc.ops``.
"""

from __future__ import annotations

import itertools
from functools import lru_cache

from sympy import (
    Add,
    Basic,
    Expr,
    Function,
    Integer,
    MatrixExpr,
    MatrixSymbol,
    S,
    Sum,
    Symbol,
    Tuple,
)
from sympy.core.symbol import Str
from sympy.printing.precedence import PRECEDENCE
from sympy.tensor.array.expressions import ArraySymbol


class Index(Symbol):
    """An integer index; its range is given by the ``Sum`` that binds it or by the wrt shape."""

    def __new__(cls, name: str) -> Index:
        return super().__new__(cls, name, integer=True, nonnegative=True)


# The one source of index names. i, j index the wrt entry, k, l the output entry; inner
# sums take p, q, r, … in order (IndexSupply); an index that must avoid what is already
# written takes the first of q, r, …, w, q1, q2, … that nothing uses (fresh_index).
WRT_INDICES = ("i", "j")
OUTPUT_INDICES = ("k", "l")
INNER_INDICES = ("p", "q", "r", "s", "t", "u", "v", "w")


def entry_letter(name: str, names) -> str:
    """a for A, the seed articles' a_ij for the entries of A (and x_p for row p of X) —
    unless the program has a name a of its own."""
    lower = name.lower()
    if name[0].isupper() and (lower == name or lower not in names):
        return lower
    return name


def index_symbols(names: tuple[str, ...], count: int) -> tuple[Index, ...]:
    """The first ``count`` of the given index names: (i, j) for a matrix, (i,) for a vector."""
    return tuple(Index(n) for n in names[:count])


# the letter of a leading (batch, head) axis, from its dimension's name: b → β, h → η, …
# (the dimension's own letter is taken: it is the sum's upper limit); an output's leading
# index is primed, β′, until the chain rule's δ_β′β makes it the wrt's
LEADING_LETTERS = {"a": "α", "b": "β", "c": "γ", "e": "ε", "f": "φ", "g": "γ", "h": "η",
                   "k": "κ", "l": "λ", "m": "μ", "n": "ν", "o": "ο", "p": "π", "r": "ρ",
                   "s": "σ", "t": "τ", "u": "υ", "v": "ν", "w": "ω", "x": "ξ", "y": "ψ",
                   "z": "ζ"}
PRIME = "′"


def leading_letters(shape: tuple, primed: frozenset = frozenset(),
                    avoid: frozenset = frozenset()) -> tuple[str, ...]:
    """A letter for each leading axis of a shape of order ≥ 3 (all but the last two):
    β for an axis b or B, η for h; a letter taken twice gets a number (β, β2), and a letter
    a program's name shows (``avoid``: β for beta) gives way to the next free one.
    Those among ``primed``, letters already in use (the wrt's own), are primed: β′."""
    out: list[str] = []
    spare = [c for c in LEADING_LETTERS.values() if c not in avoid]
    for d in shape[:-2]:
        first = str(d)[0].lower() if isinstance(d, str) or not str(d).isdigit() else "b"
        letter = LEADING_LETTERS.get(first, "β")
        if letter in avoid:
            letter = next((c for c in spare if c not in out), "β")
        taken = sum(1 for o in out if o.rstrip("0123456789") == letter)
        out.append(letter + (str(taken + 1) if taken else ""))
    return tuple(o + PRIME if o in primed else o for o in out)


def role_indices(shape: tuple, names: tuple[str, ...], primed: frozenset = frozenset(),
                 avoid: frozenset = frozenset()) -> tuple[Index, ...]:
    """An index for every axis, by role: (i, j) for a matrix, (β, i, j) for a stack
    (``leading_letters``), a unit axis included (a Jacobian's or a definition's)."""
    if len(shape) <= 2:
        return index_symbols(names, len(shape))
    return tuple(Index(n) for n in _stack_letters(shape, names, primed, avoid))


def _stack_letters(shape: tuple, letters: tuple[str, ...], primed: frozenset,
                   avoid: frozenset) -> tuple[str, ...]:
    """A stack's letters: ``leading_letters`` for the leading axes, ``letters`` for the last
    two — unless one of them is a dimension (k beside (b, t, h, k)) or a letter to avoid:
    then every axis takes its dimension's letter, q_{β,τ,η,κ}."""
    lead = leading_letters(shape, primed, avoid)
    if not set(letters[:2]) & ({str(d) for d in shape} | avoid):
        return (*lead, *letters[:2])
    every = leading_letters((*shape, 1, 1), primed, avoid)
    # a dimension with no letter of its own (d: δ is the Kronecker delta's) keeps the role's
    last = [mine if str(d)[:1].lower() in LEADING_LETTERS or letter in avoid else letter
            for d, mine, letter in zip(shape[-2:], every[-2:], letters[:2])]
    return (*lead, *last)


def jacobian_indices(out_shape: tuple, wrt_shape: tuple, avoid: frozenset = frozenset()
                     ) -> tuple[tuple, tuple]:
    """(output's, wrt's) indices of ∂y/∂x: k, l and i, j; a stack's leading letters, the
    output's primed where the wrt has the same (∂c_{β′,k,l}/∂a_{β,i,j})."""
    wrt_idx = role_indices(wrt_shape, WRT_INDICES, avoid=avoid)
    out_idx = role_indices(out_shape, OUTPUT_INDICES, frozenset(str(i) for i in wrt_idx),
                           avoid)
    return out_idx, wrt_idx


def axis_indices(shape: tuple, letters: tuple[str, ...], primed: frozenset = frozenset(),
                 avoid: frozenset = frozenset()) -> tuple[Expr, ...]:
    """One index per axis, the letters going to the axes longer than 1 in order; an axis
    of length 1 is 0 (seed 000 writes the row vector X = (x_1 … x_n) with one index,
    y_i = Σ_l w_li x_l): (k,) for (m,), (0, k) for (1, m), (k, l) for (m, n). An array of
    order ≥ 3 takes ``leading_letters`` for its leading axes: (β, k, l) for (b, m, n)."""
    if len(shape) > 2 and len(letters) < len(shape):
        return tuple(Integer(0) if n == 1 else Index(name)
                     for n, name in zip(shape, _stack_letters(shape, letters, primed, avoid)))
    names = iter(letters)
    return tuple(Integer(0) if n == 1 else Index(next(names)) for n in shape)


def axis_labels(axes: tuple, rank: int) -> tuple[Index, ...]:
    """An index per axis to evaluate a gradient's proof over: its own (``axis_indices``),
    with a stand-in for each axis of length 1, which no step mentions."""
    if not axes:
        return index_symbols(WRT_INDICES, rank)
    return tuple(a if isinstance(a, Index) else Index(f"_unit{n}") for n, a in enumerate(axes))


class IndexSupply:
    """Fresh inner indices p, q, r, … (then p1, q1, …), never i, j, k, l, and never a
    letter that names a matrix of the program (its entries are written p_kl)."""

    def __init__(self, avoid: frozenset[str] = frozenset(), lead: tuple[str, ...] = ()) -> None:
        self.count = 0
        self.letters = [c for c in INNER_INDICES if c not in avoid] or list(INNER_INDICES)
        # a scalar's sums may take the output letters its entry leaves unused: L = −Σ_k Σ_l
        # y_kl log b_kl (seed 001 eq. 30)
        self.letters = [c for c in lead if c not in avoid] + self.letters

    def fresh(self) -> Index:
        n, letters = self.count, self.letters
        self.count += 1
        suffix = "" if n < len(letters) else str(n // len(letters))
        return Index(letters[n % len(letters)] + suffix)


def fresh_index(taken: set[str], like: str | None = None) -> Index:
    """An index named like nothing in ``taken``: ``like`` numbered (p → p1, p2, …) when a
    bound index must be renamed, else the first free one of q, r, …, w, q1, q2, …"""
    numbered = itertools.count(1)
    names = (f"{like}{n}" for n in numbered) if like is not None else \
        itertools.chain("qrstuvw", (f"q{n}" for n in numbered))
    return Index(next(n for n in names if n not in taken))


def unused_index(*exprs: Basic) -> Index:
    """An index named like no symbol in the expressions, nor like the entries of their
    matrices (p would read as an entry of P), nor i, j, k, l."""
    taken = {s.name for e in exprs for s in e.atoms(Symbol)} | {"i", "j", "k", "l"}
    taken |= {m.name.lower() for e in exprs for m in e.atoms(MatrixSymbol)}
    return fresh_index(taken)


class UnusedSupply:
    """Fresh indices that avoid everything in the given expressions and each other (the
    entries of a product inside det or inv)."""

    def __init__(self, *exprs: Basic):
        self.exprs = list(exprs)

    def fresh(self) -> Index:
        index = unused_index(*self.exprs)
        self.exprs.append(index)
        return index


def substitute(expr: Expr, old: Index, new: Expr) -> Expr:
    """expr with old → new, leaving alone a ``Sum`` that binds its own ``old``.

    A bound index that equals ``new`` is renamed first, so nothing is captured.
    """
    if not expr.has(old):
        return expr
    if isinstance(expr, RowEntry):
        return expr.substituted(old, new)
    if isinstance(expr, Sum):
        bound = [limit[0] for limit in expr.limits]
        if old in bound:
            return expr
        if new in bound:
            taken = {s.name for s in expr.free_symbols | set(bound)} | {str(new)}
            expr = expr.xreplace({new: fresh_index(taken, like=str(new))})
    if not expr.args:
        return new if expr == old else expr
    return expr.func(*[substitute(a, old, new) for a in expr.args])


def substitute_all(expr: Expr, mapping: dict) -> Expr:
    for old, new in mapping.items():
        expr = substitute(expr, old, new)
    return expr


class IndexSum(Sum):
    """Σ_p body over integer ranges (p, 0, n − 1): sympy's ``Sum`` without its Piecewise folding.

    sympy's constructor walks the whole body on every construction, and ``xreplace`` rebuilds
    every enclosing sum, so nested sums (a chain of n products) cost O(n²) there; building
    sums here is O(1). Nested sums merge into one, read as written: Σ_p (Σ_q f) = Σ_p Σ_q f
    has limits (p, q) (sympy would list the inner q first; the bounds are constants, so the
    order of a finite sum's limits does not change its value).
    """

    def __new__(cls, function, *limits) -> Expr:
        function = Integer(function) if isinstance(function, int) else function
        if function == 0:
            return S.Zero  # Σ_p 0 = 0
        limits = [limit if isinstance(limit, Tuple) else Tuple(*limit) for limit in limits]
        while isinstance(function, Sum):
            limits = limits + list(function.limits)
            function = function.function
        obj = Expr.__new__(cls)
        obj._args = (function, *limits)
        obj.is_commutative = function.is_commutative
        return obj

    @property
    def free_symbols(self) -> set[Basic]:
        return set(free_symbols(self))


class Pick(Function):
    """(e_1, e_2, …)_k: entry k of a vector written out entry by entry (seed 004's
    f(x) = (x₁², x₁x₂, 2x₂ + 1)); a number k picks its entry (counted from 0)."""

    @classmethod
    def eval(cls, k, *items):  # noqa: A003 - sympy's hook
        if k.is_Integer and 0 <= int(k) < len(items):
            return items[int(k)]
        if len(items) > 1 and all(item == items[0] for item in items[1:]):
            return items[0]  # (a, a, …)_k = a at every k
        return None

    @property
    def free_symbols(self) -> set[Basic]:
        return set(free_symbols(self))


def literal_grid(expr) -> list[list[Expr]] | None:
    """((a, b)_q, (c, d)_q)_p — a matrix written out entry by entry (seed 004's R(θ)) —
    as its rows [[a, b], [c, d]]; None for anything else (a vector written out, a Pick
    whose rows run along different indices or hold indices of their own)."""
    if not isinstance(expr, Pick) or len(expr.args) < 2:
        return None
    rows = expr.args[1:]
    picks = [r for r in rows if isinstance(r, Pick)]
    if not picks:
        return None
    col, width = picks[0].args[0], len(picks[0].args) - 1
    if col == expr.args[0] or not all(r.args[0] == col and len(r.args) == width + 1
                                      for r in picks):
        return None
    # a row whose entries are all one value is that value (Pick's rule): (0, 0)_l = 0
    grid = [list(r.args[1:]) if isinstance(r, Pick) else [r] * width for r in rows]
    if any(indices_of(e) for row in grid for e in row):
        return None
    return grid


class RowEntry(Function):
    """f(e)_at for a function f along a row (a normalisation over it): ``e`` is the entry at
    the index ``l``, which this node binds as a sum binds its index and which runs over
    ``size`` values; the node is the value at position ``at``. Args: (e, l, size, at).

    Binding l keeps a diagonal honest: f(S)_pp is (e = s_pℓ, l = ℓ, at = p), and its row is
    s_pq for q = 0 … n − 1 — not s_qq, which is what substituting p → q would read if the
    position and the running index were one symbol."""

    nargs = 4
    is_real = True
    reduces = False  # a reduction of the row (max, log-sum-exp): ``at`` unused, 0

    @property
    def entry(self) -> Expr:
        return self.args[0]

    @property
    def index(self) -> Index:
        return self.args[1]

    @property
    def size(self) -> Expr:
        return self.args[2]

    @property
    def at(self) -> Expr:
        return self.args[3]

    @property
    def free_symbols(self) -> set[Basic]:
        return set(free_symbols(self))

    def entry_at(self, position: Expr) -> Expr:
        """e with the running index at ``position``: e_at, e_q (capture-free)."""
        return substitute(self.entry, self.index, position)

    def with_index(self, index: Index) -> RowEntry:
        """The same node with its running index renamed."""
        return self.func(substitute(self.entry, self.index, index), index, self.size, self.at)

    def substituted(self, old: Expr, new: Expr) -> RowEntry:
        """old → new outside the bound index (renamed first if ``new`` would be captured)."""
        node = self
        if new == node.index or (isinstance(new, Basic) and node.index in new.atoms(Index)):
            node = node.with_index(row_index(node.entry, new))
        entry = node.entry if old == node.index else substitute(node.entry, old, new)
        return node.func(entry, node.index, substitute(node.size, old, new),
                         substitute(node.at, old, new))


def row_index(*exprs: Basic) -> Index:
    """A running index for a row-wise node, named like no index in ``exprs`` (ℓ, ℓ1, …:
    never printed, never a name the derivation shows)."""
    taken = {s.name for e in exprs if isinstance(e, Basic) for s in e.atoms(Index)}
    names = itertools.chain(["ℓ"], (f"ℓ{n}" for n in itertools.count(1)))
    return Index(next(name for name in names if name not in taken))


class Element(Expr):
    """m_rc: one entry of the matrix expression M; an entry of an array of any order takes
    as many indices as it has axes, t_{b,i,j} (issue 22: the n-ary index model — a matrix,
    or a vector as an n×1 column, keeps exactly two, so its args are what they were)."""

    is_commutative = True
    is_extended_real = True
    is_real = True
    is_finite = True
    _diff_wrt = True

    def __new__(cls, matrix: MatrixExpr, *indices: Basic) -> Element:
        return Expr.__new__(cls, matrix, *map(_index, indices))

    @property
    def matrix(self) -> MatrixExpr:
        return self.args[0]

    @property
    def indices(self) -> tuple[Basic, ...]:
        """Its indices, one per axis: (row, col) for a matrix's entry."""
        return self.args[1:]

    @property
    def order(self) -> int:
        return len(self.args) - 1

    @property
    def row(self) -> Basic:
        """A matrix entry's row index (an entry of a stack has none: read ``indices``)."""
        if len(self.args) != 3:
            raise TypeError(f"{self} has {self.order} indices: read .indices, not .row")
        return self.args[1]

    @property
    def col(self) -> Basic:
        if len(self.args) != 3:
            raise TypeError(f"{self} has {self.order} indices: read .indices, not .col")
        return self.args[2]


def _index(value: Basic | int) -> Basic:
    return Integer(value) if isinstance(value, int) else value


class Partial(Expr):
    """∂e/∂x, kept unevaluated so that a proof can show it before differentiating."""

    is_commutative = True
    is_real = True

    def __new__(cls, expr: Expr, var: Expr) -> Partial:
        return Expr.__new__(cls, expr, var)

    @property
    def expr(self) -> Expr:
        return self.args[0]

    @property
    def var(self) -> Expr:
        return self.args[1]


class ChainPartial(Partial):
    """∂z_kl/∂x_ij in the chain rule: z is a result computed from x, so it moves with x.
    A plain ``Partial`` holds every other name fixed (the element form's ∂(…)/∂x_ij, even
    when that form is itself an entry of another result)."""


class UpstreamGrad(MatrixSymbol):
    """∂L/∂C, the gradient of the loss L with respect to an output C (an input of backprop).
    The loss is part of the symbol, as it is of the gradient (∂J/∂C under ``loss="J"``),
    so that a result displayed by sympy alone (``d.result`` in a notebook) reads
    ∂L/∂C Bᵀ, not C Bᵀ; matcalc's printers spell it themselves."""

    # a fraction: sympy's printers bracket it under a power or transpose, (∂L/∂C)ᵀ, and
    # not in a product
    precedence = PRECEDENCE["Mul"] + 1

    def __new__(cls, name, n, m, loss="L") -> UpstreamGrad:
        return Basic.__new__(cls, Str(name) if isinstance(name, str) else name,
                             _size(n), _size(m), Str(loss) if isinstance(loss, str) else loss)

    @property
    def loss(self) -> str:
        return self.args[3].name

    def _sympystr(self, printer) -> str:
        return f"∂{self.loss}/∂{self.name}"

    def _latex(self, printer) -> str:
        return rf"\frac{{\partial {printer._print(Symbol(self.loss))}}}" \
               rf"{{\partial {printer._print(Symbol(self.name))}}}"

    def _pretty(self, printer):
        from sympy.printing.pretty.stringpict import prettyForm
        return prettyForm(self._sympystr(printer))


def _size(n) -> Expr:
    """A dimension: a number as a sympy Integer, a sympy expression as it is."""
    return Integer(n) if isinstance(n, int) else n


class ScalarGrad(Symbol):
    """∂L/∂s for a scalar intermediate s (named ``∂L/∂s``: the loss is part of it, as in
    ``UpstreamGrad``; matcalc's printers spell it themselves)."""

    precedence = PRECEDENCE["Mul"] + 1

    def __new__(cls, of: str, loss: str = "L") -> ScalarGrad:
        return super().__new__(cls, f"∂{loss}/∂{of}", real=True)

    def __getnewargs_ex__(self):
        return (self.of, self.loss), {}

    @property
    def of(self) -> str:
        return self.name.split("/∂", 1)[1]

    @property
    def loss(self) -> str:
        return self.name[1:].split("/∂", 1)[0]

    def _latex(self, printer) -> str:
        return rf"\frac{{\partial {printer._print(Symbol(self.loss))}}}" \
               rf"{{\partial {printer._print(Symbol(self.of))}}}"


class Apply(MatrixExpr):
    """f(M): the function named ``f`` applied to every entry of M."""

    def __new__(cls, name: str | Symbol, arg: MatrixExpr) -> Apply:
        return MatrixExpr.__new__(cls, name if isinstance(name, Symbol) else Symbol(name), arg)

    @property
    def name(self) -> str:
        return self.args[0].name

    @property
    def arg(self) -> MatrixExpr:
        return self.args[1]

    @property
    def shape(self):  # type: ignore[override]
        return self.arg.shape

    def _entry(self, i, j, **kwargs):  # pragma: no cover - sympy protocol, unused by matcalc
        raise NotImplementedError


class RowValue(Apply):
    """g(M) for a function g of each row of M (its maximum, its log-sum-exp): the column
    of the rows' values, of shape (rows × 1). It is spelled, evaluated and read back into
    element form by the operation named ``f`` (keepdims: a column, as numpy keeps it)."""

    @property
    def shape(self):  # type: ignore[override]
        return (self.arg.shape[0], Integer(1))


class Broadcast(MatrixExpr):
    """A column c spread along ``cols`` columns, c 𝟏ᵀ, written as the column itself, as
    numpy broadcasts a (rows × 1) array and as seed 001 eq. 27 writes its row sums
    diag(∂L/∂B Bᵀ) inside B ∘ (∂L/∂B − diag(∂L/∂B Bᵀ)). Args: (column, cols)."""

    def __new__(cls, column: MatrixExpr, cols: Expr) -> Broadcast:
        return MatrixExpr.__new__(cls, column, _size(cols))

    @property
    def column(self) -> MatrixExpr:
        return self.args[0]

    @property
    def shape(self):  # type: ignore[override]
        return (self.column.shape[0], self.args[1])

    def _entry(self, i, j, **kwargs):  # pragma: no cover - sympy protocol, unused by matcalc
        raise NotImplementedError


class Written(Expr):
    """A product of its factors in the order given, as an article writes it: seed 001's
    ∂L/∂b_il b_ij (δ_jl − b_il) and ∂L/∂b_il δ_jl, where the printers' own order would put
    the δ or the sum first. Only steps that restate a known form are built of it; it is
    evaluated as the product it is."""

    is_commutative = True
    is_real = True

    def __new__(cls, *factors: Expr) -> Written:
        return Expr.__new__(cls, *factors)


class MatrixLine(Element):
    """A proof step at the matrix level: the entry (M)_ij, which the checker evaluates at
    every i, j like any step, written as the matrix M (seed 001 eq. 27 goes on from its
    index form to B ∘ (∂L/∂B Eᵀ − diag(∂L/∂B Bᵀ)) in the same chain of = lines)."""


class TensorSymbol(ArraySymbol):
    """A name of order ≥ 3, X: (b, t, d), whose entries x_{b,t,d} are ``Element(X, b, t, d)``.
    Its name is a ``str`` (sympy's ``ArraySymbol`` gives a ``Str``)."""

    def __new__(cls, name: str, shape) -> TensorSymbol:
        return Basic.__new__(cls, Str(name) if isinstance(name, str) else name,
                             Tuple(*map(_size, shape)))

    @property
    def name(self) -> str:  # type: ignore[override]
        return self.args[0].name

    @property
    def shape(self) -> tuple:  # type: ignore[override]
        return tuple(self.args[1])

    @property
    def order(self) -> int:
        return len(self.args[1])

    @property
    def free_symbols(self) -> set[Basic]:
        return {self}

    def _sympystr(self, printer) -> str:
        return self.name


class TensorUpstream(TensorSymbol):
    """∂L/∂C for an output C of order ≥ 3 (``UpstreamGrad`` of a matrix)."""

    def __new__(cls, name: str, shape, loss: str = "L") -> TensorUpstream:
        return Basic.__new__(cls, Str(name) if isinstance(name, str) else name,
                             Tuple(*map(_size, shape)),
                             Str(loss) if isinstance(loss, str) else loss)

    @property
    def loss(self) -> str:
        return self.args[2].name

    def _sympystr(self, printer) -> str:
        return f"∂{self.loss}/∂{self.name}"


def upstream_symbol(symbol: Basic, name: str, loss: str = "L") -> Basic:
    """∂L/∂Z for a name Z of this symbol: an array of its shape (a stack's, a matrix's) or
    a scalar."""
    if isinstance(symbol, TensorSymbol):
        return TensorUpstream(name, symbol.shape, loss=loss)
    if isinstance(symbol, MatrixExpr):
        return UpstreamGrad(name, *symbol.shape, loss=loss)
    return ScalarGrad(name, loss=loss)


# the gradients that flow in from the loss, of a matrix or of a tensor: isinstance(x, UPSTREAMS)
UPSTREAMS = (UpstreamGrad, TensorUpstream)
# a program's names of one or more axes (and their upstreams): isinstance(x, NAMES)
NAMES = (MatrixSymbol, TensorSymbol)


class Slice(MatrixExpr):
    """T_b: the matrix of T's last two axes at the leading indices ``labels`` — T[b, :, :]
    in numpy, where a product or sum of slices runs over the stack as numpy's stacked
    ``@`` does. With one trailing axis left (every axis but the last labelled), a column.
    Args: (T, Tuple(labels))."""

    def __new__(cls, tensor: TensorSymbol, labels) -> Slice:
        return MatrixExpr.__new__(cls, tensor, Tuple(*labels))

    @property
    def tensor(self) -> TensorSymbol:
        return self.args[0]

    @property
    def labels(self) -> tuple:
        return tuple(self.args[1])

    @property
    def shape(self):  # type: ignore[override]
        rest = self.tensor.shape[len(self.labels):]
        return (rest[0], Integer(1)) if len(rest) == 1 else tuple(rest)

    @property
    def name(self) -> str:
        return self.tensor.name

    @property
    def free_symbols(self) -> set[Basic]:
        return {self.tensor, *self.labels}

    def _entry(self, i, j, **kwargs):  # pragma: no cover - sympy protocol, unused by matcalc
        raise NotImplementedError


class BatchSum(MatrixExpr):
    """Σ_b M_b: a matrix expression over slices summed over leading indices — the
    gradient of a weight shared across a batch. Args: (M, *limits)."""

    def __new__(cls, matrix: MatrixExpr, *limits) -> BatchSum:
        return MatrixExpr.__new__(cls, matrix, *[Tuple(*limit) for limit in limits])

    @property
    def matrix(self) -> MatrixExpr:
        return self.args[0]

    @property
    def limits(self) -> tuple:
        return self.args[1:]

    @property
    def shape(self):  # type: ignore[override]
        return self.matrix.shape

    @property
    def free_symbols(self) -> set[Basic]:
        return set(free_symbols(self))

    def _entry(self, i, j, **kwargs):  # pragma: no cover - sympy protocol, unused by matcalc
        raise NotImplementedError


@lru_cache(maxsize=1 << 16)
def stacked(e: Basic) -> bool:
    """Whether an expression holds a slice of a stack (``e.has(Slice)``, remembered per
    node: the numpy printer asks it of every node of a large inlined form)."""
    return isinstance(e, Slice) or any(stacked(a) for a in e.args if isinstance(a, Basic))


@lru_cache(maxsize=1 << 16)
def holds_stack(e: Basic) -> bool:
    """Whether an expression reads a name of order ≥ 3 or a slice of one (remembered per
    node: a term of matrices answers at once, and its factors are not walked again)."""
    return isinstance(e, (TensorSymbol, Slice)) or \
        any(holds_stack(a) for a in e.args if isinstance(a, Basic))


@lru_cache(maxsize=1 << 16)
def slices_in(e: Basic) -> frozenset:
    """The slices in an expression (``e.atoms(Slice)``, remembered per node: an inlined
    form shares its pieces, and walking it as a tree repeats them)."""
    if isinstance(e, Slice):
        return frozenset((e,))
    if not stacked(e):
        return frozenset()
    return frozenset().union(*(slices_in(a) for a in e.args if isinstance(a, Basic)))


@lru_cache(maxsize=1 << 16)
def stack_labels(e: Expr) -> tuple:
    """The leading axes of a matrix expression over slices, as numpy aligns its operands'
    stacks from the right: (β,) for ∂L/∂C_β B_βᵀ, (β, η) for A_βη W_η. The labels a
    ``BatchSum`` sums are gone from its own."""
    if isinstance(e, Slice):
        return e.labels
    if not stacked(e):
        return ()
    if isinstance(e, (BatchSum, Sum)):
        summed = {limit[0] for limit in e.limits}
        body = e.matrix if isinstance(e, BatchSum) else e.function
        return tuple(label for label in stack_labels(body) if label not in summed)
    merged: tuple = ()
    for a in getattr(e, "args", ()):  # a scalar factor's slices too: (A_βᵀ G_β)_00 X
        if not isinstance(a, Basic):
            continue
        own = stack_labels(a)
        merged = own if len(own) > len(merged) else merged
    return merged


def affine(index: Expr) -> tuple[Expr, dict[Index, int]] | None:
    """A shifted index c + Σ s_v v (integer s_v; a convolution's S·l + D·q − P) as
    (c, {v: s_v}); None if it is no such sum (⌊j/k⌋, a product of indices)."""
    const, coeffs = Integer(0), {}
    for term in Add.make_args(index):
        if not term.has(Index):
            const += term
            continue
        c, rest = term.as_coeff_Mul()
        if not isinstance(rest, Index) or not c.is_Integer:
            return None
        coeffs[rest] = coeffs.get(rest, 0) + int(c)
    return const, coeffs


def dim(d: int | str) -> Expr:
    """A dimension from a shape (``3`` or ``"m"``) as a sympy expression."""
    if isinstance(d, int):
        return Integer(d)
    return Symbol(d, integer=True, positive=True)


@lru_cache(maxsize=1 << 16)
def free_symbols(expr: Basic) -> frozenset[Basic]:
    """sympy's ``free_symbols``, remembered per expression: a sum's are those of its body
    less the indices it binds, plus those of its limits."""
    if getattr(expr, "is_view", False):  # an array read another way: its base's
        return free_symbols(expr.base)
    if isinstance(expr, (Symbol, MatrixSymbol, TensorSymbol)):
        return frozenset((expr,))
    if not expr.args:
        return frozenset(expr.free_symbols)
    if isinstance(expr, (Sum, BatchSum)):
        bound = {limit[0] for limit in expr.limits}
        body = expr.function if isinstance(expr, Sum) else expr.matrix
        inside = free_symbols(body) - bound
        return inside.union(*(free_symbols(x) for limit in expr.limits for x in limit[1:]))
    if isinstance(expr, RowEntry):
        return (free_symbols(expr.entry) - {expr.index}) | free_symbols(expr.size) | \
            free_symbols(expr.at)
    return frozenset().union(*(free_symbols(a) for a in expr.args))


def indices_of(expr: Basic) -> set[Index]:
    """The free indices of an expression (those not bound by a ``Sum``)."""
    return {s for s in free_symbols(expr) if isinstance(s, Index)}
