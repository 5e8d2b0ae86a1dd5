"""Rendering: expressions are printed by the printers, prose and layout come from templates.

    display     the formats and languages (registries), and the ``Shown`` mixin of results
    formats     result → view (strings per expression, reasons as data) → template
    printers    what every printer shares; text, latex: one method per node type
    numpy_code  the matrix form as numpy code

A new format is an entry in ``display.FORMATS`` plus its template; a new language is a
``templates/reasons.<lang>.j2``.
"""
