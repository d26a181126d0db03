"""Time as an injected dependency: the engine never reads the wall clock itself."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Anything that can say what time it is (timezone-aware, UTC)."""

    def now(self) -> datetime:
        """The current instant."""
        ...


class SystemClock:
    """The real clock, used outside tests."""

    def now(self) -> datetime:
        """The current instant in UTC."""
        return datetime.now(UTC)
