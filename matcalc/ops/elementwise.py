"""Functions applied to every entry: y_kl = f(x_kl), each with its derivative beside it.

A derivative is written in terms of the input x and, where that is how people write it,
of the output y = f(x) (σ′ = y(1 − y), tanh′ = 1 − y²), so that a proof can fold it back
into the name of the forward result (∂L/∂B ∘ B ∘ (1 − B)).

Adding a function is one record here: its sympy node (sympy's own, or ``new_function``),
its derivative, its numpy spelling (the forward pass runs that same spelling), how a
reader sees it, and what the checker must know of its domain.
"""

from __future__ import annotations

from contextvars import ContextVar

import sympy

from ..index.symbols import Apply
from .base import Op, alike, new_function

KINK_MARGIN = 1e-4


def at_zero(args, value) -> bool:
    """An argument entry within KINK_MARGIN of 0, where relu and |x| have a kink, but not
    exactly 0: an entry that is exactly 0 is held there by the program (relu(x − x), the
    outer relu of relu(relu(x))), not drawn near it, and stays there when the inputs move,
    so differences on either side agree with the convention relu′(0) = 0."""
    from ..arrays import np
    near = np.abs(args[0]) < KINK_MARGIN
    return bool(np.any(near & (args[0] != 0)))


def _relu_frozen(args, base, axis=None):
    """x where the base point's x > 0, else 0 (relu′(0) = 0)."""
    from ..arrays import np
    return np.where(base[0] > 0, args[0], 0.0)


def _abs_frozen(args, base, axis=None):
    """sign(x₀) x (sign 0 = 0)."""
    from ..arrays import np
    return np.sign(base[0]) * args[0]


def sign_of(args):
    """The side of the kink at 0 each argument entry is on: sign x."""
    from ..arrays import np
    return np.sign(args[0])


sigmoid = new_function("sigmoid", "σ(x) = 1 / (1 + e⁻ˣ).",
                       lambda x: 1 / (1 + sympy.exp(-x)))
relu = new_function("relu", "relu(x) = max(x, 0).", lambda x: sympy.Max(x, 0))
step = new_function("step", "relu′(x) = 𝟙[x > 0]; at x = 0 matcalc uses the subgradient 0.",
                    lambda x: sympy.S.One if x > 0 else sympy.S.Zero)
step_closed = new_function("step_closed", "[x ≥ 0]: 1 at x = 0, where step gives 0 (the max "
                           "gate's tie goes to its second argument).",
                           lambda x: sympy.S.One if x >= 0 else sympy.S.Zero)
softplus = new_function("softplus", "softplus(x) = log(1 + eˣ).",
                        lambda x: sympy.log(1 + sympy.exp(x)))
# |x| and sign x as written: sympy's own Abs and sign turn |x − y| into |y − x| and
# sign(x − y) into −sign(y − x)
absolute = new_function("absolute", "|x|.", sympy.Abs)
sign = new_function("sign", "sign x, with sign 0 = 0.", sympy.sign)


class maximum(sympy.Function):  # noqa: N801 - printed and sorted by sympy under this name
    """maximum(a, b): the larger of two entries (numpy's np.maximum)."""

    nargs = 2
    is_real = True

    @classmethod
    def eval(cls, a, b):  # noqa: A003 - sympy's hook
        if a == b:
            return a
        if a.is_number and b.is_number:
            return sympy.Max(a, b)
        return None


def _differentiate_maximum(expr, wrt, differentiate):
    """∂ max(a, b) = [a > b] ∂a + [b ≥ a] ∂b: the max gate routes the gradient to the
    larger input; at a tie, to b (a subgradient choice: the two shares sum to 1, and
    [b ≥ a] = 1 − [a > b] says so where seed 003 writes 𝟙(y > x))."""
    a, b = expr.args
    return step(a - b) * differentiate(a, wrt) + step_closed(b - a) * differentiate(b, wrt)


def _maximum_form(expr, rec, left, right):
    """maximum(A, B) = B + relu(A − B), entry by entry."""
    a, b = expr.args
    lower = rec.matrix_of(b, left, right)
    return sympy.MatAdd(lower, Apply("relu", rec.matrix_of(a - b, left, right)))


def _lower_maximum(node, idx, ctx):
    """maximum(A, B)_kl = max(a_kl, b_kl), with numpy broadcasting."""
    a, b = (ctx.broadcast(arg, node, idx) for arg in node.args)
    return maximum(a, b)


def _maximum_forward(a, b, axis=None):
    from ..arrays import np
    return np.maximum(*alike(a, b))


def _at_tie(args, value) -> bool:
    """Two entries within KINK_MARGIN of each other, where maximum has its kink, but not
    exactly equal (a tie the program holds, as maximum(relu(a), relu(b)) at 0, 0)."""
    from ..arrays import np
    a, b = alike(*args)
    return bool(np.any((np.abs(a - b) < KINK_MARGIN) & (a != b)))


def _maximum_frozen(args, base, axis=None):
    """a where the base point's a > b, else b (a tie goes to b)."""
    from ..arrays import np
    a, b = alike(*args)
    a0, b0 = alike(*base)
    return np.where(a0 > b0, a, b)


def _larger(args):
    """+1 where the first argument is the larger, −1 where the second, 0 at a tie (which
    routes the gradient to the second)."""
    from ..arrays import np
    a, b = alike(*args)
    return np.sign(a - b)

_ANY = (("*", ("*",), "{name}({{0}})"),)  # the fuzzer may apply it to anything


def _fuzz_any(name: str) -> tuple:
    return tuple((kind, args, form.format(name=name)) for kind, args, form in _ANY)


OPS = [
    Op("exp", "elementwise", "eˣ", sign="positive", function=sympy.exp, derivative=lambda x, y: y,
       numpy="np.exp({})", text="exp", tex=r"\exp",
       examples=("B = exp(A)",),
       fuzz=_fuzz_any("exp") + (("*", ("*", "*"), "({0} / (1 + exp({1})))"),)),
    Op("log", "elementwise", "natural logarithm (positive entries)", function=sympy.log,
       derivative=lambda x, y: 1 / x, numpy="np.log({})", text="log", tex=r"\log",
       note="log", positive=True, examples=("B = log(A)",),
       fuzz=(("*", ("*",), "log(1 + exp({0}))"),)),
    # sympy writes √x as the power x^(1/2), which the power rule differentiates; the
    # derivative here is the same, for a reader of the record
    Op("sqrt", "elementwise", "√x (non-negative entries)", sign="nonnegative", function=sympy.sqrt,
       derivative=lambda x, y: 1 / (2 * y), numpy="np.sqrt({})", text="sqrt",
       tex=r"\sqrt", tex_format=r"\sqrt{{{}}}", note="sqrt", positive=True,
       examples=("B = sqrt(A)",), fuzz=(("*", ("*",), "sqrt(exp({0}))"),)),
    Op("sin", "elementwise", "sine", function=sympy.sin,
       derivative=lambda x, y: sympy.cos(x), numpy="np.sin({})", text="sin", tex=r"\sin",
       examples=("B = sin(A)",), fuzz=_fuzz_any("sin")),
    Op("cos", "elementwise", "cosine", function=sympy.cos,
       derivative=lambda x, y: -sympy.sin(x), numpy="np.cos({})", text="cos", tex=r"\cos",
       examples=("B = cos(A)",), fuzz=_fuzz_any("cos")),
    Op("tanh", "elementwise", "hyperbolic tangent", activation=True, function=sympy.tanh,
       derivative=lambda x, y: 1 - y**2, numpy="np.tanh({})", text="tanh", tex=r"\tanh",
       examples=("B = tanh(A)",), fuzz=_fuzz_any("tanh")),
    Op("sigmoid", "elementwise", "σ(x) = 1/(1 + e⁻ˣ)", sign="positive", activation=True,
       function=sigmoid,
       derivative=lambda x, y: y * (1 - y), numpy="(1 / (1 + np.exp(-({}))))",
       text="σ", tex=r"\sigma", examples=("B = sigmoid(A)", "H = sigmoid(X @ W)"),
       fuzz=_fuzz_any("sigmoid")),
    Op("relu", "elementwise", "max(x, 0); relu′(0) = 0", sign="nonnegative", activation=True,
       function=relu,
       derivative=lambda x, y: step(x), numpy="np.maximum({}, 0)", text="relu",
       tex=r"\operatorname{relu}", note="relu", kink=at_zero, sides=sign_of,
       sides_numpy="np.sign({0})", frozen=_relu_frozen,
       examples=("B = relu(A)",), fuzz=_fuzz_any("relu")),
    Op("softplus", "elementwise", "log(1 + eˣ)", sign="positive", activation=True,
       function=softplus,
       derivative=lambda x, y: sigmoid(x), numpy="np.logaddexp(0, {})", text="softplus",
       tex=r"\operatorname{softplus}", examples=("B = softplus(A)",),
       fuzz=_fuzz_any("softplus")),
    Op("maximum", "elementwise", "the larger of a and b, entry by entry (broadcast)",
       signature="maximum(A, B)", arity=2, shape=lambda check, node, shapes: check.broadcast(),
       lower=_lower_maximum, function=maximum, differentiate=_differentiate_maximum,
       forward=_maximum_forward, numpy="np.maximum({0}, {1})", text="max", tex=r"\max",
       note="maximum", kink=_at_tie, sides=_larger, sides_numpy="np.sign({0} - {1})",
       frozen=_maximum_frozen,
       side_words=("with the second argument larger", "with the first argument larger"),
       matrix_form=_maximum_form, examples=("C = maximum(A, B)", "C = maximum(A, 0.0)"),
       fuzz=(("*", ("*", "*"), "maximum({0}, {1})"),)),
    Op("abs", "elementwise", "|x|; |x|′ = sign x, taken as 0 at 0",
       sign="nonnegative", function=absolute,
       derivative=lambda x, y: sign(x), numpy="np.abs({})", text="abs",
       tex=r"\operatorname{abs}", text_format="|{}|", tex_format=r"\left|{}\right|",
       note="abs", kink=at_zero, sides=sign_of,
       sides_numpy="np.sign({0})", frozen=_abs_frozen,
       examples=("B = abs(A)", "s = sum(abs(X @ w - y))"),
       fuzz=_fuzz_any("abs")),
    # nodes that only derivatives produce
    Op("step", "internal", "relu′(x) = [x > 0]", function=step,
       derivative=lambda x, y: sympy.S.Zero, numpy="np.heaviside({}, 0.0)", text="step",
       tex=r"\operatorname{step}", text_format="[{} > 0]", tex_format=r"\left[{} > 0\right]"),
    Op("step_closed", "internal", "[x ≥ 0], 1 at 0 (the max gate's tie)", function=step_closed,
       derivative=lambda x, y: sympy.S.Zero, numpy="np.heaviside({}, 1.0)", text="step",
       tex=r"\operatorname{step}", text_format="[{} ≥ 0]",
       tex_format=r"\left[{} \geq 0\right]"),
    # |x| also reaches proofs through sympy's √(x²) = |x|
    Op("Abs", "internal", "|x|", function=sympy.Abs, derivative=lambda x, y: sign(x),
       numpy="np.abs({})", text="abs", tex=r"\operatorname{abs}", text_format="|{}|",
       tex_format=r"\left|{}\right|", note="abs", kink=at_zero),
    Op("sign", "internal", "sign(x)", function=sign,
       derivative=lambda x, y: sympy.S.Zero, numpy="np.sign({})", text="sign",
       tex=r"\operatorname{sign}"),
]


def logistic() -> Op:
    """The record of the logistic function 1/(1 + e^{−x}) (σ), which a written-out one is
    simplified to (``calculus.logistic``)."""
    return next(op for op in OPS if op.function is sigmoid)


# ---------------------------------------------------------------- declared functions
#
# ``f: elementwise`` in a program declares a function nobody has specified, as seed 001
# eq. 21-23 derives B = f(A) for any activation f: the proof ends in ∂L/∂B ∘ f′(A). The
# checker needs numbers, so it runs every declared function as two unrelated smooth
# stand-ins, each on its own random instances, whose values and first two derivatives all
# differ (a proof that confused f with f′, or f′ with f″, would fail); a formula must hold
# for both, so a formula that holds only for one of them (cos x + 0.6x for f′) is wrong.
# There is no numpy for code: f is the reader's own.

STAND_INS = ("sin(x) + 0.3 x²", "tanh(x) + 0.2 x³")
STAND_IN: ContextVar[int] = ContextVar("stand_in", default=0)  # which one runs now


def _stand_ins():
    from ..arrays import np
    def tanh_prime(x):
        return 1 - np.tanh(x) ** 2
    return ((lambda x: np.sin(x) + 0.3 * x ** 2,
             lambda x: np.cos(x) + 0.6 * x,
             lambda x: 0.6 - np.sin(x)),
            (lambda x: np.tanh(x) + 0.2 * x ** 3,
             lambda x: tanh_prime(x) + 0.6 * x ** 2,
             lambda x: -2 * np.tanh(x) * tanh_prime(x) + 1.2 * x))


def _stand_in(order: int, name: str = ""):
    """The derivative of the given order of the stand-in that runs now (``STAND_IN``), on
    numpy arrays, for the declared function ``name``: s(a x + b) with a scale a and a shift
    b of its own, so that two declared functions are two functions to the check (f′ for g′
    fails), its derivatives aᵏ s⁽ᵏ⁾(a x + b)."""
    import zlib
    seed = zlib.crc32(name.encode())
    a = 1.0 if not name else 0.7 + 0.6 * (seed % 1000) / 999
    b = 0.0 if not name else -0.5 + (seed // 1000 % 1000) / 999

    def apply(x, axis=None):
        return a ** order * _stand_ins()[STAND_IN.get()][order](a * x + b)
    return apply


def declared(name: str) -> list[Op]:
    """The records of a declared function f and of its derivatives f′, f″ (a Hessian
    needs the second)."""
    marks, tex_marks = ("", "′", "″"), ("", "'", "''")
    # f′ and f″ are registered under names no program can write (′ is no identifier)
    classes = [new_function(name + marks[n], f"{name}{marks[n]}: declared elementwise",
                            is_number=False)  # f(0) is no number the printers can compare
               for n in range(3)]
    return [Op(name + marks[n], "declared" if n == 0 else "internal",
               f"{name}{marks[n]}, declared elementwise", function=cls,
               derivative=(lambda x, y, c=classes[n + 1]: c(x)) if n < 2 else None,
               forward=_stand_in(n, name), text=name + marks[n], tex=name + tex_marks[n],
               note="declared" if n == 0 else None)
            for n, cls in enumerate(classes)]


# ---------------------------------------------------------------- f′ as a name
#
# Seed 001 eq. 23 derives an activation once, for any f: ∂L/∂b_ij f′(a_ij). A specific
# function is shown as an instance of it: σ′(a_ij) first, then σ′(x) = σ(x)(1 − σ(x)).

def primed(op: Op) -> Op:
    """The record of f′ as a node of its own (σ′), evaluated by differences of f."""
    cls = new_function(op.name + "′", f"{op.name}′, the derivative of {op.name}")
    f = op.forward

    def forward(x, axis=None):
        from ..arrays import np
        h = 1e-5 * np.maximum(1.0, np.abs(x))
        return (f(x + h) - f(x - h)) / (2 * h)

    return Op(op.name + "′", "internal", f"{op.name}′", function=cls,
              derivative=None, forward=forward, text=op.spelled("text") + "′",
              tex=op.spelled("tex") + "'")
