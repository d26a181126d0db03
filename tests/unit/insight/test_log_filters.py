"""Filters keep whole cases (or events) by time window, attribute, variant, department, speed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from civicflow.insight import filters
from civicflow.insight.log import ACTIVITY, CASE, GROUP, LIFECYCLE, TIMESTAMP, EventLog

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def make_log() -> EventLog:
    """Ten cases: case n runs a (day n) then b (day n + n hours), in department D{n % 2}."""
    rows = [(str(n), act, n * 24 + (n if act == "b" else 0), f"D{n % 2}")
            for n in range(10) for act in ("a", "b")]
    return EventLog.from_frame(pl.DataFrame({
        CASE: [r[0] for r in rows], ACTIVITY: [r[1] for r in rows],
        TIMESTAMP: [T0 + timedelta(hours=r[2]) for r in rows], GROUP: [r[3] for r in rows],
        LIFECYCLE: ["start" if r[1] == "a" else "complete" for r in rows],
    }))


def cases(log: EventLog) -> set[str]:
    return set(log.frame.get_column(CASE).unique().to_list())


def test_time_window_keeps_cases_contained_or_intersecting_or_just_events() -> None:
    log = make_log()
    start, end = T0 + timedelta(days=2, hours=1), T0 + timedelta(days=5)
    assert cases(filters.time_window(log, start, end)) == {"3", "4"}
    assert cases(filters.time_window(log, start, end, "intersecting")) == {"2", "3", "4"}
    only = filters.time_window(log, start, end, "events")
    assert only.events == 5


def test_time_window_needs_zoned_bounds() -> None:
    with pytest.raises(ValueError, match="time zone"):
        filters.time_window(make_log(), datetime(2024, 1, 1), datetime(2024, 2, 1))


def test_department_keeps_cases_that_pass_through_it() -> None:
    kept = filters.department(make_log(), ["D1"])
    assert cases(kept) == {"1", "3", "5", "7", "9"}
    assert kept.events == 10


def test_attribute_filter_at_event_level_keeps_only_matching_events() -> None:
    kept = filters.attribute(make_log(), ACTIVITY, ["b"], level="event")
    assert kept.events == 10
    assert set(kept.frame.get_column(ACTIVITY).to_list()) == {"b"}


def test_unknown_attribute_is_refused() -> None:
    with pytest.raises(ValueError, match="no attribute"):
        filters.attribute(make_log(), "colour", ["red"])


def test_variant_filter_keeps_cases_with_that_sequence() -> None:
    log = make_log()
    odd = log.with_frame(log.frame.filter(~((pl.col(CASE) == "0") & (pl.col(ACTIVITY) == "b"))))
    assert cases(filters.variants(odd, [["a"]])) == {"0"}


def test_slowest_ten_percent_is_the_longest_case() -> None:
    assert cases(filters.slowest(make_log(), 0.1)) == {"9"}
    assert cases(filters.slowest(make_log(), 0.3)) == {"9", "8", "7"}


def test_lifecycle_filter_keeps_only_the_named_transitions() -> None:
    kept = filters.lifecycle(make_log(), ["COMPLETE"])
    assert set(kept.frame.get_column(ACTIVITY).to_list()) == {"b"}
