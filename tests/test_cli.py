"""The command line, through click's CliRunner and through a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import result_line
from matcalc.cli import cli, main

DESIGN_STEPS = [  # design.md §1, in this order
    "∂L/∂a_ij = Σ_k Σ_l ∂L/∂c_kl · ∂c_kl/∂a_ij",
    "= Σ_k Σ_l ∂L/∂c_kl · Σ_p ∂(a_kp b_pl)/∂a_ij",
    "= Σ_l ∂L/∂c_il · b_jl",
    "= Σ_l ∂L/∂c_il · (Bᵀ)_lj",
    "= (∂L/∂C Bᵀ)_ij",
    "∂L/∂A = ∂L/∂C Bᵀ",
]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "matcalc", *args], input=stdin,
                          capture_output=True, text=True, timeout=60)


def test_derive_prints_the_design_steps_in_order():
    result = run("derive", "C = A @ B", "--wrt", "A")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    positions = [out.index(step) for step in DESIGN_STEPS]
    assert positions == sorted(positions)
    assert out.splitlines()[0] == "shapes: A (m, n), B (n, h), C (m, h)"
    assert out.splitlines()[1].startswith("C = A B")
    assert "c_kl = Σ_p a_kp b_pl" in out.splitlines()[1]
    assert out.splitlines()[-3] == "numpy: dC @ B.T"
    assert out.splitlines()[-1] == "verified: each step and the result agree with central " \
        "differences at 3 random points"
    assert "∵ only the terms k = i, p = j remain" in out
    assert "(transpose)" in out and "(matrix product)" in out


@pytest.mark.parametrize("fmt, markers", [
    ("latex", [r"\frac{\partial L}{\partial a_{ij}}", r"\sum_{p}",
               r"\left(\mathbf{B}^{\mathsf{T}}\right)_{lj}", r"\because"]),
    ("markdown", ["$$", r"\begin{aligned}", r"\left(\mathbf{B}^{\mathsf{T}}\right)_{lj}"]),
])
def test_latex_and_markdown_show_the_same_steps(fmt, markers):
    text = CliRunner().invoke(cli, ["derive", "C = A @ B", "--wrt", "A"]).output
    other = CliRunner().invoke(cli, ["derive", "C = A @ B", "--wrt", "A", "--format", fmt])
    assert other.exit_code == 0
    for marker in markers:
        assert marker in other.output
    text_steps = sum(1 for line in text.splitlines() if line.lstrip().startswith(("=", "∂L/∂a")))
    tex_steps = other.output.count(r"\quad \left(")
    assert tex_steps == text_steps


def test_json_contract():
    result = CliRunner().invoke(cli, ["derive", "C = A @ B", "--wrt", "A", "--wrt", "B",
                                      "--format", "json"])
    data = json.loads(result.output)
    assert list(data) == ["program", "output", "outputs", "loss", "shapes", "gradients",
                          "verified"]
    assert data["verified"] == {"random_instances": 3}
    assert data["program"] == "C = A @ B"
    assert data["output"] == "C" and data["loss"] == "L"
    assert data["shapes"] == {"A": ["m", "n"], "B": ["n", "h"], "C": ["m", "h"]}
    a, b = data["gradients"]
    assert (a["wrt"], a["shape"], a["numpy"]) == ("A", ["m", "n"], "dC @ B.T")
    assert (b["wrt"], b["numpy"]) == ("B", "A.T @ dC")
    assert a["latex"].startswith(r"\frac{\partial L}{\partial \mathbf{A}} = ")
    assert [s["reason"] for s in a["steps"]] == [
        "chain_rule", "element_form", "keep", "differentiate", "transpose",
        "matrix_product"]
    assert a["steps"][2]["params"] == {"kept": [["k", "i"], ["p", "j"]]}
    assert all({"latex", "text", "reason"} <= set(s) for s in a["steps"])


def test_program_from_file_and_stdin(tmp_path):
    program = "X: (1, n)\nW: (n, m)\nY = X @ W\n"
    path = tmp_path / "layer.mc"
    path.write_text(program)
    from_file = run("derive", str(path), "--wrt", "W")
    from_stdin = run("derive", "-", "--wrt", "W", stdin=program)
    assert from_file.returncode == from_stdin.returncode == 0
    assert from_file.stdout == from_stdin.stdout
    assert result_line(from_file.stdout) == "∂L/∂W = Xᵀ ∂L/∂Y"


def test_semicolons_and_shape_option():
    result = CliRunner().invoke(cli, ["derive", "Z = X @ W + b", "--shape", "b=k,",
                                      "--wrt", "b", "--format", "json"])
    data = json.loads(result.output)
    assert data["shapes"]["b"] == ["k"]
    assert data["gradients"][0]["numpy"] == "dZ.sum(axis=0)"
    inline = CliRunner().invoke(cli, ["derive", "b: (n,); C = A + b", "--wrt", "b"])
    assert result_line(inline.output) == "∂L/∂b = 𝟏ᵀ ∂L/∂C"


def test_check_reports_errors_and_passes():
    result = run("derive", "C = A @ B", "--wrt", "A,B", "--check")
    assert result.returncode == 0
    assert "A: ok" in result.stderr and "B: ok" in result.stderr  # the output stays clean
    assert "finite differences" in result.stderr and "A: ok" not in result.stdout


def test_japanese_reasons():
    out = CliRunner().invoke(cli, ["derive", "C = A @ B", "--wrt", "A", "--lang", "ja"]).output
    assert "k=i, p=j の項のみが残る" in out
    assert "転置" in out


ERROR_CASES = [
    (["derive", "C = A @@ B"], 1, "line 1, column"),
    (["derive", "C = A @ B", "--wrt", "Q"], 2, "--wrt Q: no such name"),
    (["derive", "C = A @ B", "--format", "yaml"], 2, "yaml"),
    (["derive", "C = foo(A)"], 1, "unknown function 'foo'"),
    (["derive", "C = A.shape"], 1, "only '.T'"),
    (["derive", "C = __import__('os').system('echo hi')"], 1, "error"),
    (["derive", "A: (m, n)\nB: (k, p)\nC = A @ B"], 1, "A is (m, n) and B is (k, p)"),
    (["derive", "C = A @ B", "--shape", "A"], 2, "--shape expects NAME=d1,d2"),
    (["derive", "C = A @ B", "--loss", "C"], 2, "its name 'C' is taken"),
    (["derive", "C = dC * A"], 2, "the name dC is taken"),
    (["derive", "x = 1"], 2, "no inputs"),
    (["derive", "A: (m, n)\nA: (n, m)\nY = A"], 1, "declared twice"),
    (["derive", "C = A @ B", "--wrt", ""], 2, "--wrt: needs a name"),
    (["derive", "C = A @ B", "--shape", "b=n"], 2, "--shape b: no such name"),
    (["derive", "Y = A ** 1e400"], 1, "not finite"),
    (["derive", "Y = A ** B"], 1, "a number or a scalar"),
    (["jacobian", "t: ()\nR = [[t, t], [t]]", "--wrt", "t"], 1,
     "line 2, column 14: the rows of a matrix literal have the same length"),
]

@pytest.fixture(scope="module")
def error_runs() -> list:
    from helpers import run_commands  # one interpreter, each case with its own streams
    return run_commands([(args, None) for args, _, _ in ERROR_CASES])


@pytest.mark.parametrize("case", range(len(ERROR_CASES)),
                         ids=[" ".join(args)[:40] for args, _, _ in ERROR_CASES])
def test_errors_are_one_line_without_traceback(case, error_runs):
    args, code, message = ERROR_CASES[case]
    returned, stdout, stderr, _ = error_runs[case]
    assert returned == code, stderr
    assert stdout == ""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("matcalc: error: ")
    assert message in lines[0]
    assert "Traceback" not in stderr


def test_an_error_is_one_line_from_the_installed_command_too():
    """The same, through a process of its own: the entry point ends the process itself."""
    result = run("derive", "C = A @ B", "--wrt", "Q")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip() == "matcalc: error: --wrt Q: no such name" or \
        result.stderr.strip().startswith("matcalc: error: --wrt Q: no such name")


def test_parse_error_points_at_the_column():
    result = run("derive", "C = A @ B\nD = C.foo")
    assert "line 2, column 5" in result.stderr


def test_help_teaches():
    result = CliRunner().invoke(cli, ["derive", "--help"])
    assert result.exit_code == 0
    for word in ("--wrt", "--shape", "--format", "--check", "Operators", "Functions"):
        assert word in result.output
    assert main(["--help"]) == 0


def test_bare_command_prints_help_not_an_error():
    result = run()
    assert result.returncode == 0 and not result.stderr
    assert "derive" in result.stdout and "error" not in result.stdout


def test_console_script_module_entry():
    result = run("--version")
    assert result.returncode == 0
    assert "matcalc" in result.stdout


@pytest.mark.unverified
def test_check_fails_on_a_wrong_result(monkeypatch):
    """--check can fail: a derivation whose result is tampered with exits 1 and says so."""
    import sympy

    import matcalc.pipeline as derivation_module
    real = derivation_module.derive

    def tampered(*args, **kwargs):
        d = real(*args, **kwargs)
        grad = d.gradients["A"]
        grad.result = grad.inlined = sympy.Transpose(grad.result.T) * 2  # 2 ∂L/∂C Bᵀ
        return d

    monkeypatch.setattr(derivation_module, "derive", tampered)
    result = CliRunner().invoke(cli, ["derive", "C = A @ B", "--wrt", "A", "--check"])
    assert result.exit_code == 1
    assert "A: MISMATCH" in result.output


def test_compiled_templates_are_cached_and_the_cache_can_be_turned_off(tmp_path):
    """The second run reads compiled templates from MATCALC_CACHE_DIR (a cold start cost);
    the output is the same with and without the cache."""
    import os
    cache = tmp_path / "cache"
    env = {**os.environ, "MATCALC_CACHE_DIR": str(cache)}
    command = [sys.executable, "-m", "matcalc", "derive", "C = A @ B", "--wrt", "A"]
    first = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    assert first.returncode == 0, first.stderr
    assert any(cache.iterdir())
    second = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    off = subprocess.run(command, capture_output=True, text=True, timeout=60,
                         env={**os.environ, "MATCALC_CACHE_DIR": ""})
    assert first.stdout == second.stdout == off.stdout


def test_deriving_and_printing_do_not_import_numpy():
    """numpy costs a cold start ~50 ms; only checking and evaluating need it."""
    code = ("import sys; from matcalc import derive; "
            "derive('H = softplus(X @ W)', check=False).text(); "
            "print('numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.stdout.strip() == "False", out.stderr


@pytest.mark.unverified
def test_a_wrong_derivation_is_caught_and_never_shown(monkeypatch, capsys):
    """Every result is checked before it is shown: a bug that doubles a result (injected
    here into the recogniser) gives exit 1, a message, and no result on stdout."""
    import matcalc.calculus.recognise as recognise_module
    from matcalc import derive
    from matcalc.errors import CheckError
    real = recognise_module.recognise

    def doubled(*args, **kwargs):
        found = real(*args, **kwargs)
        return recognise_module.Recognised(2 * found.result, found.steps)

    monkeypatch.setattr(recognise_module, "recognise", doubled)
    assert main(["derive", "C = A @ B", "--wrt", "A"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "a wrong derivation was caught" in err
    with pytest.raises(CheckError, match="wrong derivation was caught"):
        derive("C = A @ B", wrt="A")
    assert derive("C = A @ B", wrt="A", check=False).result is not None  # asked for


def test_a_program_defined_nowhere_is_refused():
    # log of the zeros off diag(x)'s diagonal: no point where the program is defined
    result = run("derive", "x: (n,); Y = log(diag(x))", "--wrt", "x")
    assert result.returncode == 1 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "log(diag(x))" in result.stderr and "defined nowhere" in result.stderr


def test_output_that_cannot_spell_the_symbols_falls_back_to_utf8():
    # a cp1252 (or cp932) terminal cannot encode ∂ or Σ: UTF-8 instead of exit 70
    import os
    env = {**os.environ, "PYTHONIOENCODING": "cp1252"}
    out = subprocess.run([sys.executable, "-m", "matcalc", "derive", "C = A @ B", "--wrt", "A"],
                         capture_output=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "∂L/∂A = ∂L/∂C Bᵀ" in out.stdout.decode("utf-8")


def test_a_program_file_with_a_byte_order_mark(tmp_path):
    path = tmp_path / "bom.mc"
    path.write_bytes("\ufeffC = A @ B\n".encode())
    for result in (run("derive", str(path), "--wrt", "A"),
                   run("derive", "-", "--wrt", "A", stdin="\ufeffC = A @ B\n")):
        assert result.returncode == 0, result.stderr
        assert "∂L/∂A = ∂L/∂C Bᵀ" in result.stdout


def test_a_shape_given_twice_is_a_usage_error():
    result = run("derive", "C = A @ B", "--shape", "A=m,n", "--shape", "A=n,m")
    assert result.returncode == 2 and "--shape A is given twice" in result.stderr


def _requested(result) -> list[str]:
    gradients = json.loads(result.output)["gradients"]
    return list(gradients) if isinstance(gradients, dict) else [g["wrt"] for g in gradients]


def test_a_gallery_file_runs_as_its_header_says(tmp_path):
    """Issue 20, point 5: '# wrt:', '# loss:' and '# shape:' lines at the top of a program
    file act as the options; the command line wins."""
    result = CliRunner().invoke(cli, ["derive", "examples/17_mlp.mc", "--format", "json"])
    assert result.exit_code == 0 and _requested(result) == ["W", "b", "W2", "b2"]
    result = CliRunner().invoke(cli, ["derive", "examples/17_mlp.mc", "--wrt", "W2",
                                      "--format", "json"])
    assert _requested(result) == ["W2"]
    path = tmp_path / "layer.mc"
    path.write_text("# shape: X=m,n; b=h,\n# wrt: b\nZ = X @ W + b\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["derive", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert _requested(result) == ["b"] and json.loads(result.output)["shapes"]["b"] == ["h"]


@pytest.mark.parametrize("shape", ["A=3,,x", "A=,n", "A=m,,"])
def test_a_malformed_shape_is_refused(shape):
    result = CliRunner().invoke(cli, ["derive", "C = A @ B", "--shape", shape])
    assert result.exit_code == 2 and "empty dimension" in result.output


@pytest.mark.parametrize("command", ["jacobian", "hessian"])
def test_every_gallery_file_of_a_command_runs_by_its_name_alone(command):
    """The Jacobian and Hessian files of the gallery state their '# wrt:' (and '# layout:')
    in their heading: run by name with no option, each is the derivative that states."""
    files = [p for p in sorted((Path(__file__).parent.parent / "examples").glob("*.mc"))
             if f"# command: {command}" in p.read_text(encoding="utf-8")]
    assert files
    for path in files:
        result = CliRunner().invoke(cli, [command, str(path), "--format", "json"])
        assert result.exit_code == 0, (path, result.output)
        header = path.read_text(encoding="utf-8")
        assert json.loads(result.output)["wrt"] in header.split("# wrt:")[1].split("\n")[0]
        if "# layout: denominator" in header:
            assert "denominator" in result.output


def test_a_jacobian_without_wrt_says_where_it_could_come_from():
    result = CliRunner().invoke(cli, ["jacobian", "x: (n,); y = W @ x"])
    assert result.exit_code == 2 and "# wrt:" in result.output
    result = CliRunner().invoke(cli, ["jacobian", "# wrt: W, x\nx: (n,)\ny = W @ x"])
    assert result.exit_code == 2 and "takes one" in result.output


def test_steps_full_and_indicator_one():
    """--steps element writes every line of a scalar derivative the articles write at once;
    --indicator one writes the max gate's indicators as seed 003 does."""
    runner = CliRunner()
    at_once = runner.invoke(cli, ["derive", "x: (); y: (); f = x * y", "--wrt", "x"]).output
    full = runner.invoke(cli, ["derive", "x: (); y: (); f = x * y", "--wrt", "x",
                               "--steps", "element"]).output
    assert "∂f/∂x = y    (differentiate)" in at_once and "∂(x y)/∂x" not in at_once
    assert "∂f/∂x = ∂(x y)/∂x" in full and "y · ∂x/∂x" in full
    one = runner.invoke(cli, ["derive", "x: (); y: (); f = maximum(x, y)", "--wrt", "x,y",
                              "--indicator", "one"])  # (conftest restores the notation)
    assert one.exit_code == 0 and "𝟙(x > y)" in one.output and "𝟙(y ≥ x)" in one.output
