"""Dates and times Python's datetime cannot hold: years outside 1-9999, nanoseconds.

FEEL (like Java's java.time) allows years up to +-999,999,999 and nanosecond precision, and the
DMN TCK checks both. Ordinary values stay ``datetime`` objects; only such values become these
small frozen types, which support construction, ``string()``, equality, properties and
``years and months duration``. Other arithmetic on them is null with a warning.
See docs/decisions/0202-feel-known-limits.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


def is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if is_leap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def valid_date(year: int, month: int, day: int) -> bool:
    return abs(year) <= 999_999_999 and 1 <= month <= 12 and 1 <= day <= days_in_month(year, month)


def year_text(year: int) -> str:
    return f"-{abs(year):04d}" if year < 0 else f"{year:04d}"


def fraction_text(nanos: int) -> str:
    return ("." + f"{nanos:09d}").rstrip("0") if nanos else ""


@dataclass(frozen=True)
class WideDate:
    """A FEEL date whose year is outside 1-9999."""

    year: int
    month: int
    day: int

    def iso(self) -> str:
        return f"{year_text(self.year)}-{self.month:02d}-{self.day:02d}"


@dataclass(frozen=True)
class WideTime:
    """A FEEL time with sub-microsecond precision."""

    hour: int
    minute: int
    second: int
    nanos: int
    tzinfo: dt.tzinfo | None

    @property
    def microsecond(self) -> int:
        return self.nanos // 1000


@dataclass(frozen=True)
class WideDateTime:
    """A FEEL date and time outside datetime's year range or with nanoseconds."""

    year: int
    month: int
    day: int
    hour: int
    minute: int
    second: int
    nanos: int
    tzinfo: dt.tzinfo | None

    @property
    def microsecond(self) -> int:
        return self.nanos // 1000


def make_date(year: int, month: int, day: int) -> dt.date | WideDate | None:
    """A date, wide when the year needs it; None when it does not exist."""
    if not valid_date(year, month, day):
        return None
    if 1 <= year <= 9999:
        return dt.date(year, month, day)
    return WideDate(year, month, day)


def combine(
    date: dt.date | WideDate | WideDateTime, time: dt.time | WideTime
) -> dt.datetime | WideDateTime:
    """``date and time(date, time)`` for any mix of narrow and wide values."""
    if isinstance(date, dt.date) and isinstance(time, dt.time):
        day = date.date() if isinstance(date, dt.datetime) else date
        return dt.datetime.combine(day, time)
    nanos = time.nanos if isinstance(time, WideTime) else time.microsecond * 1000
    return WideDateTime(
        date.year, date.month, date.day, time.hour, time.minute, time.second, nanos, time.tzinfo
    )
