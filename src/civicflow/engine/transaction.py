"""Transaction subprocess cancellation (BPMN 2.0.2: "Transaction" in chapter 10, cancel end
events in chapter 13).

A cancel end event inside a transaction cancels the transaction: every other token inside is
withdrawn (history ``cancel``), the completed inner activities are compensated, most recent
first, and then the transaction's cancel boundary event fires (the transaction itself is logged
as ``cancel``). A transaction that completes normally behaves as an embedded subprocess.
"""

from __future__ import annotations

from civicflow.engine.graph import Node
from civicflow.engine.rows import ScopeRow, TokenRow
from civicflow.engine.runtime import IncidentError, Runtime, new_id


def cancel_end(rt: Runtime, token: TokenRow, node: Node) -> None:
    """A token reached a cancel end event: cancel the enclosing transaction."""
    from civicflow.engine.compensation import RUNNER, plan, records_of, start_next

    owner, scope_id = _enclosing_transaction(rt, token)
    rt.record(token, node, "end")
    rt.clear_attachments(token)
    rt.drop_local_scope(token)
    rt.work.tokens.delete(token)
    rt.cancel_scope_contents(scope_id, keep_compensation=True)
    graph = rt.graph_of(rt.instance_of(owner))
    steps, kept = plan(rt, graph, scope_id, records_of(rt, scope_id, None))
    runner = rt.work.add_scope(ScopeRow(
        id=new_id(), instance_id=owner.instance_id, parent_id=scope_id, token_id=owner.id,
        element_id=owner.element_id, kind=RUNNER,
        data={"steps": steps, "kept": kept, "cancel": True}))
    start_next(rt, runner)


def _enclosing_transaction(rt: Runtime, token: TokenRow) -> tuple[TokenRow, str]:
    scope_id: str | None = token.scope_id
    while scope_id is not None:
        scope = rt.work.scope(scope_id)
        if scope is None or scope.kind == "process":
            break
        if scope.token_id is not None and scope.kind == "subprocess":
            owner = rt.work.token(scope.token_id)
            if owner is not None and rt.node_of(owner).type == "transaction":
                return owner, scope_id
        scope_id = scope.parent_id
    raise IncidentError(
        "cancel", f"Element '{token.element_id}': a cancel end event must be inside a "
        "transaction subprocess.")


def compensated(rt: Runtime, owner: TokenRow) -> None:
    """The cancelled transaction's compensation has finished: its cancel boundary fires."""
    from civicflow.engine.events import trigger_boundary

    graph = rt.graph_of(rt.instance_of(owner))
    node = graph.node(owner.element_id)
    for b in node.boundaries:
        bnode = graph.node(b)
        if bnode.event is not None and bnode.event.kind == "cancel":
            trigger_boundary(rt, owner, bnode, {})
            return
    raise IncidentError(  # compile refuses this model; kept for models deployed otherwise
        "cancel", f"Transaction '{node.id}' was cancelled but has no cancel boundary event.")
