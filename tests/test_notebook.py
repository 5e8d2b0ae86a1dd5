"""examples/notebook.ipynb, executed as Jupyter would (nbclient, the python3 kernel): each
result shows its proof as Markdown and LaTeX with a one-line repr, in the language set."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parent.parent / "examples" / "notebook.ipynb"


def outputs_of(cell) -> dict:
    """The cell's rich output (mime type → text) and its printed text."""
    found = {}
    for output in cell.outputs:
        if output.output_type in ("execute_result", "display_data"):
            found.update(output.data)
        elif output.output_type == "stream":
            found["stdout"] = found.get("stdout", "") + output.text
        elif output.output_type == "error":
            raise AssertionError(f"{output.ename}: {output.evalue}")
    return found


def test_the_notebook_runs_and_every_result_displays_itself():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    code = [outputs_of(c) for c in notebook.cells if c.cell_type == "code"]
    derivation, gradient, jacobian, hessian, report, japanese, numpy = code[1:]
    assert derivation["text/plain"].startswith("<Derivation ∂L/∂W = Xᵀ")
    assert derivation["text/plain"].endswith("(verified on 3 random inputs)>")
    assert r"\frac{\partial L}{\partial \mathbf{W}}" in derivation["text/markdown"]
    assert derivation["text/latex"].startswith("$$")
    assert gradient["text/markdown"].startswith("$$") and r"\sum_{k}" in gradient["text/markdown"]
    assert gradient["text/plain"].startswith("<Gradient ∂L/∂W")
    assert jacobian["text/plain"].startswith("<Jacobian ∂y/∂x") and "text/markdown" in jacobian
    assert hessian["text/plain"].startswith("<Hessian") and "A + Aᵀ" in hessian["text/plain"]
    assert "| ∂/∂W |" in report["text/markdown"] and "✓" in report["text/markdown"]
    assert "連鎖律" in japanese["text/markdown"]
    assert numpy["stdout"].strip().startswith("X.T @")
