"""Issue 19, scope point 9: random and hand-written programs must never find the engine
wrong (a derivation the check catches) or stuck (an internal error, a missing element
form, a gradient without numpy). Each test stands for a class of program, found by hand
or by the fuzzer, and checks meaning: the result verifies (the conftest hook runs every
step, the result and its numpy against central differences) and has numpy code."""

from __future__ import annotations

import pytest

from helpers import derived


def has_numpy(d, wrt: str) -> bool:
    return d.numpy_of(wrt) is not None


# ---- a vector's gradient that comes out a row (𝟏ᵀ M), with a named gradient put in
# entry by entry: its entry j was read at (j, 0), the row's first entry, for every j

@pytest.mark.parametrize("program", [
    "u: (p,); c: (k,); U = u * (u + outer(c, u)); f = sum(U)",
    "u: (p,); c: (k,); U = u * outer(c, u); f = sum(U)",
    "u: (p,); A: (k, p); U = u * (A + u); f = sum(U * U)",
])
def test_a_vector_gradient_found_as_a_row_is_read_along_the_row(program):
    d = derived(program, wrt="u")
    assert d["u"].result is not None and has_numpy(d, "u")
