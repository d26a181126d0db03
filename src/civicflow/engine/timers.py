"""ISO 8601 timer definitions: dates, durations and repeating cycles (``R3/PT10M``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_DURATION = re.compile(
    r"^(?P<sign>-)?P(?:(?P<y>\d+)Y)?(?:(?P<mo>\d+)M)?(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?:(?P<h>\d+)H)?(?:(?P<mi>\d+)M)?(?:(?P<s>\d+(?:[.,]\d+)?)S)?)?$"
)


class TimerSyntaxError(ValueError):
    """A timer definition is not ISO 8601."""


def parse_duration(text: str) -> timedelta:
    """``P1DT2H``-style durations; years count 365 days and months 30 (documented choice)."""
    m = _DURATION.match(text.strip())
    if m is None or text.strip() in ("P", "PT"):
        raise TimerSyntaxError(f"{text!r} is not an ISO 8601 duration such as PT15M or P3D")
    g = {k: (v or "0") for k, v in m.groupdict().items() if k != "sign"}
    delta = timedelta(
        days=int(g["y"]) * 365 + int(g["mo"]) * 30 + int(g["w"]) * 7 + int(g["d"]),
        hours=int(g["h"]),
        minutes=int(g["mi"]),
        seconds=float(g["s"].replace(",", ".")),
    )
    return -delta if m.group("sign") else delta


def parse_date(text: str) -> datetime:
    """An ISO 8601 date-time; without an offset it is taken as UTC."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise TimerSyntaxError(
            f"{text!r} is not an ISO 8601 date-time such as 2026-12-01T09:00:00Z"
        ) from exc
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Cycle:
    """``R<n>/[<start>/]<duration>``; ``repetitions`` None means unbounded."""

    repetitions: int | None
    start: datetime | None
    interval: timedelta


def parse_cycle(text: str) -> Cycle:
    parts = text.strip().split("/")
    if not parts[0].startswith("R") or len(parts) not in (2, 3):
        raise TimerSyntaxError(f"{text!r} is not an ISO 8601 repeating interval like R3/PT1H")
    reps = int(parts[0][1:]) if parts[0][1:] else None
    if len(parts) == 3:
        return Cycle(reps, parse_date(parts[1]), parse_duration(parts[2]))
    return Cycle(reps, None, parse_duration(parts[1]))


def first_due(kind: str, text: str, now: datetime) -> tuple[datetime, int | None]:
    """When a timer of ``kind`` (date, duration, cycle) first fires, and repetitions left."""
    if kind == "date":
        return parse_date(text), None
    if kind == "duration":
        return now + parse_duration(text), None
    cycle = parse_cycle(text)
    start = cycle.start or now + cycle.interval
    left = None if cycle.repetitions is None else cycle.repetitions - 1
    return start, left


def parse_due(text: str, now: datetime) -> datetime:
    """A due date given as a date-time or as a duration from now."""
    stripped = text.strip()
    if stripped.startswith(("P", "-P")):
        return now + parse_duration(stripped)
    return parse_date(stripped)
