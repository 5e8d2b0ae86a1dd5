"""The array library the checker computes with: numpy where it can be imported, else
``matcalc.purenp`` (a browser's Python has no numpy): the same checks, the same instances,
only slower. Every module that computes numbers imports ``np`` from here.

    from ..arrays import np

``MATCALC_ARRAYS=purenp`` chooses purenp where numpy is there too (the tests check the
checker on it so).
"""

import os

if os.environ.get("MATCALC_ARRAYS") == "purenp":
    from . import purenp as np
    NUMPY = False
else:
    try:
        import numpy as np
        NUMPY = True
    except ImportError:
        from . import purenp as np  # noqa: F401
        NUMPY = False
