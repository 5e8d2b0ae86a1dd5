"""Proof steps: every stage writes its rewrites through ``Proof.record``, which checks the
invariant that makes a proof a proof — no step introduces a free index the left-hand side
does not have (an index that escapes its sum is a wrong formula, not a style).

    ∂L/∂a_ij = Σ_k Σ_l ∂L/∂c_kl · ∂c_kl/∂a_ij      (chain_rule)      free: i, j
             = Σ_l ∂L/∂c_il · b_jl                  (collapse)        free: i, j

A reason is data: a key that the templates phrase (``reasons.<lang>.j2``) and its
parameters (``{"kept": [["k", "i"], ["p", "j"]]}``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sympy import Expr, Sum

from ..index.symbols import Index, indices_of


@dataclass(frozen=True)
class Reason:
    """Why a step holds: a key that templates phrase, and its parameters."""

    key: str
    params: dict = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Step:
    """lhs = rhs, because of reason. Every rhs is a real sympy expression equal to the
    previous step's (``matcalc.check`` evaluates them)."""

    lhs: Expr | None
    rhs: Expr
    reason: Reason


class ProofError(AssertionError):
    """A rewrite broke the proof's invariant: a bug in matcalc, never the user's."""


class Proof:
    """The steps of one derivation, for the left-hand side ``lhs`` with free indices
    ``free``."""

    def __init__(self, lhs: Expr | None, free: tuple[Index, ...] | set[Index]):
        self.lhs = lhs
        self.free = frozenset(free)
        self.steps: list[Step] = []
        self.written = None   # the program's WrittenOrder: a line keeps the line before's
        #                       order of terms (calculus.written), where it has one

    def record(self, rhs: Expr, key: str, **params) -> None:
        """Add a step, after checking that ``rhs`` has no free index beyond the lhs's
        (an index may vanish: ∂ sum(X)/∂x_ij = 1 does not depend on i or j)."""
        stray = indices_of(rhs) - self.free
        if stray:
            names = ", ".join(sorted(map(str, stray)))
            raise ProofError(f"step '{key}' has the free index {names}, which the left-hand "
                             f"side {self.lhs} does not")
        shadowed = {limit[0] for s in rhs.atoms(Sum) for limit in s.limits} & self.free
        if shadowed:  # Σ_j ∂L/∂y_j ∂y_j/∂a_j: a sum over the entry's own index
            names = ", ".join(sorted(map(str, shadowed)))
            raise ProofError(f"step '{key}' sums over {names}, a free index of the "
                             f"left-hand side {self.lhs}")
        if self.written is not None and self.steps:
            self.written.carry(self.steps[-1].rhs, rhs)
        self.steps.append(Step(self.lhs, rhs, Reason(key, params)))

    def add(self, steps: list[Step]) -> None:
        """Steps recorded by another proof of the same lhs (a trial that was kept)."""
        for step in steps:
            self.record(step.rhs, step.reason.key, **step.reason.params)

    def mark(self) -> int:
        return len(self.steps)

    def since(self, mark: int) -> list[Step]:
        """The steps after ``mark``, taken out of the proof (a trial to keep or drop)."""
        taken = self.steps[mark:]
        del self.steps[mark:]
        return taken

    @property
    def last(self) -> Expr:
        return self.steps[-1].rhs
