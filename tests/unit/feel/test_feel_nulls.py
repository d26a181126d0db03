"""Null propagation and FEEL's three-valued logic."""

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicflow.feel import evaluate

OPERATORS = ["+", "-", "*", "/", "**", "<", "<=", ">", ">="]
values = st.sampled_from(
    ["1", '"a"', "true", 'date("2020-01-01")', 'duration("P1D")', "[1]", "{a: 1}", "null"]
)


@pytest.mark.parametrize(
    ("a", "b", "conjunction", "disjunction"),
    [
        ("true", "true", True, True),
        ("true", "false", False, True),
        ("true", "null", None, True),
        ("false", "true", False, True),
        ("false", "false", False, False),
        ("false", "null", False, None),
        ("null", "true", None, True),
        ("null", "false", False, None),
        ("null", "null", None, None),
    ],
)
def test_and_or_follow_the_three_valued_truth_table(
    a: str, b: str, conjunction: Any, disjunction: Any
) -> None:
    assert evaluate(f"{a} and {b}") is conjunction
    assert evaluate(f"{a} or {b}") is disjunction


def test_non_boolean_operands_of_and_or_count_as_null() -> None:
    assert evaluate("1 and true") is None
    assert evaluate('"x" or false') is None
    assert evaluate("false and 1") is False


def test_not_of_null_is_null() -> None:
    assert evaluate("not(null)") is None
    assert evaluate("not(false)") is True


def test_null_equals_only_null() -> None:
    assert evaluate("null = null") is True
    assert evaluate("1 = null") is False
    assert evaluate("null != 1") is True


def test_comparing_values_of_different_types_is_null() -> None:
    assert evaluate('1 = "1"') is None
    assert evaluate('1 < "2"') is None


def test_if_with_null_condition_takes_the_else_branch() -> None:
    assert evaluate('if null then "a" else "b"') == "b"


def test_builtin_with_null_argument_returns_null() -> None:
    assert evaluate("string length(null)") is None
    assert evaluate("abs(null)") is None


def test_missing_variable_is_null_with_a_warning() -> None:
    warnings: list[Any] = []
    assert evaluate("unknown thing + 1", warnings=warnings) is None
    assert "unknown thing" in warnings[0].message


@given(st.sampled_from(OPERATORS), values)
def test_any_operator_with_a_null_operand_is_null(op: str, other: str) -> None:
    assert evaluate(f"null {op} {other}") is None
    assert evaluate(f"{other} {op} null") is None
