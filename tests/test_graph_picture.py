"""matcalc graph: the computation graph as seed 001 draws it (Graphviz's dot language, and
svg and png drawn by Graphviz itself), with seed 003's values on the arrows under --at."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

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
        assert label.split(" = ")[0].replace("&", "&amp;") in svg
    assert f"docs/{GRAPH_EXAMPLE}.svg" in (ROOT / "README.md").read_text(encoding="utf-8")
