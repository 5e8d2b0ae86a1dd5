"""python -m matcalc.web OUT: build the static page (see matcalc.web)."""

import sys

from .build import main

sys.exit(main())
