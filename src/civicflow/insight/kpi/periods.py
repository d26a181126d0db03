"""Reporting periods (ISO weeks, months) in the calendar's time zone, up to an "as of" moment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import polars as pl

from civicflow.calendar import BusinessCalendar
from civicflow.insight.kpi.definitions import Period


@dataclass(frozen=True)
class Window:
    """One reporting period, or the whole log when ``label`` is ``None``."""

    label: str | None
    first_day: date  # local, included
    end_day: date  # local, excluded
    end: datetime  # instant the window closes, capped at as_of


def _local_midnight(day: date, calendar: BusinessCalendar) -> datetime:
    return datetime.combine(day, time(0)).replace(tzinfo=calendar.zone).astimezone(UTC)


def _period_start(day: date, period: Period) -> date:
    if period is Period.WEEK:
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def _next_period(day: date, period: Period) -> date:
    if period is Period.WEEK:
        return day + timedelta(days=7)
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _label(day: date, period: Period) -> str:
    if period is Period.WEEK:
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day.year}-{day.month:02d}"


def windows(
    cases: pl.DataFrame, calendar: BusinessCalendar, period: Period | None, as_of: datetime
) -> list[Window]:
    first = calendar.local_date(cases["start"].min())  # type: ignore[arg-type]
    last = calendar.local_date(as_of)
    if period is None:
        return [Window(None, first, last + timedelta(days=1), as_of)]
    windows = []
    day = _period_start(first, period)
    while day <= last:
        following = _next_period(day, period)
        end = min(_local_midnight(following, calendar), as_of)
        end_day = min(following, last + timedelta(days=1))
        windows.append(Window(_label(day, period), day, end_day, end))
        day = following
    return windows


def period_of(moment: pl.Expr, calendar: BusinessCalendar, period: Period | None) -> pl.Expr:
    if period is None:
        return pl.lit(None, dtype=pl.String)
    local = moment.dt.convert_time_zone(calendar.timezone).dt.date()
    if period is Period.WEEK:
        return local.dt.strftime("%G-W%V")
    return local.dt.strftime("%Y-%m")
