"""FEEL numbers are decimals (DECIMAL128), never binary floats."""

import decimal
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from civicflow.feel import FeelWarning, evaluate, from_python

DEC128 = decimal.Context(prec=34, rounding=decimal.ROUND_HALF_EVEN, Emin=-6143, Emax=6144)
decimals = st.decimals(
    min_value=Decimal("-1e12"), max_value=Decimal("1e12"), allow_nan=False, places=6
)


def test_decimal_addition_is_exact_where_floats_are_not() -> None:
    assert evaluate("0.1 + 0.2") == Decimal("0.3")
    assert evaluate("0.1 + 0.2 = 0.3") is True


def test_division_keeps_34_significant_digits() -> None:
    assert evaluate("1 / 3") == Decimal("0.3333333333333333333333333333333333")
    assert evaluate("2 / 3") == Decimal("0.6666666666666666666666666666666667")


def test_division_by_zero_is_null_with_a_warning() -> None:
    warnings: list[FeelWarning] = []
    assert evaluate("1 / 0", warnings=warnings) is None
    assert any("zero" in w.message for w in warnings)


def test_exponentiation_is_left_associative_and_binds_tighter_than_multiplication() -> None:
    assert evaluate("3 ** 4 ** 5") == Decimal(3) ** 20
    assert evaluate("2 * 3 ** 2") == Decimal(18)
    assert evaluate("10 ** -2") == Decimal("0.01")


def test_negation_binds_tighter_than_exponentiation_as_in_the_tck() -> None:
    assert evaluate("-3 ** 2") == Decimal(9)
    assert evaluate("--10") == Decimal(10)


def test_operator_precedence_follows_the_grammar() -> None:
    assert evaluate("1 + 2 * 3 - 4 / 2") == Decimal(5)
    assert evaluate("(1 + 2) * 3") == Decimal(9)


def test_floats_from_python_convert_through_their_shortest_text() -> None:
    assert from_python(0.1) == Decimal("0.1")
    assert evaluate("x * 3", {"x": 0.1}) == Decimal("0.3")


def test_string_concatenation_with_plus() -> None:
    assert evaluate('"foo" + "bar"') == "foobar"


@given(decimals, decimals)
def test_addition_matches_decimal128(a: Decimal, b: Decimal) -> None:
    assert evaluate("a + b", {"a": a, "b": b}) == DEC128.add(a, b)


@given(decimals, decimals)
def test_subtraction_and_multiplication_match_decimal128(a: Decimal, b: Decimal) -> None:
    assert evaluate("a - b", {"a": a, "b": b}) == DEC128.subtract(a, b)
    assert evaluate("a * b", {"a": a, "b": b}) == DEC128.multiply(a, b)


@given(decimals, decimals.filter(lambda d: d != 0))
def test_division_matches_decimal128(a: Decimal, b: Decimal) -> None:
    assert evaluate("a / b", {"a": a, "b": b}) == DEC128.divide(a, b)


@given(decimals, decimals)
def test_comparison_agrees_with_decimal_order(a: Decimal, b: Decimal) -> None:
    assert evaluate("a < b", {"a": a, "b": b}) is (a < b)
    assert evaluate("a = b", {"a": a, "b": b}) is (a == b)
    assert evaluate("a != b", {"a": a, "b": b}) is (a != b)


@given(st.integers(min_value=-(10**30), max_value=10**30))
def test_integer_literals_round_trip_exactly(n: int) -> None:
    assert evaluate(str(n)) == Decimal(n)
