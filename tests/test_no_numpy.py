"""matcalc without numpy (issue 23: a browser's Python has none): parsing, deriving and
rendering never import it, and the check runs on matcalc's own stand-in
(``matcalc.purenp``): the same instances and rules, only slower."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# numpy made unimportable, as in Pyodide without its numpy package
BLOCK = textwrap.dedent("""
    import sys
    class NoNumpy:
        def find_spec(self, name, path=None, target=None):
            if name == "numpy" or name.startswith("numpy."):
                raise ImportError("No module named 'numpy'", name="numpy")
    sys.meta_path.insert(0, NoNumpy())
""")


def run(code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", BLOCK + textwrap.dedent(code), *args],
                          capture_output=True, text=True, timeout=120)


def test_deriving_and_rendering_every_example_needs_no_numpy():
    """Every example derives and renders (text, and JSON with its LaTeX); numpy was never
    imported, nor the stand-in (nothing computed numbers). The page's test renders the
    HTML, Markdown and LaTeX without numpy."""
    done = run("""
        import sys
        from pathlib import Path
        from matcalc import derive
        count = 0
        for path in sorted(Path(sys.argv[1]).glob("*.mc")):
            try:
                d = derive(path.read_text(), wrt="all", check=False)
            except Exception as error:  # a refusal the CLI shows as one line is fine
                if type(error).__name__ in ("UsageError", "UnsupportedError", "ParseError",
                                            "ShapeError", "DomainError"):
                    continue
                raise
            for fmt in ("text", "json"):  # (the JSON holds the LaTeX too)
                assert d.show(fmt)
            count += 1
        assert "numpy" not in sys.modules and "matcalc.purenp" not in sys.modules
        print(count)
    """, str(EXAMPLES))
    assert done.returncode == 0, done.stderr[-3000:]
    assert int(done.stdout.split()[-1]) > 60  # the examples were walked


CLI = "from matcalc.cli import entry_point\nsys.argv = ['matcalc', *sys.argv[1:]]\n" \
      "entry_point()\n"


def test_the_command_line_checks_without_numpy():
    """Verified as with numpy; --against runs the user's numpy on the stand-in, and a
    function the stand-in lacks is refused in one line."""
    en = run(CLI, "derive", "C = A @ B", "--wrt", "A")
    assert en.returncode == 0, en.stderr
    assert "∂L/∂A = ∂L/∂C Bᵀ" in en.stdout
    assert en.stdout.rstrip().endswith("verified: each step and the result agree with "
                                       "central differences at 3 random points")
    right = run(CLI, "derive", "C = A @ B", "--wrt", "A", "--against", "A=dC @ B.T")
    assert right.returncode == 0 and "right: dC @ B.T equals ∂L/∂A" in right.stdout
    wrong = run(CLI, "derive", "C = A @ B", "--wrt", "A", "--against", "A=dC.T @ B")
    assert wrong.returncode == 1 and "The right formula: ∂L/∂A = ∂L/∂C Bᵀ" in wrong.stdout
    for formula in ("A=(dC @ B.T).astype('float32')", "A=np.float32(1) * (dC @ B.T)"):
        typed = run(CLI, "derive", "C = A @ B", "--wrt", "A", "--against", formula)
        assert typed.returncode == 0 and "right:" in typed.stdout, typed.stdout + typed.stderr
    lacking = run(CLI, "derive", "C = A @ B", "--wrt", "A", "--against",
                  "A=np.cumsum(dC @ B.T, axis=0)")
    assert lacking.stderr.strip() == (
        "matcalc: error: --against: np.cumsum is not available here: numpy cannot be "
        "imported, and matcalc's own stand-in for it has no such function")
    graph = run(CLI, "graph", "C = A @ B")
    assert graph.returncode == 0 and "digraph" in graph.stdout


def test_a_wrong_derivation_is_caught_without_numpy():
    """The stand-in's check is a check: a gradient whose step is tampered with fails."""
    done = run("""
        import sys
        from matcalc import derive
        from matcalc.calculus.proof import Step
        from matcalc.check import verify_gradients
        d = derive("X: (m, n)\\nW: (n, k)\\nY = relu(X @ W)", wrt="W", check=False)
        assert verify_gradients(d, trials=1).ok
        steps = d.gradient.steps
        steps[-1] = Step(steps[-1].lhs, 2 * steps[-1].rhs, steps[-1].reason)
        report = verify_gradients(d, trials=1)
        assert not report.ok and "W: MISMATCH" in report.summary()
        assert "numpy" not in sys.modules
        print("caught")
    """)
    assert done.returncode == 0 and done.stdout.strip() == "caught", done.stderr[-2000:]
