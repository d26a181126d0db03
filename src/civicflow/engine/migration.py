"""Moving a running instance to another version of its process, with element-id mappings.

Every element that holds something of the instance (a token, a scope, a user task, a job, a
subscription, an incident) is looked up in the target version under its mapped id (``mappings``
old id -> new id; unmapped ids stay the same). The move is refused, naming every element, when
one would land on a missing element, on an element of another type (a user task cannot become
a service task), outside its (sub)process, into a multi-instance or event subprocess, or behind
a join flow that is not there; otherwise the rows are rewritten in place, in the command's one
transaction, and the instance runs on under the target version. A token may move *into* an
embedded subprocess nested in its own (sub)process: the subprocess instance running there is
joined, or one is entered (its start event is skipped). It may move *out of* embedded
subprocesses to an enclosing (sub)process: it takes along a copy of the variables it saw there,
and a subprocess instance left with nothing running in it is withdrawn (history ``cancel``),
as an interrupted one is. Boundary events that only the target
version has, and events it adds after an event-based gateway a token waits at, start waiting
(a timer counts from the move). History stays append-only: rows written before the move keep
the old ids and version, later rows carry the new ones.
"""

from __future__ import annotations

from collections.abc import Mapping

from civicflow.engine.errors import InvalidCommandError, NotFoundError
from civicflow.engine.migration_moves import (
    move_into,
    move_out,
    plan_move,
    plan_route,
    plan_withdrawals,
    take_along,
)
from civicflow.engine.migration_plan import Plan
from civicflow.engine.rows import InstanceState, ScopeRow, TokenRow
from civicflow.engine.runtime import Runtime


def migrate(rt: Runtime, instance_id: str, deployment_id: str, version: int,
            mappings: Mapping[str, str]) -> None:
    """Check the whole instance against the target version, then move it (or refuse)."""
    work = rt.work
    inst = work.instance(instance_id)
    if inst is None:
        raise NotFoundError(f"There is no process instance {instance_id}.")
    if inst.state != InstanceState.ACTIVE:
        raise InvalidCommandError(f"Process instance {inst.id} already ended; nothing to move.")
    target = rt.graphs(deployment_id)
    if target.process_id != inst.process_id:
        raise InvalidCommandError(
            f"Version {version} belongs to process '{target.process_id}', not "
            f"'{inst.process_id}'.")
    plan = Plan(rt.graph_of(inst), target, mappings)
    unknown = sorted(k for k in plan.mappings if k not in plan.source.nodes)
    if unknown:
        raise InvalidCommandError(
            f"The mappings name elements that version {inst.version} of '{inst.process_id}' "
            f"does not have: {', '.join(unknown)}. Map only element ids of the current version.")
    scopes: list[ScopeRow] = []
    tokens: list[TokenRow] = []
    stack = [inst.id]
    while stack:
        scope = work.scope(stack.pop())
        if scope is None:
            continue
        scopes.append(scope)
        tokens.extend(work.tokens_in(scope.id))
        stack.extend(child.id for child in work.child_scopes(scope.id))
    for token in tokens:
        plan_route(rt, plan, token)
    plan_withdrawals(rt, plan, tokens)
    scopes = [s for s in scopes if s.id not in plan.dropped_scopes]
    tokens = [t for t in tokens if t.id not in plan.dropped_tokens]
    for scope in scopes:
        if scope.kind != "process":
            plan.check(scope.element_id)
    for token in tokens:
        _check_token(rt, plan, token)
    for scope in scopes:  # event subprocess starts and compensation records
        for sub in work.subscriptions_of(scope.id):
            plan.check(sub.element_id)
            if sub.kind == "compensate":
                plan.check(sub.name)
        for job in work.jobs_of(scope.id):
            plan.check(job.element_id)
    if plan.problems:
        raise InvalidCommandError(
            f"Process instance {inst.id} cannot move to version {version}: "
            + "; ".join(sorted(set(plan.problems)))
            + ". Map these elements to compatible ones of that version (old_id=new_id: "
            "civicflow migrate --map, or mappings= in Python), let the instance finish on "
            "its version, or cancel and restart it.")
    move_out(rt, plan, tokens)  # while the instance is still on its version (history)
    _rewrite(rt, plan, scopes, tokens)
    inst.deployment_id = deployment_id
    inst.version = version
    work.instances.touch(inst)
    take_along(rt, plan, tokens)
    entered: dict[tuple[str, str], str] = {}
    for token in tokens:
        if token.id in plan.moves:
            move_into(rt, plan, token, plan.moves[token.id], entered)
    for token in tokens:
        _open_new_boundaries(rt, plan, token)
        _open_new_gateway_events(rt, plan, token)


def _open_new_boundaries(rt: Runtime, plan: Plan, token: TokenRow) -> None:
    """Boundary events that only the target version has start waiting now (a timer counts
    from the move); those the instance already had keep their state."""
    node = plan.target.nodes.get(token.element_id)
    if node is None or not node.boundaries:
        return
    scope = rt.work.scope(token.scope_id)
    if scope is not None and scope.kind == "mi_item" and scope.element_id == node.id:
        return  # an item of a multi-instance activity: the body holds the boundaries
    old = next((o for o in plan.source.nodes if plan.new(o) == node.id), None)
    had = {plan.new(b) for b in plan.source.nodes[old].boundaries} if old is not None else set()
    new = frozenset(b for b in node.boundaries if b not in had)
    if new:
        from civicflow.engine.events import deliver_buffered_to_boundaries, open_boundaries

        open_boundaries(rt, token, node, only=new)
        deliver_buffered_to_boundaries(rt)


def _open_new_gateway_events(rt: Runtime, plan: Plan, token: TokenRow) -> None:
    """A token waiting at an event-based gateway also waits for the events that only the
    target version has after it (a timer counts from the move; a buffered message is taken at
    once, as when the gateway is entered); the events it waited for keep their state."""
    node = plan.target.nodes.get(token.element_id)
    if node is None or node.type != "eventBasedGateway" or token.id not in rt.work.tokens.rows:
        return
    waiting = ({s.element_id for s in rt.work.subscriptions_of(token.id)}
               | {j.element_id for j in rt.work.jobs_of(token.id)})
    after = {plan.target.flow(f).target for f in node.outgoing}
    new = frozenset(after - waiting)
    if new:
        from civicflow.engine.events import event_based_gateway

        event_based_gateway(rt, token, node, only=new)


def _check_token(rt: Runtime, plan: Plan, token: TokenRow) -> None:
    work = rt.work
    node = plan.check(token.element_id)
    if node is not None:
        plan_move(rt, plan, token, node)
    waits_at_join = node is not None and node.type.endswith("Gateway") and len(node.incoming) > 1
    if node is not None and waits_at_join and token.flow_id is not None:
        flow = plan.target.flows.get(token.flow_id)
        if flow is None or flow.target != node.id:
            plan.problems.append(
                f"'{token.element_id}' waits for the join flow '{token.flow_id}', which does "
                f"not lead to '{node.id}' there")
    for sub in work.subscriptions_of(token.id):
        if sub.element_id != token.element_id:
            plan.check(sub.element_id, " (an event waiting with it)")
    for job in work.jobs_of(token.id):
        if job.element_id != token.element_id:
            plan.check(job.element_id, " (an event waiting with it)")




def _rewrite(rt: Runtime, plan: Plan, scopes: list[ScopeRow], tokens: list[TokenRow]) -> None:
    """Every row follows the mapping; names and lanes of open tasks come from the new model."""
    work = rt.work
    for scope in scopes:
        changed = False
        if scope.kind != "process" and plan.new(scope.element_id) != scope.element_id:
            scope.element_id = plan.new(scope.element_id)
            changed = True
        if any(k.startswith("parallel_multiple:") for k in scope.data):
            scope.data = {_rename_key(plan, k): v for k, v in scope.data.items()}
            changed = True
        if changed:
            work.scopes.touch(scope)
        for sub in work.subscriptions_of(scope.id):
            sub.element_id = plan.new(sub.element_id)
            if sub.kind in ("compensate", "conditional"):
                sub.name = _rename_sub(plan, sub.name)
            work.subscriptions.touch(sub)
        for job in work.jobs_of(scope.id):
            job.element_id = plan.new(job.element_id)
            work.jobs.touch(job)
    for token in tokens:
        token.element_id = plan.new(token.element_id)
        work.tokens.touch(token)
        for task in [t for t in work.tasks_of(token.id) if t.state == "open"]:
            node = plan.target.nodes.get(plan.new(task.element_id))
            task.element_id = plan.new(task.element_id)
            if node is not None:
                task.name, task.lane = node.name, node.lane
            work.user_tasks.touch(task)
        for job in work.jobs_of(token.id):
            job.element_id = plan.new(job.element_id)
            work.jobs.touch(job)
        for sub in work.subscriptions_of(token.id):
            sub.element_id = plan.new(sub.element_id)
            if sub.kind == "conditional":
                sub.name = _rename_sub(plan, sub.name)
            work.subscriptions.touch(sub)
        for incident in [i for i in work.incidents_of(token.id) if i.state == "open"]:
            incident.element_id = plan.new(incident.element_id)
            work.incidents.touch(incident)


def _rename_sub(plan: Plan, name: str) -> str:
    """A conditional subscription is named by its element (``<id>#<part>`` in a multiple)."""
    element, sep, part = name.partition("#")
    return plan.new(element) + sep + part


def _rename_key(plan: Plan, key: str) -> str:
    prefix, _, element = key.partition(":")
    return f"{prefix}:{plan.new(element)}" if prefix == "parallel_multiple" else key
