"""What each kind of flow node does when a token enters it (BPMN 2.0.2 chapter 13)."""

from __future__ import annotations

from collections.abc import Callable

from civicflow.engine import events, gateways, throws
from civicflow.engine.graph import Node
from civicflow.engine.rows import (
    InstanceState,
    JobRow,
    ScopeRow,
    TokenRow,
    UserTaskRow,
)
from civicflow.engine.runtime import IncidentError, Runtime, new_id
from civicflow.engine.timers import parse_due

Behaviour = Callable[[Runtime, TokenRow, Node], None]

WAIT_TASKS = frozenset({"userTask", "manualTask"})
JOB_TASKS = frozenset({"serviceTask", "sendTask", "businessRuleTask"})


def enter(rt: Runtime, token: TokenRow) -> None:
    """A token enters the node it sits on."""
    node = rt.node_of(token)
    if node.multi_instance is not None and not _is_item_token(rt, token):
        from civicflow.engine.multi_instance import enter_body

        enter_body(rt, token, node)
        return
    if node.type in gateways.JOINING and len(node.incoming) > 1:
        gateways.arrive_at_join(rt, token, node)
        return
    if token.id in rt.reentering:
        rt.reentering.discard(token.id)  # retried after an incident: start already recorded
    else:
        rt.record(token, node, "start")
    behaviour = _BEHAVIOURS.get(node.type, _pass_through)
    behaviour(rt, token, node)


def _is_item_token(rt: Runtime, token: TokenRow) -> bool:
    scope = rt.work.scope(token.scope_id)
    return scope is not None and scope.kind == "mi_item" and scope.element_id == token.element_id


def start_activity(rt: Runtime, token: TokenRow, node: Node) -> None:
    """Shared entry of activities: input mappings, then boundary events start listening."""
    rt.apply_inputs(token, node)
    events.open_boundaries(rt, token, node)


def _pass_through(rt: Runtime, token: TokenRow, node: Node) -> None:
    start_activity(rt, token, node)
    rt.leave(token, node)


def _start_event(rt: Runtime, token: TokenRow, node: Node) -> None:
    rt.leave(token, node)


def _user_task(rt: Runtime, token: TokenRow, node: Node) -> None:
    start_activity(rt, token, node)
    assignee = rt.eval_in(token, node.assignee) if node.assignee is not None else None
    groups_value = (
        rt.eval_in(token, node.candidate_groups) if node.candidate_groups is not None else None
    )
    if isinstance(groups_value, str):
        groups = [g.strip() for g in groups_value.split(",") if g.strip()]
    elif isinstance(groups_value, list):
        groups = [str(g) for g in groups_value]
    else:
        groups = []
    due = None
    if node.due_date is not None:
        due_value = rt.eval_in(token, node.due_date)
        if due_value:
            due = parse_due(str(due_value), rt.now)
    rt.work.user_tasks.add(
        UserTaskRow(
            id=new_id(),
            instance_id=token.instance_id,
            token_id=token.id,
            element_id=node.id,
            name=node.name,
            assignee=str(assignee) if assignee is not None else None,
            candidate_groups=groups,
            form_key=node.form_key,
            lane=node.lane,
            due=due,
            created_at=rt.now,
            state="open",
        )
    )


def _script_task(rt: Runtime, token: TokenRow, node: Node) -> None:
    start_activity(rt, token, node)
    if node.script is not None:
        value = rt.eval_in(token, node.script)
        if node.result_variable:
            rt.apply_result(token, node, {node.result_variable: value})
    rt.leave(token, node)


def _job_task(rt: Runtime, token: TokenRow, node: Node) -> None:
    start_activity(rt, token, node)
    if node.called_decision is not None:
        from civicflow.engine.decisions import evaluate_business_rule

        evaluate_business_rule(rt, token, node)
        return
    if node.task_type is None:
        rt.leave(token, node)  # a task without a job definition passes through
        return
    create_job(rt, token, node)


def create_job(rt: Runtime, token: TokenRow, node: Node) -> JobRow:
    assert node.task_type is not None
    job_type = rt.eval_in(token, node.task_type)
    retries = 3
    if node.retries is not None:
        try:
            retries = int(rt.eval_in(token, node.retries))
        except (TypeError, ValueError) as exc:
            raise IncidentError(
                "expression", f"Element '{node.id}': retries must be a whole number."
            ) from exc
    job_id = new_id()
    return rt.work.jobs.add(
        JobRow(
            id=job_id,
            instance_id=token.instance_id,
            token_id=token.id,
            element_id=node.id,
            kind="service",
            type=str(job_type),
            headers=dict(node.headers),
            data={},
            due_at=rt.now,
            retries=retries,
            state="ready",
            worker_id=None,
            lock_expires_at=None,
            error=None,
            idempotency_key=f"{token.instance_id}:{node.id}:{token.id}",
        )
    )


def _end_event(rt: Runtime, token: TokenRow, node: Node) -> None:
    kind = node.event.kind if node.event is not None else "none"
    if kind == "terminate":
        rt.record(token, node, "end")
        terminate_scope(rt, token)
        return
    if kind == "error":
        rt.record(token, node, "end")
        throws.throw_error(rt, token, node.event.code if node.event else None, "")
        return
    if kind == "escalation":
        rt.record(token, node, "end")
        throws.throw_escalation(rt, token, node)
        return
    if kind == "compensate":
        from civicflow.engine.compensation import compensate

        compensate(rt, token, node)  # ends the token once the handlers have run
        return
    if kind == "cancel":
        from civicflow.engine.transaction import cancel_end

        cancel_end(rt, token, node)  # compensates, then the transaction's boundary fires
        return
    if kind == "multiple":
        from civicflow.engine.multiple import throw_all

        throw_all(rt, token, node, end=True)
        return
    if kind == "signal" and node.event is not None and node.event.name:
        events.broadcast_signal_later(rt, node.event.name)
    if kind == "message" and node.task_type is not None:
        # Camunda 8: a message end event with a job definition behaves like a send task
        create_job(rt, token, node)
        return
    rt.record(token, node, "end")
    rt.consume(token)


def terminate_scope(rt: Runtime, token: TokenRow) -> None:
    """Terminate end event: end every token of the enclosing scope; the scope then completes
    (a terminated subprocess completes normally for its parent, BPMN 13.5.6)."""
    scope_id = token.scope_id
    rt.work.tokens.delete(token)
    for other in list(rt.work.tokens_in(scope_id)):
        rt.cancel_token(other)
    for child in list(rt.work.child_scopes(scope_id)):
        rt.cancel_scope_contents(child.id)
        rt.work.clear_scope_vars(child.id)
        rt.work.scopes.delete(child)
    scope = rt.work.scope(scope_id)
    if scope is not None and scope.kind == "process":
        instance = rt.instance_of(token)
        rt.complete_instance(instance, InstanceState.TERMINATED)
        notify_parent_of_end(rt, instance.id, terminated=True)
        return
    rt.scope_maybe_done(scope_id)


def _subprocess(rt: Runtime, token: TokenRow, node: Node) -> None:
    scope_id = rt.ensure_local_scope(token, kind="subprocess")
    scope = rt.work.scope(scope_id)
    assert scope is not None
    if scope.kind != "subprocess":
        scope.kind = "subprocess"
    rt.apply_inputs(token, node)
    events.open_boundaries(rt, token, node)
    events.open_event_subprocesses(rt, token.instance_id, scope_id, node.event_subprocesses)
    if not node.starts:
        rt.leave(token, node)
        return
    start = rt.new_token(token.instance_id, scope_id, node.starts[0])
    rt.agenda.append(start.id)


def scope_completed(rt: Runtime, scope: ScopeRow) -> None:
    """The last token of a scope ended: complete what owns the scope."""
    if scope.kind == "process":
        instance = rt.work.instance(scope.instance_id)
        assert instance is not None
        if instance.state == InstanceState.ACTIVE:
            rt.complete_instance(instance, InstanceState.COMPLETED)
            notify_parent_of_end(rt, instance.id, terminated=False)
        return
    if scope.kind == "compensation":  # a compensation handler ended: run the next one
        from civicflow.engine.compensation import start_next

        start_next(rt, scope)
        return
    if scope.kind == "mi_item":
        from civicflow.engine.multi_instance import item_completed

        item_completed(rt, scope)
        return
    if scope.kind == "event_subprocess":
        owner = rt.work.scope(scope.parent_id) if scope.parent_id else None
        rt.work.clear_scope_vars(scope.id)
        rt.work.scopes.delete(scope)
        if owner is not None:
            rt.scope_maybe_done(owner.id)
        return
    if scope.kind in ("subprocess", "local") and scope.token_id is not None:
        owner_token = rt.work.token(scope.token_id)
        if owner_token is None:
            return
        node = rt.node_of(owner_token)
        # outputs are evaluated while the subprocess scope still exists
        try:
            rt.leave(owner_token, node)
        except IncidentError as exc:
            rt.raise_incident(owner_token, exc)


def notify_parent_of_end(rt: Runtime, instance_id: str, *, terminated: bool) -> None:
    from civicflow.engine.call_activity import child_ended

    child_ended(rt, instance_id, terminated=terminated)


def cancel_called_instances(rt: Runtime, token: TokenRow) -> None:
    from civicflow.engine.call_activity import cancel_children

    cancel_children(rt, token)


def recheck_inclusive_joins(rt: Runtime) -> bool:
    return gateways.recheck_inclusive_joins(rt)


def _call_activity(rt: Runtime, token: TokenRow, node: Node) -> None:
    from civicflow.engine.call_activity import start_child

    start_activity(rt, token, node)
    start_child(rt, token, node)


_BEHAVIOURS: dict[str, Behaviour] = {
    "startEvent": _start_event,
    "endEvent": _end_event,
    "task": _pass_through,
    "userTask": _user_task,
    "manualTask": _user_task,
    "scriptTask": _script_task,
    "serviceTask": _job_task,
    "sendTask": _job_task,
    "businessRuleTask": _job_task,
    "receiveTask": events.receive_task,
    "intermediateCatchEvent": events.intermediate_catch,
    "intermediateThrowEvent": events.intermediate_throw,
    "boundaryEvent": _start_event,
    "exclusiveGateway": gateways.exclusive,
    "parallelGateway": gateways.parallel,
    "inclusiveGateway": gateways.inclusive,
    "complexGateway": gateways.complex_split,
    "eventBasedGateway": events.event_based_gateway,
    "subProcess": _subprocess,
    "transaction": _subprocess,
    "adHocSubProcess": _subprocess,
    "callActivity": _call_activity,
}
