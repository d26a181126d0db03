"""Boundary events of a multi-instance activity belong to the activity as a whole (BPMN 2.0.2:
they are attached to the multi-instance body), not to each inner instance."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from civicflow.testing import bpmn, chain

PARALLEL = ('<bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements>'
            '<zeebe:loopCharacteristics inputCollection="=items" inputElement="item"/>'
            "</bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics>")
JOB = ('<bpmn:extensionElements><zeebe:taskDefinition type="check"/>'
       "</bpmn:extensionElements>")
ERROR_BOUNDARY = ('<bpmn:boundaryEvent id="failed" attachedToRef="review">'
                  "<bpmn:errorEventDefinition/></bpmn:boundaryEvent>")
AFTER = ('<bpmn:endEvent id="e"/><bpmn:userTask id="escalate"/><bpmn:endEvent id="e2"/>')


def _outcome(engine: Any, inst: Any) -> list[tuple[str, str]]:
    [task] = engine.tasks(instance_id=inst.id)
    assert task.element_id == "escalate"
    engine.complete(task.id)
    assert engine.instance(inst.id).state == "completed"
    assert engine.jobs(instance_id=inst.id) == []
    return [(h.element_id, h.kind) for h in engine.history(inst.id)]


def test_a_boundary_timer_of_a_multi_instance_activity_interrupts_the_whole_activity_once(
    engine: Any, clock: Any,
) -> None:
    # each inner instance used to start its own copy of the timer; the first copy to fire
    # interrupted one item and ran the boundary path inside it, and the body then completed
    engine.deploy(bpmn(
        f'<bpmn:startEvent id="s"/><bpmn:userTask id="review">{PARALLEL}</bpmn:userTask>'
        '<bpmn:boundaryEvent id="late" attachedToRef="review"><bpmn:timerEventDefinition>'
        "<bpmn:timeDuration>P1D</bpmn:timeDuration></bpmn:timerEventDefinition>"
        "</bpmn:boundaryEvent>" + AFTER + chain("s", "review", "e")
        + chain("late", "escalate", "e2")))
    inst = engine.start("p", {"items": [1, 2, 3]})
    assert [j.element_id for j in engine.jobs(instance_id=inst.id)] == ["late"]
    clock.advance(timedelta(days=1))
    engine.run_due_jobs()
    log = _outcome(engine, inst)
    assert log.count(("late", "start")) == 1
    assert log.count(("review", "cancel")) == 4  # three items and the body
    assert ("e", "start") not in log


def test_an_error_from_one_item_is_caught_by_the_boundary_of_the_whole_activity(
    engine: Any,
) -> None:
    engine.deploy(bpmn(
        f'<bpmn:startEvent id="s"/><bpmn:serviceTask id="review">{JOB}{PARALLEL}'
        "</bpmn:serviceTask>" + ERROR_BOUNDARY + AFTER + chain("s", "review", "e")
        + chain("failed", "escalate", "e2")))
    inst = engine.start("p", {"items": [1, 2, 3]})
    first = engine.jobs(instance_id=inst.id)[0]
    engine.throw_error(first.id, "INVALID")  # the other items stop too
    log = _outcome(engine, inst)
    assert log.count(("review", "cancel")) == 4
    assert ("e", "start") not in log


def test_an_error_end_event_inside_one_item_of_a_subprocess_interrupts_every_item(
    engine: Any,
) -> None:
    inner = ('<bpmn:startEvent id="vs"/><bpmn:exclusiveGateway id="ok" default="f_ok"/>'
             '<bpmn:userTask id="work"/><bpmn:endEvent id="ve"/>'
             '<bpmn:endEvent id="bad"><bpmn:errorEventDefinition/></bpmn:endEvent>'
             '<bpmn:sequenceFlow id="f_bad" sourceRef="ok" targetRef="bad">'
             '<bpmn:conditionExpression>=item = 2</bpmn:conditionExpression>'
             '</bpmn:sequenceFlow><bpmn:sequenceFlow id="f_ok" sourceRef="ok" targetRef="work"/>'
             + chain("vs", "ok") + chain("work", "ve"))
    engine.deploy(bpmn(
        f'<bpmn:startEvent id="s"/><bpmn:subProcess id="review">{PARALLEL}{inner}'
        "</bpmn:subProcess>" + ERROR_BOUNDARY + AFTER + chain("s", "review", "e")
        + chain("failed", "escalate", "e2")))
    inst = engine.start("p", {"items": [1, 2, 3]})
    log = _outcome(engine, inst)  # item 2 failed: the work of items 1 and 3 was withdrawn
    assert log.count(("work", "cancel")) == 2
    assert log.count(("failed", "start")) == 1
    assert ("e", "start") not in log
