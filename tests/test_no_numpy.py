"""matcalc without numpy (issue 23: a browser's Python has none): parsing, deriving and
rendering never import it; the check, which needs it, says it could not run — the result is
shown as not verified, never as verified and never as an internal error."""

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
    """Every example derives (checked, as by default) and renders in every format that does
    not run numpy; each says why it is not verified; numpy was never imported."""
    done = run("""
        import sys
        from pathlib import Path
        from matcalc import derive
        from matcalc.pipeline import NO_NUMPY
        count = 0
        for path in sorted(Path(sys.argv[1]).glob("*.mc")):
            try:
                d = derive(path.read_text(), wrt="all")
            except Exception as error:  # a refusal the CLI shows as one line is fine
                if type(error).__name__ in ("UsageError", "UnsupportedError", "ParseError",
                                            "ShapeError", "DomainError"):
                    continue
                raise
            assert d.unverified == NO_NUMPY, (path.name, d.unverified)
            for fmt in ("text", "latex", "markdown", "json", "html"):
                assert d.show(fmt)
            count += 1
        assert "numpy" not in sys.modules
        print(count)
    """, str(EXAMPLES))
    assert done.returncode == 0, done.stderr[-3000:]
    assert int(done.stdout.split()[-1]) > 60  # the examples were walked


def test_the_command_line_says_the_check_could_not_run():
    """One line, in the user's language; the derivation is shown, not verified."""
    cli = "from matcalc.cli import entry_point\nsys.argv = ['matcalc', *sys.argv[1:]]\n" \
          "entry_point()\n"
    en = run(cli, "derive", "C = A @ B", "--wrt", "A")
    assert en.returncode == 0, en.stderr
    assert "∂L/∂A = ∂L/∂C Bᵀ" in en.stdout
    assert "not verified: the numerical check needs numpy" in en.stdout
    assert "internal error" not in en.stdout + en.stderr
    ja = run(cli, "derive", "C = A @ B", "--wrt", "A", "--lang", "ja")
    assert "未検証：数値検証には numpy が要る" in ja.stdout
    graph = run(cli, "graph", "C = A @ B")
    assert graph.returncode == 0 and "digraph" in graph.stdout
