"""The staged backward pass (``--backward staged``): CS231n's (seed 003) one gradient per
intermediate, statements in reverse order, (local gradient) * (upstream), ``+=`` for a
second path into a name; verified as a hand-written pass is, and runnable as printed."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from matcalc import check_backward, derive
from matcalc.cli import cli
from matcalc.errors import CheckError, UsageError

STAGED = ("x: ()\ny: ()\nsigy = sigmoid(y)\nnum = x + sigy\nsigx = sigmoid(x)\n"
          "xpy = x + y\nxpysqr = xpy ** 2\nden = sigx + xpysqr\ninvden = 1 / den\n"
          "f = num * invden")


def test_cs231n_staged_backprop_line_by_line():
    d = derive(STAGED, wrt="x,y", backward="staged")
    assert d.backward_numpy.splitlines() == [
        "dnum = invden",
        "dinvden = num",
        "dden = (-1 / den**2) * dinvden",
        "dsigx = (1) * dden",
        "dxpysqr = (1) * dden",
        "dxpy = (2 * xpy) * dxpysqr",
        "dx = (1) * dxpy",
        "dy = (1) * dxpy",
        "dx += ((1 - sigx) * sigx) * dsigx",
        "dx += (1) * dnum",
        "dsigy = (1) * dnum",
        "dy += ((1 - sigy) * sigy) * dsigy",
    ]
    # the named style is still the default
    assert "+=" not in derive(STAGED, wrt="x,y").backward_numpy


def test_the_staged_pass_runs_as_printed_and_is_right():
    d = derive(STAGED, wrt="x,y", backward="staged")
    assert check_backward(d, d.backward_numpy).ok
    values = {"x": 3.0, "y": -4.0}
    exec_values = dict(values)
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    exec_values.update(sigy=sig(-4.0), num=3 + sig(-4.0), sigx=sig(3.0), xpy=-1.0,
                       xpysqr=1.0, den=sig(3.0) + 1.0, invden=1 / (sig(3.0) + 1.0))
    exec("\n".join(d.backward_numpy.splitlines()), {"np": np}, exec_values)  # our own code
    d.at(values)
    assert exec_values["dx"] == pytest.approx(float(d.values_at["gradients"]["x"]))
    assert exec_values["dy"] == pytest.approx(float(d.values_at["gradients"]["y"]))


def test_a_wrong_staged_line_is_caught(monkeypatch):
    from matcalc.codegen import staged
    real = staged.staged_code

    def tampered(d, *args):
        lines = real(d, *args)
        return [(n, op, code.replace("(1) * dnum", "(2) * dnum")) for n, op, code in lines]
    monkeypatch.setattr(staged, "staged_code", tampered)
    with pytest.raises(CheckError, match="staged backward pass"):
        derive(STAGED, wrt="x,y", backward="staged")


def test_inputs_in_the_order_asked_then_intermediates():
    d = derive("x: ()\ny: ()\nz: ()\nq = x + y\nf = q * z", wrt="x,y,z", backward="staged")
    assert d.backward_numpy.splitlines() == ["dz = q", "dq = z", "dx = (1) * dq",
                                             "dy = (1) * dq"]
    d = derive("w: (3,)\nx: (2,)\ndot = w[0]*x[0] + w[1]*x[1] + w[2]\nf = sigmoid(dot)",
               wrt="x,w", backward="staged")
    assert d.backward_numpy.splitlines() == ["ddot = (1 - f) * f",
                                             "dx = [w[0] * ddot, w[1] * ddot]",
                                             "dw = [x[0] * ddot, x[1] * ddot, (1) * ddot]"]


def test_matrices_write_each_statements_share():
    d = derive("B = A; C = A; D = B * C", wrt="A", backward="staged")
    assert d.backward_numpy.splitlines() == ["dB = dD * C", "dC = dD * B", "dA = dC",
                                             "dA += dB"]
    mlp = ("Y: onehot(m, c); b1: (h,); Z1 = X @ W1 + b1; H = relu(Z1); Z2 = H @ W2; "
           "P = softmax(Z2); L = cross_entropy(Y, P)")
    d = derive(mlp, wrt="W1,b1,W2", backward="staged")
    assert "dW1 = X.T @ dZ1" in d.backward_numpy.splitlines()


def test_every_format_shows_the_staged_pass():
    args = ["derive", STAGED, "--wrt", "x,y", "--backward", "staged"]
    runner = CliRunner()
    text = runner.invoke(cli, args).output
    assert "dx      += ((1 - sigx) * sigx) * dsigx" in text  # dxpysqr's width
    assert "dx       = (1) * dxpy" in text
    contract = json.loads(runner.invoke(cli, [*args, "--format", "json"]).output)
    assert "dy += ((1 - sigy) * sigy) * dsigy" in contract["backward_numpy"]
    markdown = runner.invoke(cli, [*args, "--format", "markdown"]).output
    assert "dx += (1) * dnum" in markdown
    module = runner.invoke(cli, [*args, "--format", "numpy"]).output
    assert "    dx += (1) * dnum" in module
    namespace: dict = {}
    exec(compile(module, "module.py", "exec"), namespace)  # our own generated module
    assert namespace["check"]() < 1e-4
    assert "--backward [named|staged]" in runner.invoke(cli, ["derive", "--help"]).output


def test_a_bad_style_is_a_usage_error():
    with pytest.raises(UsageError, match="named or staged"):
        derive("C = A @ B", wrt="A", backward="cs231n")
