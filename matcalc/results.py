"""What a derivation produces: plain data, read by the renderers and the checker.

A ``Derivation`` holds the program, its shapes, the forward definitions (C = A B with
c_kl = Σ_p a_kp b_pl) and, per name, a ``Gradient``: ∂L/∂X with its proof (a list of
``Step``), its matrix form and its index form. A ``Derivative`` is a Jacobian ∂Y/∂X or a
Hessian ∂²f/∂x∂xᵀ with its proof. Display (text, LaTeX, Markdown, JSON, notebooks, numpy
code) is ``shown``'s, whose classes the pipeline makes; verification is ``check.verify``'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sympy import Expr

from .language.program import Program
from .language.shapes import Shape, Shapes

if TYPE_CHECKING:  # results are plain data: the calculus makes them, and is not needed here
    from .calculus.lower import Names
    from .calculus.proof import Step

__all__ = ["Derivation", "Derivative", "ForwardDefinition", "Gradient"]


@dataclass
class ForwardDefinition:
    """C = A B with its element form c_kl = Σ_p a_kp b_pl."""

    name: str
    node: object          # the program expression (shown in matrix form)
    element_lhs: Expr
    element_rhs: Expr


@dataclass
class Gradient:
    """∂L/∂X with its proof. ``result`` is the named form (in terms of the gradients of the
    results X feeds, ∂L/∂Z), ``inlined`` the same with every named gradient substituted."""

    wrt: str
    shape: Shape
    lhs: Expr                    # ∂L/∂a_ij
    matrix_lhs: Expr             # ∂L/∂A (as a Partial of matrices)
    steps: list[Step]
    result: Expr | None          # the matrix form, or None when there is none
    index_form: Expr             # the collapsed index form
    no_matrix_form: str | None = None
    consumers: list[str] = field(default_factory=list)   # the results X feeds
    inlined: Expr | None = None
    zero: bool = False           # X does not influence the output
    # the steps from ``result`` to ``inlined`` when it was found entry by entry (each named
    # gradient substituted, the algebra let cancel), or empty when it is put in as matrices
    inline_steps: list[Step] = field(default_factory=list)
    # the entry's index on each axis: (i, j); (0, i) for a 1×n row; (j,) for a bias
    axes: tuple = ()
    # ∂L/∂Y of the loss L = g(Y), g a declared map: the map's own symbol ∂L/∂Y, nothing to
    # derive or substitute (shown only when asked for)
    declared: bool = False
    # what the index form is, by name, where it has one: {"key": "full_convolution",
    # "params": {…}} (a convolution's gradients), phrased by the templates
    form: dict | None = None
    # the derivation it belongs to (for its display), set once the derivation is complete
    owner: Any = field(default=None, repr=False, compare=False)


@dataclass(eq=False, repr=False)
class Derivation:
    """Gradients of a program's loss, with proofs: ``gradients`` are the requested ones,
    ``all_gradients`` every one derived on the way, in the order of the backward pass."""

    program: Program
    shapes: Shapes
    names: Names
    output: str
    loss: str
    definitions: list[ForwardDefinition]
    gradients: dict[str, Gradient] = field(default_factory=dict)
    all_gradients: dict[str, Gradient] = field(default_factory=dict)
    inline: bool = False          # renderers also show each requested gradient substituted
    style: str = "article"        # the proofs' order: "article" (keep, then differentiate)
    checked: dict = field(default_factory=dict, repr=False)  # verification reports, by trials
    verified_on: int | None = None  # random instances it was verified on before returning
    unverified: str | None = None   # why it could not be verified (no input in its domain)
    against: dict = field(default_factory=dict)  # verdicts on hand-derived formulas, by wrt
    values_at: dict | None = None   # d.at(...): inputs, forward values and gradients
    # a symmetric or spd input's gradient: "sym" (G + Gᵀ)/2, on symmetric matrices, or
    # "full" G, its entries taken as independent (``calculus.symmetric``)
    symmetric_gradient: str = "sym"
    # the inputs declared symmetric or spd that have a gradient (set once derived)
    symmetric_inputs: list[str] = field(default_factory=list)
    # how the numpy backward pass is written: "named" (one line per named gradient the
    # requested ones need, substituted where simpler) or "staged" (CS231n's: one line per
    # name and statement, (local gradient) * (upstream), += on fan-out: render.staged)
    backward: str = "named"
    # with backward "staged": (Z, X, the share of Z alone) a line, in the pass's order
    staged: list | None = field(default=None, repr=False)
    # what the renderers show: "full" every step, "result" the result alone (its proof is
    # derived and verified all the same)
    proof: str = "full"
    view = "gradients"

    # -- the common one-wrt case
    @property
    def gradient(self) -> Gradient:
        return next(iter(self.gradients.values()))

    @property
    def result(self) -> Expr | None:
        """The matrix form (for a graph, in terms of the named gradients ∂L/∂Z)."""
        return self.gradient.result

    @property
    def inlined(self) -> Expr | None:
        """The matrix form with every named gradient substituted (what numpy computes)."""
        return self.gradient.inlined

    @property
    def steps(self) -> list[Step]:
        return self.gradient.steps

    def __getitem__(self, wrt: str) -> Gradient:
        return self.gradients[wrt]

    @property
    def outputs(self) -> tuple[str, ...]:
        """The results nothing reads (``Program.outputs``); ``output`` is the last."""
        return self.program.outputs

    @property
    def upstreams(self) -> tuple[str, ...]:
        """The outputs with an upstream gradient ∂L/∂O given to the derivation
        (``Program.upstreams``): several outputs each have one, L = Σ_O ⟨∂L/∂O, O⟩."""
        return self.program.upstreams(self.shapes.names)

    @property
    def symmetric_names(self) -> list[str]:
        """The inputs whose gradient here is the one on symmetric matrices, sym(G): the
        symmetric inputs, under the convention "sym" (``calculus.symmetric``)."""
        return list(self.symmetric_inputs) if self.symmetric_gradient == "sym" else []

    @property
    def shown_gradients(self) -> dict[str, Gradient]:
        """The gradients the proof shows: all but a declared map's own symbol (the loss
        L = g(Y): ∂L/∂Y is g's, nothing to derive), unless it is asked for."""
        return {name: g for name, g in self.all_gradients.items()
                if not g.declared or name in self.gradients}

    @property
    def has_upstream(self) -> bool:
        """The loss is implied (L), not the output itself."""
        return bool(self.upstreams)


    @property
    def is_graph(self) -> bool:
        """More than one statement: the backward pass has named intermediate gradients."""
        return len(self.program.statements) > 1


@dataclass(eq=False, repr=False)
class Derivative:
    """∂Y/∂X (a Jacobian, ``kind`` "jacobian") or ∂²f/∂x∂xᵀ (a Hessian), with its proof,
    in the stated layout (numerator: rows follow the output)."""

    kind: str
    program: Program
    shapes: Shapes
    names: Names
    output: str
    wrt: str
    layout: str
    lhs: Expr
    matrix_lhs: Expr
    free: tuple                     # the free indices, in the layout's order
    steps: list[Step] = field(default_factory=list)
    result: Expr | None = None
    index_form: Expr | None = None
    no_matrix_form: str | None = None
    form: dict | None = None        # as Gradient.form
    checked: dict = field(default_factory=dict, repr=False)
    verified_on: int | None = None
    unverified: str | None = None
    proof: str = "full"             # "result": the result alone, its proof not shown
    # seed 004's route for ∂(Wx)/∂x: the element form whose rows are written out (y_k =
    # Σ_p w_kp x_p), each row differentiated by x; None for the proof entry by entry
    rows: Expr | None = None
    # seed 004's xᵀ for ∂(Wx)/∂W: the machine-learning shorthand of its slices (each has
    # xᵀ in one row, 0 elsewhere), stated as such; not a matrix equal to the derivative
    shorthand: Expr | None = None
    # a derivative with three or four indices as a matrix: what vec stacks ("columns",
    # "rows"; index.vec), None otherwise; the first vec_rows free indices are the rows'
    vec: str | None = None
    vec_rows: int = 0
    wrt2: str | None = None          # a Hessian's second input (the block ∂²f/∂W∂b)
    no_kronecker: bool = False       # by matrices, the terms did not factor (index form)
    # by a symmetric S: the Hessian in its free entries vech(S), D_nᵀ H D_n for H = result
    vech: Expr | None = None
    view = "derivative"

