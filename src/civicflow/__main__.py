"""``python -m civicflow``: the same command line as ``civicflow``."""

from civicflow.cli import main

main()
