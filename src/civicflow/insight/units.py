"""Units as people read them."""

from __future__ import annotations


def human_duration(seconds: float | None) -> str:
    """A duration as a person reads it: ``45 s``, ``12 min``, ``3.5 h``, ``4.2 d``."""
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"
