"""Checks of the arguments ``civicflow.Engine`` methods are called with from Python.

Ids and names go to SQL as given. Of a wrong type (a process id given as ``123``, a list),
SQLite compares and finds nothing while PostgreSQL fails with an operator error deep in the
driver; a ``TypeError`` naming the parameter says the same on both databases, before any
statement runs. The CLI always passes text, so these only guard Python callers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def text(name: str, value: object) -> str:
    """``value`` as an id or name (a ``str``), else a ``TypeError`` naming ``name``."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be text (str), not {type(value).__name__} {value!r}")
    return value


def optional_text(name: str, value: object) -> str | None:
    return None if value is None else text(name, value)


def version(value: object) -> int:
    """A version number: an ``int`` (not a ``bool``, whose ``True`` would mean version 1)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"version must be a whole number (int), not "
                        f"{type(value).__name__} {value!r}")
    return value


def variables(value: object) -> dict[str, Any]:
    """Variables as a new dict (``None``: none); a list of pairs or text is refused rather
    than half-read by ``dict()``."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(f"variables must be a mapping of names to values, e.g. "
                        f"{{'amount': 120}}, not {type(value).__name__}")
    return dict(value)


def id_mappings(value: object) -> dict[str, str]:
    """Migration mappings ``{"old_id": "new_id"}`` (``None``: none), element ids as text."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(f"mappings must be a mapping of old to new element ids, e.g. "
                        f"{{'review': 'check'}}, not {type(value).__name__}")
    for old, new in value.items():
        if not isinstance(old, str) or not isinstance(new, str):
            raise TypeError(f"mappings must map element ids (text) to element ids, not "
                            f"{old!r} to {new!r}")
    return dict(value)
