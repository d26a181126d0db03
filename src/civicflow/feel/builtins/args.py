"""Argument checks for built-ins: a null argument makes the result null, a wrong type warns."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from civicflow.feel import ops
from civicflow.feel.functions import NullArgumentError
from civicflow.feel.scope import MISSING


def given(value: Any) -> bool:
    """Whether an optional argument was passed (null counts as not passed)."""
    return value is not MISSING and value is not None


def num(value: Any, what: str = "number") -> Decimal:
    if value is None or value is MISSING:
        raise NullArgumentError
    if type(value) is not Decimal:
        raise TypeError(f"{what} must be a number, not {ops.kind(value)}")
    return value


def integer(value: Any, what: str = "position") -> int:
    number = num(value, what)
    if number != number.to_integral_value():
        raise TypeError(f"{what} must be a whole number, not {number}")
    return int(number)


def text(value: Any, what: str = "argument") -> str:
    if value is None or value is MISSING:
        raise NullArgumentError
    if type(value) is not str:
        raise TypeError(f"{what} must be a string, not {ops.kind(value)}")
    return value


def items(value: Any, what: str = "list") -> list[Any]:
    if value is None or value is MISSING:
        raise NullArgumentError
    if type(value) is not list:
        raise TypeError(f"{what} must be a list, not {ops.kind(value)}")
    return value


def boolean(value: Any) -> bool:
    if value is None or value is MISSING:
        raise NullArgumentError
    if type(value) is not bool:
        raise TypeError(f"expected a boolean, not {ops.kind(value)}")
    return value


def date_like(value: Any) -> dt.date:
    """A date, or the date of a date and time."""
    if value is None or value is MISSING:
        raise NullArgumentError
    if isinstance(value, dt.date):
        return value
    raise TypeError(f"expected a date, not {ops.kind(value)}")


def variadic(args: tuple[Any, ...]) -> list[Any]:
    """``f([a, b])`` and ``f(a, b)`` both mean the list [a, b] (min, max, sum, ...)."""
    if len(args) == 1 and type(args[0]) is list:
        return list(args[0])
    if len(args) == 1 and args[0] is None:
        raise NullArgumentError
    return list(args)
