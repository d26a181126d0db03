"""The YAML parameter file: what it says becomes typed parameters; mistakes are pinpointed."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from civicflow.insight.simulation import (
    CalendarArrivals,
    CapacityChange,
    DurationChange,
    Empirical,
    Exponential,
    Fixed,
    PoissonArrivals,
    Triangular,
)
from civicflow.insight.simulation.params_file import ParameterFileError, read_parameters
from civicflow.insight.simulation.params_write import dump_parameters

FULL = """
version: 1
start: 2027-03-01T00:00:00
horizon_days: 14
warmup_hours: 12
arrivals:
  weekly:
    weekdays: [[8, 17, 2.5]]
    saturday: [[9, 12, 1]]
calendars:
  office:
    weekdays: [[8, 12], [13, 17]]
    friday: [[8, 12]]
    closed: [2027-04-27]
pools:
  Zoning: {capacity: 3, calendar: office, staff: [Ann, Bo]}
activities:
  review: {pool: Zoning, duration: {distribution: exponential, mean: 90, unit: minutes}}
  consult: {instances: 3, repeat: 0.25}
  register: {duration: {distribution: triangular, low: 1, mode: 2, high: 4}}
  print: {duration: {distribution: fixed, value: 30, unit: seconds}}
  sample: {duration: {distribution: empirical, samples: [1, 2, 3], unit: days}}
branches:
  route: {review: 0.3, auto: 0.7}
scenarios:
  more:
    description: two more
    capacity: {Zoning: {add: 2}}
    durations: {review: {factor: 0.5}}
"""


def test_a_full_file_reads_into_typed_parameters_and_scenarios() -> None:
    file = read_parameters(FULL)
    params = file.params
    assert params.start == datetime(2027, 3, 1)
    assert params.horizon_hours == 14 * 24
    assert params.warmup_hours == 12
    assert isinstance(params.arrivals, CalendarArrivals)
    assert params.arrivals.week[0] == ((8.0, 17.0, 2.5),)
    assert params.arrivals.week[5] == ((9.0, 12.0, 1.0),)
    zoning = params.pools["Zoning"]
    assert zoning.capacity == 3
    assert zoning.staff_names("Zoning") == ("Ann", "Bo", "Zoning 1")
    assert zoning.calendar is not None
    assert zoning.calendar.week[0] == ((8.0, 12.0), (13.0, 17.0))
    assert zoning.calendar.week[4] == ((8.0, 12.0),)
    assert 5 not in zoning.calendar.week
    assert zoning.calendar.closed_dates == frozenset({date(2027, 4, 27)})
    assert params.activities["review"].duration == Exponential(5400.0)
    assert params.activities["review"].pool == "Zoning"
    assert params.activities["consult"].instances == 3
    assert params.activities["consult"].repeat == 0.25
    assert params.activities["register"].duration == Triangular(3600.0, 7200.0, 14400.0)
    assert params.activities["print"].duration == Fixed(30.0)
    assert params.activities["sample"].duration == Empirical((86400.0, 172800.0, 259200.0))
    assert params.branches == {"route": {"review": 0.3, "auto": 0.7}}
    more = file.scenarios["more"]
    assert more.description == "two more"
    assert more.changes == (CapacityChange("Zoning", delta=2), DurationChange("review", 0.5))


def test_a_daily_rate_becomes_an_hourly_poisson_rate() -> None:
    file = read_parameters("arrivals: {rate_per_day: 48}")
    assert file.params.arrivals == PoissonArrivals(2.0)
    assert file.params.horizon_hours == 28 * 24


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("pools: {}", "arrivals: missing"),
        ("arrivals: {rate_per_hour: -1}", "arrivals.rate_per_hour"),
        (
            "arrivals: {rate_per_hour: 1}\nactivities: {a: {duration: {distribution: expo}}}",
            "activities.a.duration.distribution: use one of fixed",
        ),
        (
            "arrivals: {rate_per_hour: 1}\nactivities: {a: {duration: {distribution: fixed}}}",
            "activities.a.duration: a fixed duration needs 'value'",
        ),
        (
            "arrivals: {rate_per_hour: 1}\npools: {Z: {capacity: 2, calendar: nine_to_five}}",
            "pools.Z.calendar: no calendar 'nine_to_five'",
        ),
        (
            "arrivals: {rate_per_hour: 1}\ncalendars: {c: {monday: [[17, 8]]}}",
            "calendars.c: working calendar, monday",
        ),
        ("arrivals: {rate_per_hour: 1}\nhorizon: 3", "unknown key 'horizon'"),
        ("arrivals: [1, 2", "not valid YAML"),
    ],
)
def test_mistakes_are_reported_with_the_file_and_key_path(text: str, where: str) -> None:
    with pytest.raises(ParameterFileError) as caught:
        read_parameters(text, source="params.yaml")
    message = str(caught.value)
    assert message.startswith("params.yaml: ")
    assert where in message


def test_written_parameters_read_back_equal() -> None:
    original = read_parameters(FULL).params
    again = read_parameters(dump_parameters(original)).params
    assert again.arrivals == original.arrivals
    assert again.start == original.start
    assert again.horizon_hours == original.horizon_hours
    assert again.branches == original.branches
    assert again.pools["Zoning"].capacity == 3
    assert again.pools["Zoning"].calendar == original.pools["Zoning"].calendar
    assert again.activities["consult"] == original.activities["consult"]
    for key, activity in original.activities.items():
        if activity.duration is None:
            continue
        assert again.activities[key].pool == activity.pool
        assert again.activities[key].duration is not None
        assert activity.duration is not None
        assert again.activities[key].duration.mean == pytest.approx(activity.duration.mean)
