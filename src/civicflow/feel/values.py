"""FEEL values as Python objects, and their conversion from and to plain Python/JSON.

Mapping (see docs/decisions/0201-feel-value-mapping.md): number -> Decimal (DECIMAL128),
string -> str, boolean -> bool, null -> None, date -> datetime.date, time -> datetime.time
(tzinfo = fixed offset or ZoneInfo), date and time -> datetime.datetime, days-and-time duration ->
datetime.timedelta, years-and-months duration -> YearsMonthsDuration, list -> list,
context -> dict, range -> Range, function -> FeelFunction.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from civicflow.feel.wide import WideDate, WideDateTime, WideTime

WIDE_TYPES = (WideDate, WideDateTime, WideTime)

#: The decimal context the specification prescribes for FEEL numbers (IEEE 754 DECIMAL128).
DECIMAL128 = decimal.Context(
    prec=34,
    rounding=decimal.ROUND_HALF_EVEN,
    Emin=-6143,
    Emax=6144,
    traps=[decimal.DivisionByZero, decimal.Overflow, decimal.InvalidOperation],
)


@dataclass(frozen=True, order=True)
class YearsMonthsDuration:
    """A years-and-months duration (``P1Y2M``), held as a signed number of months."""

    months: int

    @property
    def years_part(self) -> int:
        return abs(self.months) // 12 * (1 if self.months >= 0 else -1)

    @property
    def months_part(self) -> int:
        return abs(self.months) % 12 * (1 if self.months >= 0 else -1)

    def __str__(self) -> str:
        if self.months == 0:
            return "P0M"
        sign = "-" if self.months < 0 else ""
        years, months = divmod(abs(self.months), 12)
        text = f"{sign}P"
        if years:
            text += f"{years}Y"
        if months:
            text += f"{months}M"
        return text


@dataclass(frozen=True)
class Range:
    """A FEEL range such as ``[1..10)``; an endpoint of None means unbounded (``< 10``)."""

    start: Any
    end: Any
    start_included: bool
    end_included: bool

    def __str__(self) -> str:
        left = "[" if self.start_included else "("
        right = "]" if self.end_included else ")"
        return f"{left}{to_feel_string(self.start)}..{to_feel_string(self.end)}{right}"


class FeelFunction:
    """A FEEL function value; calling it from Python passes already-FEEL arguments."""

    name: str = "anonymous"
    params: tuple[str, ...] = ()

    def invoke(
        self, args: Sequence[Any], named: Mapping[str, Any] | None, run: Any
    ) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def __call__(self, *args: Any) -> Any:
        from civicflow.feel.scope import Run

        return self.invoke(list(args), None, Run(None))


def from_python(value: Any) -> Any:
    """Convert a plain Python/JSON value to a FEEL value (ints and floats become Decimal)."""
    if value is None or isinstance(value, (str, bool, Decimal)):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        return DECIMAL128.create_decimal(repr(value))
    if isinstance(value, Mapping):
        return {str(k): from_python(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [from_python(v) for v in value]
    if isinstance(value, (dt.date, dt.time, dt.timedelta, YearsMonthsDuration, Range)):
        return value
    if isinstance(value, WIDE_TYPES):
        return value
    if isinstance(value, FeelFunction):
        return value
    if callable(value):
        return PythonFunction(value)
    return None


def to_python(value: Any) -> Any:
    """Convert a FEEL value to JSON-friendly Python.

    Integral numbers become int; other numbers become float when the float prints back as the
    same decimal, otherwise their exact decimal string. Temporal values and durations become ISO
    8601 strings, ranges and functions their FEEL text.
    """
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        if value == value.to_integral_value():
            return int(value)
        as_float = float(value)
        if Decimal(repr(as_float)) == value:
            return as_float
        return str(value)
    if isinstance(value, dict):
        return {k: to_python(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_python(v) for v in value]
    return to_feel_string(value)


def to_feel_string(value: Any) -> str:
    """The text ``string(value)`` gives in FEEL."""
    from civicflow.feel import temporal

    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        return format_number(value)
    if isinstance(value, (dt.date, dt.time, dt.timedelta, YearsMonthsDuration, *WIDE_TYPES)):
        return temporal.to_iso(value)
    if isinstance(value, list):
        return "[" + ", ".join(_quoted(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_quoted(v)}" for k, v in value.items()) + "}"
    if isinstance(value, Range):
        return str(value)
    if isinstance(value, FeelFunction):
        return f"function {value.name}"
    return str(value)


def _quoted(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return to_feel_string(value)


def format_number(value: Decimal) -> str:
    """Plain decimal notation without exponent or trailing fractional zeros."""
    if value == 0:
        return "0"
    text = format(value.normalize(DECIMAL128), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


class PythonFunction(FeelFunction):
    """A Python callable made available to FEEL (host-provided functions); arguments converted."""

    def __init__(self, fn: Callable[..., Any]):
        self.fn = fn
        self.name = getattr(fn, "__name__", "function")

    def invoke(self, args: Sequence[Any], named: Mapping[str, Any] | None, run: Any) -> Any:
        py_args = [to_python(a) for a in args]
        py_named = {k: to_python(v) for k, v in (named or {}).items()}
        return from_python(self.fn(*py_args, **py_named))
