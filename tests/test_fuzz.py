"""Property-based fuzzing over the whole language: every random well-typed program either
derives and verifies, or stops with a documented refusal. 300 examples here; run more with
``python -m matcalc.fuzz --examples 10000``."""

from __future__ import annotations

from matcalc.fuzz import Tally, check_program, run


def test_random_programs_verify_or_are_refused():
    tally = run(300)
    assert not tally.failures, "\n---\n".join(f"{p}\n=> {why}" for p, why in
                                             tally.failures[:5])
    assert tally.verified >= 250  # the generator mostly makes derivable programs


def test_the_fuzzer_can_fail():
    """A program whose derivation breaks is counted as a failure, not passed over."""
    tally = Tally()
    check_program("C = A @ B\nD = C @@ A", tally)   # a syntax error is not a refusal
    assert len(tally.failures) == 1
