"""ISO 8601 timer definitions (pure functions, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from civicflow.engine.timers import (
    TimerSyntaxError,
    first_due,
    parse_cycle,
    parse_date,
    parse_due,
    parse_duration,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT15M", timedelta(minutes=15)),
        ("P3D", timedelta(days=3)),
        ("P1DT2H30M", timedelta(days=1, hours=2, minutes=30)),
        ("PT0.5S", timedelta(seconds=0.5)),
        ("P2W", timedelta(days=14)),
        ("P1Y", timedelta(days=365)),
        ("P1M", timedelta(days=30)),
    ],
)
def test_durations_parse_to_timedeltas(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "P", "PT", "15M", "P1H", "tomorrow"])
def test_malformed_durations_are_refused_with_an_example(text: str) -> None:
    with pytest.raises(TimerSyntaxError, match="PT15M"):
        parse_duration(text)


def test_dates_without_offset_are_utc_and_with_offset_keep_it() -> None:
    assert parse_date("2026-03-02T09:00:00") == datetime(2026, 3, 2, 9, tzinfo=UTC)
    assert parse_date("2026-03-02T09:00:00Z") == datetime(2026, 3, 2, 9, tzinfo=UTC)
    assert parse_date("2026-03-02T10:00:00+01:00") == datetime(2026, 3, 2, 9, tzinfo=UTC)


def test_cycles_count_repetitions_and_may_have_a_start() -> None:
    cycle = parse_cycle("R3/PT1H")
    assert (cycle.repetitions, cycle.start, cycle.interval) == (3, None, timedelta(hours=1))
    assert parse_cycle("R/P1D").repetitions is None
    started = parse_cycle("R2/2026-03-05T08:00:00Z/P1D")
    assert started.start == datetime(2026, 3, 5, 8, tzinfo=UTC)


def test_first_due_of_each_kind() -> None:
    assert first_due("duration", "PT2H", NOW) == (NOW + timedelta(hours=2), None)
    assert first_due("date", "2026-03-09T00:00:00Z", NOW)[0] == datetime(2026, 3, 9,
                                                                          tzinfo=UTC)
    assert first_due("cycle", "R3/PT10M", NOW) == (NOW + timedelta(minutes=10), 2)


def test_due_dates_accept_a_duration_from_now_or_a_date() -> None:
    assert parse_due("P5D", NOW) == NOW + timedelta(days=5)
    assert parse_due("2026-04-01T00:00:00Z", NOW) == datetime(2026, 4, 1, tzinfo=UTC)
