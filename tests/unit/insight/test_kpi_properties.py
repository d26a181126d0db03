"""KPIs on random logs agree with a plain-Python recomputation of the same definitions."""

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civicflow.calendar import BusinessCalendar
from civicflow.insight.kpi import (
    Direction,
    KpiDefinition,
    KpiKind,
    KpiSet,
    Statistic,
    TimeUnit,
    compute_kpis,
    prepare_event_frame,
)

CALENDAR = BusinessCalendar(timezone="America/New_York", country="US", subdivision="NY")
START = datetime(2026, 10, 20, tzinfo=UTC)

events_strategy = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c", "d"]),
        st.sampled_from(["Receive", "Check", "Decide"]),
        st.integers(min_value=0, max_value=60 * 24 * 30),  # minutes after START: 30 days
    ),
    min_size=1,
    max_size=40,
)


def frame_of(rows: list[tuple[str, str, int]]) -> pl.DataFrame:
    return prepare_event_frame(
        pl.DataFrame(
            {
                "case:concept:name": [case for case, _, _ in rows],
                "concept:name": [activity for _, activity, _ in rows],
                "time:timestamp": [START + timedelta(minutes=m) for _, _, m in rows],
            }
        )
    )


def naive_business_days(start: datetime, end: datetime) -> int:
    first = start.astimezone(CALENDAR.zone).date()
    last = end.astimezone(CALENDAR.zone).date()
    return sum(
        CALENDAR.is_business_day(first + timedelta(days=k))
        for k in range(1, (last - first).days + 1)
    )


def definitions() -> KpiSet:
    return KpiSet(
        kpis=(
            KpiDefinition(
                "ct", "ct", KpiKind.CYCLE_TIME, Direction.LOWER, None, TimeUnit.HOURS, Statistic()
            ),
            KpiDefinition(
                "sla", "sla", KpiKind.SLA_COMPLIANCE, Direction.HIGHER, deadline_business_days=4
            ),
            KpiDefinition("ftr", "ftr", KpiKind.FIRST_TIME_RIGHT, Direction.HIGHER),
        ),
        calendar=CALENDAR,
    )


@settings(max_examples=60, deadline=None)
@given(events_strategy)
def test_cycle_time_sla_and_first_time_right_match_a_plain_recomputation(
    rows: list[tuple[str, str, int]],
) -> None:
    times: dict[str, list[datetime]] = defaultdict(list)
    activities: dict[str, Counter[str]] = defaultdict(Counter)
    for case, activity, minutes in rows:
        times[case].append(START + timedelta(minutes=minutes))
        activities[case][activity] += 1
    spans = {case: (min(ts), max(ts)) for case, ts in times.items()}
    hours = [(end - start) / timedelta(hours=1) for start, end in spans.values()]
    within = [naive_business_days(start, end) <= 4 for start, end in spans.values()]
    clean = [max(counts.values()) == 1 for counts in activities.values()]

    ct, sla, ftr = compute_kpis(frame_of(rows), definitions()).results

    assert ct.value == pytest.approx(sum(hours) / len(hours))
    assert sla.value == pytest.approx(sum(within) / len(within))
    assert ftr.value == pytest.approx(sum(clean) / len(clean))
    assert ct.cases == sla.cases == ftr.cases == len(spans)


def test_naive_business_day_helper_skips_a_new_york_holiday() -> None:
    # Thanksgiving, Thursday 26 November 2026: Wed 25 -> Fri 27 is one business day.
    wednesday = datetime(2026, 11, 25, 15, tzinfo=UTC)
    friday = datetime(2026, 11, 27, 15, tzinfo=UTC)
    assert date(2026, 11, 26).weekday() == 3
    assert naive_business_days(wednesday, friday) == 1
