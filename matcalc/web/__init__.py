"""matcalc in the browser (issue 23): a static folder that runs matcalc itself in the page,
under Pyodide (CPython compiled to WebAssembly), offline, with no server but a static one.

    python -m matcalc.web OUT          # or: matcalc site OUT
    python -m http.server -d OUT       # then open http://127.0.0.1:8000/

``build`` assembles the folder from the registries the project already uses (the pinned
``pyodide`` npm package, pure-Python wheels from PyPI, matcalc's own wheel); ``page`` is
the Python the page calls, the command line run in-process so that the page shows what
the CLI prints.
"""
