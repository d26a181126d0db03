"""The organisation calendar: holidays, weekends, working hours, closures and DST."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicflow.calendar import BusinessCalendar, CalendarError, FixedClock, WorkingPeriod

AMS = ZoneInfo("Europe/Amsterdam")
NYC = ZoneInfo("America/New_York")


def dutch() -> BusinessCalendar:
    return BusinessCalendar(timezone="Europe/Amsterdam", country="NL")


def new_york() -> BusinessCalendar:
    return BusinessCalendar(timezone="America/New_York", country="US", subdivision="NY")


def around_the_clock(zone: str) -> BusinessCalendar:
    always = (WorkingPeriod.parse("00:00-24:00"),)
    return BusinessCalendar(timezone=zone, working_hours=dict.fromkeys(range(7), always))


def test_kings_day_is_a_dutch_public_holiday_and_not_a_business_day() -> None:
    # King's Day, 27 April 2026, a Monday.
    assert date(2026, 4, 27).weekday() == 0
    assert not dutch().is_business_day(date(2026, 4, 27))
    assert dutch().is_business_day(date(2026, 4, 28))


def test_weekend_days_are_not_business_days() -> None:
    assert not dutch().is_business_day(date(2026, 11, 28))  # Saturday
    assert not dutch().is_business_day(date(2026, 11, 29))  # Sunday
    assert dutch().is_business_day(date(2026, 11, 27))  # Friday


def test_an_extra_closure_is_not_a_business_day() -> None:
    cal = BusinessCalendar(timezone="Europe/Amsterdam", closures=frozenset({date(2026, 12, 24)}))
    assert not cal.is_business_day(date(2026, 12, 24))
    assert cal.holiday_name(date(2026, 12, 24)) == "closure"


def test_a_new_york_state_holiday_counts_but_only_with_the_subdivision() -> None:
    # Lincoln's Birthday (12 Feb 2026, a Thursday) is a New York State holiday, not federal.
    assert not new_york().is_business_day(date(2026, 2, 12))
    federal = BusinessCalendar(timezone="America/New_York", country="US")
    assert federal.is_business_day(date(2026, 2, 12))


def test_one_business_day_after_friday_is_monday_at_the_same_local_time() -> None:
    friday = datetime(2026, 11, 27, 10, 0, tzinfo=AMS)
    assert dutch().add_business_days(friday, 1) == datetime(2026, 11, 30, 10, 0, tzinfo=AMS)


def test_adding_business_days_skips_a_holiday_and_a_weekend() -> None:
    # Friday 24 April 2026 + 1: Sat, Sun, King's Day Monday skipped -> Tuesday 28 April.
    assert dutch().add_business_days(date(2026, 4, 24), 1) == date(2026, 4, 28)
    # + 3: Tue 28, Wed 29, Thu 30.
    assert dutch().add_business_days(date(2026, 4, 24), 3) == date(2026, 4, 30)


def test_adding_business_days_from_a_saturday_counts_monday_as_the_first() -> None:
    assert dutch().add_business_days(date(2026, 11, 28), 1) == date(2026, 11, 30)


def test_subtracting_business_days_goes_back_over_the_weekend() -> None:
    assert dutch().add_business_days(date(2026, 11, 30), -1) == date(2026, 11, 27)


def test_adding_business_days_across_spring_forward_keeps_the_local_wall_clock() -> None:
    # Amsterdam moves from +01:00 to +02:00 on Sunday 29 March 2026.
    friday = datetime(2026, 3, 27, 10, 0, tzinfo=AMS)
    monday = dutch().add_business_days(friday, 1)
    assert isinstance(monday, datetime)
    assert monday.astimezone(AMS).hour == 10
    assert monday.astimezone(UTC) == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    assert friday.astimezone(UTC) == datetime(2026, 3, 27, 9, 0, tzinfo=UTC)


def test_adding_business_days_across_fall_back_in_new_york_keeps_the_local_wall_clock() -> None:
    # New York moves from -04:00 to -05:00 on Sunday 1 November 2026.
    friday = datetime(2026, 10, 30, 9, 30, tzinfo=NYC)
    monday = new_york().add_business_days(friday, 1)
    assert monday == datetime(2026, 11, 2, 9, 30, tzinfo=NYC)
    assert isinstance(monday, datetime)
    assert monday.astimezone(UTC) == datetime(2026, 11, 2, 14, 30, tzinfo=UTC)


def test_business_days_between_friday_and_monday_is_one() -> None:
    friday = datetime(2026, 11, 27, 16, 0, tzinfo=AMS)
    monday = datetime(2026, 11, 30, 9, 0, tzinfo=AMS)
    assert dutch().business_days_between(friday, monday) == 1
    assert dutch().business_days_between(monday, friday) == -1
    assert dutch().business_days_between(friday, friday + timedelta(hours=1)) == 0


def test_business_days_between_uses_the_local_date_not_the_utc_date() -> None:
    # 23:30 UTC on Thursday is already Friday in Amsterdam; to Monday that is 1 business day.
    thursday_utc = datetime(2026, 11, 26, 23, 30, tzinfo=UTC)
    monday = datetime(2026, 11, 30, 12, 0, tzinfo=AMS)
    assert dutch().business_days_between(thursday_utc, monday) == 1


def test_business_days_between_skips_kings_day() -> None:
    assert dutch().business_days_between(date(2026, 4, 24), date(2026, 4, 30)) == 3


@given(
    st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    st.integers(min_value=0, max_value=60),
)
def test_business_days_between_undoes_add_business_days(start: date, n: int) -> None:
    cal = dutch()
    end = cal.add_business_days(start, n)
    assert cal.business_days_between(start, end) == n


def test_working_time_over_a_weekend_counts_only_office_hours() -> None:
    friday = datetime(2026, 11, 27, 15, 0, tzinfo=AMS)
    monday = datetime(2026, 11, 30, 10, 30, tzinfo=AMS)
    # Friday 15:00-17:00 (2 h) + Monday 09:00-10:30 (1.5 h).
    assert dutch().working_time(friday, monday) == timedelta(hours=3, minutes=30)


def test_working_time_skips_a_public_holiday() -> None:
    friday = datetime(2026, 4, 24, 9, 0, tzinfo=AMS)
    tuesday = datetime(2026, 4, 28, 17, 0, tzinfo=AMS)
    assert dutch().working_time(friday, tuesday) == timedelta(hours=16)


def test_working_time_with_split_hours_leaves_out_the_lunch_break() -> None:
    hours = (WorkingPeriod.parse("08:30-12:00"), WorkingPeriod.parse("13:00-17:00"))
    cal = BusinessCalendar(
        timezone="Europe/Amsterdam", working_hours=dict.fromkeys(range(5), hours)
    )
    start = datetime(2026, 11, 30, 11, 0, tzinfo=AMS)
    end = datetime(2026, 11, 30, 14, 0, tzinfo=AMS)
    assert cal.working_time(start, end) == timedelta(hours=2)


def test_a_day_open_around_the_clock_lasts_23_hours_when_amsterdam_springs_forward() -> None:
    cal = around_the_clock("Europe/Amsterdam")
    start = datetime(2026, 3, 29, 0, 0, tzinfo=AMS)
    end = datetime(2026, 3, 30, 0, 0, tzinfo=AMS)
    assert cal.working_time(start, end) == timedelta(hours=23)
    assert end - start == timedelta(hours=24)  # naive wall-clock difference, for contrast


def test_a_day_open_around_the_clock_lasts_25_hours_when_new_york_falls_back() -> None:
    cal = around_the_clock("America/New_York")
    start = datetime(2026, 11, 1, 0, 0, tzinfo=NYC)
    end = datetime(2026, 11, 2, 0, 0, tzinfo=NYC)
    assert cal.working_time(start, end) == timedelta(hours=25)


def test_office_hours_across_a_dst_weekend_are_unchanged() -> None:
    friday = datetime(2026, 3, 6, 9, 0, tzinfo=NYC)
    monday = datetime(2026, 3, 9, 17, 0, tzinfo=NYC)  # clocks went forward on Sunday 8 March
    assert new_york().working_time(friday, monday) == timedelta(hours=16)


def test_due_date_comes_from_the_injected_clock() -> None:
    clock = FixedClock(datetime(2026, 11, 27, 14, 0, tzinfo=AMS))
    assert dutch().due(clock, 8) == datetime(2026, 12, 9, 14, 0, tzinfo=AMS)


def test_a_naive_datetime_is_refused_with_advice() -> None:
    with pytest.raises(CalendarError, match="no time zone"):
        dutch().business_days_between(datetime(2026, 1, 5), datetime(2026, 1, 6))


def test_an_unknown_time_zone_is_refused_with_advice() -> None:
    with pytest.raises(CalendarError, match="IANA"):
        BusinessCalendar(timezone="Europe/Atlantis")


def test_an_unknown_country_is_refused_with_advice() -> None:
    with pytest.raises(CalendarError, match="'XX'"):
        BusinessCalendar(country="XX")


def test_a_malformed_working_period_is_refused() -> None:
    with pytest.raises(CalendarError, match="09:00"):
        WorkingPeriod.parse("9-17")
    with pytest.raises(CalendarError, match="before it ends"):
        WorkingPeriod.parse("17:00-09:00")
