"""Import BPMN 2.0 XML into the immutable model: ``parse_bpmn(path_or_xml) -> Definitions``.

Tolerant of what modeling tools write (any prefix or the default namespace, missing optional
attributes, vendor attributes and elements), strict about safety (see ``safe_xml``). What the
model does not interpret is kept verbatim in ``attributes``/``other``/``extension_elements`` so
that export loses nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from lxml import etree

from civicflow.model import activities as act
from civicflow.model import data, events, gateways
from civicflow.model.base import (
    Assignment,
    DataAssociation,
    Expression,
    FlowElement,
    Property,
    SequenceFlow,
)
from civicflow.model.definitions import (
    Collaboration,
    DataStore,
    Definitions,
    Error,
    Escalation,
    Import,
    ItemDefinition,
    Message,
    MessageFlow,
    Participant,
    RootElement,
    Signal,
)
from civicflow.model.errors import NotBpmnError
from civicflow.model.names import MODEL, bpmndi, m
from civicflow.model.parse_di import parse_diagram
from civicflow.model.parse_util import (
    _SKIPPED,
    DOCUMENTATION,
    EXTENSION_ELEMENTS,
    Attrs,
    all_text,
    documentation,
    expression,
    is_element,
    line_of,
    local,
    pop_bool,
    pop_int,
    pop_ref,
    ref,
    xml_node,
)
from civicflow.model.safe_xml import MAX_BYTES, parse_xml, read_source
from civicflow.model.scope import (
    AdHocSubProcess,
    Lane,
    LaneSet,
    Process,
    SubProcess,
    Transaction,
)

_Children = list[etree._Element]


def parse_bpmn(
    source: str | bytes | Path, *, max_bytes: int = MAX_BYTES, name: str | None = None
) -> Definitions:
    """Import a BPMN 2.0 file: a path, or the XML itself as ``str``/``bytes``.

    Raises ``NotXmlError``, ``NotBpmnError`` or ``UnsafeXmlError`` (all ``BpmnImportError``)
    with a message naming the file and line. A descriptive (non-executable) model imports fine;
    use ``validate`` for findings.
    """
    raw, source_name = read_source(source, max_bytes=max_bytes)
    source_name = name or source_name
    root = parse_xml(raw, name=source_name)
    if root.tag != m("definitions"):
        tag = str(root.tag)
        raise NotBpmnError(
            f"the root element is <{local(tag)}> in namespace "
            f"'{etree.QName(tag).namespace or 'none'}', not a BPMN 2.0 <definitions> "
            f"({MODEL}). Export the model from your tool as BPMN 2.0 XML.",
            line=line_of(root),
            source=source_name,
        )
    return _Importer(source_name).definitions(root)


class _Importer:
    """One import run (keeps the counter for ids that a file left out)."""

    def __init__(self, source: str | None) -> None:
        self.source = source
        self.generated = 0
        self.flow_handlers: dict[str, Callable[[etree._Element], FlowElement]] = {
            m("sequenceFlow"): self.sequence_flow,
            m("startEvent"): self.start_event,
            m("endEvent"): self.throw_event(events.EndEvent),
            m("intermediateThrowEvent"): self.throw_event(events.IntermediateThrowEvent),
            m("intermediateCatchEvent"): self.intermediate_catch_event,
            m("boundaryEvent"): self.boundary_event,
            m("task"): self.activity(act.Task, ()),
            m("userTask"): self.activity(act.UserTask, ("implementation",)),
            m("manualTask"): self.activity(act.ManualTask, ()),
            m("serviceTask"): self.activity(act.ServiceTask, ("implementation", "operationRef")),
            m("sendTask"): self.activity(
                act.SendTask, ("messageRef", "implementation", "operationRef")
            ),
            m("receiveTask"): self.activity(
                act.ReceiveTask, ("messageRef", "implementation", "operationRef")
            ),
            m("scriptTask"): self.activity(act.ScriptTask, ("scriptFormat",)),
            m("businessRuleTask"): self.activity(act.BusinessRuleTask, ("implementation",)),
            m("callActivity"): self.activity(act.CallActivity, ("calledElement",)),
            m("subProcess"): self.sub_process,
            m("transaction"): self.sub_process,
            m("adHocSubProcess"): self.sub_process,
            m("exclusiveGateway"): self.gateway(gateways.ExclusiveGateway),
            m("inclusiveGateway"): self.gateway(gateways.InclusiveGateway),
            m("parallelGateway"): self.gateway(gateways.ParallelGateway),
            m("eventBasedGateway"): self.gateway(gateways.EventBasedGateway),
            m("complexGateway"): self.gateway(gateways.ComplexGateway),
            m("dataObject"): self.data_object,
            m("dataObjectReference"): self.data_reference(data.DataObjectReference),
            m("dataStoreReference"): self.data_reference(data.DataStoreReference),
        }
        self.artifact_handlers: dict[str, Callable[[etree._Element], data.Artifact]] = {
            m("textAnnotation"): self.text_annotation,
            m("group"): self.group,
            m("association"): self.association,
        }

    # -- common parts ---------------------------------------------------------------------

    def open(self, el: etree._Element) -> tuple[Attrs, dict[str, Any], _Children]:
        """Split ``el`` into its attributes, the common keyword arguments and other children."""
        attrs: Attrs = dict(el.attrib)  # type: ignore[arg-type]
        docs = []
        ext: tuple[Any, ...] = ()
        rest: _Children = []
        for child in el:
            tag = child.tag
            if not is_element(child) or tag in _SKIPPED:
                continue
            if tag == DOCUMENTATION:
                docs.append(documentation(child))
            elif tag == EXTENSION_ELEMENTS:
                ext += tuple(xml_node(c) for c in child if isinstance(c.tag, str))
            else:
                rest.append(child)
        kw: dict[str, Any] = {
            "documentation": tuple(docs),
            "extension_elements": ext,
            "line": line_of(el),
        }
        return attrs, kw, rest

    def identify(self, el: etree._Element, attrs: Attrs, kw: dict[str, Any]) -> None:
        """Take ``id`` and ``name``; give an id to an element that has none (schema allows it).

        A generated id contains ``#``, which no XML id can, so it never clashes with a real one
        and the exporter knows to leave it out.
        """
        element_id = attrs.pop("id", None)
        if element_id is None:
            self.generated += 1
            element_id = f"{local(str(el.tag))}#{self.generated}"
        kw["id"] = element_id
        name = attrs.pop("name", None)
        if name is not None:
            kw["name"] = name

    @staticmethod
    def close(kw: dict[str, Any], attrs: Attrs, other: _Children) -> dict[str, Any]:
        kw["attributes"] = tuple(attrs.items())
        kw["other"] = tuple(xml_node(o) for o in other)
        return kw

    def properties(self, rest: _Children) -> tuple[Property, ...]:
        found = []
        for child in rest:
            if child.tag == m("property"):
                attrs, kw, other = self.open(child)
                self.identify(child, attrs, kw)
                kw["item_subject_ref"] = attrs.pop("itemSubjectRef", None)
                found.append(Property(**self.close(kw, attrs, other)))
        return tuple(found)

    def data_association(self, el: etree._Element) -> DataAssociation:
        attrs, kw, rest = self.open(el)
        kw["id"] = attrs.pop("id", None)
        sources: list[str] = []
        assignments: list[Assignment] = []
        other: _Children = []
        for child in rest:
            tag = child.tag
            if tag == m("sourceRef"):
                sources.append(ref(child.text) or "")
            elif tag == m("targetRef"):
                kw["target_ref"] = ref(child.text)
            elif tag == m("transformation"):
                kw["transformation"] = expression(child)
            elif tag == m("assignment"):
                assignments.append(self.assignment(child))
            else:
                other.append(child)
        kw["source_refs"] = tuple(sources)
        kw["assignments"] = tuple(assignments)
        return DataAssociation(**self.close(kw, attrs, other))

    def assignment(self, el: etree._Element) -> Assignment:
        attrs, kw, rest = self.open(el)
        kw["id"] = attrs.pop("id", None)
        other: _Children = []
        for child in rest:
            if child.tag == m("from"):
                kw["from_"] = expression(child)
            elif child.tag == m("to"):
                kw["to"] = expression(child)
            else:
                other.append(child)
        kw.setdefault("from_", Expression(body=""))
        kw.setdefault("to", Expression(body=""))
        return Assignment(**self.close(kw, attrs, other))

    # -- flow elements --------------------------------------------------------------------

    def sequence_flow(self, el: etree._Element) -> SequenceFlow:
        attrs, kw, rest = self.open(el)
        self.identify(el, attrs, kw)
        kw["source_ref"] = pop_ref(attrs, "sourceRef") or ""
        kw["target_ref"] = pop_ref(attrs, "targetRef") or ""
        if "isImmediate" in attrs:
            kw["is_immediate"] = pop_bool(attrs, "isImmediate", False)
        other: _Children = []
        for child in rest:
            if child.tag == m("conditionExpression"):
                kw["condition"] = expression(child)
            else:
                other.append(child)
        return SequenceFlow(**self.close(kw, attrs, other))

    def event_parts(self, el: etree._Element) -> tuple[Attrs, dict[str, Any], _Children]:
        attrs, kw, rest = self.open(el)
        self.identify(el, attrs, kw)
        definitions: list[events.EventDefinition] = []
        definition_refs: list[str] = []
        associations: list[DataAssociation] = []
        other: _Children = []
        for child in rest:
            tag = child.tag
            parser = _EVENT_DEFINITIONS.get(tag)
            if parser is not None:
                definitions.append(parser(self, child))
            elif tag == m("eventDefinitionRef"):
                definition_refs.append(ref(child.text) or "")
            elif tag in (m("dataOutputAssociation"), m("dataInputAssociation")):
                associations.append(self.data_association(child))
            elif tag != m("property"):
                other.append(child)
        kw["event_definitions"] = tuple(definitions)
        kw["event_definition_refs"] = tuple(definition_refs)
        kw["properties"] = self.properties(rest)
        kw["_associations"] = tuple(associations)
        return attrs, kw, other

    def start_event(self, el: etree._Element) -> events.StartEvent:
        attrs, kw, other = self.event_parts(el)
        kw["data_output_associations"] = kw.pop("_associations")
        kw["parallel_multiple"] = pop_bool(attrs, "parallelMultiple", False)
        kw["is_interrupting"] = pop_bool(attrs, "isInterrupting", True)
        return events.StartEvent(**self.close(kw, attrs, other))

    def intermediate_catch_event(self, el: etree._Element) -> events.IntermediateCatchEvent:
        attrs, kw, other = self.event_parts(el)
        kw["data_output_associations"] = kw.pop("_associations")
        kw["parallel_multiple"] = pop_bool(attrs, "parallelMultiple", False)
        return events.IntermediateCatchEvent(**self.close(kw, attrs, other))

    def boundary_event(self, el: etree._Element) -> events.BoundaryEvent:
        attrs, kw, other = self.event_parts(el)
        kw["data_output_associations"] = kw.pop("_associations")
        kw["parallel_multiple"] = pop_bool(attrs, "parallelMultiple", False)
        kw["attached_to_ref"] = pop_ref(attrs, "attachedToRef") or ""
        kw["cancel_activity"] = pop_bool(attrs, "cancelActivity", True)
        return events.BoundaryEvent(**self.close(kw, attrs, other))

    def throw_event(
        self, cls: type[events.ThrowEvent]
    ) -> Callable[[etree._Element], events.ThrowEvent]:
        def handler(el: etree._Element) -> events.ThrowEvent:
            attrs, kw, other = self.event_parts(el)
            kw["data_input_associations"] = kw.pop("_associations")
            return cls(**self.close(kw, attrs, other))

        return handler

    def activity_parts(self, el: etree._Element) -> tuple[Attrs, dict[str, Any], _Children]:
        attrs, kw, rest = self.open(el)
        self.identify(el, attrs, kw)
        kw["is_for_compensation"] = pop_bool(attrs, "isForCompensation", False)
        kw["start_quantity"] = pop_int(attrs, "startQuantity", 1)
        kw["completion_quantity"] = pop_int(attrs, "completionQuantity", 1)
        kw["default"] = pop_ref(attrs, "default")
        inputs: list[DataAssociation] = []
        outputs: list[DataAssociation] = []
        other: _Children = []
        for child in rest:
            tag = child.tag
            if tag == m("dataInputAssociation"):
                inputs.append(self.data_association(child))
            elif tag == m("dataOutputAssociation"):
                outputs.append(self.data_association(child))
            elif tag == m("standardLoopCharacteristics"):
                kw["loop"] = self.standard_loop(child)
            elif tag == m("multiInstanceLoopCharacteristics"):
                kw["loop"] = self.multi_instance(child)
            elif tag == m("ioSpecification"):
                kw["io_specification"] = xml_node(child)
            elif tag != m("property"):
                other.append(child)
        kw["properties"] = self.properties(rest)
        kw["data_input_associations"] = tuple(inputs)
        kw["data_output_associations"] = tuple(outputs)
        return attrs, kw, other

    def activity(
        self, cls: type[act.Activity], attribute_names: tuple[str, ...]
    ) -> Callable[[etree._Element], act.Activity]:
        fields = tuple((a, _snake(a)) for a in attribute_names)

        def handler(el: etree._Element) -> act.Activity:
            attrs, kw, other = self.activity_parts(el)
            for xml_name, field_name in fields:
                value = attrs.pop(xml_name, None)
                if value is not None and (xml_name.endswith("Ref") or xml_name == "calledElement"):
                    value = ref(value)
                kw[field_name] = value
            if cls is act.ReceiveTask:
                kw["instantiate"] = pop_bool(attrs, "instantiate", False)
            elif cls is act.ScriptTask:
                remaining = []
                for child in other:
                    if child.tag == m("script"):
                        kw["script"] = all_text(child)
                    else:
                        remaining.append(child)
                other = remaining
            return cls(**self.close(kw, attrs, other))

        return handler

    def standard_loop(self, el: etree._Element) -> act.StandardLoopCharacteristics:
        attrs, kw, rest = self.open(el)
        kw["id"] = attrs.pop("id", None)
        kw["test_before"] = pop_bool(attrs, "testBefore", False)
        kw["loop_maximum"] = pop_int(attrs, "loopMaximum", None)
        other: _Children = []
        for child in rest:
            if child.tag == m("loopCondition"):
                kw["loop_condition"] = expression(child)
            else:
                other.append(child)
        return act.StandardLoopCharacteristics(**self.close(kw, attrs, other))

    def multi_instance(self, el: etree._Element) -> act.MultiInstanceLoopCharacteristics:
        attrs, kw, rest = self.open(el)
        kw["id"] = attrs.pop("id", None)
        kw["is_sequential"] = pop_bool(attrs, "isSequential", False)
        kw["behavior"] = attrs.pop("behavior", "All")
        kw["one_behavior_event_ref"] = pop_ref(attrs, "oneBehaviorEventRef")
        kw["none_behavior_event_ref"] = pop_ref(attrs, "noneBehaviorEventRef")
        other: _Children = []
        for child in rest:
            tag = child.tag
            if tag == m("loopCardinality"):
                kw["loop_cardinality"] = expression(child)
            elif tag == m("completionCondition"):
                kw["completion_condition"] = expression(child)
            elif tag == m("loopDataInputRef"):
                kw["loop_data_input_ref"] = ref(child.text)
            elif tag == m("loopDataOutputRef"):
                kw["loop_data_output_ref"] = ref(child.text)
            elif tag == m("inputDataItem"):
                kw["input_data_item"] = xml_node(child)
            elif tag == m("outputDataItem"):
                kw["output_data_item"] = xml_node(child)
            else:
                other.append(child)
        return act.MultiInstanceLoopCharacteristics(**self.close(kw, attrs, other))

    def sub_process(self, el: etree._Element) -> SubProcess:
        attrs, kw, rest = self.activity_parts(el)
        kw["triggered_by_event"] = pop_bool(attrs, "triggeredByEvent", False)
        cls: type[SubProcess] = SubProcess
        tag = el.tag
        if tag == m("transaction"):
            cls = Transaction
            kw["method"] = attrs.pop("method", None)
        elif tag == m("adHocSubProcess"):
            cls = AdHocSubProcess
            kw["ordering"] = attrs.pop("ordering", None)
            kw["cancel_remaining_instances"] = pop_bool(attrs, "cancelRemainingInstances", True)
            remaining = []
            for child in rest:
                if child.tag == m("completionCondition"):
                    kw["completion_condition"] = expression(child)
                else:
                    remaining.append(child)
            rest = remaining
        other = self.contents(rest, kw)
        return cls(**self.close(kw, attrs, other))

    def gateway(self, cls: type[gateways.Gateway]) -> Callable[[etree._Element], gateways.Gateway]:
        def handler(el: etree._Element) -> gateways.Gateway:
            attrs, kw, rest = self.open(el)
            self.identify(el, attrs, kw)
            kw["gateway_direction"] = attrs.pop("gatewayDirection", "Unspecified")
            if cls in (
                gateways.ExclusiveGateway,
                gateways.InclusiveGateway,
                gateways.ComplexGateway,
            ):
                kw["default"] = pop_ref(attrs, "default")
            if cls is gateways.EventBasedGateway:
                kw["instantiate"] = pop_bool(attrs, "instantiate", False)
                kw["event_gateway_type"] = attrs.pop("eventGatewayType", "Exclusive")
            other: _Children = []
            for child in rest:
                if cls is gateways.ComplexGateway and child.tag == m("activationCondition"):
                    kw["activation_condition"] = expression(child)
                else:
                    other.append(child)
            return cls(**self.close(kw, attrs, other))

        return handler

    def data_object(self, el: etree._Element) -> data.DataObject:
        attrs, kw, rest = self.open(el)
        self.identify(el, attrs, kw)
        kw["item_subject_ref"] = attrs.pop("itemSubjectRef", None)
        kw["is_collection"] = pop_bool(attrs, "isCollection", False)
        return data.DataObject(**self.close(kw, attrs, rest))

    def data_reference(
        self, cls: type[data.DataObjectReference | data.DataStoreReference]
    ) -> Callable[[etree._Element], FlowElement]:
        key = "dataObjectRef" if cls is data.DataObjectReference else "dataStoreRef"

        def handler(el: etree._Element) -> FlowElement:
            attrs, kw, rest = self.open(el)
            self.identify(el, attrs, kw)
            kw["item_subject_ref"] = attrs.pop("itemSubjectRef", None)
            kw[_snake(key)] = pop_ref(attrs, key)
            return cls(**self.close(kw, attrs, rest))

        return handler

    # -- artifacts ------------------------------------------------------------------------

    def text_annotation(self, el: etree._Element) -> data.TextAnnotation:
        attrs, kw, rest = self.open(el)
        self.identify(el, attrs, kw)
        kw["text_format"] = attrs.pop("textFormat", "text/plain")
        other: _Children = []
        for child in rest:
            if child.tag == m("text"):
                kw["text"] = all_text(child)
            else:
                other.append(child)
        return data.TextAnnotation(**self.close(kw, attrs, other))

    def group(self, el: etree._Element) -> data.Group:
        attrs, kw, rest = self.open(el)
        self.identify(el, attrs, kw)
        kw["category_value_ref"] = pop_ref(attrs, "categoryValueRef")
        return data.Group(**self.close(kw, attrs, rest))

    def association(self, el: etree._Element) -> data.Association:
        attrs, kw, rest = self.open(el)
        self.identify(el, attrs, kw)
        kw["source_ref"] = pop_ref(attrs, "sourceRef") or ""
        kw["target_ref"] = pop_ref(attrs, "targetRef") or ""
        kw["association_direction"] = attrs.pop("associationDirection", "None")
        return data.Association(**self.close(kw, attrs, rest))

    # -- containers -----------------------------------------------------------------------

    def contents(self, rest: _Children, kw: dict[str, Any]) -> _Children:
        """Read flow elements, artifacts and lane sets of a scope into ``kw``; return the rest."""
        flow: list[FlowElement] = []
        artifacts: list[data.Artifact] = []
        lane_sets: list[LaneSet] = []
        other: _Children = []
        flow_handlers = self.flow_handlers
        artifact_handlers = self.artifact_handlers
        for child in rest:
            tag = child.tag
            handler = flow_handlers.get(tag)
            if handler is not None:
                flow.append(handler(child))
                continue
            artifact_handler = artifact_handlers.get(tag)
            if artifact_handler is not None:
                artifacts.append(artifact_handler(child))
            elif tag == m("laneSet"):
                lane_sets.append(self.lane_set(child))
            elif tag != m("property"):
                other.append(child)
        kw["flow_elements"] = tuple(flow)
        kw["artifacts"] = tuple(artifacts)
        kw["lane_sets"] = tuple(lane_sets)
        return other

    def lane_set(self, el: etree._Element) -> LaneSet:
        attrs, kw, rest = self.open(el)
        self.identify(el, attrs, kw)
        lanes: list[Lane] = []
        other: _Children = []
        for child in rest:
            if child.tag == m("lane"):
                lanes.append(self.lane(child))
            else:
                other.append(child)
        kw["lanes"] = tuple(lanes)
        return LaneSet(**self.close(kw, attrs, other))

    def lane(self, el: etree._Element) -> Lane:
        attrs, kw, rest = self.open(el)
        self.identify(el, attrs, kw)
        kw["partition_element_ref"] = attrs.pop("partitionElementRef", None)
        refs: list[str] = []
        other: _Children = []
        for child in rest:
            tag = child.tag
            if tag == m("flowNodeRef"):
                refs.append(ref(child.text) or "")
            elif tag == m("childLaneSet"):
                kw["child_lane_set"] = self.lane_set(child)
            else:
                other.append(child)
        kw["flow_node_refs"] = tuple(refs)
        return Lane(**self.close(kw, attrs, other))

    def process(self, el: etree._Element) -> Process:
        attrs, kw, rest = self.open(el)
        self.identify(el, attrs, kw)
        kw["process_type"] = attrs.pop("processType", "None")
        if "isExecutable" in attrs:
            kw["is_executable"] = pop_bool(attrs, "isExecutable", False)
        kw["is_closed"] = pop_bool(attrs, "isClosed", False)
        kw["definitional_collaboration_ref"] = pop_ref(attrs, "definitionalCollaborationRef")
        kw["properties"] = self.properties(rest)
        remaining = []
        for child in rest:
            if child.tag == m("ioSpecification"):
                kw["io_specification"] = xml_node(child)
            else:
                remaining.append(child)
        other = self.contents(remaining, kw)
        return Process(**self.close(kw, attrs, other))

    def collaboration(self, el: etree._Element) -> Collaboration:
        attrs, kw, rest = self.open(el)
        self.identify(el, attrs, kw)
        kw["is_closed"] = pop_bool(attrs, "isClosed", False)
        participants: list[Participant] = []
        flows: list[MessageFlow] = []
        artifacts: list[data.Artifact] = []
        other: _Children = []
        for child in rest:
            tag = child.tag
            if tag == m("participant"):
                p_attrs, p_kw, p_rest = self.open(child)
                self.identify(child, p_attrs, p_kw)
                p_kw["process_ref"] = pop_ref(p_attrs, "processRef")
                participants.append(Participant(**self.close(p_kw, p_attrs, p_rest)))
            elif tag == m("messageFlow"):
                f_attrs, f_kw, f_rest = self.open(child)
                self.identify(child, f_attrs, f_kw)
                f_kw["source_ref"] = pop_ref(f_attrs, "sourceRef") or ""
                f_kw["target_ref"] = pop_ref(f_attrs, "targetRef") or ""
                f_kw["message_ref"] = pop_ref(f_attrs, "messageRef")
                flows.append(MessageFlow(**self.close(f_kw, f_attrs, f_rest)))
            elif tag in self.artifact_handlers:
                artifacts.append(self.artifact_handlers[tag](child))
            else:
                other.append(child)
        kw["participants"] = tuple(participants)
        kw["message_flows"] = tuple(flows)
        kw["artifacts"] = tuple(artifacts)
        return Collaboration(**self.close(kw, attrs, other))

    def simple_root(self, el: etree._Element) -> RootElement:
        attrs, kw, rest = self.open(el)
        self.identify(el, attrs, kw)
        tag = el.tag
        if tag == m("message"):
            kw["item_ref"] = attrs.pop("itemRef", None)
            return Message(**self.close(kw, attrs, rest))
        if tag == m("signal"):
            kw["structure_ref"] = attrs.pop("structureRef", None)
            return Signal(**self.close(kw, attrs, rest))
        if tag == m("error"):
            kw["error_code"] = attrs.pop("errorCode", None)
            kw["structure_ref"] = attrs.pop("structureRef", None)
            return Error(**self.close(kw, attrs, rest))
        if tag == m("escalation"):
            kw["escalation_code"] = attrs.pop("escalationCode", None)
            kw["structure_ref"] = attrs.pop("structureRef", None)
            return Escalation(**self.close(kw, attrs, rest))
        if tag == m("itemDefinition"):
            kw["structure_ref"] = attrs.pop("structureRef", None)
            kw["item_kind"] = attrs.pop("itemKind", "Information")
            kw["is_collection"] = pop_bool(attrs, "isCollection", False)
            return ItemDefinition(**self.close(kw, attrs, rest))
        kw["capacity"] = pop_int(attrs, "capacity", None)
        kw["is_unlimited"] = pop_bool(attrs, "isUnlimited", True)
        kw["item_subject_ref"] = attrs.pop("itemSubjectRef", None)
        return DataStore(**self.close(kw, attrs, rest))

    def definitions(self, root: etree._Element) -> Definitions:
        attrs, kw, rest = self.open(root)
        kw["id"] = attrs.pop("id", None)
        kw["name"] = attrs.pop("name", None)
        kw["target_namespace"] = attrs.pop("targetNamespace", "")
        for xml_name in ("expressionLanguage", "typeLanguage", "exporter", "exporterVersion"):
            kw[_snake(xml_name)] = attrs.pop(xml_name, None)
        roots: list[RootElement] = []
        imports: list[Import] = []
        diagrams = []
        other: _Children = []
        for child in rest:
            tag = child.tag
            if tag == m("process"):
                roots.append(self.process(child))
            elif tag == m("collaboration"):
                roots.append(self.collaboration(child))
            elif tag in _SIMPLE_ROOTS:
                roots.append(self.simple_root(child))
            elif tag == m("import"):
                i_attrs: Attrs = dict(child.attrib)  # type: ignore[arg-type]
                imports.append(
                    Import(
                        namespace=i_attrs.pop("namespace", ""),
                        location=i_attrs.pop("location", ""),
                        import_type=i_attrs.pop("importType", ""),
                        attributes=tuple(i_attrs.items()),
                    )
                )
            elif tag == bpmndi("BPMNDiagram"):
                diagrams.append(parse_diagram(child))
            else:
                other.append(child)
        kw["root_elements"] = tuple(roots)
        kw["imports"] = tuple(imports)
        kw["diagrams"] = tuple(diagrams)
        kw["namespaces"] = tuple(root.nsmap.items())
        kw["source"] = self.source
        return Definitions(**self.close(kw, attrs, other))

    # -- event definitions ----------------------------------------------------------------

    def event_definition(self, el: etree._Element) -> events.EventDefinition:
        attrs, kw, rest = self.open(el)
        kw["id"] = attrs.pop("id", None)
        tag = el.tag
        other: _Children = []
        cls: type[events.EventDefinition]
        if tag == m("messageEventDefinition"):
            cls = events.MessageEventDefinition
            kw["message_ref"] = pop_ref(attrs, "messageRef")
            kw["operation_ref"] = pop_ref(attrs, "operationRef")
        elif tag == m("timerEventDefinition"):
            cls = events.TimerEventDefinition
            for child in rest:
                key = _TIMER_FIELDS.get(child.tag)
                if key:
                    kw[key] = expression(child)
                else:
                    other.append(child)
            rest = []
        elif tag == m("errorEventDefinition"):
            cls = events.ErrorEventDefinition
            kw["error_ref"] = pop_ref(attrs, "errorRef")
        elif tag == m("escalationEventDefinition"):
            cls = events.EscalationEventDefinition
            kw["escalation_ref"] = pop_ref(attrs, "escalationRef")
        elif tag == m("signalEventDefinition"):
            cls = events.SignalEventDefinition
            kw["signal_ref"] = pop_ref(attrs, "signalRef")
        elif tag == m("conditionalEventDefinition"):
            cls = events.ConditionalEventDefinition
            for child in rest:
                if child.tag == m("condition"):
                    kw["condition"] = expression(child)
                else:
                    other.append(child)
            rest = []
        elif tag == m("terminateEventDefinition"):
            cls = events.TerminateEventDefinition
        elif tag == m("cancelEventDefinition"):
            cls = events.CancelEventDefinition
        elif tag == m("compensateEventDefinition"):
            cls = events.CompensateEventDefinition
            kw["activity_ref"] = pop_ref(attrs, "activityRef")
            kw["wait_for_completion"] = pop_bool(attrs, "waitForCompletion", True)
        else:
            cls = events.LinkEventDefinition
            kw["name"] = attrs.pop("name", None)
            sources: list[str] = []
            for child in rest:
                if child.tag == m("source"):
                    sources.append(ref(child.text) or "")
                elif child.tag == m("target"):
                    kw["target"] = ref(child.text)
                else:
                    other.append(child)
            kw["sources"] = tuple(sources)
            rest = []
        return cls(**self.close(kw, attrs, other + rest))


def _snake(name: str) -> str:
    out = []
    for char in name:
        if char.isupper():
            out.append("_")
            out.append(char.lower())
        else:
            out.append(char)
    return "".join(out)


_SIMPLE_ROOTS = frozenset(
    m(n) for n in ("message", "signal", "error", "escalation", "itemDefinition", "dataStore")
)
_TIMER_FIELDS = {
    m("timeDate"): "time_date",
    m("timeDuration"): "time_duration",
    m("timeCycle"): "time_cycle",
}
_EVENT_DEFINITIONS: dict[str, Callable[[_Importer, etree._Element], events.EventDefinition]] = {
    m(n): _Importer.event_definition
    for n in (
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
    )
}

__all__ = ["parse_bpmn"]
