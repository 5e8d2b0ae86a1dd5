"""The programs that benchmarks/run.py times: networks and products of growing size."""

from __future__ import annotations


def mlp(layers: int) -> str:
    """Seed 001's network, L layers deep: Zk = H(k-1) Wk + bk, Hk = σ(Zk), softmax and
    cross-entropy against one-hot targets T."""
    lines = ["X: (m, n0)", f"T: onehot(m, n{layers})"]
    previous = "X"
    for k in range(1, layers + 1):
        lines += [f"W{k}: (n{k - 1}, n{k})", f"b{k}: (n{k},)", f"Z{k} = {previous} @ W{k} + b{k}"]
        if k < layers:
            lines.append(f"H{k} = sigmoid(Z{k})")
            previous = f"H{k}"
    lines += [f"P = softmax(Z{layers})", "L = cross_entropy(T, P)"]
    return "\n".join(lines)


def wanted(layers: int) -> list[str]:
    """Every weight and bias of mlp(layers)."""
    return [name for k in range(1, layers + 1) for name in (f"W{k}", f"b{k}")]


def chain(factors: int) -> tuple[str, str]:
    """A1 @ A2 @ … @ An with Ak: (d{k-1}, dk), and the middle factor."""
    shapes = [f"A{k}: (d{k - 1}, d{k})" for k in range(1, factors + 1)]
    product = " @ ".join(f"A{k}" for k in range(1, factors + 1))
    return "\n".join([*shapes, f"Y = {product}"]), f"A{(factors + 1) // 2}"


def transformer(blocks: int) -> str:
    """Pre-norm transformer blocks: layer norm, single-head attention with projections,
    residual; layer norm, a two-layer MLP with GELU (tanh approximation), residual."""
    lines = ["X0: (t, e)", "eps: ()"]
    for k in range(1, blocks + 1):
        x = f"X{k - 1}"
        lines += [f"g{k}: (e,)", f"c{k}: (e,)", f"Wq{k}: (e, d)", f"Wk{k}: (e, d)",
                  f"Wv{k}: (e, e)", f"G{k}: (e,)", f"C{k}: (e,)", f"W1{k}: (e, f)",
                  f"W2{k}: (f, e)"]
        lines += _layer_norm(f"N{k}", x, f"g{k}", f"c{k}", f"a{k}")
        lines += [f"Q{k} = N{k} @ Wq{k}", f"K{k} = N{k} @ Wk{k}", f"V{k} = N{k} @ Wv{k}",
                  f"S{k} = Q{k} @ K{k}.T / sqrt(d)", f"P{k} = softmax(S{k})",
                  f"R{k} = {x} + P{k} @ V{k}"]
        lines += _layer_norm(f"M{k}", f"R{k}", f"G{k}", f"C{k}", f"b{k}")
        lines += [f"U{k} = M{k} @ W1{k}",
                  f"F{k} = 0.5 * U{k} * (1 + tanh(0.7978845608 * (U{k} + 0.044715 * U{k} ** 3)))",
                  f"X{k} = R{k} + F{k} @ W2{k}"]
    lines.append(f"L = sum(X{blocks} ** 2)")
    return "\n".join(lines)


def _layer_norm(out: str, x: str, gain: str, bias: str, tag: str) -> list[str]:
    return [f"mu_{tag} = mean({x}, axis=1, keepdims=True)",
            f"xc_{tag} = {x} - mu_{tag}",
            f"v_{tag} = mean(xc_{tag} ** 2, axis=1, keepdims=True)",
            f"{out} = {gain} * xc_{tag} / sqrt(v_{tag} + eps) + {bias}"]


def transformer_weights(blocks: int) -> list[str]:
    """Every weight, gain and bias of transformer(blocks)."""
    return [f"{name}{k}" for k in range(1, blocks + 1)
            for name in ("g", "c", "Wq", "Wk", "Wv", "G", "C", "W1", "W2")]


def tensor_transformer(blocks: int) -> str:
    """Post-norm transformer blocks on a batch of sequences X: (b, t, d) with h heads of
    size k: projections by einsum ("btd,hdk->bhtk"), attention with a mask M added to the
    scores, the heads merged by einsum ("bhtk,hkd->btd"), residual, layer norm over the
    last axis, a ReLU MLP with a residual; L = sum(X²)."""
    return _post_norm_blocks(
        blocks, ("(h, d, k)", "(h, k, d)"),
        lambda x, w: f'einsum("btd,hdk->bhtk", {x}, {w})',
        lambda heads, wo: f'einsum("bhtk,hkd->btd", {heads}, {wo})')


def reshape_transformer(blocks: int) -> str:
    """tensor_transformer(blocks) with the heads formed as the blog posts form them: square
    projections Wq, Wk, Wv, Wo (d, d), the heads split off by reshape and moved forward by
    transpose, merged back the same way."""
    return _post_norm_blocks(
        blocks, ("(d, d)", "(d, d)"),
        lambda x, w: f"({x} @ {w}).reshape(b, t, h, k).transpose(0, 2, 1, 3)",
        lambda heads, wo: f"({heads}).transpose(0, 2, 1, 3).reshape(b, t, d) @ {wo}")


def _post_norm_blocks(blocks: int, shapes: tuple[str, str], project, merge) -> str:
    """The blocks of tensor_transformer, the heads formed by ``project`` (x, a projection's
    name → Q, K or V) and merged back by ``merge`` (P V, Wo's name → A); ``shapes``: the
    projections' and Wo's."""
    lines = ["X0: (b, t, d)", "M: (t, t)"]
    for n in range(1, blocks + 1):
        x = f"X{n - 1}"
        lines += [f"Wq{n}: {shapes[0]}", f"Wk{n}: {shapes[0]}", f"Wv{n}: {shapes[0]}",
                  f"Wo{n}: {shapes[1]}", f"W1{n}: (d, f)", f"W2{n}: (f, d)"]
        lines += [f"{q}{n} = {project(x, f'W{q.lower()}{n}')}" for q in "QKV"]
        lines += [f"S{n} = Q{n} @ K{n}.mT / sqrt(k) + M",
                  f"P{n} = softmax(S{n}, axis=-1)",
                  f"A{n} = {merge(f'P{n} @ V{n}', f'Wo{n}')}",
                  f"R{n} = {x} + A{n}",
                  f"mu{n} = mean(R{n}, axis=-1, keepdims=True)",
                  f"Rc{n} = R{n} - mu{n}",
                  f"v{n} = mean(Rc{n} ** 2, axis=-1, keepdims=True)",
                  f"N{n} = Rc{n} / sqrt(v{n} + 0.001)",
                  f"X{n} = N{n} + relu(N{n} @ W1{n}) @ W2{n}"]
    lines.append(f"L = sum(X{blocks} ** 2)")
    return "\n".join(lines)


def tensor_transformer_weights(blocks: int) -> list[str]:
    """Every weight of tensor_transformer(blocks), and its input."""
    return ["X0"] + [f"{name}{n}" for n in range(1, blocks + 1)
                     for name in ("Wq", "Wk", "Wv", "Wo", "W1", "W2")]

