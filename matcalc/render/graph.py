"""Pictures of the computation graph, as seed 001 draws it: a node for every name (the
inputs, then each statement's result with its definition), forward arrows from what a
statement reads to its result, and the gradients flowing back along them, labelled ∂L/∂Z.
With values (``--at``), each forward arrow carries the value it passes and each backward
arrow the gradient, as seed 003 draws its circuits (forward above, gradient below).
A name that feeds several results (a fan-out) gets one share of its gradient back along
each arrow, "∂f/∂x via num = 0.5121" — that path's ∂L/∂Z times ∂Z/∂X alone — and shows
the total, the shares added up, in its own node: CS231n's lesson that gradients add up
where paths meet.

``dot`` is Graphviz's language: ``--format dot`` needs nothing else; svg and png are drawn
by Graphviz's ``dot`` command.
"""

from __future__ import annotations

import shutil
import subprocess

from ..errors import UsageError
from ..language.program import names_in
from .formats import context, value_text
from .text import TextPrinter

FORWARD, BACKWARD = "#1b7837", "#b2182b"  # green forward, red backward (seed 003)


def dot_source(d, shares: dict | None = None) -> str:
    """The graph of a derivation's program in Graphviz's dot language; ``shares``: each
    fan-out's share of the gradient along each arrow, {X: {Z: value}} (``shown.shares_at``,
    at the values of ``d.at``)."""
    printer = TextPrinter(context(d))
    values = getattr(d, "values_at", None) or {}
    forward = values.get("forward", {})
    gradients = values.get("gradients", {})
    shares = shares or {}
    program = d.program
    lines = ["digraph matcalc {", "  rankdir=LR;",
             '  node [fontname="DejaVu Sans", fontsize=12];',
             '  edge [fontname="DejaVu Sans", fontsize=10];']
    fans = {name for name, grad in d.all_gradients.items() if len(grad.consumers) > 1}
    for name in program.inputs():
        label = printer.name_shown(name) + _total(d, printer, name, fans, gradients)
        lines.append(f'  {_id(name)} [shape=ellipse, label="{_escape(label)}"];')
    for statement in program.statements:
        definition = f"{printer.name_shown(statement.target)} = " \
                     f"{printer.doprint(statement.value)}"
        output = statement.target in d.outputs
        shape = "doubleoctagon" if output else "box"
        if output and statement.target in forward:  # no arrow leaves it
            definition += "\n" + printer.name_shown(statement.target) + " = " + \
                value_text(forward[statement.target])
        definition += _total(d, printer, statement.target, fans, gradients)
        lines.append(f'  {_id(statement.target)} [shape={shape}, style=rounded, '
                     f'label="{_escape(definition)}"];')
    for statement in program.statements:
        for name in names_in(statement.value):
            label = printer.name_shown(name)
            if name in forward:
                label += " = " + value_text(forward[name])
            lines.append(f'  {_id(name)} -> {_id(statement.target)} '
                         f'[color="{FORWARD}", fontcolor="{FORWARD}", '
                         f'label="{_escape(label)}"];')
            gradient = _share_label(d, printer, name, statement.target,
                                    shares.get(name, {})) if name in fans else \
                _gradient_label(d, printer, name, gradients)
            if gradient is not None:
                lines.append(f'  {_id(statement.target)} -> {_id(name)} '
                             f'[color="{BACKWARD}", fontcolor="{BACKWARD}", style=dashed, '
                             f'constraint=false, label="{_escape(gradient)}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _gradient_label(d, printer, name: str, gradients: dict) -> str | None:
    """∂L/∂X along the arrow back to X (with its value, if known)."""
    grad = d.all_gradients.get(name)
    if grad is None:
        return None
    label = printer.doprint(grad.matrix_lhs)
    if name in gradients:
        label += " = " + value_text(gradients[name])
    return label


def _total(d, printer, name: str, fans: set, gradients: dict) -> str:
    """The second line of a fan-out's node: its whole gradient, the shares added up."""
    if name not in fans or name not in gradients:
        return ""
    return "\n" + printer.doprint(d.all_gradients[name].matrix_lhs) + " = " + \
        value_text(gradients[name])


def _share_label(d, printer, name: str, target: str, shares: dict) -> str | None:
    """∂L/∂X via Z along the arrow back from Z to X: that path's share (with its value,
    if known)."""
    grad = d.all_gradients.get(name)
    if grad is None:
        return None
    label = f"{printer.doprint(grad.matrix_lhs)} via {printer.name_shown(target)}"
    if target in shares:
        label += " = " + value_text(shares[target])
    return label


def draw(source: str, fmt: str) -> bytes:
    """svg or png of a dot source, by Graphviz's ``dot``."""
    dot = shutil.which("dot")
    if dot is None:
        raise UsageError(f"drawing {fmt} needs Graphviz's dot (apt install graphviz); "
                         "--format dot writes the graph without it", option="format",
                         value=fmt)
    done = subprocess.run([dot, f"-T{fmt}"], input=source.encode("utf-8"),
                          capture_output=True, timeout=60, check=False)
    if done.returncode != 0:
        raise UsageError(f"dot failed: {done.stderr.decode('utf-8', 'replace').strip()}",
                         option="format", value=fmt)
    return done.stdout


def _id(name: str) -> str:
    return '"' + _escape(name) + '"'


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
