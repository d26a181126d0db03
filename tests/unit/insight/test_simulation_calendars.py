"""Working calendars: time outside hours does not count; pools and arrivals follow the calendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from civicflow.calendar import BusinessCalendar, WorkingPeriod
from civicflow.insight.simulation import (
    ActivityParams,
    CalendarArrivals,
    Fixed,
    GraphBuilder,
    NodeKind,
    PoissonArrivals,
    PoolParams,
    SimulationParameters,
    WorkingCalendar,
    simulate,
)

HOUR = 3600.0
MONDAY = datetime(2027, 1, 4)  # a Monday


def at(origin: datetime, seconds: float) -> datetime:
    return origin + timedelta(seconds=round(seconds))


def test_work_begun_friday_afternoon_finishes_monday_morning() -> None:
    timeline = WorkingCalendar.office(8, 17).timeline(MONDAY)
    friday_1630 = (4 * 24 + 16.5) * HOUR
    done = timeline.add_work(friday_1630, 1 * HOUR)
    assert at(MONDAY, done) == datetime(2027, 1, 11, 8, 30)


def test_lunch_break_does_not_count_as_working_time() -> None:
    timeline = WorkingCalendar.office(8, 17, lunch=(12, 13)).timeline(MONDAY)
    done = timeline.add_work(11 * HOUR, 2 * HOUR)
    assert at(MONDAY, done) == datetime(2027, 1, 4, 14, 0)
    assert timeline.working_seconds(0, 24 * HOUR) == 8 * HOUR


def test_closed_dates_and_public_holidays_are_skipped() -> None:
    closed = WorkingCalendar(
        week=dict.fromkeys(range(5), ((9.0, 17.0),)), closed_dates=frozenset({date(2027, 1, 5)})
    ).timeline(MONDAY)
    assert at(MONDAY, closed.next_working(24 * HOUR)) == datetime(2027, 1, 6, 9, 0)
    dutch = WorkingCalendar(week=dict.fromkeys(range(5), ((9.0, 17.0),)), holiday_country="NL")
    new_year = dutch.timeline(datetime(2027, 12, 31, 18, 0))
    # 1 January 2028 (New Year's Day) is a Saturday; the next working day is Monday 3 January.
    assert at(datetime(2027, 12, 31, 18, 0), new_year.next_working(0)) == datetime(2028, 1, 3, 9)
    christmas = dutch.timeline(datetime(2026, 12, 24, 17, 0))
    # 25 and 26 December 2026 are a Friday (holiday) and a Saturday.
    assert at(datetime(2026, 12, 24, 17, 0), christmas.next_working(0)) == datetime(2026, 12, 28, 9)


def test_unknown_holiday_country_is_refused_with_advice() -> None:
    calendar = WorkingCalendar(week={0: ((9.0, 17.0),)}, holiday_country="XX")
    with pytest.raises(ValueError, match=r"working calendar: .*ISO 3166 code"):
        calendar.timeline(MONDAY)


def test_holidays_are_those_of_the_organisation_calendar() -> None:
    """One source of truth: a pool closes exactly on the business calendar's holidays."""
    organisation = BusinessCalendar(
        timezone="Europe/Amsterdam", country="NL",
        working_hours={d: (WorkingPeriod.parse("08:30-12:30"), WorkingPeriod.parse("13:00-17:00"))
                       for d in range(5)},
        closures=frozenset({date(2027, 5, 7)}),
    )
    pool = WorkingCalendar.from_business_calendar(organisation)
    assert pool.week[0] == ((8.5, 12.5), (13.0, 17.0))
    assert 5 not in pool.week
    closed = pool.closing_dates([2027])
    days = [date(2027, 1, 1) + timedelta(days=n) for n in range(365)]
    assert closed == {d for d in days if organisation.holiday_name(d) is not None}
    assert date(2027, 4, 27) in closed  # King's Day
    assert date(2027, 5, 7) in closed  # the organisation's own closure
    timeline = pool.timeline(datetime(2027, 4, 26, 17, 0))
    # closed on Tuesday 27 April (King's Day): work resumes Wednesday at 08:30
    resumed = at(datetime(2027, 4, 26, 17, 0), timeline.next_working(0))
    assert resumed == datetime(2027, 4, 28, 8, 30)


def test_pool_starts_queued_work_only_within_working_hours() -> None:
    graph = (
        GraphBuilder()
        .node("s", NodeKind.START)
        .node("t", NodeKind.TASK, "Review")
        .node("e", NodeKind.END)
        .chain("s", "t", "e")
        .build()
    )
    params = SimulationParameters(
        arrivals=PoissonArrivals(0.15),
        activities={"t": ActivityParams(Fixed(2 * HOUR), pool="clerks")},
        pools={"clerks": PoolParams(2, WorkingCalendar.office(8, 16))},
        horizon_hours=8 * 7 * 24,
    )
    result = simulate(graph, params, seed=4, record_log=True)
    starts = [at(MONDAY, e.time_s) for e in result.log if e.lifecycle == "start"]
    assert len(starts) > 100
    for moment in starts:
        assert moment.weekday() < 5
        assert 8 <= moment.hour < 16
    # Utilisation is busy time over working time only: 2 people * 40 h a week for 8 weeks;
    # at most the two jobs in service at the end add a part of their 2 hours.
    done_work = len(result.cycle_times_s) * 2
    assert done_work / 640 <= result.utilisation["clerks"] <= (done_work + 4) / 640


def test_calendar_arrivals_come_only_in_opening_hours_at_the_given_rates() -> None:
    arrivals = CalendarArrivals(
        week={0: ((8.0, 12.0, 10.0), (12.0, 16.0, 2.0)), 2: ((8.0, 16.0, 5.0),)}
    )
    graph = GraphBuilder().node("s", NodeKind.START).node("e", NodeKind.END).chain("s", "e").build()
    params = SimulationParameters(arrivals=arrivals, horizon_hours=20 * 7 * 24)
    result = simulate(graph, params, seed=8)
    weeks = 20
    # Monday: 4 h at 10/h + 4 h at 2/h = 48; Wednesday: 8 h at 5/h = 40.
    assert result.cases_started == pytest.approx(weeks * 88, rel=0.05)
    assert len(result.cycle_times_s) == result.cases_started
