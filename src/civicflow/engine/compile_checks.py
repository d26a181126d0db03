"""Deployment checks for cancel and compensation events, so a model that could not run as
drawn is refused with the element id instead of an instance misbehaving later."""

from __future__ import annotations

from typing import Any

from civicflow.engine.errors import DeploymentError
from civicflow.engine.graph import Node
from civicflow.model.engine_support import ENGINE_SUPPORT

#: ``method`` values of a transaction the engine runs (BPMN's default, compensation)
COMPENSATE_METHODS = ENGINE_SUPPORT.transaction_methods


def check_compensation_and_cancel(nodes: dict[str, Node]) -> bool:
    """Refuse misplaced cancel/compensation events; True if a compensation event subprocess
    exists (the process then keeps completed subprocesses for compensation)."""
    has_esp = False
    for node in nodes.values():
        kind = node.event.kind if node.event is not None else None
        if kind == "cancel":
            _check_cancel(nodes, node)
        elif kind == "compensate" and node.type == "startEvent":
            esp = nodes.get(node.container)
            holder = nodes.get(esp.container) if esp is not None else None
            if esp is None or not esp.triggered_by_event or holder is None or (
                holder.type not in ("subProcess", "transaction")
            ):
                raise DeploymentError(
                    f"Start event '{node.id}': a compensation start event belongs to an event "
                    "subprocess inside an embedded subprocess or transaction.")
            has_esp = True
        elif kind == "compensate" and node.event is not None and node.event.activity_ref:
            _check_activity_ref(nodes, node, node.event.activity_ref)
    return has_esp


def _check_activity_ref(nodes: dict[str, Node], node: Node, ref: str) -> None:
    """``activityRef`` must name an activity of the scope the throw compensates: its own, or
    for a throw inside an event subprocess, the scope holding the event subprocess."""
    scope = node.container
    holder = nodes.get(scope)
    if holder is not None and holder.triggered_by_event:
        scope = holder.container
    target = nodes.get(ref)
    if target is None or target.container != scope or target.type.endswith(("Event", "Gateway")):
        raise DeploymentError(
            f"Event '{node.id}': its activityRef '{ref}' names no activity beside it; a "
            "compensation throw reaches only activities of its own (sub)process.")


def _check_cancel(nodes: dict[str, Node], node: Node) -> None:
    if node.type == "boundaryEvent":
        host = nodes.get(node.attached_to or "")
        if host is None or host.type != "transaction":
            raise DeploymentError(
                f"Boundary event '{node.id}': a cancel boundary event must be attached to a "
                "transaction subprocess.")
        return
    if node.type != "endEvent":
        raise DeploymentError(
            f"Event '{node.id}': cancel events exist only as end events inside a transaction "
            "and as boundary events of a transaction.")
    container = nodes.get(node.container)
    while container is not None and container.type != "transaction":
        container = nodes.get(container.container)
    if container is None:
        raise DeploymentError(
            f"End event '{node.id}': a cancel end event must be inside a transaction "
            "subprocess.")
    if not any(
        (b := nodes.get(bid)) is not None and b.event is not None and b.event.kind == "cancel"
        for bid in container.boundaries
    ):
        raise DeploymentError(
            f"Transaction '{container.id}': it has a cancel end event ('{node.id}') but no "
            "cancel boundary event to continue from; add one.")


def check_transaction_methods(process: Any) -> None:
    """Refuse transactions whose ``method`` is ``##Store`` or ``##Image`` (or anything but
    ``##Compensate``): the engine undoes a cancelled transaction only by compensation, and a
    modeller who chose another method expects effects to vanish without handlers."""
    from civicflow.model import SubProcess, Transaction

    stack = [process]
    while stack:
        scope = stack.pop()
        for el in scope.flow_elements:
            if isinstance(el, Transaction) and el.method is not None and (
                el.method.strip().lower() not in COMPENSATE_METHODS
            ):
                raise DeploymentError(
                    f"Transaction '{el.id}': method '{el.method}' is not supported; a "
                    "cancelled transaction is undone by compensation only. Remove the method "
                    "attribute (or set it to ##Compensate) and attach compensation handlers "
                    "to the activities that must be undone.")
            if isinstance(el, SubProcess):
                stack.append(el)


def compensates_called_processes(nodes: dict[str, Node]) -> bool:
    """Whether the process calls other processes: their completed work may then be kept for a
    compensation of the call activity (thrown here, or by a process that calls this one)."""
    return any(n.type == "callActivity" for n in nodes.values())


def throws_compensation(nodes: dict[str, Node]) -> bool:
    """Whether the process has a compensation throw or a cancel end event."""
    return any(n.event is not None and n.event.kind in ("compensate", "cancel")
               and n.type in ("intermediateThrowEvent", "endEvent") for n in nodes.values())
