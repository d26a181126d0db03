"""Bottleneck analysis: where cases wait, ranked by total and by per-case waiting time.

An edge's waiting time is the time between an event and the next one in its case; an activity's
waiting time is the time a case waited before it (from the previous event). Ranking by total says
where the organisation loses most time; per case says how much each affected case loses. Over
time windows, a department can see whether a change helped.
"""

from __future__ import annotations

import polars as pl

from civicflow.insight.frame import EventLog
from civicflow.insight.mining import CASE_ID_KEY, EDGE_KEY, TARGET_KEY, WAIT, transitions

_RANK = ["total_wait_s", "per_case_wait_s"]


def _ranked(grouped: pl.DataFrame, by: str, names: list[str]) -> pl.DataFrame:
    """Worst first by ``by``, then by the other measure; ties by name so output is stable."""
    key = "total_wait_s" if by == "total" else "per_case_wait_s"
    if by not in ("total", "per_case"):
        raise ValueError("rank by 'total' or 'per_case'")
    order = [key, *[c for c in _RANK if c != key]]
    return grouped.sort([*order, *names], descending=[True, True, *[False] * len(names)])


def _stats() -> list[pl.Expr]:
    return [
        pl.len().alias("count"),
        pl.col(CASE_ID_KEY).n_unique().alias("cases"),
        pl.col(WAIT).sum().alias("total_wait_s"),
        pl.col(WAIT).mean().alias("mean_s"),
        pl.col(WAIT).median().alias("median_s"),
    ]


def edge_bottlenecks(log: EventLog, *, by: str = "total") -> pl.DataFrame:
    """Directly-follows edges with count, cases, total and per-case waiting, worst first.

    ``by`` is ``total`` (total waiting over all cases) or ``per_case`` (total over the number of
    cases that pass the edge).
    """
    grouped = (
        transitions(log).group_by(EDGE_KEY)
        .agg(pl.col("source").first(), pl.col("target").first(), *_stats())
        .drop(EDGE_KEY)
        .with_columns((pl.col("total_wait_s") / pl.col("cases")).alias("per_case_wait_s"))
    )
    return _ranked(grouped, by, ["source", "target"])


def activity_bottlenecks(log: EventLog, *, by: str = "total") -> pl.DataFrame:
    """Activities with the waiting time before them (count, cases, total, per case), worst first."""
    grouped = (
        transitions(log).group_by(TARGET_KEY)
        .agg(pl.col("target").first().alias("activity"), *_stats())
        .drop(TARGET_KEY)
        .with_columns((pl.col("total_wait_s") / pl.col("cases")).alias("per_case_wait_s"))
    )
    return _ranked(grouped, by, ["activity"])


def edge_bottlenecks_by_window(log: EventLog, every: str = "1mo") -> pl.DataFrame:
    """Edge waiting per time window (polars duration string: ``1w``, ``1mo``, ``1q``, ``1y``).

    A transition belongs to the window in which its target event happened. Columns: window
    (start), source, target, count, cases, total_wait_s, mean_s, median_s, per_case_wait_s.
    """
    return (
        transitions(log)
        .with_columns(pl.col("time").dt.truncate(every).alias("window"))
        .group_by(["window", EDGE_KEY])
        .agg(pl.col("source").first(), pl.col("target").first(), *_stats())
        .drop(EDGE_KEY)
        .with_columns((pl.col("total_wait_s") / pl.col("cases")).alias("per_case_wait_s"))
        .sort(["window", "total_wait_s", "source", "target"],
              descending=[False, True, False, False])
    )
