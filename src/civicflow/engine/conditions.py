"""Conditional events: catch, boundary and event-subprocess start events that fire when
their FEEL condition becomes true.

A waiting conditional event is a ``conditional`` subscription (name = element id). After the
agenda of a command drains, the conditions of every instance whose variables the command
changed are evaluated again, and those that hold are triggered (as Camunda 8 re-evaluates on
variable changes). An interrupting event (and a catch event) fires once. A non-interrupting
boundary or event-subprocess start event fires each time its condition changes from false to
true (BPMN 2.0.2, 10.5.1): after firing its subscription stays, marked ``HELD`` (in the
otherwise unused ``correlation_key``), and is re-armed by the first recheck that finds the
condition false; only then can it fire again.
"""

from __future__ import annotations

from typing import Any

from civicflow.engine.graph import Node
from civicflow.engine.rows import SubscriptionRow, TokenRow
from civicflow.engine.runtime import IncidentError, Runtime, new_id

#: marks the subscription of a non-interrupting conditional event whose condition held when it
#: last fired: it waits for the condition to become false before it can fire again
HELD = "held"


def watch(rt: Runtime, owner_id: str, instance_id: str, node: Node,
          part: int | None = None) -> None:
    """Start waiting for ``node``'s condition on behalf of a token or a scope (``part``: the
    index of the condition among the definitions of a multiple event; name ``<id>#<part>``)."""
    rt.work.subscriptions.add(
        SubscriptionRow(id=new_id(), instance_id=instance_id, token_id=owner_id,
                        element_id=node.id, kind="conditional",
                        name=node.id if part is None else f"{node.id}#{part}",
                        correlation_key=None, created_at=rt.now)
    )


def _condition_of(node: Node, sub: SubscriptionRow) -> tuple[Any, str | None]:
    """The condition a subscription waits for, and the part key of a multiple event."""
    ev = node.event
    if ev is None:
        return None, None
    if ev.kind == "multiple":
        _, _, index = sub.name.rpartition("#")
        if not index.isdigit() or int(index) >= len(ev.parts):
            return None, None
        return ev.parts[int(index)].condition, f"conditional:{index}"
    return ev.condition, None


def recheck(rt: Runtime) -> bool:
    """Trigger conditional events whose condition now holds; True if any fired."""
    changed = rt.work.instances_with_changed_variables()
    if not changed:
        return False
    fired = False
    for instance_id in sorted(changed):
        inst = rt.work.instance(instance_id)
        if inst is None or inst.state != "active":
            continue
        graph = rt.graph_of(inst)
        if not graph.has_conditional_events:
            continue  # most processes: no query at all
        for sub in _conditional_subscriptions(rt, instance_id):
            node = graph.nodes.get(sub.element_id)
            if node is None:
                continue
            condition, part = _condition_of(node, sub)
            if condition is None:
                continue
            owner = rt.work.token(sub.token_id)
            scope_id = rt.var_scope(owner) if owner is not None else sub.token_id
            probe = owner or TokenRow(id="", instance_id=instance_id, scope_id=scope_id,
                                      element_id="", state="", flow_id=None,
                                      local_scope_id=None, created_at=rt.now)
            try:
                holds = rt.eval_in(probe, condition) is True
            except IncidentError:
                holds = False  # a condition over variables not set yet is simply not true
            if sub.id not in rt.work.subscriptions.rows:
                continue
            repeats = part is None and _repeats(node)
            if repeats and sub.correlation_key == HELD:
                if not holds:  # became false: the next change to true fires again
                    sub.correlation_key = None
                    rt.work.subscriptions.touch(sub)
                continue
            if not holds:
                continue
            if repeats:
                sub.correlation_key = HELD
                rt.work.subscriptions.touch(sub)
            else:
                rt.work.subscriptions.delete(sub)
            from civicflow.engine.events import trigger

            try:
                trigger(rt, sub.token_id, sub.element_id, {}, part=part)
            except IncidentError as exc:
                if owner is not None and owner.id in rt.work.tokens.rows:
                    rt.raise_incident(owner, exc)
            fired = True
    return fired


def _repeats(node: Node) -> bool:
    """Non-interrupting boundary and event-subprocess start events fire on every change from
    false to true; catch events and interrupting events end their wait when they fire."""
    return node.type in ("boundaryEvent", "startEvent") and not node.cancel_activity


def _conditional_subscriptions(rt: Runtime, instance_id: str) -> list[SubscriptionRow]:
    work = rt.work
    found: list[SubscriptionRow] = []
    for sub in work.port.load_subscriptions_of_instance(instance_id, "conditional"):
        if not work.subscriptions.known(sub.id):
            work.subscriptions.rows[sub.id] = sub
            work.subscriptions._index(sub)
        if sub.id in work.subscriptions.rows:
            found.append(work.subscriptions.rows[sub.id])
    for sid in list(work.subscriptions.inserted):
        new = work.subscriptions.rows.get(sid)
        if (new is not None and new.kind == "conditional" and new.instance_id == instance_id
                and new not in found):
            found.append(new)
    return found
