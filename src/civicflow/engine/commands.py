"""Commands and ``advance``: the pure core. ``advance(port, graphs, command, now)`` reads
through the port, moves tokens and returns the changes to apply in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from civicflow.engine import claims, events
from civicflow.engine.call_activity import create_instance
from civicflow.engine.errors import (
    InvalidCommandError,
    NotFoundError,
)
from civicflow.engine.graph import ProcessGraph
from civicflow.engine.pending_starts import is_parallel_start, offer_broadcast, offer_message
from civicflow.engine.ports import StatePort
from civicflow.engine.rows import InstanceState, MessageRow, SubscriptionRow, TokenRow
from civicflow.engine.runtime import IncidentError, Runtime, new_id
from civicflow.engine.work import Changes, Work


@dataclass(frozen=True)
class StartInstance:
    """Start a new instance of a deployed process version."""

    deployment_id: str
    variables: Mapping[str, Any] = field(default_factory=dict)
    business_key: str | None = None
    actor: str | None = None


@dataclass(frozen=True)
class CompleteTask:
    """A person completes a user or manual task."""

    task_id: str
    variables: Mapping[str, Any] = field(default_factory=dict)
    actor: str | None = None


@dataclass(frozen=True)
class FireTimer:
    """A due timer job fires."""

    job_id: str


@dataclass(frozen=True)
class CompleteJob:
    """A handler or external worker finished a service job."""

    job_id: str
    variables: Mapping[str, Any] = field(default_factory=dict)
    worker_id: str | None = None


@dataclass(frozen=True)
class FailJob:
    """A job attempt failed; ``retries`` None means one fewer than before."""

    job_id: str
    error: str
    retries: int | None = None
    backoff: timedelta | None = None
    worker_id: str | None = None


@dataclass(frozen=True)
class ThrowJobError:
    """A handler or worker throws a BPMN error from its job."""

    job_id: str
    code: str
    message: str = ""
    worker_id: str | None = None


@dataclass(frozen=True)
class CorrelateMessage:
    """Publish a message: it reaches matching subscribers, or waits ``ttl`` for one;
    ``pending_ttl`` bounds a pending start that takes it (zero: no limit)."""

    name: str
    correlation_key: str | None = None
    variables: Mapping[str, Any] = field(default_factory=dict)
    ttl: timedelta = timedelta(0)
    pending_ttl: timedelta = timedelta(0)


@dataclass(frozen=True)
class BroadcastSignal:
    """Every waiting signal catcher of this name is triggered."""

    name: str
    variables: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RetryIncident:
    """An operator fixed the cause: try the failed step again."""

    incident_id: str
    retries: int = 1


@dataclass(frozen=True)
class SetVariables:
    """An operator sets variables on an instance (its root scope)."""

    instance_id: str
    variables: Mapping[str, Any]


@dataclass(frozen=True)
class CancelInstance:
    """An operator stops an instance: every token is withdrawn, the state is ``terminated``."""

    instance_id: str
    actor: str | None = None


@dataclass(frozen=True)
class MigrateInstance:
    """Move a running instance to another version of its process; ``mappings`` renames
    elements (old id -> new id), unmapped ids stay the same."""

    instance_id: str
    deployment_id: str
    version: int
    mappings: Mapping[str, str] = field(default_factory=dict)


Command = (
    StartInstance | CompleteTask | FireTimer | CompleteJob | FailJob | ThrowJobError
    | CorrelateMessage | BroadcastSignal | RetryIncident | SetVariables | CancelInstance
    | MigrateInstance | claims.ClaimTask | claims.UnclaimTask
)


@dataclass(frozen=True)
class Outcome:
    """What the caller needs to know beyond the row changes."""

    instance_id: str | None = None
    correlated: int = 0
    buffered: bool = False


def advance(port: StatePort, graphs: Callable[[str], ProcessGraph], command: Command,
            now: datetime) -> tuple[Changes, Outcome]:
    """Apply one command: the single entry point of the engine."""
    rt = Runtime(Work(port=port, now=now), graphs)
    outcome = _dispatch(rt, command)
    rt.run()
    _deliver_signals(rt)
    return rt.work.changes(), outcome


def guard(rt: Runtime, token: TokenRow, step: Callable[[], None]) -> None:
    try:
        step()
    except IncidentError as exc:
        if token.id in rt.work.tokens.rows:
            rt.raise_incident(token, exc)


def _dispatch(rt: Runtime, cmd: Command) -> Outcome:
    work = rt.work
    if isinstance(cmd, StartInstance):
        rt.actor = cmd.actor
        inst = create_instance(rt, cmd.deployment_id, dict(cmd.variables), cmd.business_key,
                               None)
        return Outcome(instance_id=inst.id)
    if isinstance(cmd, CompleteTask):
        task, token = claims.open_task(rt, cmd.task_id)
        actor = claims.completing_actor(task, cmd.actor)
        task.state = "completed"
        task.completed_by = actor
        task.completed_at = rt.now
        work.user_tasks.touch(task)
        node = rt.node_of(token)

        def finish() -> None:
            rt.apply_result(token, node, dict(cmd.variables))
            rt.leave(token, node, actor)

        guard(rt, token, finish)
        return Outcome(instance_id=task.instance_id)
    if isinstance(cmd, claims.ClaimTask):
        return Outcome(instance_id=claims.claim(rt, cmd))
    if isinstance(cmd, claims.UnclaimTask):
        return Outcome(instance_id=claims.unclaim(rt, cmd))
    if isinstance(cmd, FireTimer):
        from civicflow.engine.job_commands import fire_timer

        return fire_timer(rt, cmd)
    if isinstance(cmd, CompleteJob | FailJob | ThrowJobError):
        from civicflow.engine.job_commands import job_command

        return job_command(rt, cmd)
    if isinstance(cmd, CorrelateMessage):
        return _correlate(rt, cmd)
    if isinstance(cmd, BroadcastSignal):
        rt.signals.append(cmd.name)
        rt.signal_variables = dict(cmd.variables)
        return Outcome()
    if isinstance(cmd, RetryIncident):
        return _retry(rt, cmd)
    if isinstance(cmd, MigrateInstance):
        return _migrate(rt, cmd)
    if isinstance(cmd, CancelInstance):
        victim = work.instance(cmd.instance_id)
        if victim is None:
            raise NotFoundError(f"There is no process instance {cmd.instance_id}.")
        if victim.state != InstanceState.ACTIVE:
            raise InvalidCommandError(
                f"Process instance {victim.id} already ended ({victim.state}); "
                "nothing to cancel.")
        rt.cancel_scope_contents(victim.id)  # call activities take their child instances along
        rt.complete_instance(victim, InstanceState.TERMINATED)
        return Outcome(instance_id=victim.id)
    target = work.instance(cmd.instance_id)
    if target is None:
        raise NotFoundError(f"There is no process instance {cmd.instance_id}.")
    for name, value in cmd.variables.items():
        work.set_var(target.id, target.id, name, value)
    return Outcome(instance_id=target.id)


def _subs_by_name(rt: Runtime, kind: str, name: str, key: str | None) -> list[SubscriptionRow]:
    work = rt.work
    found: list[SubscriptionRow] = []
    for sub in work.port.load_subscriptions_by_name(kind, name, key):
        if not work.subscriptions.known(sub.id):
            work.subscriptions.rows[sub.id] = sub
            work.subscriptions._index(sub)
        if sub.id in work.subscriptions.rows:
            found.append(work.subscriptions.rows[sub.id])
    for sid in work.subscriptions.inserted:
        new = work.subscriptions.rows.get(sid)
        if new is not None and new.kind == kind and new.name == name and new not in found and (
            kind == "signal" or new.correlation_key == key
        ):
            found.append(new)
    return found


def _correlate(rt: Runtime, cmd: CorrelateMessage) -> Outcome:
    work = rt.work
    seen_instances: set[str] = set()
    count = 0
    for sub in _subs_by_name(rt, "message", cmd.name, cmd.correlation_key):
        if sub.instance_id in seen_instances or sub.id not in work.subscriptions.rows:
            continue
        seen_instances.add(sub.instance_id)
        work.instance(sub.instance_id)
        _trigger_sub(rt, sub, cmd.variables)
        count += 1
    for deployment_id, start_id in work.port.message_start_events(cmd.name):
        if is_parallel_start(rt.graphs(deployment_id).node(start_id)):
            # a part of a parallel multiple start event: the instance waits for the others
            if offer_message(rt, deployment_id, start_id, cmd.name, cmd.correlation_key,
                             cmd.variables, cmd.pending_ttl):
                count += 1
            continue
        create_instance(rt, deployment_id, dict(cmd.variables), cmd.correlation_key, None,
                        start_id)
        count += 1
    if count == 0 and cmd.ttl > timedelta(0):
        work.messages_inserted.append(
            MessageRow(id=new_id(), name=cmd.name, correlation_key=cmd.correlation_key,
                       variables=dict(cmd.variables), published_at=rt.now,
                       expires_at=rt.now + cmd.ttl)
        )
        return Outcome(buffered=True)
    return Outcome(correlated=count)


def _trigger_sub(rt: Runtime, sub: SubscriptionRow, variables: Mapping[str, Any]) -> None:
    token = rt.work.token(sub.token_id)
    part = f"{sub.kind}:{sub.name}"
    if token is not None:
        guard(rt, token,
               lambda: events.trigger(rt, sub.token_id, sub.element_id, variables, part=part))
    else:
        events.trigger(rt, sub.token_id, sub.element_id, variables, part=part)
        rt.work.subscriptions.delete(sub) if sub.id in rt.work.subscriptions.rows else None


def _deliver_signals(rt: Runtime) -> None:
    while rt.signals:
        name = rt.signals.pop(0)
        variables = rt.signal_variables
        for sub in _subs_by_name(rt, "signal", name, None):
            if sub.id not in rt.work.subscriptions.rows:
                continue
            rt.work.instance(sub.instance_id)
            _trigger_sub(rt, sub, variables)
        for deployment_id, start_id in rt.work.port.signal_start_events(name):
            if is_parallel_start(rt.graphs(deployment_id).node(start_id)):
                offer_broadcast(rt, deployment_id, start_id, f"signal:{name}", variables)
                continue
            create_instance(rt, deployment_id, dict(variables), None, None, start_id)
        rt.run()


def _retry(rt: Runtime, cmd: RetryIncident) -> Outcome:
    work = rt.work
    inc = work.incidents.get(cmd.incident_id, work.port.load_incident)
    if inc is None:
        raise NotFoundError(f"There is no incident {cmd.incident_id}.")
    if inc.state != "open":
        raise InvalidCommandError(f"IncidentError {inc.id} was already resolved; nothing to retry.")
    inst = work.instance(inc.instance_id)
    if inst is None or inst.state != InstanceState.ACTIVE:
        raise InvalidCommandError(f"IncidentError {inc.id}: its case is no longer running.")
    inc.state = "resolved"
    inc.resolved_at = rt.now
    work.incidents.touch(inc)
    token = work.token(inc.token_id)
    if token is None:
        return Outcome(instance_id=inc.instance_id)
    token.state = "waiting"
    work.tokens.touch(token)
    if inc.job_id is not None:
        job = work.jobs.get(inc.job_id, work.port.load_job)
        if job is not None:
            job.retries = max(1, cmd.retries)
            job.state = "ready"
            job.due_at = rt.now
            job.worker_id = None
            job.lock_expires_at = None
            work.jobs.touch(job)
            return Outcome(instance_id=inc.instance_id)
    node = rt.node_of(token)
    if inc.kind.endswith(":leave"):
        guard(rt, token, lambda: rt.leave(token, node))
    else:
        rt.clear_attachments(token)
        rt.drop_local_scope(token)
        rt.reentering.add(token.id)
        rt.agenda.append(token.id)
    return Outcome(instance_id=inc.instance_id)


def _migrate(rt: Runtime, cmd: MigrateInstance) -> Outcome:
    from civicflow.engine.migration import migrate

    migrate(rt, cmd.instance_id, cmd.deployment_id, cmd.version, cmd.mappings)
    return Outcome(instance_id=cmd.instance_id)
