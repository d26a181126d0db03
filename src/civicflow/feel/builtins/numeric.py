"""Numeric built-ins, computed in DECIMAL128 like all FEEL arithmetic."""

from __future__ import annotations

import datetime as dt
import decimal
from decimal import Decimal
from typing import Any

from civicflow.feel.builtins.args import given, integer, num
from civicflow.feel.builtins.registry import builtin
from civicflow.feel.functions import NullArgumentError
from civicflow.feel.scope import MISSING, Run
from civicflow.feel.values import DECIMAL128, YearsMonthsDuration


def _round(value: Any, scale: Any, mode: str) -> Decimal:
    n = num(value, "n")
    places = integer(scale, "scale") if given(scale) else 0
    if scale is None:
        raise NullArgumentError
    if not -6111 <= places <= 6176:
        raise ValueError("scale must be between -6111 and 6176")
    exponent = n.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -places:
        return n  # already has no more decimals than asked
    result = n.quantize(Decimal(1).scaleb(-places), rounding=mode, context=DECIMAL128)
    return result if places >= 0 else Decimal(int(result))


@builtin("decimal", ["n", "scale"])
def decimal_(run: Run, n: Any, scale: Any) -> Any:
    return _round(n, scale, decimal.ROUND_HALF_EVEN)


@builtin("floor", ["n", "scale"], required=1)
def floor(run: Run, n: Any, scale: Any = MISSING) -> Any:
    return _round(n, scale, decimal.ROUND_FLOOR)


@builtin("ceiling", ["n", "scale"], required=1)
def ceiling(run: Run, n: Any, scale: Any = MISSING) -> Any:
    return _round(n, scale, decimal.ROUND_CEILING)


@builtin("round up", ["n", "scale"], required=1)
def round_up(run: Run, n: Any, scale: Any = MISSING) -> Any:
    return _round(n, scale, decimal.ROUND_UP)


@builtin("round down", ["n", "scale"], required=1)
def round_down(run: Run, n: Any, scale: Any = MISSING) -> Any:
    return _round(n, scale, decimal.ROUND_DOWN)


@builtin("round half up", ["n", "scale"], required=1)
def round_half_up(run: Run, n: Any, scale: Any = MISSING) -> Any:
    return _round(n, scale, decimal.ROUND_HALF_UP)


@builtin("round half down", ["n", "scale"], required=1)
def round_half_down(run: Run, n: Any, scale: Any = MISSING) -> Any:
    return _round(n, scale, decimal.ROUND_HALF_DOWN)


@builtin("abs", ["n"])
def abs_(run: Run, n: Any) -> Any:
    if type(n) is dt.timedelta:
        return abs(n)
    if type(n) is YearsMonthsDuration:
        return YearsMonthsDuration(abs(n.months))
    return DECIMAL128.abs(num(n, "n"))


@builtin("modulo", ["dividend", "divisor"])
def modulo(run: Run, dividend: Any, divisor: Any) -> Any:
    a, b = num(dividend, "dividend"), num(divisor, "divisor")
    if b == 0:
        raise ValueError("division by zero")
    quotient = DECIMAL128.divide(a, b).to_integral_value(decimal.ROUND_FLOOR)
    return DECIMAL128.subtract(a, DECIMAL128.multiply(b, quotient))


@builtin("sqrt", ["number"])
def sqrt(run: Run, n: Any) -> Any:
    value = num(n)
    if value < 0:
        raise ValueError("cannot take the square root of a negative number")
    return DECIMAL128.sqrt(value)


@builtin("log", ["number"])
def log(run: Run, n: Any) -> Any:
    value = num(n)
    if value <= 0:
        raise ValueError("the logarithm needs a positive number")
    return DECIMAL128.ln(value)


@builtin("exp", ["number"])
def exp(run: Run, n: Any) -> Any:
    return DECIMAL128.exp(num(n))


@builtin("odd", ["number"])
def odd(run: Run, n: Any) -> Any:
    value = num(n)
    if value != value.to_integral_value():
        return False
    return int(value) % 2 == 1


@builtin("even", ["number"])
def even(run: Run, n: Any) -> Any:
    value = num(n)
    if value != value.to_integral_value():
        return False
    return int(value) % 2 == 0
