"""Non-interrupting conditional events fire on every change of their condition from false to
true (BPMN 2.0.2, 10.5.1), not once and not on every variable change while it stays true."""

from __future__ import annotations

from typing import Any

from civicflow.testing import bpmn, chain

URGENT = ('<bpmn:conditionalEventDefinition><bpmn:condition xsi:type="bpmn:tFormalExpression">'
          "=urgent = true</bpmn:condition></bpmn:conditionalEventDefinition>")


def open_tasks(engine: Any, inst: Any) -> list[str]:
    return sorted(t.element_id for t in engine.tasks(instance_id=inst.id))


def _boundary(interrupting: bool) -> str:
    cancel = "true" if interrupting else "false"
    return bpmn(
        '<bpmn:startEvent id="s"/><bpmn:userTask id="work"/><bpmn:endEvent id="e"/>'
        f'<bpmn:boundaryEvent id="b" attachedToRef="work" cancelActivity="{cancel}">'
        + URGENT + '</bpmn:boundaryEvent><bpmn:userTask id="notify"/><bpmn:endEvent id="e2"/>'
        + chain("s", "work", "e") + chain("b", "notify", "e2"))


def test_non_interrupting_conditional_boundary_fires_again_after_its_condition_was_false(
    engine: Any,
) -> None:
    engine.deploy(_boundary(interrupting=False))
    inst = engine.start("p", {"urgent": False})
    engine.set_variables(inst.id, {"urgent": True})
    assert open_tasks(engine, inst) == ["notify", "work"]
    engine.set_variables(inst.id, {"urgent": False})
    engine.set_variables(inst.id, {"urgent": True})
    assert open_tasks(engine, inst) == ["notify", "notify", "work"]


def test_non_interrupting_conditional_boundary_does_not_fire_again_while_it_stays_true(
    engine: Any,
) -> None:
    engine.deploy(_boundary(interrupting=False))
    inst = engine.start("p", {"urgent": True})
    assert open_tasks(engine, inst) == ["notify", "work"]
    engine.set_variables(inst.id, {"urgent": True, "note": "still urgent"})
    engine.set_variables(inst.id, {"note": "something else changed"})
    assert open_tasks(engine, inst) == ["notify", "work"]


def test_a_condition_that_cannot_be_evaluated_counts_as_false_and_rearms_the_boundary(
    engine: Any,
) -> None:
    engine.deploy(_boundary(interrupting=False))
    inst = engine.start("p", {"urgent": True})
    engine.set_variables(inst.id, {"urgent": "not a boolean"})
    engine.set_variables(inst.id, {"urgent": True})
    assert open_tasks(engine, inst) == ["notify", "notify", "work"]


def test_interrupting_conditional_boundary_still_fires_only_once(engine: Any) -> None:
    engine.deploy(_boundary(interrupting=True))
    inst = engine.start("p", {"urgent": False})
    engine.set_variables(inst.id, {"urgent": True})
    engine.set_variables(inst.id, {"urgent": False})
    engine.set_variables(inst.id, {"urgent": True})
    assert open_tasks(engine, inst) == ["notify"]


def test_completing_the_task_stops_a_non_interrupting_conditional_boundary(engine: Any) -> None:
    engine.deploy(_boundary(interrupting=False))
    inst = engine.start("p", {"urgent": True})
    [work] = [t for t in engine.tasks(instance_id=inst.id) if t.element_id == "work"]
    engine.complete(work.id, {"urgent": False})
    engine.set_variables(inst.id, {"urgent": True})
    assert open_tasks(engine, inst) == ["notify"]


def _event_subprocess(interrupting: bool) -> str:
    flag = "true" if interrupting else "false"
    return bpmn(
        '<bpmn:startEvent id="s"/><bpmn:userTask id="work"/><bpmn:endEvent id="e"/>'
        + chain("s", "work", "e")
        + '<bpmn:subProcess id="watcher" triggeredByEvent="true">'
        f'<bpmn:startEvent id="ws" isInterrupting="{flag}">{URGENT}</bpmn:startEvent>'
        '<bpmn:userTask id="notify"/><bpmn:endEvent id="we"/>' + chain("ws", "notify", "we")
        + "</bpmn:subProcess>")


def test_non_interrupting_conditional_event_subprocess_starts_on_each_change_to_true(
    engine: Any,
) -> None:
    engine.deploy(_event_subprocess(interrupting=False))
    inst = engine.start("p", {"urgent": False})
    engine.set_variables(inst.id, {"urgent": True})
    assert open_tasks(engine, inst) == ["notify", "work"]
    engine.set_variables(inst.id, {"urgent": True})
    assert open_tasks(engine, inst) == ["notify", "work"]
    engine.set_variables(inst.id, {"urgent": False})
    engine.set_variables(inst.id, {"urgent": True})
    assert open_tasks(engine, inst) == ["notify", "notify", "work"]
    starts = [h for h in engine.history(inst.id) if h.element_id == "ws" and h.kind == "start"]
    assert len(starts) == 2


def test_interrupting_conditional_event_subprocess_starts_once(engine: Any) -> None:
    engine.deploy(_event_subprocess(interrupting=True))
    inst = engine.start("p", {"urgent": False})
    engine.set_variables(inst.id, {"urgent": True})
    assert open_tasks(engine, inst) == ["notify"]
    engine.set_variables(inst.id, {"urgent": False})
    engine.set_variables(inst.id, {"urgent": True})
    assert open_tasks(engine, inst) == ["notify"]
