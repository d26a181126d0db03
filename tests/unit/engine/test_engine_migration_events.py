"""Migration and event-based gateways: a token waiting at the gateway starts waiting for the
events the target version adds after it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from civicflow.testing import bpmn, chain

DEFINITIONS = ('<bpmn:message id="m" name="Withdrawn"/><bpmn:message id="m2" name="Paid"/>'
               '<bpmn:signal id="sig" name="Recall"/>')
LATE = ("<bpmn:timerEventDefinition><bpmn:timeDuration>P5D</bpmn:timeDuration>"
        "</bpmn:timerEventDefinition>")


def _gateway(*extra: str) -> str:
    """A gateway waiting for a withdrawal message or a five-day timer, plus ``extra`` events:
    ``recall`` (a signal), ``paid`` (a message), ``chase`` (a two-day timer)."""
    body = ('<bpmn:startEvent id="s"/><bpmn:eventBasedGateway id="g"/>'
            '<bpmn:intermediateCatchEvent id="withdrawn">'
            '<bpmn:messageEventDefinition messageRef="m"/></bpmn:intermediateCatchEvent>'
            f'<bpmn:intermediateCatchEvent id="late">{LATE}</bpmn:intermediateCatchEvent>'
            '<bpmn:userTask id="t_withdrawn"/><bpmn:userTask id="t_late"/>'
            '<bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>'
            + chain("s", "g") + chain("g", "withdrawn", "t_withdrawn", "e1")
            + chain("g", "late", "t_late", "e2"))
    definitions = {
        "recall": '<bpmn:signalEventDefinition signalRef="sig"/>',
        "paid": '<bpmn:messageEventDefinition messageRef="m2"/>',
        "chase": ("<bpmn:timerEventDefinition><bpmn:timeDuration>P2D</bpmn:timeDuration>"
                  "</bpmn:timerEventDefinition>"),
    }
    for name in extra:
        body += (f'<bpmn:intermediateCatchEvent id="{name}">{definitions[name]}'
                 f'</bpmn:intermediateCatchEvent><bpmn:userTask id="t_{name}"/>'
                 f'<bpmn:endEvent id="e_{name}"/>' + chain("g", name, f"t_{name}", f"e_{name}"))
    return bpmn(body, extra=DEFINITIONS)


def open_tasks(engine: Any, inst: Any) -> list[str]:
    return sorted(t.element_id for t in engine.tasks(instance_id=inst.id))


def test_a_signal_added_after_an_event_based_gateway_is_caught_after_migration(
    engine: Any,
) -> None:
    engine.deploy(_gateway())
    inst = engine.start("p")
    engine.deploy(_gateway("recall"))
    engine.migrate(inst.id, 2)
    engine.broadcast_signal("Recall")
    assert open_tasks(engine, inst) == ["t_recall"]
    assert engine.jobs(instance_id=inst.id) == []  # the gateway's other events stopped waiting


def test_a_timer_added_after_an_event_based_gateway_counts_from_the_migration(
    engine: Any, clock: Any
) -> None:
    engine.deploy(_gateway())
    inst = engine.start("p")
    engine.deploy(_gateway("chase"))
    clock.advance(timedelta(days=1))
    engine.migrate(inst.id, 2)
    assert sorted(j.element_id for j in engine.jobs(instance_id=inst.id)) == ["chase", "late"]
    clock.advance(timedelta(days=1, hours=23))
    engine.run_due_jobs()
    assert open_tasks(engine, inst) == []
    clock.advance(timedelta(hours=1))
    engine.run_due_jobs()
    assert open_tasks(engine, inst) == ["t_chase"]


def test_the_events_the_gateway_already_waited_for_keep_waiting_once(
    engine: Any, clock: Any
) -> None:
    engine.deploy(_gateway())
    inst = engine.start("p")
    engine.deploy(_gateway("recall"))
    clock.advance(timedelta(days=3))
    engine.migrate(inst.id, 2)
    assert [j.element_id for j in engine.jobs(instance_id=inst.id)] == ["late"]
    clock.advance(timedelta(days=2))  # the five days count from the start, not the move
    engine.run_due_jobs()
    assert open_tasks(engine, inst) == ["t_late"]


def test_a_buffered_message_for_an_event_the_target_version_adds_is_taken_at_the_move(
    engine: Any,
) -> None:
    engine.deploy(_gateway())
    inst = engine.start("p")
    assert engine.correlate("Paid", variables={"amount": 120},
                            time_to_live=timedelta(hours=1)) == 0
    engine.deploy(_gateway("paid"))
    engine.migrate(inst.id, 2)
    assert open_tasks(engine, inst) == ["t_paid"]
    [task] = engine.tasks(instance_id=inst.id)
    assert engine.task_variables(task.id)["amount"] == 120
