"""Multiple and parallel multiple events (BPMN 2.0.2, 10.5.2 and 13.5): one event with several
event definitions.

A *multiple* catch event waits for all of its definitions at once and is triggered by whichever
occurs first; a *parallel multiple* catch event is triggered once every definition has occurred
(the parts that occurred are remembered in the owner's scope data, their variables merged in the
order they arrived). A multiple throw event throws every definition.

Each part waits like a single-definition event owned by the same token or scope and element, so
the existing clean-up (``clear_attachments``) removes all parts at once. A part is named by a
*part key*: ``message:<name>``, ``signal:<name>``, ``timer:<index>``, ``conditional:<index>``
(a conditional part waits as a ``conditional`` subscription named ``<element>#<index>``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from civicflow.engine.errors import DeploymentError
from civicflow.engine.graph import EventDef, Node
from civicflow.engine.runtime import Runtime


def part_key(ev: EventDef, index: int) -> str:
    """How a part of a (parallel) multiple event is recognised when it occurs."""
    if ev.kind in ("timer", "conditional"):
        return f"{ev.kind}:{index}"
    return f"{ev.kind}:{ev.name or ''}"


def compile_multiple(el: Any, parts: list[EventDef], scope: Any) -> EventDef:
    """Check what the engine runs and build the ``multiple`` EventDef (deployment errors name
    the element and what to change)."""
    from civicflow.model import CatchEvent, EndEvent, StartEvent
    from civicflow.model.engine_support import ENGINE_SUPPORT  # what `civicflow check` says

    nid = el.id
    if el.event_definition_refs:
        raise DeploymentError(
            f"Event '{nid}': event definitions given by reference (eventDefinitionRef) are not "
            "run; write the definitions inside the event.")
    kinds = [p.kind for p in parts]
    if isinstance(el, CatchEvent):
        bad = sorted({k for k in kinds if k not in ENGINE_SUPPORT.multiple_catch_parts})
        if bad:
            raise DeploymentError(
                f"Event '{nid}': a multiple catch event may combine "
                f"{', '.join(sorted(ENGINE_SUPPORT.multiple_catch_parts))} definitions; "
                f"{', '.join(bad)} cannot be part of one. Split it into separate events.")
        parallel = bool(el.parallel_multiple)
        in_esp = bool(getattr(scope, "triggered_by_event", False))
        if isinstance(el, StartEvent) and not in_esp:
            bad = sorted({k for k in kinds if k not in ENGINE_SUPPORT.start_triggers})
            if bad:
                raise DeploymentError(
                    f"Start event '{nid}': a process starts on a message, timer or signal; "
                    f"{', '.join(bad)} cannot be part of its multiple start event.")
        if (isinstance(el, StartEvent) and parallel and not in_esp
                and not ENGINE_SUPPORT.parallel_multiple_process_start):
            raise DeploymentError(
                f"Start event '{nid}': a parallel multiple start event of a process is not run "
                "yet; start with one of its triggers and wait for the others with a parallel "
                "multiple intermediate catch event.")
        return EventDef(kind="multiple", parts=tuple(parts), parallel=parallel)
    bad = sorted({k for k in kinds if k not in ENGINE_SUPPORT.multiple_throw_parts})
    if bad:
        raise DeploymentError(
            f"Event '{nid}': a multiple throw event may combine message, signal, escalation "
            f"and (on end events) error definitions; {', '.join(bad)} cannot be part of one.")
    if kinds.count("error") + kinds.count("escalation") > 1:
        raise DeploymentError(
            f"Event '{nid}': a multiple throw event may throw at most one error or escalation; "
            "split it into separate events.")
    if "error" in kinds and not isinstance(el, EndEvent):
        raise DeploymentError(
            f"Event '{nid}': an error can only be thrown by an end event.")
    if isinstance(el, EndEvent) and "message" in kinds and (
            "error" in kinds or "escalation" in kinds):
        raise DeploymentError(
            f"End event '{nid}': it cannot both send a message and throw an error or "
            "escalation (the throw ends the path first); use an intermediate throw event for "
            "the message.")
    if kinds.count("message") > 1:
        raise DeploymentError(
            f"Event '{nid}': a multiple throw event may send at most one message (its job).")
    return EventDef(kind="multiple", parts=tuple(parts))


def collect_part(rt: Runtime, owner_id: str, instance_id: str, node: Node, part: str,
                 variables: Mapping[str, Any]) -> dict[str, Any] | None:
    """A part of a parallel multiple event occurred for ``owner_id`` (a token or a scope).

    Returns the merged variables of all parts once every part has occurred (the event then
    triggers), else None (it keeps waiting for the others)."""
    ev = node.event
    assert ev is not None
    for sub in list(rt.work.subscriptions_of(owner_id)):
        if sub.element_id == node.id and f"{sub.kind}:{sub.name}" == part:
            rt.work.subscriptions.delete(sub)
    for job in list(rt.work.jobs_of(owner_id)):
        if job.element_id == node.id and f"timer:{job.data.get('part')}" == part:
            rt.work.jobs.delete(job)
    token = rt.work.token(owner_id)
    scope_id = rt.ensure_local_scope(token) if token is not None else owner_id
    scope = rt.work.scope(scope_id)
    if scope is None:
        return None
    key = f"parallel_multiple:{node.id}"
    state = scope.data.get(key) or {"seen": [], "variables": {}}
    seen = list(state["seen"])
    merged = dict(state["variables"])
    if part not in seen:
        seen.append(part)
        merged.update(variables)
    required = {part_key(p, i) for i, p in enumerate(ev.parts)}
    data = dict(scope.data)
    if required <= set(seen):
        data.pop(key, None)
        scope.data = data
        rt.work.scopes.touch(scope)
        return merged
    data[key] = {"seen": seen, "variables": merged}
    scope.data = data
    rt.work.scopes.touch(scope)
    return None


def throw_all(rt: Runtime, token: Any, node: Node, *, end: bool) -> None:
    """A multiple throw (intermediate or end) event throws every definition: signals are
    broadcast, an escalation or error is thrown, and a message is sent by the event's job
    (``zeebe:taskDefinition``, as for a single message throw event)."""
    from civicflow.engine.behaviours import create_job
    from civicflow.engine.events import broadcast_signal_later
    from civicflow.engine.throws import throw_error, throw_escalation

    ev = node.event
    assert ev is not None
    for part in ev.parts:
        if part.kind == "signal" and part.name:
            broadcast_signal_later(rt, part.name)
    error = next((p for p in ev.parts if p.kind == "error"), None)
    escalation = next((p for p in ev.parts if p.kind == "escalation"), None)
    if error is not None:
        rt.record(token, node, "end")
        throw_error(rt, token, error.code, "")
        return
    if escalation is not None:
        if end:
            rt.record(token, node, "end")
        throw_escalation(rt, token, node, escalation)
        if end or token.id not in rt.work.tokens.rows:
            return
    if node.task_type is not None and any(p.kind == "message" for p in ev.parts):
        create_job(rt, token, node)  # the job's completion moves the token on
        return
    if end:
        rt.record(token, node, "end")
        rt.consume(token)
    else:
        rt.leave(token, node)
