"""An organisation's business-day calendar: public holidays, weekends, working hours, closures.

Deadlines in the public sector are counted in business days ("a decision within 8 working
days"), so SLAs, timers and KPIs need one shared, timezone-aware calendar. It is pure (no I/O,
no dataframe library) so the engine may use it too, and it never reads the wall clock: the
current instant comes from an injected :class:`Clock`.

Conventions (see ``docs/decisions/0450-business-calendar.md``):

- Days are the calendar's *local* dates in its time zone; instants may be in any zone.
- ``add_business_days(start, n)`` returns the n-th business day strictly after ``start``'s
  local date, at the same local wall-clock time (so DST changes keep "10:00 local").
- ``business_days_between(a, b)`` counts business days ``d`` with ``a.date < d <= b.date``:
  submitted on Friday and decided on Monday is 1 business day; the same day is 0. It is the
  inverse of ``add_business_days`` for ``n >= 0``.
- ``working_time(a, b)`` is the overlap of ``[a, b)`` with working hours on business days,
  measured in real elapsed time (a 00:00-24:00 day lasts 23 hours when clocks go forward).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from itertools import pairwise
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

WEEKDAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60


class CalendarError(ValueError):
    """A calendar was configured with a value that cannot work (unknown zone, country...)."""


class Clock(Protocol):
    """The source of "now"; tests pass a :class:`FixedClock`, never the wall clock."""

    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...


@dataclass(frozen=True)
class FixedClock:
    """A clock that always answers the same instant (tests, reports "as of" a moment)."""

    instant: datetime

    def __post_init__(self) -> None:
        _require_aware(self.instant, "FixedClock instant")

    def now(self) -> datetime:
        """The fixed instant."""
        return self.instant


@dataclass(frozen=True, order=True)
class WorkingPeriod:
    """One stretch of working time within a day, in minutes after local midnight.

    ``end`` may be 1440 (24:00) so that a service open around the clock can say so.
    """

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end <= MINUTES_PER_DAY:
            raise CalendarError(
                f"working period {_fmt_minutes(self.start)}-{_fmt_minutes(self.end)} must start "
                "before it ends, within 00:00-24:00"
            )

    @classmethod
    def parse(cls, text: str) -> WorkingPeriod:
        """Read ``"09:00-17:00"`` (``24:00`` allowed as an end)."""
        parts = text.replace(" ", "").split("-")
        if len(parts) != 2:
            raise CalendarError(f"working period {text!r} must look like '09:00-17:00'")
        return cls(_parse_minutes(parts[0], text), _parse_minutes(parts[1], text))

    def __str__(self) -> str:
        return f"{_fmt_minutes(self.start)}-{_fmt_minutes(self.end)}"


OFFICE_HOURS: Mapping[int, tuple[WorkingPeriod, ...]] = {
    weekday: (WorkingPeriod(9 * 60, 17 * 60),) for weekday in range(5)
}
"""Monday to Friday, 09:00-17:00: the default when a calendar names no hours."""


@dataclass(frozen=True)
class BusinessCalendar:
    """When an organisation works: its zone, public holidays, working hours and closures.

    A weekday without working periods is a weekend day. ``country``/``subdivision`` select
    public holidays from the ``holidays`` package (e.g. ``"NL"``, or ``"US"`` + ``"NY"``);
    ``closures`` are extra dates the organisation is closed (a bridge day, a move).
    """

    timezone: str = "UTC"
    country: str | None = None
    subdivision: str | None = None
    working_hours: Mapping[int, tuple[WorkingPeriod, ...]] = field(
        default_factory=lambda: dict(OFFICE_HOURS)
    )
    closures: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise CalendarError(
                f"unknown time zone {self.timezone!r}; use an IANA name such as "
                "'Europe/Amsterdam' or 'America/New_York'"
            ) from exc
        for weekday, periods in self.working_hours.items():
            if weekday not in range(7):
                raise CalendarError(f"weekday {weekday} must be 0 (Monday) to 6 (Sunday)")
            ordered = sorted(periods)
            for before, after in pairwise(ordered):
                if after.start < before.end:
                    raise CalendarError(
                        f"working periods {before} and {after} on {WEEKDAY_NAMES[weekday]} overlap"
                    )
        if self.subdivision is not None and self.country is None:
            raise CalendarError("a subdivision needs a country")
        if self.country is not None:
            self._public_holidays  # noqa: B018 - fail early on an unknown country/subdivision

    @cached_property
    def zone(self) -> ZoneInfo:
        """The calendar's time zone."""
        return ZoneInfo(self.timezone)

    @cached_property
    def _public_holidays(self) -> holidays.HolidayBase | None:
        if self.country is None:
            return None
        try:
            return holidays.country_holidays(self.country, subdiv=self.subdivision)
        except NotImplementedError as exc:
            raise CalendarError(
                f"no public-holiday calendar for country {self.country!r}"
                + (f" subdivision {self.subdivision!r}" if self.subdivision else "")
                + "; use an ISO 3166 code the 'holidays' package knows (e.g. 'NL', 'US')"
            ) from exc

    # -- days -------------------------------------------------------------------------------

    def holiday_name(self, day: date) -> str | None:
        """The public holiday or closure on ``day``, or ``None``."""
        if day in self.closures:
            return "closure"
        if self._public_holidays is None:
            return None
        name = self._public_holidays.get(day)
        return None if name is None else str(name)

    def is_business_day(self, day: date) -> bool:
        """True when the organisation works on ``day``: working hours, no holiday or closure."""
        return bool(self.working_hours.get(day.weekday())) and self.holiday_name(day) is None

    def local_date(self, moment: datetime | date) -> date:
        """The calendar's local date of an instant (a plain date is taken as is)."""
        if isinstance(moment, datetime):
            _require_aware(moment, "instant")
            return moment.astimezone(self.zone).date()
        return moment

    def business_days(self, first: date, last: date) -> Iterable[date]:
        """Business days from ``first`` to ``last``, both included."""
        day = first
        while day <= last:
            if self.is_business_day(day):
                yield day
            day += timedelta(days=1)

    def _step(self, day: date, n: int) -> date:
        step = timedelta(days=1 if n > 0 else -1)
        remaining = abs(n)
        guard = 0
        while remaining:
            day += step
            guard += 1
            if self.is_business_day(day):
                remaining -= 1
            elif guard > 366 * 10 + abs(n) * 7:
                raise CalendarError("the calendar has no business days; check its working hours")
        return day

    def add_business_days(self, start: datetime | date, n: int) -> datetime | date:
        """The n-th business day after ``start`` (before it when ``n < 0``).

        A datetime keeps its local wall-clock time and comes back in ``start``'s zone; a date
        comes back as a date. ``n == 0`` returns ``start`` unchanged.
        """
        if n == 0:
            return start
        if isinstance(start, datetime):
            _require_aware(start, "start")
            local = start.astimezone(self.zone)
            target = self._step(local.date(), n)
            naive = datetime.combine(target, local.time().replace(tzinfo=None))
            # Attach the zone to the wall-clock time, then normalise through UTC so a time
            # skipped by a DST change comes out as the real instant.
            moved = naive.replace(tzinfo=self.zone).astimezone(UTC)
            return moved.astimezone(start.tzinfo)
        return self._step(start, n)

    def due(self, clock: Clock, n: int) -> datetime:
        """The deadline ``n`` business days from now, as a timezone-aware instant."""
        result = self.add_business_days(clock.now(), n)
        assert isinstance(result, datetime)
        return result

    def business_days_between(self, a: datetime | date, b: datetime | date) -> int:
        """Business days ``d`` with ``a.date < d <= b.date`` (negative when ``b`` is earlier)."""
        first, last = self.local_date(a), self.local_date(b)
        if last < first:
            return -self.business_days_between(b, a)
        return sum(1 for _ in self.business_days(first + timedelta(days=1), last))

    # -- working time -----------------------------------------------------------------------

    def working_periods_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The working periods of ``day`` as UTC instants (none on a non-business day)."""
        if not self.is_business_day(day):
            return []
        midnight = datetime.combine(day, time(0))
        periods = []
        for period in sorted(self.working_hours.get(day.weekday(), ())):
            start = self._instant(midnight + timedelta(minutes=period.start))
            end = self._instant(midnight + timedelta(minutes=period.end))
            if end > start:
                periods.append((start, end))
        return periods

    def working_time(self, a: datetime, b: datetime) -> timedelta:
        """Elapsed working time between two instants (negative when ``b`` is before ``a``)."""
        _require_aware(a, "a")
        _require_aware(b, "b")
        if b < a:
            return -self.working_time(b, a)
        a_utc, b_utc = a.astimezone(UTC), b.astimezone(UTC)
        # One day of margin each side: a local day's periods can fall on the neighbouring UTC day.
        first = self.local_date(a) - timedelta(days=1)
        last = self.local_date(b) + timedelta(days=1)
        total = timedelta()
        day = first
        while day <= last:
            for start, end in self.working_periods_on(day):
                overlap = min(end, b_utc) - max(start, a_utc)
                if overlap > timedelta():
                    total += overlap
            day += timedelta(days=1)
        return total

    def _instant(self, local_wall_time: datetime) -> datetime:
        return local_wall_time.replace(tzinfo=self.zone).astimezone(UTC)


def _require_aware(moment: datetime, what: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise CalendarError(f"{what} {moment.isoformat()} has no time zone; give an aware datetime")


def _parse_minutes(text: str, whole: str) -> int:
    hours, sep, minutes = text.partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise CalendarError(f"working period {whole!r}: {text!r} is not a time like '09:00'")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > MINUTES_PER_DAY:
        raise CalendarError(f"working period {whole!r}: {text!r} is not a time of day")
    return value


def _fmt_minutes(value: int) -> str:
    return f"{value // 60:02d}:{value % 60:02d}"
