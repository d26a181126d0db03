"""Compensation of completed subprocesses, compensation event subprocesses, compensation
throw events (activityRef, waitForCompletion) and transaction cancellation."""

from __future__ import annotations

from typing import Any

import pytest

from civicflow.engine.errors import DeploymentError
from civicflow.testing import bpmn, chain, compensable, flow

COMPENSATE = "<bpmn:compensateEventDefinition/>"


def trip(body: str = "", sub_id: str = "trip", tag: str = "subProcess") -> str:
    """A subprocess holding a local variable ``trip_id`` and two compensable bookings."""
    return (
        f'<bpmn:{tag} id="{sub_id}"><bpmn:extensionElements><zeebe:ioMapping>'
        '<zeebe:input source="=&quot;T-7&quot;" target="trip_id"/></zeebe:ioMapping>'
        "</bpmn:extensionElements>"
        f'<bpmn:startEvent id="{sub_id}_s"/>'
        + compensable("book_hotel", "cancel_hotel")
        + compensable("book_flight", "cancel_flight")
        + f'<bpmn:endEvent id="{sub_id}_e"/>'
        + chain(f"{sub_id}_s", "book_hotel", "book_flight", f"{sub_id}_e")
        + body + f"</bpmn:{tag}>"
    )


def open_tasks(engine: Any, inst: Any) -> list[str]:
    return sorted(t.element_id for t in engine.tasks(instance_id=inst.id))


def complete_only(engine: Any, inst: Any, element_id: str) -> dict[str, Any]:
    """Complete the one open task, which must be ``element_id``; return what it saw."""
    [task] = engine.tasks(instance_id=inst.id)
    assert task.element_id == element_id
    seen = engine.task_variables(task.id)
    engine.complete(task.id)
    return seen


def test_compensating_a_completed_subprocess_undoes_its_activities_latest_first(
    engine: Any,
) -> None:
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/>' + trip() + '<bpmn:userTask id="decide"/>'
        f'<bpmn:endEvent id="undo">{COMPENSATE}</bpmn:endEvent>'
        + chain("s", "trip", "decide", "undo")))
    inst = engine.start("p")
    complete_only(engine, inst, "decide")
    # one handler at a time, in reverse order of completion, seeing the subprocess's variables
    seen = complete_only(engine, inst, "cancel_flight")
    assert seen["trip_id"] == "T-7"
    assert engine.instance(inst.id).state == "active"
    complete_only(engine, inst, "cancel_hotel")
    assert engine.instance(inst.id).state == "completed"
    starts = [h.element_id for h in engine.history(inst.id) if h.kind == "start"]
    assert starts.index("cancel_flight") < starts.index("cancel_hotel")
    assert starts[-1] == "cancel_hotel"


def test_compensation_event_subprocess_replaces_the_default_compensation(
    engine: Any,
) -> None:
    esp = ('<bpmn:subProcess id="undo_trip" triggeredByEvent="true">'
           f'<bpmn:startEvent id="cs">{COMPENSATE}</bpmn:startEvent>'
           '<bpmn:userTask id="refund"/><bpmn:endEvent id="ce"/>'
           + chain("cs", "refund", "ce") + "</bpmn:subProcess>")
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/>' + trip(esp) + '<bpmn:userTask id="decide"/>'
        f'<bpmn:endEvent id="undo">{COMPENSATE}</bpmn:endEvent>'
        + chain("s", "trip", "decide", "undo")))
    inst = engine.start("p")
    complete_only(engine, inst, "decide")
    seen = complete_only(engine, inst, "refund")
    assert seen["trip_id"] == "T-7"
    assert engine.instance(inst.id).state == "completed"
    ran = {h.element_id for h in engine.history(inst.id)}
    assert {"undo_trip", "cs", "refund"} <= ran
    assert not {"cancel_hotel", "cancel_flight"} & ran


def test_compensation_throw_inside_a_compensation_event_subprocess_undoes_the_inside(
    engine: Any,
) -> None:
    esp = ('<bpmn:subProcess id="undo_trip" triggeredByEvent="true">'
           f'<bpmn:startEvent id="cs">{COMPENSATE}</bpmn:startEvent>'
           f'<bpmn:intermediateThrowEvent id="inner_undo">{COMPENSATE}'
           '</bpmn:intermediateThrowEvent><bpmn:userTask id="refund"/><bpmn:endEvent id="ce"/>'
           + chain("cs", "inner_undo", "refund", "ce") + "</bpmn:subProcess>")
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/>' + trip(esp) + '<bpmn:userTask id="decide"/>'
        f'<bpmn:endEvent id="undo">{COMPENSATE}</bpmn:endEvent>'
        + chain("s", "trip", "decide", "undo")))
    inst = engine.start("p")
    complete_only(engine, inst, "decide")
    complete_only(engine, inst, "cancel_flight")
    complete_only(engine, inst, "cancel_hotel")
    complete_only(engine, inst, "refund")
    assert engine.instance(inst.id).state == "completed"


def test_activity_ref_compensates_only_that_activity_and_waits_for_its_handlers(
    engine: Any,
) -> None:
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/>' + compensable("pay", "refund_pay") + trip()
        + '<bpmn:intermediateThrowEvent id="undo_trip">'
        '<bpmn:compensateEventDefinition activityRef="trip"/></bpmn:intermediateThrowEvent>'
        '<bpmn:userTask id="after"/><bpmn:endEvent id="e"/>'
        + chain("s", "pay", "trip", "undo_trip", "after", "e")))
    inst = engine.start("p")
    complete_only(engine, inst, "cancel_flight")
    complete_only(engine, inst, "cancel_hotel")
    complete_only(engine, inst, "after")  # only now: waitForCompletion is true by default
    assert engine.instance(inst.id).state == "completed"
    assert "refund_pay" not in {h.element_id for h in engine.history(inst.id)}


def test_compensation_throw_that_does_not_wait_goes_on_beside_its_handlers(
    engine: Any,
) -> None:
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/>' + compensable("pay", "refund_pay")
        + '<bpmn:intermediateThrowEvent id="undo">'
        '<bpmn:compensateEventDefinition waitForCompletion="false"/>'
        '</bpmn:intermediateThrowEvent><bpmn:userTask id="after"/><bpmn:endEvent id="e"/>'
        + chain("s", "pay", "undo", "after", "e")))
    inst = engine.start("p")
    assert open_tasks(engine, inst) == ["after", "refund_pay"]
    for task in engine.tasks(instance_id=inst.id):
        engine.complete(task.id)
    assert engine.instance(inst.id).state == "completed"


def test_interrupting_error_event_subprocess_can_compensate_what_already_completed(
    engine: Any,
) -> None:
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/>' + compensable("book", "cancel_booking")
        + '<bpmn:userTask id="check"/>'
        '<bpmn:endEvent id="fail"><bpmn:errorEventDefinition errorRef="err"/></bpmn:endEvent>'
        '<bpmn:subProcess id="onerror" triggeredByEvent="true">'
        '<bpmn:startEvent id="es"><bpmn:errorEventDefinition errorRef="err"/></bpmn:startEvent>'
        f'<bpmn:endEvent id="undo_all">{COMPENSATE}</bpmn:endEvent>'
        + chain("es", "undo_all") + "</bpmn:subProcess>" + chain("s", "book", "check", "fail"),
        extra='<bpmn:error id="err" errorCode="INVALID"/>'))
    inst = engine.start("p")
    complete_only(engine, inst, "check")
    complete_only(engine, inst, "cancel_booking")
    assert engine.instance(inst.id).state == "completed"


def _transaction_model() -> str:
    inside = (
        '<bpmn:startEvent id="ts"/><bpmn:parallelGateway id="fork"/>'
        + compensable("book", "unbook")
        + '<bpmn:userTask id="review"/><bpmn:exclusiveGateway id="ok" default="f_no"/>'
        '<bpmn:endEvent id="te"/><bpmn:endEvent id="cancel_end">'
        "<bpmn:cancelEventDefinition/></bpmn:endEvent>"
        '<bpmn:userTask id="docs"/><bpmn:endEvent id="te2"/>'
        + chain("ts", "fork", "book", "review", "ok")
        + flow("ok", "te", "=approved")
        + flow("ok", "cancel_end", flow_id="f_no") + chain("fork", "docs", "te2")
    )
    return bpmn(
        '<bpmn:startEvent id="s"/><bpmn:transaction id="tx">' + inside + "</bpmn:transaction>"
        '<bpmn:boundaryEvent id="cancelled" attachedToRef="tx">'
        "<bpmn:cancelEventDefinition/></bpmn:boundaryEvent>"
        '<bpmn:userTask id="done"/><bpmn:endEvent id="e"/>'
        '<bpmn:userTask id="notify"/><bpmn:endEvent id="e2"/>'
        f'<bpmn:endEvent id="undo">{COMPENSATE}</bpmn:endEvent>'
        + chain("s", "tx", "done", "undo") + chain("cancelled", "notify", "e2"))


def test_cancel_end_event_compensates_the_transaction_then_its_cancel_boundary_fires(
    engine: Any,
) -> None:
    engine.deploy(_transaction_model())
    inst = engine.start("p")
    assert open_tasks(engine, inst) == ["docs", "review"]
    review = next(t for t in engine.tasks(instance_id=inst.id) if t.element_id == "review")
    engine.complete(review.id, variables={"approved": False})
    complete_only(engine, inst, "unbook")  # 'docs' was cancelled; compensation runs first
    complete_only(engine, inst, "notify")
    assert engine.instance(inst.id).state == "completed"
    log = [(h.element_id, h.kind) for h in engine.history(inst.id)]
    assert ("docs", "cancel") in log
    assert ("cancel_end", "end") in log
    assert log.index(("unbook", "end")) < log.index(("tx", "cancel"))
    assert log.index(("tx", "cancel")) < log.index(("cancelled", "start"))
    assert ("tx", "end") not in log
    assert "done" not in {element for element, _ in log}


def test_transaction_that_completes_normally_can_be_compensated_like_a_subprocess(
    engine: Any,
) -> None:
    engine.deploy(_transaction_model())
    inst = engine.start("p")
    for task in engine.tasks(instance_id=inst.id):
        engine.complete(task.id, variables={"approved": True})
    complete_only(engine, inst, "done")
    complete_only(engine, inst, "unbook")  # default compensation of the completed transaction
    assert engine.instance(inst.id).state == "completed"
    log = [(h.element_id, h.kind) for h in engine.history(inst.id)]
    assert ("tx", "end") in log
    assert "cancelled" not in {element for element, _ in log}


def test_cancel_end_event_outside_a_transaction_is_refused_at_deployment(engine: Any) -> None:
    with pytest.raises(DeploymentError, match="inside a transaction"):
        engine.deploy(bpmn('<bpmn:startEvent id="s"/><bpmn:endEvent id="c">'
                           "<bpmn:cancelEventDefinition/></bpmn:endEvent>" + chain("s", "c")))


def test_transaction_with_a_cancel_end_but_no_cancel_boundary_is_refused(engine: Any) -> None:
    with pytest.raises(DeploymentError, match="no cancel boundary event"):
        engine.deploy(bpmn(
            '<bpmn:startEvent id="s"/><bpmn:transaction id="tx"><bpmn:startEvent id="ts"/>'
            '<bpmn:endEvent id="c"><bpmn:cancelEventDefinition/></bpmn:endEvent>'
            + chain("ts", "c") + '</bpmn:transaction><bpmn:endEvent id="e"/>'
            + chain("s", "tx", "e")))


def test_a_subprocess_interrupted_by_a_boundary_event_is_not_compensated(
    engine: Any, clock: Any,
) -> None:
    from datetime import timedelta

    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/><bpmn:subProcess id="outer"><bpmn:startEvent id="os"/>'
        + trip() + '<bpmn:userTask id="wait"/><bpmn:endEvent id="oe"/>'
        + chain("os", "trip", "wait", "oe") + "</bpmn:subProcess>"
        '<bpmn:boundaryEvent id="late" attachedToRef="outer"><bpmn:timerEventDefinition>'
        "<bpmn:timeDuration>P1D</bpmn:timeDuration></bpmn:timerEventDefinition>"
        f'</bpmn:boundaryEvent><bpmn:endEvent id="undo">{COMPENSATE}</bpmn:endEvent>'
        + chain("s", "outer", "undo") + chain("late", "undo")))
    inst = engine.start("p")
    assert open_tasks(engine, inst) == ["wait"]
    clock.advance(timedelta(days=1))
    engine.run_due_jobs()
    assert engine.instance(inst.id).state == "completed"  # nothing completed is left to undo
    assert "cancel_hotel" not in {h.element_id for h in engine.history(inst.id)}


def test_an_activity_is_compensated_only_once(engine: Any) -> None:
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/>' + compensable("pay", "refund_pay")
        + f'<bpmn:intermediateThrowEvent id="undo1">{COMPENSATE}</bpmn:intermediateThrowEvent>'
        f'<bpmn:intermediateThrowEvent id="undo2">{COMPENSATE}</bpmn:intermediateThrowEvent>'
        '<bpmn:userTask id="after"/><bpmn:endEvent id="e"/>'
        + chain("s", "pay", "undo1", "undo2", "after", "e")))
    inst = engine.start("p")
    complete_only(engine, inst, "refund_pay")
    complete_only(engine, inst, "after")  # the second throw found nothing left to undo
    assert engine.instance(inst.id).state == "completed"


def test_activity_ref_naming_an_activity_of_another_scope_is_refused(engine: Any) -> None:
    with pytest.raises(DeploymentError, match="activityRef 'book_hotel'"):
        engine.deploy(bpmn(
            '<bpmn:startEvent id="s"/>' + trip()
            + '<bpmn:endEvent id="undo"><bpmn:compensateEventDefinition activityRef='
            '"book_hotel"/></bpmn:endEvent>' + chain("s", "trip", "undo")))


def test_an_activity_completed_twice_in_a_loop_is_compensated_twice(engine: Any) -> None:
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/>' + compensable("pay", "refund_pay")
        + '<bpmn:scriptTask id="count"><bpmn:extensionElements>'
        '<zeebe:script expression="=n + 1" resultVariable="n"/></bpmn:extensionElements>'
        '</bpmn:scriptTask><bpmn:exclusiveGateway id="again" default="f_done"/>'
        f'<bpmn:endEvent id="undo">{COMPENSATE}</bpmn:endEvent>'
        + chain("s", "pay", "count", "again") + flow("again", "pay", "=n < 2")
        + flow("again", "undo", flow_id="f_done")))
    inst = engine.start("p", {"n": 0})
    complete_only(engine, inst, "refund_pay")
    complete_only(engine, inst, "refund_pay")
    assert engine.instance(inst.id).state == "completed"


def test_a_subprocess_with_its_own_compensation_handler_is_undone_by_that_handler_only(
    engine: Any,
) -> None:
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/>' + trip()
        + f'<bpmn:boundaryEvent id="trip_comp" attachedToRef="trip">{COMPENSATE}'
        '</bpmn:boundaryEvent><bpmn:userTask id="cancel_trip" isForCompensation="true"/>'
        '<bpmn:association id="trip_assoc" sourceRef="trip_comp" targetRef="cancel_trip"/>'
        f'<bpmn:endEvent id="undo">{COMPENSATE}</bpmn:endEvent>' + chain("s", "trip", "undo")))
    inst = engine.start("p")
    complete_only(engine, inst, "cancel_trip")
    assert engine.instance(inst.id).state == "completed"
    assert not {"cancel_hotel", "cancel_flight"} & {h.element_id for h in engine.history(inst.id)}


def test_each_completed_instance_of_a_multi_instance_activity_is_compensated(
    engine: Any,
) -> None:
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/><bpmn:userTask id="review">'
        '<bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements>'
        '<zeebe:loopCharacteristics inputCollection="=items" inputElement="item"/>'
        "</bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>"
        f'<bpmn:boundaryEvent id="review_comp" attachedToRef="review">{COMPENSATE}'
        '</bpmn:boundaryEvent><bpmn:userTask id="undo_review" isForCompensation="true"/>'
        '<bpmn:association id="review_assoc" sourceRef="review_comp" targetRef="undo_review"/>'
        f'<bpmn:endEvent id="undo">{COMPENSATE}</bpmn:endEvent>' + chain("s", "review", "undo")))
    inst = engine.start("p", {"items": ["a", "b", "c"]})
    for task in engine.tasks(instance_id=inst.id):
        engine.complete(task.id)
    for _ in range(3):  # one handler per completed instance, one at a time
        complete_only(engine, inst, "undo_review")
    assert engine.instance(inst.id).state == "completed"
