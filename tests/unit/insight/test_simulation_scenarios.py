"""Scenarios compared by KPI with confidence intervals, and the simulated event log."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from civicflow.insight.simulation import (
    ActivityParams,
    ArrivalChange,
    CapacityChange,
    DurationChange,
    Exponential,
    GraphBuilder,
    NodeKind,
    PoissonArrivals,
    PoolParams,
    ProcessGraph,
    Scenario,
    SimulationParameters,
    compare,
    parse_scenario,
    simulate,
)

HOUR = 3600.0


def permit_graph() -> ProcessGraph:
    return (
        GraphBuilder("permit")
        .node("start", NodeKind.START)
        .node("intake", NodeKind.TASK, "Register application", lane="Front office")
        .node("zoning", NodeKind.TASK, "Zoning review", lane="Zoning")
        .node("end", NodeKind.END)
        .chain("start", "intake", "zoning", "end")
        .build()
    )


def busy_zoning() -> SimulationParameters:
    return SimulationParameters(
        arrivals=PoissonArrivals(1.0),
        activities={
            "intake": ActivityParams(Exponential(0.5 * HOUR)),
            "Zoning review": ActivityParams(Exponential(2.7 * HOUR)),
        },
        pools={"Front office": PoolParams(1), "Zoning": PoolParams(3)},
        horizon_hours=24 * 28,
        warmup_hours=24 * 3,
    )


def test_two_more_zoning_staff_cut_cycle_time_and_backlog_beyond_the_intervals() -> None:
    more_staff = Scenario("two more in Zoning", (CapacityChange("Zoning", delta=2),))
    result = compare(permit_graph(), busy_zoning(), [more_staff], runs=5, seed=1)
    baseline, scenario = result.results
    assert baseline.scenario.name == "baseline"
    before = baseline.estimates["cycle_time_mean_h"]
    after = scenario.estimates["cycle_time_mean_h"]
    assert after.high < before.low
    assert (
        scenario.estimates["waiting_mean_h[Zoning review]"].mean
        < baseline.estimates["waiting_mean_h[Zoning review]"].mean / 3
    )
    assert scenario.estimates["utilisation[Zoning]"].mean == pytest.approx(
        baseline.estimates["utilisation[Zoning]"].mean * 3 / 5, rel=0.05
    )
    assert scenario.estimates["wip_at_end"].mean < baseline.estimates["wip_at_end"].mean
    assert before.runs == 5
    assert before.low < before.mean < before.high


def test_faster_review_and_more_applications_move_the_figures_the_expected_way() -> None:
    faster = Scenario("faster", (DurationChange("Zoning review", factor=0.5),))
    quieter = Scenario("quieter", (ArrivalChange(0.8),))
    busier = Scenario("busier", (ArrivalChange(1.2),))
    result = compare(permit_graph(), busy_zoning(), [faster, quieter, busier], runs=3, seed=2)
    baseline, quick, fewer, more = (r.estimates for r in result.results)
    assert quick["cycle_time_mean_h"].mean < baseline["cycle_time_mean_h"].mean
    assert fewer["throughput_per_day"].mean == pytest.approx(
        baseline["throughput_per_day"].mean * 0.8, rel=0.06
    )
    # 1.2 cases/h need 3.24 reviewers: Zoning (3 people) caps throughput and the backlog grows.
    assert more["throughput_per_day"].mean <= 3 / 2.7 * 24 * 1.02
    assert more["wip_at_end"].mean > 2 * baseline["wip_at_end"].mean
    data = result.to_dict()
    assert [s["name"] for s in data["scenarios"]] == ["baseline", "faster", "quieter", "busier"]
    assert data["seeds"] == [2, 3, 4]


def test_scenario_naming_an_unknown_pool_is_refused_with_the_known_pools() -> None:
    wrong = Scenario("typo", (CapacityChange("Zonning", delta=2),))
    with pytest.raises(ValueError, match=r"Zonning.*Front office, Zoning"):
        compare(permit_graph(), busy_zoning(), [wrong], runs=1)


def test_the_same_seed_gives_the_same_run() -> None:
    first = simulate(permit_graph(), busy_zoning(), seed=9)
    second = simulate(permit_graph(), busy_zoning(), seed=9)
    other = simulate(permit_graph(), busy_zoning(), seed=10)
    assert first.cycle_times_s == second.cycle_times_s
    assert first.cycle_times_s != other.cycle_times_s


def test_event_log_has_xes_columns_with_staff_names_and_lanes() -> None:
    params = busy_zoning()
    run = simulate(permit_graph(), params, seed=3, record_log=True)
    frame = run.event_log()
    assert frame.columns == [
        "case:concept:name",
        "concept:name",
        "time:timestamp",
        "lifecycle:transition",
        "org:resource",
        "org:group",
    ]
    assert frame.schema["time:timestamp"] == pl.Datetime("us", "UTC")
    assert set(frame["lifecycle:transition"].unique()) == {"start", "complete"}
    zoning = frame.filter(pl.col("concept:name") == "Zoning review")
    assert set(zoning["org:group"].unique()) == {"Zoning"}
    assert set(zoning["org:resource"].unique()) == {"Zoning 1", "Zoning 2", "Zoning 3"}
    first = frame["time:timestamp"].min()
    assert isinstance(first, datetime)
    assert first >= datetime(2027, 1, 4, tzinfo=UTC)
    per_case = frame.group_by("case:concept:name").agg(
        pl.col("time:timestamp").is_sorted().alias("ordered")
    )
    assert per_case["ordered"].all()
    finished = frame.filter(
        (pl.col("concept:name") == "Zoning review") & (pl.col("lifecycle:transition") == "complete")
    )
    assert finished.height == run.cases_started - run.wip_at_end


@pytest.mark.parametrize(
    ("text", "change"),
    [
        ("Zoning+2", CapacityChange("Zoning", delta=2)),
        ("Zoning - 1", CapacityChange("Zoning", delta=-1)),
        ("Front office=4", CapacityChange("Front office", set_to=4)),
        ("Zoning review*0.8", DurationChange("Zoning review", factor=0.8)),
        ("arrivals*1.25", ArrivalChange(1.25)),
    ],
)
def test_inline_scenarios_read_as_one_change(text: str, change: object) -> None:
    assert parse_scenario(text).changes == (change,)


def test_an_inline_scenario_that_is_not_a_change_explains_the_forms() -> None:
    with pytest.raises(ValueError, match=r"POOL\+N"):
        parse_scenario("hire more people")
    with pytest.raises(ValueError, match="whole numbers"):
        parse_scenario("Zoning+1.5")


def test_scaling_a_gateway_is_refused_as_not_a_task() -> None:
    graph = (
        GraphBuilder()
        .node("s", NodeKind.START)
        .node("g", NodeKind.EXCLUSIVE, "Route")
        .node("e", NodeKind.END)
        .chain("s", "g", "e")
        .build()
    )
    params = SimulationParameters(arrivals=PoissonArrivals(1))
    with pytest.raises(ValueError, match="Route is a exclusive node, not a task"):
        Scenario("x", (DurationChange("Route", 0.5),)).apply(params, graph)
