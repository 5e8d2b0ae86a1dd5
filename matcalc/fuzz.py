"""Property-based fuzzing: random well-typed programs over the whole language.

Each program must either derive and pass verification (every step equal to the previous
one, results and numpy code equal to finite differences), or stop with a documented
``UnsupportedError`` (a case this version cannot derive; its reason is tallied). Any other
exception, or a failed check, is a bug. A quarter of the programs have m = 1 (size-1
dimensions everywhere), and each program's Jacobians by x and by A and, for a scalar output,
its Hessians by x and by A are checked too.

    python -m matcalc.fuzz --examples 10000      # prints the tally and any failures
    python -m matcalc.fuzz --examples 4000 --seed 7    # another sequence of programs
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

# Typed names a program can use: (name, shape)
MATRICES = {"A": ("m", "n"), "B": ("n", "m"), "S": ("n", "n"), "W": ("n", "n")}
VECTORS = {"x": ("n",), "v": ("m",)}
SCALARS = {"c": ()}
STACKS = {"T": ("b", "m", "n"), "U": ("b", "n", "n")}  # stacks of matrices (issue 22)
# convolutions: a kernel over U's channels; one-channel images and n 3×3 kernels
KERNELS = {"R": ("n", "n", "3"), "V": ("b", "1", "n", "n"), "K": ("n", "1", "3", "3")}
DECLARATIONS = {**MATRICES, **VECTORS, **SCALARS, **STACKS, **KERNELS}


@dataclass
class Tally:
    verified: int = 0
    unsupported: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    reasons: Counter = field(default_factory=Counter)  # why programs were refused


def declarations(unit: bool = False) -> str:
    """The typed names; with ``unit``, m = 1 (A is 1×n, v has one entry)."""
    lines = []
    for name, shape in DECLARATIONS.items():
        shape = tuple("1" if unit and d == "m" else d for d in shape)
        dims = ", ".join(shape) + ("," if len(shape) == 1 else "")
        lines.append(f"{name}: ({dims})")
    return "\n".join(lines)


def check_program(program: str, tally: Tally, derivatives: bool = True) -> None:
    """Derive every input's gradient and verify it, and (with ``derivatives``) the
    Jacobians by x and A and, for a scalar output, the Hessians by x and A; record the
    outcome."""
    from .check import verify
    from .errors import UnsupportedError, UsageError
    from .pipeline import derive, hessian, jacobian
    makers = [lambda: derive(program, wrt="all", check=False)]  # checked here, once
    if derivatives:
        makers += [lambda: jacobian(program, "x", check=False),
                   lambda: hessian(program, "x", check=False),
                   # by a matrix: the vec and Kronecker forms (issue 24)
                   lambda: jacobian(program, "A", check=False),
                   lambda: hessian(program, "A", check=False)]
    for n, make in enumerate(makers):
        try:
            report = verify(make(), trials=1)
        except (UnsupportedError, UsageError) as refused:  # documented refusals
            if n == 0:
                tally.unsupported += 1
                tally.reasons[str(refused).split(": ", 1)[-1][:90]] += 1
                return
            continue  # x is not an input, or the output is not a scalar: nothing to check
        except Exception as error:  # anything else is a bug
            tally.failures.append((program, f"{type(error).__name__}: {error}"))
            return
        if not report.agrees:
            tally.failures.append((program, report.summary()))
            return
        if report.uncovered:  # right where checked, but a branch never seen on both sides
            tally.unsupported += 1
            site, _, why = report.uncovered[0].partition(": ")
            tally.reasons[f"not verified: {site.split('(')[0]}(…) {why.split(' in ')[0]}"] += 1
            return
    tally.verified += 1


def strategy():
    """A hypothesis strategy of program texts (several statements, fan-out, every function)."""
    from functools import cache

    from hypothesis import strategies as st

    from . import ops

    @cache  # one strategy per (shape, depth, earlier): building them is most of a draw's time
    def expr(shape_kind: str, depth: int, earlier: tuple = ()):
        """An expression of the given shape; ``earlier`` results of that shape may appear
        in it, so statements read each other (h1 = f(h0 @ W)), not just add up."""
        names = {"mn": ["A"], "nm": ["B"], "nn": ["S", "W"], "n": ["x"], "m": ["v"],
                 "": ["c", "2", "0.5"], "bmn": ["T"], "bnn": ["U"]}[shape_kind]
        names = names + [name for name, kind in earlier if kind == shape_kind]
        leaves = st.sampled_from(names)
        if depth <= 0:
            return leaves
        sub = lambda kind: expr(kind, depth - 1, earlier)  # noqa: E731
        options = [leaves,
                   st.tuples(sub(shape_kind), st.sampled_from(["+", "-", "*"]),
                             sub(shape_kind)).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
                   st.tuples(sub(""), sub(shape_kind)).map(lambda t: f"({t[0]} * {t[1]})")]
        # every operation's own examples of use (ops.Op.fuzz), "*" standing for any kind
        for op in ops.REGISTRY.values():
            for result, args, form in op.fuzz:
                if result not in ("*", shape_kind):
                    continue
                kinds = [shape_kind if kind == "*" else kind for kind in args]
                if not kinds:
                    options.append(st.just(form))
                else:
                    options.append(st.tuples(*[sub(kind) for kind in kinds]).map(
                        lambda t, form=form: form.format(*t)))
        products = {"mn": [("mn", "nn")], "nn": [("nm", "mn"), ("nn", "nn")],
                    "nm": [("nn", "nm")], "n": [("nn", "n"), ("nm", "m")], "m": [("mn", "n")],
                    "": [("n", "n"), ("m", "m")],
                    # stacks: a shared matrix on either side, or stack by stack
                    "bmn": [("bmn", "nn"), ("bmn", "bnn"), ("mn", "bnn")],
                    "bnn": [("bnn", "bnn"), ("nn", "bnn"), ("bnn", "nn")]}[shape_kind]
        for left, right in products:
            options.append(st.tuples(sub(left), sub(right)).map(
                lambda t: f"({t[0]} @ {t[1]})"))
        if shape_kind == "mn":
            options.append(sub("nm").map(lambda e: f"({e}).T"))
            options.append(sub("bmn").map(lambda e: f"sum({e}, axis=0)"))
        if shape_kind == "bmn":  # a matrix or a row broadcast over the stack
            options.append(st.tuples(sub("bmn"), sub("mn")).map(lambda t: f"({t[0]} + {t[1]})"))
            options.append(st.tuples(sub("bmn"), sub("n")).map(lambda t: f"({t[0]} * {t[1]})"))
            options.append(sub("bmn").map(lambda e: f"softmax({e}, axis=-1)"))
            # reshapes (issue 22): the batch flattened for a shared matrix, and the last
            # axis split in two (n = g·f), its halves swapped and merged back
            options.append(st.tuples(sub("bmn"), sub("nn")).map(
                lambda t: f"(({t[0]}).reshape(-1, n) @ {t[1]}).reshape(b, m, n)"))
            options.append(sub("bmn").map(
                lambda e: f"({e}).reshape(b, m, g, f).transpose(0, 1, 3, 2).reshape(b, m, n)"))
            options.append(sub("bmn").map(
                lambda e: f"({e} - mean({e}, axis=-1, keepdims=True))"))
        if shape_kind == "bnn":
            options.append(sub("bnn").map(lambda e: f"({e}).mT"))
            options.append(sub("bmn").map(lambda e: f"(({e}).swapaxes(-1, -2) @ T)"))
        if shape_kind == "":
            options.append(sub("bmn").map(lambda e: f"sum({e} * T)"))
        return st.one_of(*options)

    @st.composite
    def programs(draw):
        count = draw(st.integers(1, 3))
        unit = draw(st.sampled_from([False, False, False, True]))
        lines = [declarations(unit=unit)]
        names = []
        for k in range(count):
            kind = draw(st.sampled_from(["mn", "nn", "n", "", "bmn", "bnn"]))
            body = draw(expr(kind, draw(st.integers(1, 3)), tuple(names)))
            known = {*DECLARATIONS, *(name for name, _ in names)}
            if not known & set(re.findall(r"[A-Za-z_]\w*", body)):  # numbers alone: read c
                body = f"({body} * c)"
            if names and draw(st.booleans()):  # fan-out: reuse an earlier result
                previous, previous_kind = draw(st.sampled_from(names))
                if previous_kind == kind:
                    body = f"({body} + {previous})"
            name = f"h{k}"
            names.append((name, kind))
            if unit:  # m = 1: a reshape writes the length, as the declarations do
                body = body.replace("reshape(b, m, ", "reshape(b, 1, ")
            lines.append(f"{name} = {body}")
        final = names[-1]
        if final[1]:  # end on a scalar: the loss itself
            lines.append(f"out = sum({final[0]} * {final[0]})" if final[1] != "" else "")
        return "\n".join(line for line in lines if line)

    return programs()


def run(examples: int, seed: int = 0) -> Tally:
    """Check ``examples`` programs; seed 0 is the fixed sequence the test suite runs."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as seeded
    tally = Tally()

    @settings(max_examples=examples, deadline=None, database=None, derandomize=seed == 0,
              suppress_health_check=list(HealthCheck))
    @given(strategy())
    def one(program):
        check_program(program, tally)

    (seeded(seed)(one) if seed else one)()
    return tally


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m matcalc.fuzz", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0,
                        help="another sequence of programs (0: the one the tests run)")
    args = parser.parse_args(argv)
    try:
        import hypothesis  # noqa: F401 - the fuzzer's program generator
    except ImportError:
        print("python -m matcalc.fuzz needs hypothesis: pip install -e \".[test]\"",
              file=sys.stderr)
        return 2
    start = time.perf_counter()
    tally = run(args.examples, args.seed)
    seconds = time.perf_counter() - start
    print(f"{args.examples} examples in {seconds:.0f} s: {tally.verified} verified, "
          f"{tally.unsupported} unsupported, {len(tally.failures)} failures")
    for reason, count in tally.reasons.most_common():
        print(f"  unsupported ×{count}: {reason}")
    for program, why in tally.failures[:20]:
        print("---\n" + program + "\n=> " + why)
    return 1 if tally.failures else 0


if __name__ == "__main__":
    sys.exit(main())
