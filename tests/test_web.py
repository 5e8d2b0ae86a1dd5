"""The static page (issue 23), built as a user builds it and driven in the Debian chromium,
offline: python -m matcalc.web OUT, served on 127.0.0.1, loaded by headless Chromium
(tests/js/site.mjs, puppeteer-core) with every request off the page's origin refused.

The page runs matcalc's command line in Pyodide: it derives C = A @ B and the MLP example,
checked in the browser (Pyodide has no numpy: the check runs on matcalc.purenp), switches
to Japanese, runs --against, and gives every example of the gallery the same text as the
command line."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from matcalc.cli import main

JS = Path(__file__).resolve().parent / "js"
ARTEFACTS = Path(os.environ.get("MATCALC_ARTEFACTS", Path(__file__).resolve().parent.parent
                                / "build" / "artefacts"))
PROGRAM = "A: (m, n)\nB: (n, p)\nC = A @ B"


def _missing() -> str | None:
    if not shutil.which("node") or not (JS / "node_modules" / "puppeteer-core").exists():
        return "node or puppeteer-core (tests/js: npm install) is missing"
    if not shutil.which("chromium"):
        return "chromium is missing (apt-get install chromium)"
    if not shutil.which("npm"):
        return "npm is missing"
    return None


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    missing = _missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser test: {missing}")
        pytest.skip(missing)
    from matcalc.web.build import build, serve
    site = build(tmp_path_factory.mktemp("site") / "site", log=lambda line: None)
    server = serve(site)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTEFACTS / "site.png"
    try:
        done = subprocess.run(["node", "site.mjs", f"http://127.0.0.1:{server.server_port}/",
                               str(shot)], cwd=JS, capture_output=True, text=True, timeout=600)
    finally:
        server.shutdown()
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    result["screenshot"] = shot
    result["site"] = site
    return result


def runs(report) -> dict:
    return {run["name"]: run for run in report["runs"]}


def test_the_page_loads_offline_and_derives(report):
    """Nothing is requested off the page's origin; the proof is the HTML format's page (its
    MathML), the result is there, and the page says the check could not run."""
    assert report["outside"] == []
    assert report["status"].startswith("Ready")
    matmul = runs(report)["matmul"]
    assert not matmul["error"]
    assert "<math" in matmul["proof"] and "Gradient with respect to A" in matmul["proof"]
    assert matmul["verdict"] == ("✓ verified in your browser on 3 random points: each step "
                                 "and the result agree with central differences")
    assert matmul["share"].startswith("#program=")
    mlp = runs(report)["mlp"]
    assert not mlp["error"] and "Gradient with respect to W2" in mlp["proof"]
    assert mlp["verdict"].startswith("✓ verified in your browser on 3 random points")
    assert report["screenshot"].stat().st_size > 10_000


def test_the_page_speaks_japanese_and_says_what_it_cannot_run(report):
    ja = runs(report)["matmul ja"]
    assert "勾配" in ja["proof"] and ja["button"] == "導出する"
    assert ja["status"].endswith(" 秒で完了。") and runs(report)["matmul"]["status"] \
        .startswith("Done in ")
    assert runs(report)["matmul again"]["button"] == "Derive"
    assert ja["verdict"] == ("✓ このブラウザの中で 3 組の乱数入力について検証済み："
                             "各ステップと結果が中心差分と一致。")
    jacobian = runs(report)["jacobian"]  # matcalc jacobian … --layout denominator
    assert not jacobian["error"] and "<math" in jacobian["proof"]
    assert jacobian["share"].count("kind=jacobian") == 1 and "layout=denominator" in \
        jacobian["share"]
    assert jacobian["verdict"].startswith("✓ verified in your browser on 2 random points")
    # issue 24: a Hessian by a matrix (I ⊗ (A + Aᵀ)) and a block by two inputs, checked
    by_matrix, block = runs(report)["hessian by a matrix"], runs(report)["hessian block"]
    for run in (by_matrix, block):
        assert not run["error"] and run["verdict"].startswith("✓ verified in your browser")
    kron = "&#x02297;"  # ⊗ in MathML
    assert kron in by_matrix["proof"] and "vec=columns" in by_matrix["share"]
    assert "wrt=W%2C+b" in block["share"] and kron in block["proof"]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["derive", PROGRAM, "--wrt", "A", "--format", "markdown", "--flavor", "zenn"])
    assert report["markdown_zenn"] == out.getvalue()  # the Markdown tab, for Zenn
    # a tab opened after the program was edited (not derived) shows the derivation shown
    assert '"program": "A: (m, n)\\nB: (n, p)\\nC = A @ B"' in report["text_after_edit"]
    against = runs(report)["against"]  # the user's numpy, run on the stand-in
    assert not against["error"] and "right: dC @ B.T equals ∂L/∂A" in against["source"]
    assert against["verdict"].startswith("right: dC @ B.T equals ∂L/∂A")
    wrong = runs(report)["against wrong"]  # the verdict line says so, in red
    assert wrong["verdict"].startswith("wrong: 2 * dC @ B.T is not ∂L/∂A")
    assert wrong["verdict_class"] == "wrong" and against["verdict_class"] == ""


def test_every_gallery_example_gives_the_command_lines_text(report):
    """The browser's Python and this one print the same text for every example."""
    gallery = report["gallery"]
    programs = {e["name"]: e["program"] for e in
                json.loads((report["site"] / "gallery.json").read_text(encoding="utf-8"))}
    assert len(gallery) == len(programs) == \
        len(list((JS.parent.parent / "examples").glob("*.mc")))
    different = []
    for example in gallery:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["derive", programs[example["name"]], "--no-check"])
        if (code, out.getvalue(), err.getvalue()) != \
                (example["code"], example["stdout"], example["stderr"]):
            different.append(example["name"])
    assert not different, different


def test_the_site_holds_its_pinned_parts(report):
    from matcalc.web.build import PINS
    site = report["site"]
    wheels = json.loads((site / "wheels.json").read_text())
    assert [w.split("-")[0].lower() for w in wheels] == [*PINS["wheels"], "matcalc_derive"]
    assert all(w.endswith("-py3-none-any.whl") for w in wheels)
    assert (site / "pyodide" / "pyodide.asm.wasm").exists()
    size = sum(f.stat().st_size for f in site.rglob("*") if f.is_file())
    assert size < 25 * 2 ** 20  # the budget for what a visitor transfers


def test_the_build_is_reproducible(report, tmp_path):
    """A second build gives the same bytes, file for file (the wheels' zips dated 1980)."""
    import hashlib

    from matcalc.web.build import build

    def digests(site: Path) -> dict:
        return {str(f.relative_to(site)): hashlib.sha256(f.read_bytes()).hexdigest()
                for f in sorted(site.rglob("*")) if f.is_file()}
    again = build(tmp_path / "again", log=lambda line: None)
    assert digests(again) == digests(report["site"])
