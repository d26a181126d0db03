"""KPI values on small hand-made logs, checked against figures worked out by hand."""

from datetime import UTC, datetime

import polars as pl
import pytest

from civicflow.calendar import BusinessCalendar
from civicflow.insight.kpi import (
    CostRate,
    Direction,
    KpiDefinition,
    KpiKind,
    KpiReport,
    KpiResult,
    KpiSet,
    Period,
    Statistic,
    Status,
    TimeUnit,
    Trend,
    compute_kpis,
    prepare_event_frame,
)

AMSTERDAM = BusinessCalendar(timezone="Europe/Amsterdam", country="NL")


def utc(day: int, hour: int, month: int = 11, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


# case, activity, timestamp, event department, case department, channel, satisfaction
ROWS = [
    # c1: Mon 2 Nov -> Thu 5 Nov: 3 days, 3 business days, no rework.
    ("c1", "Receive", utc(2, 9), "Intake", "Permits", "web", 4.0),
    ("c1", "Check", utc(3, 9), "Permits", "Permits", "web", 4.0),
    ("c1", "Decide", utc(5, 9), "Permits", "Permits", "web", 4.0),
    # c2: Fri 6 Nov 15:00 -> Mon 16 Nov 15:00: 10 days, 6 business days, Check repeated.
    ("c2", "Receive", utc(6, 15), "Intake", "Permits", "desk", 2.0),
    ("c2", "Check", utc(9, 9), "Permits", "Permits", "desk", 2.0),
    ("c2", "Check", utc(10, 9), "Permits", "Permits", "desk", 2.0),
    ("c2", "Decide", utc(16, 15), "Permits", "Permits", "desk", 2.0),
    # c3: Mon 9 Nov 10:00 -> Wed 11 Nov 16:00: 2.25 days, 2 business days.
    ("c3", "Receive", utc(9, 10), "Intake", "Zoning", "web", 5.0),
    ("c3", "Check", utc(10, 10), "Zoning", "Zoning", "web", 5.0),
    ("c3", "Decide", utc(11, 16), "Zoning", "Zoning", "web", 5.0),
    # c4: still open (no Decide), received Thu 12 Nov 10:00.
    ("c4", "Receive", utc(12, 10), "Intake", "Zoning", "web", None),
    ("c4", "Check", utc(13, 10), "Zoning", "Zoning", "web", None),
    # c5: Mon 30 Nov -> Thu 3 Dec 09:00 (the last event: the default "as of").
    ("c5", "Receive", utc(30, 9), "Intake", "Permits", "post", None),
    ("c5", "Decide", utc(3, 9, month=12), "Permits", "Permits", "post", None),
]


def permit_log() -> pl.DataFrame:
    columns = list(zip(*ROWS, strict=True))
    frame = pl.DataFrame(
        {
            "case:concept:name": columns[0],
            "concept:name": columns[1],
            "time:timestamp": columns[2],
            "org:group": columns[3],
            "case:department": columns[4],
            "case:channel": columns[5],
            "case:satisfaction": columns[6],
        }
    )
    return prepare_event_frame(frame)


def kpi(kind: KpiKind, **fields: object) -> KpiDefinition:
    defaults: dict[str, object] = {"id": kind.value, "name": kind.value, "kind": kind}
    defaults.setdefault("direction", fields.pop("direction", Direction.LOWER))
    return KpiDefinition(**{**defaults, **fields})  # type: ignore[arg-type]


def run(*kpis: KpiDefinition, **options: object) -> KpiReport:
    kpi_set = KpiSet(kpis=kpis, calendar=AMSTERDAM, end_activities=frozenset({"Decide"}))
    return compute_kpis(permit_log(), kpi_set, **options)  # type: ignore[arg-type]


def only(report: KpiReport, **group: str) -> list[KpiResult]:
    return [r for r in report.results if dict(r.group) == group]


def value_of(report: KpiResult | KpiReport) -> float | None:
    result = report.results[0] if isinstance(report, KpiReport) else report
    return result.value


def test_median_cycle_time_in_days_of_completed_cases() -> None:
    # Completed: 3, 10, 2.25, 3 days -> sorted 2.25, 3, 3, 10 -> median (3 + 3) / 2.
    report = run(kpi(KpiKind.CYCLE_TIME, unit=TimeUnit.DAYS, statistic=Statistic(50)))
    assert value_of(report) == pytest.approx(3.0)
    assert report.results[0].cases == 4


def test_p90_cycle_time_interpolates_linearly_between_ranks() -> None:
    # Rank 0.9 * (4 - 1) = 2.7 -> 3 + 0.7 * (10 - 3) = 7.9 days.
    report = run(kpi(KpiKind.CYCLE_TIME, unit=TimeUnit.DAYS, statistic=Statistic(90)))
    assert value_of(report) == pytest.approx(7.9)


def test_mean_cycle_time_in_business_days_skips_weekends() -> None:
    # 3, 6, 2, 3 business days -> 14 / 4.
    report = run(kpi(KpiKind.CYCLE_TIME, unit=TimeUnit.BUSINESS_DAYS, statistic=Statistic(None)))
    assert value_of(report) == pytest.approx(3.5)


def test_cycle_time_in_hours_is_elapsed_time() -> None:
    # 72, 240, 54, 72 hours -> mean 109.5.
    report = run(kpi(KpiKind.CYCLE_TIME, unit=TimeUnit.HOURS, statistic=Statistic(None)))
    assert value_of(report) == pytest.approx(109.5)


def test_sla_compliance_is_the_share_of_cases_decided_within_the_business_day_deadline() -> None:
    # Deadline 5 business days: c1 (3) yes, c2 (6) no, c3 (2) yes, c5 (3) yes -> 3 / 4.
    definition = kpi(
        KpiKind.SLA_COMPLIANCE, deadline_business_days=5, target=0.8, direction=Direction.HIGHER
    )
    result = run(definition).results[0]
    assert result.value == pytest.approx(0.75)
    assert result.status is Status.MISSED


def test_a_case_exactly_at_the_deadline_complies() -> None:
    # Deadline 6: c2 took exactly 6 business days.
    definition = kpi(KpiKind.SLA_COMPLIANCE, deadline_business_days=6, direction=Direction.HIGHER)
    assert value_of(run(definition)) == pytest.approx(1.0)


def test_first_time_right_counts_cases_without_a_repeated_activity() -> None:
    # Only c2 repeats Check: 3 of the 4 completed cases are first time right.
    report = run(kpi(KpiKind.FIRST_TIME_RIGHT, direction=Direction.HIGHER, target=0.7))
    assert value_of(report) == pytest.approx(0.75)
    assert report.results[0].status is Status.MET


def test_throughput_is_completed_cases_per_week_over_the_log() -> None:
    # 4 completed cases from Mon 2 Nov to Thu 3 Dec inclusive: 32 days = 32/7 weeks.
    report = run(kpi(KpiKind.THROUGHPUT, direction=Direction.HIGHER))
    assert value_of(report) == pytest.approx(4 / (32 / 7))


def test_work_in_progress_counts_cases_open_at_the_as_of_moment() -> None:
    # At Thu 3 Dec 09:00 only c4 is open; c5 completed at that very moment.
    assert value_of(run(kpi(KpiKind.WORK_IN_PROGRESS))) == 1.0
    # At Wed 2 Dec noon, c4 and c5 are open.
    at = datetime(2026, 12, 2, 12, tzinfo=UTC)
    assert value_of(run(kpi(KpiKind.WORK_IN_PROGRESS), as_of=at)) == 2.0


def test_backlog_age_in_business_days_of_the_open_cases() -> None:
    # c4 received Thu 12 Nov; business days to Thu 3 Dec: 13 Nov, 16-20, 23-27, 30 Nov-3 Dec.
    definition = kpi(KpiKind.BACKLOG_AGE, unit=TimeUnit.BUSINESS_DAYS)
    assert value_of(run(definition)) == pytest.approx(1 + 5 + 5 + 4)


def test_backlog_age_in_days_uses_elapsed_time() -> None:
    # 12 Nov 10:00 -> 3 Dec 09:00 UTC = 20 days 23 hours.
    definition = kpi(KpiKind.BACKLOG_AGE, unit=TimeUnit.DAYS)
    assert value_of(run(definition)) == pytest.approx(20 + 23 / 24)


def test_an_as_of_moment_ignores_later_events() -> None:
    # As of Tue 10 Nov 12:00 only c1 has completed (3 days).
    at = datetime(2026, 11, 10, 12, tzinfo=UTC)
    report = run(kpi(KpiKind.CYCLE_TIME, unit=TimeUnit.DAYS), as_of=at)
    assert value_of(report) == pytest.approx(3.0)
    assert report.cases == 3  # c1, c2, c3 had started


def test_results_per_department_split_the_cases() -> None:
    # Permits: c1 3, c2 10, c5 3 days -> median 3; Zoning: c3 2.25 (c4 still open).
    definition = kpi(KpiKind.CYCLE_TIME, unit=TimeUnit.DAYS, statistic=Statistic(50))
    report = run(definition, by=["department"])
    permits = only(report, department="Permits")
    zoning = only(report, department="Zoning")
    assert [r.value for r in permits] == [pytest.approx(3.0)]
    assert [r.value for r in zoning] == [pytest.approx(2.25)]
    assert permits[0].cases == 3


def test_results_per_channel_and_department_together() -> None:
    report = run(kpi(KpiKind.WORK_IN_PROGRESS), by=["department", "channel"])
    groups = {tuple(r.group): r.value for r in report.results}
    assert groups[(("department", "Zoning"), ("channel", "web"))] == 1.0
    assert groups[(("department", "Permits"), ("channel", "post"))] == 0.0


def test_monthly_results_carry_the_trend_against_the_previous_month() -> None:
    # SLA (5 business days): November c1, c2, c3 -> 2/3; December c5 -> 1/1.
    definition = kpi(
        KpiKind.SLA_COMPLIANCE, deadline_business_days=5, direction=Direction.HIGHER, target=0.9
    )
    november, december = run(definition, period=Period.MONTH).results
    assert (november.period, december.period) == ("2026-11", "2026-12")
    assert november.value == pytest.approx(2 / 3)
    assert november.trend is None
    assert december.value == pytest.approx(1.0)
    assert december.previous == pytest.approx(2 / 3)
    assert december.change == pytest.approx(1 / 3)
    assert december.trend is Trend.BETTER
    assert (november.status, december.status) == (Status.MISSED, Status.MET)


def test_a_rising_cycle_time_is_a_worsening_trend() -> None:
    # Monthly mean in hours: November (72 + 240 + 54) / 3 = 122; December 72 -> better.
    definition = kpi(KpiKind.CYCLE_TIME, unit=TimeUnit.HOURS, statistic=Statistic(None))
    november, december = run(definition, period=Period.MONTH).results
    assert november.value == pytest.approx(122.0)
    assert december.change == pytest.approx(72.0 - 122.0)
    assert december.trend is Trend.BETTER
    # Weekly: W45 (2-8 Nov) c1 72 h; W46 (9-15 Nov) c3 54 h; W47 c2 240 h -> worse.
    weeks = {r.period: r for r in run(definition, period=Period.WEEK).results}
    assert weeks["2026-W45"].value == pytest.approx(72.0)
    assert weeks["2026-W46"].trend is Trend.BETTER
    assert weeks["2026-W47"].value == pytest.approx(240.0)
    assert weeks["2026-W47"].trend is Trend.WORSE


def test_a_week_without_completed_cases_has_no_data_and_breaks_the_trend() -> None:
    definition = kpi(KpiKind.CYCLE_TIME, unit=TimeUnit.HOURS)
    weeks = {r.period: r for r in run(definition, period=Period.WEEK).results}
    # 23-29 Nov: nothing completed.
    assert weeks["2026-W48"].value is None
    assert weeks["2026-W48"].status is Status.NO_DATA
    assert weeks["2026-W49"].trend is None


def test_work_in_progress_per_month_is_taken_at_the_end_of_each_month() -> None:
    # End of November (1 Dec 00:00 Amsterdam): c4 and c5 open; on 3 Dec 09:00: c4.
    november, december = run(kpi(KpiKind.WORK_IN_PROGRESS), period=Period.MONTH).results
    assert (november.value, december.value) == (2.0, 1.0)
    assert december.trend is Trend.BETTER


def test_throughput_per_month_is_normalised_to_weeks() -> None:
    # November: 3 cases over 30 days; December: 1 case over 1-3 Dec (3 days).
    definition = kpi(KpiKind.THROUGHPUT, direction=Direction.HIGHER)
    november, december = run(definition, period=Period.MONTH).results
    assert november.value == pytest.approx(3 / (30 / 7))
    assert december.value == pytest.approx(1 / (3 / 7))


def test_satisfaction_is_the_mean_case_attribute_score_of_completed_cases() -> None:
    # c1 4, c2 2, c3 5; c5 gave no score.
    definition = kpi(
        KpiKind.SATISFACTION, attribute="case:satisfaction", direction=Direction.HIGHER
    )
    result = run(definition).results[0]
    assert result.value == pytest.approx(11 / 3)
    assert result.cases == 3


def test_satisfaction_from_a_survey_frame_averages_each_case_first() -> None:
    surveys = pl.DataFrame({"case:concept:name": ["c1", "c1", "c2"], "score": [5.0, 3.0, 1.0]})
    definition = kpi(
        KpiKind.SATISFACTION, attribute="case:satisfaction", direction=Direction.HIGHER
    )
    # c1 (5 + 3) / 2 = 4, c2 1 -> mean 2.5.
    assert value_of(run(definition, surveys=surveys)) == pytest.approx(2.5)


def test_satisfaction_without_any_source_reports_no_data_rather_than_failing() -> None:
    definition = kpi(KpiKind.SATISFACTION, attribute="case:score", direction=Direction.HIGHER)
    result = run(definition).results[0]
    assert result.value is None
    assert result.status is Status.NO_DATA
    assert "case:score" in result.note


def test_a_kpi_without_target_says_so() -> None:
    assert run(kpi(KpiKind.WORK_IN_PROGRESS)).results[0].status is Status.NO_TARGET


def test_grouping_by_a_column_the_log_lacks_is_refused_with_advice() -> None:
    with pytest.raises(ValueError, match=r"case:service.*dimensions"):
        run(kpi(KpiKind.WORK_IN_PROGRESS), by=["service"])


def test_the_report_serialises_to_plain_json_types() -> None:
    report = run(kpi(KpiKind.WORK_IN_PROGRESS, target=3.0), by=["department"])
    data = report.to_dict()
    assert data["as_of"] == "2026-12-03T09:00:00+00:00"
    results = data["results"]
    assert isinstance(results, list)
    assert results[0]["group"] == {"department": "Permits"}
    assert results[0]["status"] == "met"


def cost_log() -> pl.DataFrame:
    rows = [
        # k1: Review 09:00-11:00 in Zoning (2 h), Notify by Intake.
        ("k1", "Review", utc(2, 9), "Zoning", "start"),
        ("k1", "Review", utc(2, 11), "Zoning", "complete"),
        ("k1", "Notify", utc(2, 12), "Intake", "complete"),
        # k2: Review twice (30 min and 60 min) in Zoning, Archive by Archive (default rate).
        ("k2", "Review", utc(3, 10), "Zoning", "start"),
        ("k2", "Review", utc(3, 10, minute=30), "Zoning", "complete"),
        ("k2", "Review", utc(3, 11), "Zoning", "start"),
        ("k2", "Review", utc(3, 12), "Zoning", "complete"),
        ("k2", "Archive", utc(3, 13), "Archive", None),
    ]
    columns = list(zip(*rows, strict=True))
    return prepare_event_frame(
        pl.DataFrame(
            {
                "case:concept:name": columns[0],
                "concept:name": columns[1],
                "time:timestamp": columns[2],
                "org:group": columns[3],
                "lifecycle:transition": columns[4],
            }
        )
    )


def test_cost_per_case_applies_the_most_specific_rate_per_activity() -> None:
    rates = (
        CostRate(per_event=1.0),
        CostRate(department="Zoning", per_hour=60.0),
        CostRate(activity="Notify", per_event=2.0),
    )
    definition = kpi(KpiKind.COST_PER_CASE, rates=rates, statistic=Statistic(None))
    kpi_set = KpiSet(kpis=(definition,), calendar=AMSTERDAM)
    per_case = {
        case: compute_kpis(cost_log().filter(pl.col("case:concept:name") == case), kpi_set)
        for case in ("k1", "k2")
    }
    # k1: Review 2 h x 60 = 120, Notify 2 -> 122. k2: Review 1.5 h x 60 = 90, Archive 1 -> 91.
    assert value_of(per_case["k1"]) == pytest.approx(122.0)
    assert value_of(per_case["k2"]) == pytest.approx(91.0)
    assert value_of(compute_kpis(cost_log(), kpi_set)) == pytest.approx((122 + 91) / 2)


def test_cost_per_hour_without_start_events_is_flagged_in_a_note() -> None:
    rates = (CostRate(per_hour=60.0, per_event=5.0),)
    report = run(kpi(KpiKind.COST_PER_CASE, rates=rates, statistic=Statistic(None)))
    # Only per-event costs: c1 3, c2 4, c3 3, c5 2 events -> (15 + 20 + 15 + 10) / 4.
    assert value_of(report) == pytest.approx(15.0)
    assert "per-hour" in report.results[0].note


def test_without_end_activities_a_case_completes_at_its_last_event() -> None:
    kpi_set = KpiSet(kpis=(kpi(KpiKind.WORK_IN_PROGRESS),), calendar=AMSTERDAM)
    # c4's last event (13 Nov) is before 3 Dec, so nothing is open at the end.
    assert value_of(compute_kpis(permit_log(), kpi_set)) == 0.0


def test_timestamps_as_text_with_offsets_are_read_as_utc() -> None:
    frame = prepare_event_frame(
        pl.DataFrame(
            {
                "case:concept:name": [1, 1],
                "concept:name": ["a", "b"],
                "time:timestamp": ["2026-03-27T10:00:00+01:00", "2026-03-30T10:00:00+02:00"],
            }
        )
    )
    assert frame["time:timestamp"].to_list() == [utc(27, 9, month=3), utc(30, 8, month=3)]
    assert frame["case:concept:name"].to_list() == ["1", "1"]


def test_events_are_ordered_by_time_within_a_case_keeping_ties_in_given_order() -> None:
    frame = prepare_event_frame(
        pl.DataFrame(
            {
                "case:concept:name": ["x", "x", "x"],
                "concept:name": ["late", "tie-first", "tie-second"],
                "time:timestamp": [utc(3, 9), utc(2, 9), utc(2, 9)],
            }
        )
    )
    assert frame["concept:name"].to_list() == ["tie-first", "tie-second", "late"]


def test_optional_columns_that_are_entirely_empty_still_work() -> None:
    frame = prepare_event_frame(
        pl.DataFrame(
            {
                "case:concept:name": ["x", "x"],
                "concept:name": ["a", "a"],
                "time:timestamp": [utc(2, 9), utc(2, 10)],
                "lifecycle:transition": [None, None],
                "org:group": [None, None],
            }
        )
    )
    rates = (CostRate(per_event=2.0),)
    kpi_set = KpiSet(
        kpis=(
            kpi(KpiKind.FIRST_TIME_RIGHT, direction=Direction.HIGHER),
            kpi(KpiKind.COST_PER_CASE, id="cost", rates=rates),
        ),
        calendar=AMSTERDAM,
    )
    ftr, cost = compute_kpis(frame, kpi_set).results
    assert ftr.value == 0.0  # "a" was performed twice
    assert cost.value == pytest.approx(4.0)


def test_overdue_counts_open_cases_older_than_the_deadline_in_business_days() -> None:
    # At 3 Dec 09:00, c4 (received Thu 12 Nov) is 15 business days old: past 10, not past 15.
    assert value_of(run(kpi(KpiKind.OVERDUE, deadline_business_days=10))) == 1.0
    assert value_of(run(kpi(KpiKind.OVERDUE, deadline_business_days=15))) == 0.0
    # At the end of November (1 Dec 00:00 Amsterdam) c4 is 13 business days old, c5 one.
    monthly = run(kpi(KpiKind.OVERDUE, deadline_business_days=12), period=Period.MONTH)
    assert [r.value for r in monthly.results] == [1.0, 1.0]
    monthly = run(kpi(KpiKind.OVERDUE, deadline_business_days=13), period=Period.MONTH)
    assert [r.value for r in monthly.results] == [0.0, 1.0]
