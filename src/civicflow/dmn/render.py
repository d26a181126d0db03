"""FEEL-like text for values in messages, the CLI and TCK reports (strings quoted, null)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from civicflow.dmn import feel_bridge


def render(value: Any) -> str:
    """A value as FEEL-like text for failure messages (strings quoted, null as null)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace('"', '\\"') + '"'
    if isinstance(value, Decimal | int):
        return feel_bridge.show(value)  # plain digits, never 1E+2
    if isinstance(value, list):
        return "[" + ", ".join(render(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {render(v)}" for k, v in value.items()) + "}"
    return f"{feel_bridge.show(value)} ({type(value).__name__})"
