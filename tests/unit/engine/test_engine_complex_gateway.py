"""The complex gateway: fires when its activation condition holds on the tokens arrived so far,
then resets when the remaining tokens arrive (BPMN 2.0.2 table 13.5)."""

from __future__ import annotations

from typing import Any

from civicflow.testing import bpmn, chain, flow


def _model(activation: str | None, late_flow: bool = False) -> str:
    condition = (
        f'<bpmn:activationCondition xsi:type="bpmn:tFormalExpression">{activation}'
        "</bpmn:activationCondition>" if activation is not None else ""
    )
    late = (flow("cg", "late", "=not(waitingForStart)")
            + '<bpmn:userTask id="late"/><bpmn:endEvent id="le"/>' + chain("late", "le")
            if late_flow else "")
    return bpmn(
        '<bpmn:startEvent id="s"/><bpmn:parallelGateway id="fork"/>'
        '<bpmn:userTask id="legal"/><bpmn:userTask id="finance"/><bpmn:userTask id="tech"/>'
        f'<bpmn:complexGateway id="cg">{condition}</bpmn:complexGateway>'
        '<bpmn:userTask id="decide"/><bpmn:endEvent id="e"/>'
        + chain("s", "fork") + "".join(chain("fork", r, "cg") for r in ("legal", "finance", "tech"))
        + flow("cg", "decide", "=waitingForStart" if late_flow else None)
        + chain("decide", "e") + late)


def open_tasks(engine: Any, inst: Any) -> list[str]:
    return sorted(t.element_id for t in engine.tasks(instance_id=inst.id))


def complete(engine: Any, inst: Any, element_id: str) -> None:
    task = next(t for t in engine.tasks(instance_id=inst.id) if t.element_id == element_id)
    engine.complete(task.id)


def test_complex_gateway_fires_once_two_of_three_reviews_arrived(engine: Any) -> None:
    engine.deploy(_model("=activationCount &gt;= 2"))
    inst = engine.start("p")
    complete(engine, inst, "legal")
    assert open_tasks(engine, inst) == ["finance", "tech"]
    complete(engine, inst, "tech")
    assert open_tasks(engine, inst) == ["decide", "finance"]
    log = [(h.element_id, h.kind) for h in engine.history(inst.id)]
    assert log.count(("cg", "start")) == 1
    assert ("decide", "start") in log
    complete(engine, inst, "finance")  # the late review resets the gateway; nothing new starts
    assert open_tasks(engine, inst) == ["decide"]
    complete(engine, inst, "decide")
    assert engine.instance(inst.id).state == "completed"
    log = [(h.element_id, h.kind) for h in engine.history(inst.id)]
    assert log.count(("cg", "start")) == 1
    assert log.index(("cg", "end")) < log.index(("finance", "end"))


def test_complex_gateway_reset_feeds_flows_whose_condition_holds_at_the_reset(
    engine: Any,
) -> None:
    engine.deploy(_model("=activationCount &gt;= 2", late_flow=True))
    inst = engine.start("p")
    complete(engine, inst, "legal")
    complete(engine, inst, "finance")
    assert open_tasks(engine, inst) == ["decide", "tech"]  # 'late' is not taken at activation
    complete(engine, inst, "tech")
    assert open_tasks(engine, inst) == ["decide", "late"]


def test_complex_gateway_condition_can_name_an_incoming_flow(engine: Any) -> None:
    engine.deploy(_model('=get value(activationCounts, "f_legal_cg") &gt; 0'))
    inst = engine.start("p")
    complete(engine, inst, "tech")
    complete(engine, inst, "finance")
    assert open_tasks(engine, inst) == ["legal"]  # legal must be among the arrived reviews
    complete(engine, inst, "legal")
    assert open_tasks(engine, inst) == ["decide"]


def test_complex_gateway_without_activation_condition_waits_for_every_token(
    engine: Any,
) -> None:
    engine.deploy(_model(None))
    inst = engine.start("p")
    complete(engine, inst, "legal")
    complete(engine, inst, "tech")
    assert open_tasks(engine, inst) == ["finance"]
    complete(engine, inst, "finance")
    assert open_tasks(engine, inst) == ["decide"]


def test_complex_gateway_activation_condition_error_raises_an_incident(engine: Any) -> None:
    engine.deploy(_model("=missing &gt; 1"))
    inst = engine.start("p")
    complete(engine, inst, "legal")
    complete(engine, inst, "tech")
    [incident] = engine.incidents(instance_id=inst.id)
    assert incident.element_id == "cg"
    assert "activation condition" in incident.message
    engine.set_variables(inst.id, {"missing": 5})
    engine.retry(incident.id)
    assert open_tasks(engine, inst) == ["decide", "finance"]
    log = [(h.element_id, h.kind) for h in engine.history(inst.id)]
    assert log.count(("cg", "start")) == 1
    assert ("decide", "start") in log
