"""The EventLog frame: what it requires, and how an engine-history-shaped frame maps onto it."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from civicflow.insight import mining
from civicflow.insight.log import ACTIVITY, CASE, GROUP, RESOURCE, TIMESTAMP, EventLog, LogError


def test_a_history_frame_with_xes_columns_becomes_a_log_with_utc_times() -> None:
    history = pl.DataFrame({
        CASE: [7, 7],
        ACTIVITY: ["Submit", "Review"],
        TIMESTAMP: [datetime(2024, 5, 1, 10, 0), datetime(2024, 5, 1, 12, 30)],
        RESOURCE: ["clerk-1", "planner-2"],
        GROUP: ["Front desk", "Zoning"],
        "lifecycle:transition": ["complete", "complete"],
    }).with_columns(pl.col(TIMESTAMP).dt.replace_time_zone("Europe/Amsterdam")
                    .dt.cast_time_unit("ms"))
    log = EventLog.from_frame(history)
    assert log.frame.schema[TIMESTAMP] == pl.Datetime("us", "UTC")
    assert log.frame.get_column(TIMESTAMP).to_list()[0] == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    assert log.frame.get_column(CASE).to_list() == ["7", "7"]
    assert [(e.source, e.target, e.mean_s) for e in mining.dfg(log)] == [
        ("Submit", "Review", 9000.0)]


def test_a_frame_without_a_timestamp_column_is_refused_with_a_reason() -> None:
    with pytest.raises(LogError, match="no column time:timestamp"):
        EventLog(pl.DataFrame({CASE: ["1"], ACTIVITY: ["a"]}))
