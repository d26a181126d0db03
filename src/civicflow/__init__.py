"""CivicFlow: integrate, automate and measure public-sector business processes.

This module stays light: importing ``civicflow`` must not pull in a database driver, a web
framework or a dataframe library. The engine API (``Engine``, ``BpmnError``) is resolved lazily
on first attribute access.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("civicflow")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

if TYPE_CHECKING:
    from civicflow.engine.errors import BpmnError
    from civicflow.store.service import Engine

_LAZY = {
    "Engine": "civicflow.store.service",
    "BpmnError": "civicflow.engine.errors",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'civicflow' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


__all__ = ["BpmnError", "Engine", "__version__"]
