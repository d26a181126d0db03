"""Gateways: exclusive, parallel, inclusive and complex splits and joins."""

from __future__ import annotations

from typing import Any

from civicflow.engine.expressions import ExpressionError, evaluate_condition
from civicflow.engine.graph import Node
from civicflow.engine.rows import TokenRow, TokenState
from civicflow.engine.runtime import IncidentError, Runtime

JOINING = frozenset({"parallelGateway", "inclusiveGateway", "complexGateway"})


def _conditions(rt: Runtime, token: TokenRow, node: Node,
                extra: dict[str, Any] | None = None, *, unconditioned: bool = True) -> list[str]:
    """Outgoing flows whose condition holds (unconditioned non-default flows hold when
    ``unconditioned``)."""
    graph = rt.graph_of(rt.instance_of(token))
    variables = rt.context(token.scope_id)
    if extra:
        variables.update(extra)
    chosen: list[str] = []
    for flow_id in node.outgoing:
        if flow_id == node.default_flow:
            continue
        flow = graph.flow(flow_id)
        if flow.condition is None:
            if unconditioned:
                chosen.append(flow_id)
            continue
        try:
            if evaluate_condition(flow.condition, variables):
                chosen.append(flow_id)
        except ExpressionError as exc:
            raise IncidentError("condition", str(exc)) from exc
    return chosen


def exclusive(rt: Runtime, token: TokenRow, node: Node) -> None:
    """Take the first flow (in model order) whose condition holds, else the default flow;
    with neither, raise an incident the operator can fix by setting variables and retrying."""
    graph = rt.graph_of(rt.instance_of(token))
    variables = rt.context(token.scope_id)
    for flow_id in node.outgoing:
        if flow_id == node.default_flow:
            continue
        flow = graph.flow(flow_id)
        try:
            holds = flow.condition is None or evaluate_condition(flow.condition, variables)
        except ExpressionError as exc:
            raise IncidentError("condition", str(exc)) from exc
        if holds:
            _leave_by(rt, token, node, [flow_id])
            return
    if node.default_flow is not None:
        _leave_by(rt, token, node, [node.default_flow])
        return
    raise IncidentError(
        "no_flow",
        f"Gateway '{node.id}'{_named(node)}: no outgoing condition is true and there is no "
        "default flow. Set the variables the conditions use, then retry the incident.",
    )


def _named(node: Node) -> str:
    return f" ({node.name})" if node.name else ""


def _leave_by(rt: Runtime, token: TokenRow, node: Node, flows: list[str]) -> None:
    rt.clear_attachments(token)
    rt.record(token, node, "end")
    rt.take(token, flows)


def parallel(rt: Runtime, token: TokenRow, node: Node) -> None:
    """Split: one token per outgoing flow (conditions are ignored, BPMN 13.3.4)."""
    _leave_by(rt, token, node, list(node.outgoing))


def inclusive(rt: Runtime, token: TokenRow, node: Node) -> None:
    """Split: every flow whose condition holds; the default flow only if none does."""
    chosen = _conditions(rt, token, node)
    if not chosen and node.default_flow is not None:
        chosen = [node.default_flow]
    if not chosen:
        raise IncidentError(
            "no_flow",
            f"Gateway '{node.id}'{_named(node)}: no outgoing condition is true and there is "
            "no default flow. Set the variables the conditions use, then retry the incident.",
        )
    _leave_by(rt, token, node, chosen)


def arrive_at_join(rt: Runtime, token: TokenRow, node: Node) -> None:
    """A token reaches a join: it waits there until the join can fire."""
    rt.reentering.discard(token.id)  # a retried join logs its start when it fires, as always
    token.state = TokenState.WAITING
    rt.work.tokens.touch(token)
    if node.type == "parallelGateway":
        _try_parallel_join(rt, token, node)
    elif node.type == "complexGateway":
        from civicflow.engine.complex_gateway import try_complex_join

        rt.touched_scopes.add(token.scope_id)
        try_complex_join(rt, token.scope_id, node)
    else:
        rt.touched_scopes.add(token.scope_id)
        _try_inclusive_join(rt, token.scope_id, node)


def _try_parallel_join(rt: Runtime, token: TokenRow, node: Node) -> None:
    by_flow: dict[str, TokenRow] = {}
    for t in rt.work.tokens_in(token.scope_id):
        if t.element_id == node.id and t.flow_id is not None and t.flow_id not in by_flow:
            if t.id != token.id and t.id in rt.agenda:
                continue
            by_flow[t.flow_id] = t
    if any(f not in by_flow for f in node.incoming):
        return
    _fire(rt, token, node, [by_flow[f] for f in node.incoming])


def _fire(rt: Runtime, token: TokenRow, node: Node, consumed: list[TokenRow]) -> None:
    """Merge the consumed tokens into ``token`` and activate the gateway's split side."""
    for t in consumed:
        if t.id != token.id:
            rt.work.tokens.delete(t)
    rt.record(token, node, "start")
    token.flow_id = None
    if node.type == "parallelGateway":
        parallel(rt, token, node)
    else:
        inclusive(rt, token, node)


def _try_inclusive_join(rt: Runtime, scope_id: str, node: Node) -> bool:
    """Fire when some flow has a token and no other token of the scope can still arrive."""
    tokens = rt.work.tokens_in(scope_id)
    graph = None
    waiting: dict[str, TokenRow] = {}
    for t in tokens:
        if t.element_id == node.id and t.flow_id is not None and t.id not in rt.agenda:
            waiting.setdefault(t.flow_id, t)
            continue
        if graph is None:
            graph = rt.graph_of(rt.instance_of(t))
        if t.id in rt.agenda or graph.can_reach(t.element_id, node.id):
            return False
    if not waiting:
        return False
    first = next(iter(waiting.values()))
    _fire(rt, first, node, list(waiting.values()))
    return True


def recheck_inclusive_joins(rt: Runtime) -> bool:
    """After the agenda drains, fire inclusive joins that no token can reach any more."""
    fired = False
    scopes = list(rt.touched_scopes)
    rt.touched_scopes.clear()
    for scope_id in scopes:
        seen: set[str] = set()
        for t in list(rt.work.tokens_in(scope_id)):
            if t.element_id in seen or t.flow_id is None:
                continue
            graph = rt.graph_of(rt.instance_of(t))
            node = graph.nodes.get(t.element_id)
            if node is None or node.type not in _RECHECKED or len(node.incoming) < 2:
                continue
            seen.add(node.id)
            if node.type == "complexGateway":
                from civicflow.engine.complex_gateway import recheck_complex_join

                if recheck_complex_join(rt, scope_id, node, t):
                    fired = True
            elif _try_inclusive_join(rt, scope_id, node):
                fired = True
    return fired


_RECHECKED = frozenset({"inclusiveGateway", "complexGateway"})


def complex_split(rt: Runtime, token: TokenRow, node: Node) -> None:
    """A complex gateway with one incoming flow only splits (like an inclusive split)."""
    split_complex(rt, token, node, waiting_for_start=True)


def split_complex(rt: Runtime, token: TokenRow, node: Node, *, waiting_for_start: bool) -> None:
    """Activation: every flow whose condition holds (unconditioned ones too), else the default
    flow, else an incident. Reset: only flows with a condition that holds; maybe none.
    Conditions see ``waitingForStart`` (true at activation, false at the reset)."""
    extra = {"waitingForStart": waiting_for_start}
    chosen = _conditions(rt, token, node, extra, unconditioned=waiting_for_start)
    if waiting_for_start and not chosen and node.default_flow is not None:
        chosen = [node.default_flow]
    if waiting_for_start and not chosen:
        raise IncidentError(
            "no_flow",
            f"Gateway '{node.id}'{_named(node)}: no outgoing condition is true and there is "
            "no default flow. Set the variables the conditions use, then retry the incident.",
        )
    _leave_by(rt, token, node, chosen)
