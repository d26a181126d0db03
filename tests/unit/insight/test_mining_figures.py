"""Mining figures on small hand-made logs whose answers are worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from civicflow.insight import mining
from civicflow.insight.log import ACTIVITY, CASE, GROUP, LIFECYCLE, RESOURCE, TIMESTAMP, EventLog

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def make_log(rows: list[tuple[str, str, float]], **extra: list[object]) -> EventLog:
    """A log from (case, activity, hours after T0) rows, in the given file order."""
    frame = pl.DataFrame({
        CASE: [r[0] for r in rows],
        ACTIVITY: [r[1] for r in rows],
        TIMESTAMP: [T0 + timedelta(hours=r[2]) for r in rows],
        **extra,
    })
    return EventLog.from_frame(frame)


# Case 1: a(0h) b(1h) c(3h); case 2: a(0h) c(2h); case 3: a(1h) b(2h) c(6h), rows interleaved.
BASIC = [("1", "a", 0), ("2", "a", 0), ("1", "b", 1), ("3", "a", 1), ("2", "c", 2),
         ("1", "c", 3), ("3", "b", 2), ("3", "c", 6)]


def test_dfg_counts_and_waiting_times_per_edge() -> None:
    edges = {(e.source, e.target): e for e in mining.dfg(make_log(BASIC))}
    assert set(edges) == {("a", "b"), ("b", "c"), ("a", "c")}
    ab, bc, ac = edges["a", "b"], edges["b", "c"], edges["a", "c"]
    assert (ab.count, bc.count, ac.count) == (2, 2, 1)
    assert ab.mean_s == 3600.0
    assert bc.mean_s == pytest.approx((2 * 3600 + 4 * 3600) / 2)
    assert bc.median_s == pytest.approx(3 * 3600)
    assert bc.p90_s == pytest.approx(2 * 3600 + 0.9 * 2 * 3600)
    assert bc.total_s == 6 * 3600
    assert ac.mean_s == 2 * 3600


def test_events_are_ordered_by_time_within_a_case_not_by_file_order() -> None:
    log = make_log([("1", "late", 5), ("1", "early", 1)])
    assert [(e.source, e.target) for e in mining.dfg(log)] == [("early", "late")]


def test_events_with_equal_timestamps_keep_their_file_order() -> None:
    log = make_log([("1", "x", 1), ("1", "y", 1), ("2", "y", 1), ("2", "x", 1)])
    assert {(e.source, e.target) for e in mining.dfg(log)} == {("x", "y"), ("y", "x")}
    assert mining.start_activities(log) == {"x": 1, "y": 1}


def test_start_and_end_activities_count_cases() -> None:
    log = make_log([*BASIC, ("4", "b", 0)])
    assert mining.start_activities(log) == {"a": 3, "b": 1}
    assert mining.end_activities(log) == {"c": 3, "b": 1}


def test_variants_are_counted_with_shares_most_frequent_first() -> None:
    found = mining.variants(make_log(BASIC))
    assert [(v.activities, v.count) for v in found] == [(("a", "b", "c"), 2), (("a", "c"), 1)]
    assert found[0].share == pytest.approx(2 / 3)


def test_case_duration_is_last_minus_first_event() -> None:
    durations = mining.case_durations(make_log(BASIC))
    assert dict(durations.select(CASE, "duration_s").iter_rows()) == {
        "1": 3 * 3600.0, "2": 2 * 3600.0, "3": 5 * 3600.0}


def test_summary_gives_mean_median_and_p90() -> None:
    summary = mining.summarize(pl.Series([1.0, 2.0, 3.0, 4.0, 10.0]))
    assert (summary.count, summary.mean, summary.median) == (5, 4.0, 3.0)
    assert summary.p90 == pytest.approx(4.0 + 0.6 * 6.0)
    assert (summary.minimum, summary.maximum) == (1.0, 10.0)
    assert mining.summarize(pl.Series([], dtype=pl.Float64)).mean is None


def test_activity_duration_pairs_each_start_with_its_complete() -> None:
    rows = [("1", "check", 0), ("1", "check", 2), ("1", "check", 3), ("1", "check", 7),
            ("2", "check", 0), ("2", "check", 1)]
    log = make_log(rows, **{LIFECYCLE: ["start", "complete", "start", "COMPLETE", "start",
                                        "complete"]})
    table = mining.activity_durations(log)
    row = table.row(0, named=True)
    assert (row["activity"], row["count"]) == ("check", 3)
    assert row["total_s"] == (2 + 4 + 1) * 3600
    assert row["median_s"] == 2 * 3600


def test_activity_durations_are_empty_without_lifecycle() -> None:
    assert mining.activity_durations(make_log(BASIC)).height == 0


def test_rework_counts_events_that_repeat_an_activity() -> None:
    log = make_log([("1", "a", 0), ("1", "b", 1), ("1", "a", 2), ("1", "a", 3), ("2", "a", 0)])
    table = {r[CASE]: r for r in mining.rework(log).iter_rows(named=True)}
    assert table["1"]["repeats"] == 2
    assert table["1"]["repeated"] == ["a"]
    assert table["2"]["repeats"] == 0


def test_transitions_carry_resource_and_group_of_both_ends() -> None:
    log = make_log([("1", "a", 0), ("1", "b", 1)], **{RESOURCE: ["ana", "ben"],
                                                       GROUP: ["Zoning", "Permits"]})
    row = mining.transitions(log, RESOURCE, GROUP).row(0, named=True)
    assert (row[RESOURCE], row[f"next:{RESOURCE}"]) == ("ana", "ben")
    assert (row[GROUP], row[f"next:{GROUP}"]) == ("Zoning", "Permits")
    assert row["wait_s"] == 3600.0


def test_an_empty_log_has_no_edges_or_variants() -> None:
    log = make_log([])
    assert mining.dfg(log) == []
    assert mining.variants(log) == []
    assert mining.start_activities(log) == {}


def test_rework_counts_an_activity_logged_with_start_and_complete_once() -> None:
    log = make_log([("1", "a", 0), ("1", "a", 1), ("1", "b", 2), ("1", "b", 3),
                    ("1", "a", 4), ("1", "a", 5)],
                   **{LIFECYCLE: ["start", "complete"] * 3})
    row = mining.rework(log).row(0, named=True)
    assert row["repeats"] == 1
    assert row["repeated"] == ["a"]
