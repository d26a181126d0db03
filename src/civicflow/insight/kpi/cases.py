"""Per-case facts that KPIs aggregate: start, completion, dimensions, rework, cost, scores.

A case starts at its first event. It completes at its first end-activity event (not a
``start`` one) when the definitions name ``end_activities``, else at its last event (an
imported log holds finished cases). An event counts as one *performed* activity when its
lifecycle is empty or ``complete``; ``start`` events only open an activity's duration.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta

import polars as pl

from civicflow.calendar import BusinessCalendar
from civicflow.insight.kpi.definitions import CostRate, TimeUnit
from civicflow.insight.kpi.frame import ACTIVITY, CASE, GROUP, LIFECYCLE, TIMESTAMP

DIMENSION_PREFIX = "by:"
MISSING_GROUP = "(none)"


def case_table(
    events: pl.DataFrame,
    dimensions: Mapping[str, str],
    end_activities: frozenset[str] | None,
) -> pl.DataFrame:
    """One row per case: ``case``, ``start``, ``end`` (null while open), ``by:<dimension>``.

    Dimension columns missing from the log are filled with ``(none)``; asking to group by one
    of them is refused earlier, by :func:`require_dimensions`.
    """
    by_case = events.group_by(CASE, maintain_order=True)
    if end_activities is None:
        end = pl.col(TIMESTAMP).max()
    else:
        # a ``start`` event opens the end activity; only its completion ends the case
        lifecycle = pl.col(LIFECYCLE).str.to_lowercase()
        done = lifecycle.is_null() | (lifecycle == "complete")
        end = pl.col(TIMESTAMP).filter(pl.col(ACTIVITY).is_in(list(end_activities)) & done).min()
    aggregates = [pl.col(TIMESTAMP).min().alias("start"), end.alias("end")]
    for name, column in dimensions.items():
        if column in events.columns:
            value = pl.col(column).cast(pl.String).drop_nulls().first()
        else:
            value = pl.lit(None, dtype=pl.String)
        aggregates.append(value.fill_null(MISSING_GROUP).alias(DIMENSION_PREFIX + name))
    return by_case.agg(aggregates).rename({CASE: "case"})


def require_dimensions(
    events: pl.DataFrame, dimensions: Mapping[str, str], by: Iterable[str]
) -> None:
    """Refuse a grouping the definitions do not name or the log cannot provide."""
    for name in by:
        if name not in dimensions:
            known = ", ".join(sorted(dimensions))
            raise ValueError(f"unknown dimension {name!r}; the definitions name: {known}")
        if dimensions[name] not in events.columns:
            raise ValueError(
                f"cannot group by {name}: the log has no column {dimensions[name]!r}; "
                f"map '{name}' to an existing column under 'dimensions' in the definitions"
            )


def performed(events: pl.DataFrame) -> pl.DataFrame:
    """Events that stand for one performed activity (lifecycle empty or ``complete``)."""
    if events[LIFECYCLE].null_count() == events.height:
        return events
    lifecycle = pl.col(LIFECYCLE).str.to_lowercase()
    return events.filter(lifecycle.is_null() | (lifecycle == "complete"))


def rework(events: pl.DataFrame) -> pl.DataFrame:
    """``case``, ``rework``: whether any activity was performed more than once in the case.

    Cases without a performed activity are absent; treat them as without rework.
    """
    # One group-by: a case repeats an activity when it has fewer distinct activities than events.
    return (
        performed(events)
        .group_by(CASE)
        .agg((pl.col(ACTIVITY).n_unique() < pl.len()).alias("rework"))
        .rename({CASE: "case"})
    )


def activity_instances(events: pl.DataFrame) -> pl.DataFrame:
    """Performed activities with ``hours`` from their matching ``start`` event (0 without one).

    Starts and completes of the same activity in a case are paired in order (first start with
    first complete), so overlapping repetitions are matched as they began.
    """
    lifecycle = pl.col(LIFECYCLE).str.to_lowercase()
    keyed = events.with_columns(
        pl.int_range(pl.len()).over(CASE, ACTIVITY, lifecycle).alias("__nth"),
    )
    starts = keyed.filter(lifecycle == "start").select(
        CASE, ACTIVITY, "__nth", pl.col(TIMESTAMP).alias("__started")
    )
    done = performed(keyed).with_columns(
        pl.when(pl.col(LIFECYCLE).is_null()).then(None).otherwise(pl.col("__nth")).alias("__nth")
    )
    paired = done.join(starts, on=[CASE, ACTIVITY, "__nth"], how="left")
    seconds = (pl.col(TIMESTAMP) - pl.col("__started")).dt.total_microseconds() / 1e6
    return paired.with_columns((seconds / 3600).fill_null(0.0).alias("hours")).drop(
        "__nth", "__started"
    )


def cost(events: pl.DataFrame, rates: tuple[CostRate, ...]) -> pl.DataFrame:
    """``case``, ``cost``: per-event and per-hour rates of each performed activity, summed.

    The department of an activity is its event's ``org:group``. Each activity takes the most
    specific rate: department and activity, activity only, department only, then the default.
    """
    instances = activity_instances(events)
    rate_of = pl.lit(None, dtype=pl.Float64)
    per_hour, per_event = rate_of, rate_of
    # Least specific first, so more specific rates overwrite.
    for rate in sorted(rates, key=lambda r: (r.activity is not None, r.department is not None)):
        matches = pl.lit(True)
        if rate.department is not None:
            matches = matches & (pl.col(GROUP) == rate.department)
        if rate.activity is not None:
            matches = matches & (pl.col(ACTIVITY) == rate.activity)
        matches = matches.fill_null(False)
        per_hour = pl.when(matches).then(pl.lit(rate.per_hour)).otherwise(per_hour)
        per_event = pl.when(matches).then(pl.lit(rate.per_event)).otherwise(per_event)
    priced = instances.with_columns(
        (per_event.fill_null(0.0) + per_hour.fill_null(0.0) * pl.col("hours")).alias("cost")
    )
    totals = priced.group_by(CASE).agg(pl.col("cost").sum())
    return (
        events.select(pl.col(CASE).unique())
        .join(totals, on=CASE, how="left")
        .with_columns(pl.col("cost").fill_null(0.0))
        .rename({CASE: "case"})
    )


def has_durations(events: pl.DataFrame) -> bool:
    """Whether any activity has a ``start`` event, so per-hour rates can apply."""
    return bool((events[LIFECYCLE].str.to_lowercase() == "start").any())


def scores(
    events: pl.DataFrame, attribute: str | None, surveys: pl.DataFrame | None
) -> pl.DataFrame | None:
    """``case``, ``score``: the survey frame's mean score per case, else the case attribute.

    A survey frame has ``case:concept:name`` and ``score`` columns. ``None`` when neither
    source exists, so the KPI can say "no survey data" instead of failing.
    """
    if surveys is not None:
        if CASE not in surveys.columns or "score" not in surveys.columns:
            raise ValueError(f"a survey frame needs columns {CASE!r} and 'score'")
        return (
            surveys.select(pl.col(CASE).cast(pl.String), pl.col("score").cast(pl.Float64))
            .group_by(CASE)
            .agg(pl.col("score").mean())
            .rename({CASE: "case"})
        )
    if attribute is None or attribute not in events.columns:
        return None
    return (
        events.group_by(CASE)
        .agg(pl.col(attribute).cast(pl.Float64, strict=False).drop_nulls().first().alias("score"))
        .rename({CASE: "case"})
    )


def durations(
    starts: pl.Series, ends: pl.Series, unit: TimeUnit, calendar: BusinessCalendar
) -> pl.Series:
    """Elapsed time from each start to its end, in ``unit`` (null where an end is null)."""
    if unit in (TimeUnit.HOURS, TimeUnit.DAYS):
        seconds = (ends - starts).dt.total_microseconds() / 1e6
        return seconds / (3600 if unit is TimeUnit.HOURS else 86400)
    values: list[float | None] = []
    if unit is TimeUnit.BUSINESS_DAYS:
        count = _business_day_counter(calendar, starts, ends)
        for start, end in zip(starts.to_list(), ends.to_list(), strict=True):
            if start is None or end is None:
                values.append(None)
            else:
                days = count(calendar.local_date(end)) - count(calendar.local_date(start))
                values.append(float(days))
    else:
        for start, end in zip(starts.to_list(), ends.to_list(), strict=True):
            if start is None or end is None:
                values.append(None)
            else:
                values.append(calendar.working_time(start, end) / timedelta(hours=1))
    return pl.Series(values, dtype=pl.Float64)


def _business_day_counter(
    calendar: BusinessCalendar, starts: pl.Series, ends: pl.Series
) -> _Counter:
    """A lookup of business days up to a date, so differences count ``(a, b]`` in O(1)."""
    moments = [m for m in (*starts.to_list(), *ends.to_list()) if isinstance(m, datetime)]
    if not moments:
        return _Counter(date(1970, 1, 1), [])  # never consulted: no pair has both ends
    first = min(calendar.local_date(m) for m in moments)
    last = max(calendar.local_date(m) for m in moments)
    cumulative: list[int] = []
    total = 0
    day = first
    while day <= last:
        total += calendar.is_business_day(day)
        cumulative.append(total)
        day += timedelta(days=1)
    return _Counter(first, cumulative)


class _Counter:
    def __init__(self, first: date, cumulative: list[int]) -> None:
        self.first = first
        self.cumulative = cumulative

    def __call__(self, day: date) -> int:
        return self.cumulative[(day - self.first).days]
