"""Compute KPI results per group and period, with target status and trend.

Case-level KPIs (cycle time, SLA, first-time-right, cost, satisfaction, throughput) count the
cases *completed* in a period; point-in-time KPIs (work in progress, backlog age) look at the
cases open at the end of the period, or at ``as_of`` when it comes first. Only events up to
``as_of`` are used, so a report "as of" a past moment shows what was known then. ``as_of``
defaults to the log's last timestamp: the data's clock, never the wall clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import polars as pl

from civicflow.calendar import BusinessCalendar
from civicflow.insight.kpi import cases as case_facts
from civicflow.insight.kpi.cases import DIMENSION_PREFIX
from civicflow.insight.kpi.definitions import (
    Direction,
    KpiDefinition,
    KpiKind,
    KpiSet,
    Period,
    Statistic,
    TimeUnit,
)
from civicflow.insight.kpi.frame import TIMESTAMP
from civicflow.insight.kpi.periods import Window, period_of
from civicflow.insight.kpi.periods import windows as reporting_windows
from civicflow.insight.kpi.results import GroupKey, KpiReport, KpiResult, Status, Trend

__all__ = ["KpiReport", "KpiResult", "Status", "Trend", "compute_kpis"]


def compute_kpis(
    events: pl.DataFrame,
    kpi_set: KpiSet,
    *,
    by: Sequence[str] = (),
    period: Period | None = None,
    as_of: datetime | None = None,
    surveys: pl.DataFrame | None = None,
) -> KpiReport:
    """Compute every KPI of ``kpi_set`` over an event frame (see ``frame.prepare_event_frame``).

    ``by`` names dimensions of the definitions (service, department, channel...); ``surveys``
    is an optional frame of satisfaction scores (``case:concept:name``, ``score``).
    """
    calendar = kpi_set.calendar
    case_facts.require_dimensions(events, kpi_set.dimensions, by)
    if events.is_empty():
        raise ValueError("the event log has no events")
    if as_of is None:
        last = events[TIMESTAMP].max()
        assert isinstance(last, datetime)
        as_of = last
    elif as_of.tzinfo is None:
        raise ValueError("as_of needs a time zone")
    as_of = as_of.astimezone(UTC)
    events = events.filter(pl.col(TIMESTAMP) <= as_of)
    if events.is_empty():
        raise ValueError(f"the event log has no events up to {as_of.isoformat()}")
    cases = case_facts.case_table(events, kpi_set.dimensions, kpi_set.end_activities)
    windows = reporting_windows(cases, calendar, period, as_of)
    cases = cases.with_columns(period_of(pl.col("end"), calendar, period).alias("period"))
    by_columns = [DIMENSION_PREFIX + name for name in by]
    groups = _groups(cases, by_columns)

    results: list[KpiResult] = []
    for kpi in kpi_set.kpis:
        values, note = _evaluate(kpi, events, cases, by_columns, windows, calendar, surveys)
        results.extend(_results(kpi, groups, by, windows, values, note))
    return KpiReport(
        as_of=as_of,
        by=tuple(by),
        period=period,
        cases=cases.height,
        events=events.height,
        results=tuple(results),
    )


Values = dict[tuple[GroupKey, str | None], tuple[float | None, int]]


def _evaluate(
    kpi: KpiDefinition,
    events: pl.DataFrame,
    cases: pl.DataFrame,
    by_columns: list[str],
    windows: list[Window],
    calendar: BusinessCalendar,
    surveys: pl.DataFrame | None,
) -> tuple[Values, str]:
    if kpi.kind in (KpiKind.WORK_IN_PROGRESS, KpiKind.BACKLOG_AGE, KpiKind.OVERDUE):
        return _point_in_time(kpi, cases, by_columns, windows, calendar), ""
    if kpi.kind is KpiKind.THROUGHPUT:
        return _throughput(cases, by_columns, windows), ""
    completed = cases.filter(pl.col("end").is_not_null())
    note = ""
    statistic = Statistic(None)
    match kpi.kind:
        case KpiKind.CYCLE_TIME:
            unit = kpi.unit or TimeUnit.DAYS
            per_case = completed.with_columns(
                case_facts.durations(completed["start"], completed["end"], unit, calendar).alias(
                    "value"
                )
            )
            statistic = kpi.statistic
        case KpiKind.SLA_COMPLIANCE:
            days = case_facts.durations(
                completed["start"], completed["end"], TimeUnit.BUSINESS_DAYS, calendar
            )
            within = (days <= (kpi.deadline_business_days or 0)).cast(pl.Float64)
            per_case = completed.with_columns(within.alias("value"))
        case KpiKind.FIRST_TIME_RIGHT:
            flags = case_facts.rework(events)
            per_case = completed.join(flags, on="case", how="left").with_columns(
                (~pl.col("rework").fill_null(False)).cast(pl.Float64).alias("value")
            )
        case KpiKind.COST_PER_CASE:
            costs = case_facts.cost(events, kpi.rates)
            per_case = completed.join(costs, on="case", how="left").rename({"cost": "value"})
            statistic = kpi.statistic
            if any(rate.per_hour for rate in kpi.rates) and not case_facts.has_durations(events):
                note = "no 'start' lifecycle events: per-hour rates could not be applied"
        case KpiKind.SATISFACTION:
            scores = case_facts.scores(events, kpi.attribute, surveys)
            if scores is None:
                return {}, (
                    f"no survey scores: the log has no column {kpi.attribute!r} and no survey "
                    "frame was given"
                )
            per_case = completed.join(scores, on="case", how="left").rename({"score": "value"})
        case _:  # pragma: no cover - every kind is handled above
            raise AssertionError(kpi.kind)
    per_case = per_case.filter(pl.col("value").is_not_null())
    values: Values = {}
    for window in windows:
        chosen = (
            per_case if window.label is None else per_case.filter(pl.col("period") == window.label)
        )
        for key, frame in _split(chosen, by_columns):
            values[(key, window.label)] = (_statistic(frame["value"], statistic), frame.height)
    return values, note


def _throughput(cases: pl.DataFrame, by_columns: list[str], windows: list[Window]) -> Values:
    completed = cases.filter(pl.col("end").is_not_null())
    values: Values = {}
    for window in windows:
        chosen = (
            completed
            if window.label is None
            else completed.filter(pl.col("period") == window.label)
        )
        weeks = (window.end_day - window.first_day).days / 7
        for key, frame in _split(chosen, by_columns):
            values[(key, window.label)] = (frame.height / weeks if weeks else None, frame.height)
    return values


def _point_in_time(
    kpi: KpiDefinition,
    cases: pl.DataFrame,
    by_columns: list[str],
    windows: list[Window],
    calendar: BusinessCalendar,
) -> Values:
    values: Values = {}
    for window in windows:
        at = window.end
        open_cases = cases.filter(
            (pl.col("start") <= at) & (pl.col("end").is_null() | (pl.col("end") > at))
        )
        for key, frame in _split(open_cases, by_columns):
            now = pl.Series([at] * frame.height, dtype=frame["start"].dtype)
            if kpi.kind is KpiKind.WORK_IN_PROGRESS:
                value: float | None = float(frame.height)
            elif kpi.kind is KpiKind.OVERDUE:
                ages = case_facts.durations(frame["start"], now, TimeUnit.BUSINESS_DAYS, calendar)
                value = float((ages > (kpi.deadline_business_days or 0)).sum())
            else:
                ages = case_facts.durations(
                    frame["start"], now, kpi.unit or TimeUnit.DAYS, calendar
                )
                value = _statistic(ages, kpi.statistic)
            values[(key, window.label)] = (value, frame.height)
    return values


def _results(
    kpi: KpiDefinition,
    groups: list[GroupKey],
    by: Sequence[str],
    windows: list[Window],
    values: Values,
    note: str,
) -> list[KpiResult]:
    results = []
    for group in groups:
        previous: float | None = None
        for index, window in enumerate(windows):
            counted = (KpiKind.WORK_IN_PROGRESS, KpiKind.OVERDUE, KpiKind.THROUGHPUT)
            default = 0.0 if kpi.kind in counted else None
            value, count = values.get((group, window.label), (default, 0))
            change = None
            if index > 0 and value is not None and previous is not None:
                change = value - previous
            results.append(
                KpiResult(
                    kpi_id=kpi.id,
                    name=kpi.name,
                    kind=kpi.kind,
                    unit=kpi.value_unit,
                    direction=kpi.direction,
                    target=kpi.target,
                    group=tuple(zip(by, (value_ for _, value_ in group), strict=True)),
                    period=window.label,
                    value=value,
                    cases=count,
                    previous=previous if index > 0 else None,
                    change=change,
                    trend=_trend(change, kpi.direction),
                    status=_status(value, kpi.target, kpi.direction),
                    note=note,
                )
            )
            previous = value
    return results


def _status(value: float | None, target: float | None, direction: Direction) -> Status:
    if value is None:
        return Status.NO_DATA
    if target is None:
        return Status.NO_TARGET
    if direction is Direction.HIGHER:
        return Status.MET if value >= target else Status.MISSED
    return Status.MET if value <= target else Status.MISSED


def _trend(change: float | None, direction: Direction) -> Trend | None:
    if change is None:
        return None
    if abs(change) < 1e-12:
        return Trend.UNCHANGED
    return Trend.BETTER if (change > 0) == (direction is Direction.HIGHER) else Trend.WORSE


def _statistic(values: pl.Series, statistic: Statistic) -> float | None:
    values = values.drop_nulls()
    if values.is_empty():
        return None
    if statistic.percentile is None:
        result = values.mean()
    else:
        result = values.quantile(statistic.percentile / 100, interpolation="linear")
    return None if result is None else float(result)  # type: ignore[arg-type]


def _split(frame: pl.DataFrame, by_columns: list[str]) -> list[tuple[GroupKey, pl.DataFrame]]:
    if not by_columns:
        return [((), frame)]
    parts = frame.partition_by(by_columns, as_dict=True, maintain_order=True)
    return [
        (tuple(zip(by_columns, (str(v) for v in key), strict=True)), part)
        for key, part in parts.items()
    ]


def _groups(cases: pl.DataFrame, by_columns: list[str]) -> list[GroupKey]:
    if not by_columns:
        return [()]
    combos = cases.select(by_columns).unique().sort(by_columns)
    return [
        tuple(zip(by_columns, (str(v) for v in row), strict=True)) for row in combos.iter_rows()
    ]
