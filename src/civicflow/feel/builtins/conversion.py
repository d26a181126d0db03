"""Conversion built-ins: date, time, date and time, duration, number, string, context."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from civicflow.feel import temporal
from civicflow.feel.builtins.args import given, integer, items, num, text
from civicflow.feel.builtins.registry import builtin
from civicflow.feel.functions import NullArgumentError
from civicflow.feel.scope import MISSING, Run
from civicflow.feel.values import YearsMonthsDuration, to_feel_string
from civicflow.feel.wide import WideDate, WideDateTime, WideTime, combine, make_date


def _none_if_missing(*values: Any) -> None:
    for v in values:
        if v is None or v is MISSING:
            raise NullArgumentError


@builtin("date", ["from|year", "month", "day"], required=1)
def date(run: Run, first: Any, month: Any = MISSING, day: Any = MISSING) -> Any:
    if month is not MISSING or day is not MISSING:
        made = make_date(integer(first, "year"), integer(month, "month"), integer(day, "day"))
        if made is None:
            raise ValueError("no such date")
        return made
    _none_if_missing(first)
    if type(first) is str:
        value = temporal.parse_date(first)
        if value is None:
            raise ValueError(f"{first!r} is not a date (YYYY-MM-DD)")
        return value
    if type(first) is dt.datetime:
        return first.date()
    if type(first) in (dt.date, WideDate):
        return first
    if type(first) is WideDateTime:
        return make_date(first.year, first.month, first.day)
    raise TypeError("date() needs a string, a date or a date and time")


@builtin("date and time", ["date|from", "time"], required=1)
def date_and_time(run: Run, first: Any, time: Any = MISSING) -> Any:
    if time is not MISSING:
        _none_if_missing(first, time)
        if not isinstance(first, (dt.date, WideDate, WideDateTime)) or not isinstance(
            time, (dt.time, WideTime)
        ):
            raise TypeError("date and time(date, time) needs a date and a time")
        return combine(first, time)
    _none_if_missing(first)
    if type(first) is str:
        value = temporal.parse_date_time(first)
        if value is None:
            raise ValueError(f"{first!r} is not a date and time (YYYY-MM-DDThh:mm:ss)")
        return value
    if type(first) in (dt.datetime, WideDateTime):
        return first
    if type(first) in (dt.date, WideDate):
        return combine(first, dt.time(0))
    raise TypeError("date and time() needs a string, a date or a date and time")


@builtin("time", ["from|hour", "minute", "second", "offset"], required=1)
def time(
    run: Run, first: Any, minute: Any = MISSING, second: Any = MISSING, offset: Any = MISSING
) -> Any:
    if minute is not MISSING:
        sec = num(second, "second")
        whole = int(sec)
        micro = int(((sec - whole) * 10**6).to_integral_value())
        tz: dt.tzinfo | None = None
        if given(offset):
            if type(offset) is not dt.timedelta:
                raise TypeError("offset must be a days and time duration")
            tz = dt.timezone(offset)
        return dt.time(integer(first, "hour"), integer(minute, "minute"), whole, micro, tz)
    _none_if_missing(first)
    if type(first) is str:
        value = temporal.parse_time(first)
        if value is None:
            raise ValueError(f"{first!r} is not a time (hh:mm:ss)")
        return value
    if type(first) in (dt.time, WideTime):
        return first
    if type(first) is dt.datetime:
        return first.timetz()
    if type(first) is WideDateTime:
        return WideTime(first.hour, first.minute, first.second, first.nanos, first.tzinfo)
    if type(first) is dt.date:
        return dt.time(0, 0, 0, tzinfo=temporal.UTC)
    raise TypeError("time() needs a string, a time or a date and time")


@builtin("duration", ["from"])
def duration(run: Run, value: Any) -> Any:
    parsed = temporal.parse_duration(text(value, "from"))
    if parsed is None:
        raise ValueError(f"{value!r} is not a duration (e.g. P1Y2M or P1DT2H)")
    return parsed


@builtin("years and months duration", ["from", "to"])
def years_and_months_duration(run: Run, start: Any, end: Any) -> Any:
    _none_if_missing(start, end)
    dates = (dt.date, WideDate, WideDateTime)
    if not isinstance(start, dates) or not isinstance(end, dates):
        raise TypeError("years and months duration() needs two dates")
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if months > 0 and end.day < start.day:
        months -= 1
    elif months < 0 and end.day > start.day:
        months += 1
    return YearsMonthsDuration(months)


_NUMBER_TEXT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


@builtin("number", ["from", "grouping separator", "decimal separator"], required=1)
def number(run: Run, value: Any, grouping: Any = MISSING, decimal_sep: Any = MISSING) -> Any:
    source = text(value, "from")
    if given(grouping):
        if grouping not in (" ", ",", ".", "'"):
            raise ValueError("grouping separator must be space, comma, period or apostrophe")
        source = source.replace(grouping, "")
    if given(decimal_sep):
        if decimal_sep not in (".", ","):
            raise ValueError("decimal separator must be period or comma")
        if decimal_sep == grouping:
            raise ValueError("grouping and decimal separators must differ")
        source = source.replace(decimal_sep, ".")
    if not _NUMBER_TEXT.fullmatch(source):
        raise ValueError(f"{value!r} is not a number")
    try:
        return Decimal(source)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None


@builtin("string", ["from"])
def string(run: Run, value: Any) -> Any:
    _none_if_missing(value)
    return to_feel_string(value)


@builtin("context", ["entries"])
def context(run: Run, entries: Any) -> Any:
    result: dict[str, Any] = {}
    for entry in items(entries, "entries") if type(entries) is list else [entries]:
        if type(entry) is not dict or "key" not in entry or "value" not in entry:
            raise TypeError("each entry must be a context with key and value")
        key = entry["key"]
        if type(key) is not str:
            raise TypeError("an entry key must be a string")
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = entry["value"]
    return result
