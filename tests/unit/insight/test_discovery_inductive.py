"""The inductive miner: cuts on small logs, perfect fitness, BPMN with a valid diagram."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from lxml import etree

from civicflow.insight.conformance import replay
from civicflow.insight.discovery import LOOP, PARALLEL, SEQUENCE, XOR, Tree, discover_bpmn
from civicflow.insight.discovery import discover_tree as mine_tree
from civicflow.insight.frame import ACTIVITY, CASE, TIMESTAMP, EventLog
from civicflow.insight.log import read_xes
from civicflow.model import ParallelGateway, Task, export_bpmn, parse_bpmn

XSD = Path(__file__).resolve().parents[4] / "shared" / "standards" / "bpmn-2.0.2-xsd" / "BPMN20.xsd"


def log(*cases: list[str]) -> EventLog:
    rows = []
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    for n, activities in enumerate(cases):
        for i, activity in enumerate(activities):
            rows.append((f"c{n}", activity, start + timedelta(minutes=i)))
    frame = pl.DataFrame(rows, schema={CASE: pl.String, ACTIVITY: pl.String,
                                       TIMESTAMP: pl.Datetime("us", "UTC")}, orient="row")
    return EventLog.from_frame(frame)


def leaf(name: str) -> Tree:
    return Tree(label=name)


def test_a_single_path_becomes_a_sequence() -> None:
    assert mine_tree(log(["a", "b", "c"])) == Tree(SEQUENCE, (leaf("a"), leaf("b"), leaf("c")))


def test_alternative_activities_become_an_exclusive_choice() -> None:
    tree = mine_tree(log(["a", "b", "d"], ["a", "c", "d"]))
    assert tree == Tree(SEQUENCE, (leaf("a"), Tree(XOR, (leaf("b"), leaf("c"))), leaf("d")))


def test_activities_seen_in_both_orders_become_parallel() -> None:
    tree = mine_tree(log(["a", "b", "c", "d"], ["a", "c", "b", "d"]))
    assert tree == Tree(SEQUENCE, (leaf("a"), Tree(PARALLEL, (leaf("b"), leaf("c"))), leaf("d")))


def test_a_repeated_part_becomes_a_loop_with_its_redo_activity() -> None:
    tree = mine_tree(log(["a", "b", "c"], ["a", "b", "x", "b", "c"]))
    assert tree == Tree(SEQUENCE, (leaf("a"), Tree(LOOP, (leaf("b"), leaf("x"))), leaf("c")))


def test_an_optional_activity_becomes_a_choice_with_a_silent_step() -> None:
    tree = mine_tree(log(["a", "b", "c"], ["a", "c"]))
    assert tree.operator == SEQUENCE
    assert Tree(XOR, (Tree(), leaf("b"))) in tree.children


def test_the_discovered_model_replays_its_own_log_perfectly() -> None:
    cases = log(["a", "b", "c", "d"], ["a", "c", "b", "d"], ["a", "e", "d"], ["a", "b", "c", "b",
                                                                              "c", "d"], ["d"])
    result = replay(cases, discover_bpmn(cases))
    assert result.fitness == 1.0
    assert result.fitting_cases == 5


def test_the_running_example_model_fits_its_log(shared_logs: Path) -> None:
    running = read_xes(shared_logs / "running-example.xes")
    model = discover_bpmn(running)
    assert replay(running, model).fitness == 1.0
    process = model.processes[0]
    assert {t.name for t in process.nodes if isinstance(t, Task)} == {
        str(a) for a in running.frame[ACTIVITY].unique()}
    assert any(isinstance(n, ParallelGateway) for n in process.nodes)


def test_exported_model_validates_against_the_omg_schema_and_reimports() -> None:
    if not XSD.is_file():
        pytest.skip(f"{XSD} not present")
    cases = log(["a", "b", "c", "d"], ["a", "c", "b", "d"], ["a", "e", "d", "a", "b", "c", "d"])
    model = discover_bpmn(cases)
    xml = export_bpmn(model)
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    document = etree.fromstring(xml)
    assert schema.validate(document), schema.error_log
    assert parse_bpmn(xml) == model


def test_every_node_and_flow_has_a_shape_or_edge_left_to_right() -> None:
    model = discover_bpmn(log(["a", "b", "c"], ["a", "c", "b"]))
    process = model.processes[0]
    plane = model.diagrams[0].plane
    shapes = {s.bpmn_element: s for s in model.diagrams[0].shapes}
    edges = {e.bpmn_element for e in model.diagrams[0].edges}
    assert plane.bpmn_element == process.id
    assert set(shapes) == {n.id for n in process.nodes}
    assert edges == {f.id for f in process.sequence_flows}
    for flow in process.sequence_flows:
        assert shapes[flow.source_ref].bounds.x < shapes[flow.target_ref].bounds.x
