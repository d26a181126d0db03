"""KPIs on the real receipt log agree with figures computed independently (pm4py, numpy)."""

import warnings
from datetime import timedelta
from pathlib import Path
from typing import Any

import holidays
import numpy as np
import polars as pl
import pytest

from civicflow.calendar import BusinessCalendar
from civicflow.insight.kpi import (
    Direction,
    KpiDefinition,
    KpiKind,
    KpiSet,
    Period,
    Statistic,
    TimeUnit,
    compute_kpis,
    prepare_event_frame,
)

RECEIPT = Path(__file__).parents[3] / ".." / "shared" / "data" / "logs" / "receipt.xes.gz"
COLUMNS = (
    "case:concept:name",
    "concept:name",
    "time:timestamp",
    "org:group",
    "org:resource",
    "lifecycle:transition",
    "case:department",
    "case:channel",
)
AMSTERDAM = BusinessCalendar(timezone="Europe/Amsterdam", country="NL")

pytestmark = pytest.mark.slow  # reads receipt with pm4py (~5 s)


@pytest.fixture(scope="module")
def pm4py_log() -> Any:
    if not RECEIPT.is_file():
        pytest.skip(f"{RECEIPT} is not available")
    with warnings.catch_warnings():
        # pm4py (AGPL, test oracle only) warns about optional speed-ups on import and read.
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        import pm4py

        return pm4py, pm4py.read_xes(str(RECEIPT))


@pytest.fixture(scope="module")
def receipt(pm4py_log: Any) -> pl.DataFrame:
    _, log = pm4py_log
    data: dict[str, list[Any]] = {}
    for column in COLUMNS:
        series = log[column]
        if column == "time:timestamp":
            data[column] = [stamp.to_pydatetime() for stamp in series]
        else:
            data[column] = [None if value != value else value for value in series.tolist()]
    return prepare_event_frame(pl.DataFrame(data))


def definition(kind: KpiKind, **fields: Any) -> KpiDefinition:
    return KpiDefinition(id=kind.value, name=kind.value, kind=kind, **fields)


def compute(events: pl.DataFrame, *kpis: KpiDefinition, **options: Any) -> Any:
    return compute_kpis(events, KpiSet(kpis=kpis, calendar=AMSTERDAM), **options)


def test_cycle_time_percentiles_agree_with_pm4py_case_durations(
    pm4py_log: Any, receipt: pl.DataFrame
) -> None:
    pm4py, log = pm4py_log
    seconds = np.asarray(pm4py.get_all_case_durations(log), dtype=float)
    kpis = [
        definition(
            KpiKind.CYCLE_TIME,
            direction=Direction.LOWER,
            unit=TimeUnit.HOURS,
            statistic=Statistic(p),
        )
        for p in (None, 50.0, 90.0, 95.0)
    ]
    kpis = [KpiDefinition(**{**k.__dict__, "id": f"ct{i}"}) for i, k in enumerate(kpis)]
    report = compute(receipt, *kpis)
    got = [r.value * 3600 for r in report.results]
    expected = [seconds.mean(), *np.percentile(seconds, [50, 90, 95])]
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-3)
    assert report.results[0].cases == len(seconds) == 1434


def test_first_time_right_agrees_with_pm4py_variants(pm4py_log: Any, receipt: pl.DataFrame) -> None:
    pm4py, log = pm4py_log
    variants = pm4py.get_variants(log)
    total = sum(variants.values())
    clean = sum(count for trace, count in variants.items() if len(set(trace)) == len(trace))
    report = compute(receipt, definition(KpiKind.FIRST_TIME_RIGHT, direction=Direction.HIGHER))
    assert report.results[0].value == pytest.approx(clean / total)
    assert 0 < clean < total


def test_sla_compliance_agrees_with_numpy_business_day_counts(
    pm4py_log: Any, receipt: pl.DataFrame
) -> None:
    _, log = pm4py_log
    local = log["time:timestamp"].dt.tz_convert("Europe/Amsterdam").dt.date
    spans = local.groupby(log["case:concept:name"]).agg(["min", "max"])
    years = range(min(spans["min"]).year, max(spans["max"]).year + 1)
    public = sorted(holidays.country_holidays("NL", years=years))
    # numpy counts [a, b); the calendar's convention is (a, b], so shift both ends by a day.
    counts = np.busday_count(
        [d + timedelta(days=1) for d in spans["min"]],
        [d + timedelta(days=1) for d in spans["max"]],
        holidays=public,
    )
    kpi = definition(KpiKind.SLA_COMPLIANCE, direction=Direction.HIGHER, deadline_business_days=3)
    report = compute(receipt, kpi)
    expected = float(np.mean(counts <= 3))
    assert 0 < expected < 1
    assert report.results[0].value == pytest.approx(expected)


def test_cases_per_department_add_up_to_the_log(pm4py_log: Any, receipt: pl.DataFrame) -> None:
    _, log = pm4py_log
    expected = log.groupby("case:department")["case:concept:name"].nunique().to_dict()
    kpi = definition(KpiKind.CYCLE_TIME, direction=Direction.LOWER, unit=TimeUnit.DAYS)
    report = compute(receipt, kpi, by=["department"])
    assert {dict(r.group)["department"]: r.cases for r in report.results} == expected


def test_monthly_throughput_counts_every_completed_case_once(receipt: pl.DataFrame) -> None:
    kpi = definition(KpiKind.THROUGHPUT, direction=Direction.HIGHER)
    report = compute(receipt, kpi, period=Period.MONTH)
    assert sum(r.cases for r in report.results) == 1434
    periods = [r.period for r in report.results]
    assert periods == sorted(periods)
    assert periods[0] == "2010-10"
    assert periods[-1] == "2012-01"
