"""Compensation of called processes: a call activity is compensated like an embedded
subprocess, by the compensation of what its called process completed.

BPMN 2.0.2 treats a call activity calling a process as a subprocess defined elsewhere, so
default compensation reaches its completed activities (Camunda 7 and 8 stop at the call
activity). Public-sector procedures are built from shared called processes ("collect the fee",
"register the decision"); when the case is rolled back, their work must be undone too, or a
fee stays charged without anyone noticing. So (decision 0310):

* When a called process completes and its root scope holds compensation records, the
  records and kept scopes stay in the completed child instance; the caller keeps a record
  (named after the call activity) and a small kept scope pointing at the child
  (``data.called``). A call activity with its own compensation handler, or a caller that
  nothing can compensate (no compensation throw or cancel end event, and not itself called),
  makes the child forget them at once.
* Compensating that record runs the child's handlers *in the child instance* (they are nodes
  of its process), most recent first, one at a time. The child is ``active`` while they run
  and ``completed`` again afterwards; its runner scope remembers the caller's runner, which
  then goes on with its next step.
* Cancelling the caller while a child compensates withdraws the child's handlers too; the
  child then ends ``terminated``.
"""

from __future__ import annotations

from civicflow.engine.compensation import (
    KEPT,
    RUNNER,
    add_record,
    discard,
    discard_kept_children,
    is_handler,
    plan,
    record_scope,
    records_of,
    start_next,
)
from civicflow.engine.compile_checks import throws_compensation
from civicflow.engine.graph import Node
from civicflow.engine.rows import InstanceRow, InstanceState, ScopeRow, TokenRow
from civicflow.engine.runtime import Runtime, new_id


def called_process_completed(rt: Runtime, token: TokenRow, node: Node,
                             child: InstanceRow) -> None:
    """The process called by ``token`` on ``node`` completed: keep what it can compensate for
    the caller, or let the child forget it."""
    if not records_of(rt, child.id, None):
        return
    caller = rt.instance_of(token)
    graph = rt.graph_of(caller)
    target = None
    reachable = caller.parent_token_id is not None or throws_compensation(graph.nodes)
    if reachable and node.compensation_handler is None and not is_handler(graph, node):
        target = record_scope(rt, token, node)
    if target is None:
        discard_called(rt, child.id)
        return
    record = add_record(rt, target, token.instance_id, node.id, node.id)
    rt.work.add_scope(ScopeRow(
        id=new_id(), instance_id=token.instance_id, parent_id=target, token_id=None,
        element_id=node.id, kind=KEPT, data={"record": record.id, "called": child.id}))


def start_called(rt: Runtime, child_id: str, caller: ScopeRow | None) -> bool:
    """Start compensating a completed called process; False when it has nothing to undo.
    ``caller`` is the runner that waits for it (None: nobody waits)."""
    child = rt.work.instance(child_id)
    if child is None:
        return False
    graph = rt.graph_of(child)
    steps, kept = plan(rt, graph, child.id, records_of(rt, child.id, None))
    if not steps:
        for scope_id in kept:
            discard(rt, scope_id)
        return False
    child.state = InstanceState.ACTIVE
    child.ended_at = None
    rt.work.instances.touch(child)
    runner = rt.work.add_scope(ScopeRow(
        id=new_id(), instance_id=child.id, parent_id=child.id, token_id=None,
        element_id=graph.process_id, kind=RUNNER,
        data={"steps": steps, "kept": kept, "called": True,
              "caller": caller.id if caller is not None else None}))
    if caller is not None:
        caller.data = {**caller.data, "calling": child.id}
        rt.work.scopes.touch(caller)
    start_next(rt, runner)
    return True


def called_done(rt: Runtime, runner: ScopeRow) -> None:
    """The called process's handlers have all run: it is completed again, and the caller's
    compensation goes on."""
    rt.work.scopes.delete(runner)
    child = rt.work.instance(runner.instance_id)
    if child is not None and child.state == InstanceState.ACTIVE:
        child.state = InstanceState.COMPLETED
        child.ended_at = rt.now
        rt.work.instances.touch(child)
    _resume_caller(rt, runner)


def _resume_caller(rt: Runtime, runner: ScopeRow) -> None:
    """The caller's runner goes on with its next step, if it still waits for ``runner``."""
    caller_id = runner.data.get("caller")
    caller = rt.work.scope(str(caller_id)) if caller_id else None
    if caller is None or caller.data.get("calling") != runner.instance_id:
        return  # nobody waits (waitForCompletion="false"), or the caller was cancelled
    rt.work.instance(caller.instance_id)  # the caller's optimistic lock
    caller.data = {k: v for k, v in caller.data.items() if k != "calling"}
    rt.work.scopes.touch(caller)
    start_next(rt, caller)


def runner_cancelled(rt: Runtime, runner: ScopeRow) -> None:
    """A compensation runner is being cancelled. If a called process compensates for it, that
    compensation is withdrawn too; if it is a called process's compensation (an operator
    cancelled the called instance), the caller does not wait for it any longer."""
    if runner.data.get("calling"):
        stop_called(rt, runner)
    if runner.data.get("called"):
        for kept_id in runner.data.get("kept", []):
            discard(rt, kept_id)
        runner.data = {**runner.data, "kept": []}
        rt.work.scopes.touch(runner)
        _resume_caller(rt, runner)


def stop_called(rt: Runtime, caller: ScopeRow) -> None:
    """``caller`` (a runner) is being cancelled while a called process compensates for it:
    withdraw that compensation too; the called instance ends ``terminated``."""
    child_id = str(caller.data.get("calling"))
    caller.data = {k: v for k, v in caller.data.items() if k != "calling"}
    rt.work.scopes.touch(caller)
    child = rt.work.instance(child_id)
    if child is None:
        return
    for scope in list(rt.work.child_scopes(child.id)):
        if scope.kind == RUNNER and scope.data.get("called"):
            rt.cancel_scope_contents(scope.id)  # also stops a grandchild's compensation
            rt.work.scopes.delete(scope)
    discard_called(rt, child.id)
    if child.state == InstanceState.ACTIVE:
        child.state = InstanceState.TERMINATED
        child.ended_at = rt.now
        rt.work.instances.touch(child)


def discard_called(rt: Runtime, child_id: str) -> None:
    """Forget what a completed called process kept for its caller's compensation."""
    child = rt.work.instance(child_id)
    if child is None:
        return
    for sub in rt.work.subscriptions_of(child.id):
        if sub.kind == "compensate":
            rt.work.subscriptions.delete(sub)
    discard_kept_children(rt, child.id)
