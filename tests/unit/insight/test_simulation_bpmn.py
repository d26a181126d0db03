"""Simulating a BPMN model: the reference permit process with pools named in a parameter file."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from civicflow.insight.simulation import (
    ActivityParams,
    Exponential,
    Marker,
    NodeKind,
    PoissonArrivals,
    PoolParams,
    SimulationParameters,
    compare,
    simulate,
)
from civicflow.insight.simulation.bpmn import graph_from_bpmn
from civicflow.insight.simulation.params_file import load_parameters
from civicflow.model import parse_bpmn

EXAMPLES = Path(__file__).parents[3] / "examples"
MODEL = EXAMPLES / "reference_permit.bpmn"
PARAMS = EXAMPLES / "reference_permit_params.yaml"

LANES = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">
  <process id="p" isExecutable="true">
    <laneSet id="ls">
      <lane id="l1" name="Front office"><flowNodeRef>s</flowNodeRef>
        <flowNodeRef>register</flowNodeRef></lane>
      <lane id="l2" name="Zoning"><flowNodeRef>review</flowNodeRef>
        <flowNodeRef>e</flowNodeRef></lane>
    </laneSet>
    <startEvent id="s"/>
    <userTask id="register" name="Register"/>
    <userTask id="review" name="Zoning review">
      <standardLoopCharacteristics/>
    </userTask>
    <boundaryEvent id="late" attachedToRef="review"><timerEventDefinition/></boundaryEvent>
    <endEvent id="e"/>
    <endEvent id="escalated"/>
    <sequenceFlow id="f1" sourceRef="s" targetRef="register"/>
    <sequenceFlow id="f2" sourceRef="register" targetRef="review"/>
    <sequenceFlow id="f3" sourceRef="review" targetRef="e"/>
    <sequenceFlow id="f4" sourceRef="late" targetRef="escalated"/>
  </process>
</definitions>
"""


def test_reference_permit_becomes_a_graph_with_its_gateways_and_tasks() -> None:
    graph = graph_from_bpmn(parse_bpmn(MODEL))
    kinds = {node.id: node.kind for node in graph.nodes.values()}
    assert kinds["route"] is NodeKind.EXCLUSIVE
    assert kinds["split"] is NodeKind.PARALLEL
    assert kinds["join"] is NodeKind.PARALLEL
    assert {n.id for n in graph.tasks()} == {
        "intake",
        "manual_review",
        "auto_check",
        "calc_fee",
        "prepare_notice",
        "approve",
    }
    assert [n.id for n in graph.start_nodes] == ["start"]


def test_lanes_become_pools_and_boundary_events_stay_attached_to_their_task() -> None:
    graph = graph_from_bpmn(parse_bpmn(LANES))
    assert graph.nodes["register"].lane == "Front office"
    assert graph.nodes["review"].lane == "Zoning"
    late = graph.nodes["late"]
    assert late.kind is NodeKind.BOUNDARY
    assert late.attached_to == "review"
    assert late.cancel_activity
    assert graph.flows["f4"].target == "escalated"
    assert [n.id for n in graph.entry_nodes] == ["s"]
    run = simulate(graph, SimulationParameters(arrivals=PoissonArrivals(1)), seed=1)
    assert any("late: no delay given; it never fires" in note for note in run.notes)


def test_reference_permit_runs_with_pools_from_the_parameter_file() -> None:
    graph = graph_from_bpmn(parse_bpmn(MODEL))
    params = load_parameters(PARAMS).params
    run = simulate(graph, params, seed=1, record_log=True)
    groups = {e.activity: e.group for e in run.log}
    assert groups["Review application"] == "Zoning"
    assert groups["Register application"] == "Front office"
    assert groups["Calculate fee"] is None
    reviewers = {e.resource for e in run.log if e.activity == "Review application"}
    assert reviewers == {"A. Jansen", "B. de Vries", "C. Bakker"}
    routes = Counter(e.activity for e in run.log if e.lifecycle == "complete")
    reviewed, automatic = routes["Review application"], routes["Check registry (service)"]
    assert reviewed / (reviewed + automatic) == pytest.approx(0.5, abs=0.06)
    assert run.notes == ()


def test_more_zoning_staff_shortens_the_permit_cycle_time() -> None:
    file = load_parameters(PARAMS)
    graph = graph_from_bpmn(parse_bpmn(MODEL))
    result = compare(graph, file.params, [file.scenarios["more_zoning_staff"]], runs=4, seed=3)
    baseline, more = (r.estimates for r in result.results)
    assert more["waiting_mean_h[Review application]"].high < (
        baseline["waiting_mean_h[Review application]"].low
    )
    assert more["cycle_time_mean_h"].mean < baseline["cycle_time_mean_h"].mean


def test_choosing_a_process_that_does_not_exist_names_the_ones_that_do() -> None:
    with pytest.raises(ValueError, match="permit_application"):
        graph_from_bpmn(parse_bpmn(MODEL), process_id="nope")


MIWG = Path(__file__).resolve().parents[4] / "shared" / "data" / "bpmn" / "miwg-reference"


def test_every_miwg_reference_process_simulates_without_losing_cases() -> None:
    if not MIWG.is_dir():
        pytest.skip("shared data not present")
    simulated = 0
    for path in sorted(MIWG.glob("*.bpmn")):
        for process in parse_bpmn(path).processes:
            graph = graph_from_bpmn(process)
            # Staff enough for every task at once: any case still open long after its
            # ten-minute tasks would be a token stuck at a join, not a queue.
            params = SimulationParameters(
                arrivals=PoissonArrivals(2.0),
                activities={
                    t.id: ActivityParams(Exponential(600.0), pool="everyone") for t in graph.tasks()
                },
                pools={"everyone": PoolParams(1_000)},
                horizon_hours=48,
            )
            run = simulate(graph, params, seed=1)
            assert run.cases_started > 50, (path.name, process.id)
            finished = len(run.cycle_times_s)
            assert finished >= 0.9 * run.cases_started, (path.name, process.id)
            simulated += 1
    assert simulated >= 30


MARKERS = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
             xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="x">
  <process id="p" isExecutable="true">
    <startEvent id="s"/>
    <userTask id="consult" name="Consult departments">
      <multiInstanceLoopCharacteristics isSequential="true">
        <loopCardinality xsi:type="tFormalExpression">3</loopCardinality>
      </multiInstanceLoopCharacteristics>
    </userTask>
    <userTask id="fix" name="Fix application"><standardLoopCharacteristics/></userTask>
    <endEvent id="e"/>
    <sequenceFlow id="f1" sourceRef="s" targetRef="consult"/>
    <sequenceFlow id="f2" sourceRef="consult" targetRef="fix"/>
    <sequenceFlow id="f3" sourceRef="fix" targetRef="e"/>
  </process>
</definitions>
"""


def test_loop_and_multi_instance_markers_come_from_the_model() -> None:
    graph = graph_from_bpmn(parse_bpmn(MARKERS))
    assert graph.nodes["consult"].marker is Marker.SEQUENTIAL
    assert graph.nodes["consult"].cardinality == 3
    assert graph.nodes["fix"].marker is Marker.LOOP
