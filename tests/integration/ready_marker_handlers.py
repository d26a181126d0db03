"""Handlers for the worker interrupt test: ``register`` leaves a file saying "this worker runs"."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def register(engine: Any) -> None:
    """Called by ``civicflow worker --handlers ready_marker_handlers`` in each worker process."""
    Path(os.environ["READY_MARKER_DIR"], f"{os.getpid()}.ready").touch()
