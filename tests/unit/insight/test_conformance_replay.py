"""Token-based replay of small hand-made logs on small hand-made BPMN models."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from civicflow.insight.conformance import replay
from civicflow.insight.frame import ACTIVITY, CASE, TIMESTAMP, EventLog
from civicflow.insight.petri import NetError, workflow_net
from civicflow.model import Definitions, parse_bpmn

NS = 'xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"'


def model(body: str) -> Definitions:
    """A one-process BPMN model whose process holds ``body``."""
    return parse_bpmn(
        f'<definitions {NS} id="d" targetNamespace="t"><process id="p">{body}</process>'
        "</definitions>"
    )


def flows(*pairs: str) -> str:
    """Sequence flows written as 'source>target'."""
    out = []
    for i, pair in enumerate(pairs):
        source, target = pair.split(">")
        out.append(f'<sequenceFlow id="f{i}" sourceRef="{source}" targetRef="{target}"/>')
    return "".join(out)


def log(*cases: list[str]) -> EventLog:
    """A log with one case per list of activities, one minute apart."""
    rows = []
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    for n, activities in enumerate(cases):
        for i, activity in enumerate(activities):
            rows.append((f"c{n}", activity, start + timedelta(minutes=i)))
    frame = pl.DataFrame(rows, schema={CASE: pl.String, ACTIVITY: pl.String,
                                       TIMESTAMP: pl.Datetime("us", "UTC")}, orient="row")
    return EventLog.from_frame(frame)


SEQUENCE = model(
    '<startEvent id="s"/><task id="a" name="A"/><task id="b" name="B"/><task id="c" name="C"/>'
    '<endEvent id="e"/>' + flows("s>a", "a>b", "b>c", "c>e")
)
CHOICE_AND_PARALLEL = model(
    '<startEvent id="s"/><exclusiveGateway id="x1"/><task id="a" name="A"/>'
    '<task id="b" name="B"/><exclusiveGateway id="x2"/><parallelGateway id="p1"/>'
    '<task id="c" name="C"/><task id="d" name="D"/><parallelGateway id="p2"/><endEvent id="e"/>'
    + flows("s>x1", "x1>a", "x1>b", "a>x2", "b>x2", "x2>p1", "p1>c", "p1>d", "c>p2", "d>p2",
            "p2>e")
)
INCLUSIVE = model(
    '<startEvent id="s"/><inclusiveGateway id="i1"/><task id="a" name="A"/>'
    '<task id="b" name="B"/><inclusiveGateway id="i2"/><task id="z" name="Z"/>'
    '<endEvent id="e"/>' + flows("s>i1", "i1>a", "i1>b", "a>i2", "b>i2", "i2>z", "z>e")
)
SUBPROCESS = model(
    '<startEvent id="s"/><subProcess id="sp"><startEvent id="ss"/><task id="a" name="A"/>'
    '<endEvent id="se"/>' + flows("ss>a", "a>se").replace('id="f', 'id="g')
    + '</subProcess><task id="b" name="B"/><endEvent id="e"/>' + flows("s>sp", "sp>b", "b>e")
)


def test_a_log_that_follows_the_model_has_fitness_one_and_no_deviations() -> None:
    result = replay(log(["A", "B", "C"], ["A", "B", "C"]), SEQUENCE)
    assert result.fitness == 1.0
    assert result.fitting_cases == 2
    assert result.deviations == ()


def test_a_skipped_activity_costs_one_missing_and_one_remaining_token() -> None:
    # source, A, C (forced), final: 4 tokens produced and consumed with the reduced net;
    # one token is missing before C and one is left before B.
    result = replay(log(["A", "C"]), SEQUENCE)
    variant = result.variants[0]
    assert (variant.missing, variant.remaining) == (1, 1)
    assert variant.fitness == pytest.approx(
        0.5 * (1 - 1 / variant.consumed) + 0.5 * (1 - 1 / variant.produced))
    assert ("B", "skipped") in variant.deviations
    assert result.fitness < 1.0


def test_an_activity_that_is_not_in_the_model_is_reported_and_costs_no_tokens() -> None:
    result = replay(log(["A", "X", "B", "C"]), SEQUENCE)
    assert result.fitness == 1.0
    assert result.fitting_cases == 0
    assert [(d.activity, d.kind, d.cases) for d in result.deviations] == [
        ("X", "not_in_model", 1)]


def test_swapped_activities_are_reported_out_of_order() -> None:
    result = replay(log(["B", "A", "C"]), SEQUENCE)
    kinds = {(d.activity, d.kind) for d in result.deviations}
    assert ("B", "out_of_order") in kinds
    assert result.fitness < 1.0


def test_a_repeated_activity_is_reported_inserted() -> None:
    result = replay(log(["A", "B", "B", "C"]), SEQUENCE)
    assert ("B", "inserted") in {(d.activity, d.kind) for d in result.deviations}


def test_either_branch_of_a_choice_and_any_order_of_parallel_branches_fit() -> None:
    cases = log(["A", "C", "D"], ["B", "D", "C"], ["A", "D", "C"])
    assert replay(cases, CHOICE_AND_PARALLEL).fitness == 1.0


def test_both_branches_of_an_exclusive_choice_do_not_fit() -> None:
    assert replay(log(["A", "B", "C", "D"]), CHOICE_AND_PARALLEL).fitness < 1.0


def test_a_missing_parallel_branch_is_reported_skipped() -> None:
    result = replay(log(["A", "C"]), CHOICE_AND_PARALLEL)
    assert ("D", "skipped") in {(d.activity, d.kind) for d in result.deviations}


def test_an_inclusive_gateway_accepts_one_or_several_branches() -> None:
    cases = log(["A", "Z"], ["B", "Z"], ["A", "B", "Z"], ["B", "A", "Z"])
    assert replay(cases, INCLUSIVE).fitness == 1.0


def test_an_embedded_subprocess_is_replayed_in_place() -> None:
    assert replay(log(["A", "B"]), SUBPROCESS).fitness == 1.0
    assert replay(log(["B", "A"]), SUBPROCESS).fitness < 1.0


def test_fitness_per_case_is_given_for_every_case() -> None:
    result = replay(log(["A", "B", "C"], ["A", "C"]), SEQUENCE)
    per_case = dict(result.case_fitness.select(CASE, "fitness").iter_rows())
    assert per_case["c0"] == 1.0
    assert per_case["c1"] < 1.0
    assert result.average_case_fitness == pytest.approx((1.0 + per_case["c1"]) / 2)


def test_the_net_has_one_labelled_transition_per_task() -> None:
    net = workflow_net(CHOICE_AND_PARALLEL)
    labels = [t.label for t in net.transitions if t.label is not None]
    assert sorted(labels) == ["A", "B", "C", "D"]


def test_a_model_without_a_process_is_refused_with_a_message() -> None:
    empty = parse_bpmn(f'<definitions {NS} id="d" targetNamespace="t"/>')
    with pytest.raises(NetError, match="no process with activities"):
        workflow_net(empty)


def test_a_process_is_chosen_by_id_and_an_unknown_id_is_refused() -> None:
    assert workflow_net(SEQUENCE, "p").labels == {"A", "B", "C"}
    with pytest.raises(NetError, match="no process 'other'"):
        workflow_net(SEQUENCE, "other")


TWO_ENDS = model(
    '<startEvent id="s"/><parallelGateway id="p1"/><task id="a" name="A"/><task id="b" name="B"/>'
    '<endEvent id="e1"/><endEvent id="e2"/><exclusiveGateway id="x"/><task id="c" name="C"/>'
    '<endEvent id="e3"/>'
    + flows("s>x", "x>p1", "x>c", "c>e3", "p1>a", "p1>b", "a>e1", "b>e2")
)


def test_parallel_branches_that_end_in_their_own_end_events_complete_the_case() -> None:
    assert replay(log(["A", "B"], ["B", "A"], ["C"]), TWO_ENDS).fitness == 1.0


def test_a_branch_that_never_reached_its_end_event_leaves_the_case_unfinished() -> None:
    result = replay(log(["A"]), TWO_ENDS)
    assert result.fitness < 1.0
    assert ("B", "skipped") in {(d.activity, d.kind) for d in result.deviations}


def test_task_names_broken_over_lines_match_log_activities_on_one_line() -> None:
    broken = model(
        '<startEvent id="s"/><task id="a" name="Review&#10;application"/><endEvent id="e"/>'
        + flows("s>a", "a>e"))
    assert replay(log(["Review application"]), broken).fitness == 1.0
