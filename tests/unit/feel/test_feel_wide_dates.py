"""Dates and times beyond Python's datetime: years up to +-999,999,999 and nanoseconds."""

from decimal import Decimal

from civicflow.feel import evaluate


def test_far_future_and_past_dates_round_trip_through_string() -> None:
    assert evaluate('string(date("999999999-12-31"))') == "999999999-12-31"
    assert evaluate("string(date(-999999999, 12, 31))") == "-999999999-12-31"


def test_february_29_exists_only_in_leap_years_far_away_too() -> None:
    assert evaluate('date("40000-02-29")') is not None
    assert evaluate('date("40100-02-29")') is None


def test_nanoseconds_are_kept() -> None:
    text = 'string(time("23:59:01.123456789@Europe/Paris"))'
    assert evaluate(text) == "23:59:01.123456789@Europe/Paris"
    combined = 'string(date and time(date("2017-01-01"), time("10:00:00.000000001Z")))'
    assert evaluate(combined) == "2017-01-01T10:00:00.000000001Z"


def test_wide_values_have_properties_and_equality() -> None:
    assert evaluate('date("-0044-03-15").year') == Decimal(-44)
    assert evaluate('date("12345-01-02") = date(12345, 1, 2)') is True


def test_years_and_months_duration_across_year_zero() -> None:
    text = 'years and months duration(date("-0001-06-01"), date("0002-06-01"))'
    assert evaluate(f"string({text})") == "P3Y"


def test_arithmetic_on_wide_values_is_null_not_an_error() -> None:
    warnings: list[object] = []
    assert evaluate('date("12345-01-01") + duration("P1D")', warnings=warnings) is None
    assert warnings
