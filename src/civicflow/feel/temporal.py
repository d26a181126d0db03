"""FEEL dates, times, date-times and durations: parsing ISO 8601 text, printing it, arithmetic."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from civicflow.feel.values import YearsMonthsDuration
from civicflow.feel.wide import (
    WideDate,
    WideDateTime,
    WideTime,
    combine,
    fraction_text,
    make_date,
    year_text,
)

UTC = dt.UTC

_DATE = re.compile(r"(-?(?:[1-9]\d{4,8}|\d{4}))-(\d{2})-(\d{2})")
_TIME = re.compile(
    r"(\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:(Z)|([+-])(\d{2}):(\d{2})(?::(\d{2}))?|@([A-Za-z_][\w/+\-]*))?"
)
_DURATION = re.compile(
    r"(-)?P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?"
)


def zone(name: str) -> dt.tzinfo | None:
    """The IANA time zone called ``name``, or None when unknown."""
    if name in ("Z", "UTC", "Etc/UTC"):
        return ZoneInfo("Etc/UTC") if name != "Z" else UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def parse_date(text: str) -> dt.date | WideDate | None:
    m = _DATE.fullmatch(text)
    if not m:
        return None
    return make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))


def _tz_from_match(m: re.Match[str], base: int) -> tuple[bool, dt.tzinfo | None]:
    """(ok, tzinfo) from the zone groups of _TIME starting at group ``base``."""
    if m.group(base):
        return True, UTC
    if m.group(base + 1):
        hours, minutes = int(m.group(base + 2)), int(m.group(base + 3))
        seconds = int(m.group(base + 4) or 0)
        if hours > 18 or minutes > 59:
            return False, None
        offset = dt.timedelta(hours=hours, minutes=minutes, seconds=seconds)
        if m.group(base + 1) == "-":
            offset = -offset
        return True, dt.timezone(offset)
    if m.group(base + 5):
        tz = zone(m.group(base + 5))
        return tz is not None, tz
    return True, None


def parse_time(text: str) -> dt.time | WideTime | None:
    m = _TIME.fullmatch(text)
    if not m:
        return None
    hour, minute, second = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if hour == 24 and minute == 0 and second == 0:
        hour = 0
    fraction = (m.group(4) or ".0")[1:]
    nanos = int(fraction[:9].ljust(9, "0"))
    ok, tz = _tz_from_match(m, 5)
    if not ok or hour > 23 or minute > 59 or second > 59:
        return None
    if nanos % 1000:
        return WideTime(hour, minute, second, nanos, tz)
    return dt.time(hour, minute, second, nanos // 1000, tzinfo=tz)


def parse_date_time(text: str) -> dt.datetime | WideDateTime | None:
    if "T" not in text:
        date = parse_date(text)
        if date is None:
            return None
        return combine(date, dt.time(0))
    date_text, _, time_text = text.partition("T")
    date = parse_date(date_text)
    time = parse_time(time_text)
    if date is None or time is None:
        return None
    return combine(date, time)


def parse_duration(text: str) -> dt.timedelta | YearsMonthsDuration | None:
    m = _DURATION.fullmatch(text)
    if not m:
        return None
    sign = -1 if m.group(1) else 1
    years, months, days, hours, minutes = (int(m.group(i) or 0) for i in range(2, 7))
    seconds = Decimal(m.group(7) or 0)
    has_ym = m.group(2) is not None or m.group(3) is not None
    has_dt = any(m.group(i) is not None for i in range(4, 8))
    if has_ym and has_dt:
        return None
    if has_ym:
        return YearsMonthsDuration(sign * (years * 12 + months))
    total = dt.timedelta(days=days, hours=hours, minutes=minutes, seconds=float(seconds))
    return -total if sign < 0 else total


def parse_any(text: str) -> Any:
    """The value of an ``@"..."`` literal: duration, date and time, date or time."""
    if text.startswith(("P", "-P")):
        return parse_duration(text)
    if "T" in text:
        return parse_date_time(text)
    if _DATE.fullmatch(text):
        return parse_date(text)
    return parse_time(text)


def _offset_text(tz: dt.tzinfo | None, ref: dt.datetime | None) -> str:
    if tz is None:
        return ""
    if isinstance(tz, ZoneInfo):
        return "@" + tz.key
    offset = tz.utcoffset(ref)
    if offset is None:
        return ""
    if offset == dt.timedelta(0):
        return "Z"
    sign = "-" if offset < dt.timedelta(0) else "+"
    total = int(abs(offset).total_seconds())
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{sign}{hours:02d}:{minutes:02d}"
    return text + (f":{seconds:02d}" if seconds else "")


def _time_text(t: dt.time | dt.datetime | WideTime | WideDateTime) -> str:
    text = f"{t.hour:02d}:{t.minute:02d}:{t.second:02d}"
    nanos = t.nanos if isinstance(t, (WideTime, WideDateTime)) else t.microsecond * 1000
    return text + fraction_text(nanos)


def _date_text(d: dt.date | WideDate | WideDateTime) -> str:
    return f"{year_text(d.year)}-{d.month:02d}-{d.day:02d}"


def to_iso(value: Any) -> str:
    """ISO 8601 text of a temporal value, as FEEL's ``string()`` prints it."""
    if isinstance(value, dt.datetime):
        return f"{_date_text(value)}T{_time_text(value)}{_offset_text(value.tzinfo, value)}"
    if isinstance(value, WideDateTime):
        return f"{_date_text(value)}T{_time_text(value)}{_offset_text(value.tzinfo, None)}"
    if isinstance(value, WideDate):
        return value.iso()
    if isinstance(value, WideTime):
        return _time_text(value) + _offset_text(value.tzinfo, None)
    if isinstance(value, dt.date):
        return _date_text(value)
    if isinstance(value, dt.time):
        return _time_text(value) + _offset_text(value.tzinfo, None)
    if isinstance(value, YearsMonthsDuration):
        return str(value)
    if isinstance(value, dt.timedelta):
        return timedelta_iso(value)
    raise TypeError(type(value).__name__)


def timedelta_iso(value: dt.timedelta) -> str:
    if not value:
        return "PT0S"
    sign = "-" if value < dt.timedelta(0) else ""
    value = abs(value)
    days = value.days
    hours, rest = divmod(value.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{sign}P"
    if days:
        text += f"{days}D"
    if hours or minutes or seconds or value.microseconds:
        text += "T"
        if hours:
            text += f"{hours}H"
        if minutes:
            text += f"{minutes}M"
        if seconds or value.microseconds:
            if value.microseconds:
                text += f"{seconds}.{value.microseconds:06d}".rstrip("0") + "S"
            else:
                text += f"{seconds}S"
    return text


def seconds_of(value: dt.timedelta) -> Decimal:
    """Exact seconds of a timedelta as a Decimal."""
    return (
        Decimal(value.days) * 86400 + Decimal(value.seconds) + Decimal(value.microseconds) / 10**6
    )


def timedelta_from_seconds(seconds: Decimal) -> dt.timedelta:
    micro = int((seconds * 10**6).to_integral_value())
    return dt.timedelta(microseconds=micro)


def add_months(value: dt.date, months: int) -> dt.date | None:
    """Date (or date-time) shifted by whole months; the day is clamped to the month's length."""
    total = value.year * 12 + (value.month - 1) + months
    year, month0 = divmod(total, 12)
    if not 1 <= year <= 9999:
        return None
    month = month0 + 1
    last = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return value.replace(year=year, month=month, day=min(value.day, last))


def to_utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(UTC) if value.tzinfo is not None else value


def time_key(value: dt.time) -> tuple[bool, float]:
    """(aware, seconds since midnight in UTC) for comparing times."""
    seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
    if value.tzinfo is None:
        return False, seconds
    offset = value.tzinfo.utcoffset(None) if not isinstance(value.tzinfo, ZoneInfo) else None
    if offset is None and isinstance(value.tzinfo, ZoneInfo):
        offset = value.tzinfo.utcoffset(dt.datetime(2000, 1, 1))
    return True, (seconds - (offset.total_seconds() if offset else 0)) % 86400


def time_offset(value: dt.time | dt.datetime) -> dt.timedelta | None:
    if value.tzinfo is None:
        return None
    if isinstance(value, dt.datetime):
        return value.utcoffset()
    if isinstance(value.tzinfo, ZoneInfo):
        return None
    return value.tzinfo.utcoffset(None)


def timezone_name(value: dt.time | dt.datetime) -> str | None:
    tz = value.tzinfo
    if isinstance(tz, ZoneInfo):
        return tz.key
    if tz is UTC:
        return "Z"
    return None
