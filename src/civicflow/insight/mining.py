"""Process mining over an :class:`EventLog`: directly-follows graph, variants, durations, rework.

Every event counts by default, ordered by timestamp within its case with ties kept in file order,
which is how pm4py orders a log; so these figures agree with pm4py's (the conformance tests check
it). Filter the log first (``civicflow.insight.filters``) to restrict lifecycles or periods.
Waiting times are in seconds; medians and percentiles interpolate linearly (as numpy does).

An *interval log* (one row per activity instance with a ``start_timestamp``, made by
``civicflow.insight.intervals.to_intervals``) is ordered by work start, and a waiting time runs
from an activity's completion to the start of work on the next (0 when they overlap).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from civicflow.insight.frame import ACTIVITY, CASE, LIFECYCLE, TIMESTAMP, EventLog
from civicflow.insight.intervals import SCHEDULED, START

CASE_KEY = "@@case_key"  #: internal UInt32 case key added by :func:`order`
ACT_KEY = "@@activity_key"  #: internal UInt32 activity code added by :func:`order`
EDGE_KEY = "@@edge"  #: internal UInt64 (source code, target code) pair of a transition
TARGET_KEY = "@@target"  #: internal activity code of a transition's target
CASE_ID_KEY = "@@case"  #: internal case key of a transition (for counting cases cheaply)
_SHIFT = 1 << 32
_NEXT_ACT = "@@next_activity"
_NEXT_TS = "@@next_timestamp"
_NEXT_START = "@@next_start"
WAIT = "wait_s"  #: column of waiting seconds between an event and the next one in its case


@dataclass(frozen=True)
class Summary:
    """Distribution of a duration in seconds (``None`` everywhere when there is no value)."""

    count: int
    mean: float | None
    median: float | None
    p90: float | None
    minimum: float | None
    maximum: float | None


@dataclass(frozen=True)
class Edge:
    """A directly-follows edge: ``target`` came right after ``source`` in the same case."""

    source: str
    target: str
    count: int  #: how many times, over all cases
    mean_s: float  #: mean waiting time between the two events, in seconds
    median_s: float
    p90_s: float
    total_s: float  #: total waiting time over all occurrences


@dataclass(frozen=True)
class Variant:
    """A distinct sequence of activities and how many cases followed it."""

    activities: tuple[str, ...]
    count: int
    share: float  #: count divided by the number of cases


def _case_key(case: pl.Series, grouped: bool) -> tuple[pl.Series, bool]:
    """A UInt32 key per case, cheap to sort and compare.

    Logs from XES files and from the engine's history usually hold each case's events together;
    then the run number (``rle_id``) is the key and no string is hashed. Otherwise the key is a
    categorical code. The flag says whether each case's events are already together; a log that
    says it is ``grouped`` (an XES import) is taken at its word.
    """
    runs = case.rle_id()
    if grouped:
        return runs.alias(CASE_KEY), True
    heads = case.filter((runs != runs.shift(1)).fill_null(True))
    if heads.n_unique() == heads.len():
        return runs.alias(CASE_KEY), True
    code = case.cast(pl.Categorical).to_physical().cast(pl.UInt32).alias(CASE_KEY)
    return code, False


def order(log: EventLog) -> EventLog:
    """The log grouped by case, then sorted by timestamp, ties kept in file order.

    Adds the internal columns ``@@case_key`` (see :func:`_case_key`) and ``@@activity_key``
    (a UInt32 code per activity, so group-bys hash integers, not strings); exports leave ``@@``
    columns out. Case order is unspecified (no figure depends on it). When every case's events
    are already together and in time order (the usual XES file), nothing is sorted.
    """
    if log.ordered:
        return log
    key, together = _case_key(log.frame.get_column(CASE), log.grouped)
    frame = log.frame.with_columns(
        key, pl.col(ACTIVITY).cast(pl.Categorical).to_physical().cast(pl.UInt32).alias(ACT_KEY)
    )
    # an interval log is ordered by work start, then completion (as pm4py orders one)
    times = [START, TIMESTAMP] if START in frame.columns else [TIMESTAMP]
    later = pl.lit(False)
    for column in reversed(times):  # lexicographic: (start, complete) never decreases
        step = pl.col(column).diff()
        later = (step > pl.duration()) | ((step == pl.duration()) & later)
    same = pl.lit(True)
    for column in times:
        same = same & (pl.col(column).diff() == pl.duration())
    in_order = together and frame.select(
        (later | same | (pl.col(CASE_KEY).diff() != 0)).fill_null(True).all()
    ).item()
    if not in_order:
        frame = frame.sort([CASE_KEY, *times], maintain_order=True)
    return log.with_frame(frame, ordered=True)


def _seconds(expr: pl.Expr) -> pl.Expr:
    return expr.dt.total_microseconds().cast(pl.Float64) / 1_000_000.0


def transitions(log: EventLog, *extra: str) -> pl.DataFrame:
    """Each pair of consecutive events in a case: ``source``, ``target``, ``wait_s`` and case.

    ``extra`` names further event columns to carry for both ends, as ``<name>`` (source) and
    ``next:<name>`` (target); ``time`` is the target event's timestamp. Internal ``@@`` columns
    carry integer keys for fast grouping.
    """
    frame = order(log).frame
    carried = [c for c in extra if c in frame.columns]
    begins = START if START in frame.columns else TIMESTAMP
    cols = [CASE, CASE_KEY, ACT_KEY, ACTIVITY, *dict.fromkeys([TIMESTAMP, begins]), *carried]
    wait = _seconds(pl.col(_NEXT_START) - pl.col(TIMESTAMP))
    return (
        frame.select(cols)
        .with_columns(
            pl.col(ACTIVITY).shift(-1).alias(_NEXT_ACT),
            pl.col(ACT_KEY).shift(-1).alias(TARGET_KEY),
            pl.col(TIMESTAMP).shift(-1).alias(_NEXT_TS),
            pl.col(begins).shift(-1).alias(_NEXT_START),
            (pl.col(CASE_KEY).shift(-1) == pl.col(CASE_KEY)).alias("@@same"),
            *[pl.col(c).shift(-1).alias(f"next:{c}") for c in carried],
        )
        .filter(pl.col("@@same"))
        .select(
            pl.col(CASE).alias("case"),
            pl.col(ACTIVITY).alias("source"),
            pl.col(_NEXT_ACT).alias("target"),
            (wait.clip(lower_bound=0.0) if begins == START else wait).alias(WAIT),
            pl.col(_NEXT_TS).alias("time"),
            *[pl.col(c) for c in carried],
            *[pl.col(f"next:{c}") for c in carried],
            (pl.col(ACT_KEY).cast(pl.UInt64) * _SHIFT + pl.col(TARGET_KEY).cast(pl.UInt64))
            .alias(EDGE_KEY),
            pl.col(TARGET_KEY),
            pl.col(CASE_KEY).alias(CASE_ID_KEY),
        )
    )


def _wait_stats() -> list[pl.Expr]:
    return [
        pl.len().alias("count"),
        pl.col(WAIT).mean().alias("mean_s"),
        pl.col(WAIT).median().alias("median_s"),
        pl.col(WAIT).quantile(0.9, "linear").alias("p90_s"),
        pl.col(WAIT).sum().alias("total_s"),
    ]


def dfg_frame(log: EventLog) -> pl.DataFrame:
    """The directly-follows graph as a frame: source, target, count, mean/median/p90/total s."""
    return (
        transitions(log)
        .group_by(EDGE_KEY)
        .agg(pl.col("source").first(), pl.col("target").first(), *_wait_stats())
        .drop(EDGE_KEY)
        .sort(["count", "source", "target"], descending=[True, False, False])
    )


def dfg(log: EventLog) -> list[Edge]:
    """The directly-follows graph with frequency and performance, most frequent edge first."""
    return [
        Edge(r["source"], r["target"], int(r["count"]), float(r["mean_s"]),
             float(r["median_s"]), float(r["p90_s"]), float(r["total_s"]))
        for r in dfg_frame(log).iter_rows(named=True)
    ]


def _count_dict(series: pl.Series) -> dict[str, int]:
    counts = series.value_counts(sort=True, name="n")
    return {str(k): int(v) for k, v in counts.sort(["n", series.name],
                                                   descending=[True, False]).iter_rows()}


def activity_counts(log: EventLog) -> dict[str, int]:
    """How many events each activity has, most frequent first."""
    return _count_dict(log.frame.get_column(ACTIVITY))


def _boundary(first: bool) -> pl.Expr:
    """True on each case's first (or last) row of an ordered frame."""
    shifted = pl.col(CASE_KEY).shift(1 if first else -1)
    return (pl.col(CASE_KEY) != shifted).fill_null(True)


def start_activities(log: EventLog) -> dict[str, int]:
    """How many cases begin with each activity, most frequent first."""
    frame = order(log).frame.select(CASE_KEY, ACTIVITY)
    return _count_dict(frame.filter(_boundary(True)).get_column(ACTIVITY))


def end_activities(log: EventLog) -> dict[str, int]:
    """How many cases end with each activity, most frequent first."""
    frame = order(log).frame.select(CASE_KEY, ACTIVITY)
    return _count_dict(frame.filter(_boundary(False)).get_column(ACTIVITY))


def case_variants(log: EventLog) -> pl.DataFrame:
    """Each case with its variant (the list of its activities in order)."""
    return order(log).frame.group_by(CASE_KEY, maintain_order=True).agg(
        pl.col(CASE).first(), pl.col(ACTIVITY).alias("activities")
    ).drop(CASE_KEY)


def variants(log: EventLog) -> list[Variant]:
    """Distinct activity sequences with counts and shares, most frequent first (ties by sequence).

    Activities are grouped as integer codes (hashing lists of small integers rather than lists
    of strings, about 3x faster on millions of events) and turned back into names at the end.
    """
    frame = order(log).frame
    if frame.height == 0:
        return []
    per_case = frame.group_by(CASE_KEY, maintain_order=True).agg(pl.col(ACT_KEY))
    grouped = per_case.group_by(ACT_KEY).agg(pl.len().alias("count"))
    names = dict(frame.select(ACT_KEY, ACTIVITY).unique(ACT_KEY).iter_rows())
    total = per_case.height
    found = [Variant(tuple(names[code] for code in codes), int(n), n / total)
             for codes, n in grouped.iter_rows()]
    return sorted(found, key=lambda v: (-v.count, v.activities))


def case_durations(log: EventLog) -> pl.DataFrame:
    """Per case: first and last timestamp, events, and ``duration_s`` (last minus first).

    In an interval log a case begins when its first activity instance was scheduled.
    """
    frame = order(log).frame
    first = next((c for c in (SCHEDULED, START) if c in frame.columns), TIMESTAMP)
    return (
        frame.group_by(CASE_KEY, maintain_order=True)
        .agg(
            pl.col(CASE).first(),
            pl.col(first).min().alias("start"),
            pl.col(TIMESTAMP).max().alias("end"),
            pl.len().alias("events"),
        )
        .with_columns(_seconds(pl.col("end") - pl.col("start")).alias("duration_s"))
        .drop(CASE_KEY)
    )


def summarize(values: pl.Series) -> Summary:
    """Count, mean, median, 90th percentile, min and max of a series of seconds."""
    clean = values.drop_nulls().cast(pl.Float64)
    if clean.len() == 0:
        return Summary(0, None, None, None, None, None)

    def num(value: object) -> float:
        return float(value) if isinstance(value, int | float) else float("nan")

    return Summary(
        int(clean.len()), num(clean.mean()), num(clean.median()),
        num(clean.quantile(0.9, "linear")), num(clean.min()), num(clean.max()),
    )


def activity_durations(log: EventLog) -> pl.DataFrame:
    """Service time per activity where ``start`` and ``complete`` lifecycle events exist.

    The n-th ``start`` of an activity in a case pairs with its n-th ``complete``; unpaired events
    are ignored. Columns: activity, count, mean_s, median_s, p90_s, total_s (empty without a
    lifecycle column).
    """
    empty = pl.DataFrame(schema={"activity": pl.String, "count": pl.UInt32, "mean_s": pl.Float64,
                                 "median_s": pl.Float64, "p90_s": pl.Float64,
                                 "total_s": pl.Float64})
    frame = order(log).frame
    if START in frame.columns:  # an interval log: each row is one activity instance
        return (
            frame.with_columns(_seconds(pl.col(TIMESTAMP) - pl.col(START)).alias(WAIT))
            .group_by(pl.col(ACTIVITY).alias("activity")).agg(_wait_stats())
            .sort(["total_s", "activity"], descending=[True, False])
        )
    if LIFECYCLE not in frame.columns:
        return empty
    life = pl.col(LIFECYCLE).cast(pl.String).str.to_lowercase()
    keyed = frame.select(CASE, ACTIVITY, TIMESTAMP, life.alias("@@life")).with_columns(
        pl.int_range(pl.len()).over([CASE, ACTIVITY, "@@life"]).alias("@@n")
    )
    starts = keyed.filter(pl.col("@@life") == "start").drop("@@life")
    ends = keyed.filter(pl.col("@@life") == "complete").drop("@@life")
    if starts.height == 0 or ends.height == 0:
        return empty
    paired = starts.join(ends, on=[CASE, ACTIVITY, "@@n"], suffix="@@end").with_columns(
        _seconds(pl.col(TIMESTAMP + "@@end") - pl.col(TIMESTAMP)).alias(WAIT)
    )
    return (
        paired.group_by(pl.col(ACTIVITY).alias("activity"))
        .agg(_wait_stats())
        .sort(["total_s", "activity"], descending=[True, False])
    )


def rework(log: EventLog) -> pl.DataFrame:
    """Per case: events, distinct activities, ``repeats`` (events redoing an activity already
    done in the case) and the repeated activities; cases without rework included (repeats 0).

    Where the log has ``complete`` lifecycle events, only those count: an activity logged with
    a start (or schedule) and a complete was done once, not twice.
    """
    frame = order(log).frame
    if LIFECYCLE in frame.columns:
        done = pl.col(LIFECYCLE).cast(pl.String).str.to_lowercase() == "complete"
        if frame.select(done.any()).item():
            frame = frame.filter(done)
    return (
        frame.group_by(CASE_KEY, maintain_order=True)
        .agg(
            pl.col(CASE).first(),
            pl.len().alias("events"),
            pl.col(ACTIVITY).n_unique().alias("activities"),
            pl.col(ACTIVITY).filter(pl.col(ACTIVITY).is_duplicated()).unique(maintain_order=True)
            .alias("repeated"),
        )
        .with_columns((pl.col("events") - pl.col("activities")).alias("repeats"))
        .drop(CASE_KEY)
    )
