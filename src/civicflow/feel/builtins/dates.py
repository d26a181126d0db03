"""Date and time built-ins: now, today, calendar parts of a date."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from civicflow.feel.builtins.args import date_like
from civicflow.feel.builtins.registry import builtin
from civicflow.feel.scope import Run

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip


@builtin("now", [])
def now(run: Run) -> Any:
    return run.now()


@builtin("today", [])
def today(run: Run) -> Any:
    return run.now().date()


@builtin("day of year", ["date"])
def day_of_year(run: Run, value: Any) -> Any:
    return Decimal(date_like(value).timetuple().tm_yday)


@builtin("day of week", ["date"])
def day_of_week(run: Run, value: Any) -> Any:
    return _DAYS[date_like(value).weekday()]


@builtin("month of year", ["date"])
def month_of_year(run: Run, value: Any) -> Any:
    return _MONTHS[date_like(value).month - 1]


@builtin("week of year", ["date"])
def week_of_year(run: Run, value: Any) -> Any:
    return Decimal(date_like(value).isocalendar()[1])


