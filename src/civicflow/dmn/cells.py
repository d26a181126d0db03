"""Fast paths for the commonest decision table cells, exact to FEEL by construction.

Most cells are a number or string literal, a comparison with a number, a numeric range or a list
of strings. For an input of the cell's own type (number or string) these are checked directly in
Python; any other input (null, a date, a boolean...) goes to FEEL's compiled unary tests, so the
result and the warnings are always FEEL's. A hypothesis test checks the two agree.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

Warnings = list[Any] | None
Matcher = Callable[[Any, Mapping[str, Any], Warnings], bool]

_NUM = r"-?[0-9]+(?:\.[0-9]+)?"
_NUMBER = re.compile(_NUM)
_STRING = re.compile(r'"[^"\\]*"')
_COMPARISON = re.compile(rf"(<=|>=|<|>)\s*({_NUM})")
_RANGE = re.compile(rf"([\[(\]])\s*({_NUM})\s*\.\.\s*({_NUM})\s*([\])\[])")
_STRINGS = re.compile(r'"[^"\\]*"(?:\s*,\s*"[^"\\]*")+')
_NUMBERS = re.compile(rf"{_NUM}(?:\s*,\s*{_NUM})+")
_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}


def fast_matcher(text: str, fallback: Matcher) -> Matcher | None:
    """A direct matcher for ``text`` when it has a common shape, else None."""
    number_test = _number_test(text)
    if number_test is not None:
        def _on_number(value: Any, scope: Mapping[str, Any], warnings: Warnings) -> bool:
            if type(value) is Decimal:
                return number_test(value)
            return fallback(value, scope, warnings)

        return _on_number
    strings = _string_set(text)
    if strings is not None:
        def _on_string(value: Any, scope: Mapping[str, Any], warnings: Warnings) -> bool:
            if type(value) is str:
                return value in strings
            return fallback(value, scope, warnings)

        return _on_string
    return None


def _number_test(text: str) -> Callable[[Decimal], bool] | None:
    if _NUMBER.fullmatch(text):
        number = Decimal(text)
        return lambda value: value == number
    if _NUMBERS.fullmatch(text):
        numbers = frozenset(Decimal(n) for n in re.findall(_NUM, text))
        return lambda value: value in numbers
    found = _COMPARISON.fullmatch(text)
    if found:
        compare, bound = _OPERATORS[found[1]], Decimal(found[2])
        return lambda value: compare(value, bound)
    found = _RANGE.fullmatch(text)
    if found:
        low, high = Decimal(found[2]), Decimal(found[3])
        above = operator.ge if found[1] == "[" else operator.gt
        below = operator.le if found[4] == "]" else operator.lt
        return lambda value: above(value, low) and below(value, high)
    return None


def _string_set(text: str) -> frozenset[str] | None:
    if _STRING.fullmatch(text) or _STRINGS.fullmatch(text):
        return frozenset(re.findall(r'"([^"\\]*)"', text))
    return None
