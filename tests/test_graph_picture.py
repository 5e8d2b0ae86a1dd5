"""matcalc graph: the computation graph as seed 001 draws it (Graphviz's dot language, and
svg and png drawn by Graphviz itself), with seed 003's values on the arrows under --at."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
sys.path.insert(0, str(EXAMPLES))
from generate import GRAPH_EXAMPLE, graph_dot  # noqa: E402


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "matcalc", "graph", *args],
                          capture_output=True, cwd=ROOT)


def test_the_graph_has_a_node_per_name_and_arrows_both_ways():
    out = run(str(EXAMPLES / "17_mlp.mc"))
    assert out.returncode == 0, out.stderr
    dot = out.stdout.decode("utf-8")
    nodes = set(re.findall(r'^  "(\w+)" \[shape', dot, flags=re.M))
    assert nodes == {"X", "W", "b", "W2", "b2", "T", "Z", "H", "Z2", "P", "L"}
    forward = re.findall(r'^  "(\w+)" -> "(\w+)" \[color="#1b7837"', dot, flags=re.M)
    backward = re.findall(r'^  "(\w+)" -> "(\w+)" \[color="#b2182b".*label="([^"]+)"',
                          dot, flags=re.M)
    assert ("X", "Z") in forward and ("H", "Z2") in forward and len(forward) == 10
    assert ("Z", "W", "∂L/∂W") in backward and ("Z2", "H", "∂L/∂H") in backward
    assert 'label="Z = X W + b"' in dot


def test_seed_003s_circuit_carries_its_values():
    dot = run(str(EXAMPLES / "20_cs231n_add_multiply.mc"), "--at", "x=-2,y=5,z=-4")
    text = dot.stdout.decode("utf-8")
    for label in ("x = −2", "y = 5", "q = 3", "z = −4", "∂f/∂q = −4", "∂f/∂x = −4",
                  "∂f/∂y = −4", "∂f/∂z = 3"):
        assert f'label="{label}"' in text


def test_graphviz_draws_svg_and_png(tmp_path):
    import shutil

    from helpers import reader
    reader("Graphviz's dot", shutil.which("dot") is not None)
    svg = run(str(EXAMPLES / "21_cs231n_sigmoid_neuron.mc"), "-f", "svg",
              "--at", "w0=2,w1=-3,w2=-3,x0=-1,x1=-2")
    assert svg.returncode == 0, svg.stderr
    drawn = svg.stdout.decode("utf-8")
    assert drawn.lstrip().startswith("<?xml") and "<svg" in drawn and "f = 0.7311" in drawn
    png = tmp_path / "neuron.png"
    done = run(str(EXAMPLES / "21_cs231n_sigmoid_neuron.mc"), "-f", "png", "-o", str(png))
    assert done.returncode == 0, done.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert run(str(EXAMPLES / "21_cs231n_sigmoid_neuron.mc"), "-f", "png").returncode == 2


def test_the_readmes_graph_picture_is_current():
    dot = ROOT / "docs" / f"{GRAPH_EXAMPLE}.dot"
    assert dot.read_text(encoding="utf-8") == graph_dot(), "run python examples/generate.py"
    svg = (ROOT / "docs" / f"{GRAPH_EXAMPLE}.svg").read_text(encoding="utf-8")
    for label in re.findall(r'label="([^"]+)"', dot.read_text(encoding="utf-8")):
        for line in label.split("\\n"):  # a node's lines are drawn one by one
            assert line.split(" = ")[0].replace("&", "&amp;") in svg
    assert f"docs/{GRAPH_EXAMPLE}.svg" in (ROOT / "README.md").read_text(encoding="utf-8")


def _number(text: str):
    import json

    import numpy as np
    return np.asarray(json.loads(text.replace("−", "-")), dtype=float)


def _shares_and_total(dot: str, name: str, loss: str):
    """The shares on the arrows back to ``name`` (by the result they come from) and the
    total its node shows, parsed from the dot source."""
    shares = {source: _number(value) for source, value in re.findall(
        rf'^  "(\w+)" -> "{name}" \[color="#b2182b".*label="∂{loss}/∂{name} via \1 = '
        r'([^"]+)"', dot, flags=re.M)}
    total = re.search(rf'^  "{name}" \[shape=\w+.*label="[^"]*\\n∂{loss}/∂{name} = '
                      r'([^"]+)"', dot, flags=re.M)
    return shares, None if total is None else _number(total.group(1))


def test_a_fan_out_carries_each_paths_share_and_the_node_their_sum():
    # CS231n at x = 3, y = −4: x feeds num, sigx and xpy; y feeds sigy and xpy. Each
    # dashed arrow carries its path's share; they add up to the total at the node
    import numpy as np
    out = run(str(EXAMPLES / "22_cs231n_staged.mc"), "--at", "x=3,y=-4")
    assert out.returncode == 0, out.stderr
    dot = out.stdout.decode("utf-8")

    def sig(t):
        return 1 / (1 + np.exp(-t))

    def f(x, y):
        return (x + sig(y)) / (sig(x) + (x + y) ** 2)
    h = 1e-6
    exact = {"x": (f(3 + h, -4) - f(3 - h, -4)) / (2 * h),
             "y": (f(3, -4 + h) - f(3, -4 - h)) / (2 * h)}
    for name, consumers in (("x", {"num", "sigx", "xpy"}), ("y", {"sigy", "xpy"})):
        shares, total = _shares_and_total(dot, name, "f")
        assert set(shares) == consumers
        assert total == pytest.approx(exact[name], rel=1e-3)
        assert sum(shares.values()) == pytest.approx(float(total), rel=1e-3)
        assert len({round(float(v), 3) for v in shares.values()}) == len(shares)
    shares, _ = _shares_and_total(dot, "x", "f")
    assert float(shares["num"]) == pytest.approx(0.5121, abs=1e-4)     # ∂f/∂num · 1
    assert float(shares["sigx"]) == pytest.approx(-0.03576, abs=1e-5)  # ∂f/∂sigx · σ'(3)
    assert float(shares["xpy"]) == pytest.approx(1.583, abs=1e-3)      # ∂f/∂xpy · 1
    # a name that feeds one result keeps its gradient on the arrow
    assert 'label="∂f/∂sigy = 0.5121"' in dot


def test_a_matrix_fan_out_carries_matrix_shares(tmp_path):
    # A feeds B = tanh(A) and C = A ∘ B: via B the share is A ∘ (1 − B²), via C it is B
    import numpy as np
    program = tmp_path / "fan.mc"
    program.write_text("A: (2, 3)\nB = tanh(A)\nC = A * B\nL = sum(C)\n", encoding="utf-8")
    a = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
    out = run(str(program), "--at", "A=" + str(a.tolist()).replace(" ", ""))
    assert out.returncode == 0, out.stderr
    shares, total = _shares_and_total(out.stdout.decode("utf-8"), "A", "L")
    b = np.tanh(a)
    assert set(shares) == {"B", "C"}
    assert shares["B"] == pytest.approx(a * (1 - b ** 2), rel=1e-3)
    assert shares["C"] == pytest.approx(b, rel=1e-3)
    assert total == pytest.approx(b + a * (1 - b ** 2), rel=1e-3)
    assert shares["B"] + shares["C"] == pytest.approx(total, rel=1e-3, abs=1e-3)
