"""CivicFlow: integrate, automate and measure public-sector business processes.

This module stays light: importing ``civicflow`` must not pull in a database driver, a web
framework or a dataframe library. The public engine API is added here as it lands.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("civicflow")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
