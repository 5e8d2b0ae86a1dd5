"""Elementwise functions of the language, each with its local derivative beside it.

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
