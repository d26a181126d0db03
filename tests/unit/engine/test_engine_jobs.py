"""Service and send tasks as jobs: handlers, external workers, retries, incidents, errors."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from civicflow import BpmnError
from civicflow.testing import bpmn, chain


def service(task_id: str = "svc", job_type: str = "check-registry", tag: str = "serviceTask",
            retries: str = "3", extra: str = "") -> str:
    return (
        f'<bpmn:{tag} id="{task_id}" name="Check"><bpmn:extensionElements>'
        f'<zeebe:taskDefinition type="{job_type}" retries="{retries}"/>'
        '<zeebe:taskHeaders><zeebe:header key="register" value="land"/></zeebe:taskHeaders>'
        f"{extra}</bpmn:extensionElements></bpmn:{tag}>"
    )


def model(task: str, boundary: str = "") -> str:
    return bpmn('<bpmn:startEvent id="s"/>' + task + boundary
                + '<bpmn:userTask id="after"/><bpmn:endEvent id="e"/>'
                + chain("s", "svc", "after", "e"),
                extra='<bpmn:error id="err" errorCode="NOT_FOUND"/>')


@pytest.mark.parametrize("tag", ["serviceTask", "sendTask"])
def test_registered_handler_runs_the_job_and_its_variables_reach_the_process(
    engine: Any, tag: str
) -> None:
    seen: list[Any] = []

    def handler(job: Any) -> dict[str, Any]:
        seen.append(job)
        return {"registered": job.variables["parcel"] * 2}

    engine.register_handler("check-registry", handler)
    engine.deploy(model(service(tag=tag)))
    inst = engine.start("p", {"parcel": 21})
    assert engine.tasks(instance_id=inst.id) == []  # the job has not run yet
    assert engine.run_due_jobs() == 1
    assert engine.instance(inst.id).variables["registered"] == 42
    assert seen[0].headers == {"register": "land"}
    assert seen[0].element_id == "svc"
    assert seen[0].idempotency_key
    assert [t.element_id for t in engine.tasks(instance_id=inst.id)] == ["after"]


def test_failing_handler_retries_with_backoff_then_raises_an_incident_that_retry_resolves(
    engine: Any, clock: Any
) -> None:
    calls: list[int] = []

    def flaky(job: Any) -> dict[str, Any]:
        calls.append(1)
        if len(calls) <= 3:
            raise ConnectionError("registry offline")
        return {"ok": True}

    engine.register_handler("check-registry", flaky)
    engine.deploy(model(service(retries="3")))
    inst = engine.start("p")
    engine.run_due_jobs()
    assert len(calls) == 1
    engine.run_due_jobs()
    assert len(calls) == 1  # backing off: not due yet
    clock.advance(timedelta(minutes=1))
    engine.run_due_jobs()
    clock.advance(timedelta(minutes=1))
    engine.run_due_jobs()
    assert len(calls) == 3
    [incident] = engine.incidents(instance_id=inst.id)
    assert incident.element_id == "svc"
    assert "registry offline" in incident.message
    clock.advance(timedelta(hours=1))
    engine.run_due_jobs()
    assert len(calls) == 3  # an incident stops retrying
    engine.retry(incident.id)
    engine.run_due_jobs()
    assert len(calls) == 4
    assert engine.instance(inst.id).variables == {"ok": True}
    assert engine.incidents(instance_id=inst.id) == []


def test_bpmn_error_from_a_handler_is_caught_by_the_error_boundary_event(engine: Any) -> None:
    def missing(job: Any) -> dict[str, Any]:
        raise BpmnError("NOT_FOUND", "no such parcel")

    boundary = ('<bpmn:boundaryEvent id="b" attachedToRef="svc">'
                '<bpmn:errorEventDefinition errorRef="err"/></bpmn:boundaryEvent>'
                '<bpmn:userTask id="handle"/><bpmn:endEvent id="e2"/>'
                + chain("b", "handle", "e2"))
    engine.register_handler("check-registry", missing)
    engine.deploy(model(service(), boundary))
    inst = engine.start("p")
    engine.run_due_jobs()
    assert [t.element_id for t in engine.tasks(instance_id=inst.id)] == ["handle"]
    kinds = [(h.element_id, h.kind) for h in engine.history(inst.id)]
    assert ("svc", "cancel") in kinds


def test_uncaught_bpmn_error_becomes_an_incident(engine: Any) -> None:
    engine.deploy(model(service()))
    inst = engine.start("p")
    [job] = engine.fetch_and_lock("check-registry", "w1")
    engine.throw_error(job.id, "NOT_FOUND", "no such parcel", worker_id="w1")
    [incident] = engine.incidents(instance_id=inst.id)
    assert "NOT_FOUND" in incident.message


def test_external_worker_fetches_locks_and_completes_jobs_by_topic(engine: Any) -> None:
    engine.deploy(model(service()))
    inst = engine.start("p", {"parcel": 7})
    assert engine.fetch_and_lock("other-topic", "w1") == []
    [job] = engine.fetch_and_lock("check-registry", "w1", max_jobs=5)
    assert job.variables == {"parcel": 7}
    assert job.headers == {"register": "land"}
    assert engine.fetch_and_lock("check-registry", "w2") == []  # locked by w1
    engine.complete_job(job.id, {"found": True}, worker_id="w1")
    assert engine.instance(inst.id).variables == {"parcel": 7, "found": True}


def test_expired_lock_lets_another_worker_take_the_job_and_the_late_one_is_refused(
    engine: Any, clock: Any
) -> None:
    from civicflow.engine.errors import JobNotLockedError

    engine.deploy(model(service()))
    engine.start("p")
    [job] = engine.fetch_and_lock("check-registry", "w1", lock_duration=timedelta(minutes=1))
    clock.advance(timedelta(minutes=2))
    [again] = engine.fetch_and_lock("check-registry", "w2")
    assert again.id == job.id
    with pytest.raises(JobNotLockedError):
        engine.complete_job(job.id, {}, worker_id="w1")
    engine.complete_job(job.id, {}, worker_id="w2")


def test_external_worker_failure_with_no_retries_left_raises_an_incident(engine: Any) -> None:
    engine.deploy(model(service()))
    inst = engine.start("p")
    [job] = engine.fetch_and_lock("check-registry", "w1")
    engine.fail_job(job.id, "timeout talking to the registry", retries=0, worker_id="w1")
    [incident] = engine.incidents(instance_id=inst.id)
    assert incident.job_id == job.id
    engine.retry(incident.id, retries=2)
    [again] = engine.fetch_and_lock("check-registry", "w1")
    engine.complete_job(again.id, {}, worker_id="w1")
    assert [t.element_id for t in engine.tasks(instance_id=inst.id)] == ["after"]


def test_job_output_mappings_keep_raw_results_local(engine: Any) -> None:
    outputs = ('<zeebe:ioMapping><zeebe:output source="=response.status" target="status"/>'
               "</zeebe:ioMapping>")
    engine.register_handler("check-registry", lambda job: {"response": {"status": "ok"}})
    engine.deploy(model(service(extra=outputs)))
    inst = engine.start("p")
    engine.run_due_jobs()
    assert engine.instance(inst.id).variables == {"status": "ok"}


def test_business_rule_task_with_a_called_decision_is_refused_until_dmn_is_wired(
    engine: Any,
) -> None:
    from civicflow.engine.errors import DeploymentError

    task = ('<bpmn:businessRuleTask id="svc"><bpmn:extensionElements>'
            '<zeebe:calledDecision decisionId="fee" resultVariable="fee"/>'
            "</bpmn:extensionElements></bpmn:businessRuleTask>")
    with pytest.raises(DeploymentError, match="svc"):
        engine.deploy(model(task))


def test_message_end_event_with_a_job_definition_completes_after_its_job(engine: Any) -> None:
    sent: list[Any] = []
    engine.register_handler("send-letter", lambda job: sent.append(job.variables) or {})
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/><bpmn:endEvent id="notify"><bpmn:extensionElements>'
        '<zeebe:taskDefinition type="send-letter"/></bpmn:extensionElements>'
        "<bpmn:messageEventDefinition/></bpmn:endEvent>" + chain("s", "notify"),
    ))
    inst = engine.start("p", {"to": "citizen@example.org"}, actor="clerk")
    assert engine.instance(inst.id).state == "active"
    engine.run_due_jobs()
    assert sent == [{"to": "citizen@example.org"}]
    assert engine.instance(inst.id).state == "completed"
    assert engine.history(inst.id)[0].actor == "clerk"
