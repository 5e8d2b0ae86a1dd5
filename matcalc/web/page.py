"""What the page calls, in the browser's Python: the command line, run in-process.

The page builds the same arguments a user would type (``derive PROGRAM --format html
--lang ja``) and shows what the command prints, so that the page and the CLI agree by
construction; an error is the CLI's own one-line message.

    respond('["derive", "C = A @ B", "--wrt", "A"]')
        → '{"code": 0, "stdout": "…", "stderr": ""}'
"""

from __future__ import annotations

import contextlib
import io
import json


def respond(request: str) -> str:
    """Run ``matcalc ARGS`` (``request``: the arguments as a JSON list of strings) and
    return its exit code, standard output and standard error as JSON."""
    from ..cli import main
    args = json.loads(request)
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        return json.dumps({"code": 2, "stdout": "",
                           "stderr": "matcalc: error: the page sent no list of arguments"})
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    return json.dumps({"code": code, "stdout": out.getvalue(), "stderr": err.getvalue()},
                      ensure_ascii=False)


def warm() -> None:
    """Import what a first derivation needs (sympy, the templates), so that the page's
    first answer does not pay for it."""
    respond(json.dumps(["derive", "C = A @ B", "--wrt", "A", "--no-check"]))
