"""Mining an interval log (one row per activity instance with a ``start_timestamp``, as the
engine's history is mined) agrees with pm4py 2.7.23's performance DFG given the same start
column: ordered by work start, waits from a completion to the next work start, 0 on overlap.
"""

from __future__ import annotations

import warnings
from datetime import timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from civicflow.insight import mining
from civicflow.insight.frame import CASE, TIMESTAMP, EventLog
from civicflow.insight.intervals import START
from civicflow.insight.log import read_xes

pytestmark = [
    pytest.mark.filterwarnings("ignore::UserWarning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
]

LOGS = Path(__file__).resolve().parents[3] / "shared" / "data" / "logs"


@pytest.fixture(scope="module")
def interval_log() -> EventLog:
    """receipt with a made-up work start before each completion: 0 to 9 hours, so that many
    activities overlap their successor (the case pm4py clips to 0)."""
    path = LOGS / "receipt.xes.gz"
    if not path.is_file():
        pytest.skip(f"{path} not present")
    log = read_xes(path)
    hours = (pl.int_range(pl.len()) * 7919 % 10).cast(pl.Int64)
    frame = log.frame.with_columns(
        (pl.col(TIMESTAMP) - pl.duration(hours=hours)).alias(START))
    return EventLog(frame, grouped=True)


def test_interval_performance_dfg_matches_pm4py_with_a_start_timestamp(
        interval_log: EventLog) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pytest.importorskip("pm4py")
        import pandas as pd
        from pm4py.algo.discovery.dfg.adapters.pandas import df_statistics

    ours = interval_log.frame
    frame = pd.DataFrame({
        CASE: ours[CASE].to_list(), "concept:name": ours["concept:name"].to_list(),
        TIMESTAMP: pd.to_datetime(ours[TIMESTAMP].to_list(), utc=True),
        START: pd.to_datetime(ours[START].to_list(), utc=True),
    })
    perf: dict[tuple[str, str], Any] = df_statistics.get_dfg_graph(
        frame, measure="performance", activity_key="concept:name", case_id_glue=CASE,
        timestamp_key=TIMESTAMP, start_timestamp_key=START, perf_aggregation_key="all")
    edges = mining.dfg(interval_log)
    assert {(e.source, e.target) for e in edges} == set(perf)
    assert any(e.median_s == 0 for e in edges)  # overlaps happened and were clipped
    for edge in edges:
        expected = perf[(edge.source, edge.target)]
        assert edge.mean_s == pytest.approx(expected["mean"], rel=1e-9, abs=1e-9)
        assert edge.median_s == pytest.approx(expected["median"], rel=1e-9, abs=1e-9)


def test_waits_in_an_interval_log_never_go_negative(interval_log: EventLog) -> None:
    waits = mining.transitions(interval_log).get_column(mining.WAIT)
    assert waits.min() == 0.0
    assert (waits.max() or 0) > timedelta(hours=1).total_seconds()
