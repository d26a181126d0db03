"""Events: timers, messages, signals, links, boundary events and event subprocesses (throwing
errors and escalations is ``engine.throws``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from civicflow.engine.graph import EventDef, Node, ProcessGraph
from civicflow.engine.multiple import collect_part, part_key
from civicflow.engine.rows import JobRow, ScopeRow, SubscriptionRow, TokenRow
from civicflow.engine.runtime import IncidentError, Runtime, new_id
from civicflow.engine.timers import TimerSyntaxError, first_due, parse_cycle


# -- waiting ---------------------------------------------------------------------------------
def timer_job(rt: Runtime, owner_id: str, instance_id: str, node: Node, ev: EventDef,
              ctx_token: TokenRow | None, part: int | None = None) -> None:
    """Schedule a timer job for ``node`` on behalf of ``owner_id`` (a token or a scope);
    ``part`` is the index of the timer among the definitions of a multiple event."""
    assert ev.timer is not None
    assert ev.timer_kind is not None
    value: Any = (
        rt.eval_in(ctx_token, ev.timer) if ctx_token is not None and not ev.timer.is_static
        else ev.timer.text
    )
    left: int | None = None
    interval: float | None = None
    try:
        if isinstance(value, timedelta):
            due = rt.now + value
        elif isinstance(value, datetime):
            due = value
        else:
            due, left = first_due(ev.timer_kind, str(value), rt.now)
            if ev.timer_kind == "cycle":
                interval = parse_cycle(str(value)).interval.total_seconds()
    except TimerSyntaxError as exc:
        raise IncidentError("timer", f"Element '{node.id}': {exc}.") from exc
    rt.work.jobs.add(
        JobRow(
            id=new_id(),
            instance_id=instance_id,
            token_id=owner_id,
            element_id=node.id,
            kind="timer",
            type=None,
            headers={},
            data={"left": left, "interval": interval, "part": part},
            due_at=due,
            retries=0,
            state="ready",
            worker_id=None,
            lock_expires_at=None,
            error=None,
            idempotency_key=f"{owner_id}:{node.id}:timer" + ("" if part is None else f":{part}"),
        )
    )


def subscribe(rt: Runtime, owner_id: str, instance_id: str, node: Node, ev: EventDef,
              ctx_token: TokenRow | None, *, use_buffer: bool) -> dict[str, Any] | None:
    """Wait for a message or signal. Returns a buffered message's variables if one matches."""
    key: str | None = None
    if ev.kind == "message" and ev.correlation_key is not None and ctx_token is not None:
        raw = rt.eval_in(ctx_token, ev.correlation_key)
        if raw is None:
            raise IncidentError(
                "correlation_key",
                f"Element '{node.id}': the correlation key {ev.correlation_key.text!r} is "
                "empty. Set the variable it uses, then retry.",
            )
        key = correlation_text(raw)
    name = ev.name or ""
    if ev.kind == "message" and use_buffer:
        msg = rt.work.port.find_buffered_message(name, key, rt.now)
        if msg is not None and msg.id not in rt.work.messages_deleted:
            rt.work.messages_deleted.append(msg.id)
            return dict(msg.variables)
    rt.work.subscriptions.add(
        SubscriptionRow(
            id=new_id(),
            instance_id=instance_id,
            token_id=owner_id,
            element_id=node.id,
            kind=ev.kind,
            name=name,
            correlation_key=key,
            created_at=rt.now,
        )
    )
    return None


def correlation_text(value: Any) -> str:
    """Correlation keys compare as text; whole numbers print without a decimal point."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _wait_for(rt: Runtime, token: TokenRow, node: Node, ev: EventDef | None) -> None:
    if ev is None or ev.kind == "none":
        rt.leave(token, node)
        return
    if ev.kind == "multiple":
        _wait_for_parts(rt, token, node, ev)
    elif ev.kind == "timer":
        timer_job(rt, token.id, token.instance_id, node, ev, token)
    elif ev.kind in ("message", "signal"):
        buffered = subscribe(rt, token.id, token.instance_id, node, ev, token, use_buffer=True)
        if buffered is not None:
            rt.clear_attachments(token)
            rt.apply_result(token, node, buffered)
            rt.leave(token, node)
    elif ev.kind == "link":
        rt.leave(token, node)
    elif ev.kind == "conditional":
        from civicflow.engine.conditions import watch

        if rt.eval_condition(token, ev):
            rt.leave(token, node)
        else:
            watch(rt, token.id, token.instance_id, node)
    else:
        raise IncidentError(
            "unsupported",
            f"Element '{node.id}': {ev.kind} catch events are not supported yet.",
        )


def _wait_for_parts(rt: Runtime, token: TokenRow, node: Node, ev: EventDef) -> None:
    """A multiple catch event waits for every definition; a buffered message counts at once."""
    for i, part in enumerate(ev.parts):
        if part.kind == "timer":
            timer_job(rt, token.id, token.instance_id, node, part, token, part=i)
            continue
        if part.kind == "conditional":
            from civicflow.engine.conditions import watch

            if rt.eval_condition(token, part):
                trigger(rt, token.id, node.id, {}, part=part_key(part, i))
                if _moved_on(rt, token, node.id):
                    return
            else:
                watch(rt, token.id, token.instance_id, node, part=i)
            continue
        buffered = subscribe(rt, token.id, token.instance_id, node, part, token, use_buffer=True)
        if buffered is not None:
            trigger(rt, token.id, node.id, buffered, part=part_key(part, i))
            if _moved_on(rt, token, node.id):
                return


def _moved_on(rt: Runtime, token: TokenRow, element_id: str) -> bool:
    return token.id not in rt.work.tokens.rows or token.element_id != element_id


def receive_task(rt: Runtime, token: TokenRow, node: Node) -> None:
    rt.apply_inputs(token, node)
    open_boundaries(rt, token, node)
    _wait_for(rt, token, node, node.event)


def intermediate_catch(rt: Runtime, token: TokenRow, node: Node) -> None:
    rt.apply_inputs(token, node)
    _wait_for(rt, token, node, node.event)


def intermediate_throw(rt: Runtime, token: TokenRow, node: Node) -> None:
    ev = node.event
    kind = ev.kind if ev is not None else "none"
    rt.apply_inputs(token, node)
    if kind == "link" and ev is not None:
        graph = rt.graph_of(rt.instance_of(token))
        target = _link_target(graph, node, ev.name)
        rt.record(token, node, "end")
        rt.drop_local_scope(token)
        rt.arrive(token, target, None)
        return
    if kind == "signal" and ev is not None and ev.name:
        broadcast_signal_later(rt, ev.name)
    elif kind == "escalation":
        from civicflow.engine.throws import throw_escalation

        throw_escalation(rt, token, node)
        if token.id not in rt.work.tokens.rows:
            return
    elif kind == "message" and node.task_type is not None:
        from civicflow.engine.behaviours import create_job

        create_job(rt, token, node)
        return
    elif kind == "compensate":
        from civicflow.engine.compensation import compensate

        compensate(rt, token, node)
        return
    elif kind == "multiple":
        from civicflow.engine.multiple import throw_all

        throw_all(rt, token, node, end=False)
        return
    rt.leave(token, node)


def _link_target(graph: ProcessGraph, node: Node, name: str | None) -> str:
    for other in graph.nodes.values():
        if (
            other.type == "intermediateCatchEvent"
            and other.container == node.container
            and other.event is not None
            and other.event.kind == "link"
            and other.event.name == name
        ):
            return other.id
    raise IncidentError("link", f"Element '{node.id}': no link catch event named {name!r}.")


def event_based_gateway(rt: Runtime, token: TokenRow, node: Node,
                        only: frozenset[str] | None = None) -> None:
    """Wait for whichever event after the gateway happens first (``only``: just the events
    with these ids, for a migration to a version that adds some)."""
    graph = rt.graph_of(rt.instance_of(token))
    for flow_id in node.outgoing:
        target = graph.node(graph.flow(flow_id).target)
        if only is not None and target.id not in only:
            continue
        ev = target.event
        if target.type == "receiveTask" and ev is not None:
            ev = EventDef(kind="message", name=ev.name, correlation_key=ev.correlation_key)
        if ev is None:
            continue
        for i, part in enumerate(ev.triggers()):
            index = i if ev.kind == "multiple" else None
            if part.kind == "timer":
                timer_job(rt, token.id, token.instance_id, target, part, token, part=index)
            elif part.kind in ("message", "signal"):
                buffered = subscribe(
                    rt, token.id, token.instance_id, target, part, token, use_buffer=True
                )
                if buffered is not None:
                    trigger(rt, token.id, target.id, buffered, part=part_key(part, i))
                    if _moved_on(rt, token, node.id):
                        return


# -- boundary events and event subprocesses ---------------------------------------------------
def open_boundaries(rt: Runtime, token: TokenRow, node: Node,
                    only: frozenset[str] | None = None) -> None:
    """The activity's boundary events start waiting (``only``: just these, for a migration)."""
    if not node.boundaries:
        return
    if node.multi_instance is not None and inner_instance(rt, token):
        return  # the boundary events belong to the body's token, not to each item
    graph = rt.graph_of(rt.instance_of(token))
    for b in node.boundaries:
        if only is not None and b not in only:
            continue
        bnode = graph.node(b)
        ev = bnode.event
        if ev is None:
            continue
        for i, part in enumerate(ev.triggers()):
            index = i if ev.kind == "multiple" else None
            if part.kind == "timer":
                timer_job(rt, token.id, token.instance_id, bnode, part, token, part=index)
            elif part.kind in ("message", "signal"):
                subscribe(rt, token.id, token.instance_id, bnode, part, token, use_buffer=False)
                if part.kind == "message":  # a buffered one is delivered once the task is set up
                    rt.buffered_boundaries.append((token.id, bnode.id, part_key(part, i)))
            elif part.kind == "conditional":
                from civicflow.engine.conditions import watch

                watch(rt, token.id, token.instance_id, bnode, part=index)


def inner_instance(rt: Runtime, token: TokenRow) -> bool:
    """Whether ``token`` runs one inner instance (item) of a multi-instance activity, whose
    boundary events belong to the activity as a whole (BPMN: they are attached to the body)."""
    if rt.node_of(token).multi_instance is None:
        return False
    scope = rt.work.scope(token.scope_id)
    return scope is not None and scope.kind == "mi_item" and scope.element_id == token.element_id


def deliver_buffered_to_boundaries(rt: Runtime) -> None:
    """Message boundary events opened during this step take a message published before they
    existed (still within its time to live), like catch events and receive tasks do. Runs after
    the activity has set itself up (task, job, child instance), so interrupting it is clean."""
    pending, rt.buffered_boundaries = rt.buffered_boundaries, []
    for token_id, element_id, part in pending:
        sub = next((s for s in rt.work.subscriptions_of(token_id)
                    if s.element_id == element_id and s.kind == "message"
                    and f"message:{s.name}" == part), None)
        if sub is None:
            continue  # the activity already ended, or an earlier boundary interrupted it
        msg = rt.work.port.find_buffered_message(sub.name, sub.correlation_key, rt.now)
        if msg is None or msg.id in rt.work.messages_deleted:
            continue
        rt.work.messages_deleted.append(msg.id)
        trigger(rt, token_id, element_id, msg.variables, part=part)


def open_event_subprocesses(rt: Runtime, instance_id: str, scope_id: str,
                            esp_ids: tuple[str, ...]) -> None:
    """Event subprocesses of a scope start listening when the scope starts."""
    if not esp_ids:
        return
    inst = rt.work.instance(instance_id)
    assert inst is not None
    graph = rt.graph_of(inst)
    for esp_id in esp_ids:
        esp = graph.node(esp_id)
        for start_id in esp.starts:
            start = graph.node(start_id)
            ev = start.event
            if ev is None:
                continue
            for i, part in enumerate(ev.triggers()):
                index = i if ev.kind == "multiple" else None
                if part.kind == "timer":
                    timer_job(rt, scope_id, instance_id, start, part, None, part=index)
                elif part.kind in ("message", "signal"):
                    ctx = _any_token_for_scope(rt, scope_id, instance_id)
                    subscribe(rt, scope_id, instance_id, start, part, ctx, use_buffer=False)
                elif part.kind == "conditional":
                    from civicflow.engine.conditions import watch

                    watch(rt, scope_id, instance_id, start, part=index)


def _any_token_for_scope(rt: Runtime, scope_id: str, instance_id: str) -> TokenRow:
    """A stand-in token for evaluating expressions in a scope's variable context."""
    return TokenRow(id="", instance_id=instance_id, scope_id=scope_id, element_id="",
                    state="", flow_id=None, local_scope_id=None, created_at=rt.now)


def trigger(rt: Runtime, owner_id: str, element_id: str, variables: Mapping[str, Any], *,
            part: str | None = None) -> None:
    """A timer fired or a message/signal arrived for ``element_id`` on behalf of ``owner_id``.

    ``part`` names the definition that occurred (``message:Name``, ``timer:0``...); a parallel
    multiple event triggers only when every part has occurred."""
    token = rt.work.token(owner_id)
    if token is None:
        scope = rt.work.scope(owner_id)
        if scope is None:
            return
        inst = rt.work.instance(scope.instance_id)
        assert inst is not None
        start = rt.graph_of(inst).node(element_id)
        merged = _every_part(rt, owner_id, scope.instance_id, start, part, variables)
        if merged is not None:
            start_event_subprocess(rt, scope, start, merged)
        return
    graph = rt.graph_of(rt.instance_of(token))
    node = graph.node(element_id)
    merged = _every_part(rt, owner_id, token.instance_id, node, part, variables)
    if merged is None:
        return
    variables = merged
    if token.element_id == element_id:
        rt.clear_attachments(token)
        rt.apply_result(token, node, variables)
        rt.leave(token, node)
    elif node.attached_to == token.element_id:
        trigger_boundary(rt, token, node, variables)
    else:  # the token waits on an event-based gateway
        gateway = graph.node(token.element_id)
        rt.clear_attachments(token)
        rt.record(token, gateway, "end")
        token.element_id = node.id
        token.flow_id = None
        rt.work.tokens.touch(token)
        rt.record(token, node, "start")
        rt.apply_result(token, node, variables)
        rt.leave(token, node)


def _every_part(rt: Runtime, owner_id: str, instance_id: str, node: Node, part: str | None,
                variables: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The variables to trigger with, or None while a parallel multiple event still waits."""
    ev = node.event
    if ev is None or ev.kind != "multiple" or not ev.parallel or part is None:
        return variables
    return collect_part(rt, owner_id, instance_id, node, part, variables)


def interrupt_activity(rt: Runtime, token: TokenRow) -> None:
    """Cancel what an activity token is doing, keeping the token for the boundary path."""
    activity = rt.node_of(token)
    if token.local_scope_id is not None:
        rt.cancel_scope_contents(token.local_scope_id)
    if activity.type == "callActivity":
        from civicflow.engine.call_activity import cancel_children

        cancel_children(rt, token)
    rt.clear_attachments(token)
    rt.drop_local_scope(token)
    rt.resolve_incidents(token)
    rt.record(token, activity, "cancel")


def trigger_boundary(rt: Runtime, token: TokenRow, bnode: Node,
                     variables: Mapping[str, Any]) -> None:
    if bnode.cancel_activity:
        interrupt_activity(rt, token)
        target = token
        target.element_id = bnode.id
        target.flow_id = None
        target.state = "waiting"
        rt.work.tokens.touch(target)
    else:
        target = rt.new_token(token.instance_id, token.scope_id, bnode.id)
    rt.record(target, bnode, "start")
    rt.apply_result(target, bnode, variables)
    rt.leave(target, bnode)


def start_event_subprocess(rt: Runtime, scope: ScopeRow, start: Node,
                           variables: Mapping[str, Any]) -> None:
    inst = rt.work.instance(scope.instance_id)
    assert inst is not None
    graph = rt.graph_of(inst)
    esp = graph.node(start.container)
    if start.cancel_activity:  # completed activities stay compensable (BPMN 13.5.5)
        rt.cancel_scope_contents(scope.id, keep_compensation=True)
    owner = rt.new_token(scope.instance_id, scope.id, esp.id)
    rt.record(owner, esp, "start")
    inner = rt.ensure_local_scope(owner, kind="subprocess")
    first = rt.new_token(scope.instance_id, inner, start.id)
    if variables:
        if start.outputs:
            rt.apply_result(first, start, variables)
        else:
            rt.propagate(inner, scope.instance_id, variables)
    rt.agenda.append(first.id)


def broadcast_signal_later(rt: Runtime, name: str) -> None:
    """Queue a signal; the command delivers it to every subscriber before it commits."""
    rt.signals.append(name)
