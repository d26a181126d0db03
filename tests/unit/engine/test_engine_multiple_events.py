"""Multiple and parallel multiple events (one event, several definitions) and message boundary
events that take a message published before the activity started."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from civicflow.testing import bpmn, chain

DEFS = ('<bpmn:message id="m" name="Paid"/><bpmn:message id="m2" name="Signed"/>'
        '<bpmn:signal id="sig" name="LawChanged"/><bpmn:signal id="sig2" name="Recall"/>'
        '<bpmn:escalation id="esc" escalationCode="LATE"/>')
PAID = '<bpmn:messageEventDefinition messageRef="m"/>'
SIGNED = '<bpmn:messageEventDefinition messageRef="m2"/>'
LAW = '<bpmn:signalEventDefinition signalRef="sig"/>'
RECALL = '<bpmn:signalEventDefinition signalRef="sig2"/>'
ONE_DAY = ("<bpmn:timerEventDefinition><bpmn:timeDuration>P1D</bpmn:timeDuration>"
           "</bpmn:timerEventDefinition>")
NO_TTL = timedelta(0)


def open_tasks(engine: Any, inst: Any) -> list[str]:
    return sorted(t.element_id for t in engine.tasks(instance_id=inst.id))


def catch_model(definitions: str, *, parallel: bool = False) -> str:
    flag = ' parallelMultiple="true"' if parallel else ""
    return bpmn(f'<bpmn:startEvent id="s"/><bpmn:intermediateCatchEvent id="c"{flag}>'
                + definitions + '</bpmn:intermediateCatchEvent><bpmn:userTask id="t"/>'
                '<bpmn:endEvent id="e"/>' + chain("s", "c", "t", "e"), extra=DEFS)


def boundary_model(definitions: str, *, parallel: bool = False, interrupting: bool = True
                   ) -> str:
    flag = ' parallelMultiple="true"' if parallel else ""
    cancel = "true" if interrupting else "false"
    return bpmn(
        '<bpmn:startEvent id="s"/><bpmn:userTask id="work"/><bpmn:endEvent id="e"/>'
        f'<bpmn:boundaryEvent id="b" attachedToRef="work" cancelActivity="{cancel}"{flag}>'
        + definitions + '</bpmn:boundaryEvent><bpmn:userTask id="escalate"/>'
        '<bpmn:endEvent id="e2"/>' + chain("s", "work", "e") + chain("b", "escalate", "e2"),
        extra=DEFS)


# -- multiple catch: whichever definition occurs first ----------------------------------------
def test_multiple_catch_event_continues_on_whichever_definition_occurs_first(
    engine: Any, clock: Any
) -> None:
    engine.deploy(catch_model(PAID + ONE_DAY))
    by_message = engine.start("p")
    assert engine.correlate("Paid", variables={"amount": 7}, time_to_live=NO_TTL) == 1
    assert open_tasks(engine, by_message) == ["t"]
    assert engine.instance(by_message.id).variables["amount"] == 7
    by_timer = engine.start("p")
    clock.advance(timedelta(days=1))
    assert engine.run_due_jobs() == 1  # only by_timer's timer is left
    assert open_tasks(engine, by_timer) == ["t"]
    # the other definitions stopped waiting when the event triggered
    assert engine.correlate("Paid", time_to_live=NO_TTL) == 0
    assert engine.jobs(instance_id=by_message.id) == []


def test_multiple_catch_event_takes_a_buffered_message_at_once(engine: Any) -> None:
    engine.deploy(catch_model(PAID + LAW))
    engine.correlate("Paid", variables={"amount": 3}, time_to_live=timedelta(hours=1))
    inst = engine.start("p")
    assert open_tasks(engine, inst) == ["t"]
    assert engine.instance(inst.id).variables["amount"] == 3
    engine.broadcast_signal("LawChanged")  # nobody waits for it any more
    assert open_tasks(engine, inst) == ["t"]


# -- parallel multiple catch: every definition must occur -------------------------------------
def test_parallel_multiple_catch_event_waits_for_every_definition(
    engine: Any, clock: Any
) -> None:
    engine.deploy(catch_model(PAID + LAW + ONE_DAY, parallel=True))
    inst = engine.start("p")
    assert engine.correlate("Paid", variables={"amount": 7}, time_to_live=NO_TTL) == 1
    assert open_tasks(engine, inst) == []
    engine.broadcast_signal("LawChanged", {"law": "2027"})
    assert open_tasks(engine, inst) == []
    assert engine.correlate("Paid", time_to_live=NO_TTL) == 0  # that part already occurred
    clock.advance(timedelta(days=1))
    engine.run_due_jobs()
    assert open_tasks(engine, inst) == ["t"]
    variables = engine.instance(inst.id).variables
    assert (variables["amount"], variables["law"]) == (7, "2027")
    history = [(h.element_id, h.kind) for h in engine.history(inst.id)]
    assert history.count(("c", "end")) == 1


def test_parallel_multiple_catch_event_counts_a_buffered_message_as_one_part(
    engine: Any,
) -> None:
    engine.deploy(catch_model(PAID + SIGNED, parallel=True))
    engine.correlate("Signed", time_to_live=timedelta(hours=1))
    inst = engine.start("p")
    assert open_tasks(engine, inst) == []
    assert engine.correlate("Paid", time_to_live=NO_TTL) == 1
    assert open_tasks(engine, inst) == ["t"]


def test_multiple_catch_event_with_a_condition_continues_when_the_data_makes_it_true(
    engine: Any,
) -> None:
    condition = ('<bpmn:conditionalEventDefinition><bpmn:condition>=amount &gt; 100'
                 "</bpmn:condition></bpmn:conditionalEventDefinition>")
    engine.deploy(catch_model(PAID + condition))
    at_once = engine.start("p", {"amount": 500})
    assert open_tasks(engine, at_once) == ["t"]
    later = engine.start("p", {"amount": 5})
    assert open_tasks(engine, later) == []
    engine.set_variables(later.id, {"amount": 101})
    assert open_tasks(engine, later) == ["t"]
    assert engine.correlate("Paid", time_to_live=NO_TTL) == 0  # nobody waits any more


def test_parallel_multiple_catch_event_with_a_condition_needs_the_message_too(
    engine: Any,
) -> None:
    condition = ('<bpmn:conditionalEventDefinition><bpmn:condition>=approved'
                 "</bpmn:condition></bpmn:conditionalEventDefinition>")
    engine.deploy(catch_model(condition + PAID, parallel=True))
    inst = engine.start("p", {"approved": False})
    engine.set_variables(inst.id, {"approved": True})
    assert open_tasks(engine, inst) == []
    assert engine.correlate("Paid", time_to_live=NO_TTL) == 1
    assert open_tasks(engine, inst) == ["t"]


# -- boundary events --------------------------------------------------------------------------
def test_multiple_boundary_event_interrupts_the_task_on_either_definition(
    engine: Any, clock: Any
) -> None:
    engine.deploy(boundary_model(PAID + ONE_DAY))
    by_signal_free = engine.start("p")
    assert engine.correlate("Paid", time_to_live=NO_TTL) == 1
    assert open_tasks(engine, by_signal_free) == ["escalate"]
    by_timer = engine.start("p")
    clock.advance(timedelta(days=1))
    assert engine.run_due_jobs() == 1  # the first instance's timer went with its task
    assert open_tasks(engine, by_timer) == ["escalate"]
    assert ("work", "cancel") in [(h.element_id, h.kind) for h in engine.history(by_timer.id)]


def test_multiple_boundary_event_with_a_condition_interrupts_when_the_data_changes(
    engine: Any,
) -> None:
    condition = ('<bpmn:conditionalEventDefinition><bpmn:condition>=withdrawn'
                 "</bpmn:condition></bpmn:conditionalEventDefinition>")
    engine.deploy(boundary_model(ONE_DAY + condition))
    inst = engine.start("p", {"withdrawn": False})
    engine.set_variables(inst.id, {"withdrawn": True})
    assert open_tasks(engine, inst) == ["escalate"]
    assert engine.jobs(instance_id=inst.id) == []  # the timer part went with it


def test_parallel_multiple_boundary_event_interrupts_only_when_every_definition_occurred(
    engine: Any,
) -> None:
    engine.deploy(boundary_model(PAID + LAW, parallel=True))
    inst = engine.start("p")
    engine.broadcast_signal("LawChanged")
    assert open_tasks(engine, inst) == ["work"]
    assert engine.correlate("Paid", variables={"amount": 1}, time_to_live=NO_TTL) == 1
    assert open_tasks(engine, inst) == ["escalate"]
    assert engine.instance(inst.id).variables["amount"] == 1


def test_parallel_multiple_non_interrupting_boundary_keeps_the_task(engine: Any) -> None:
    engine.deploy(boundary_model(LAW + RECALL, parallel=True, interrupting=False))
    inst = engine.start("p")
    engine.broadcast_signal("Recall")
    engine.broadcast_signal("LawChanged")
    assert open_tasks(engine, inst) == ["escalate", "work"]


def test_completing_the_task_withdraws_a_half_occurred_parallel_boundary(engine: Any) -> None:
    engine.deploy(boundary_model(PAID + LAW, parallel=True))
    inst = engine.start("p")
    engine.broadcast_signal("LawChanged")
    engine.complete(engine.tasks(instance_id=inst.id)[0].id)
    assert engine.instance(inst.id).state == "completed"
    assert engine.correlate("Paid", time_to_live=NO_TTL) == 0


def test_event_based_gateway_waits_for_a_multiple_event_like_any_other(
    engine: Any, clock: Any
) -> None:
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/><bpmn:eventBasedGateway id="g"/>'
        '<bpmn:intermediateCatchEvent id="either">' + PAID + LAW
        + '</bpmn:intermediateCatchEvent><bpmn:intermediateCatchEvent id="late">' + ONE_DAY
        + '</bpmn:intermediateCatchEvent><bpmn:userTask id="go"/><bpmn:userTask id="chase"/>'
        '<bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>' + chain("s", "g")
        + chain("g", "either", "go", "e1") + chain("g", "late", "chase", "e2"), extra=DEFS))
    inst = engine.start("p")
    engine.broadcast_signal("LawChanged")
    assert open_tasks(engine, inst) == ["go"]
    clock.advance(timedelta(days=1))
    assert engine.run_due_jobs() == 0  # the timer path was withdrawn
    assert engine.correlate("Paid", time_to_live=NO_TTL) == 0


# -- start events -----------------------------------------------------------------------------
def test_multiple_start_event_starts_the_process_on_a_message_or_a_signal(engine: Any) -> None:
    engine.deploy(bpmn('<bpmn:startEvent id="s">' + PAID + LAW + '</bpmn:startEvent>'
                       '<bpmn:userTask id="t"/><bpmn:endEvent id="e"/>' + chain("s", "t", "e"),
                       extra=DEFS))
    assert engine.correlate("Paid", variables={"amount": 2}) == 1
    engine.broadcast_signal("LawChanged")
    started = engine.instances(process_id="p")
    assert len(started) == 2
    assert sorted(engine.instance(i.id).variables.get("amount", 0) for i in started) == [0, 2]


def test_multiple_start_event_with_a_timer_starts_instances_on_schedule(
    engine: Any, clock: Any
) -> None:
    engine.deploy(bpmn('<bpmn:startEvent id="s">' + PAID + ONE_DAY + '</bpmn:startEvent>'
                       '<bpmn:userTask id="t"/><bpmn:endEvent id="e"/>' + chain("s", "t", "e"),
                       extra=DEFS))
    clock.advance(timedelta(days=1))
    engine.run_due_jobs()
    assert len(engine.instances(process_id="p")) == 1


def test_parallel_multiple_event_subprocess_starts_when_every_definition_occurred(
    engine: Any,
) -> None:
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/><bpmn:userTask id="work"/><bpmn:endEvent id="e"/>'
        '<bpmn:subProcess id="esp" triggeredByEvent="true">'
        '<bpmn:startEvent id="es" isInterrupting="true" parallelMultiple="true">'
        + PAID + LAW + '</bpmn:startEvent><bpmn:userTask id="refund"/><bpmn:endEvent id="ee"/>'
        + chain("es", "refund", "ee") + "</bpmn:subProcess>" + chain("s", "work", "e"),
        extra=DEFS))
    inst = engine.start("p")
    engine.correlate("Paid", variables={"amount": 4}, time_to_live=NO_TTL)
    assert open_tasks(engine, inst) == ["work"]
    engine.broadcast_signal("LawChanged")
    assert open_tasks(engine, inst) == ["refund"]
    assert engine.instance(inst.id).variables["amount"] == 4


def test_parallel_multiple_start_event_of_a_process_is_deployed(engine: Any) -> None:
    # what it does: test_engine_parallel_start.py
    [deployed] = engine.deploy(bpmn('<bpmn:startEvent id="s" parallelMultiple="true">' + PAID
                                    + LAW + '</bpmn:startEvent><bpmn:endEvent id="e"/>'
                                    + chain("s", "e"), extra=DEFS))
    assert deployed.version == 1


def test_multiple_catch_event_with_an_unsupported_definition_is_refused_clearly(
    engine: Any,
) -> None:
    from civicflow.engine.errors import DeploymentError

    with pytest.raises(DeploymentError,
                       match=r"Event 'b'.*conditional, message, signal, timer definitions; "
                             "error cannot"):
        engine.deploy(boundary_model(PAID + '<bpmn:errorEventDefinition/>'))


def test_multiple_start_event_of_a_process_with_a_condition_is_refused_clearly(
    engine: Any,
) -> None:
    from civicflow.engine.errors import DeploymentError

    condition = ('<bpmn:conditionalEventDefinition><bpmn:condition>=x</bpmn:condition>'
                 "</bpmn:conditionalEventDefinition>")
    with pytest.raises(DeploymentError, match="conditional cannot be part of its multiple start"):
        engine.deploy(bpmn('<bpmn:startEvent id="s">' + PAID + condition
                           + '</bpmn:startEvent><bpmn:endEvent id="e"/>' + chain("s", "e"),
                           extra=DEFS))


# -- throwing ---------------------------------------------------------------------------------
def test_multiple_throw_event_throws_every_definition(engine: Any) -> None:
    listener = bpmn(
        '<bpmn:startEvent id="ls"/><bpmn:parallelGateway id="g"/>'
        '<bpmn:intermediateCatchEvent id="c1">' + LAW + '</bpmn:intermediateCatchEvent>'
        '<bpmn:intermediateCatchEvent id="c2">' + RECALL + '</bpmn:intermediateCatchEvent>'
        '<bpmn:userTask id="heard1"/><bpmn:userTask id="heard2"/>'
        '<bpmn:endEvent id="le1"/><bpmn:endEvent id="le2"/>'
        + chain("ls", "g") + chain("g", "c1", "heard1", "le1") + chain("g", "c2", "heard2", "le2"),
        process_id="listener", extra=DEFS)
    engine.deploy(listener)
    waiting = engine.start("listener")
    engine.deploy(bpmn('<bpmn:startEvent id="s"/><bpmn:intermediateThrowEvent id="both">'
                       + LAW + RECALL + '</bpmn:intermediateThrowEvent><bpmn:userTask id="t"/>'
                       '<bpmn:endEvent id="e"/>' + chain("s", "both", "t", "e"), extra=DEFS))
    thrower = engine.start("p")
    assert open_tasks(engine, thrower) == ["t"]
    assert open_tasks(engine, waiting) == ["heard1", "heard2"]


def test_multiple_end_event_broadcasts_its_signal_and_throws_its_escalation(
    engine: Any,
) -> None:
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/><bpmn:subProcess id="sub"><bpmn:startEvent id="ss"/>'
        '<bpmn:endEvent id="up"><bpmn:escalationEventDefinition escalationRef="esc"/>'
        + LAW + '</bpmn:endEvent>' + chain("ss", "up") + "</bpmn:subProcess>"
        '<bpmn:boundaryEvent id="b" attachedToRef="sub">'
        '<bpmn:escalationEventDefinition escalationRef="esc"/></bpmn:boundaryEvent>'
        '<bpmn:userTask id="handle"/><bpmn:endEvent id="e"/><bpmn:endEvent id="e2"/>'
        + chain("s", "sub", "e") + chain("b", "handle", "e2"), extra=DEFS))
    engine.deploy(catch_model(LAW).replace('id="p"', 'id="listener"'))
    listener = engine.start("listener")
    inst = engine.start("p")
    assert open_tasks(engine, inst) == ["handle"]
    assert open_tasks(engine, listener) == ["t"]


def test_multiple_throw_with_a_message_sends_it_by_its_job_after_broadcasting_the_signal(
    engine: Any,
) -> None:
    engine.deploy(catch_model(LAW).replace('id="p"', 'id="listener"'))
    listener = engine.start("listener")
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/><bpmn:intermediateThrowEvent id="notify">'
        '<bpmn:extensionElements><zeebe:taskDefinition type="send-letter"/>'
        "</bpmn:extensionElements>" + PAID + LAW + "</bpmn:intermediateThrowEvent>"
        '<bpmn:userTask id="t"/><bpmn:endEvent id="e"/>' + chain("s", "notify", "t", "e"),
        extra=DEFS))
    sent: list[str] = []
    engine.register_handler("send-letter", lambda job: sent.append(job.element_id) or {})
    inst = engine.start("p")
    assert open_tasks(engine, listener) == ["t"]  # the signal went out at once
    assert open_tasks(engine, inst) == []  # the message waits for its job
    engine.run_due_jobs()
    assert sent == ["notify"]
    assert open_tasks(engine, inst) == ["t"]


# -- message boundary events take buffered messages -------------------------------------------
def test_message_boundary_event_takes_a_message_published_before_the_task_started(
    engine: Any,
) -> None:
    engine.deploy(boundary_model(PAID))
    assert engine.correlate("Paid", variables={"amount": 9},
                            time_to_live=timedelta(hours=1)) == 0
    inst = engine.start("p")
    assert open_tasks(engine, inst) == ["escalate"]
    assert engine.instance(inst.id).variables["amount"] == 9
    kinds = [(h.element_id, h.kind) for h in engine.history(inst.id)]
    assert kinds.index(("work", "start")) < kinds.index(("work", "cancel"))
    second = engine.start("p")  # the buffered message was consumed once
    assert open_tasks(engine, second) == ["work"]


def test_non_interrupting_message_boundary_takes_a_buffered_message_and_keeps_the_task(
    engine: Any,
) -> None:
    engine.deploy(boundary_model(PAID, interrupting=False))
    engine.correlate("Paid", time_to_live=timedelta(hours=1))
    inst = engine.start("p")
    assert open_tasks(engine, inst) == ["escalate", "work"]


def test_message_boundary_event_ignores_an_expired_buffered_message(
    engine: Any, clock: Any
) -> None:
    engine.deploy(boundary_model(PAID))
    engine.correlate("Paid", time_to_live=timedelta(minutes=5))
    clock.advance(timedelta(minutes=6))
    inst = engine.start("p")
    assert open_tasks(engine, inst) == ["work"]


def test_message_boundary_on_a_subprocess_takes_a_buffered_message_by_correlation_key(
    engine: Any,
) -> None:
    message = ('<bpmn:message id="mk" name="Withdrawn"><bpmn:extensionElements>'
               '<zeebe:subscription correlationKey="=case_no"/></bpmn:extensionElements>'
               "</bpmn:message>")
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/><bpmn:subProcess id="sub"><bpmn:startEvent id="ss"/>'
        '<bpmn:userTask id="inner"/><bpmn:endEvent id="se"/>' + chain("ss", "inner", "se")
        + '</bpmn:subProcess><bpmn:boundaryEvent id="b" attachedToRef="sub">'
        '<bpmn:messageEventDefinition messageRef="mk"/></bpmn:boundaryEvent>'
        '<bpmn:userTask id="archive"/><bpmn:endEvent id="e"/><bpmn:endEvent id="e2"/>'
        + chain("s", "sub", "e") + chain("b", "archive", "e2"), extra=message))
    engine.correlate("Withdrawn", "C-2", time_to_live=timedelta(hours=1))
    other = engine.start("p", {"case_no": "C-1"})
    withdrawn = engine.start("p", {"case_no": "C-2"})
    assert open_tasks(engine, other) == ["inner"]
    assert open_tasks(engine, withdrawn) == ["archive"]
