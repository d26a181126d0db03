"""What the exporter writes for each element kind: its tag and its typed attributes.

Attributes are written only when they differ from the XSD default, as modeling tools do.
"""

from __future__ import annotations

from civicflow.model import activities as act
from civicflow.model import data, events, gateways
from civicflow.model.base import BaseElement, FlowNode, SequenceFlow
from civicflow.model.definitions import (
    DataStore,
    Error,
    Escalation,
    ItemDefinition,
    Message,
    Signal,
)
from civicflow.model.scope import AdHocSubProcess, SubProcess, Transaction

Attr = tuple[str, str | None]

TAGS: dict[type, str] = {
    act.Task: "task",
    act.UserTask: "userTask",
    act.ManualTask: "manualTask",
    act.ServiceTask: "serviceTask",
    act.SendTask: "sendTask",
    act.ReceiveTask: "receiveTask",
    act.ScriptTask: "scriptTask",
    act.BusinessRuleTask: "businessRuleTask",
    act.CallActivity: "callActivity",
    SubProcess: "subProcess",
    Transaction: "transaction",
    AdHocSubProcess: "adHocSubProcess",
    events.StartEvent: "startEvent",
    events.EndEvent: "endEvent",
    events.IntermediateCatchEvent: "intermediateCatchEvent",
    events.IntermediateThrowEvent: "intermediateThrowEvent",
    events.BoundaryEvent: "boundaryEvent",
    gateways.ExclusiveGateway: "exclusiveGateway",
    gateways.InclusiveGateway: "inclusiveGateway",
    gateways.ParallelGateway: "parallelGateway",
    gateways.EventBasedGateway: "eventBasedGateway",
    gateways.ComplexGateway: "complexGateway",
    data.DataObject: "dataObject",
    data.DataObjectReference: "dataObjectReference",
    data.DataStoreReference: "dataStoreReference",
    SequenceFlow: "sequenceFlow",
}


def simple_root(root: BaseElement) -> tuple[str, list[Attr]]:
    if isinstance(root, Message):
        return "message", [("itemRef", root.item_ref)]
    if isinstance(root, Signal):
        return "signal", [("structureRef", root.structure_ref)]
    if isinstance(root, Error):
        return "error", [("errorCode", root.error_code), ("structureRef", root.structure_ref)]
    if isinstance(root, Escalation):
        return "escalation", [
            ("escalationCode", root.escalation_code),
            ("structureRef", root.structure_ref),
        ]
    if isinstance(root, ItemDefinition):
        return "itemDefinition", [
            ("structureRef", root.structure_ref),
            ("itemKind", None if root.item_kind == "Information" else root.item_kind),
            ("isCollection", "true" if root.is_collection else None),
        ]
    assert isinstance(root, DataStore)
    return "dataStore", [
        ("capacity", None if root.capacity is None else str(root.capacity)),
        ("isUnlimited", None if root.is_unlimited else "false"),
        ("itemSubjectRef", root.item_subject_ref),
    ]


def node_attributes(node: FlowNode) -> list[Attr]:
    """Typed attributes of a flow node, written only when they differ from the XSD default."""
    attrs: list[Attr] = []
    if isinstance(node, act.Activity):
        attrs += [
            ("isForCompensation", "true" if node.is_for_compensation else None),
            ("startQuantity", None if node.start_quantity == 1 else str(node.start_quantity)),
            (
                "completionQuantity",
                None if node.completion_quantity == 1 else str(node.completion_quantity),
            ),
            ("default", node.default),
        ]
        if isinstance(node, act.UserTask | act.BusinessRuleTask):
            attrs.append(("implementation", node.implementation))
        elif isinstance(node, act.ServiceTask):
            attrs += [("implementation", node.implementation), ("operationRef", node.operation_ref)]
        elif isinstance(node, act.SendTask | act.ReceiveTask):
            attrs += [
                ("implementation", node.implementation),
                ("messageRef", node.message_ref),
                ("operationRef", node.operation_ref),
            ]
            if isinstance(node, act.ReceiveTask) and node.instantiate:
                attrs.append(("instantiate", "true"))
        elif isinstance(node, act.ScriptTask):
            attrs.append(("scriptFormat", node.script_format))
        elif isinstance(node, act.CallActivity):
            attrs.append(("calledElement", node.called_element))
        elif isinstance(node, SubProcess):
            attrs.append(("triggeredByEvent", "true" if node.triggered_by_event else None))
            if isinstance(node, Transaction):
                attrs.append(("method", node.method))
            elif isinstance(node, AdHocSubProcess):
                attrs += [
                    ("ordering", node.ordering),
                    (
                        "cancelRemainingInstances",
                        None if node.cancel_remaining_instances else "false",
                    ),
                ]
    elif isinstance(node, events.Event):
        if isinstance(node, events.CatchEvent) and node.parallel_multiple:
            attrs.append(("parallelMultiple", "true"))
        if isinstance(node, events.StartEvent) and not node.is_interrupting:
            attrs.append(("isInterrupting", "false"))
        if isinstance(node, events.BoundaryEvent):
            attrs += [
                ("cancelActivity", None if node.cancel_activity else "false"),
                ("attachedToRef", node.attached_to_ref),
            ]
    elif isinstance(node, gateways.Gateway):
        direction = node.gateway_direction
        attrs.append(("gatewayDirection", None if direction == "Unspecified" else direction))
        if isinstance(
            node, gateways.ExclusiveGateway | gateways.InclusiveGateway | gateways.ComplexGateway
        ):
            attrs.append(("default", node.default))
        elif isinstance(node, gateways.EventBasedGateway):
            attrs += [
                ("instantiate", "true" if node.instantiate else None),
                (
                    "eventGatewayType",
                    None if node.event_gateway_type == "Exclusive" else node.event_gateway_type,
                ),
            ]
    return attrs
