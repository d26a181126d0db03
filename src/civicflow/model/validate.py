"""Model errors: is the file consistent in itself (references resolve, ids are unique, flows stay
inside their process and subprocess, gateways lead somewhere...)?

Each finding names the element, its line and what to do, in words a process owner understands.
``check`` adds the executability findings of ``executability.py`` per process.
"""

from __future__ import annotations

import collections
from collections.abc import Iterator

from civicflow.model import activities as act
from civicflow.model import data, events, gateways
from civicflow.model.base import BaseElement, FlowNode, SequenceFlow
from civicflow.model.definitions import (
    Collaboration,
    Definitions,
    Error,
    Escalation,
    Message,
    Signal,
)
from civicflow.model.findings import CheckReport, Finding, Level, Severity
from civicflow.model.scope import FlowScope, LaneSet, Process, SubProcess
from civicflow.model.walk import all_ids


def model_finding(
    element: BaseElement,
    code: str,
    message: str,
    *,
    severity: Severity = Severity.ERROR,
    process_id: str | None = None,
) -> Finding:
    return Finding(
        level=Level.MODEL,
        severity=severity,
        code=code,
        message=message,
        element_id=element.id if "#" not in element.id else None,
        element_name=element.name,
        line=element.line,
        process_id=process_id,
    )


def _scopes(scope: Process | SubProcess) -> Iterator[Process | SubProcess]:
    yield scope
    for element in scope.flow_elements:
        if isinstance(element, SubProcess):
            yield from _scopes(element)


def _what(element: BaseElement | None) -> str:
    if element is None:
        return "nothing"
    kind = type(element).__name__
    return f"{kind} '{element.label}'"


class _Validator:
    def __init__(self, definitions: Definitions) -> None:
        self.d = definitions
        self.findings: list[Finding] = []
        self.process_of: dict[str, str] = {}
        for process in definitions.processes:
            for element in process.walk():
                self.process_of.setdefault(element.id, process.id)

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)

    def run(self) -> tuple[Finding, ...]:
        self.duplicate_ids()
        for process in self.d.processes:
            for scope in _scopes(process):
                self.scope(process, scope)
            self.lanes(process, process.lane_sets)
        for collaboration in self.d.collaborations:
            self.collaboration(collaboration)
        self.diagrams()
        return tuple(self.findings)

    def duplicate_ids(self) -> None:
        seen: dict[str, BaseElement] = {}
        for element in self.d.iter_elements():
            first = seen.setdefault(element.id, element)
            if first is not element and "#" not in element.id:
                self.add(
                    model_finding(
                        element,
                        "duplicate-id",
                        f"the id '{element.id}' is also used by {_what(first)} (line "
                        f"{first.line}); every element needs its own id. Rename one of them.",
                    )
                )

    def reference(
        self,
        owner: BaseElement,
        ref: str | None,
        kind: type[BaseElement],
        attribute: str,
        process_id: str | None,
    ) -> None:
        if ref is None:
            return
        target = self.d.element(ref)
        if target is None:
            self.add(
                model_finding(
                    owner,
                    "dangling-reference",
                    f"{attribute} points to '{ref}', which does not exist in this file. "
                    f"Define the {kind.__name__.lower()} or fix the reference.",
                    process_id=process_id,
                )
            )
        elif not isinstance(target, kind):
            self.add(
                model_finding(
                    owner,
                    "wrong-reference",
                    f"{attribute} points to {_what(target)}, which is not a "
                    f"{kind.__name__.lower()}.",
                    process_id=process_id,
                )
            )

    def scope(self, process: Process, scope: Process | SubProcess) -> None:
        pid = process.id
        for flow in scope.sequence_flows:
            self.sequence_flow(process, scope, flow)
        for node in scope.nodes:
            self.node(pid, scope, node)
        for artifact in scope.artifacts:
            if isinstance(artifact, data.Association):
                for end in (artifact.source_ref, artifact.target_ref):
                    if self.d.element(end) is None:
                        self.add(
                            model_finding(
                                artifact,
                                "dangling-reference",
                                f"the association points to '{end}', which does not exist.",
                                severity=Severity.WARNING,
                                process_id=pid,
                            )
                        )
        for element in scope.flow_elements:
            if isinstance(element, data.DataObjectReference):
                self.reference(
                    element, element.data_object_ref, data.DataObject, "dataObjectRef", pid
                )

    def sequence_flow(self, process: Process, scope: FlowScope, flow: SequenceFlow) -> None:
        pid = process.id
        for end, ref in (("source", flow.source_ref), ("target", flow.target_ref)):
            local = scope.get(ref)
            if isinstance(local, FlowNode):
                continue
            elsewhere = self.d.element(ref)
            if elsewhere is None:
                message = (
                    f"the sequence flow's {end} '{ref}' does not exist. Reconnect the flow "
                    "in your modeler."
                )
                code = "dangling-reference"
            elif self.process_of.get(ref, pid) != pid:
                message = (
                    f"the sequence flow connects to {_what(elsewhere)} in another process "
                    f"('{self.process_of[ref]}'). Sequence flows stay inside one pool; use a "
                    "message flow between pools."
                )
                code = "flow-between-processes"
            elif isinstance(elsewhere, FlowNode):
                message = (
                    f"the sequence flow crosses a subprocess boundary to {_what(elsewhere)}. "
                    "Connect to the subprocess itself, or move the flow inside it."
                )
                code = "flow-crosses-scope"
            else:
                message = f"the sequence flow's {end} is {_what(elsewhere)}, not a flow node."
                code = "wrong-reference"
            self.add(model_finding(flow, code, message, process_id=pid))

    def node(self, pid: str, scope: FlowScope, node: FlowNode) -> None:
        incoming = scope.incoming(node.id)
        outgoing = scope.outgoing(node.id)
        if isinstance(node, events.StartEvent) and incoming:
            self.add(
                model_finding(
                    node,
                    "start-event-with-incoming",
                    "a start event cannot have incoming sequence flows. Use an intermediate "
                    "event, or connect the flow to the next element.",
                    process_id=pid,
                )
            )
        if isinstance(node, events.EndEvent) and outgoing:
            self.add(
                model_finding(
                    node,
                    "end-event-with-outgoing",
                    "an end event cannot have outgoing sequence flows.",
                    process_id=pid,
                )
            )
        if isinstance(node, events.BoundaryEvent):
            if incoming:
                self.add(
                    model_finding(
                        node,
                        "boundary-event-with-incoming",
                        "a boundary event cannot have incoming sequence flows.",
                        process_id=pid,
                    )
                )
            host = scope.get(node.attached_to_ref)
            if not isinstance(host, act.Activity):
                where = self.d.element(node.attached_to_ref)
                self.add(
                    model_finding(
                        node,
                        "boundary-event-detached",
                        f"the boundary event is attached to '{node.attached_to_ref}' "
                        f"({_what(where)}), not to an activity of the same process or "
                        "subprocess. Attach it to an activity.",
                        process_id=pid,
                    )
                )
        if isinstance(node, gateways.Gateway) and not outgoing:
            self.add(
                model_finding(
                    node,
                    "gateway-without-outgoing",
                    "the gateway has no outgoing sequence flow, so a token that reaches it "
                    "gets stuck. Connect it to the next element.",
                    process_id=pid,
                )
            )
        default = getattr(node, "default", None)
        if default is not None and default not in {f.id for f in outgoing}:
            self.add(
                model_finding(
                    node,
                    "default-flow-not-outgoing",
                    f"the default flow '{default}' is not one of this element's outgoing "
                    "sequence flows. Pick one of its outgoing flows as the default.",
                    process_id=pid,
                )
            )
        if isinstance(node, events.Event):
            self.event_references(pid, node)
        if isinstance(node, act.SendTask | act.ReceiveTask):
            self.reference(node, node.message_ref, Message, "messageRef", pid)

    def event_references(self, pid: str, event: events.Event) -> None:
        for definition in event.event_definitions:
            if isinstance(definition, events.MessageEventDefinition):
                self.reference(event, definition.message_ref, Message, "messageRef", pid)
            elif isinstance(definition, events.SignalEventDefinition):
                self.reference(event, definition.signal_ref, Signal, "signalRef", pid)
            elif isinstance(definition, events.ErrorEventDefinition):
                self.reference(event, definition.error_ref, Error, "errorRef", pid)
            elif isinstance(definition, events.EscalationEventDefinition):
                self.reference(event, definition.escalation_ref, Escalation, "escalationRef", pid)

    def lanes(self, process: Process, lane_sets: tuple[LaneSet, ...]) -> None:
        for lane_set in lane_sets:
            for lane in lane_set.lanes:
                for ref in lane.flow_node_refs:
                    if process.find(ref) is None:
                        self.add(
                            model_finding(
                                lane,
                                "dangling-reference",
                                f"the lane lists '{ref}', which is not an element of process "
                                f"'{process.label}'.",
                                process_id=process.id,
                            )
                        )
                if lane.child_lane_set is not None:
                    self.lanes(process, (lane.child_lane_set,))

    def collaboration(self, collaboration: Collaboration) -> None:
        pool_of: dict[str, str] = {}
        for participant in collaboration.participants:
            pool_of[participant.id] = participant.id
            if participant.process_ref is None:
                continue
            self.reference(participant, participant.process_ref, Process, "processRef", None)
            target = self.d.element(participant.process_ref)
            if isinstance(target, Process):
                for element in target.walk():
                    pool_of.setdefault(element.id, participant.id)
        for flow in collaboration.message_flows:
            self.reference(flow, flow.message_ref, Message, "messageRef", None)
            ends = []
            for ref in (flow.source_ref, flow.target_ref):
                if self.d.element(ref) is None:
                    self.add(
                        model_finding(
                            flow,
                            "dangling-reference",
                            f"the message flow points to '{ref}', which does not exist.",
                        )
                    )
                ends.append(pool_of.get(ref))
            if ends[0] is not None and ends[0] == ends[1]:
                self.add(
                    model_finding(
                        flow,
                        "message-flow-inside-pool",
                        "the message flow connects two elements of the same pool. Message "
                        "flows go between pools; inside a pool use a sequence flow.",
                    )
                )

    def diagrams(self) -> None:
        counts = collections.Counter(
            item.id
            for diagram in self.d.diagrams
            for item in (diagram, diagram.plane, *diagram.plane.elements)
            if item.id is not None
        )
        model_ids = all_ids(self.d)
        for diagram in self.d.diagrams:
            for item in diagram.plane.elements:
                ref = item.bpmn_element
                if ref is not None and ref not in model_ids:
                    self.add(
                        Finding(
                            level=Level.MODEL,
                            severity=Severity.WARNING,
                            code="diagram-dangling-reference",
                            message=f"the diagram draws '{ref}', which is not in the model; "
                            "the shape will not show in a modeler.",
                            element_id=item.id,
                            line=item.line,
                        )
                    )
                if item.id is not None and (counts[item.id] > 1 or item.id in model_ids):
                    self.add(
                        Finding(
                            level=Level.MODEL,
                            severity=Severity.ERROR,
                            code="duplicate-id",
                            message=f"the id '{item.id}' is used more than once in the file.",
                            element_id=item.id,
                            line=item.line,
                        )
                    )


def validate(definitions: Definitions) -> tuple[Finding, ...]:
    """Model errors and warnings of a whole file (not executability)."""
    return _Validator(definitions).run()


def check(definitions: Definitions) -> CheckReport:
    """Model findings of the file, and for each process whether the engine can run it."""
    from civicflow.model.executability import executability

    return CheckReport(
        model_findings=validate(definitions),
        processes=tuple(executability(definitions, p) for p in definitions.processes),
    )
