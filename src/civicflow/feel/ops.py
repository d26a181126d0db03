"""FEEL operators on values: arithmetic, equality, ordering, type names and properties.

Every function returns None (FEEL null) for operands the specification does not define the
operator for, after recording a warning on the run; nothing here raises on bad input.
"""

from __future__ import annotations

import datetime as dt
import decimal
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from civicflow.feel import temporal
from civicflow.feel.scope import Run
from civicflow.feel.values import DECIMAL128, FeelFunction, Range, YearsMonthsDuration
from civicflow.feel.wide import WideDate, WideDateTime, WideTime

_KINDS: dict[type, str] = {
    Decimal: "number",
    str: "string",
    bool: "boolean",
    dt.date: "date",
    dt.datetime: "date and time",
    dt.time: "time",
    dt.timedelta: "days and time duration",
    YearsMonthsDuration: "years and months duration",
    list: "list",
    dict: "context",
    Range: "range",
    type(None): "null",
    WideDate: "date",
    WideDateTime: "date and time",
    WideTime: "time",
}


TEMPORAL_TYPES = (
    dt.date, dt.time, dt.timedelta, YearsMonthsDuration, WideDate, WideDateTime, WideTime
)


def kind(value: Any) -> str:
    """The FEEL type name of a value."""
    name = _KINDS.get(type(value))
    if name is not None:
        return name
    if isinstance(value, FeelFunction):
        return "function"
    return "Any"


def _fail(run: Run, op: str, a: Any, b: Any) -> None:
    run.warn(f"cannot {op} {kind(a)} and {kind(b)}; the result is null")


def add(a: Any, b: Any, run: Run) -> Any:
    ta, tb = type(a), type(b)
    if ta is Decimal and tb is Decimal:
        return _num(DECIMAL128.add, a, b, run)
    if a is None or b is None:
        return None
    if ta is str and tb is str:
        return a + b
    try:
        if ta is dt.timedelta and tb is dt.timedelta:
            return a + b
        if ta is YearsMonthsDuration and tb is YearsMonthsDuration:
            return YearsMonthsDuration(a.months + b.months)
        if ta in (dt.timedelta, YearsMonthsDuration) and tb in (dt.date, dt.datetime, dt.time):
            a, b, ta, tb = b, a, tb, ta
        if ta in (dt.date, dt.datetime):
            if tb is YearsMonthsDuration:
                return temporal.add_months(a, b.months)
            if tb is dt.timedelta:
                if ta is dt.date:
                    return (dt.datetime(a.year, a.month, a.day) + b).date()
                return _shift(a, b)
        if ta is dt.time and tb is dt.timedelta:
            moved = dt.datetime.combine(dt.date(2000, 1, 1), a) + b
            return moved.timetz()
    except (OverflowError, ValueError):
        run.warn("date or duration out of range; the result is null")
        return None
    _fail(run, "add", a, b)
    return None


def _shift(value: dt.datetime, delta: dt.timedelta) -> dt.datetime:
    """Add an exact duration: aware date-times move on the UTC time line."""
    if value.tzinfo is None:
        return value + delta
    return (value.astimezone(temporal.UTC) + delta).astimezone(value.tzinfo)


def neg(a: Any, run: Run) -> Any:
    if type(a) is Decimal:
        return DECIMAL128.minus(a)
    if a is None:
        return None
    if type(a) is dt.timedelta:
        return -a
    if type(a) is YearsMonthsDuration:
        return YearsMonthsDuration(-a.months)
    run.warn(f"cannot negate {kind(a)}; the result is null")
    return None


def sub(a: Any, b: Any, run: Run) -> Any:
    ta, tb = type(a), type(b)
    if ta is Decimal and tb is Decimal:
        return _num(DECIMAL128.subtract, a, b, run)
    if a is None or b is None:
        return None
    try:
        if ta is tb and ta in (dt.timedelta, dt.date):
            return a - b
        if ta is YearsMonthsDuration and tb is YearsMonthsDuration:
            return YearsMonthsDuration(a.months - b.months)
        if ta is dt.datetime and tb is dt.datetime:
            if (a.tzinfo is None) != (b.tzinfo is None):
                run.warn("cannot subtract a date and time with a time zone and one without")
                return None
            return temporal.to_utc(a) - temporal.to_utc(b)
        if {ta, tb} == {dt.date, dt.datetime}:
            da = a if ta is dt.datetime else dt.datetime(a.year, a.month, a.day, tzinfo=b.tzinfo)
            db = b if tb is dt.datetime else dt.datetime(b.year, b.month, b.day, tzinfo=a.tzinfo)
            return sub(da, db, run)
        if ta is dt.time and tb is dt.time:
            (aa, ka), (ab, kb) = temporal.time_key(a), temporal.time_key(b)
            if aa != ab:
                return None
            return dt.timedelta(seconds=ka - kb)
        if ta in (dt.date, dt.datetime, dt.time) and tb in (dt.timedelta, YearsMonthsDuration):
            return add(a, neg(b, run), run)
    except (OverflowError, ValueError):
        run.warn("date or duration out of range; the result is null")
        return None
    _fail(run, "subtract", a, b)
    return None


def mul(a: Any, b: Any, run: Run) -> Any:
    ta, tb = type(a), type(b)
    if ta is Decimal and tb is Decimal:
        return _num(DECIMAL128.multiply, a, b, run)
    if a is None or b is None:
        return None
    if tb in (dt.timedelta, YearsMonthsDuration) and ta is Decimal:
        a, b, ta, tb = b, a, tb, ta
    if tb is Decimal:
        if ta is dt.timedelta:
            return _scale_td(a, b, run)
        if ta is YearsMonthsDuration:
            return YearsMonthsDuration(int((a.months * b).to_integral_value(decimal.ROUND_DOWN)))
    _fail(run, "multiply", a, b)
    return None


def div(a: Any, b: Any, run: Run) -> Any:
    ta, tb = type(a), type(b)
    if ta is Decimal and tb is Decimal:
        return _num(DECIMAL128.divide, a, b, run)
    if a is None or b is None:
        return None
    if tb is Decimal:
        if b == 0:
            run.warn("division by zero; the result is null")
            return None
        if ta is dt.timedelta:
            return _scale_td(a, DECIMAL128.divide(Decimal(1), b), run)
        if ta is YearsMonthsDuration:
            return YearsMonthsDuration(int((a.months / b).to_integral_value(decimal.ROUND_DOWN)))
    if ta is tb and ta is dt.timedelta:
        return _num(DECIMAL128.divide, temporal.seconds_of(a), temporal.seconds_of(b), run)
    if ta is tb and ta is YearsMonthsDuration:
        return _num(DECIMAL128.divide, Decimal(a.months), Decimal(b.months), run)
    _fail(run, "divide", a, b)
    return None


def power(a: Any, b: Any, run: Run) -> Any:
    if type(a) is Decimal and type(b) is Decimal:
        return _num(DECIMAL128.power, a, b, run)
    if a is None or b is None:
        return None
    _fail(run, "raise to the power", a, b)
    return None


def _scale_td(a: dt.timedelta, factor: Decimal, run: Run) -> dt.timedelta | None:
    try:
        return temporal.timedelta_from_seconds(temporal.seconds_of(a) * factor)
    except (OverflowError, decimal.DecimalException):
        run.warn("duration out of range; the result is null")
        return None


def _num(op: Any, a: Decimal, b: Decimal, run: Run) -> Decimal | None:
    try:
        result: Decimal = op(a, b)
    except decimal.DivisionByZero:
        run.warn("division by zero; the result is null")
        return None
    except decimal.DecimalException as exc:
        run.warn(f"arithmetic error ({type(exc).__name__}); the result is null")
        return None
    return result


def equal(a: Any, b: Any) -> bool | None:
    """FEEL ``=``: null equals only null; values of different types are not comparable (null)."""
    if a is None or b is None:
        return a is None and b is None
    ta, tb = type(a), type(b)
    if ta is not tb:
        if isinstance(a, FeelFunction) and isinstance(b, FeelFunction):
            return a is b
        return None
    if ta is list:
        if len(a) != len(b):
            return False
        for x, y in zip(a, b, strict=True):
            same = equal(x, y)
            if same is not True:
                return same
        return True
    if ta is dict:
        if a.keys() != b.keys():
            return False
        for key in a:
            same = equal(a[key], b[key])
            if same is not True:
                return same
        return True
    if ta is dt.time or ta is dt.datetime:
        if not _same_zone_kind(a.tzinfo, b.tzinfo):
            return False
        if ta is dt.time:
            return temporal.time_key(a) == temporal.time_key(b)
        return bool(a == b)
    return bool(a == b)


def _same_zone_kind(a: dt.tzinfo | None, b: dt.tzinfo | None) -> bool:
    """Times are equal only with the same kind of zone: none, offsets, or the same IANA zone.

    The TCK (0068-feel-equality) has ``...+00:00 = ...@Etc/UTC`` false although the instants
    coincide, and ``...Z = ...+00:00`` true.
    """
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, ZoneInfo) and isinstance(b, ZoneInfo):
        return a.key == b.key
    return not isinstance(a, ZoneInfo) and not isinstance(b, ZoneInfo)


_ORDERED = frozenset(
    {Decimal, str, dt.date, dt.datetime, dt.timedelta, YearsMonthsDuration, dt.time}
)


def compare(a: Any, b: Any) -> int | None:
    """-1, 0 or 1 when FEEL orders a and b, None when they are not comparable."""
    ta = type(a)
    if ta is not type(b) or ta not in _ORDERED:
        return None
    if ta is dt.time:
        (aa, ka), (ab, kb) = temporal.time_key(a), temporal.time_key(b)
        if aa != ab:
            return None
        return (ka > kb) - (ka < kb)
    if ta is dt.datetime and (a.tzinfo is None) != (b.tzinfo is None):
        return None
    result: int = (a > b) - (a < b)
    return result


def less(a: Any, b: Any, run: Run) -> bool | None:
    c = compare(a, b)
    if c is None:
        _incomparable(a, b, run)
        return None
    return c < 0


def less_equal(a: Any, b: Any, run: Run) -> bool | None:
    c = compare(a, b)
    if c is None:
        _incomparable(a, b, run)
        return None
    return c <= 0


def greater(a: Any, b: Any, run: Run) -> bool | None:
    c = compare(a, b)
    if c is None:
        _incomparable(a, b, run)
        return None
    return c > 0


def greater_equal(a: Any, b: Any, run: Run) -> bool | None:
    c = compare(a, b)
    if c is None:
        _incomparable(a, b, run)
        return None
    return c >= 0


def _incomparable(a: Any, b: Any, run: Run) -> None:
    if a is not None and b is not None:
        run.warn(f"cannot compare {kind(a)} with {kind(b)}; the result is null")


def in_range(value: Any, rng: Range) -> bool | None:
    """Whether value lies in the range (null when not comparable with its endpoints)."""
    if rng.start is not None:
        c = compare(value, rng.start)
        if c is None or c < 0 or (c == 0 and not rng.start_included):
            return None if c is None else False
    if rng.end is not None:
        c = compare(value, rng.end)
        if c is None or c > 0 or (c == 0 and not rng.end_included):
            return None if c is None else False
    return True
