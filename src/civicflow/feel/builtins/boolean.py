"""Boolean built-ins and ``is``: three-valued logic over lists."""

from __future__ import annotations

import datetime as dt
from typing import Any

from civicflow.feel import ops, temporal
from civicflow.feel.builtins.args import variadic
from civicflow.feel.builtins.registry import builtin
from civicflow.feel.scope import Run


@builtin("not", ["negand"])
def not_(run: Run, value: Any) -> Any:
    return (not value) if type(value) is bool else None


@builtin("all", ["list"], variadic=True)
def all_(run: Run, *args: Any) -> Any:
    values = variadic(args)
    if any(v is False for v in values):
        return False
    if all(v is True for v in values):
        return True
    return None


@builtin("any", ["list"], variadic=True)
def any_(run: Run, *args: Any) -> Any:
    values = variadic(args)
    if any(v is True for v in values):
        return True
    if all(v is False for v in values):
        return False
    return None


@builtin("is", ["value1", "value2"])
def is_(run: Run, a: Any, b: Any) -> Any:
    """Same type and same value; times and date-times must also have the same offset/zone."""
    if type(a) is not type(b):
        return False
    if type(a) in (dt.time, dt.datetime):
        return temporal.to_iso(a) == temporal.to_iso(b)
    return ops.equal(a, b) is True
