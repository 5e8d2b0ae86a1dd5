"""Assemble the static site: ``build(OUT)``.

OUT/
    index.html, app.js, style.css    the page (``matcalc/web/static``)
    gallery.json                     the examples, to pick from
    pyodide/                         Pyodide's core, from the pinned npm package
    wheels/                          pure-Python wheels (PINS) and matcalc's own
    wheels.json                      the wheels in the order the page installs them

Nothing is fetched at run time from elsewhere: the page loads all of it from OUT. The
downloads are kept in a cache (``$MATCALC_WEB_CACHE``, default ``~/.cache/matcalc-web``),
so that a second build reads no registry. Every version is pinned here, in PINS.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

from ..errors import UsageError

# every version the site is built from: Pyodide's core (npm) and the wheels (PyPI) that
# matcalc needs besides numpy, which Pyodide's core does not have (mpmath below 1.4, as
# sympy 1.14 requires). MarkupSafe publishes compiled wheels only: its pure-Python wheel
# is made here from its source distribution (its C speedups are optional).
PINS = {
    "pyodide": "0.29.3",   # CPython 3.13
    "python": "3.13",
    "wheels": {
        "mpmath": "1.3.0",
        "sympy": "1.14.0",
        "markupsafe": "3.0.2",
        "jinja2": "3.1.6",
        "click": "8.1.8",
        "latex2mathml": "3.78.1",
    },
}
# the files of Pyodide's core the page loads (its lock file lists packages it never needs)
PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip",
                 "pyodide-lock.json")
STATIC = Path(__file__).resolve().parent / "static"


def build(out: Path, cache: Path | None = None, log=print) -> Path:
    """Build the site into ``out`` (emptied first if it is a site already) and return it."""
    root = source_root()
    cache = cache or default_cache()
    cache.mkdir(parents=True, exist_ok=True)
    out = Path(out)
    if out.exists():
        if not (out / "wheels.json").exists() and any(out.iterdir()):
            raise UsageError(f"{out} is not empty and holds no matcalc site: give an empty "
                             "or new folder")
        shutil.rmtree(out)
    try:
        return _assemble(out, root, cache, log)
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)  # no half-built site left behind
        raise


def _assemble(out: Path, root: Path, cache: Path, log) -> Path:
    (out / "pyodide").mkdir(parents=True)
    (out / "wheels").mkdir()
    log(f"Pyodide {PINS['pyodide']} (npm)")
    core = pyodide_core(cache)
    for name in PYODIDE_FILES:
        shutil.copy2(core / name, out / "pyodide" / name)
    log("wheels (PyPI): " + ", ".join(f"{n} {v}" for n, v in PINS["wheels"].items()))
    wheels = [shutil.copy2(w, out / "wheels" / w.name) for w in pure_wheels(cache)]
    log("matcalc's own wheel")
    wheels.append(own_wheel(root, out / "wheels"))
    (out / "wheels.json").write_text(json.dumps([Path(w).name for w in wheels], indent=1))
    (out / "gallery.json").write_text(json.dumps(gallery(root / "examples"), indent=1,
                                                 ensure_ascii=False), encoding="utf-8")
    for page in STATIC.iterdir():
        shutil.copy2(page, out / page.name)
    return out


def source_root() -> Path:
    """The project's source tree (pyproject.toml, examples/): the site is built from it."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "pyproject.toml").exists() or not (root / "examples").is_dir():
        raise UsageError("the site is built from matcalc's source tree (pyproject.toml, "
                         "examples/): run it from a clone installed with pip install -e")
    return root


def default_cache() -> Path:
    import os
    return Path(os.environ.get("MATCALC_WEB_CACHE", Path.home() / ".cache" / "matcalc-web"))


def pyodide_core(cache: Path) -> Path:
    """The pinned pyodide npm package, unpacked in the cache (``npm pack``)."""
    version = PINS["pyodide"]
    folder = cache / f"pyodide-{version}"
    if all((folder / name).exists() for name in PYODIDE_FILES):
        return folder
    tarball = cache / f"pyodide-{version}.tgz"
    if not tarball.exists():
        _run(["npm", "pack", f"pyodide@{version}", "--pack-destination", str(cache),
              "--silent"], "npm pack pyodide")
    with tarfile.open(tarball) as archive:
        folder.mkdir(exist_ok=True)
        for member in archive.getmembers():
            name = member.name.removeprefix("package/")
            if name in PYODIDE_FILES:
                with archive.extractfile(member) as source, open(folder / name, "wb") as to:
                    shutil.copyfileobj(source, to)
    missing = [n for n in PYODIDE_FILES if not (folder / n).exists()]
    if missing:
        raise UsageError(f"the pyodide {version} package has no {', '.join(missing)}")
    return folder


def pure_wheels(cache: Path) -> list[Path]:
    """The pinned wheels, in install order; MarkupSafe's built from its sdist."""
    folder = cache / "wheels"
    folder.mkdir(exist_ok=True)
    found = []
    for name, version in PINS["wheels"].items():
        have = _find(folder, name, version)
        if have is None and name == "markupsafe":
            have = _markupsafe_wheel(folder, version)
        elif have is None:
            _run([sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                  "--only-binary=:all:", "--python-version", PINS["python"],
                  "--implementation", "py", "--abi", "none", "--platform", "any",
                  "-d", str(folder), f"{name}=={version}"], f"pip download {name}")
            have = _find(folder, name, version)
        if have is None:
            raise UsageError(f"no pure-Python wheel of {name} {version} was found")
        found.append(have)
    return found


def _find(folder: Path, name: str, version: str) -> Path | None:
    for wheel in folder.glob("*.whl"):
        project, got = wheel.name.split("-")[:2]
        if project.lower().replace("_", "-") == name and got == version \
                and wheel.name.endswith("-py3-none-any.whl"):
            return wheel
    return None


def _markupsafe_wheel(folder: Path, version: str) -> Path:
    """MarkupSafe as a pure-Python wheel: its package's .py files from the source
    distribution (without the optional _speedups extension), with the wheel's metadata."""
    with tempfile.TemporaryDirectory() as tmp:
        _run([sys.executable, "-m", "pip", "download", "-q", "--no-deps",
              "--no-binary=:all:", "-d", tmp, f"markupsafe=={version}"],
             "pip download markupsafe")
        sdist = next(Path(tmp).glob("*.tar.gz"))
        files: dict[str, bytes] = {}
        with tarfile.open(sdist) as archive:
            for member in archive.getmembers():
                parts = member.name.split("/")
                if len(parts) == 4 and parts[1:3] == ["src", "markupsafe"] and \
                        parts[3].endswith((".py", ".typed")):
                    files[f"markupsafe/{parts[3]}"] = archive.extractfile(member).read()
                elif len(parts) == 2 and parts[1] == "PKG-INFO":
                    metadata = archive.extractfile(member).read()
    info = f"MarkupSafe-{version}.dist-info"
    files[f"{info}/METADATA"] = metadata
    files[f"{info}/WHEEL"] = (b"Wheel-Version: 1.0\nGenerator: matcalc.web\n"
                              b"Root-Is-Purelib: true\nTag: py3-none-any\n")
    wheel = folder / f"markupsafe-{version}-py3-none-any.whl"
    _write_wheel(wheel, files, info)
    return wheel


def _write_wheel(path: Path, files: dict[str, bytes], info: str) -> None:
    """A wheel (a zip) with its RECORD, written with fixed dates: the same bytes each time."""
    lines = []
    for name, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
        lines.append(f"{name},sha256={digest.decode()},{len(data)}")
    lines.append(f"{info}/RECORD,,")
    files = {**files, f"{info}/RECORD": ("\n".join(lines) + "\n").encode()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)),
                             files[name])


def own_wheel(root: Path, into: Path) -> Path:
    """matcalc's wheel, built by ``pip wheel --no-deps`` from a clean copy of the source
    tree (a build/ folder left in the tree could hold modules removed since)."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "source"
        skip = shutil.ignore_patterns("__pycache__", "*.pyc")
        for part in ("matcalc", "templates"):
            shutil.copytree(root / part, source / part, ignore=skip)
        for part in ("pyproject.toml", "README.md"):
            shutil.copy2(root / part, source / part)
        _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", tmp,
              str(source)], "pip wheel matcalc",
             env={"SOURCE_DATE_EPOCH": "315532800"})  # the zip's dates: 1980, each build
        wheel = next(Path(tmp).glob("*.whl"))
        return Path(shutil.copy2(wheel, into / wheel.name))


def gallery(examples: Path) -> list[dict]:
    """The examples, to pick from: file name, title (the first comment line), text."""
    out = []
    for path in sorted(examples.glob("*.mc")):
        text = path.read_text(encoding="utf-8")
        first = text.splitlines()[0] if text else ""
        title = first.lstrip("#").strip() if first.startswith("#") else path.stem
        out.append({"name": path.stem, "title": title, "program": text})
    return out


def serve(site: Path):
    """A static server of ``site`` on 127.0.0.1 at a free port, in a thread, quiet (for the
    tests and the benchmarks; a user runs python -m http.server). Call .shutdown() after."""
    import functools
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _run(command: list[str], what: str, env: dict | None = None) -> None:
    import os
    try:
        done = subprocess.run(command, capture_output=True, text=True,
                              env={**os.environ, **env} if env else None)
    except FileNotFoundError:
        raise UsageError(f"{what} failed: {command[0]} is not installed") from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise UsageError(f"{what} failed: {tail[0]}")


def main(argv: list[str] | None = None) -> int:
    """python -m matcalc.web OUT"""
    import argparse
    parser = argparse.ArgumentParser(
        prog="python -m matcalc.web",
        description="Build matcalc's static page (it runs matcalc in the browser, offline): "
                    "serve OUT with any static server, e.g. python -m http.server -d OUT.")
    parser.add_argument("out", type=Path, help="the folder to build into (new or a site)")
    args = parser.parse_args(argv)
    try:
        site = build(args.out, log=lambda line: print(line, file=sys.stderr))
    except UsageError as error:
        print(f"matcalc: error: {error}", file=sys.stderr)
        return 2
    size = sum(f.stat().st_size for f in site.rglob("*") if f.is_file())
    print(f"built {site} ({size / 2**20:.1f} MB); serve it: python -m http.server -d {site}")
    return 0
