"""Rendering: expressions are printed by the printers, prose and layout come from templates.

    catalogue   the formats and languages (registries)
    display     the ``Shown`` mixin that gives results their display
    formats     result → view (strings per expression, reasons as data) → template
    printers    what every printer shares; text, latex: one method per node type
    numpy_code  the matrix form as numpy code

A new format is an entry in ``catalogue.FORMATS`` plus its template; a new language is a
``templates/reasons.<lang>.j2``.
"""
