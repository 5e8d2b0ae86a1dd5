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


def test_a_result_displays_its_whole_right_hand_side():
    # d.result is a sympy expression; shown by sympy alone (a notebook cell, str, pprint)
    # it still names the upstream gradient: ∂L/∂C Bᵀ, not C Bᵀ
    import sympy

    from matcalc import derive
    d = derive("C = A @ B", wrt="A")
    assert isinstance(d.result, sympy.MatMul)          # still the sympy expression
    assert d.result._repr_latex_() == r"$\displaystyle \frac{\partial L}{\partial C} B^{T}$"
    assert str(d.result) == "∂L/∂C*B.T"
    assert "∂L/∂C" in sympy.pretty(d.result)
    # under a transpose the fraction is bracketed; the loss is the derivation's
    outer = derive("u: (n,)\nu2 = W.T @ u", wrt="W", loss="J")
    assert r"\left(\frac{\partial J}{\partial u_{2}}\right)^{T}" in outer.result._repr_latex_()
    assert str(outer.result) == "u*(∂J/∂u2).T"
    # a scalar intermediate's gradient, where the output is the loss (CS231n's f)
    staged = derive("x: (); y: ()\nq = x * y\nf = sin(q) * x ** 2", wrt="x")
    assert r"\frac{\partial f}{\partial q} y" in staged.result._repr_latex_()
    assert "∂f/∂q*y" in str(staged.result)
