"""Property access ``value.name``: context entries, parts of dates, times, durations, ranges."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from civicflow.feel import temporal
from civicflow.feel.ops import kind
from civicflow.feel.scope import Run
from civicflow.feel.values import Range, YearsMonthsDuration
from civicflow.feel.wide import WideDate, WideDateTime, WideTime


def get_property(value: Any, name: str, run: Run) -> Any:
    """``value.name``: context entries, components of temporal values, durations and ranges."""
    if type(value) is dict:
        return value.get(name)
    if type(value) is list:
        return [get_property(v, name, run) for v in value]
    if value is None:
        return None
    found = _property(value, name)
    if found is _NOPE:
        run.warn(f"{kind(value)} has no property {name!r}; the result is null")
        return None
    return found


_NOPE: Any = object()


def _property(value: Any, name: str) -> Any:
    t = type(value)
    if t in (dt.date, dt.datetime, WideDate, WideDateTime):
        if name == "year":
            return Decimal(value.year)
        if name == "month":
            return Decimal(value.month)
        if name == "day":
            return Decimal(value.day)
        if name == "weekday":
            if t in (WideDate, WideDateTime):
                return None
            return Decimal(value.isoweekday())
    if t in (dt.time, dt.datetime, WideTime, WideDateTime):
        if name == "hour":
            return Decimal(value.hour)
        if name == "minute":
            return Decimal(value.minute)
        if name == "second":
            return Decimal(value.second) + Decimal(value.microsecond) / 10**6
        if name == "time offset":
            if t in (WideTime, WideDateTime):
                return value.tzinfo.utcoffset(None) if value.tzinfo is not None else None
            return temporal.time_offset(value)
        if name == "timezone":
            return temporal.timezone_name(value)
    if t is dt.timedelta:
        total = abs(value)
        sign = -1 if value < dt.timedelta(0) else 1
        parts = {
            "days": total.days,
            "hours": total.seconds // 3600,
            "minutes": total.seconds // 60 % 60,
            "seconds": total.seconds % 60,
        }
        if name in parts:
            return Decimal(sign * parts[name])
    if t is YearsMonthsDuration:
        if name == "years":
            return Decimal(value.years_part)
        if name == "months":
            return Decimal(value.months_part)
    if t is Range:
        props = {
            "start": value.start,
            "end": value.end,
            "start included": value.start_included,
            "end included": value.end_included,
        }
        if name in props:
            return props[name]
    return _NOPE
