"""The engine history mined as activity instances: claims mark when work starts, so edges,
bottlenecks and hand-offs measure the queue in the receiving department (decision 0304)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from civicflow.cli import app
from civicflow.insight import mining
from civicflow.insight.frame import EventLog
from civicflow.insight.history import read_history
from civicflow.insight.intervals import START, to_intervals
from civicflow.insight.log import ACTIVITY, CASE, LIFECYCLE, RESOURCE, TIMESTAMP
from civicflow.insight.report import build_report
from civicflow.testing import bpmn, chain

LANES = ('<bpmn:laneSet id="ls">'
         '<bpmn:lane id="l1" name="Front Office"><bpmn:flowNodeRef>s</bpmn:flowNodeRef>'
         "<bpmn:flowNodeRef>intake</bpmn:flowNodeRef></bpmn:lane>"
         '<bpmn:lane id="l2" name="Zoning"><bpmn:flowNodeRef>review</bpmn:flowNodeRef>'
         "<bpmn:flowNodeRef>e</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>")
MODEL = bpmn(LANES + '<bpmn:startEvent id="s"/><bpmn:userTask id="intake" name="Intake"/>'
             '<bpmn:userTask id="review" name="Review"/><bpmn:endEvent id="e"/>'
             + chain("s", "intake", "review", "e"))
HOUR = 3600.0


def _work(engine: Any, clock: Any, element: str, queue: float, work: float, who: str) -> None:
    [task] = engine.tasks(element_id=element)
    clock.advance(timedelta(hours=queue))
    engine.claim(task.id, who)
    clock.advance(timedelta(hours=work))
    engine.complete(task.id)


def test_claims_turn_hand_offs_into_queue_waits_without_self_edges(
        engine: Any, clock: Any, database_url: str) -> None:
    engine.deploy(MODEL)
    engine.start("p")
    _work(engine, clock, "intake", queue=1, work=0.5, who="alice")
    _work(engine, clock, "review", queue=3, work=1, who="bob")

    events = read_history(database_url)
    assert events.frame[LIFECYCLE].to_list() == ["schedule", "start", "complete"] * 2
    assert events.frame[RESOURCE].to_list() == [None, "alice", "alice", None, "bob", "bob"]

    mined = CliRunner().invoke(app, ["mine", database_url, "--json"])
    assert mined.exit_code == 0, mined.output
    figures = json.loads(mined.output)
    assert figures["events"] == 2
    assert [(e["source"], e["target"], e["count"], e["mean_s"]) for e in figures["dfg"]] == [
        ("Intake", "Review", 1, 3 * HOUR)]  # complete -> claim: the queue in Zoning
    assert [(h["source"], h["target"], h["total_wait_s"]) for h in figures["handoffs"]] == [
        ("Front Office", "Zoning", 3 * HOUR)]
    assert figures["case_duration_s"]["mean"] == 5.5 * HOUR  # from the first task's arrival

    report = build_report(to_intervals(events))
    work = {r["activity"]: r["mean_s"] for r in report.service_times}
    assert work == {"Intake": 0.5 * HOUR, "Review": 1 * HOUR}


def test_a_task_claimed_again_after_an_unclaim_resumes_and_keeps_its_first_work_start(
        engine: Any, clock: Any, database_url: str) -> None:
    engine.deploy(MODEL)
    engine.start("p")
    [task] = engine.tasks(element_id="intake")
    clock.advance(timedelta(hours=1))
    engine.claim(task.id, "alice")
    clock.advance(timedelta(hours=1))
    engine.unclaim(task.id)
    clock.advance(timedelta(hours=1))
    engine.claim(task.id, "bob")
    clock.advance(timedelta(hours=1))
    engine.complete(task.id)
    events = read_history(database_url).frame
    assert events[LIFECYCLE].to_list()[:5] == [
        "schedule", "start", "suspend", "resume", "complete"]
    [intake] = build_report(to_intervals(read_history(database_url))).service_times
    assert intake["mean_s"] == 3 * HOUR  # from alice's claim to bob's completion


def test_events_option_mines_every_lifecycle_event_with_its_self_edges(
        engine: Any, clock: Any, database_url: str) -> None:
    engine.deploy(MODEL)
    engine.start("p")
    _work(engine, clock, "intake", queue=1, work=0.5, who="alice")
    mined = CliRunner().invoke(app, ["mine", database_url, "--json", "--events"])
    assert mined.exit_code == 0, mined.output
    edges = {(e["source"], e["target"]) for e in json.loads(mined.output)["dfg"]}
    assert ("Intake", "Intake") in edges


def _log(rows: list[tuple[str, str, str | None, int]]) -> EventLog:
    base = datetime(2026, 1, 5, 9, tzinfo=UTC)
    return EventLog.from_frame(pl.DataFrame({
        CASE: [r[0] for r in rows], ACTIVITY: [r[1] for r in rows],
        LIFECYCLE: [r[2] for r in rows],
        TIMESTAMP: [base + timedelta(minutes=r[3]) for r in rows],
    }))


def test_instances_pair_lifecycle_events_in_order_and_leave_open_ones_out() -> None:
    log = _log([
        ("c1", "A", "schedule", 0), ("c1", "A", "start", 10), ("c1", "A", "complete", 20),
        ("c1", "B", "schedule", 20), ("c1", "B", "complete", 50),  # nobody claimed B
        ("c1", "A", "schedule", 50), ("c1", "A", "start", 55),  # A again, still open
        ("c2", "A", "complete", 5),  # a completion alone is an instance of its own
    ])
    rows = to_intervals(log).frame
    assert rows[CASE].to_list() == ["c1", "c1", "c2"]
    assert rows[ACTIVITY].to_list() == ["A", "B", "A"]
    minutes = [(s - rows[START][0]).total_seconds() / 60 for s in rows[START]]
    assert minutes == [0, 10, -5]  # work start of A; B's first event; c2's own time
    waits = mining.dfg(to_intervals(log))
    assert [(e.source, e.target, e.mean_s) for e in waits] == [("A", "B", 0.0)]


@pytest.mark.parametrize("name", ["running-example.xes", "receipt.xes.gz"])
def test_a_log_of_completions_gives_the_same_dfg_as_instances(
        shared_logs: Any, name: str) -> None:
    from civicflow.insight.log import read_xes

    log = read_xes(shared_logs / name)
    as_events = [(e.source, e.target, e.count, e.mean_s) for e in mining.dfg(log)]
    as_instances = [(e.source, e.target, e.count, e.mean_s)
                    for e in mining.dfg(to_intervals(log))]
    assert as_instances == as_events


def test_intervals_option_folds_the_lifecycle_events_of_a_file(write_xes: Any) -> None:
    def event(name: str, life: str, minute: int) -> str:
        return (f'<event><string key="concept:name" value="{name}"/>'
                f'<string key="lifecycle:transition" value="{life}"/>'
                f'<date key="time:timestamp" value="2026-01-05T09:{minute:02d}:00+00:00"/>'
                "</event>")

    path = write_xes('<trace><string key="concept:name" value="c1"/>'
                     + event("A", "start", 0) + event("A", "complete", 10)
                     + event("B", "start", 25) + event("B", "complete", 30) + "</trace>")
    runner = CliRunner()
    folded = json.loads(runner.invoke(app, ["mine", str(path), "--json", "--intervals"]).output)
    assert [(e["source"], e["target"], e["mean_s"]) for e in folded["dfg"]] == [
        ("A", "B", 15 * 60.0)]
    every = json.loads(runner.invoke(app, ["mine", str(path), "--json"]).output)
    assert every["events"] == 4  # a file keeps every event by default (as pm4py)
