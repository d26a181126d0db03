"""Timer and job results: a due timer fires, a handler or external worker completes, fails
or throws a BPMN error from a job (``engine.commands`` dispatches here)."""

from __future__ import annotations

from datetime import datetime, timedelta

from civicflow.engine import events, throws
from civicflow.engine.call_activity import create_instance
from civicflow.engine.commands import (
    CompleteJob,
    FailJob,
    FireTimer,
    Outcome,
    ThrowJobError,
    guard,
)
from civicflow.engine.errors import JobNotLockedError
from civicflow.engine.graph import ProcessGraph
from civicflow.engine.pending_starts import is_parallel_start, offer_broadcast
from civicflow.engine.rows import JobRow
from civicflow.engine.runtime import IncidentError, Runtime, new_id


def default_backoff(failures: int) -> timedelta:
    """Exponential backoff for a failing job: 5 s, 10 s, 20 s ... capped at one hour."""
    return min(timedelta(seconds=5 * 2 ** max(0, failures - 1)), timedelta(hours=1))


def fire_timer(rt: Runtime, cmd: FireTimer) -> Outcome:
    work = rt.work
    job = work.jobs.get(cmd.job_id, work.port.load_job)
    if job is None or job.kind != "timer":
        return Outcome()  # already fired or cancelled: nothing to do (at-least-once delivery)
    if not job.instance_id:
        return _fire_start_timer(rt, job)
    inst = work.instance(job.instance_id)
    if inst is None:
        return Outcome()
    left = job.data.get("left")
    interval = job.data.get("interval")
    node = rt.graph_of(inst).node(job.element_id)
    repeat = interval is not None and (left is None or left > 0) and not (
        node.type == "boundaryEvent" and node.cancel_activity
    ) and node.type in ("boundaryEvent", "startEvent")
    if repeat:
        job.due_at = job.due_at + timedelta(seconds=float(interval or 0))
        job.data = {"left": None if left is None else left - 1, "interval": interval}
        job.state = "ready"
        job.worker_id = None
        job.lock_expires_at = None
        work.jobs.touch(job)
    else:
        work.jobs.delete(job)
    token = work.token(job.token_id)
    part = f"timer:{job.data['part']}" if job.data.get("part") is not None else None
    if token is not None:
        guard(rt, token,
               lambda: events.trigger(rt, job.token_id, job.element_id, {}, part=part))
    else:
        events.trigger(rt, job.token_id, job.element_id, {}, part=part)
    return Outcome(instance_id=job.instance_id)


def _fire_start_timer(rt: Runtime, job: JobRow) -> Outcome:
    """A timer start event of a deployed process fires: start an instance, schedule the next."""
    left = job.data.get("left")
    interval = job.data.get("interval")
    if interval is not None and (left is None or left > 0):
        job.due_at = job.due_at + timedelta(seconds=float(interval))
        job.data = {**job.data, "left": None if left is None else left - 1,
                    "interval": interval}
        job.state = "ready"
        job.worker_id = None
        job.lock_expires_at = None
        rt.work.jobs.touch(job)
    else:
        rt.work.jobs.delete(job)
    if is_parallel_start(rt.graphs(job.token_id).node(job.element_id)):
        offer_broadcast(rt, job.token_id, job.element_id, f"timer:{job.data.get('part')}", {})
        return Outcome()
    inst = create_instance(rt, job.token_id, {}, None, None, job.element_id)
    return Outcome(instance_id=inst.id)


def timer_start_jobs(graph: ProcessGraph, deployment_id: str, now: datetime) -> list[JobRow]:
    """Jobs for a new deployment's timer start events (instance-less, owned by the deployment)."""
    from civicflow.engine.timers import first_due, parse_cycle

    out: list[JobRow] = []
    for start_id in graph.starts:
        start_ev = graph.node(start_id).event
        for i, ev in enumerate(start_ev.triggers() if start_ev is not None else ()):
            if ev.kind != "timer" or ev.timer is None or ev.timer_kind is None:
                continue
            due, left = first_due(ev.timer_kind, ev.timer.text, now)
            interval = (parse_cycle(ev.timer.text).interval.total_seconds()
                        if ev.timer_kind == "cycle" else None)
            out.append(JobRow(id=new_id(), instance_id="", token_id=deployment_id,
                              element_id=start_id, kind="timer", type=None, headers={},
                              data={"left": left, "interval": interval,
                                    "part": i if start_ev is not None
                                    and start_ev.kind == "multiple" else None},
                              due_at=due,
                              retries=0, state="ready", worker_id=None, lock_expires_at=None,
                              error=None, idempotency_key=f"{deployment_id}:{start_id}:timer"
                              + (f":{i}" if i else "")))
    return out


def job_command(rt: Runtime, cmd: CompleteJob | FailJob | ThrowJobError) -> Outcome:
    work = rt.work
    job = work.jobs.get(cmd.job_id, work.port.load_job)
    if job is None or job.kind != "service":
        raise JobNotLockedError(
            f"Job {cmd.job_id} is not active any more (completed, cancelled or taken over); "
            "its result was not applied."
        )
    if cmd.worker_id is not None and job.worker_id not in (None, cmd.worker_id):
        raise JobNotLockedError(
            f"Job {cmd.job_id} is now held by worker {job.worker_id!r}, not {cmd.worker_id!r}; "
            "its lock expired. The result was not applied."
        )
    work.instance(job.instance_id)
    token = work.token(job.token_id)
    if token is None:
        work.jobs.delete(job)
        return Outcome()
    node = rt.node_of(token)
    if isinstance(cmd, CompleteJob):
        work.jobs.delete(job)

        def finish() -> None:
            rt.apply_result(token, node, dict(cmd.variables))
            rt.leave(token, node)

        guard(rt, token, finish)
    elif isinstance(cmd, FailJob):
        failures = int(job.data.get("failures", 0)) + 1
        job.data = {**job.data, "failures": failures}
        job.retries = cmd.retries if cmd.retries is not None else job.retries - 1
        job.error = cmd.error
        job.worker_id = None
        job.lock_expires_at = None
        if job.retries > 0:
            job.state = "ready"
            job.due_at = rt.now + (cmd.backoff if cmd.backoff is not None
                                   else default_backoff(failures))
        else:
            job.state = "failed"
            rt.raise_incident(
                token,
                IncidentError("job_failed", f"Task '{node.name or node.id}' failed and has no "
                         f"retries left: {cmd.error}. Fix the cause, then retry the incident."),
                job_id=job.id,
            )
        work.jobs.touch(job)
    else:
        work.jobs.delete(job)

        def throw() -> None:
            throws.throw_error(rt, token, cmd.code, cmd.message, from_activity=True)

        guard(rt, token, throw)
    return Outcome(instance_id=job.instance_id)
