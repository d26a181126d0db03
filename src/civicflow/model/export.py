"""Export the model back to BPMN 2.0 XML that opens in bpmn.io and validates against the OMG XSDs.

Import -> export -> import gives an equal model. The file keeps the namespace prefixes it was
read with (so QName values such as ``xsd:string`` stay resolvable), its diagrams, its vendor
attributes and extension elements. ``incoming``/``outgoing`` of flow nodes are written from the
sequence flows, which are the single source of truth in the model.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from lxml import etree

from civicflow.model import activities as act
from civicflow.model import data, events, export_order, gateways
from civicflow.model.base import (
    Assignment,
    DataAssociation,
    Element,
    Expression,
    FlowElement,
    FlowNode,
    Property,
    SequenceFlow,
)
from civicflow.model.definitions import (
    Collaboration,
    Definitions,
    RootElement,
)
from civicflow.model.export_attributes import TAGS, node_attributes, simple_root
from civicflow.model.export_di import write_diagram
from civicflow.model.export_util import bool_attr, write_xml_node
from civicflow.model.names import DEFAULT_PREFIXES, XSI_TYPE, m
from civicflow.model.scope import (
    AdHocSubProcess,
    FlowScope,
    Lane,
    LaneSet,
    Process,
    SubProcess,
)
from civicflow.model.xmlnode import XmlNode

_Attr = tuple[str, str | None]


def export_bpmn(definitions: Definitions, *, pretty: bool = True) -> bytes:
    """The model as BPMN 2.0 XML (UTF-8 bytes with an XML declaration)."""
    root = _Exporter(definitions).definitions()
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=pretty)


def write_bpmn(definitions: Definitions, path: str | Path) -> None:
    """Write the model to ``path`` as BPMN 2.0 XML."""
    Path(path).write_bytes(export_bpmn(definitions))


def _nsmap(definitions: Definitions) -> dict[str | None, str]:
    nsmap: dict[str | None, str] = {}
    for prefix, uri in definitions.namespaces:
        nsmap.setdefault(prefix, uri)
    declared = set(nsmap.values())
    for uri, prefix in DEFAULT_PREFIXES.items():
        if uri in declared:
            continue
        candidate, n = prefix, 1
        while candidate in nsmap:
            n += 1
            candidate = f"{prefix}{n}"
        nsmap[candidate] = uri
    return nsmap


def _place_other(el: etree._Element, other: Iterable[XmlNode], order: dict[str, int]) -> None:
    """Append verbatim children, then move each to the first place its rank allows."""
    for node in other:
        rank = order.get(node.local_name, export_order.LATE)
        child = write_xml_node(el, node)
        for index, sibling in enumerate(el):
            if sibling is child:
                break
            sibling_rank = (
                order.get(etree.QName(sibling).localname, export_order.LATE)
                if isinstance(sibling.tag, str)
                else export_order.LATE
            )
            if sibling_rank > rank:
                el.insert(index, child)
                break


class _Exporter:
    def __init__(self, definitions: Definitions) -> None:
        self.d = definitions
        self.nsmap = _nsmap(definitions)
        self.formal_type = "tFormalExpression"

    # -- common parts ---------------------------------------------------------------------

    def element(
        self, parent: etree._Element, tag: str, element: Element, attrs: Iterable[_Attr] = ()
    ) -> etree._Element:
        """Create ``tag`` under ``parent`` with id, name, typed attributes, vendor attributes,
        documentation and extension elements (the parts every element shares)."""
        el = etree.SubElement(parent, m(tag))
        self.fill(el, element, attrs)
        return el

    def fill(self, el: etree._Element, element: Element, attrs: Iterable[_Attr]) -> None:
        element_id = getattr(element, "id", None)
        if element_id is not None and "#" not in element_id:  # "#": generated on import
            el.set("id", element_id)
        name = getattr(element, "name", None)
        if name is not None:
            el.set("name", name)
        for key, value in attrs:
            if value is not None:
                el.set(key, value)
        for key, value in element.attributes:
            el.set(key, value)
        for doc in element.documentation:
            doc_el = etree.SubElement(el, m("documentation"))
            if doc.id is not None:
                doc_el.set("id", doc.id)
            if doc.text_format is not None:
                doc_el.set("textFormat", doc.text_format)
            doc_el.text = doc.text
        if element.extension_elements:
            ext = etree.SubElement(el, m("extensionElements"))
            for node in element.extension_elements:
                write_xml_node(ext, node)

    def expression(self, parent: etree._Element, tag: str, expr: Expression | None) -> None:
        if expr is None:
            return
        el = etree.SubElement(parent, m(tag))
        if expr.formal:
            el.set(XSI_TYPE, self.formal_type)
        if expr.id is not None:
            el.set("id", expr.id)
        if expr.language is not None:
            el.set("language", expr.language)
        if expr.evaluates_to_type_ref is not None:
            el.set("evaluatesToTypeRef", expr.evaluates_to_type_ref)
        for key, value in expr.attributes:
            el.set(key, value)
        el.text = expr.body

    @staticmethod
    def text_child(parent: etree._Element, tag: str, text: str | None) -> None:
        if text is not None:
            etree.SubElement(parent, m(tag)).text = text

    def properties(self, el: etree._Element, properties: tuple[Property, ...]) -> None:
        for prop in properties:
            p_el = self.element(el, "property", prop, [("itemSubjectRef", prop.item_subject_ref)])
            _place_other(p_el, prop.other, export_order.GENERIC)

    def data_association(self, el: etree._Element, tag: str, assoc: DataAssociation) -> None:
        a_el = self.element(el, tag, assoc)
        for source in assoc.source_refs:
            self.text_child(a_el, "sourceRef", source)
        self.text_child(a_el, "targetRef", assoc.target_ref)
        self.expression(a_el, "transformation", assoc.transformation)
        for assignment in assoc.assignments:
            self.assignment(a_el, assignment)
        _place_other(a_el, assoc.other, export_order.DATA_ASSOCIATION)

    def assignment(self, el: etree._Element, assignment: Assignment) -> None:
        a_el = self.element(el, "assignment", assignment)
        self.expression(a_el, "from", assignment.from_)
        self.expression(a_el, "to", assignment.to)
        _place_other(a_el, assignment.other, export_order.GENERIC)

    # -- flow elements --------------------------------------------------------------------

    def flow_element(self, parent: etree._Element, scope: FlowScope, item: FlowElement) -> None:
        tag = TAGS.get(type(item))
        if tag is None:  # a subclass defined by a user of the library: use its nearest base
            tag = next(TAGS[c] for c in type(item).__mro__ if c in TAGS)
        if isinstance(item, SequenceFlow):
            el = self.element(
                parent,
                tag,
                item,
                [
                    ("sourceRef", item.source_ref),
                    ("targetRef", item.target_ref),
                    ("isImmediate", bool_attr(item.is_immediate)),
                ],
            )
            self.expression(el, "conditionExpression", item.condition)
            _place_other(el, item.other, export_order.SEQUENCE_FLOW)
            return
        if isinstance(item, FlowNode):
            self.flow_node(parent, scope, tag, item)
            return
        attrs: list[_Attr] = []
        if isinstance(item, data.DataObject):
            attrs = [
                ("itemSubjectRef", item.item_subject_ref),
                ("isCollection", "true" if item.is_collection else None),
            ]
        elif isinstance(item, data.DataObjectReference):
            attrs = [
                ("itemSubjectRef", item.item_subject_ref),
                ("dataObjectRef", item.data_object_ref),
            ]
        elif isinstance(item, data.DataStoreReference):
            attrs = [
                ("itemSubjectRef", item.item_subject_ref),
                ("dataStoreRef", item.data_store_ref),
            ]
        el = self.element(parent, tag, item, attrs)
        _place_other(el, item.other, export_order.GENERIC)

    def flow_node(self, parent: etree._Element, scope: FlowScope, tag: str, node: FlowNode) -> None:
        attrs = node_attributes(node)
        el = self.element(parent, tag, node, attrs)
        for flow in scope.incoming(node.id):
            self.text_child(el, "incoming", flow.id)
        for flow in scope.outgoing(node.id):
            self.text_child(el, "outgoing", flow.id)
        if isinstance(node, events.Event):
            self.event_body(el, node)
            _place_other(el, node.other, export_order.EVENT)
        elif isinstance(node, act.Activity):
            self.activity_body(el, node)
            _place_other(el, node.other, export_order.ACTIVITY)
        else:
            if isinstance(node, gateways.ComplexGateway):
                self.expression(el, "activationCondition", node.activation_condition)
            _place_other(el, node.other, export_order.GATEWAY)

    def event_body(self, el: etree._Element, event: events.Event) -> None:
        self.properties(el, event.properties)
        if isinstance(event, events.CatchEvent):
            for assoc in event.data_output_associations:
                self.data_association(el, "dataOutputAssociation", assoc)
        elif isinstance(event, events.ThrowEvent):
            for assoc in event.data_input_associations:
                self.data_association(el, "dataInputAssociation", assoc)
        for definition in event.event_definitions:
            self.event_definition(el, definition)
        for definition_ref in event.event_definition_refs:
            self.text_child(el, "eventDefinitionRef", definition_ref)

    def event_definition(self, el: etree._Element, definition: events.EventDefinition) -> None:
        tag = f"{definition.kind}EventDefinition"
        attrs: list[_Attr] = []
        if isinstance(definition, events.MessageEventDefinition):
            attrs = [
                ("messageRef", definition.message_ref),
                ("operationRef", definition.operation_ref),
            ]
        elif isinstance(definition, events.ErrorEventDefinition):
            attrs = [("errorRef", definition.error_ref)]
        elif isinstance(definition, events.EscalationEventDefinition):
            attrs = [("escalationRef", definition.escalation_ref)]
        elif isinstance(definition, events.SignalEventDefinition):
            attrs = [("signalRef", definition.signal_ref)]
        elif isinstance(definition, events.CompensateEventDefinition):
            attrs = [
                ("activityRef", definition.activity_ref),
                ("waitForCompletion", None if definition.wait_for_completion else "false"),
            ]
        d_el = self.element(el, tag, definition, attrs)
        if isinstance(definition, events.TimerEventDefinition):
            self.expression(d_el, "timeDate", definition.time_date)
            self.expression(d_el, "timeDuration", definition.time_duration)
            self.expression(d_el, "timeCycle", definition.time_cycle)
        elif isinstance(definition, events.ConditionalEventDefinition):
            self.expression(d_el, "condition", definition.condition)
        elif isinstance(definition, events.LinkEventDefinition):
            for source in definition.sources:
                self.text_child(d_el, "source", source)
            self.text_child(d_el, "target", definition.target)
        _place_other(d_el, definition.other, export_order.GENERIC)

    def activity_body(self, el: etree._Element, activity: act.Activity) -> None:
        if activity.io_specification is not None:
            write_xml_node(el, activity.io_specification)
        self.properties(el, activity.properties)
        for assoc in activity.data_input_associations:
            self.data_association(el, "dataInputAssociation", assoc)
        for assoc in activity.data_output_associations:
            self.data_association(el, "dataOutputAssociation", assoc)
        self.loop(el, activity.loop)
        if isinstance(activity, act.ScriptTask):
            self.text_child(el, "script", activity.script)
        if isinstance(activity, SubProcess):
            self.scope_contents(el, activity)
            if isinstance(activity, AdHocSubProcess):
                self.expression(el, "completionCondition", activity.completion_condition)

    def loop(self, el: etree._Element, loop: act.LoopCharacteristics | None) -> None:
        if isinstance(loop, act.StandardLoopCharacteristics):
            l_el = self.element(
                el,
                "standardLoopCharacteristics",
                loop,
                [
                    ("testBefore", "true" if loop.test_before else None),
                    ("loopMaximum", None if loop.loop_maximum is None else str(loop.loop_maximum)),
                ],
            )
            self.expression(l_el, "loopCondition", loop.loop_condition)
            _place_other(l_el, loop.other, export_order.GENERIC)
        elif isinstance(loop, act.MultiInstanceLoopCharacteristics):
            l_el = self.element(
                el,
                "multiInstanceLoopCharacteristics",
                loop,
                [
                    ("isSequential", "true" if loop.is_sequential else None),
                    ("behavior", None if loop.behavior == "All" else loop.behavior),
                    ("oneBehaviorEventRef", loop.one_behavior_event_ref),
                    ("noneBehaviorEventRef", loop.none_behavior_event_ref),
                ],
            )
            self.expression(l_el, "loopCardinality", loop.loop_cardinality)
            self.text_child(l_el, "loopDataInputRef", loop.loop_data_input_ref)
            self.text_child(l_el, "loopDataOutputRef", loop.loop_data_output_ref)
            if loop.input_data_item is not None:
                write_xml_node(l_el, loop.input_data_item)
            if loop.output_data_item is not None:
                write_xml_node(l_el, loop.output_data_item)
            self.expression(l_el, "completionCondition", loop.completion_condition)
            _place_other(l_el, loop.other, export_order.MULTI_INSTANCE)

    # -- containers -----------------------------------------------------------------------

    def scope_contents(self, el: etree._Element, scope: Process | SubProcess) -> None:
        for lane_set in scope.lane_sets:
            self.lane_set(el, "laneSet", lane_set)
        for item in scope.flow_elements:
            self.flow_element(el, scope, item)
        for artifact in scope.artifacts:
            self.artifact(el, artifact)

    def lane_set(self, el: etree._Element, tag: str, lane_set: LaneSet) -> None:
        s_el = self.element(el, tag, lane_set)
        for lane in lane_set.lanes:
            self.lane(s_el, lane)
        _place_other(s_el, lane_set.other, export_order.GENERIC)

    def lane(self, el: etree._Element, lane: Lane) -> None:
        l_el = self.element(el, "lane", lane, [("partitionElementRef", lane.partition_element_ref)])
        for ref in lane.flow_node_refs:
            self.text_child(l_el, "flowNodeRef", ref)
        if lane.child_lane_set is not None:
            self.lane_set(l_el, "childLaneSet", lane.child_lane_set)
        _place_other(l_el, lane.other, export_order.LANE)

    def artifact(self, el: etree._Element, artifact: data.Artifact) -> None:
        if isinstance(artifact, data.TextAnnotation):
            fmt = None if artifact.text_format == "text/plain" else artifact.text_format
            a_el = self.element(el, "textAnnotation", artifact, [("textFormat", fmt)])
            self.text_child(a_el, "text", artifact.text)
        elif isinstance(artifact, data.Group):
            a_el = self.element(
                el, "group", artifact, [("categoryValueRef", artifact.category_value_ref)]
            )
        else:
            assert isinstance(artifact, data.Association)
            direction = artifact.association_direction
            a_el = self.element(
                el,
                "association",
                artifact,
                [
                    ("sourceRef", artifact.source_ref),
                    ("targetRef", artifact.target_ref),
                    ("associationDirection", None if direction == "None" else direction),
                ],
            )
        _place_other(a_el, artifact.other, export_order.GENERIC)

    def process(self, el: etree._Element, process: Process) -> None:
        p_el = self.element(
            el,
            "process",
            process,
            [
                ("processType", None if process.process_type == "None" else process.process_type),
                ("isExecutable", bool_attr(process.is_executable)),
                ("isClosed", "true" if process.is_closed else None),
                ("definitionalCollaborationRef", process.definitional_collaboration_ref),
            ],
        )
        if process.io_specification is not None:
            write_xml_node(p_el, process.io_specification)
        self.properties(p_el, process.properties)
        self.scope_contents(p_el, process)
        _place_other(p_el, process.other, export_order.PROCESS)

    def collaboration(self, el: etree._Element, collaboration: Collaboration) -> None:
        c_el = self.element(
            el,
            "collaboration",
            collaboration,
            [("isClosed", bool_attr(collaboration.is_closed or None))],
        )
        for participant in collaboration.participants:
            p_el = self.element(
                c_el, "participant", participant, [("processRef", participant.process_ref)]
            )
            _place_other(p_el, participant.other, export_order.PARTICIPANT)
        for flow in collaboration.message_flows:
            f_el = self.element(
                c_el,
                "messageFlow",
                flow,
                [
                    ("sourceRef", flow.source_ref),
                    ("targetRef", flow.target_ref),
                    ("messageRef", flow.message_ref),
                ],
            )
            _place_other(f_el, flow.other, export_order.GENERIC)
        for artifact in collaboration.artifacts:
            self.artifact(c_el, artifact)
        _place_other(c_el, collaboration.other, export_order.COLLABORATION)

    def root_element(self, el: etree._Element, root: RootElement) -> None:
        if isinstance(root, Process):
            self.process(el, root)
            return
        if isinstance(root, Collaboration):
            self.collaboration(el, root)
            return
        tag, attrs = simple_root(root)
        r_el = self.element(el, tag, root, attrs)
        _place_other(r_el, root.other, export_order.GENERIC)

    def definitions(self) -> etree._Element:
        d = self.d
        root = etree.Element(m("definitions"), nsmap=self.nsmap)  # type: ignore[arg-type]
        prefix = root.prefix
        self.formal_type = f"{prefix}:tFormalExpression" if prefix else "tFormalExpression"
        self.fill(
            root,
            d,
            [
                ("targetNamespace", d.target_namespace),
                ("expressionLanguage", d.expression_language),
                ("typeLanguage", d.type_language),
                ("exporter", d.exporter),
                ("exporterVersion", d.exporter_version),
            ],
        )
        for imported in d.imports:
            i_el = etree.SubElement(root, m("import"))
            i_el.set("namespace", imported.namespace)
            i_el.set("location", imported.location)
            i_el.set("importType", imported.import_type)
            for key, value in imported.attributes:
                i_el.set(key, value)
        for element in d.root_elements:
            self.root_element(root, element)
        for diagram in d.diagrams:
            write_diagram(root, diagram)
        _place_other(root, d.other, export_order.DEFINITIONS)
        return root


__all__ = ["export_bpmn", "write_bpmn"]
