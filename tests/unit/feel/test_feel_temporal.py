"""Dates, times, date-times and durations: literals, arithmetic, properties, zones."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from civicflow.feel import YearsMonthsDuration, evaluate, to_python


def test_date_literal_forms_agree() -> None:
    assert evaluate('date("2017-01-31")') == dt.date(2017, 1, 31)
    assert evaluate("date(2017, 1, 31)") == dt.date(2017, 1, 31)
    assert evaluate('@"2017-01-31"') == dt.date(2017, 1, 31)


def test_invalid_date_text_is_null() -> None:
    assert evaluate('date("2017-02-30")') is None
    assert evaluate('@"2017-13-01"') is None


def test_adding_a_month_clamps_to_the_end_of_a_shorter_month() -> None:
    assert evaluate('date("2017-01-31") + duration("P1M")') == dt.date(2017, 2, 28)
    assert evaluate('date("2016-01-31") + @"P1M"') == dt.date(2016, 2, 29)


def test_subtracting_dates_gives_a_days_and_time_duration() -> None:
    assert evaluate('date("2017-03-01") - date("2017-02-01")') == dt.timedelta(days=28)


def test_date_time_difference_uses_the_utc_time_line() -> None:
    text = '@"2021-01-01T12:00:00+02:00" - @"2021-01-01T09:00:00Z"'
    assert evaluate(text) == dt.timedelta(hours=1)


def test_date_time_with_and_without_zone_cannot_be_subtracted() -> None:
    assert evaluate('@"2021-01-01T12:00:00Z" - @"2021-01-01T09:00:00"') is None


def test_time_plus_duration_wraps_around_midnight() -> None:
    assert evaluate('time("23:30:00") + duration("PT1H")') == dt.time(0, 30)


def test_iana_zone_is_kept_and_printed() -> None:
    value = evaluate('date and time("2018-12-10T10:30:00@Europe/Paris")')
    assert value == dt.datetime(2018, 12, 10, 10, 30, tzinfo=ZoneInfo("Europe/Paris"))
    assert evaluate("string(x)", {"x": value}) == "2018-12-10T10:30:00@Europe/Paris"
    assert evaluate("x.timezone", {"x": value}) == "Europe/Paris"


def test_same_instant_in_two_zones_is_equal() -> None:
    assert evaluate('@"2021-01-01T12:00:00+01:00" = @"2021-01-01T11:00:00Z"') is True
    assert evaluate('is(@"2021-01-01T12:00:00+01:00", @"2021-01-01T11:00:00Z")') is False


def test_years_and_months_duration_between_two_dates() -> None:
    text = 'years and months duration(date("2011-12-22"), date("2013-08-24"))'
    assert evaluate(text) == YearsMonthsDuration(20)
    assert to_python(evaluate(text)) == "P1Y8M"


def test_durations_scale_and_divide() -> None:
    assert evaluate('duration("P1DT2H") * 2') == dt.timedelta(days=2, hours=4)
    assert evaluate('duration("P2Y") / 2') == YearsMonthsDuration(12)
    assert evaluate('duration("P1D") / duration("PT1H")') == Decimal(24)


def test_duration_text_round_trips() -> None:
    for text in ("P1DT2H3M4S", "-P2D", "PT0S", "P1Y2M", "-P3M", "PT0.5S"):
        assert evaluate(f'string(duration("{text}"))') == text


def test_temporal_properties() -> None:
    context = {"d": dt.datetime(2019, 9, 17, 10, 20, 30)}
    assert evaluate("[d.year, d.month, d.day, d.weekday, d.hour, d.minute]", context) == [
        Decimal(2019), Decimal(9), Decimal(17), Decimal(2), Decimal(10), Decimal(20)
    ]
    assert evaluate('duration("P1DT2H").hours') == Decimal(2)
    assert evaluate('duration("P3Y5M").months') == Decimal(5)


def test_calendar_functions_match_the_specification_examples() -> None:
    assert evaluate("day of year(date(2019, 9, 17))") == Decimal(260)
    assert evaluate("day of week(date(2019, 9, 17))") == "Tuesday"
    assert evaluate("month of year(date(2019, 9, 17))") == "September"
    assert evaluate("week of year(date(2019, 9, 17))") == Decimal(38)
    assert evaluate("week of year(date(2005, 1, 1))") == Decimal(53)


def test_time_with_offset_compares_on_utc() -> None:
    assert evaluate('time("10:00:00+01:00") < time("09:30:00Z")') is True
    assert evaluate('time(10, 30, 0, duration("PT2H"))') == dt.time(
        10, 30, tzinfo=dt.timezone(dt.timedelta(hours=2))
    )


dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))


@given(dates, st.integers(min_value=0, max_value=3000))
def test_adding_then_subtracting_days_returns_the_same_date(day: dt.date, n: int) -> None:
    expr = f'd + duration("P{n}D") - duration("P{n}D")'
    assert evaluate(expr, {"d": day}) == day


@given(dates, dates)
def test_date_difference_counts_days(a: dt.date, b: dt.date) -> None:
    assert evaluate("a - b", {"a": a, "b": b}) == a - b


@given(dates, st.integers(min_value=-240, max_value=240))
def test_month_arithmetic_never_overflows_the_month(day: dt.date, months: int) -> None:
    result = evaluate("d + m", {"d": day, "m": YearsMonthsDuration(months)})
    assert isinstance(result, dt.date)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day <= day.day
