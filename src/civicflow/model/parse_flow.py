"""Importer of flow elements, artifacts, lanes and scopes (processes' and subprocesses' content)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree

from civicflow.model import activities as act
from civicflow.model import data, events, gateways
from civicflow.model.base import (
    DataAssociation,
    FlowElement,
    SequenceFlow,
)
from civicflow.model.parse_base import _EVENT_DEFINITIONS, ImporterBase, _snake
from civicflow.model.parse_tags import (
    T_activationCondition,
    T_adHocSubProcess,
    T_association,
    T_boundaryEvent,
    T_businessRuleTask,
    T_callActivity,
    T_childLaneSet,
    T_completionCondition,
    T_complexGateway,
    T_conditionExpression,
    T_dataInputAssociation,
    T_dataObject,
    T_dataObjectReference,
    T_dataOutputAssociation,
    T_dataStoreReference,
    T_endEvent,
    T_eventBasedGateway,
    T_eventDefinitionRef,
    T_exclusiveGateway,
    T_flowNodeRef,
    T_group,
    T_inclusiveGateway,
    T_inputDataItem,
    T_intermediateCatchEvent,
    T_intermediateThrowEvent,
    T_ioSpecification,
    T_lane,
    T_laneSet,
    T_loopCardinality,
    T_loopCondition,
    T_loopDataInputRef,
    T_loopDataOutputRef,
    T_manualTask,
    T_multiInstanceLoopCharacteristics,
    T_outputDataItem,
    T_parallelGateway,
    T_property,
    T_receiveTask,
    T_script,
    T_scriptTask,
    T_sendTask,
    T_sequenceFlow,
    T_serviceTask,
    T_standardLoopCharacteristics,
    T_startEvent,
    T_subProcess,
    T_task,
    T_text,
    T_textAnnotation,
    T_transaction,
    T_userTask,
)
from civicflow.model.parse_util import (
    Attrs,
    all_text,
    expression,
    pop_bool,
    pop_int,
    pop_ref,
    ref,
    xml_node,
)
from civicflow.model.scope import (
    AdHocSubProcess,
    Lane,
    LaneSet,
    SubProcess,
    Transaction,
)

_Children = list[etree._Element]


class FlowImporter(ImporterBase):
    """Reads what a process or subprocess contains."""

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
            if child.tag == T_conditionExpression:
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
            elif tag == T_eventDefinitionRef:
                definition_refs.append(ref(child.text) or "")
            elif tag in (T_dataOutputAssociation, T_dataInputAssociation):
                associations.append(self.data_association(child))
            elif tag != T_property:
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

    @staticmethod
    def throw_event(
        cls: type[events.ThrowEvent],
    ) -> Callable[[FlowImporter, etree._Element], events.ThrowEvent]:
        def handler(self: FlowImporter, el: etree._Element) -> events.ThrowEvent:
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
            if tag == T_dataInputAssociation:
                inputs.append(self.data_association(child))
            elif tag == T_dataOutputAssociation:
                outputs.append(self.data_association(child))
            elif tag == T_standardLoopCharacteristics:
                kw["loop"] = self.standard_loop(child)
            elif tag == T_multiInstanceLoopCharacteristics:
                kw["loop"] = self.multi_instance(child)
            elif tag == T_ioSpecification:
                kw["io_specification"] = xml_node(child)
            elif tag != T_property:
                other.append(child)
        kw["properties"] = self.properties(rest)
        kw["data_input_associations"] = tuple(inputs)
        kw["data_output_associations"] = tuple(outputs)
        return attrs, kw, other

    @staticmethod
    def activity(
        cls: type[act.Activity], attribute_names: tuple[str, ...]
    ) -> Callable[[FlowImporter, etree._Element], act.Activity]:
        fields = tuple((a, _snake(a)) for a in attribute_names)

        def handler(self: FlowImporter, el: etree._Element) -> act.Activity:
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
                    if child.tag == T_script:
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
            if child.tag == T_loopCondition:
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
            if tag == T_loopCardinality:
                kw["loop_cardinality"] = expression(child)
            elif tag == T_completionCondition:
                kw["completion_condition"] = expression(child)
            elif tag == T_loopDataInputRef:
                kw["loop_data_input_ref"] = ref(child.text)
            elif tag == T_loopDataOutputRef:
                kw["loop_data_output_ref"] = ref(child.text)
            elif tag == T_inputDataItem:
                kw["input_data_item"] = xml_node(child)
            elif tag == T_outputDataItem:
                kw["output_data_item"] = xml_node(child)
            else:
                other.append(child)
        return act.MultiInstanceLoopCharacteristics(**self.close(kw, attrs, other))

    def sub_process(self, el: etree._Element) -> SubProcess:
        attrs, kw, rest = self.activity_parts(el)
        kw["triggered_by_event"] = pop_bool(attrs, "triggeredByEvent", False)
        cls: type[SubProcess] = SubProcess
        tag = el.tag
        if tag == T_transaction:
            cls = Transaction
            kw["method"] = attrs.pop("method", None)
        elif tag == T_adHocSubProcess:
            cls = AdHocSubProcess
            kw["ordering"] = attrs.pop("ordering", None)
            kw["cancel_remaining_instances"] = pop_bool(attrs, "cancelRemainingInstances", True)
            remaining = []
            for child in rest:
                if child.tag == T_completionCondition:
                    kw["completion_condition"] = expression(child)
                else:
                    remaining.append(child)
            rest = remaining
        other = self.contents(rest, kw)
        return cls(**self.close(kw, attrs, other))

    @staticmethod
    def gateway(
        cls: type[gateways.Gateway],
    ) -> Callable[[FlowImporter, etree._Element], gateways.Gateway]:
        def handler(self: FlowImporter, el: etree._Element) -> gateways.Gateway:
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
                if cls is gateways.ComplexGateway and child.tag == T_activationCondition:
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

    @staticmethod
    def data_reference(
        cls: type[data.DataObjectReference | data.DataStoreReference],
    ) -> Callable[[FlowImporter, etree._Element], FlowElement]:
        key = "dataObjectRef" if cls is data.DataObjectReference else "dataStoreRef"

        def handler(self: FlowImporter, el: etree._Element) -> FlowElement:
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
            if child.tag == T_text:
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
        flow_handlers = _FLOW_HANDLERS
        artifact_handlers = _ARTIFACT_HANDLERS
        for child in rest:
            tag = child.tag
            handler = flow_handlers.get(tag)
            if handler is not None:
                flow.append(handler(self, child))
                continue
            artifact_handler = artifact_handlers.get(tag)
            if artifact_handler is not None:
                artifacts.append(artifact_handler(self, child))
            elif tag == T_laneSet:
                lane_sets.append(self.lane_set(child))
            elif tag != T_property:
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
            if child.tag == T_lane:
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
            if tag == T_flowNodeRef:
                refs.append(ref(child.text) or "")
            elif tag == T_childLaneSet:
                kw["child_lane_set"] = self.lane_set(child)
            else:
                other.append(child)
        kw["flow_node_refs"] = tuple(refs)
        return Lane(**self.close(kw, attrs, other))


_FLOW_HANDLERS: dict[str, Callable[[FlowImporter, etree._Element], FlowElement]] = {
    T_sequenceFlow: FlowImporter.sequence_flow,
    T_startEvent: FlowImporter.start_event,
    T_endEvent: FlowImporter.throw_event(events.EndEvent),
    T_intermediateThrowEvent: FlowImporter.throw_event(events.IntermediateThrowEvent),
    T_intermediateCatchEvent: FlowImporter.intermediate_catch_event,
    T_boundaryEvent: FlowImporter.boundary_event,
    T_task: FlowImporter.activity(act.Task, ()),
    T_userTask: FlowImporter.activity(act.UserTask, ("implementation",)),
    T_manualTask: FlowImporter.activity(act.ManualTask, ()),
    T_serviceTask: FlowImporter.activity(act.ServiceTask, ("implementation", "operationRef")),
    T_sendTask: FlowImporter.activity(
        act.SendTask, ("messageRef", "implementation", "operationRef")
    ),
    T_receiveTask: FlowImporter.activity(
        act.ReceiveTask, ("messageRef", "implementation", "operationRef")
    ),
    T_scriptTask: FlowImporter.activity(act.ScriptTask, ("scriptFormat",)),
    T_businessRuleTask: FlowImporter.activity(act.BusinessRuleTask, ("implementation",)),
    T_callActivity: FlowImporter.activity(act.CallActivity, ("calledElement",)),
    T_subProcess: FlowImporter.sub_process,
    T_transaction: FlowImporter.sub_process,
    T_adHocSubProcess: FlowImporter.sub_process,
    T_exclusiveGateway: FlowImporter.gateway(gateways.ExclusiveGateway),
    T_inclusiveGateway: FlowImporter.gateway(gateways.InclusiveGateway),
    T_parallelGateway: FlowImporter.gateway(gateways.ParallelGateway),
    T_eventBasedGateway: FlowImporter.gateway(gateways.EventBasedGateway),
    T_complexGateway: FlowImporter.gateway(gateways.ComplexGateway),
    T_dataObject: FlowImporter.data_object,
    T_dataObjectReference: FlowImporter.data_reference(data.DataObjectReference),
    T_dataStoreReference: FlowImporter.data_reference(data.DataStoreReference),
}
_ARTIFACT_HANDLERS: dict[str, Callable[[FlowImporter, etree._Element], data.Artifact]] = {
    T_textAnnotation: FlowImporter.text_annotation,
    T_group: FlowImporter.group,
    T_association: FlowImporter.association,
}
