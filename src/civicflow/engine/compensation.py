"""Compensation (BPMN 2.0.2 13.5.5): undo completed activities by running handlers.

Records. When an activity with a compensation boundary event (associated to an
``isForCompensation`` handler) completes, a ``compensate`` subscription owned by the scope it ran
in remembers it; ``correlation_key`` holds a per-scope sequence number (order of completion,
counted in the scope's ``data``); each completed instance of a multi-instance activity counts.
When an embedded subprocess or transaction completes and something inside it can be compensated
(records of its inner activities, or a compensation event subprocess), its scope is *kept*
(kind ``compensable``, detached from its token): its variables are the snapshot the handlers
see, its records stay, and a record in the parent scope names the subprocess.

Running. A compensation throw compensates the records of its scope (or the one named by
``activityRef``), most recent first: a plain record runs its handler; a kept subprocess runs
its compensation event subprocess if it has one, else its inner records, most recent first
(default compensation). Handlers run one after the other in a *runner* scope (kind
``compensation``); with ``waitForCompletion`` the throwing token goes on when the last one has
ended. A throw inside an event subprocess compensates the scope that holds the event subprocess.
"""

from __future__ import annotations

from typing import Any

from civicflow.engine.graph import Node, ProcessGraph
from civicflow.engine.rows import ScopeRow, SubscriptionRow, TokenRow
from civicflow.engine.runtime import Runtime, new_id

KEPT = "compensable"  #: scope kind: a completed subprocess kept for a later compensation
RUNNER = "compensation"  #: scope kind: runs compensation handlers one after the other
SUBPROCESSES = frozenset({"subProcess", "transaction"})


# -- remembering ----------------------------------------------------------------------------
def completed(rt: Runtime, token: TokenRow, node: Node, *, body: bool) -> None:
    """``node`` completed (called before its local scope is dropped): remember what a later
    compensation must undo."""
    if node.multi_instance is not None:
        if not body and node.compensation_handler is not None:
            _remember_item(rt, token, node.compensation_handler, node.id)
        return  # items are remembered one by one; their insides are not kept
    if node.compensation_handler is not None:
        # its own handler replaces the default compensation of anything inside it
        _record(rt, token.scope_id, token.instance_id, node.compensation_handler, node.id)
        return
    if node.type not in SUBPROCESSES or node.triggered_by_event or token.local_scope_id is None:
        return
    scope = rt.work.scope(token.local_scope_id)
    parent = rt.work.scope(token.scope_id)
    if scope is None or scope.kind != "subprocess" or parent is None or (
        parent.kind not in ("process", "subprocess", KEPT)
    ):
        return
    esp = compensation_event_subprocess(rt.graph_of(rt.instance_of(token)), node)
    if esp is None and not records_of(rt, scope.id, None):
        return
    record = _record(rt, token.scope_id, token.instance_id, esp or node.id, node.id)
    for sub in rt.work.subscriptions_of(scope.id):
        if sub.kind != "compensate":  # event-subprocess listeners stop with the subprocess
            rt.work.subscriptions.delete(sub)
    for job in rt.work.jobs_of(scope.id):
        rt.work.jobs.delete(job)
    scope.kind = KEPT
    scope.token_id = None
    scope.data = {"record": record.id}
    rt.work.scopes.touch(scope)
    token.local_scope_id = None
    rt.work.tokens.touch(token)


def compensation_event_subprocess(graph: ProcessGraph, node: Node) -> str | None:
    """The event subprocess of ``node`` that starts with a compensation start event."""
    for esp_id in node.event_subprocesses:
        for start_id in graph.node(esp_id).starts:
            ev = graph.node(start_id).event
            if ev is not None and ev.kind == "compensate":
                return esp_id
    return None


def _remember_item(rt: Runtime, token: TokenRow, handler: str, activity: str) -> None:
    """One inner instance of a multi-instance activity completed: remember it in the scope
    around the activity (item scope -> body scope -> that scope), once per instance."""
    item = rt.work.scope(token.scope_id)
    if item is None or item.kind != "mi_item" or item.parent_id is None:
        return
    body = rt.work.scope(item.parent_id)
    if body is not None and body.parent_id is not None:
        _record(rt, body.parent_id, token.instance_id, handler, activity)


def _record(rt: Runtime, scope_id: str, instance_id: str, handler: str,
            activity: str) -> SubscriptionRow:
    """A record numbered by a counter in the scope's data (reading every record of the scope
    to number it would make a large multi-instance activity quadratic)."""
    scope = rt.work.scope(scope_id)
    seq = 1
    if scope is not None:
        seq = int(scope.data.get("compensation_seq", 0)) + 1
        scope.data = {**scope.data, "compensation_seq": seq}
        rt.work.scopes.touch(scope)
    return rt.work.subscriptions.add(
        SubscriptionRow(
            id=new_id(),
            instance_id=instance_id,
            token_id=scope_id,
            element_id=handler,
            kind="compensate",
            name=activity,
            correlation_key=f"{seq:012d}",
            created_at=rt.now,
        )
    )


def records_of(rt: Runtime, scope_id: str, activity: str | None) -> list[SubscriptionRow]:
    """Compensation records of a scope, most recently completed first."""
    found = [s for s in rt.work.subscriptions_of(scope_id)
             if s.kind == "compensate" and (activity is None or s.name == activity)]
    return sorted(found, key=lambda s: s.correlation_key or "", reverse=True)


# -- throwing -------------------------------------------------------------------------------
def compensate(rt: Runtime, token: TokenRow, node: Node) -> None:
    """A compensation throw (intermediate or end event): run the handlers, then go on."""
    ev = node.event
    target = _scope_to_compensate(rt, token.scope_id)
    graph = rt.graph_of(rt.instance_of(token))
    steps, kept = plan(rt, graph, target, records_of(rt, target, ev.activity_ref if ev else None))
    wait = ev is None or ev.wait_for_completion or node.type == "endEvent"
    if not steps:
        for scope_id in kept:
            discard(rt, scope_id)
        rt.leave(token, node)
        return
    if not wait:
        # handlers start at once (most recent first) beside the token, which goes on
        for element, context in steps:
            handler = start_handler(rt, token.instance_id, token.scope_id, element, context)
            rt.agenda.append(handler.id)
        rt.leave(token, node)
        return
    runner_id = rt.ensure_local_scope(token, kind=RUNNER)
    runner = rt.work.scope(runner_id)
    assert runner is not None
    runner.kind = RUNNER
    runner.data = {"steps": steps, "kept": kept}
    rt.work.scopes.touch(runner)
    start_next(rt, runner)


def _scope_to_compensate(rt: Runtime, scope_id: str) -> str:
    """Inside an event subprocess, compensation applies to the scope holding it."""
    scope = rt.work.scope(scope_id)
    if scope is None or scope.kind != "subprocess" or scope.token_id is None:
        return scope_id
    owner = rt.work.token(scope.token_id)
    if owner is not None and rt.node_of(owner).triggered_by_event and scope.parent_id:
        return scope.parent_id
    return scope_id


def plan(rt: Runtime, graph: ProcessGraph, scope_id: str,
         records: list[SubscriptionRow]) -> tuple[list[list[str]], list[str]]:
    """Consume ``records`` into steps ``[handler element, scope whose variables it sees]`` and
    the kept subprocess scopes to discard once the steps have run."""
    steps: list[list[str]] = []
    kept: list[str] = []
    for record in records:
        rt.work.subscriptions.delete(record)
        handler = graph.nodes.get(record.element_id)
        is_subprocess = record.element_id == record.name or (
            handler is not None and handler.triggered_by_event)
        if not is_subprocess:
            steps.append([record.element_id, scope_id])
            continue
        snapshot = _kept_scope(rt, scope_id, record.id)
        if snapshot is None:
            continue
        kept.append(snapshot.id)
        if handler is not None and handler.triggered_by_event:
            steps.append([record.element_id, snapshot.id])
        else:  # default compensation: the subprocess's own completed activities
            inner, _ = plan(rt, graph, snapshot.id, records_of(rt, snapshot.id, None))
            steps.extend(inner)
    return steps, kept


def _kept_scope(rt: Runtime, scope_id: str, record_id: str) -> ScopeRow | None:
    for child in rt.work.child_scopes(scope_id):
        if child.kind == KEPT and child.data.get("record") == record_id:
            return child
    return None


def start_handler(rt: Runtime, instance_id: str, scope_id: str, element: str,
                  context: str) -> TokenRow:
    """A token on a handler in ``scope_id`` that sees the variables of ``context``."""
    handler = rt.new_token(instance_id, scope_id, element)
    if context != scope_id:
        local = rt.work.add_scope(ScopeRow(id=new_id(), instance_id=instance_id,
                                           parent_id=context, token_id=handler.id,
                                           element_id=element, kind="local"))
        handler.local_scope_id = local.id
    return handler


def start_next(rt: Runtime, runner: ScopeRow) -> None:
    """Run the runner's next handler, or finish when none is left."""
    steps: list[Any] = list(runner.data.get("steps", []))
    if not steps:
        _finish(rt, runner)
        return
    element, context = steps[0]
    runner.data = {**runner.data, "steps": steps[1:]}
    rt.work.scopes.touch(runner)
    handler = start_handler(rt, runner.instance_id, runner.id, element, context)
    rt.agenda.append(handler.id)


def _finish(rt: Runtime, runner: ScopeRow) -> None:
    for scope_id in runner.data.get("kept", []):
        discard(rt, scope_id)
    owner = rt.work.token(runner.token_id) if runner.token_id else None
    if owner is None:
        rt.work.scopes.delete(runner)
        return
    if runner.data.get("cancel"):
        from civicflow.engine.transaction import compensated

        compensated(rt, owner)
        return
    rt.leave(owner, rt.node_of(owner))  # drops the runner (the thrower's local scope)


def discard(rt: Runtime, scope_id: str) -> None:
    """Forget a kept subprocess scope: its records, variables and kept scopes inside it."""
    scope = rt.work.scope(scope_id)
    if scope is None:
        return
    discard_kept_children(rt, scope_id)
    for sub in rt.work.subscriptions_of(scope_id):
        rt.work.subscriptions.delete(sub)
    rt.work.clear_scope_vars(scope_id)
    rt.work.scopes.delete(scope)


def discard_kept_children(rt: Runtime, scope_id: str) -> None:
    """A scope ends for good: the completed subprocesses kept inside it go too."""
    for child in list(rt.work.child_scopes(scope_id)):
        if child.kind == KEPT:
            discard(rt, child.id)
