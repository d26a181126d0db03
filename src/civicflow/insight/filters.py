"""Filters that return a smaller :class:`EventLog`: time window, attribute, variant, department,
lifecycle and performance (slowest cases). Case-level filters keep or drop whole cases so that
durations and variants stay meaningful.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Literal

import polars as pl

from civicflow.insight.frame import CASE, GROUP, LIFECYCLE, TIMESTAMP, EventLog
from civicflow.insight.mining import case_durations, case_variants


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("give time-window bounds with a time zone (for example +00:00)")
    return value


def _keep_cases(log: EventLog, cases: pl.Series) -> EventLog:
    return log.with_frame(log.frame.filter(pl.col(CASE).is_in(cases.implode())))


def time_window(
    log: EventLog, start: datetime, end: datetime,
    mode: Literal["contained", "intersecting", "events"] = "contained",
) -> EventLog:
    """Cases (or events) in ``[start, end)``.

    ``contained``: cases that started and ended in the window; ``intersecting``: cases with any
    event in it; ``events``: only the events in it.
    """
    lo, hi = _utc(start), _utc(end)
    inside = (pl.col(TIMESTAMP) >= lo) & (pl.col(TIMESTAMP) < hi)
    if mode == "events":
        return log.with_frame(log.frame.filter(inside))
    spans = case_durations(log)
    if mode == "contained":
        chosen = spans.filter((pl.col("start") >= lo) & (pl.col("end") < hi))
    else:
        chosen = spans.filter((pl.col("start") < hi) & (pl.col("end") >= lo))
    return _keep_cases(log, chosen.get_column(CASE))


def attribute(
    log: EventLog, column: str, values: Iterable[object],
    level: Literal["case", "event"] = "case",
) -> EventLog:
    """Cases with at least one event whose ``column`` is in ``values`` (or just those events)."""
    if column not in log.frame.columns:
        raise ValueError(f"the log has no attribute {column!r}")
    wanted = pl.Series(list(values))
    match = pl.col(column).is_in(wanted.cast(log.frame.schema[column]).implode())
    if level == "event":
        return log.with_frame(log.frame.filter(match))
    return _keep_cases(log, log.frame.filter(match).get_column(CASE).unique())


def department(log: EventLog, groups: Iterable[str],
               level: Literal["case", "event"] = "case") -> EventLog:
    """Cases that pass through any of the departments (``org:group``), or only their events."""
    return attribute(log, GROUP, groups, level)


def lifecycle(log: EventLog, transitions: Iterable[str] = ("complete",)) -> EventLog:
    """Only events whose ``lifecycle:transition`` is one of ``transitions`` (case-insensitive)."""
    if LIFECYCLE not in log.frame.columns:
        return log
    wanted = [t.lower() for t in transitions]
    return log.with_frame(log.frame.filter(
        pl.col(LIFECYCLE).cast(pl.String).str.to_lowercase().is_in(wanted)))


def variants(log: EventLog, keep: Sequence[Sequence[str]]) -> EventLog:
    """Cases whose activity sequence is one of ``keep``."""
    wanted = {tuple(v) for v in keep}
    per_case = case_variants(log)
    chosen = [case for case, acts in per_case.iter_rows() if tuple(acts) in wanted]
    return _keep_cases(log, pl.Series(chosen, dtype=pl.String))


def slowest(log: EventLog, share: float = 0.1) -> EventLog:
    """The slowest ``share`` of cases by duration (at least one case when the log has any)."""
    if not 0 < share <= 1:
        raise ValueError("share must be in (0, 1]")
    spans = case_durations(log).sort("duration_s", descending=True, maintain_order=True)
    n = max(1, round(spans.height * share)) if spans.height else 0
    return _keep_cases(log, spans.head(n).get_column(CASE))
