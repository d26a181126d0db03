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
from dataclasses import dataclass, field
from typing import Any

from civicflow.engine.errors import InvalidCommandError, NotFoundError
from civicflow.engine.expressions import RETRY_ADVICE
from civicflow.engine.graph import Node, ProcessGraph
from civicflow.engine.rows import InstanceState, ScopeRow, TokenRow, TokenState
from civicflow.engine.runtime import IncidentError, Runtime


class _Plan:
    """The element ids to rewrite, and what stands in the way."""

    def __init__(self, source: ProcessGraph, target: ProcessGraph,
                 mappings: Mapping[str, str]) -> None:
        self.source = source
        self.target = target
        self.mappings = dict(mappings)
        self.problems: list[str] = []
        #: token id -> embedded subprocesses (outermost first) it moves into
        self.moves: dict[str, tuple[str, ...]] = {}
        #: token id -> where it goes when it leaves its (sub)process
        self.routes: dict[str, _Route] = {}
        #: subprocess scopes a moved token joins (they stay, whoever leaves them)
        self.joined: set[str] = set()
        #: subprocess scopes withdrawn because every token left them, innermost first
        self.withdrawn: list[ScopeRow] = []
        #: scopes and tokens that go with the withdrawn subprocesses (not checked or rewritten)
        self.dropped_scopes: set[str] = set()
        self.dropped_tokens: set[str] = set()

    def new(self, old: str) -> str:
        return self.mappings.get(old, old)

    def check(self, old: str, what: str = "") -> Node | None:
        """The target node for ``old``, or None (a problem is recorded)."""
        new = self.new(old)
        target = self.target.nodes.get(new)
        arrow = f"'{old}'" if new == old else f"'{old}' (mapped to '{new}')"
        if target is None:
            self.problems.append(f"{arrow}{what} does not exist there")
            return None
        source = self.source.nodes.get(old)
        if source is not None and not _compatible(source, target):
            self.problems.append(
                f"{arrow}{what} is a {_describe(source)} but '{new}' is a {_describe(target)}")
            return None
        return target


@dataclass
class _Route:
    """A token that leaves embedded subprocesses: the scopes it leaves (innermost first), the
    scope it lands in, and the variables it takes along (copied into its own local scope)."""

    left: tuple[ScopeRow, ...]
    scope_id: str
    takes: dict[str, Any] = field(default_factory=dict)


def _describe(node: Node) -> str:
    kind = node.event.kind if node.event is not None and node.event.kind != "none" else ""
    mi = " (multi-instance)" if node.multi_instance is not None else ""
    return f"{kind + ' ' if kind else ''}{node.type}{mi}"


def _compatible(a: Node, b: Node) -> bool:
    """Whether something waiting on ``a`` can wait on ``b`` instead."""
    if a.type != b.type or (a.multi_instance is None) != (b.multi_instance is None):
        return False
    a_kinds = tuple(p.kind for p in a.event.triggers()) if a.event is not None else ()
    b_kinds = tuple(p.kind for p in b.event.triggers()) if b.event is not None else ()
    return a_kinds == b_kinds


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
    plan = _Plan(rt.graph_of(inst), target, mappings)
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
        _plan_route(rt, plan, token)
    _plan_withdrawals(rt, plan, tokens)
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
            + ". Map these elements to compatible ones of that version "
            "(mappings={'old_id': 'new_id'}), let the instance finish on its version, or "
            "cancel and restart it.")
    _move_out(rt, plan, tokens)  # while the instance is still on its version (history)
    _rewrite(rt, plan, scopes, tokens)
    inst.deployment_id = deployment_id
    inst.version = version
    work.instances.touch(inst)
    _take_along(rt, plan, tokens)
    entered: dict[tuple[str, str], str] = {}
    for token in tokens:
        if token.id in plan.moves:
            _move_into(rt, plan, token, plan.moves[token.id], entered)
    for token in tokens:
        _open_new_boundaries(rt, plan, token)
        _open_new_gateway_events(rt, plan, token)


def _open_new_boundaries(rt: Runtime, plan: _Plan, token: TokenRow) -> None:
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


def _open_new_gateway_events(rt: Runtime, plan: _Plan, token: TokenRow) -> None:
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


def _check_token(rt: Runtime, plan: _Plan, token: TokenRow) -> None:
    work = rt.work
    node = plan.check(token.element_id)
    if node is not None:
        _plan_move(rt, plan, token, node)
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


def _path_into(target: ProcessGraph, inner: str, outer: str) -> tuple[str, ...] | None:
    """The containers from just inside ``outer`` down to ``inner`` (outermost first), or None
    when ``inner`` is not nested in ``outer``."""
    path: list[str] = []
    current = inner
    while current != outer:
        node = target.nodes.get(current)
        if node is None:  # reached the process: ``outer`` is not around ``inner``
            return None
        path.append(current)
        current = node.container
    return tuple(reversed(path))


def _levels(rt: Runtime, plan: _Plan, token: TokenRow) -> list[tuple[ScopeRow, str]]:
    """The (sub)process scopes around a token, innermost first, each with the target id of
    its container; it stops at the process, or at a scope that is not a (sub)process (the
    item of a multi-instance subprocess): a token can only move within these."""
    out: list[tuple[ScopeRow, str]] = []
    scope = rt.work.scope(token.scope_id)
    while scope is not None:
        if scope.kind == "process":
            out.append((scope, plan.target.process_id))
            break
        if scope.kind != "subprocess":
            break
        out.append((scope, plan.new(scope.element_id)))
        scope = rt.work.scope(scope.parent_id) if scope.parent_id is not None else None
    return out


def _find_level(plan: _Plan, node: Node,
                levels: list[tuple[ScopeRow, str]]) -> tuple[int, tuple[str, ...]] | None:
    """The innermost level whose (sub)process holds ``node`` in the target version (at any
    depth), and the subprocesses from there down to it."""
    for i, (_scope, container) in enumerate(levels):
        path = _path_into(plan.target, node.container, container)
        if path is not None:
            return i, path
    return None


def _unleavable(plan: _Plan, scope: ScopeRow) -> str | None:
    """Why a token cannot move out of this subprocess instance, or None."""
    source = plan.source.nodes.get(scope.element_id)
    if source is None:
        return None
    if source.triggered_by_event:
        return (f"the event subprocess '{scope.element_id}', which ends only through its own "
                "end events")
    if source.multi_instance is not None:
        return (f"the multi-instance subprocess '{scope.element_id}': leaving one of its "
                "instances is not defined")
    return None


def _into(rt: Runtime, plan: _Plan, scope_id: str | None,
          path: tuple[str, ...]) -> tuple[list[str], str | None]:
    """The subprocess instances a token moving down ``path`` from ``scope_id`` joins (the
    others are entered), or why that is ambiguous."""
    joined: list[str] = []
    for cid in path:
        owners = _owners(rt, scope_id, cid, plan) if scope_id is not None else []
        if len(owners) > 1:
            return joined, (f"would move into subprocess '{cid}', which runs {len(owners)} "
                            "times there: which one it should join is not defined")
        if owners and owners[0].state == TokenState.INCIDENT:
            return joined, (f"would move into subprocess '{cid}', which is stuck on an "
                            "incident (a retry enters it anew); resolve the incident first")
        scope_id = owners[0].local_scope_id if owners else None
        if scope_id is not None:
            joined.append(scope_id)
    return joined, None


def _plan_route(rt: Runtime, plan: _Plan, token: TokenRow) -> None:
    """First pass, before anything is checked: which tokens leave which subprocess instances
    and which instances moved tokens join, so that the instances left with nothing running
    are known (they are withdrawn, and then need no counterpart in the target version)."""
    node = plan.target.nodes.get(plan.new(token.element_id))
    if node is None:
        return
    levels = _levels(rt, plan, token)
    if not levels or node.container == levels[0][1]:
        return
    found = _find_level(plan, node, levels)
    if found is None:
        return
    i, path = found
    joined, _problem = _into(rt, plan, levels[i][0].id, path)
    plan.joined.update(joined)
    left = tuple(scope for scope, _container in levels[:i])
    if left and not any(_unleavable(plan, scope) for scope in left) and not (
            path and _looks_renamed(plan, left)):
        plan.routes[token.id] = _Route(left, levels[i][0].id)


def _looks_renamed(plan: _Plan, left: tuple[ScopeRow, ...]) -> bool:
    """Leaving a subprocess the target version does not have for one it adds is what an
    unmapped rename looks like; joining (the deadline and variables stay) and re-entering
    differ, so that is refused as a missing element: map the subprocess to its new id."""
    return any(plan.new(scope.element_id) not in plan.target.nodes for scope in left)


def _plan_withdrawals(rt: Runtime, plan: _Plan, tokens: list[TokenRow]) -> None:
    """A subprocess instance that every token leaves (and that no moved token lands in or
    joins, and where no compensation runs) is withdrawn; what lies inside it, except the
    tokens moving out and what they take along, goes with it. Innermost first, so that an
    instance holding only withdrawn ones is withdrawn too."""
    work = rt.work
    left = {scope.id: scope for route in plan.routes.values() for scope in route.left}
    landing = {route.scope_id for route in plan.routes.values()}
    gone: set[str] = set()
    for sid in sorted(left, key=lambda x: -len(rt.chain(x))):
        if sid in landing or sid in plan.joined:
            continue
        stays = [t for t in work.tokens_in(sid)
                 if not (t.id in plan.routes and any(s.id == sid for s in plan.routes[t.id].left))
                 and t.local_scope_id not in gone]
        if stays or any(c.kind == "compensation" for c in work.child_scopes(sid)):
            continue
        gone.add(sid)
        plan.withdrawn.append(left[sid])
    taken = {t.local_scope_id for t in tokens if t.id in plan.routes and t.local_scope_id}
    stack = list(gone)
    while stack:
        sid = stack.pop()
        if sid in plan.dropped_scopes:
            continue
        plan.dropped_scopes.add(sid)
        plan.dropped_tokens.update(t.id for t in work.tokens_in(sid) if t.id not in plan.routes)
        stack.extend(c.id for c in work.child_scopes(sid) if c.id not in taken)
    plan.dropped_tokens.update(s.token_id for s in plan.withdrawn if s.token_id is not None)
    for token_id in plan.dropped_tokens:
        plan.routes.pop(token_id, None)


def _plan_move(rt: Runtime, plan: _Plan, token: TokenRow, node: Node) -> None:
    """A token whose target element lies in another (sub)process: allowed when that element is
    nested, through embedded subprocesses only, inside the token's own (sub)process or one
    enclosing it; the subprocess instances it needs are found (exactly one running there) or
    created."""
    levels = _levels(rt, plan, token)
    if not levels or node.container == levels[0][1]:
        return
    arrow = f"'{token.element_id}'" + ("" if node.id == token.element_id
                                       else f" (mapped to '{node.id}')")
    found = _find_level(plan, node, levels)
    if found is None:
        reason = _unleavable(plan, levels[-1][0])
        plan.problems.append(
            f"{arrow} would move out of {reason}" if reason is not None else
            f"{arrow} would move outside its (sub)process; a token can only move into a "
            "subprocess nested in the one it is in, or out to one enclosing it")
        return
    i, path = found
    for scope, _container in levels[:i]:
        reason = _unleavable(plan, scope)
        if reason is not None:
            plan.problems.append(f"{arrow} would move out of {reason}")
            return
    if path and _looks_renamed(plan, tuple(scope for scope, _c in levels[:i])):
        return  # the subprocess it is in is reported as missing there
    problems = len(plan.problems)
    for cid in path:
        sub = plan.target.node(cid)
        if sub.triggered_by_event:
            plan.problems.append(
                f"{arrow} would move into the event subprocess '{cid}', which only its start "
                "event can start")
        elif sub.type not in ("subProcess", "transaction"):
            plan.problems.append(f"{arrow} would move into '{cid}', a {sub.type}, which is not "
                                 "an embedded subprocess")
        elif sub.multi_instance is not None:
            plan.problems.append(
                f"{arrow} would move into the multi-instance subprocess '{cid}': which of its "
                "instances it should join is not defined")
    if len(plan.problems) > problems:
        return
    _joined, problem = _into(rt, plan, levels[i][0].id, path)
    if problem is not None:
        plan.problems.append(f"{arrow} {problem}")
        return
    if path:
        plan.moves[token.id] = path


def _owners(rt: Runtime, scope_id: str, container: str,
            plan: _Plan | None = None) -> list[TokenRow]:
    """Tokens of ``scope_id`` that run an instance of subprocess ``container`` (target id;
    before the rewrite, ``plan`` maps their element ids)."""
    out: list[TokenRow] = []
    for t in rt.work.tokens_in(scope_id):
        element = plan.new(t.element_id) if plan is not None else t.element_id
        if element != container or t.local_scope_id is None:
            continue
        local = rt.work.scope(t.local_scope_id)
        if local is not None and local.kind == "subprocess":
            out.append(t)
    return out


def _move_out(rt: Runtime, plan: _Plan, tokens: list[TokenRow]) -> None:
    """Tokens leave their subprocesses (noting the variables they saw there, which they take
    along), then the subprocess instances left with nothing running are withdrawn without
    completing: history ``cancel``, boundary events and event-subprocess listeners removed,
    local variables dropped, as for an interrupted subprocess."""
    work = rt.work
    for token in tokens:
        route = plan.routes.get(token.id)
        if route is None:
            continue
        seen: dict[str, Any] = {}
        for scope in reversed(route.left):  # inner scopes shadow outer ones
            seen.update(work.local_vars(scope.id))
        own = work.local_vars(token.local_scope_id) if token.local_scope_id else {}
        route.takes = {name: value for name, value in seen.items() if name not in own}
        old_scope = token.scope_id
        token.scope_id = route.scope_id
        work.tokens.rekey(token, old_scope)
        rt.touched_scopes.update((old_scope, route.scope_id))  # inclusive joins look again
        if token.local_scope_id is not None:
            local = work.scope(token.local_scope_id)
            if local is not None:
                old_parent = local.parent_id
                local.parent_id = route.scope_id
                work.scopes.rekey(local, old_parent)
    withdrawn = {scope.id for scope in plan.withdrawn}
    for scope in plan.withdrawn:
        if scope.parent_id in withdrawn:
            continue  # cancelled with the instance around it
        owner = work.token(scope.token_id) if scope.token_id is not None else None
        if owner is not None:
            rt.cancel_token(owner)


def _take_along(rt: Runtime, plan: _Plan, tokens: list[TokenRow]) -> None:
    """A token that left subprocesses keeps seeing what it saw there: those variables are
    copied into its own local scope (its task's form shows them, its output mappings can
    map them out; they end with it, like any local variable)."""
    for token in tokens:
        route = plan.routes.get(token.id)
        if route is None or not route.takes:
            continue
        local = rt.ensure_local_scope(token)
        for name, value in route.takes.items():
            rt.set_local(local, token.instance_id, name, value)


def _move_into(rt: Runtime, plan: _Plan, token: TokenRow, path: tuple[str, ...],
               entered: dict[tuple[str, str], str]) -> None:
    """Put a token inside the subprocesses of ``path``, entering those not running yet (one
    instance per parent scope, shared by every token moved into it)."""
    scope_id = token.scope_id
    for cid in path:
        inner = entered.get((scope_id, cid))
        if inner is None:
            owners = _owners(rt, scope_id, cid)
            inner = (owners[0].local_scope_id if owners and owners[0].local_scope_id
                     else _enter_subprocess(rt, token.instance_id, scope_id,
                                            plan.target.node(cid)))
            entered[(scope_id, cid)] = inner
        scope_id = inner
    old_scope = token.scope_id
    token.scope_id = scope_id
    rt.work.tokens.rekey(token, old_scope)
    if token.local_scope_id is not None:
        local = rt.work.scope(token.local_scope_id)
        if local is not None:
            old_parent = local.parent_id
            local.parent_id = scope_id
            rt.work.scopes.rekey(local, old_parent)


def _enter_subprocess(rt: Runtime, instance_id: str, parent_scope_id: str, node: Node) -> str:
    """Start an instance of an embedded subprocess without running its start event (a moved
    token is put inside instead): input mappings run, boundary events and event subprocesses
    start waiting, and the history logs its start."""
    from civicflow.engine.events import open_boundaries, open_event_subprocesses

    owner = rt.new_token(instance_id, parent_scope_id, node.id)
    rt.record(owner, node, "start")
    scope_id = rt.ensure_local_scope(owner, kind="subprocess")
    try:
        rt.apply_inputs(owner, node)
        open_boundaries(rt, owner, node)
        open_event_subprocesses(rt, instance_id, scope_id, node.event_subprocesses)
    except IncidentError as exc:
        raise InvalidCommandError(
            f"Subprocess '{node.id}' cannot be entered to move tokens into it: "
            f"{exc.message.removesuffix(RETRY_ADVICE).rstrip('.')}. "
            "Set the variables it needs (set_variables), then migrate again.") from exc
    return scope_id


def _rewrite(rt: Runtime, plan: _Plan, scopes: list[ScopeRow], tokens: list[TokenRow]) -> None:
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


def _rename_sub(plan: _Plan, name: str) -> str:
    """A conditional subscription is named by its element (``<id>#<part>`` in a multiple)."""
    element, sep, part = name.partition("#")
    return plan.new(element) + sep + part


def _rename_key(plan: _Plan, key: str) -> str:
    prefix, _, element = key.partition(":")
    return f"{prefix}:{plan.new(element)}" if prefix == "parallel_multiple" else key
