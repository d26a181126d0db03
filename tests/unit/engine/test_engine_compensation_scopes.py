"""Compensation of work completed inside multi-instance items, event subprocesses and called
processes (BPMN 2.0.2 13.5.5: compensating an activity undoes its completed inner work), and
the transaction's ``method`` attribute."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from civicflow.engine.errors import DeploymentError
from civicflow.testing import bpmn, chain, compensable

COMPENSATE = "<bpmn:compensateEventDefinition/>"


def loop(collection: str = "=visits", element: str = "visit", *,
         sequential: bool = True) -> str:
    seq = ' isSequential="true"' if sequential else ""
    return (f"<bpmn:multiInstanceLoopCharacteristics{seq}><bpmn:extensionElements>"
            f'<zeebe:loopCharacteristics inputCollection="{collection}" '
            f'inputElement="{element}"/></bpmn:extensionElements>'
            "</bpmn:multiInstanceLoopCharacteristics>")


def handle(engine: Any, element_id: str, **filters: Any) -> dict[str, Any]:
    """Complete the one open task, which must be ``element_id``; return what it saw."""
    [task] = engine.tasks(**filters)
    assert task.element_id == element_id, [t.element_id for t in engine.tasks(**filters)]
    seen = engine.task_variables(task.id)
    engine.complete(task.id)
    return dict(seen)


# -- multi-instance ------------------------------------------------------------------------
def _visits_model(tail: str = "", after: str = "undo") -> str:
    """A sequential multi-instance subprocess ``visit_each``: each item books a room."""
    inner = ('<bpmn:startEvent id="vs"/>' + compensable("book_room", "cancel_room")
             + '<bpmn:endEvent id="ve"/>' + chain("vs", "book_room", "ve"))
    return bpmn(
        '<bpmn:startEvent id="s"/><bpmn:subProcess id="visit_each">' + loop() + inner
        + "</bpmn:subProcess>" + compensable("pay", "refund")
        + '<bpmn:userTask id="decide"/>'
        f'<bpmn:endEvent id="undo">{COMPENSATE}</bpmn:endEvent>' + tail
        + chain("s", "pay", "visit_each", "decide", after))


def test_each_completed_item_of_a_multi_instance_subprocess_undoes_its_own_inner_work(
    engine: Any,
) -> None:
    engine.deploy(_visits_model())
    inst = engine.start("p", {"visits": ["Aachen", "Bonn", "Celle"]})
    handle(engine, "decide", instance_id=inst.id)
    # latest item first, each handler seeing the item it undoes; the payment (before) last
    seen = [handle(engine, "cancel_room", instance_id=inst.id)["visit"] for _ in range(3)]
    assert seen == ["Celle", "Bonn", "Aachen"]
    handle(engine, "refund", instance_id=inst.id)
    assert engine.instance(inst.id).state == "completed"


def test_activity_ref_to_a_multi_instance_subprocess_undoes_every_completed_item(
    engine: Any,
) -> None:
    throw = ('<bpmn:intermediateThrowEvent id="undo_visits"><bpmn:compensateEventDefinition '
             'activityRef="visit_each"/></bpmn:intermediateThrowEvent>'
             '<bpmn:userTask id="after"/><bpmn:endEvent id="e"/>'
             + chain("undo_visits", "after", "e"))
    engine.deploy(_visits_model(throw, after="undo_visits"))
    inst = engine.start("p", {"visits": ["Aachen", "Bonn"]})
    handle(engine, "decide", instance_id=inst.id)
    assert [handle(engine, "cancel_room", instance_id=inst.id)["visit"]
            for _ in range(2)] == ["Bonn", "Aachen"]
    handle(engine, "after", instance_id=inst.id)  # the payment is not undone
    assert engine.instance(inst.id).state == "completed"


def test_items_completed_before_a_boundary_event_interrupted_the_activity_are_undone(
    engine: Any, clock: Any,
) -> None:
    inner = ('<bpmn:startEvent id="vs"/>' + compensable("book_room", "cancel_room")
             + '<bpmn:userTask id="confirm"/><bpmn:endEvent id="ve"/>'
             + chain("vs", "book_room", "confirm", "ve"))
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/><bpmn:subProcess id="visit_each">'
        + loop(sequential=False) + inner + "</bpmn:subProcess>"
        '<bpmn:boundaryEvent id="late" attachedToRef="visit_each"><bpmn:timerEventDefinition>'
        "<bpmn:timeDuration>P1D</bpmn:timeDuration></bpmn:timerEventDefinition>"
        '</bpmn:boundaryEvent><bpmn:endEvent id="e"/>'
        f'<bpmn:endEvent id="undo">{COMPENSATE}</bpmn:endEvent>'
        + chain("s", "visit_each", "e") + chain("late", "undo")))
    inst = engine.start("p", {"visits": ["Aachen", "Bonn", "Celle"]})
    confirms = {engine.task_variables(t.id)["visit"]: t for t in engine.tasks(instance_id=inst.id)}
    engine.complete(confirms["Bonn"].id)
    engine.complete(confirms["Aachen"].id)
    clock.advance(timedelta(days=1))
    engine.run_due_jobs()  # Celle's item is interrupted: its booking is not undone
    seen = [handle(engine, "cancel_room", instance_id=inst.id)["visit"] for _ in range(2)]
    assert seen == ["Aachen", "Bonn"]
    assert engine.instance(inst.id).state == "completed"


def test_the_handler_of_a_multi_instance_task_sees_the_item_it_undoes(engine: Any) -> None:
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/><bpmn:userTask id="notify">' + loop("=people", "person")
        + "</bpmn:userTask>"
        f'<bpmn:boundaryEvent id="notify_comp" attachedToRef="notify">{COMPENSATE}'
        '</bpmn:boundaryEvent><bpmn:userTask id="correct" isForCompensation="true"/>'
        '<bpmn:association id="a1" sourceRef="notify_comp" targetRef="correct"/>'
        f'<bpmn:endEvent id="undo">{COMPENSATE}</bpmn:endEvent>' + chain("s", "notify", "undo")))
    inst = engine.start("p", {"people": ["Ada", "Bo"]})
    handle(engine, "notify", instance_id=inst.id)
    handle(engine, "notify", instance_id=inst.id)
    seen = [handle(engine, "correct", instance_id=inst.id) for _ in range(2)]
    assert [s["person"] for s in seen] == ["Bo", "Ada"]
    assert [s["loopCounter"] for s in seen] == [2, 1]
    assert engine.instance(inst.id).state == "completed"


# -- event subprocesses --------------------------------------------------------------------
SIGNAL = '<bpmn:signal id="sig" name="taxi"/>'


def _taxi_esp(esp_id: str = "taxi_esp") -> str:
    """A non-interrupting signal event subprocess that books a taxi."""
    return (f'<bpmn:subProcess id="{esp_id}" triggeredByEvent="true">'
            '<bpmn:startEvent id="ts" isInterrupting="false">'
            '<bpmn:signalEventDefinition signalRef="sig"/></bpmn:startEvent>'
            + compensable("book_taxi", "cancel_taxi") + '<bpmn:endEvent id="te"/>'
            + chain("ts", "book_taxi", "te") + "</bpmn:subProcess>")


def test_work_completed_in_an_event_subprocess_is_compensated_with_its_process(
    engine: Any,
) -> None:
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/>' + compensable("book_hotel", "cancel_hotel")
        + '<bpmn:userTask id="wait"/>' + compensable("book_flight", "cancel_flight")
        + f'<bpmn:endEvent id="undo">{COMPENSATE}</bpmn:endEvent>' + _taxi_esp()
        + chain("s", "book_hotel", "wait", "book_flight", "undo"), extra=SIGNAL))
    inst = engine.start("p")
    engine.broadcast_signal("taxi")  # the taxi is booked after the hotel, before the flight
    handle(engine, "wait", instance_id=inst.id)
    for handler in ("cancel_flight", "cancel_taxi", "cancel_hotel"):  # latest first
        handle(engine, handler, instance_id=inst.id)
    assert engine.instance(inst.id).state == "completed"


def test_a_completed_subprocess_undoes_what_its_event_subprocess_did_too(engine: Any) -> None:
    trip = ('<bpmn:subProcess id="trip"><bpmn:startEvent id="trs"/>'
            + compensable("book_hotel", "cancel_hotel") + '<bpmn:userTask id="confirm"/>'
            '<bpmn:endEvent id="tre"/>' + _taxi_esp()
            + chain("trs", "book_hotel", "confirm", "tre") + "</bpmn:subProcess>")
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/>' + trip
        + f'<bpmn:endEvent id="undo">{COMPENSATE}</bpmn:endEvent>' + chain("s", "trip", "undo"),
        extra=SIGNAL))
    inst = engine.start("p")
    engine.broadcast_signal("taxi")
    handle(engine, "confirm", instance_id=inst.id)
    handle(engine, "cancel_taxi", instance_id=inst.id)  # default compensation, latest first
    handle(engine, "cancel_hotel", instance_id=inst.id)
    assert engine.instance(inst.id).state == "completed"


def test_an_event_subprocess_still_running_is_not_compensated(engine: Any) -> None:
    esp = ('<bpmn:subProcess id="taxi_esp" triggeredByEvent="true">'
           '<bpmn:startEvent id="ts" isInterrupting="false">'
           '<bpmn:signalEventDefinition signalRef="sig"/></bpmn:startEvent>'
           + compensable("book_taxi", "cancel_taxi") + '<bpmn:userTask id="pay_taxi"/>'
           '<bpmn:endEvent id="te"/>' + chain("ts", "book_taxi", "pay_taxi", "te")
           + "</bpmn:subProcess>")
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/>' + compensable("book_hotel", "cancel_hotel")
        + '<bpmn:userTask id="wait"/><bpmn:intermediateThrowEvent id="undo">'
        f'{COMPENSATE}</bpmn:intermediateThrowEvent><bpmn:endEvent id="e"/>' + esp
        + chain("s", "book_hotel", "wait", "undo", "e"), extra=SIGNAL))
    inst = engine.start("p")
    engine.broadcast_signal("taxi")
    [wait] = [t for t in engine.tasks(instance_id=inst.id) if t.element_id == "wait"]
    engine.complete(wait.id)
    tasks = sorted(t.element_id for t in engine.tasks(instance_id=inst.id))
    assert tasks == ["cancel_hotel", "pay_taxi"]  # the taxi trip has not completed


# -- called processes ----------------------------------------------------------------------
def _child(tail: str = "") -> str:
    return bpmn(
        '<bpmn:startEvent id="cs"/><bpmn:scriptTask id="file"><bpmn:extensionElements>'
        '<zeebe:script expression="=&quot;F-&quot; + case" resultVariable="file_no"/>'
        "</bpmn:extensionElements></bpmn:scriptTask>"
        + compensable("charge_fee", "refund_fee") + compensable("register", "unregister")
        + '<bpmn:endEvent id="ce"/>' + tail + chain("cs", "file", "charge_fee", "register", "ce"),
        "child")


def _call(call_id: str = "call", inner: str = "") -> str:
    return (f'<bpmn:callActivity id="{call_id}"><bpmn:extensionElements>'
            '<zeebe:calledElement processId="child"/></bpmn:extensionElements>'
            f"{inner}</bpmn:callActivity>")


def _caller(middle: str = "", *ids: str) -> str:
    return bpmn(
        '<bpmn:startEvent id="s"/>' + compensable("accept", "withdraw") + _call() + middle
        + '<bpmn:userTask id="decide"/>'
        f'<bpmn:endEvent id="undo">{COMPENSATE}</bpmn:endEvent>'
        + chain("s", "accept", "call", *ids, "decide", "undo"), "parent")


def test_compensating_a_call_activity_undoes_the_called_process_latest_first(
    engine: Any,
) -> None:
    engine.deploy(_child())
    engine.deploy(_caller())
    inst = engine.start("parent", {"case": "7"})
    [child] = engine.instances(process_id="child")
    assert child.state == "completed"
    handle(engine, "decide", instance_id=inst.id)
    # the called process's handlers run in the called instance, seeing its variables
    assert engine.instance(child.id).state == "active"
    assert handle(engine, "unregister", instance_id=child.id)["file_no"] == "F-7"
    handle(engine, "refund_fee", instance_id=child.id)
    assert engine.instance(child.id).state == "completed"
    handle(engine, "withdraw", instance_id=inst.id)  # the caller's own earlier work last
    assert engine.instance(inst.id).state == "completed"
    log = [(h.element_id, h.kind) for h in engine.history(child.id)]
    assert log.index(("unregister", "end")) < log.index(("refund_fee", "start"))


def test_a_call_activity_with_its_own_handler_is_undone_by_that_handler_only(
    engine: Any,
) -> None:
    engine.deploy(_child())
    own = (f'<bpmn:boundaryEvent id="call_comp" attachedToRef="call">{COMPENSATE}'
           '</bpmn:boundaryEvent><bpmn:userTask id="undo_call" isForCompensation="true"/>'
           '<bpmn:association id="a2" sourceRef="call_comp" targetRef="undo_call"/>')
    engine.deploy(_caller(own))
    inst = engine.start("parent", {"case": "7"})
    [child] = engine.instances(process_id="child")
    handle(engine, "decide", instance_id=inst.id)
    handle(engine, "undo_call", instance_id=inst.id)
    handle(engine, "withdraw", instance_id=inst.id)
    assert engine.instance(inst.id).state == "completed"
    assert engine.instance(child.id).state == "completed"
    ran = {h.element_id for h in engine.history(child.id)}
    assert not {"refund_fee", "unregister"} & ran


def test_each_completed_call_of_a_multi_instance_call_activity_is_undone(engine: Any) -> None:
    engine.deploy(_child())
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/>' + _call(inner=loop("=cases", "case"))
        + f'<bpmn:endEvent id="undo">{COMPENSATE}</bpmn:endEvent>' + chain("s", "call", "undo"),
        "parent"))
    inst = engine.start("parent", {"cases": ["1", "2"]})
    seen = [handle(engine, h)["file_no"]
            for h in ("unregister", "refund_fee", "unregister", "refund_fee")]
    assert seen == ["F-2", "F-2", "F-1", "F-1"]
    assert engine.instance(inst.id).state == "completed"
    assert {c.state for c in engine.instances(process_id="child")} == {"completed"}


def test_compensation_reaches_a_process_called_by_a_called_process(engine: Any) -> None:
    engine.deploy(_child())
    engine.deploy(bpmn('<bpmn:startEvent id="ms"/>' + _call("call_child")
                       + '<bpmn:endEvent id="me"/>' + chain("ms", "call_child", "me"), "middle"))
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/><bpmn:callActivity id="call_middle"><bpmn:extensionElements>'
        '<zeebe:calledElement processId="middle"/></bpmn:extensionElements></bpmn:callActivity>'
        f'<bpmn:endEvent id="undo">{COMPENSATE}</bpmn:endEvent>'
        + chain("s", "call_middle", "undo"), "parent"))
    inst = engine.start("parent", {"case": "9"})
    [middle] = engine.instances(process_id="middle")
    [child] = engine.instances(process_id="child")
    assert engine.instance(middle.id).state == "active"  # compensating for its caller
    assert handle(engine, "unregister", instance_id=child.id)["file_no"] == "F-9"
    handle(engine, "refund_fee", instance_id=child.id)
    assert [engine.instance(i).state for i in (inst.id, middle.id, child.id)] == [
        "completed", "completed", "completed"]


def test_a_throw_that_does_not_wait_starts_the_called_process_compensation_and_goes_on(
    engine: Any,
) -> None:
    engine.deploy(_child())
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/>' + _call() + '<bpmn:intermediateThrowEvent id="undo">'
        '<bpmn:compensateEventDefinition waitForCompletion="false"/>'
        '</bpmn:intermediateThrowEvent><bpmn:userTask id="after"/><bpmn:endEvent id="e"/>'
        + chain("s", "call", "undo", "after", "e"), "parent"))
    inst = engine.start("parent", {"case": "7"})
    [child] = engine.instances(process_id="child")
    assert [t.element_id for t in engine.tasks(instance_id=inst.id)] == ["after"]
    handle(engine, "after", instance_id=inst.id)
    assert engine.instance(inst.id).state == "completed"
    handle(engine, "unregister", instance_id=child.id)  # still runs, one at a time
    handle(engine, "refund_fee", instance_id=child.id)
    assert engine.instance(child.id).state == "completed"


def test_cancelling_the_caller_withdraws_the_called_process_compensation(
    engine: Any,
) -> None:
    engine.deploy(_child())
    engine.deploy(_caller())
    inst = engine.start("parent", {"case": "7"})
    [child] = engine.instances(process_id="child")
    handle(engine, "decide", instance_id=inst.id)
    assert [t.element_id for t in engine.tasks(instance_id=child.id)] == ["unregister"]
    engine.cancel(inst.id)
    assert engine.instance(inst.id).state == "terminated"
    assert engine.instance(child.id).state == "terminated"
    assert engine.tasks() == []
    assert ("unregister", "cancel") in [(h.element_id, h.kind) for h in engine.history(child.id)]


def test_cancelling_a_called_process_during_its_compensation_lets_the_caller_go_on(
    engine: Any,
) -> None:
    engine.deploy(_child())
    engine.deploy(_caller())
    inst = engine.start("parent", {"case": "7"})
    [child] = engine.instances(process_id="child")
    handle(engine, "decide", instance_id=inst.id)
    engine.cancel(child.id)  # an operator stops the called process's compensation
    assert engine.instance(child.id).state == "terminated"
    handle(engine, "withdraw", instance_id=inst.id)  # the caller's next handler
    assert engine.instance(inst.id).state == "completed"
    assert "refund_fee" not in {h.element_id for h in engine.history(child.id)}


def test_a_cancelled_transaction_undoes_the_processes_it_called_before_its_boundary_fires(
    engine: Any,
) -> None:
    engine.deploy(_child())
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/><bpmn:transaction id="tx"><bpmn:startEvent id="xs"/>'
        + _call() + '<bpmn:endEvent id="abort"><bpmn:cancelEventDefinition/></bpmn:endEvent>'
        + chain("xs", "call", "abort") + "</bpmn:transaction>"
        '<bpmn:boundaryEvent id="cancelled" attachedToRef="tx"><bpmn:cancelEventDefinition/>'
        '</bpmn:boundaryEvent><bpmn:endEvent id="e"/><bpmn:userTask id="notify"/>'
        '<bpmn:endEvent id="e2"/>' + chain("s", "tx", "e") + chain("cancelled", "notify", "e2"),
        "parent"))
    inst = engine.start("parent", {"case": "7"})
    handle(engine, "unregister")
    handle(engine, "refund_fee")
    handle(engine, "notify", instance_id=inst.id)
    assert engine.instance(inst.id).state == "completed"
    log = [(h.element_id, h.kind) for h in engine.history(inst.id)]
    assert log.index(("tx", "cancel")) < log.index(("cancelled", "start"))


def test_a_called_process_that_compensated_itself_leaves_nothing_to_undo(engine: Any) -> None:
    undo_inside = (f'<bpmn:intermediateThrowEvent id="self_undo">{COMPENSATE}'
                   "</bpmn:intermediateThrowEvent>")
    engine.deploy(bpmn(
        '<bpmn:startEvent id="cs"/>' + compensable("charge_fee", "refund_fee") + undo_inside
        + '<bpmn:endEvent id="ce"/>' + chain("cs", "charge_fee", "self_undo", "ce"), "child"))
    engine.deploy(_caller())
    inst = engine.start("parent")
    handle(engine, "refund_fee")  # the child undoes its own fee before it completes
    handle(engine, "decide", instance_id=inst.id)
    handle(engine, "withdraw", instance_id=inst.id)  # nothing of the child is left to undo
    assert engine.instance(inst.id).state == "completed"


# -- transaction method ----------------------------------------------------------------------
def _transaction(method: str) -> str:
    return bpmn(
        f'<bpmn:startEvent id="s"/><bpmn:transaction id="tx" method="{method}">'
        '<bpmn:startEvent id="xs"/>' + compensable("book", "unbook")
        + '<bpmn:endEvent id="abort"><bpmn:cancelEventDefinition/></bpmn:endEvent>'
        + chain("xs", "book", "abort") + "</bpmn:transaction>"
        '<bpmn:boundaryEvent id="cancelled" attachedToRef="tx"><bpmn:cancelEventDefinition/>'
        '</bpmn:boundaryEvent><bpmn:endEvent id="e"/><bpmn:endEvent id="e2"/>'
        + chain("s", "tx", "e") + chain("cancelled", "e2"))


def test_a_transaction_with_method_compensate_is_undone_by_compensation(engine: Any) -> None:
    engine.deploy(_transaction("##Compensate"))
    inst = engine.start("p")
    handle(engine, "unbook", instance_id=inst.id)
    assert engine.instance(inst.id).state == "completed"


@pytest.mark.parametrize("method", ["##Store", "##Image"])
def test_a_transaction_with_method_store_or_image_is_refused_naming_it(
    engine: Any, method: str,
) -> None:
    with pytest.raises(DeploymentError, match=f"Transaction 'tx': method '{method}'"):
        engine.deploy(_transaction(method))
    assert engine.deployments() == []
