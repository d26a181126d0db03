"""Migrating running instances to another version, with element-id mappings."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from civicflow.engine.errors import InvalidCommandError
from civicflow.testing import bpmn, chain

MESSAGES = '<bpmn:message id="m" name="Withdrawn"/>'
TIMER = ("<bpmn:timerEventDefinition><bpmn:timeDuration>P2D</bpmn:timeDuration>"
         "</bpmn:timerEventDefinition>")


def review_then(task_id: str, name: str = "Review", after: str = "") -> str:
    body = (f'<bpmn:startEvent id="s"/><bpmn:userTask id="{task_id}" name="{name}"/>'
            + (f'<bpmn:userTask id="{after}"/>' if after else "") + '<bpmn:endEvent id="e"/>')
    return bpmn(body + chain("s", task_id, *([after] if after else []), "e"))


def open_tasks(engine: Any, inst: Any) -> list[str]:
    return sorted(t.element_id for t in engine.tasks(instance_id=inst.id))


def test_mapping_moves_the_open_task_to_its_renamed_element(engine: Any) -> None:
    engine.deploy(review_then("review"))
    inst = engine.start("p")
    engine.deploy(review_then("check", "Check documents", after="sign"))
    moved = engine.migrate(inst.id, 2, mappings={"review": "check"})
    assert moved.version == 2
    [task] = engine.tasks(instance_id=inst.id)
    assert (task.element_id, task.name) == ("check", "Check documents")
    engine.complete(task.id, actor="ana")
    assert open_tasks(engine, inst) == ["sign"]
    end = [h for h in engine.history(inst.id) if h.kind == "end" and h.element_id == "check"]
    assert [(h.version, h.actor) for h in end] == [(2, "ana")]


def test_migration_refuses_when_a_token_would_land_on_a_missing_element_and_names_it(
    engine: Any,
) -> None:
    engine.deploy(review_then("review"))
    inst = engine.start("p")
    engine.deploy(review_then("check"))
    with pytest.raises(InvalidCommandError, match="'review' does not exist there"):
        engine.migrate(inst.id, 2)
    still = engine.instance(inst.id)
    assert still.version == 1
    assert open_tasks(engine, inst) == ["review"]


def test_migration_refuses_to_turn_a_user_task_into_a_service_task(engine: Any) -> None:
    engine.deploy(review_then("review"))
    inst = engine.start("p")
    engine.deploy(bpmn('<bpmn:startEvent id="s"/><bpmn:serviceTask id="auto">'
                       '<bpmn:extensionElements><zeebe:taskDefinition type="check"/>'
                       '</bpmn:extensionElements></bpmn:serviceTask><bpmn:endEvent id="e"/>'
                       + chain("s", "auto", "e")))
    with pytest.raises(InvalidCommandError,
                       match="'review' \\(mapped to 'auto'\\) is a userTask but 'auto' is a "
                             "serviceTask"):
        engine.migrate(inst.id, 2, mappings={"review": "auto"})
    assert engine.instance(inst.id).version == 1


def test_a_mapping_from_an_element_the_instance_version_does_not_have_is_refused(
    engine: Any,
) -> None:
    engine.deploy(review_then("review"))
    inst = engine.start("p")
    engine.deploy(review_then("review", after="sign"))
    with pytest.raises(InvalidCommandError, match="does not have: ghost"):
        engine.migrate(inst.id, 2, mappings={"ghost": "sign"})


def _with_boundaries(task: str, timer_id: str, message_id: str, escalate: str) -> str:
    return bpmn(
        f'<bpmn:startEvent id="s"/><bpmn:userTask id="{task}"/><bpmn:endEvent id="e"/>'
        f'<bpmn:boundaryEvent id="{timer_id}" attachedToRef="{task}">{TIMER}'
        "</bpmn:boundaryEvent>"
        f'<bpmn:boundaryEvent id="{message_id}" attachedToRef="{task}">'
        '<bpmn:messageEventDefinition messageRef="m"/></bpmn:boundaryEvent>'
        f'<bpmn:userTask id="{escalate}"/><bpmn:userTask id="withdrawn"/>'
        '<bpmn:endEvent id="e2"/><bpmn:endEvent id="e3"/>'
        + chain("s", task, "e") + chain(timer_id, escalate, "e2")
        + chain(message_id, "withdrawn", "e3"), extra=MESSAGES)


def test_timers_and_message_subscriptions_follow_the_mapping_of_their_boundary_events(
    engine: Any, clock: Any
) -> None:
    engine.deploy(_with_boundaries("work", "late", "gone", "chase"))
    by_message = engine.start("p")
    engine.deploy(_with_boundaries("handle", "overdue", "cancelled", "remind"))
    mapping = {"work": "handle", "late": "overdue", "gone": "cancelled"}
    engine.migrate(by_message.id, 2, mappings=mapping)
    assert engine.correlate("Withdrawn", time_to_live=timedelta(0)) == 1
    assert open_tasks(engine, by_message) == ["withdrawn"]
    by_timer = engine.start("p", version=1)
    engine.migrate(by_timer.id, 2, mappings=mapping)
    assert [j.element_id for j in engine.jobs(instance_id=by_timer.id)] == ["overdue"]
    clock.advance(timedelta(days=2))
    engine.run_due_jobs()
    assert open_tasks(engine, by_timer) == ["remind"]
    assert engine.instance(by_timer.id).version == 2
    cancelled = [(h.element_id, h.kind, h.version) for h in engine.history(by_timer.id)]
    assert ("handle", "cancel", 2) in cancelled


def test_a_waiting_message_catch_event_and_a_service_job_follow_the_mapping(
    engine: Any,
) -> None:
    def model(catch: str, job: str) -> str:
        return bpmn(
            '<bpmn:startEvent id="s"/><bpmn:parallelGateway id="fork"/>'
            f'<bpmn:intermediateCatchEvent id="{catch}">'
            '<bpmn:messageEventDefinition messageRef="m"/></bpmn:intermediateCatchEvent>'
            f'<bpmn:serviceTask id="{job}"><bpmn:extensionElements>'
            '<zeebe:taskDefinition type="lookup"/></bpmn:extensionElements></bpmn:serviceTask>'
            '<bpmn:parallelGateway id="join"/><bpmn:endEvent id="e"/>'
            + chain("s", "fork") + chain("fork", catch, "join") + chain("fork", job, "join")
            + chain("join", "e"), extra=MESSAGES)

    engine.deploy(model("wait", "fetch"))
    inst = engine.start("p")
    engine.deploy(model("await_withdrawal", "fetch_register"))
    engine.migrate(inst.id, 2, mappings={"wait": "await_withdrawal", "fetch": "fetch_register"})
    [job] = engine.fetch_and_lock("lookup", "w1")
    assert job.element_id == "fetch_register"
    engine.complete_job(job.id, {"found": True}, worker_id="w1")
    assert engine.correlate("Withdrawn", time_to_live=timedelta(0)) == 1
    assert engine.instance(inst.id).state == "completed"
    ended = {h.element_id for h in engine.history(inst.id) if h.kind == "end"}
    assert {"await_withdrawal", "fetch_register", "join"} <= ended


def test_a_token_inside_a_renamed_subprocess_moves_with_it(engine: Any) -> None:
    def model(sub: str, inner: str) -> str:
        return bpmn(f'<bpmn:startEvent id="s"/><bpmn:subProcess id="{sub}">'
                    f'<bpmn:startEvent id="ss"/><bpmn:userTask id="{inner}"/>'
                    f'<bpmn:endEvent id="se"/>{chain("ss", inner, "se")}</bpmn:subProcess>'
                    '<bpmn:userTask id="after"/><bpmn:endEvent id="e"/>'
                    + chain("s", sub, "after", "e"))

    engine.deploy(model("assess", "inspect"))
    inst = engine.start("p")
    engine.deploy(model("assessment", "site_visit"))
    with pytest.raises(InvalidCommandError, match="'assess' does not exist there"):
        engine.migrate(inst.id, 2, mappings={"inspect": "site_visit"})
    engine.migrate(inst.id, 2, mappings={"assess": "assessment", "inspect": "site_visit"})
    [task] = engine.tasks(instance_id=inst.id)
    assert task.element_id == "site_visit"
    engine.complete(task.id)
    assert open_tasks(engine, inst) == ["after"]
    assert ("assessment", "end", 2) in [(h.element_id, h.kind, h.version)
                                        for h in engine.history(inst.id)]


def test_a_boundary_timer_added_in_the_new_version_starts_counting_at_the_move(
    engine: Any, clock: Any
) -> None:
    engine.deploy(review_then("review"))
    inst = engine.start("p")
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/><bpmn:userTask id="review"/><bpmn:endEvent id="e"/>'
        f'<bpmn:boundaryEvent id="late" attachedToRef="review">{TIMER}</bpmn:boundaryEvent>'
        '<bpmn:userTask id="chase"/><bpmn:endEvent id="e2"/>'
        + chain("s", "review", "e") + chain("late", "chase", "e2")))
    clock.advance(timedelta(days=1))
    engine.migrate(inst.id, 2)
    clock.advance(timedelta(days=1, hours=23))
    engine.run_due_jobs()
    assert open_tasks(engine, inst) == ["review"]
    clock.advance(timedelta(hours=1))
    engine.run_due_jobs()
    assert open_tasks(engine, inst) == ["chase"]
