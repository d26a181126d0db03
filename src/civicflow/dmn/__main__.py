"""Run the DMN TCK: ``python -m civicflow.dmn`` is the same as ``python -m civicflow.dmn.tck``."""

import sys

from civicflow.dmn.tck import main

sys.exit(main())
