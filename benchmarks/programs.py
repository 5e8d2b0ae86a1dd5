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
