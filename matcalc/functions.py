"""The functions of the language: each elementwise one with its local derivative beside
it, and every one's spelling in text, LaTeX and numpy in one table.

A derivative is written in terms of the input x and, where that is how people write it,
of the output y = f(x) (σ′ = y(1 − y), tanh′ = 1 − y²), so that a proof can fold it back
into the name of the forward result (∂L/∂B ∘ B ∘ (1 − B)).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy
from sympy import Expr, Rational

from .symbols import relu, sigmoid, step


@dataclass(frozen=True)
class Elementwise:
    name: str
    make: Callable[[Expr], Expr]
    derivative: Callable[[Expr, Expr], Expr]  # (x, y = f(x)) -> f'(x)
    numpy: Callable  # the function on arrays (numpy is imported only when it is called)


def _ufunc(name: str) -> Callable:
    def apply(x):
        import numpy as np
        return getattr(np, name)(x)
    return apply


def _sigmoid(x):
    import numpy as np
    return 1.0 / (1.0 + np.exp(-x))


def _relu(x):
    import numpy as np
    return np.maximum(x, 0.0)


def _step(x):
    import numpy as np
    return np.heaviside(x, 0.0)


ELEMENTWISE: dict[str, Elementwise] = {
    f.name: f for f in [
        Elementwise("exp", sympy.exp, lambda x, y: y, _ufunc("exp")),
        Elementwise("log", sympy.log, lambda x, y: 1 / x, _ufunc("log")),
        Elementwise("sqrt", sympy.sqrt, lambda x, y: 1 / (2 * y), _ufunc("sqrt")),
        Elementwise("sin", sympy.sin, lambda x, y: sympy.cos(x), _ufunc("sin")),
        Elementwise("cos", sympy.cos, lambda x, y: -sympy.sin(x), _ufunc("cos")),
        Elementwise("tanh", sympy.tanh, lambda x, y: 1 - y**2, _ufunc("tanh")),
        Elementwise("sigmoid", sigmoid, lambda x, y: y * (1 - y), _sigmoid),
        Elementwise("relu", relu, lambda x, y: step(x), _relu),
        Elementwise("step", step, lambda x, y: sympy.S.Zero,
                    _step),
        # |x| reaches proofs through sympy's √(x²) = |x|; |x|′ = sign(x), with sign(0) = 0
        Elementwise("abs", sympy.Abs, lambda x, y: sympy.sign(x), _ufunc("abs")),
        Elementwise("sign", sympy.sign, lambda x, y: sympy.S.Zero, _ufunc("sign")),
    ]
}

# sympy function class → our entry (sqrt is Pow(x, 1/2) in sympy and needs no entry here).
BY_SYMPY_FUNC = {
    sympy.exp: ELEMENTWISE["exp"], sympy.log: ELEMENTWISE["log"],
    sympy.sin: ELEMENTWISE["sin"], sympy.cos: ELEMENTWISE["cos"],
    sympy.tanh: ELEMENTWISE["tanh"], sigmoid: ELEMENTWISE["sigmoid"],
    relu: ELEMENTWISE["relu"], step: ELEMENTWISE["step"],
    sympy.Abs: ELEMENTWISE["abs"], sympy.sign: ELEMENTWISE["sign"],
}

HALF = Rational(1, 2)


@dataclass(frozen=True)
class Spelling:
    """How a function is written: text (σ), LaTeX (\\sigma), numpy code (a format string
    with {} for the argument; None where the printers spell it out themselves), and the
    key of the note on its domain or ill-defined points (phrased by the templates)."""

    text: str
    tex: str
    numpy: str | None = None
    note: str | None = None


def _op(name: str) -> str:
    return rf"\operatorname{{{name}}}"


SPELLING: dict[str, Spelling] = {
    "exp": Spelling("exp", r"\exp", "np.exp({})"),
    "log": Spelling("log", r"\log", "np.log({})", note="log"),
    "sqrt": Spelling("sqrt", r"\sqrt", "np.sqrt({})", note="sqrt"),
    "sin": Spelling("sin", r"\sin", "np.sin({})"),
    "cos": Spelling("cos", r"\cos", "np.cos({})"),
    "tanh": Spelling("tanh", r"\tanh", "np.tanh({})"),
    "sigmoid": Spelling("σ", r"\sigma", "(1 / (1 + np.exp(-({}))))"),
    "relu": Spelling("relu", _op("relu"), "np.maximum({}, 0)", note="relu"),
    "step": Spelling("step", _op("step"), "np.heaviside({}, 0.0)"),
    "abs": Spelling("abs", _op("abs"), "np.abs({})", note="relu"),
    "sign": Spelling("sign", _op("sign"), "np.sign({})"),
    "softmax": Spelling("softmax", _op("softmax"),
                        "(np.exp({0}) / np.exp({0}).sum(axis=-1, keepdims=True))"),
    "softmax_col": Spelling("softmax", _op("softmax"), "(np.exp({0}) / np.exp({0}).sum())"),
    "log_softmax": Spelling("log_softmax", r"\log" + _op("softmax"), note="log"),
    "sum": Spelling("sum", _op("sum")),
    "mean": Spelling("mean", _op("mean")),
    "cross_entropy": Spelling("cross_entropy", _op("CE"), note="log"),
    "mse": Spelling("mse", _op("MSE")),
    "trace": Spelling("tr", _op("tr")),
    "det": Spelling("det", r"\det", note="inv"),
    "logdet": Spelling("logdet", r"\log\det", note="logdet"),
    "inv": Spelling("inv", _op("inv"), note="inv"),
    "norm": Spelling("norm", _op("norm")),
    "diag": Spelling("diag", _op("diag")),
    "outer": Spelling("outer", _op("outer")),
}

