"""Working calendars (when staff work) and arrival calendars (when applications come in).

Simulated time is a float of seconds since the run's origin, a ``datetime`` whose wall-clock
reading (its own zone, no daylight-saving shifts) places weekdays and hours. A calendar is a weekly
pattern of working hours plus holiday dates; time outside it does not count: a task begun on Friday
at 16:30 with one hour of work left finishes on Monday at 08:30 in an 08:00-17:00 office.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from civicflow.calendar import BusinessCalendar, CalendarError

DAY = 86_400.0
HOUR = 3_600.0
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

#: A function ``(now, rng) -> next arrival time`` on a run's clock.
ArrivalSampler = Callable[[float, random.Random], float]

#: Hours as (start, end) pairs within a day, e.g. ((8, 12), (13, 17)); end may be 24.
Hours = tuple[tuple[float, float], ...]


def _check_hours(where: str, hours: Hours) -> None:
    previous_end = 0.0
    for start, end in hours:
        if not 0 <= start < end <= 24:
            raise ValueError(
                f"{where}: working hours {start}-{end} must satisfy 0 <= start < end <= 24"
            )
        if start < previous_end:
            raise ValueError(f"{where}: working hours must be in order and not overlap")
        previous_end = end


@dataclass(frozen=True)
class WorkingCalendar:
    """Weekly working hours and the dates (holidays) on which nobody works."""

    #: weekday (0 = Monday) -> working hours that day; missing weekdays are days off.
    week: Mapping[int, Hours]
    #: explicit closing dates (office closures, local holidays).
    closed_dates: frozenset[date] = frozenset()
    #: ISO country code whose public holidays are closing dates (via the ``holidays`` library).
    holiday_country: str | None = None
    holiday_subdivision: str | None = None

    def __post_init__(self) -> None:
        for weekday, hours in self.week.items():
            if weekday not in range(7):
                raise ValueError(f"working calendar: weekday {weekday} must be 0 (Monday) to 6")
            _check_hours(f"working calendar, {WEEKDAYS[weekday]}", hours)
        if not any(self.week.values()):
            raise ValueError("working calendar: at least one weekday needs working hours")

    @classmethod
    def office(
        cls, start: float = 8, end: float = 17, lunch: tuple[float, float] | None = None
    ) -> WorkingCalendar:
        """Monday to Friday from ``start`` to ``end`` o'clock, optionally without a lunch break."""
        hours: Hours = ((start, end),) if lunch is None else ((start, lunch[0]), (lunch[1], end))
        return cls(week=dict.fromkeys(range(5), hours))

    def closing_dates(self, years: Iterable[int]) -> frozenset[date]:
        """Explicit closing dates plus the public holidays of ``years``.

        Which dates are holidays is decided by :class:`civicflow.calendar.BusinessCalendar`,
        the one business-day calendar (decision 0450); this class only adds the simulation
        clock's weekly hours (decision 0501).
        """
        chosen = sorted(set(years))
        if not chosen:
            return frozenset(self.closed_dates)
        try:
            days = BusinessCalendar(
                country=self.holiday_country,
                subdivision=self.holiday_subdivision,
                closures=frozenset(self.closed_dates),
            )
        except CalendarError as error:
            raise ValueError(f"working calendar: {error}") from error
        day, last = date(chosen[0], 1, 1), date(chosen[-1], 12, 31)
        dates = set(self.closed_dates)
        while day <= last:
            if day.year in chosen and days.holiday_name(day) is not None:
                dates.add(day)
            day += timedelta(days=1)
        return frozenset(dates)

    @classmethod
    def from_business_calendar(cls, calendar: BusinessCalendar) -> WorkingCalendar:
        """The working hours, holidays and closures of an organisation calendar (the one in
        a KPI definitions file), for a pool. Its time zone is not needed: the simulation
        clock reads wall-clock time (decision 0501)."""
        week = {
            weekday: tuple((p.start / 60, p.end / 60) for p in sorted(periods))
            for weekday, periods in calendar.working_hours.items()
            if periods
        }
        return cls(
            week=week,
            closed_dates=frozenset(calendar.closures),
            holiday_country=calendar.country,
            holiday_subdivision=calendar.subdivision,
        )

    def timeline(self, origin: datetime, years: int = 3) -> Timeline:
        """This calendar placed on a run's clock, from ``origin`` for ``years`` years."""
        closed = self.closing_dates(range(origin.year, origin.year + years + 1))
        return Timeline(self, origin, closed)


@dataclass(frozen=True)
class Timeline:
    """A working calendar on the simulation clock: finds working time in float seconds."""

    calendar: WorkingCalendar
    origin: datetime
    closed: frozenset[date]
    _offset: float = field(init=False, repr=False)
    _day0: date = field(init=False, repr=False)
    _days: dict[int, tuple[tuple[float, float], ...]] = field(
        init=False, repr=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        midnight = self.origin.replace(hour=0, minute=0, second=0, microsecond=0)
        object.__setattr__(self, "_offset", (self.origin - midnight).total_seconds())
        object.__setattr__(self, "_day0", self.origin.date())

    def _day_intervals(self, day_index: int) -> tuple[tuple[float, float], ...]:
        """Working intervals of a day, in simulation seconds (computed once per day)."""
        cached = self._days.get(day_index)
        if cached is not None:
            return cached
        day = self._day0 + timedelta(days=day_index)
        base = day_index * DAY - self._offset
        intervals = (
            ()
            if day in self.closed
            else tuple(
                (base + start * HOUR, base + end * HOUR)
                for start, end in self.calendar.week.get(day.weekday(), ())
            )
        )
        self._days[day_index] = intervals
        return intervals

    def _day_of(self, t: float) -> int:
        return math.floor((t + self._offset) / DAY)

    def next_working(self, t: float) -> float:
        """The first working instant at or after ``t``."""
        first = self._day_of(t)
        for day_index in range(first, first + 3_660):
            for start, end in self._day_intervals(day_index):
                if end > t:
                    return max(start, t)
        raise ValueError("working calendar: no working time in the next ten years")

    def add_work(self, t: float, work: float) -> float:
        """When ``work`` seconds of working time begun at ``t`` are done."""
        remaining = work
        current = t
        first = self._day_of(t)
        for day_index in range(first, first + 36_600):
            for start, end in self._day_intervals(day_index):
                if end <= current:
                    continue
                begin = max(start, current)
                if begin + remaining <= end:
                    return begin + remaining
                remaining -= end - begin
                current = end
        raise ValueError("working calendar: the work does not fit in the next hundred years")

    def working_seconds(self, t0: float, t1: float) -> float:
        """Working time between ``t0`` and ``t1`` (for utilisation)."""
        total = 0.0
        if t1 <= t0:
            return total
        for day_index in range(self._day_of(t0), self._day_of(t1) + 1):
            for start, end in self._day_intervals(day_index):
                total += max(0.0, min(end, t1) - max(start, t0))
        return total


@dataclass(frozen=True)
class PoissonArrivals:
    """Cases arrive one by one at a constant mean rate (a Poisson process)."""

    rate_per_hour: float

    def __post_init__(self) -> None:
        if not math.isfinite(self.rate_per_hour) or self.rate_per_hour <= 0:
            raise ValueError(f"arrivals: rate_per_hour must be > 0, got {self.rate_per_hour!r}")

    def scaled(self, factor: float) -> PoissonArrivals:
        """The same process with ``factor`` times as many cases."""
        return PoissonArrivals(self.rate_per_hour * factor)

    def sampler(self, origin: datetime) -> ArrivalSampler:
        """Draws arrival times on a run's clock."""
        rate = self.rate_per_hour / HOUR

        def after(t: float, rng: random.Random) -> float:
            return t + rng.expovariate(rate)

        return after


@dataclass(frozen=True)
class CalendarArrivals:
    """Arrival rates that vary by weekday and hour (a non-homogeneous Poisson process)."""

    #: weekday (0 = Monday) -> (start hour, end hour, cases per hour); other times have none.
    week: Mapping[int, tuple[tuple[float, float, float], ...]]
    closed_dates: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        for weekday, slots in self.week.items():
            if weekday not in range(7):
                raise ValueError(f"arrival calendar: weekday {weekday} must be 0 (Monday) to 6")
            _check_hours(
                f"arrival calendar, {WEEKDAYS[weekday]}", tuple((s, e) for s, e, _ in slots)
            )
            for _, _, rate in slots:
                if not math.isfinite(rate) or rate < 0:
                    raise ValueError(f"arrival calendar: rate {rate!r} must be >= 0")
        if self.peak_rate_per_hour <= 0:
            raise ValueError("arrival calendar: at least one slot needs a rate > 0")

    @property
    def peak_rate_per_hour(self) -> float:
        """The highest hourly rate of the week."""
        return max((rate for slots in self.week.values() for *_, rate in slots), default=0.0)

    def rate_at(self, moment: datetime) -> float:
        """Cases per hour at a wall-clock moment."""
        if moment.date() in self.closed_dates:
            return 0.0
        hour = moment.hour + moment.minute / 60 + moment.second / 3600
        for start, end, rate in self.week.get(moment.weekday(), ()):
            if start <= hour < end:
                return rate
        return 0.0

    def scaled(self, factor: float) -> CalendarArrivals:
        """The same weekly shape with ``factor`` times as many cases."""
        return CalendarArrivals(
            {d: tuple((s, e, r * factor) for s, e, r in slots) for d, slots in self.week.items()},
            self.closed_dates,
        )

    def sampler(self, origin: datetime) -> ArrivalSampler:
        """Draws arrival times by thinning a process at the peak rate (Lewis and Shedler)."""
        peak = self.peak_rate_per_hour

        def after(t: float, rng: random.Random) -> float:
            current = t
            while True:
                current += rng.expovariate(peak / HOUR)
                moment = origin + timedelta(seconds=current)
                if rng.random() * peak < self.rate_at(moment):
                    return current

        return after


Arrivals = PoissonArrivals | CalendarArrivals
