"""Bottleneck rankings and hand-offs between departments, on logs worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from civicflow.insight.bottlenecks import (
    activity_bottlenecks,
    edge_bottlenecks,
    edge_bottlenecks_by_window,
)
from civicflow.insight.handoffs import handoffs
from civicflow.insight.log import ACTIVITY, CASE, GROUP, RESOURCE, TIMESTAMP, EventLog

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def make_log(rows: list[tuple[str, str, float, str]]) -> EventLog:
    """A log from (case, activity, hours after T0, department) rows."""
    return EventLog.from_frame(pl.DataFrame({
        CASE: [r[0] for r in rows],
        ACTIVITY: [r[1] for r in rows],
        TIMESTAMP: [T0 + timedelta(hours=r[2]) for r in rows],
        GROUP: [r[3] for r in rows],
        RESOURCE: [f"{r[3]}-clerk" for r in rows],
    }))


# a->b waits 1h in each of 10 cases (10h total, 1h per case); b->c waits 50h in one case only.
ROWS = [row for n in range(10) for row in (
    (str(n), "a", 0, "Intake"), (str(n), "b", 1, "Zoning"))] + [("0", "c", 51, "Zoning")]


def test_edges_rank_by_total_waiting_or_by_waiting_per_case() -> None:
    by_total = edge_bottlenecks(make_log(ROWS), by="total")
    first = by_total.row(0, named=True)
    assert (first["source"], first["target"], first["total_wait_s"]) == ("b", "c", 50 * 3600)
    by_case = edge_bottlenecks(make_log(ROWS), by="per_case")
    assert by_case.get_column("per_case_wait_s").to_list() == [50 * 3600.0, 3600.0]
    assert by_case.row(1, named=True)["cases"] == 10


def test_many_small_waits_outrank_one_long_wait_by_total() -> None:
    rows = [r for n in range(10) for r in ((str(n), "a", 0, "X"), (str(n), "b", 10, "X"))]
    rows.append(("0", "z", 60, "X"))
    top = edge_bottlenecks(make_log(rows)).row(0, named=True)
    assert (top["source"], top["target"]) == ("a", "b")


def test_activity_bottleneck_is_the_wait_before_the_activity() -> None:
    table = activity_bottlenecks(make_log(ROWS))
    assert dict(table.select("activity", "total_wait_s").iter_rows()) == {
        "c": 50 * 3600.0, "b": 10 * 3600.0}


def test_unknown_ranking_is_refused() -> None:
    with pytest.raises(ValueError, match="rank by"):
        edge_bottlenecks(make_log(ROWS), by="median")


def test_bottlenecks_by_window_split_by_when_the_target_event_happened() -> None:
    rows = [("1", "a", 0, "X"), ("1", "b", 2, "X"), ("2", "a", 24 * 40, "X"),
            ("2", "b", 24 * 40 + 6, "X")]
    table = edge_bottlenecks_by_window(make_log(rows), every="1mo")
    months = {r["window"].month: r["mean_s"] for r in table.iter_rows(named=True)}
    assert months == {1: 2 * 3600.0, 2: 6 * 3600.0}


def test_handoffs_count_crossings_between_departments_and_their_waiting() -> None:
    table = handoffs(make_log(ROWS))
    assert table.height == 1
    row = table.row(0, named=True)
    assert (row["source"], row["target"], row["count"], row["cases"]) == (
        "Intake", "Zoning", 10, 10)
    assert row["total_wait_s"] == 10 * 3600.0
    assert row["median_s"] == 3600.0


def test_handoffs_between_resources_ignore_work_kept_by_one_person() -> None:
    rows = [("1", "a", 0, "X"), ("1", "b", 1, "X"), ("1", "c", 3, "Y")]
    table = handoffs(make_log(rows), by=RESOURCE)
    assert table.select("source", "target", "mean_s").rows() == [
        ("X-clerk", "Y-clerk", 2 * 3600.0)]


def test_handoffs_are_empty_when_the_log_has_no_department() -> None:
    log = make_log(ROWS)
    bare = log.with_frame(log.frame.drop(GROUP))
    assert handoffs(bare).height == 0
