"""Learning parameters from a log recovers the parameters that generated it."""

from __future__ import annotations

from dataclasses import replace

import polars as pl
import pytest

from civicflow.insight.simulation import (
    ActivityParams,
    Exponential,
    Fixed,
    GraphBuilder,
    NodeKind,
    PoissonArrivals,
    PoolParams,
    ProcessGraph,
    SimulationParameters,
    WorkingCalendar,
    compare,
    simulate,
)
from civicflow.insight.simulation.learn import learn_parameters

HOUR = 3600.0


def permit() -> ProcessGraph:
    return (
        GraphBuilder("permit")
        .node("start", NodeKind.START)
        .node("register", NodeKind.TASK, "Register", lane="Front office")
        .node("route", NodeKind.EXCLUSIVE, "Review needed?")
        .node("review", NodeKind.TASK, "Zoning review", lane="Zoning")
        .node("auto", NodeKind.TASK, "Registry check")
        .node("merge", NodeKind.EXCLUSIVE)
        .node("end", NodeKind.END)
        .chain("start", "register", "route")
        .flow("route", "review", "to_review")
        .flow("route", "auto", "to_auto")
        .chain("review", "merge")
        .chain("auto", "merge", "end")
        .build()
    )


TRUTH = SimulationParameters(
    arrivals=PoissonArrivals(2.0),
    activities={
        "register": ActivityParams(Exponential(0.25 * HOUR)),
        "review": ActivityParams(Exponential(1.5 * HOUR)),
        "auto": ActivityParams(Fixed(120.0)),
    },
    pools={"Front office": PoolParams(1), "Zoning": PoolParams(4)},
    branches={"route": {"to_review": 0.3, "to_auto": 0.7}},
    horizon_hours=24 * 60,
)


@pytest.fixture(scope="module")
def log() -> pl.DataFrame:
    return simulate(permit(), TRUTH, seed=21, record_log=True).event_log()


def test_learned_rate_durations_branches_and_pools_match_the_generating_ones(
    log: pl.DataFrame,
) -> None:
    learned = learn_parameters(log, permit())
    params = learned.params
    assert isinstance(params.arrivals, PoissonArrivals)
    assert params.arrivals.rate_per_hour == pytest.approx(2.0, rel=0.05)
    review = params.activities["review"].duration
    assert review is not None
    assert review.mean == pytest.approx(1.5 * HOUR, rel=0.06)
    auto = params.activities["auto"].duration
    assert auto is not None
    assert auto.mean == pytest.approx(120.0)
    shares = params.branches["route"]
    assert shares["to_review"] == pytest.approx(0.3, abs=0.02)
    assert shares["to_auto"] == pytest.approx(0.7, abs=0.02)
    assert params.pools["Zoning"].capacity == 4
    assert params.pools["Front office"].capacity == 1
    assert "Registry check" not in params.pools


def test_a_log_with_only_complete_events_learns_durations_with_a_warning(
    log: pl.DataFrame,
) -> None:
    completes = log.filter(pl.col("lifecycle:transition") == "complete").drop(
        "lifecycle:transition"
    )
    learned = learn_parameters(completes, permit(), durations="empirical")
    assert any("the log has no start events" in note for note in learned.notes)
    review = learned.params.activities["review"].duration
    assert review is not None
    assert review.mean >= 1.5 * HOUR * 0.9  # includes waiting, so never much shorter


def test_groups_in_the_log_become_pools_for_a_model_without_lanes(log: pl.DataFrame) -> None:
    no_lanes = (
        GraphBuilder("permit")
        .node("start", NodeKind.START)
        .node("register", NodeKind.TASK, "Register")
        .node("review", NodeKind.TASK, "Zoning review")
        .node("end", NodeKind.END)
        .chain("start", "register", "review", "end")
        .build()
    )
    learned = learn_parameters(log, no_lanes)
    assert learned.params.activities["review"].pool == "Zoning"
    assert learned.params.pools["Zoning"].capacity == 4
    assert any("Registry check" in note for note in learned.notes)


def test_weekly_arrivals_learn_the_rate_of_each_hour(log: pl.DataFrame) -> None:
    learned = learn_parameters(log, permit(), arrivals="weekly")
    arrivals = learned.params.arrivals
    assert not isinstance(arrivals, PoissonArrivals)
    rates = [rate for slots in arrivals.week.values() for *_, rate in slots]
    assert sum(rates) / (7 * 24) == pytest.approx(2.0, rel=0.05)


def test_a_log_without_the_xes_columns_is_refused_with_their_names() -> None:
    frame = pl.DataFrame({"case": ["1"], "activity": ["A"]})
    with pytest.raises(ValueError, match="case:concept:name"):
        learn_parameters(frame, permit())


def test_activities_logged_without_start_events_fall_back_to_the_time_since_the_last_event(
    log: pl.DataFrame,
) -> None:
    mixed = log.filter(
        (pl.col("concept:name") != "Zoning review") | (pl.col("lifecycle:transition") != "start")
    )
    learned = learn_parameters(mixed, permit())
    assert any("no start events for Zoning review" in note for note in learned.notes)
    register = learned.params.activities["register"].duration
    review = learned.params.activities["review"].duration
    assert register is not None
    assert review is not None
    assert register.mean == pytest.approx(0.25 * HOUR, rel=0.06)  # still from start/complete
    assert review.mean >= 1.5 * HOUR * 0.9


def test_simulating_learned_parameters_reproduces_the_cycle_time_of_the_source(
    log: pl.DataFrame,
) -> None:
    learned = learn_parameters(log, permit()).params
    truth = compare(permit(), TRUTH, runs=4, seed=40).results[0].estimates
    again = compare(permit(), learned, runs=4, seed=40).results[0].estimates
    for metric in ("cycle_time_mean_h", "utilisation[Zoning]"):
        assert again[metric].mean == pytest.approx(truth[metric].mean, rel=0.1), metric


def test_pool_working_hours_are_learned_and_durations_measured_in_them() -> None:
    office = replace(TRUTH, pools={"Front office": PoolParams(1),
                                   "Zoning": PoolParams(4, WorkingCalendar.office(8, 17))})
    log = simulate(permit(), office, seed=5, record_log=True).event_log()
    learned = learn_parameters(log, permit(), calendars=True)
    zoning = learned.params.pools["Zoning"].calendar
    assert zoning is not None
    assert dict(zoning.week) == dict.fromkeys(range(5), ((8.0, 17.0),))  # no weekend work
    front = learned.params.pools["Front office"].calendar
    assert front is not None
    assert dict(front.week) == dict.fromkeys(range(7), ((0.0, 24.0),))
    review = learned.params.activities["review"].duration
    assert review is not None
    assert review.mean == pytest.approx(1.5 * HOUR, rel=0.08)  # working time, as generated
    elapsed = learn_parameters(log, permit()).params.activities["review"].duration
    assert elapsed is not None
    assert elapsed.mean > review.mean * 1.1  # nights and weekends inside some reviews
    assert any("pool Zoning: working hours learned" in n for n in learned.notes)


def test_a_pool_with_too_few_events_stays_always_available(log: pl.DataFrame) -> None:
    few = log.filter(pl.col("case:concept:name").is_in(log["case:concept:name"].unique()[:3]))
    learned = learn_parameters(few, permit(), calendars=True)
    assert learned.params.pools["Zoning"].calendar is None
    assert any("too few to learn working hours" in n for n in learned.notes)
