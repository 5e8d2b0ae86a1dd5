"""The checker tested by mutation: a check is only as good as the wrong answers it rejects.

For each gradient the project holds as a textbook formula (the catalogue's, and the
two-layer perceptrons'), small wrong variants are made by rewriting the formula's syntax
tree (``mutants``: a mask, factor or term dropped, a .T dropped or added, a sign flipped,
the operands of @ swapped, a constant changed). A variant is *kept* when it has the
gradient's shape and an outside reference calls it wrong: central differences of the
forward pass on wide inputs — standard normal draws of both signs, positive only where a
function's own argument needs it (ε under √). Every kept variant must then be rejected by
all three checkers:

1. ``verify`` of the derivation with that gradient's numpy code replaced by the variant;
2. ``compare`` (``--against``): its verdict must not be "equal";
3. the ``--format numpy`` module's ``check()``, the gradient's line of ``backward``
   replaced by the variant: it must raise AssertionError.

A variant that does not run or has the wrong shape is a different verdict: it is counted,
not kept. The named gradients a textbook formula reads (dS, dh1, dc) are put in as the
derivation's own numpy code for them, so that the variant runs wherever the gradient's
code runs.
"""

from __future__ import annotations

import copy
import re
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pytest
import test_catalogue
from mutants import closed, mutants

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
sys.path.insert(0, str(EXAMPLES))
from generate import options, program_text  # noqa: E402

from helpers import RELU_MLP  # noqa: E402
from matcalc import derive  # noqa: E402
from matcalc.check import verify  # noqa: E402
from matcalc.check.against import compare  # noqa: E402
from matcalc.check.numeric import check_shapes, forward  # noqa: E402
from matcalc.codegen.backward import numpy_code  # noqa: E402
from matcalc.language.shapes import with_products  # noqa: E402
from matcalc.ops.maps import DIMS  # noqa: E402

# variants that take √ of a negative number run to NaN on purpose
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

MLP_RELU = RELU_MLP + "\n"
MASK1 = "np.heaviside(Z1, 0.0)"   # relu′(Z1), as the derivation's numpy spells it


@dataclass(frozen=True)
class Case:
    program: str
    wrt: tuple[str, ...]            # the gradients derived (the example's, the formulas')
    formulas: dict[str, str]        # gradient -> the textbook's numpy
    positive: frozenset[str] = frozenset()  # inputs a function's argument needs positive


def _catalogue() -> dict[str, Case]:
    cases = {}
    for name, formulas in test_catalogue.TEXTBOOK.items():
        source = (EXAMPLES / f"{name}.mc").read_text(encoding="utf-8")
        wrt = [w.strip() for w in options(source).get("wrt", "").split(",") if w.strip()]
        positive = frozenset({"eps"}) & set(re.findall(r"\w+", source))  # √(v + ε)
        cases[name] = Case(program_text(source), tuple(dict.fromkeys([*wrt, *formulas])),
                           formulas, positive)
    return cases


CASES: dict[str, Case] = {
    **_catalogue(),
    "mlp_relu": Case(MLP_RELU, ("W1", "b1", "W2", "b2"), {
        "W1": f"X.T @ ((P - T) @ W2.T * {MASK1})",
        "b1": f"((P - T) @ W2.T * {MASK1}).sum(axis=0)",
        "W2": "H.T @ (P - T)",
        "b2": "(P - T).sum(axis=0)",
    }),
    # stacks (issue 22): a shared weight's sum over the batch, a batched product's
    # transposes, attention over heads through its named gradient dS
    "74_batched": Case("A: (b, m, n)\nB: (n, p)\nC = A @ B\n", ("A", "B"), {
        "A": "dC @ B.T",
        "B": "(A.swapaxes(-1, -2) @ dC).sum(axis=0)",
    }),
    "76_attention_heads": Case(program_text((EXAMPLES / "76_attention_heads.mc").read_text(
        encoding="utf-8")), ("Q", "K", "V"), {
        "Q": "dS @ K / np.sqrt(Q.shape[3])",
        "K": "dS.swapaxes(-1, -2) @ Q / np.sqrt(Q.shape[3])",
        "V": "P.swapaxes(-1, -2) @ dO",
    }),
    # heads by reshape: a view of the upstream gradient in the reshape's other shape
    "79_heads_by_reshape": Case(program_text((EXAMPLES / "79_heads_by_reshape.mc").read_text(
        encoding="utf-8")), ("Wq", "Wo"), {
        "Wq": "(X.swapaxes(-1, -2) @ dQ.transpose(0, 2, 1, 3).reshape(X.shape)).sum(axis=0)",
        "Wo": "(O.swapaxes(-1, -2) @ dY).sum(axis=0)",
    }),
    # seed 001's perceptron (sigmoid), examples/17_mlp.mc
    "17_mlp": Case(program_text((EXAMPLES / "17_mlp.mc").read_text(encoding="utf-8")),
                   ("W", "b", "W2", "b2"), {
        "W": "X.T @ ((P - T) @ W2.T * H * (1 - H))",
        "b": "((P - T) @ W2.T * H * (1 - H)).sum(axis=0)",
        "W2": "H.T @ (P - T)",
        "b2": "(P - T).sum(axis=0)",
    }),
}

DRAWS = 8              # wide draws for the reference (few scalars need several)
WRONG = 1e-3           # a variant this far from the reference (relative) is wrong
RIGHT = 1e-6           # the textbook formula itself must be this close
SIZES = (3, 4, 2, 5)   # the dimensions' sizes, in order of appearance
MAX_CHECKED = 10       # kept variants put to the checkers, per formula


# ------------------------------------------------------------------ the reference

def _wide_inputs(d, case: Case, seed: int) -> tuple[dict, np.ndarray | None]:
    """Inputs of both signs at normal scale 1.5; declared assumptions kept (one-hot
    rows, SPD matrices); positive only where a function's own argument needs it."""
    rng = np.random.default_rng(1000 + seed)
    symbolic = list(dict.fromkeys(x for shape in d.shapes.names.values() for x in shape
                                  if isinstance(x, str)))
    # sizes turn with the draw: a mistake right at one size (N/2 = 1) shows at another
    dims = {name: SIZES[(k + seed) % len(SIZES)] for k, name in enumerate(symbolic)}
    dims = with_products(dims, d.shapes.products)  # d = h·k, a reshape's
    inputs = {}
    for name in d.program.inputs():
        shape = tuple(dims.get(x, x) for x in d.shapes.names[name])
        assumption = d.shapes.assumptions.get(name)
        if assumption == "onehot":
            value = np.zeros(shape)
            rows = value.reshape(-1, shape[-1])
            rows[np.arange(len(rows)), rng.integers(shape[-1], size=len(rows))] = 1.0
        elif assumption == "spd":
            a = rng.normal(size=shape)
            value = a @ a.T + shape[0] * np.eye(shape[0])
        elif name in case.positive:
            value = rng.uniform(0.5, 2.0, size=shape)
        else:
            value = rng.normal(scale=1.5, size=shape)
        inputs[name] = value
    token = DIMS.set(dims)  # a reshape's lengths no input shows (the heads h)
    try:
        values = forward(d.program, inputs)
    finally:
        DIMS.reset(token)
    out = np.shape(values[d.output])
    upstream = rng.normal(size=out) if out else None
    return values, upstream


def _reference(d, values: dict, upstream, wrt: str) -> np.ndarray:
    """∂L/∂wrt by central differences of the forward pass (an intermediate moved where it
    stands), L = Σ dY ∘ Y for a non-scalar output Y."""
    inputs = {n: values[n] for n in d.program.inputs()}
    # every length, read off the values (a reshape's heads h off Q)
    lengths = check_shapes(d, {n: np.asarray(v) for n, v in values.items()})

    def loss(x):
        moved = {wrt: x}
        token = DIMS.set(lengths)
        try:
            out = forward(d.program, {**inputs, **moved},
                          fixed=None if wrt in inputs else moved)[d.output]
        finally:
            DIMS.reset(token)
        return float(np.sum(upstream * out)) if upstream is not None else float(out)

    x0 = np.asarray(values[wrt], dtype=float)
    grad = np.zeros(x0.shape)
    for k in np.ndindex(x0.shape):
        h = 1e-6 * max(1.0, abs(x0[k]))
        up, down = x0.copy(), x0.copy()
        up[k] += h
        down[k] -= h
        grad[k] = (loss(up) - loss(down)) / (2 * h)
    return grad


def _run(code: str, values: dict, upstream, output: str):
    """Our own test code (a textbook formula or a variant of it), run by Python."""
    namespace = {"np": np, **values}
    if upstream is not None:
        namespace[f"d{output}"] = upstream
    with np.errstate(all="ignore"):
        return np.asarray(eval(code, namespace), dtype=float)  # noqa: S307


def _error(a: np.ndarray, b: np.ndarray) -> float:
    if not np.all(np.isfinite(a)):
        return float("inf")
    return float(np.max(np.abs(a - b), initial=0.0)) / max(1.0, float(np.max(np.abs(b),
                                                                               initial=0.0)))


# ------------------------------------------------------------------ the three checkers

def _verify_rejects(d, codes: dict[str, str]) -> set[str]:
    """verify() of the derivation with the numpy code of each gradient in ``codes``
    replaced (the proof, the matrix forms and the backward pass stay as derived): the
    gradients whose check it fails. Each gradient's numpy is checked on its own, so one
    call can judge a variant of each."""
    patched = copy.copy(d)
    patched.checked = {}             # verify keeps reports by a fingerprint of the proof,
    original = d.numpy_of            # which the numpy code is not part of
    patched.numpy_of = lambda name: codes.get(name) or original(name)
    return {check.wrt for check in verify(patched).checks if not check.ok}


def _compare_rejects(d, wrt: str, formula: str) -> bool:
    return not compare(d, wrt, formula).equal


def _module_rejects(module: str, codes: dict[str, str]) -> bool | str:
    """The numpy module with backward's line for each d<wrt> replaced by ``codes[wrt]``:
    True if check() raises AssertionError, False if it passes, else what it raised."""
    for wrt, code in codes.items():
        line = re.compile(rf"^    d{wrt} = .*$", re.MULTILINE)
        assert len(line.findall(module)) == 1, f"no single line for d{wrt} in backward"
        module = line.sub(lambda _, code=code, wrt=wrt: f"    d{wrt} = {code}", module)
    namespace: dict = {"__name__": "generated_mutant"}
    exec(compile(module, "<generated>", "exec"), namespace)  # noqa: S102 (our own module)
    try:
        with np.errstate(all="ignore"):
            namespace["check"]()
    except AssertionError:
        return True
    except Exception as error:  # noqa: BLE001
        return f"{type(error).__name__}: {error}"
    return False


# ------------------------------------------------------------------ one program

CHECKERS = ("verify", "compare", "module")


@dataclass
class Outcome:
    collected: int = 0
    errors: int = 0          # the variant does not run on the reference's inputs
    misshaped: int = 0       # it runs, with another shape than the gradient's
    equivalent: int = 0      # the reference cannot tell it from the gradient
    wrong: int = 0           # well-shaped and wrong: kept
    kept: list[tuple[str, str, str]] = field(default_factory=list)  # checked (capped)
    accepted: dict[str, list[str]] = field(default_factory=lambda: {c: [] for c in CHECKERS})
    module_errors: list[str] = field(default_factory=list)

    def counts(self) -> str:
        a = self.accepted
        return (f"collected {self.collected} (errors {self.errors}, wrong shape "
                f"{self.misshaped}, equivalent {self.equivalent}), kept {self.wrong}, "
                f"checked {len(self.kept)}; accepted by verify {len(a['verify'])}, "
                f"by compare {len(a['compare'])}, by the module's check {len(a['module'])}")

    def report(self, checkers=CHECKERS) -> str:
        lines = [self.counts()]
        for checker in checkers:
            lines += [f"  accepted by {checker}: {v}" for v in self.accepted[checker]]
        lines += [f"  module check raised: {e}" for e in self.module_errors]
        return "\n".join(lines)


def _capped(kept: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """At most MAX_CHECKED variants of each formula, taken in turn from each kind of
    mistake (mask, factor, term, …) in the order they were made."""
    chosen = []
    for wrt in dict.fromkeys(w for w, _, _ in kept):
        groups: dict[str, list] = {}
        for variant in kept:
            if variant[0] == wrt:
                groups.setdefault(variant[1], []).append(variant)
        taken: list = []
        while any(groups.values()) and len(taken) < MAX_CHECKED:
            for group in groups.values():
                if group and len(taken) < MAX_CHECKED:
                    taken.append(group.pop(0))
        chosen += taken
    return [v for v in kept if v in chosen]


@cache
def outcome(name: str) -> Outcome:
    case = CASES[name]
    d = derive(case.program, wrt=list(case.wrt))
    inputs = [w for w in case.wrt if w in d.program.inputs()]
    module = (d if inputs == list(case.wrt) else derive(case.program, wrt=inputs)).show("numpy")
    # the named gradients a formula may read, as the derivation's own numpy
    named = {f"d{g}": numpy_code(d, grad) for g, grad in d.all_gradients.items()
             if g != d.output and f"d{g}" not in d.shapes.names}
    draws = [_wide_inputs(d, case, seed) for seed in range(DRAWS)]
    refs = {wrt: [_reference(d, v, u, wrt) for v, u in draws] for wrt in case.formulas}
    # the textbook's formulas are right, and every checker says so
    textbook = {wrt: closed(f, named) for wrt, f in case.formulas.items()}
    for wrt, code in textbook.items():
        for (values, upstream), ref in zip(draws, refs[wrt]):
            right = _error(_run(code, values, upstream, d.output), ref)
            assert right < RIGHT, f"{name}: the textbook's d{wrt} is off by {right:.1e}"
        assert not _compare_rejects(d, wrt, case.formulas[wrt]), f"{name}: d{wrt}"
    assert not _verify_rejects(d, textbook), f"{name}: verify rejects the textbook"
    assert _module_rejects(module, textbook) is False, f"{name}: check() rejects it"
    out = Outcome()
    kept = []
    for wrt, formula in case.formulas.items():
        for kind, variant in mutants(formula):
            out.collected += 1
            code = closed(variant, named)
            verdict = "equivalent"
            for (values, upstream), ref in zip(draws, refs[wrt]):
                try:
                    value = _run(code, values, upstream, d.output)
                except Exception:  # noqa: BLE001
                    verdict = "error"
                    break
                if value.shape != ref.shape:
                    verdict = "shape"
                    break
                if _error(value, ref) >= WRONG:
                    verdict = "kept"
            if verdict == "error":
                out.errors += 1
            elif verdict == "shape":
                out.misshaped += 1
            elif verdict == "equivalent":
                out.equivalent += 1
            else:
                kept.append((wrt, kind, variant))
    out.wrong = len(kept)
    out.kept = _capped(kept)
    by_wrt: dict[str, list] = {}
    for wrt, kind, variant in out.kept:
        by_wrt.setdefault(wrt, []).append((kind, variant))
    for k in range(max(map(len, by_wrt.values()), default=0)):  # a variant of each at once
        batch = {wrt: found[k] for wrt, found in by_wrt.items() if k < len(found)}
        rejected = _verify_rejects(d, {wrt: closed(v, named) for wrt, (_, v) in batch.items()})
        out.accepted["verify"] += [f"d{wrt} = {v}  [{kind}]" for wrt, (kind, v)
                                   in batch.items() if wrt not in rejected]
    for wrt, kind, variant in out.kept:
        code = closed(variant, named)
        shown = f"d{wrt} = {variant}  [{kind}]"
        if not _compare_rejects(d, wrt, variant):
            out.accepted["compare"].append(shown)
        rejected = _module_rejects(module, {wrt: code})
        if rejected is not True:
            out.accepted["module"].append(shown)
        if isinstance(rejected, str):
            out.module_errors.append(f"{shown}: {rejected}")
    return out


def _params():
    # (until issue 19 a ReLU mask, a factor N/2 and a max gate's routing were accepted
    # here: every input drawn positive beside a log, N drawn 2 on every instance, and too
    # few points on each side of a branch)
    for name in CASES:
        for checker in CHECKERS:
            yield pytest.param(name, checker, id=f"{name}-{checker}")


@pytest.mark.parametrize("name, checker", list(_params()))
def test_every_wrong_variant_is_rejected(name, checker):
    out = outcome(name)
    print(f"\n{name} ({checker}): {out.report([checker])}")
    assert out.kept, f"{name}: no wrong variant kept: {out.counts()}"
    assert not out.accepted[checker], f"{name}: {out.report([checker])}"


def test_the_counts_over_the_catalogue():
    """The totals, printed (pytest -s): what the mutation test covers today."""
    total = Outcome()
    for name in CASES:
        out = outcome(name)
        total.collected += out.collected
        total.errors += out.errors
        total.misshaped += out.misshaped
        total.equivalent += out.equivalent
        total.wrong += out.wrong
        total.kept += out.kept
        for checker, found in out.accepted.items():
            total.accepted[checker] += [f"{name}: {v}" for v in found]
        total.module_errors += [f"{name}: {e}" for e in out.module_errors]
    print(f"\nmutation over {len(CASES)} programs: {total.report()}")
    assert total.collected == total.errors + total.misshaped + total.equivalent + total.wrong
    assert any(kind == "mask" for _, kind, _ in total.kept)
    assert not any(total.accepted.values()), total.report()
