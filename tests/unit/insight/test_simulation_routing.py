"""Token rules: exclusive branching shares, parallel and inclusive joins, subprocesses."""

from __future__ import annotations

import math
import statistics
from collections import Counter

import pytest

from civicflow.insight.simulation import (
    ActivityParams,
    Exponential,
    Fixed,
    GraphBuilder,
    Marker,
    NodeKind,
    PoissonArrivals,
    PoolParams,
    ProcessGraph,
    SimulationParameters,
    simulate,
)

HOUR = 3600.0


def activities_per_case(graph: ProcessGraph, params: SimulationParameters) -> dict[str, set[str]]:
    log = simulate(graph, params, seed=3, record_log=True).log
    cases: dict[str, set[str]] = {}
    for event in log:
        if event.lifecycle == "complete":
            cases.setdefault(event.case, set()).add(event.activity)
    return cases


def xor_graph() -> ProcessGraph:
    return (
        GraphBuilder()
        .node("start", NodeKind.START)
        .node("route", NodeKind.EXCLUSIVE, "Needs review?")
        .node("review", NodeKind.TASK, "Review")
        .node("auto", NodeKind.TASK, "Auto check")
        .node("other", NodeKind.TASK, "Other")
        .node("merge", NodeKind.EXCLUSIVE)
        .node("end", NodeKind.END)
        .chain("start", "route")
        .flow("route", "review", "to_review")
        .flow("route", "auto", "to_auto")
        .flow("route", "other", "to_other")
        .chain("review", "merge")
        .chain("auto", "merge")
        .chain("other", "merge", "end")
        .build()
    )


def test_exclusive_gateway_shares_converge_to_the_branching_probabilities() -> None:
    params = SimulationParameters(
        arrivals=PoissonArrivals(10),
        branches={"route": {"to_review": 0.2, "Auto check": 0.5, "other": 0.3}},
        horizon_hours=2_000,
    )
    cases = activities_per_case(xor_graph(), params)
    counts = Counter(activity for done in cases.values() for activity in done)
    total = len(cases)
    assert total > 15_000
    assert all(len(done) == 1 for done in cases.values())
    assert counts["Review"] / total == pytest.approx(0.2, abs=0.01)
    assert counts["Auto check"] / total == pytest.approx(0.5, abs=0.01)
    assert counts["Other"] / total == pytest.approx(0.3, abs=0.01)


def test_exclusive_gateway_without_probabilities_splits_evenly_and_says_so() -> None:
    params = SimulationParameters(arrivals=PoissonArrivals(10), horizon_hours=600)
    result = simulate(xor_graph(), params, seed=1, record_log=True)
    counts = Counter(e.activity for e in result.log if e.lifecycle == "complete")
    total = sum(counts.values())
    for activity in ("Review", "Auto check", "Other"):
        assert counts[activity] / total == pytest.approx(1 / 3, abs=0.02)
    assert any("Needs review?" in note and "equally" in note for note in result.notes)


def test_branching_to_an_unknown_flow_is_refused_with_the_gateway_named() -> None:
    params = SimulationParameters(arrivals=PoissonArrivals(1), branches={"route": {"nowhere": 1.0}})
    with pytest.raises(ValueError, match=r"Needs review\?.*nowhere"):
        simulate(xor_graph(), params)


def parallel_graph() -> ProcessGraph:
    return (
        GraphBuilder()
        .node("start", NodeKind.START)
        .node("split", NodeKind.PARALLEL)
        .node("fee", NodeKind.TASK, "Calculate fee")
        .node("notice", NodeKind.TASK, "Prepare notice")
        .node("join", NodeKind.PARALLEL)
        .node("approve", NodeKind.TASK, "Approve")
        .node("end", NodeKind.END)
        .chain("start", "split", "fee", "join", "approve", "end")
        .chain("split", "notice", "join")
        .build()
    )


def test_parallel_join_waits_for_both_branches_before_continuing_once() -> None:
    params = SimulationParameters(
        arrivals=PoissonArrivals(2),
        activities={
            "fee": ActivityParams(Exponential(HOUR)),
            "notice": ActivityParams(Exponential(2 * HOUR)),
            "approve": ActivityParams(Fixed(60)),
        },
        horizon_hours=200,
    )
    result = simulate(parallel_graph(), params, seed=5, record_log=True)
    by_case: dict[str, dict[tuple[str, str], float]] = {}
    for event in result.log:
        by_case.setdefault(event.case, {})[(event.activity, event.lifecycle)] = event.time_s
    finished = [times for times in by_case.values() if ("Approve", "complete") in times]
    assert len(finished) > 300
    for times in finished:
        last_branch = max(
            times[("Calculate fee", "complete")], times[("Prepare notice", "complete")]
        )
        assert times[("Approve", "start")] == pytest.approx(last_branch)
    approvals = Counter(e.case for e in result.log if e.activity == "Approve")
    assert set(approvals.values()) == {2}  # one start and one complete per case
    assert len(result.cycle_times_s) == len(finished)


def test_inclusive_join_waits_only_for_the_branches_that_were_taken() -> None:
    graph = (
        GraphBuilder()
        .node("start", NodeKind.START)
        .node("split", NodeKind.INCLUSIVE, "Which checks?")
        .node("a", NodeKind.TASK, "Fire safety")
        .node("b", NodeKind.TASK, "Zoning")
        .node("join", NodeKind.INCLUSIVE)
        .node("decide", NodeKind.TASK, "Decide")
        .node("end", NodeKind.END)
        .flow("start", "split")
        .flow("split", "a", "to_a")
        .flow("split", "b", "to_b", default=True)
        .chain("a", "join")
        .chain("b", "join", "decide", "end")
        .build()
    )
    params = SimulationParameters(
        arrivals=PoissonArrivals(5),
        activities={"a": ActivityParams(Exponential(HOUR)), "b": ActivityParams(Exponential(HOUR))},
        branches={"split": {"to_a": 0.5, "to_b": 0.4}},
        horizon_hours=1_000,
    )
    result = simulate(graph, params, seed=11, record_log=True)
    cases: dict[str, list[tuple[str, str, float]]] = {}
    for event in result.log:
        cases.setdefault(event.case, []).append((event.activity, event.lifecycle, event.time_s))
    decided = {c: e for c, e in cases.items() if any(a == "Decide" for a, _, _ in e)}
    assert len(decided) > 4_000
    both = 0
    for events in decided.values():
        decide_start = next(t for a, lc, t in events if a == "Decide" and lc == "start")
        checks = [t for a, lc, t in events if a != "Decide" and lc == "complete"]
        assert checks
        assert decide_start == pytest.approx(max(checks))
        assert sum(1 for a, lc, _ in events if a == "Decide" and lc == "start") == 1
        both += len(checks) == 2
    # P(both) = 0.5 * 0.4; when neither is drawn the default flow (Zoning) is taken.
    assert both / len(decided) == pytest.approx(0.2, abs=0.02)
    zoning_only = sum(1 for e in decided.values() if {a for a, _, _ in e} == {"Zoning", "Decide"})
    assert zoning_only / len(decided) == pytest.approx(0.5 * 0.4 + 0.5 * 0.6, abs=0.02)


def test_subprocess_finishes_when_its_inner_tokens_are_consumed() -> None:
    inner = (
        GraphBuilder("inner")
        .node("s", NodeKind.START)
        .node("check", NodeKind.TASK, "Check documents")
        .node("e", NodeKind.END)
        .chain("s", "check", "e")
        .build()
    )
    graph = (
        GraphBuilder()
        .node("start", NodeKind.START)
        .node("sub", NodeKind.SUBPROCESS, "Verification", inner=inner)
        .node("send", NodeKind.TASK, "Send decision")
        .node("end", NodeKind.END)
        .chain("start", "sub", "send", "end")
        .build()
    )
    params = SimulationParameters(
        arrivals=PoissonArrivals(1),
        activities={
            "Check documents": ActivityParams(Fixed(HOUR), pool="clerks"),
            "send": ActivityParams(Fixed(30 * 60)),
        },
        pools={"clerks": PoolParams(capacity=5)},
        horizon_hours=100,
    )
    result = simulate(graph, params, seed=2, record_log=True)
    order = [(e.activity, e.lifecycle) for e in result.log if e.case == "case-000001"]
    assert order == [
        ("Check documents", "start"),
        ("Check documents", "complete"),
        ("Send decision", "start"),
        ("Send decision", "complete"),
    ]
    assert min(result.cycle_times_s) == pytest.approx(1.5 * HOUR)


def test_intermediate_event_with_a_delay_holds_the_token_for_that_long() -> None:
    graph = (
        GraphBuilder()
        .node("start", NodeKind.START)
        .node("objections", NodeKind.EVENT, "Wait for objections")
        .node("decide", NodeKind.TASK, "Decide")
        .node("end", NodeKind.END)
        .chain("start", "objections", "decide", "end")
        .build()
    )
    params = SimulationParameters(
        arrivals=PoissonArrivals(1),
        activities={
            "Wait for objections": ActivityParams(Fixed(14 * 24 * HOUR)),
            "decide": ActivityParams(Fixed(HOUR)),
        },
        horizon_hours=60 * 24,
    )
    result = simulate(graph, params, seed=1)
    assert result.cycle_times_s
    assert min(result.cycle_times_s) == pytest.approx(14 * 24 * HOUR + HOUR)
    assert max(result.cycle_times_s) == pytest.approx(14 * 24 * HOUR + HOUR)
    assert result.wip_at_end > 0  # cases of the last two weeks are still waiting


def escalation_graph(*, interrupting: bool) -> ProcessGraph:
    return (
        GraphBuilder()
        .node("start", NodeKind.START)
        .node("review", NodeKind.TASK, "Review")
        .node(
            "late", NodeKind.BOUNDARY, "5 days", attached_to="review", cancel_activity=interrupting
        )
        .node("escalate", NodeKind.TASK, "Escalate")
        .node("end", NodeKind.END)
        .node("escalated", NodeKind.END)
        .chain("start", "review", "end")
        .chain("late", "escalate", "escalated")
        .build()
    )


def test_interrupting_timer_withdraws_the_task_in_the_share_that_runs_late() -> None:
    params = SimulationParameters(
        arrivals=PoissonArrivals(5),
        activities={
            "review": ActivityParams(Exponential(2 * HOUR)),
            "late": ActivityParams(Fixed(3 * HOUR)),
            "escalate": ActivityParams(Fixed(60)),
        },
        horizon_hours=2_000,
    )
    result = simulate(escalation_graph(interrupting=True), params, seed=6, record_log=True)
    by_case: dict[str, set[tuple[str, str]]] = {}
    for event in result.log:
        by_case.setdefault(event.case, set()).add((event.activity, event.lifecycle))
    done = [events for events in by_case.values() if len(events) >= 2]
    escalated = [e for e in done if ("Escalate", "start") in e]
    assert len(done) > 5_000
    for events in escalated:
        assert ("Review", "ate_abort") in events
        assert ("Review", "complete") not in events
    # P(an exponential review of mean 2 h outlasts a 3 h timer) = exp(-1.5)
    assert len(escalated) / len(done) == pytest.approx(math.exp(-1.5), abs=0.015)
    assert max(result.cycle_times_s) <= 3 * HOUR + 60 + 1e-6


def test_non_interrupting_timer_adds_a_path_while_the_task_goes_on() -> None:
    params = SimulationParameters(
        arrivals=PoissonArrivals(1),
        activities={
            "review": ActivityParams(Fixed(4 * HOUR)),
            "late": ActivityParams(Fixed(3 * HOUR)),
            "escalate": ActivityParams(Fixed(2 * HOUR)),
        },
        horizon_hours=500,
    )
    result = simulate(escalation_graph(interrupting=False), params, seed=2, record_log=True)
    completes = Counter(e.activity for e in result.log if e.lifecycle == "complete")
    assert completes["Review"] > 400
    assert abs(completes["Review"] - completes["Escalate"]) <= 2  # only cut off at the horizon
    # the case ends when both paths are done: the escalation ends at 3 h + 2 h
    assert min(result.cycle_times_s) == pytest.approx(5 * HOUR)


def test_interrupting_timer_frees_the_staff_member_and_the_queue() -> None:
    params = SimulationParameters(
        arrivals=PoissonArrivals(2),
        activities={
            "review": ActivityParams(Exponential(HOUR), pool="desk"),
            "late": ActivityParams(Fixed(2 * HOUR)),
            "escalate": ActivityParams(Fixed(60)),
        },
        pools={"desk": PoolParams(1)},
        horizon_hours=1_000,
    )
    result = simulate(escalation_graph(interrupting=True), params, seed=3, record_log=True)
    # Overloaded (2 cases/h for one person doing 1 h each), yet no case stays open longer than
    # its timer: queued reviews are withdrawn too, and the desk keeps serving.
    assert max(result.cycle_times_s) <= 2 * HOUR + 60 + 1e-6
    assert result.wip_at_end <= 5
    starts = Counter(e.activity for e in result.log if e.lifecycle == "start")
    assert starts["Review"] > 500
    assert result.utilisation["desk"] > 0.9


def single_task(marker: Marker, cardinality: int | None = None) -> ProcessGraph:
    return (
        GraphBuilder()
        .node("start", NodeKind.START)
        .node("consult", NodeKind.TASK, "Consult", marker=marker, cardinality=cardinality)
        .node("end", NodeKind.END)
        .chain("start", "consult", "end")
        .build()
    )


def test_parallel_instances_run_at_once_when_there_is_staff_for_them() -> None:
    params = SimulationParameters(
        arrivals=PoissonArrivals(0.05),
        activities={"consult": ActivityParams(Fixed(HOUR), pool="advisers")},
        pools={"advisers": PoolParams(3)},
        horizon_hours=2_000,
    )
    result = simulate(single_task(Marker.PARALLEL, 3), params, seed=1, record_log=True)
    starts = Counter(e.case for e in result.log if e.lifecycle == "start")
    assert set(starts.values()) == {3}
    # One hour each, side by side; a case only waits when an earlier one is still running.
    assert statistics.median(result.cycle_times_s) == pytest.approx(HOUR)
    one_adviser = params.with_pool("advisers", PoolParams(1))
    alone = simulate(single_task(Marker.PARALLEL, 3), one_adviser, seed=1)
    assert statistics.median(alone.cycle_times_s) == pytest.approx(3 * HOUR)


def test_sequential_instances_run_one_after_another_and_the_count_can_be_set() -> None:
    params = SimulationParameters(
        arrivals=PoissonArrivals(0.05),
        activities={"consult": ActivityParams(Fixed(HOUR), pool="advisers", instances=4)},
        pools={"advisers": PoolParams(4)},
        horizon_hours=2_000,
    )
    result = simulate(single_task(Marker.SEQUENTIAL, 2), params, seed=1)
    assert statistics.median(result.cycle_times_s) == pytest.approx(4 * HOUR)


def test_a_loop_task_repeats_with_its_chance_of_rework() -> None:
    params = SimulationParameters(
        arrivals=PoissonArrivals(10),
        activities={"consult": ActivityParams(Fixed(60), repeat=0.5)},
        horizon_hours=1_000,
    )
    result = simulate(single_task(Marker.LOOP), params, seed=4, record_log=True)
    runs = Counter(e.case for e in result.log if e.lifecycle == "complete")
    # geometric number of runs: mean 1 / (1 - 0.5) = 2
    assert statistics.mean(runs.values()) == pytest.approx(2.0, rel=0.03)
    assert min(runs.values()) == 1


def test_a_multi_instance_task_without_a_count_runs_once_and_says_so() -> None:
    params = SimulationParameters(
        arrivals=PoissonArrivals(1), activities={"consult": ActivityParams(Fixed(60))}
    )
    result = simulate(single_task(Marker.PARALLEL), params, seed=1, record_log=True)
    assert any("multi-instance without a count" in note for note in result.notes)
    assert max(Counter(e.case for e in result.log).values()) == 2  # one start, one complete
