"""Timers, messages, signals, errors, escalations, terminate end, subprocesses and event
subprocesses."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from civicflow.testing import bpmn, chain, flow

MESSAGE = ('<bpmn:message id="m" name="PaymentReceived"><bpmn:extensionElements>'
           '<zeebe:subscription correlationKey="=case_no"/></bpmn:extensionElements>'
           "</bpmn:message>")


def timer(kind: str, value: str) -> str:
    tag = {"duration": "timeDuration", "date": "timeDate", "cycle": "timeCycle"}[kind]
    return (f"<bpmn:timerEventDefinition><bpmn:{tag}>{value}</bpmn:{tag}>"
            "</bpmn:timerEventDefinition>")


def open_tasks(engine: Any, inst: Any) -> list[str]:
    return sorted(t.element_id for t in engine.tasks(instance_id=inst.id))


def test_intermediate_timer_waits_for_its_duration(engine: Any, clock: Any) -> None:
    engine.deploy(bpmn('<bpmn:startEvent id="s"/><bpmn:intermediateCatchEvent id="w">'
                       + timer("duration", "PT2H") + "</bpmn:intermediateCatchEvent>"
                       '<bpmn:userTask id="t"/><bpmn:endEvent id="e"/>'
                       + chain("s", "w", "t", "e")))
    inst = engine.start("p")
    clock.advance(timedelta(hours=1, minutes=59))
    engine.run_due_jobs()
    assert open_tasks(engine, inst) == []
    clock.advance(timedelta(minutes=1))
    assert engine.run_due_jobs() == 1
    assert open_tasks(engine, inst) == ["t"]


def test_timer_with_a_date_fires_at_that_date(engine: Any, clock: Any) -> None:
    engine.deploy(bpmn('<bpmn:startEvent id="s"/><bpmn:intermediateCatchEvent id="w">'
                       + timer("date", "=deadline") + "</bpmn:intermediateCatchEvent>"
                       '<bpmn:userTask id="t"/><bpmn:endEvent id="e"/>'
                       + chain("s", "w", "t", "e")))
    inst = engine.start("p", {"deadline": "2026-01-06T09:00:00Z"})
    clock.advance(timedelta(hours=23))
    engine.run_due_jobs()
    assert open_tasks(engine, inst) == []
    clock.advance(timedelta(hours=1))
    engine.run_due_jobs()
    assert open_tasks(engine, inst) == ["t"]


def _boundary_model(interrupting: bool, definition: str) -> str:
    cancel = "true" if interrupting else "false"
    return bpmn(
        '<bpmn:startEvent id="s"/><bpmn:userTask id="work"/><bpmn:endEvent id="e"/>'
        f'<bpmn:boundaryEvent id="b" attachedToRef="work" cancelActivity="{cancel}">'
        + definition + "</bpmn:boundaryEvent>"
        '<bpmn:userTask id="escalate"/><bpmn:endEvent id="e2"/>'
        + chain("s", "work", "e") + chain("b", "escalate", "e2"),
        extra=MESSAGE,
    )


def test_interrupting_timer_boundary_cancels_the_task(engine: Any, clock: Any) -> None:
    engine.deploy(_boundary_model(True, timer("duration", "P3D")))
    inst = engine.start("p")
    clock.advance(timedelta(days=3))
    engine.run_due_jobs()
    assert open_tasks(engine, inst) == ["escalate"]
    assert ("work", "cancel") in [(h.element_id, h.kind) for h in engine.history(inst.id)]


def test_non_interrupting_cycle_timer_boundary_repeats_and_keeps_the_task(
    engine: Any, clock: Any
) -> None:
    engine.deploy(_boundary_model(False, timer("cycle", "R2/P1D")))
    inst = engine.start("p")
    for _ in range(3):
        clock.advance(timedelta(days=1))
        engine.run_due_jobs()
    tasks = [t.element_id for t in engine.tasks(instance_id=inst.id)]
    assert sorted(tasks) == ["escalate", "escalate", "work"]  # two repetitions, then no more
    work = next(t for t in engine.tasks(instance_id=inst.id) if t.element_id == "work")
    engine.complete(work.id)
    assert engine.jobs(instance_id=inst.id) == []


def test_completing_the_task_cancels_its_boundary_timer(engine: Any, clock: Any) -> None:
    engine.deploy(_boundary_model(True, timer("duration", "P3D")))
    inst = engine.start("p")
    engine.complete(engine.tasks(instance_id=inst.id)[0].id)
    clock.advance(timedelta(days=4))
    assert engine.run_due_jobs() == 0
    assert engine.instance(inst.id).state == "completed"


def test_message_catch_event_correlates_by_key_and_merges_its_variables(engine: Any) -> None:
    engine.deploy(bpmn('<bpmn:startEvent id="s"/><bpmn:intermediateCatchEvent id="pay">'
                       '<bpmn:messageEventDefinition messageRef="m"/>'
                       '</bpmn:intermediateCatchEvent><bpmn:userTask id="t"/>'
                       '<bpmn:endEvent id="e"/>' + chain("s", "pay", "t", "e"), extra=MESSAGE))
    a = engine.start("p", {"case_no": "P-1"})
    b = engine.start("p", {"case_no": "P-2"})
    assert engine.correlate("PaymentReceived", "P-2", {"paid": 120}) == 1
    assert open_tasks(engine, a) == []
    assert open_tasks(engine, b) == ["t"]
    assert engine.instance(b.id).variables["paid"] == 120


def test_receive_task_waits_for_its_message(engine: Any) -> None:
    engine.deploy(bpmn('<bpmn:startEvent id="s"/><bpmn:receiveTask id="r" messageRef="m"/>'
                       '<bpmn:userTask id="t"/><bpmn:endEvent id="e"/>'
                       + chain("s", "r", "t", "e"), extra=MESSAGE))
    inst = engine.start("p", {"case_no": 42})
    assert engine.correlate("PaymentReceived", 42) == 1
    assert open_tasks(engine, inst) == ["t"]


def test_message_published_before_the_subscriber_is_buffered_for_its_time_to_live(
    engine: Any, clock: Any
) -> None:
    engine.deploy(bpmn('<bpmn:startEvent id="s"/><bpmn:userTask id="first"/>'
                       '<bpmn:receiveTask id="r" messageRef="m"/><bpmn:userTask id="t"/>'
                       '<bpmn:endEvent id="e"/>' + chain("s", "first", "r", "t", "e"),
                       extra=MESSAGE))
    early = engine.start("p", {"case_no": "A"})
    late = engine.start("p", {"case_no": "B"})
    assert engine.correlate("PaymentReceived", "A", {"paid": 1},
                            time_to_live=timedelta(hours=1)) == 0
    assert engine.correlate("PaymentReceived", "B", time_to_live=timedelta(minutes=5)) == 0
    clock.advance(timedelta(minutes=10))
    engine.complete(engine.tasks(instance_id=early.id)[0].id)
    engine.complete(engine.tasks(instance_id=late.id)[0].id)
    assert open_tasks(engine, early) == ["t"]
    assert engine.instance(early.id).variables["paid"] == 1
    assert open_tasks(engine, late) == []  # its message expired


def test_message_boundary_event_interrupts_the_task(engine: Any) -> None:
    engine.deploy(_boundary_model(True, '<bpmn:messageEventDefinition messageRef="m"/>'))
    inst = engine.start("p", {"case_no": "X"})
    assert engine.correlate("PaymentReceived", "X") == 1
    assert open_tasks(engine, inst) == ["escalate"]


def test_terminate_end_event_ends_every_other_branch(engine: Any) -> None:
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/><bpmn:parallelGateway id="g"/><bpmn:userTask id="a"/>'
        '<bpmn:endEvent id="stop"><bpmn:terminateEventDefinition/></bpmn:endEvent>'
        '<bpmn:endEvent id="e"/>' + flow("s", "g") + flow("g", "a") + flow("g", "stop")
        + chain("a", "e")))
    inst = engine.start("p")
    assert engine.instance(inst.id).state == "terminated"
    assert engine.tasks(instance_id=inst.id) == []


def test_embedded_subprocess_runs_its_inner_flow_and_then_continues(engine: Any) -> None:
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/><bpmn:subProcess id="sub">'
        '<bpmn:startEvent id="ss"/><bpmn:userTask id="inner"/><bpmn:endEvent id="se"/>'
        + chain("ss", "inner", "se") + "</bpmn:subProcess>"
        '<bpmn:userTask id="after"/><bpmn:endEvent id="e"/>' + chain("s", "sub", "after", "e")))
    inst = engine.start("p")
    assert open_tasks(engine, inst) == ["inner"]
    engine.complete(engine.tasks(instance_id=inst.id)[0].id, {"x": 1})
    assert open_tasks(engine, inst) == ["after"]
    assert engine.instance(inst.id).variables == {"x": 1}


def test_error_end_event_in_a_subprocess_is_caught_by_its_boundary(engine: Any) -> None:
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/><bpmn:subProcess id="sub">'
        '<bpmn:startEvent id="ss"/><bpmn:endEvent id="fail">'
        '<bpmn:errorEventDefinition errorRef="err"/></bpmn:endEvent>'
        + chain("ss", "fail") + "</bpmn:subProcess>"
        '<bpmn:boundaryEvent id="b" attachedToRef="sub">'
        '<bpmn:errorEventDefinition errorRef="err"/></bpmn:boundaryEvent>'
        '<bpmn:userTask id="fix"/><bpmn:userTask id="after"/><bpmn:endEvent id="e"/>'
        '<bpmn:endEvent id="e2"/>' + chain("s", "sub", "after", "e") + chain("b", "fix", "e2"),
        extra='<bpmn:error id="err" errorCode="INVALID"/>'))
    inst = engine.start("p")
    assert open_tasks(engine, inst) == ["fix"]


def test_signal_reaches_every_waiting_instance(engine: Any) -> None:
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/><bpmn:intermediateCatchEvent id="c">'
        '<bpmn:signalEventDefinition signalRef="sig"/></bpmn:intermediateCatchEvent>'
        '<bpmn:userTask id="t"/><bpmn:endEvent id="e"/>' + chain("s", "c", "t", "e"),
        extra='<bpmn:signal id="sig" name="LawChanged"/>'))
    a = engine.start("p")
    b = engine.start("p")
    engine.broadcast_signal("LawChanged")
    assert open_tasks(engine, a) == ["t"]
    assert open_tasks(engine, b) == ["t"]


def test_escalation_is_caught_by_a_non_interrupting_boundary(engine: Any) -> None:
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/><bpmn:subProcess id="sub">'
        '<bpmn:startEvent id="ss"/><bpmn:intermediateThrowEvent id="up">'
        '<bpmn:escalationEventDefinition escalationRef="esc"/></bpmn:intermediateThrowEvent>'
        '<bpmn:userTask id="inner"/><bpmn:endEvent id="se"/>'
        + chain("ss", "up", "inner", "se") + "</bpmn:subProcess>"
        '<bpmn:boundaryEvent id="b" attachedToRef="sub" cancelActivity="false">'
        '<bpmn:escalationEventDefinition escalationRef="esc"/></bpmn:boundaryEvent>'
        '<bpmn:userTask id="notify"/><bpmn:endEvent id="e"/><bpmn:endEvent id="e2"/>'
        + chain("s", "sub", "e") + chain("b", "notify", "e2"),
        extra='<bpmn:escalation id="esc" escalationCode="LATE"/>'))
    inst = engine.start("p")
    assert open_tasks(engine, inst) == ["inner", "notify"]


def test_interrupting_message_event_subprocess_replaces_the_main_flow(engine: Any) -> None:
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/><bpmn:userTask id="work"/><bpmn:endEvent id="e"/>'
        '<bpmn:subProcess id="cancel" triggeredByEvent="true">'
        '<bpmn:startEvent id="cs" isInterrupting="true">'
        '<bpmn:messageEventDefinition messageRef="m"/></bpmn:startEvent>'
        '<bpmn:userTask id="refund"/><bpmn:endEvent id="ce"/>'
        + chain("cs", "refund", "ce") + "</bpmn:subProcess>" + chain("s", "work", "e"),
        extra=MESSAGE))
    inst = engine.start("p", {"case_no": "Z"})
    assert engine.correlate("PaymentReceived", "Z", {"amount": 5}) == 1
    assert open_tasks(engine, inst) == ["refund"]
    engine.complete(engine.tasks(instance_id=inst.id)[0].id)
    assert engine.instance(inst.id).state == "completed"


def test_non_interrupting_timer_event_subprocess_runs_beside_the_main_flow(
    engine: Any, clock: Any
) -> None:
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/><bpmn:userTask id="work"/><bpmn:endEvent id="e"/>'
        '<bpmn:subProcess id="remind" triggeredByEvent="true">'
        '<bpmn:startEvent id="rs" isInterrupting="false">' + timer("duration", "P1D")
        + '</bpmn:startEvent><bpmn:userTask id="chase"/><bpmn:endEvent id="re"/>'
        + chain("rs", "chase", "re") + "</bpmn:subProcess>" + chain("s", "work", "e")))
    inst = engine.start("p")
    clock.advance(timedelta(days=1))
    engine.run_due_jobs()
    assert open_tasks(engine, inst) == ["chase", "work"]
    for t in engine.tasks(instance_id=inst.id):
        engine.complete(t.id)
    assert engine.instance(inst.id).state == "completed"


def test_link_throw_event_continues_at_the_link_catch_event_of_the_same_name(
    engine: Any,
) -> None:
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/><bpmn:intermediateThrowEvent id="go">'
        '<bpmn:linkEventDefinition name="page2"/></bpmn:intermediateThrowEvent>'
        '<bpmn:intermediateCatchEvent id="land"><bpmn:linkEventDefinition name="page2"/>'
        '</bpmn:intermediateCatchEvent><bpmn:userTask id="t"/><bpmn:endEvent id="e"/>'
        + chain("s", "go") + chain("land", "t", "e")))
    inst = engine.start("p")
    assert open_tasks(engine, inst) == ["t"]


def test_message_start_event_starts_an_instance_with_the_message_variables(
    engine: Any,
) -> None:
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"><bpmn:messageEventDefinition messageRef="m"/>'
        '</bpmn:startEvent><bpmn:userTask id="t"/><bpmn:endEvent id="e"/>'
        + chain("s", "t", "e"), extra=MESSAGE))
    assert engine.correlate("PaymentReceived", "K-9", {"amount": 12}) == 1
    [inst] = engine.instances(process_id="p")
    assert engine.instance(inst.id).variables == {"amount": 12}
    assert inst.business_key == "K-9"
    assert open_tasks(engine, inst) == ["t"]


def test_timer_start_event_starts_instances_on_its_cycle(engine: Any, clock: Any) -> None:
    model = bpmn('<bpmn:startEvent id="s">' + timer("cycle", "R2/PT1H")
                 + '</bpmn:startEvent><bpmn:userTask id="t"/><bpmn:endEvent id="e"/>'
                 + chain("s", "t", "e"))
    engine.deploy(model)
    assert engine.instances(process_id="p") == []
    for _ in range(3):
        clock.advance(timedelta(hours=1))
        engine.run_due_jobs()
    assert len(engine.instances(process_id="p")) == 2
    engine.deploy(model.replace('id="t"/>', 'id="t" name="v2"/>'))
    clock.advance(timedelta(hours=1))
    engine.run_due_jobs()
    versions = sorted(i.version for i in engine.instances(process_id="p"))
    assert versions == [1, 1, 2]  # the new version's timer replaced the old one's


def test_signal_start_event_starts_an_instance(engine: Any) -> None:
    engine.deploy(bpmn('<bpmn:startEvent id="s"><bpmn:signalEventDefinition signalRef="sig"/>'
                       '</bpmn:startEvent><bpmn:userTask id="t"/><bpmn:endEvent id="e"/>'
                       + chain("s", "t", "e"), extra='<bpmn:signal id="sig" name="Storm"/>'))
    engine.broadcast_signal("Storm", {"area": "north"})
    [inst] = engine.instances(process_id="p")
    assert engine.instance(inst.id).variables == {"area": "north"}


def _booking(throw: str) -> str:
    return bpmn(
        '<bpmn:startEvent id="s"/><bpmn:scriptTask id="book"><bpmn:extensionElements>'
        '<zeebe:script expression="=&quot;H-1&quot;" resultVariable="booking"/>'
        "</bpmn:extensionElements></bpmn:scriptTask>"
        '<bpmn:boundaryEvent id="comp" attachedToRef="book">'
        "<bpmn:compensateEventDefinition/></bpmn:boundaryEvent>"
        '<bpmn:userTask id="cancel_booking" isForCompensation="true"/>'
        '<bpmn:userTask id="pay"/>' + throw + chain("s", "book", "pay", "undo"),
    ).replace("</bpmn:process>",
              '<bpmn:association id="a1" sourceRef="comp" targetRef="cancel_booking"/>'
              "</bpmn:process>")


def test_compensation_end_event_runs_the_handler_of_the_completed_activity(
    engine: Any,
) -> None:
    engine.deploy(_booking('<bpmn:endEvent id="undo"><bpmn:compensateEventDefinition/>'
                           "</bpmn:endEvent>"))
    inst = engine.start("p")
    engine.complete(engine.tasks(instance_id=inst.id)[0].id)
    [handler] = engine.tasks(instance_id=inst.id)
    assert handler.element_id == "cancel_booking"
    assert engine.task_variables(handler.id)["booking"] == "H-1"
    assert engine.instance(inst.id).state == "active"  # waits for the handler
    engine.complete(handler.id)
    assert engine.instance(inst.id).state == "completed"


def test_compensation_throw_without_completed_activities_just_continues(engine: Any) -> None:
    model = _booking('<bpmn:intermediateThrowEvent id="undo">'
                     '<bpmn:compensateEventDefinition activityRef="pay"/>'
                     '</bpmn:intermediateThrowEvent><bpmn:userTask id="after"/>'
                     '<bpmn:endEvent id="e"/>').replace(
        "</bpmn:process>", chain("undo", "after", "e") + "</bpmn:process>")
    engine.deploy(model)
    inst = engine.start("p")
    engine.complete(engine.tasks(instance_id=inst.id)[0].id)
    assert open_tasks(engine, inst) == ["after"]  # 'pay' has no handler: nothing to undo


def test_transaction_subprocess_runs_as_a_scope(engine: Any) -> None:
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/><bpmn:transaction id="tx">'
        '<bpmn:startEvent id="ts"/><bpmn:userTask id="inner"/><bpmn:endEvent id="te"/>'
        + chain("ts", "inner", "te") + "</bpmn:transaction>"
        '<bpmn:endEvent id="e"/>' + chain("s", "tx", "e")))
    inst = engine.start("p")
    assert open_tasks(engine, inst) == ["inner"]
    engine.complete(engine.tasks(instance_id=inst.id)[0].id)
    assert engine.instance(inst.id).state == "completed"
    types = {h.element_id: h.element_type for h in engine.history(inst.id)}
    assert types["tx"] == "transaction"


def test_conditional_catch_event_waits_until_its_condition_becomes_true(engine: Any) -> None:
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/><bpmn:intermediateCatchEvent id="wait">'
        '<bpmn:conditionalEventDefinition><bpmn:condition xsi:type="bpmn:tFormalExpression">'
        "=documents_complete = true</bpmn:condition></bpmn:conditionalEventDefinition>"
        '</bpmn:intermediateCatchEvent><bpmn:userTask id="t"/><bpmn:endEvent id="e"/>'
        + chain("s", "wait", "t", "e")))
    ready = engine.start("p", {"documents_complete": True})
    assert open_tasks(engine, ready) == ["t"]
    waiting = engine.start("p", {"documents_complete": False})
    assert open_tasks(engine, waiting) == []
    engine.set_variables(waiting.id, {"documents_complete": True})
    assert open_tasks(engine, waiting) == ["t"]


def test_conditional_boundary_event_interrupts_when_data_changes(engine: Any) -> None:
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/><bpmn:userTask id="work"/><bpmn:endEvent id="e"/>'
        '<bpmn:boundaryEvent id="b" attachedToRef="work"><bpmn:conditionalEventDefinition>'
        '<bpmn:condition xsi:type="bpmn:tFormalExpression">=withdrawn</bpmn:condition>'
        "</bpmn:conditionalEventDefinition></bpmn:boundaryEvent>"
        '<bpmn:userTask id="archive"/><bpmn:endEvent id="e2"/>'
        + chain("s", "work", "e") + chain("b", "archive", "e2")))
    inst = engine.start("p", {"withdrawn": False})
    assert open_tasks(engine, inst) == ["work"]
    engine.set_variables(inst.id, {"withdrawn": True})
    assert open_tasks(engine, inst) == ["archive"]


def test_signal_end_event_reaches_catchers_in_other_instances(engine: Any) -> None:
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/><bpmn:intermediateCatchEvent id="c">'
        '<bpmn:signalEventDefinition signalRef="sig"/></bpmn:intermediateCatchEvent>'
        '<bpmn:userTask id="t"/><bpmn:endEvent id="e"/>' + chain("s", "c", "t", "e"),
        "listener", extra='<bpmn:signal id="sig" name="Recall"/>'))
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/><bpmn:endEvent id="e"><bpmn:signalEventDefinition '
        'signalRef="sig"/></bpmn:endEvent>' + chain("s", "e"),
        "sender", extra='<bpmn:signal id="sig" name="Recall"/>'))
    listener = engine.start("listener")
    engine.start("sender")
    assert open_tasks(engine, listener) == ["t"]


def test_error_event_subprocess_catches_an_error_thrown_by_a_job(engine: Any) -> None:
    from civicflow import BpmnError

    def reject(job: Any) -> dict[str, Any]:
        raise BpmnError("INVALID", "form incomplete")

    engine.register_handler("validate", reject)
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/><bpmn:serviceTask id="check"><bpmn:extensionElements>'
        '<zeebe:taskDefinition type="validate"/></bpmn:extensionElements></bpmn:serviceTask>'
        '<bpmn:endEvent id="e"/>'
        '<bpmn:subProcess id="onerror" triggeredByEvent="true">'
        '<bpmn:startEvent id="es"><bpmn:errorEventDefinition errorRef="err"/></bpmn:startEvent>'
        '<bpmn:userTask id="contact"/><bpmn:endEvent id="ee"/>'
        + chain("es", "contact", "ee") + "</bpmn:subProcess>" + chain("s", "check", "e"),
        extra='<bpmn:error id="err" errorCode="INVALID"/>'))
    inst = engine.start("p")
    engine.run_due_jobs()
    assert open_tasks(engine, inst) == ["contact"]
    engine.complete(engine.tasks(instance_id=inst.id)[0].id)
    assert engine.instance(inst.id).state == "completed"


def test_non_interrupting_message_boundary_adds_a_path_and_keeps_the_task(
    engine: Any,
) -> None:
    engine.deploy(_boundary_model(False, '<bpmn:messageEventDefinition messageRef="m"/>'))
    inst = engine.start("p", {"case_no": "N"})
    assert engine.correlate("PaymentReceived", "N") == 1
    assert open_tasks(engine, inst) == ["escalate", "work"]


def test_timer_boundary_on_a_subprocess_cancels_everything_inside(
    engine: Any, clock: Any
) -> None:
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/><bpmn:subProcess id="sub">'
        '<bpmn:startEvent id="ss"/><bpmn:parallelGateway id="g"/><bpmn:userTask id="a"/>'
        '<bpmn:userTask id="b"/><bpmn:parallelGateway id="j"/><bpmn:endEvent id="se"/>'
        + flow("ss", "g") + flow("g", "a") + flow("g", "b") + flow("a", "j") + flow("b", "j")
        + flow("j", "se") + "</bpmn:subProcess>"
        '<bpmn:boundaryEvent id="late" attachedToRef="sub">' + timer("duration", "P10D")
        + '</bpmn:boundaryEvent><bpmn:userTask id="chase"/><bpmn:endEvent id="e"/>'
        '<bpmn:endEvent id="e2"/>' + chain("s", "sub", "e") + chain("late", "chase", "e2")))
    inst = engine.start("p")
    engine.complete(next(t for t in engine.tasks(instance_id=inst.id) if t.element_id == "a").id)
    clock.advance(timedelta(days=10))
    engine.run_due_jobs()
    assert open_tasks(engine, inst) == ["chase"]
    cancelled = {h.element_id for h in engine.history(inst.id) if h.kind == "cancel"}
    assert {"b", "sub"} <= cancelled
