"""Compensation (BPMN 13.5.5): undo completed activities by running their handlers.

When an activity with a compensation boundary event completes, a ``compensate`` subscription
owned by its scope remembers it. A compensation throw (intermediate or end event) runs the
handlers of the completed activities of its scope (all of them, or the one named by
``activityRef``), most recent first, inside a scope owned by the throwing token; the token
goes on when every handler has finished (``waitForCompletion``).
"""

from __future__ import annotations

from civicflow.engine.graph import Node
from civicflow.engine.rows import SubscriptionRow, TokenRow
from civicflow.engine.runtime import Runtime, new_id


def remember(rt: Runtime, token: TokenRow, node: Node) -> None:
    """An activity with a compensation handler completed: keep it for a later compensation."""
    assert node.compensation_handler is not None
    rt.work.subscriptions.add(
        SubscriptionRow(
            id=new_id(),
            instance_id=token.instance_id,
            token_id=token.scope_id,
            element_id=node.compensation_handler,
            kind="compensate",
            name=node.id,
            correlation_key=f"{rt.now.isoformat()}#{len(rt.work.subscriptions.inserted):06d}",
            created_at=rt.now,
        )
    )


def compensate(rt: Runtime, token: TokenRow, node: Node) -> None:
    """Run the handlers of completed activities in the thrower's scope, then go on."""
    target = node.event.activity_ref if node.event is not None else None
    records = [
        s for s in rt.work.subscriptions_of(token.scope_id)
        if s.kind == "compensate" and (target is None or s.name == target)
    ]
    if not records:
        rt.leave(token, node)
        return
    records.sort(key=lambda s: s.correlation_key or "", reverse=True)
    inner = rt.ensure_local_scope(token, kind="subprocess")
    for record in records:
        rt.work.subscriptions.delete(record)
        handler = rt.new_token(token.instance_id, inner, record.element_id)
        rt.agenda.append(handler.id)
