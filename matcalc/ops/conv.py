"""Convolution as deep-learning libraries define it (a cross-correlation), over one or two
spatial axes, with batch and channels:

    y = conv1d(x, w, stride=S, padding=P, dilation=D)     x: (b, c, n), w: (o, c, r)
        y_{β,o,u} = Σ_c Σ_a x_{β,c,Su+Da−P} w_{o,c,a}                     y: (b, o, n′)
    Y = conv2d(X, K, …)                                    X: (b, c, h, w), K: (o, c, r, s)
        y_{β,o,u,v} = Σ_c Σ_a Σ_e x_{β,c,Su+Da−P,Sv+De−P} k_{o,c,a,e}

with n′ = ⌊(n + 2P − D(r − 1) − 1)/S⌋ + 1. An entry read outside its array is 0: that is
the zero padding, and it is what lets the shifted deltas of the derivative collapse
(``collapse``: δ(u + a − P, i) solved for a summed index of coefficient ±1).
"""

from __future__ import annotations

from sympy import Mul

from ..index.symbols import IndexSum
from .base import Op

KEYWORDS = ("stride", "padding", "dilation")


def settings(node) -> tuple[int, int, int]:
    """(S, P, D): stride, padding and dilation as the call gives them (1, 0, 1)."""
    return node.option("stride", 1), node.option("padding", 0), node.option("dilation", 1)


def out_length(n, r, stride: int, padding: int, dilation: int):
    """n′ = ⌊(n + 2P − D(r − 1) − 1)/S⌋ + 1 for lengths given as numbers."""
    return (n + 2 * padding - dilation * (r - 1) - 1) // stride + 1


def _spatial(axes: int):
    def shape(check, node, shapes):
        x, w = shapes
        rank = 2 + axes
        if len(x) != rank or len(w) != rank:
            names = "x: (b, c, n), w: (o, c, r)" if axes == 1 else \
                "X: (b, c, h, w), K: (o, c, r, s)"
            raise check.fail(f"{node.func} takes a batch of images and a kernel, {names}; "
                             f"{check.describe(0)} and {check.describe(1)}")
        if not check.unify(x[1], w[1]):
            raise check.fail(f"{node.func}: the channels differ, {check.describe(0)} and "
                             f"{check.describe(1)} (input channels are axis 1 of both)")
        stride, padding, dilation = settings(node)
        out = [check.derived(n, r, stride, padding, dilation)
               for n, r in zip(x[2:], w[2:])]
        return (x[0], w[0], *out)
    return shape


def _lower(axes: int):
    def lower(node, idx, ctx):
        """y_{β,o,u} = Σ_c Σ_a x_{β,c,Su+Da−P} w_{o,c,a} (and likewise per spatial axis)."""
        stride, padding, dilation = settings(node)
        x_node, w_node = node.args
        if padding and type(x_node).__name__ != "Name":
            # a read past the edge of a name's entries is 0 (the padding); of an expression
            # f(U) the element form would read f(0) there
            from ..errors import UnsupportedError
            raise UnsupportedError(f"{node.func} with padding reads its input past the "
                                   "edges as zeros: give the input a name first, e.g. "
                                   f"Z = …, then {node.func}(Z, …)",
                                   node.pos.line, node.pos.col)
        w_shape = ctx.shape(w_node)
        c = ctx.fresh()
        taps = [ctx.fresh() for _ in range(axes)]
        at = [stride * u + dilation * a - padding for u, a in zip(idx[2:], taps)]
        x = ctx.lower(x_node, (idx[0], c, *at))
        w = ctx.lower(w_node, (idx[1], c, *taps))
        limits = [ctx.limit(c, w_shape[1]), *[ctx.limit(a, r) for a, r in zip(taps, w_shape[2:])]]
        return IndexSum(Mul(x, w), *limits)
    return lower


def windows(x, size, stride: int, padding: int, dilation: int, axes: int):
    """The patches a kernel of ``size`` meets, (…, out, …, taps): x padded with zeros,
    every window's taps ``dilation`` apart, windows ``stride`` apart (numpy only)."""
    from ..arrays import np
    pad = [(0, 0)] * (x.ndim - axes) + [(padding, padding)] * axes
    spans = tuple((k - 1) * dilation + 1 for k in size)
    view = np.lib.stride_tricks.sliding_window_view(np.pad(x, pad), spans,
                                                    axis=tuple(range(-axes, 0)))
    cut = (Ellipsis, *[slice(None, None, stride)] * axes, *[slice(None, None, dilation)] * axes)
    return view[cut]


def _forward(axes: int):
    def forward(x, w, axis=None, stride=1, padding=0, dilation=1):
        """On a batch: x (B, b, c, …), w (B, o, c, …), B the copies (or 1)."""
        from ..arrays import np
        patches = windows(x, w.shape[-axes:], stride, padding, dilation, axes)
        spec = "...bcuvae,...ocae->...bouv" if axes == 2 else "...bcur,...ocr->...bou"
        return np.einsum(spec, patches, w)
    return forward


def _windows_source(axes: int):
    def fields(node, args: list[str]) -> dict:
        """{windows}: the patches in numpy, the input padded with zeros, the kernel's span
        of windows, every stride-th window, every dilation-th tap."""
        stride, padding, dilation = settings(node)
        x, w = args
        pad = ", ".join(["(0, 0)"] * 2 + [f"({padding}, {padding})"] * axes)
        spans = [f"{w}.shape[{2 + k}]" if dilation == 1 else
                 f"({w}.shape[{2 + k}] - 1) * {dilation} + 1" for k in range(axes)]
        span = f"({', '.join(spans)})" if axes == 2 else spans[0]
        padded = f"np.pad({x}, ({pad}))" if padding else x
        code = f"np.lib.stride_tricks.sliding_window_view({padded}, {span}, " \
               f"axis={'(-2, -1)' if axes == 2 else '-1'})"
        cut = [f"::{stride}"] * axes + [f"::{dilation}"] * axes
        if stride != 1 or dilation != 1:
            code += "[..., " + ", ".join(":" if c == "::1" else c for c in cut) + "]"
        return {"windows": code}
    return fields


def _source(axes: int) -> str:
    spec = "bcuvae,ocae->bouv" if axes == 2 else "bcur,ocr->bou"
    return 'np.einsum("' + spec + '", {windows}, {1})'


OPS = [
    Op("conv1d", "linalg", "cross-correlation over the last axis, with batch and channels, "
       "as deep-learning libraries define convolution; stride, padding, dilation",
       signature="conv1d(x, w[, stride, padding, dilation])", arity=2, keywords=KEYWORDS,
       shape=_spatial(1), lower=_lower(1), forward=_forward(1), source=_source(1),
       source_fields=_windows_source(1),
       text="conv1d", tex=r"\operatorname{conv1d}", transposes=False,
       examples=("x: (b, c, n)\nw: (o, c, r)\ny = conv1d(x, w)",),
       fuzz=(("bnn", ("bnn",), "conv1d({0}, R, padding=1)"),
             ("bnn", ("bnn",), "conv1d({0}, R, stride=1, padding=2, dilation=2)"))),
    Op("conv2d", "linalg", "the same over the last two axes (images: batch, channels, "
       "height, width)", signature="conv2d(X, K[, stride, padding, dilation])", arity=2,
       keywords=KEYWORDS, shape=_spatial(2), lower=_lower(2), forward=_forward(2),
       source=_source(2), source_fields=_windows_source(2), text="conv2d",
       tex=r"\operatorname{conv2d}", transposes=False,
       examples=("X: (b, c, h, w)\nK: (o, c, 3, 3)\nY = conv2d(X, K, padding=1)",),
       fuzz=(("bnn", (), "sum(conv2d(V, K, padding=1), axis=1)"),
             ("bnn", (), "sum(conv2d(V * V, K, padding=2, dilation=2), axis=1)"))),
]
