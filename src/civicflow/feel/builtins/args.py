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


def single(value: Any) -> Any:
    """A singleton list stands for its element where a single value is expected (10.3.2.9.4)."""
    if type(value) is list and len(value) == 1:
        return value[0]
    return value


def num(value: Any, what: str = "number") -> Decimal:
    value = single(value)
    if value is None or value is MISSING:
        raise NullArgumentError
    if type(value) is not Decimal:
        raise TypeError(f"{what} must be a number, not {ops.kind(value)}")
    return value


def integer(value: Any, what: str = "position") -> int:
    """A whole number; fractions are truncated toward zero as the TCK expects."""
    return int(num(value, what))


def text(value: Any, what: str = "argument") -> str:
    value = single(value)
    if value is None or value is MISSING:
        raise NullArgumentError
    if type(value) is not str:
        raise TypeError(f"{what} must be a string, not {ops.kind(value)}")
    return value


def items(value: Any, what: str = "list") -> list[Any]:
    if value is None or value is MISSING:
        raise NullArgumentError
    if type(value) is not list:
        return [value]  # a single value stands for the singleton list (10.3.2.9.4)
    return value


def boolean(value: Any) -> bool:
    value = single(value)
    if value is None or value is MISSING:
        raise NullArgumentError
    if type(value) is not bool:
        raise TypeError(f"expected a boolean, not {ops.kind(value)}")
    return value


def date_like(value: Any) -> dt.date:
    """A date, or the date of a date and time."""
    value = single(value)
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
