"""The checker on matcalc's numpy stand-in (``MATCALC_ARRAYS=purenp``, as where numpy
cannot be imported): it rejects the same wrong variants as on numpy (the mutation test's
catalogue, tests/test_mutation.py), and verifies what it verifies."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import test_mutation

TESTS = Path(__file__).resolve().parent
# a mask (ReLU), a max gate's routing, a kink (|r|), a stack's shared weight: ~3 s on the
# stand-in. The whole catalogue passes there too, in ~1 min (the heads alone 35 s):
#     MATCALC_ARRAYS=purenp python -m pytest tests/test_mutation.py
CASES = ("mlp_relu", "56_max_gate", "45_l1_regression", "74_batched")


def on_purenp(code: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "MATCALC_ARRAYS": "purenp"}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=TESTS, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_stand_in_rejects_the_wrong_variants_numpy_rejects():
    done = on_purenp(f"""
        import json, sys
        import test_mutation
        from matcalc.arrays import NUMPY
        assert not NUMPY
        out = {{}}
        for name in {CASES!r}:
            o = test_mutation.outcome(name)
            out[name] = {{"kept": [list(k) for k in o.kept],
                          "accepted": {{c: v for c, v in o.accepted.items()}}}}
        print(json.dumps(out))
    """)
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout)
    for name in CASES:
        on_numpy = test_mutation.outcome(name)
        assert found[name]["kept"] == [list(k) for k in on_numpy.kept]  # the same variants
        assert found[name]["kept"], name
        assert not any(found[name]["accepted"].values()), (name, found[name]["accepted"])


def test_examples_verify_on_the_stand_in():
    """A conv layer, a batched product, an MLP: every step, result and numpy line. (All 87
    examples verify in the page: benchmarks/run.py --browser; heads by reshape takes 7 s
    there, too long for the suite.)"""
    done = on_purenp("""
        from pathlib import Path
        from matcalc import derive
        for name in ("80_conv2d_layer", "74_batched_matmul_shared_weight", "17_mlp"):
            d = derive((Path("..") / "examples" / f"{name}.mc").read_text(), wrt="all")
            assert d.verified_on == 3, (name, d.unverified)
        print("verified")
    """)
    assert done.returncode == 0 and done.stdout.strip() == "verified", done.stderr[-3000:]
