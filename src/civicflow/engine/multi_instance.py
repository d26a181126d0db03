"""Multi-instance activities (parallel and sequential) with flat per-item cost.

The body is a scope owned by the activity's token; each item is a child scope holding the
item's local variables (``inputElement``, ``loopCounter``) and the inner token. Counters live
in the body scope's data; per-item outputs are rows of ``cf_mi_values`` (never one growing
JSON list), and a sequential body keeps its input items there too, so completing an item
reads and writes a constant number of rows whatever the collection's size.
"""

from __future__ import annotations

import re
from typing import Any

from civicflow.engine import events
from civicflow.engine.expressions import ExpressionError, evaluate
from civicflow.engine.graph import MultiInstance, Node
from civicflow.engine.rows import ScopeRow, TokenRow
from civicflow.engine.runtime import IncidentError, Runtime, new_id

_NAME = re.compile(r"^=?\s*([A-Za-z_][A-Za-z0-9_]*)\s*$")


def enter_body(rt: Runtime, token: TokenRow, node: Node) -> None:
    mi = node.multi_instance
    assert mi is not None
    rt.record(token, node, "start", element_type="multiInstanceBody")
    items: list[Any] | None = None
    if mi.loop_condition is not None:
        total = mi.loop_maximum if mi.loop_maximum is not None else 2**31 - 1
        if mi.test_before and not _holds(rt, token, mi):
            total = 0
    elif mi.input_collection is not None:
        value = rt.eval_in(token, mi.input_collection)
        if not isinstance(value, list):
            raise IncidentError(
                "expression",
                f"Element '{node.id}': the input collection {mi.input_collection.text!r} gave "
                f"{type(value).__name__}, not a list. Set it to a list and retry.",
            )
        items = value
        total = len(items)
    elif mi.cardinality is not None:
        try:
            total = int(rt.eval_in(token, mi.cardinality))
        except (TypeError, ValueError) as exc:
            raise IncidentError(
                "expression", f"Element '{node.id}': loop cardinality is not a whole number."
            ) from exc
    else:
        raise IncidentError(
            "expression",
            f"Element '{node.id}': multi-instance needs an input collection or a cardinality.",
        )
    events.open_boundaries(rt, token, node)
    body_id = rt.ensure_local_scope(token, kind="mi_body")
    body = rt.work.scope(body_id)
    assert body is not None
    body.kind = "mi_body"
    body.data = {"total": total, "done": 0, "active": 0, "next": 0, "items_open": 0}
    if total == 0:
        _finish(rt, token, body, node, mi)
        return
    if mi.sequential:
        if items is not None:
            for i, item in enumerate(items):
                rt.work.set_mi_value(token.instance_id, body.id, "in", i, item)
        _start_item(rt, body, node, mi, 0, items[0] if items is not None else None)
    else:
        for i in range(total):
            _start_item(rt, body, node, mi, i, items[i] if items is not None else None)


def _start_item(rt: Runtime, body: ScopeRow, node: Node, mi: MultiInstance, idx: int,
                item: Any) -> None:
    scope = rt.work.add_scope(
        ScopeRow(id=new_id(), instance_id=body.instance_id, parent_id=body.id, token_id=None,
                 element_id=node.id, kind="mi_item", data={"idx": idx})
    )
    rt.work.set_var(body.instance_id, scope.id, "loopCounter", idx + 1)
    if mi.input_element:
        rt.work.set_var(body.instance_id, scope.id, mi.input_element, item)
    if mi.output_element is not None:
        m = _NAME.match(mi.output_element.text)
        if m and m.group(1) != mi.input_element:
            rt.work.set_var(body.instance_id, scope.id, m.group(1), None)
    inner = rt.new_token(body.instance_id, scope.id, node.id)
    rt.agenda.append(inner.id)
    body.data["active"] += 1
    body.data["items_open"] += 1
    body.data["next"] = idx + 1
    rt.work.scopes.touch(body)


def item_completed(rt: Runtime, item: ScopeRow) -> None:
    """An inner instance ended: collect its output, then start the next or finish."""
    assert item.parent_id is not None
    body = rt.work.scope(item.parent_id)
    if body is None or body.token_id is None:
        return
    owner = rt.work.token(body.token_id)
    if owner is None:
        return
    node = rt.node_of(owner)
    mi = node.multi_instance
    assert mi is not None
    idx = int(item.data["idx"])
    variables = rt.context(item.id)
    if mi.output_collection and mi.output_element is not None:
        try:
            value = evaluate(mi.output_element, variables)
        except ExpressionError as exc:
            rt.raise_incident(owner, IncidentError("expression", str(exc)))
            return
        rt.work.set_mi_value(owner.instance_id, body.id, "out", idx, value)
    body.data["done"] += 1
    body.data["active"] -= 1
    body.data["items_open"] -= 1
    rt.work.scopes.touch(body)
    rt.work.clear_scope_vars(item.id)
    rt.work.scopes.delete(item)
    done = body.data["done"] >= body.data["total"]
    if not done and mi.loop_condition is not None:
        try:
            done = evaluate(mi.loop_condition, variables) is not True
        except ExpressionError as exc:
            rt.raise_incident(owner, IncidentError("expression", str(exc)))
            return
    if not done and mi.completion_condition is not None:
        extra = {
            "numberOfInstances": body.data["total"],
            "numberOfCompletedInstances": body.data["done"],
            "numberOfActiveInstances": body.data["active"],
        }
        variables.update(extra)
        try:
            done = evaluate(mi.completion_condition, variables) is True
        except ExpressionError as exc:
            rt.raise_incident(owner, IncidentError("expression", str(exc)))
            return
    if done:
        _finish(rt, owner, body, node, mi)
    elif mi.sequential:
        nxt = int(body.data["next"])
        item_value = rt.work.mi_value(body.id, "in", nxt) if mi.input_collection else None
        _start_item(rt, body, node, mi, nxt, item_value)


def _finish(rt: Runtime, owner: TokenRow, body: ScopeRow, node: Node, mi: MultiInstance) -> None:
    total = int(body.data["total"])
    if body.data.get("active"):
        for child in list(rt.work.child_scopes(body.id)):
            rt.cancel_scope_contents(child.id)
            rt.work.clear_scope_vars(child.id)
            rt.work.scopes.delete(child)
    result: list[Any] | None = None
    if mi.output_collection:
        outs = rt.work.mi_values(body.id, "out")
        result = [outs.get(i) for i in range(total)]
    rt.work.clear_mi_values(body.id)
    rt.work.clear_scope_vars(body.id)
    rt.work.scopes.delete(body)
    owner.local_scope_id = None
    rt.work.tokens.touch(owner)
    if mi.output_collection and result is not None:
        rt.propagate(owner.scope_id, owner.instance_id, {mi.output_collection: result})
    rt.leave(owner, node, body=True)


def _holds(rt: Runtime, token: TokenRow, mi: MultiInstance) -> bool:
    assert mi.loop_condition is not None
    return rt.eval_in(token, mi.loop_condition) is True
