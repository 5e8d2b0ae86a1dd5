"""How long a whole-network derivation takes: an L-layer MLP with sigmoid hidden layers,
softmax and cross-entropy, every weight and bias, with all proofs.

    python benchmarks/mlp.py            # layers 1, 2, 5 (issue 3 reports 5)
    python benchmarks/mlp.py 1 2 4 8    # any depths

Prints the median wall time of a few runs after one warm-up run, in the same process.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matcalc import derive


def mlp(layers: int) -> str:
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
    return [name for k in range(1, layers + 1) for name in (f"W{k}", f"b{k}")]


def median_seconds(layers: int, runs: int = 5) -> tuple[float, float]:
    """Median seconds of derive() and of .text() (which prints every inlined gradient and
    its numpy code: output that grows with the square of the depth)."""
    program, wrt = mlp(layers), wanted(layers)
    derive(program, wrt=wrt).text()  # warm-up: imports, sympy caches, templates
    derives, texts = [], []
    for _ in range(runs):
        start = time.perf_counter()
        d = derive(program, wrt=wrt)
        middle = time.perf_counter()
        d.text()
        derives.append(middle - start)
        texts.append(time.perf_counter() - middle)
    return statistics.median(derives), statistics.median(texts)


def main(argv: list[str]) -> None:
    depths = [int(a) for a in argv] or [1, 2, 5]
    print("layers  statements  gradients     derive       text")
    for layers in depths:
        derive_s, text_s = median_seconds(layers)
        statements = 2 * layers + 1
        print(f"{layers:>6}  {statements:>10}  {2 * layers:>9}  {derive_s * 1e3:7.1f} ms"
              f"  {text_s * 1e3:7.1f} ms")


if __name__ == "__main__":
    main(sys.argv[1:])
