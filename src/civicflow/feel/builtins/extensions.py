"""Built-ins outside the DMN standard that Camunda 8 models commonly use.

Camunda's FEEL engine adds these; BPMN models written with Camunda Modeler call them in gateway
conditions and mappings, so CivicFlow accepts them too (docs/decisions/0204).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from civicflow.feel import temporal
from civicflow.feel.builtins.args import date_like, integer, items, text
from civicflow.feel.builtins.registry import builtin
from civicflow.feel.scope import Run


@builtin("is defined", ["value"])
def is_defined(run: Run, value: Any) -> Any:
    """True unless the value is null (an unknown variable evaluates to null)."""
    return value is not None


@builtin("get or else", ["value", "default"])
def get_or_else(run: Run, value: Any, default: Any) -> Any:
    return default if value is None else value


@builtin("trim", ["string"])
def trim(run: Run, value: Any) -> Any:
    return text(value, "string").strip()


@builtin("is blank", ["string"])
def is_blank(run: Run, value: Any) -> Any:
    return text(value, "string").strip() == ""


@builtin("partition", ["list", "size"])
def partition(run: Run, values: Any, size: Any) -> Any:
    seq = items(values)
    n = integer(size, "size")
    if n <= 0:
        raise ValueError("size must be positive")
    return [seq[i : i + n] for i in range(0, len(seq), n)]


@builtin("last day of month", ["date"])
def last_day_of_month(run: Run, value: Any) -> Any:
    day = date_like(value)
    following = temporal.add_months(dt.date(day.year, day.month, 1), 1)
    if following is None:
        raise ValueError("date out of range")
    return following - dt.timedelta(days=1)


@builtin("round", ["n", "scale"], required=1)
def round_(run: Run, n: Any, scale: Any = None) -> Any:
    """Camunda's alias of round half even (``decimal``) with an optional scale."""
    from civicflow.feel.builtins.numeric import decimal_

    return decimal_(run, n, Decimal(0) if scale is None else scale)
