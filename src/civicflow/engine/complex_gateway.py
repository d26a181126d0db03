"""The complex gateway's join (BPMN 2.0.2 table 13.5; Camunda 8 does not run it).

Two phases, per gateway and scope. *Waiting for start*: each arriving token waits; the gateway
activates as soon as its ``activationCondition`` (FEEL) holds over the tokens arrived so far.
The condition sees the scope's variables, ``activationCount`` (how many incoming flows hold a
token) and ``activationCounts`` (a context: incoming flow id -> tokens waiting on it). On
activation it consumes one token from every incoming flow that has one and splits like an
inclusive gateway. *Waiting for reset*: it then waits, with the inclusive gateway's rule, for
the flows that did not contribute: the reset happens when each of them holds a token or no
token of the scope can still reach the gateway. The reset consumes those tokens and emits
tokens only on outgoing flows whose explicit condition holds (conditions see
``waitingForStart``, false at the reset), so a plain discriminator continues once (BPMN's
table would also feed unconditioned and default flows again: see docs/engine-semantics.md).
Without an activation condition the gateway activates when no further token can arrive. The
phase is kept in the scope row's ``data`` (``complex``: gateway id -> flows consumed at
activation).
"""

from __future__ import annotations

from typing import Any

from civicflow.engine.expressions import ExpressionError, evaluate_condition
from civicflow.engine.graph import Node
from civicflow.engine.rows import ScopeRow, TokenRow, TokenState
from civicflow.engine.runtime import IncidentError, Runtime


def try_complex_join(rt: Runtime, scope_id: str, node: Node) -> bool:
    """Activate or reset the gateway as far as the waiting tokens allow; True if it did."""
    scope = rt.work.scope(scope_id)
    if scope is None:
        return False
    fired = False
    while True:
        waiting, others_may_arrive = _waiting(rt, scope_id, node)
        if any(t.state == TokenState.INCIDENT for ts in waiting.values() for t in ts):
            return fired  # a failed activation condition waits for the operator's retry
        consumed_at_start = _phase(scope, node)
        if consumed_at_start is not None:
            remaining = [f for f in node.incoming if f not in consumed_at_start]
            present = [f for f in remaining if waiting.get(f)]
            if len(present) < len(remaining) and others_may_arrive:
                return fired
            _set_phase(rt, scope, node, None)
            _reset(rt, node, [waiting[f][0] for f in present])
            fired = True
            continue
        present = [f for f in node.incoming if waiting.get(f)]
        if not present or not _may_activate(rt, scope_id, node, waiting, others_may_arrive):
            return fired
        _set_phase(rt, scope, node, present)
        _activate(rt, node, [waiting[f][0] for f in present])
        fired = True


def recheck_complex_join(rt: Runtime, scope_id: str, node: Node, token: TokenRow) -> bool:
    """After the agenda drained: the gateway may now reset or activate (tokens can no longer
    arrive). An activation condition that fails becomes an incident on a waiting token."""
    try:
        return try_complex_join(rt, scope_id, node)
    except IncidentError as exc:
        rt.raise_incident(token, exc)
        return False


def _waiting(rt: Runtime, scope_id: str, node: Node) -> tuple[dict[str, list[TokenRow]], bool]:
    """Tokens waiting at the gateway by incoming flow, and whether any other can arrive."""
    waiting: dict[str, list[TokenRow]] = {}
    may_arrive = False
    graph = None
    for t in rt.work.tokens_in(scope_id):
        if t.element_id == node.id and t.flow_id is not None and t.id not in rt.agenda:
            waiting.setdefault(t.flow_id, []).append(t)
            continue
        if graph is None:
            graph = rt.graph_of(rt.instance_of(t))
        if t.id in rt.agenda or graph.can_reach(t.element_id, node.id):
            may_arrive = True
    for tokens in waiting.values():
        tokens.sort(key=lambda t: t.created_at)
    return waiting, may_arrive


def _may_activate(rt: Runtime, scope_id: str, node: Node, waiting: dict[str, list[TokenRow]],
                  others_may_arrive: bool) -> bool:
    if node.activation_condition is None:
        return not others_may_arrive  # no condition: wait for every token that can arrive
    counts = {f: len(waiting.get(f, [])) for f in node.incoming}
    variables: dict[str, Any] = rt.context(scope_id)
    variables["activationCount"] = sum(1 for n in counts.values() if n)
    variables["activationCounts"] = counts
    try:
        return evaluate_condition(node.activation_condition, variables)
    except ExpressionError as exc:
        raise IncidentError(
            "condition", f"Gateway '{node.id}': activation condition: {exc}") from exc


def _phase(scope: ScopeRow, node: Node) -> list[str] | None:
    state = scope.data.get("complex") or {}
    got = state.get(node.id)
    return list(got) if got is not None else None


def _set_phase(rt: Runtime, scope: ScopeRow, node: Node, consumed: list[str] | None) -> None:
    state = dict(scope.data.get("complex") or {})
    if consumed is None:
        state.pop(node.id, None)
    else:
        state[node.id] = consumed
    data = {k: v for k, v in scope.data.items() if k != "complex"}
    if state:
        data["complex"] = state
    scope.data = data
    rt.work.scopes.touch(scope)


def _merge(rt: Runtime, node: Node, tokens: list[TokenRow]) -> TokenRow:
    first = tokens[0]
    for t in tokens[1:]:
        rt.work.tokens.delete(t)
    first.flow_id = None
    rt.work.tokens.touch(first)
    rt.record(first, node, "start")
    return first


def _activate(rt: Runtime, node: Node, tokens: list[TokenRow]) -> None:
    from civicflow.engine.gateways import split_complex

    split_complex(rt, _merge(rt, node, tokens), node, waiting_for_start=True)


def _reset(rt: Runtime, node: Node, tokens: list[TokenRow]) -> None:
    """Consume the late tokens; continue only on flows whose condition holds at the reset."""
    if not tokens:
        return
    from civicflow.engine.gateways import _conditions, _leave_by

    chosen = _conditions(rt, tokens[0], node, {"waitingForStart": False}, unconditioned=False)
    if not chosen:
        for t in tokens:
            rt.consume(t)
        return
    _leave_by(rt, _merge(rt, node, tokens), node, chosen)
