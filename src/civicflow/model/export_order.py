"""Where each child element goes, per the BPMN 2.0.2 XSD sequences.

The exporter writes the children it models in schema order; children it keeps verbatim
(``Element.other``) are slotted in by these ranks so that the file stays valid against the XSD.
"""

from __future__ import annotations

FLOW_ELEMENT_TAGS = frozenset(
    (
        "sequenceFlow",
        "startEvent",
        "endEvent",
        "intermediateThrowEvent",
        "intermediateCatchEvent",
        "boundaryEvent",
        "implicitThrowEvent",
        "task",
        "userTask",
        "manualTask",
        "serviceTask",
        "sendTask",
        "receiveTask",
        "scriptTask",
        "businessRuleTask",
        "callActivity",
        "subProcess",
        "transaction",
        "adHocSubProcess",
        "callChoreography",
        "subChoreography",
        "choreographyTask",
        "exclusiveGateway",
        "inclusiveGateway",
        "parallelGateway",
        "eventBasedGateway",
        "complexGateway",
        "dataObject",
        "dataObjectReference",
        "dataStoreReference",
    )
)
ARTIFACT_TAGS = frozenset(("textAnnotation", "group", "association"))
RESOURCE_ROLE_TAGS = frozenset(("performer", "humanPerformer", "potentialOwner", "resourceRole"))
LOOP_TAGS = frozenset(("standardLoopCharacteristics", "multiInstanceLoopCharacteristics"))
EVENT_DEFINITION_TAGS = frozenset(
    (
        "messageEventDefinition",
        "timerEventDefinition",
        "errorEventDefinition",
        "escalationEventDefinition",
        "signalEventDefinition",
        "conditionalEventDefinition",
        "terminateEventDefinition",
        "cancelEventDefinition",
        "compensateEventDefinition",
        "linkEventDefinition",
        "eventDefinition",
    )
)
ROOT_ELEMENT_TAGS = frozenset(
    (
        "process",
        "collaboration",
        "choreography",
        "globalConversation",
        "message",
        "signal",
        "error",
        "escalation",
        "itemDefinition",
        "dataStore",
        "interface",
        "endPoint",
        "resource",
        "partnerEntity",
        "partnerRole",
        "correlationProperty",
        "category",
        "globalTask",
        "globalUserTask",
        "globalManualTask",
        "globalScriptTask",
        "globalBusinessRuleTask",
    )
).union(EVENT_DEFINITION_TAGS)

Group = str | frozenset[str]
LATE = 1000  #: rank of anything unknown: after all known children


def _order(*groups: Group) -> dict[str, int]:
    ranks: dict[str, int] = {}
    for rank, group in enumerate(groups):
        for name in (group,) if isinstance(group, str) else group:
            ranks.setdefault(name, rank)
    return ranks


_FLOW_NODE = (
    "documentation",
    "extensionElements",
    "auditing",
    "monitoring",
    "categoryValueRef",
    "incoming",
    "outgoing",
)

PROCESS = _order(
    "documentation",
    "extensionElements",
    "supportedInterfaceRef",
    "ioSpecification",
    "ioBinding",
    "auditing",
    "monitoring",
    "property",
    "laneSet",
    FLOW_ELEMENT_TAGS,
    ARTIFACT_TAGS,
    RESOURCE_ROLE_TAGS,
    "correlationSubscription",
    "supports",
)
ACTIVITY = _order(
    *_FLOW_NODE,
    "ioSpecification",
    "property",
    "dataInputAssociation",
    "dataOutputAssociation",
    RESOURCE_ROLE_TAGS,
    LOOP_TAGS,
    "script",
    "rendering",
    "laneSet",
    FLOW_ELEMENT_TAGS,
    ARTIFACT_TAGS,
    "completionCondition",
)
EVENT = _order(
    *_FLOW_NODE,
    "property",
    "dataOutput",
    "dataOutputAssociation",
    "outputSet",
    "dataInput",
    "dataInputAssociation",
    "inputSet",
    EVENT_DEFINITION_TAGS,
    "eventDefinitionRef",
)
GATEWAY = _order(*_FLOW_NODE, "activationCondition")
SEQUENCE_FLOW = _order(*_FLOW_NODE[:5], "conditionExpression")
DEFINITIONS = _order("import", "extension", ROOT_ELEMENT_TAGS, "BPMNDiagram", "relationship")
COLLABORATION = _order(
    "documentation",
    "extensionElements",
    "participant",
    "messageFlow",
    ARTIFACT_TAGS,
    frozenset(("conversation", "subConversation", "callConversation")),
    "conversationAssociation",
    "participantAssociation",
    "messageFlowAssociation",
    "correlationKey",
    "choreographyRef",
    "conversationLink",
)
PARTICIPANT = _order(
    "documentation", "extensionElements", "interfaceRef", "endPointRef", "participantMultiplicity"
)
LANE = _order(
    "documentation", "extensionElements", "partitionElement", "flowNodeRef", "childLaneSet"
)
MULTI_INSTANCE = _order(
    "documentation",
    "extensionElements",
    "loopCardinality",
    "loopDataInputRef",
    "loopDataOutputRef",
    "inputDataItem",
    "outputDataItem",
    "complexBehaviorDefinition",
    "completionCondition",
)
DATA_ASSOCIATION = _order(
    "documentation", "extensionElements", "sourceRef", "targetRef", "transformation", "assignment"
)
GENERIC = _order("documentation", "extensionElements")
