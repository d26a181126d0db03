"""Compensation (BPMN 2.0.2 13.5.5): undo completed activities by running handlers.

Records. When an activity with a compensation boundary event (associated to an
``isForCompensation`` handler) completes, a ``compensate`` subscription owned by the scope it ran
in remembers it; ``correlation_key`` holds a per-scope sequence number (order of completion,
counted in the scope's ``data``). When an embedded subprocess, transaction or event subprocess
completes and something inside it can be compensated (records of its inner activities, or a
compensation event subprocess), its scope is *kept* (kind ``compensable``, detached from its
token): its variables are the snapshot the handlers see, its records stay, and a record in the
parent scope names it. Each completed inner instance of a multi-instance activity is recorded
in the scope around the activity, its kept scope (inner work, or the item's variables for its
handler) moved there too. Called processes: ``compensation_called``.

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
CALLED = "called"  #: third item of a step that compensates a called process
SUBPROCESSES = frozenset({"subProcess", "transaction"})


# -- remembering ----------------------------------------------------------------------------
def completed(rt: Runtime, token: TokenRow, node: Node, *, body: bool) -> None:
    """``node`` completed (called before its local scope is dropped): remember what a later
    compensation must undo."""
    if body:
        return  # a multi-instance body: its inner instances were remembered one by one
    if node.compensation_handler is not None:
        # its own handler replaces the default compensation of anything inside it
        target = record_scope(rt, token, node)
        if target is not None:
            record = add_record(rt, target, token.instance_id, node.compensation_handler, node.id)
            if target != token.scope_id:  # an inner instance: its item is the handler's view
                _snapshot_item(rt, token, target, record)
        return
    if node.type not in SUBPROCESSES or token.local_scope_id is None:
        return
    graph = rt.graph_of(rt.instance_of(token))
    scope = rt.work.scope(token.local_scope_id)
    target = record_scope(rt, token, node)
    if target is None or scope is None or scope.kind != "subprocess" or is_handler(graph, node):
        return
    esp = compensation_event_subprocess(graph, node)
    if esp is None and not records_of(rt, scope.id, None):
        return
    record = add_record(rt, target, token.instance_id, esp or node.id, node.id)
    for sub in rt.work.subscriptions_of(scope.id):
        if sub.kind != "compensate":  # event-subprocess listeners stop with the subprocess
            rt.work.subscriptions.delete(sub)
    for job in rt.work.jobs_of(scope.id):
        rt.work.jobs.delete(job)
    if target != scope.parent_id:  # an inner instance of a multi-instance subprocess
        _copy_missing(rt, token.instance_id, token.scope_id, scope.id)  # inputElement...
        rt.work.move_scope(scope, target)
    scope.kind = KEPT
    scope.token_id = None
    scope.data = {"record": record.id}
    rt.work.scopes.touch(scope)
    token.local_scope_id = None
    rt.work.tokens.touch(token)


def record_scope(rt: Runtime, token: TokenRow, node: Node) -> str | None:
    """The scope that keeps the record of a completed activity: the one it ran in; for an
    inner instance of a multi-instance activity the scope around the activity (the item and
    body scopes end with it). None for work done while compensating (a handler, or anything
    inside one), which is not undone again."""
    scope = rt.work.scope(token.scope_id)
    if scope is not None and node.multi_instance is not None:
        if scope.kind != "mi_item" or scope.parent_id is None:
            return None
        body = rt.work.scope(scope.parent_id)
        scope = rt.work.scope(body.parent_id) if body is not None and body.parent_id else None
    if scope is None or scope.kind not in ("process", "subprocess", KEPT):
        return None
    if node.is_for_compensation:
        return None
    return scope.id


def is_handler(graph: ProcessGraph, node: Node) -> bool:
    """Whether ``node`` runs only to compensate: an ``isForCompensation`` activity or an event
    subprocess started by a compensation start event."""
    if node.is_for_compensation:
        return True
    if not node.triggered_by_event:
        return False
    return any((ev := graph.node(s).event) is not None and ev.kind == "compensate"
               for s in node.starts)


def _snapshot_item(rt: Runtime, token: TokenRow, target: str, record: SubscriptionRow) -> None:
    """Keep what one inner instance of a multi-instance activity saw (``inputElement``,
    ``loopCounter``, its local variables) for its own handler: a small kept scope."""
    snapshot = rt.work.add_scope(ScopeRow(
        id=new_id(), instance_id=token.instance_id, parent_id=target, token_id=None,
        element_id=token.element_id, kind=KEPT, data={"record": record.id}))
    if token.local_scope_id is not None:
        _copy_missing(rt, token.instance_id, token.local_scope_id, snapshot.id)
    _copy_missing(rt, token.instance_id, token.scope_id, snapshot.id)


def _copy_missing(rt: Runtime, instance_id: str, source: str, target: str) -> None:
    """Copy the variables of ``source`` that ``target`` does not have itself."""
    have = rt.work.local_vars(target)
    for name, value in list(rt.work.local_vars(source).items()):
        if name not in have:
            rt.work.set_var(instance_id, target, name, value)


def compensation_event_subprocess(graph: ProcessGraph, node: Node) -> str | None:
    """The event subprocess of ``node`` that starts with a compensation start event."""
    for esp_id in node.event_subprocesses:
        for start_id in graph.node(esp_id).starts:
            ev = graph.node(start_id).event
            if ev is not None and ev.kind == "compensate":
                return esp_id
    return None


def add_record(rt: Runtime, scope_id: str, instance_id: str, handler: str,
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
        for step in steps:
            if is_call(step):
                from civicflow.engine.compensation_called import start_called

                start_called(rt, step[1], None)
                continue
            handler = start_handler(rt, token.instance_id, token.scope_id, step[0], step[1])
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


def is_call(step: list[str]) -> bool:
    """A step ``[call activity, called instance, CALLED]``: compensate a called process."""
    return len(step) > 2 and step[2] == CALLED


def plan(rt: Runtime, graph: ProcessGraph, scope_id: str,
         records: list[SubscriptionRow]) -> tuple[list[list[str]], list[str]]:
    """Consume ``records`` into steps ``[handler element, scope whose variables it sees]``
    (or ``[call activity, called instance, CALLED]``) and the kept scopes to discard once the
    steps have run."""
    steps: list[list[str]] = []
    kept: list[str] = []
    for record in records:
        rt.work.subscriptions.delete(record)
        snapshot = _kept_scope(rt, scope_id, record.id)
        if snapshot is not None and snapshot.data.get("called"):
            # a call activity: its called process undoes its own work (it holds no variables)
            rt.work.scopes.delete(snapshot)
            steps.append([record.element_id, str(snapshot.data["called"]), CALLED])
            continue
        if snapshot is not None:
            kept.append(snapshot.id)
        handler = graph.nodes.get(record.element_id)
        if record.element_id == record.name:  # default compensation of a kept subprocess
            if snapshot is not None:  # its own completed activities, most recent first
                inner, inner_kept = plan(rt, graph, snapshot.id,
                                         records_of(rt, snapshot.id, None))
                steps.extend(inner)
                kept.extend(inner_kept)
        elif handler is not None and handler.triggered_by_event:  # compensation event subprocess
            if snapshot is not None:
                steps.append([record.element_id, snapshot.id])
        else:  # a handler; that of a multi-instance activity's inner instance sees its item
            steps.append([record.element_id, snapshot.id if snapshot else scope_id])
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
    """Run the runner's next handler (or the compensation of a called process), or finish
    when none is left."""
    steps: list[Any] = list(runner.data.get("steps", []))
    while steps:
        step = steps.pop(0)
        runner.data = {**runner.data, "steps": steps}
        rt.work.scopes.touch(runner)
        if is_call(step):
            from civicflow.engine.compensation_called import start_called

            if start_called(rt, step[1], runner):
                return  # the called process's handlers run; it resumes this runner
            continue
        handler = start_handler(rt, runner.instance_id, runner.id, step[0], step[1])
        rt.agenda.append(handler.id)
        return
    _finish(rt, runner)


def _finish(rt: Runtime, runner: ScopeRow) -> None:
    for scope_id in runner.data.get("kept", []):
        discard(rt, scope_id)
    if runner.data.get("called"):
        from civicflow.engine.compensation_called import called_done

        called_done(rt, runner)
        return
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
    """Forget a kept scope: its records, variables and kept scopes inside it (and, for a call
    activity, what its called process kept)."""
    scope = rt.work.scope(scope_id)
    if scope is None:
        return
    if scope.data.get("called"):
        from civicflow.engine.compensation_called import discard_called

        discard_called(rt, str(scope.data["called"]))
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
