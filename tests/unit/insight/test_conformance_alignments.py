"""Alignments explain each variant optimally: synchronous, log and model moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from civicflow.insight.alignments import AlignmentTooLargeError, Move, align
from civicflow.insight.frame import ACTIVITY, CASE, TIMESTAMP, EventLog
from civicflow.model import Definitions, parse_bpmn

NS = 'xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"'
MODEL = parse_bpmn(
    f'<definitions {NS} id="d" targetNamespace="t"><process id="p"><startEvent id="s"/>'
    '<task id="a" name="A"/><exclusiveGateway id="x1"/><task id="b" name="B"/>'
    '<task id="c" name="C"/><exclusiveGateway id="x2"/><task id="d" name="D"/><endEvent id="e"/>'
    '<sequenceFlow id="f1" sourceRef="s" targetRef="a"/>'
    '<sequenceFlow id="f2" sourceRef="a" targetRef="x1"/>'
    '<sequenceFlow id="f3" sourceRef="x1" targetRef="b"/>'
    '<sequenceFlow id="f4" sourceRef="x1" targetRef="c"/>'
    '<sequenceFlow id="f5" sourceRef="b" targetRef="x2"/>'
    '<sequenceFlow id="f6" sourceRef="c" targetRef="x2"/>'
    '<sequenceFlow id="f7" sourceRef="x2" targetRef="d"/>'
    '<sequenceFlow id="f8" sourceRef="d" targetRef="e"/></process></definitions>'
)


def log(*cases: list[str]) -> EventLog:
    rows = []
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    for n, activities in enumerate(cases):
        for i, activity in enumerate(activities):
            rows.append((f"c{n}", activity, start + timedelta(minutes=i)))
    frame = pl.DataFrame(rows, schema={CASE: pl.String, ACTIVITY: pl.String,
                                       TIMESTAMP: pl.Datetime("us", "UTC")}, orient="row")
    return EventLog.from_frame(frame)


def kinds(model: Definitions, trace: list[str]) -> list[tuple[str, str | None]]:
    (variant,) = align(log(trace), model).variants
    return [(m.kind, m.activity) for m in variant.moves]


def test_a_fitting_case_aligns_with_synchronous_moves_only() -> None:
    result = align(log(["A", "C", "D"]), MODEL)
    assert result.fitness == 1.0
    assert all(m.kind == "sync" for m in result.variants[0].moves)


def test_a_skipped_activity_is_a_model_move() -> None:
    assert kinds(MODEL, ["A", "D"]) in (
        [("sync", "A"), ("model", "B"), ("sync", "D")],
        [("sync", "A"), ("model", "C"), ("sync", "D")],
    )


def test_an_extra_event_is_a_log_move() -> None:
    assert kinds(MODEL, ["A", "B", "X", "D"]) == [
        ("sync", "A"), ("sync", "B"), ("log", "X"), ("sync", "D")]


def test_fitness_counts_deviations_against_events_plus_the_shortest_run() -> None:
    # one log move; 4 events; the shortest model run has 3 visible steps
    (variant,) = align(log(["A", "B", "C", "D"]), MODEL).variants
    assert variant.deviations == 1
    assert variant.fitness == pytest.approx(1 - 1 / (4 + 3))
    assert Move("log", "C", None) in variant.moves or Move("log", "B", None) in variant.moves


def test_a_search_that_grows_too_large_stops_with_advice() -> None:
    with pytest.raises(AlignmentTooLargeError, match="token replay"):
        align(log(["X"] * 30), MODEL, max_states=20)
