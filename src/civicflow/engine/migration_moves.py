"""Version migration across embedded subprocesses: a token moving *into* a subprocess nested in
its own (sub)process joins the instance running there or enters one (its start event is
skipped); a token moving *out of* subprocesses takes along a copy of the variables it saw there,
and a subprocess left with nothing running in it is withdrawn (history ``cancel``), as an
interrupted one is (``engine.migration``, decision 0303)."""

from __future__ import annotations

from typing import Any

from civicflow.engine.errors import InvalidCommandError
from civicflow.engine.expressions import RETRY_ADVICE
from civicflow.engine.graph import Node, ProcessGraph
from civicflow.engine.migration_plan import Plan, Route
from civicflow.engine.rows import ScopeRow, TokenRow, TokenState
from civicflow.engine.runtime import IncidentError, Runtime


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


def _levels(rt: Runtime, plan: Plan, token: TokenRow) -> list[tuple[ScopeRow, str]]:
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


def _find_level(plan: Plan, node: Node,
                levels: list[tuple[ScopeRow, str]]) -> tuple[int, tuple[str, ...]] | None:
    """The innermost level whose (sub)process holds ``node`` in the target version (at any
    depth), and the subprocesses from there down to it."""
    for i, (_scope, container) in enumerate(levels):
        path = _path_into(plan.target, node.container, container)
        if path is not None:
            return i, path
    return None


def _unleavable(plan: Plan, scope: ScopeRow) -> str | None:
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


def _into(rt: Runtime, plan: Plan, scope_id: str | None,
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


def plan_route(rt: Runtime, plan: Plan, token: TokenRow) -> None:
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
        plan.routes[token.id] = Route(left, levels[i][0].id)


def _looks_renamed(plan: Plan, left: tuple[ScopeRow, ...]) -> bool:
    """Leaving a subprocess the target version does not have for one it adds is what an
    unmapped rename looks like; joining (the deadline and variables stay) and re-entering
    differ, so that is refused as a missing element: map the subprocess to its new id."""
    return any(plan.new(scope.element_id) not in plan.target.nodes for scope in left)


def plan_withdrawals(rt: Runtime, plan: Plan, tokens: list[TokenRow]) -> None:
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


def plan_move(rt: Runtime, plan: Plan, token: TokenRow, node: Node) -> None:
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
            plan: Plan | None = None) -> list[TokenRow]:
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


def move_out(rt: Runtime, plan: Plan, tokens: list[TokenRow]) -> None:
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


def take_along(rt: Runtime, plan: Plan, tokens: list[TokenRow]) -> None:
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


def move_into(rt: Runtime, plan: Plan, token: TokenRow, path: tuple[str, ...],
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


