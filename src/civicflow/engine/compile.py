"""From the model layer's BPMN dataclasses to executable ``ProcessGraph``s.

Everything that can be checked before running is checked here, so a deployment fails with the
element id and what to change instead of an instance failing later. Expressions are compiled
once per deployment.
"""

from __future__ import annotations

from typing import Any

from civicflow.engine import binding, decision_results
from civicflow.engine.errors import DeploymentError
from civicflow.engine.expressions import compile_expr
from civicflow.engine.graph import (
    EventDef,
    Expr,
    Flow,
    Mapping,
    MultiInstance,
    Node,
    ProcessGraph,
    compute_upstream,
)

_SUPPORTED_EVENTS = {"none", "timer", "message", "error", "signal", "escalation", "terminate",
                     "link", "compensate", "conditional", "cancel"}


def compile_source(source: str | bytes) -> list[ProcessGraph]:
    """Parse a BPMN file and compile each executable process."""
    from civicflow.model import BpmnImportError, parse_bpmn

    try:
        definitions = parse_bpmn(source, include_diagrams=False)
    except BpmnImportError as exc:
        raise DeploymentError(f"The model cannot be read: {exc}") from exc
    return compile_definitions(definitions)


def compile_definitions(definitions: Any) -> list[ProcessGraph]:
    processes = list(definitions.processes)
    executable = [p for p in processes if p.is_executable is True]
    if not executable:
        executable = [p for p in processes if p.is_executable is None and p.flow_elements]
    return [_Compiler(definitions, p).build() for p in executable]


def _type_name(element: Any) -> str:
    name = type(element).__name__
    return name[0].lower() + name[1:]


class _Compiler:
    def __init__(self, definitions: Any, process: Any) -> None:
        self.defs = definitions
        self.process = process
        self.nodes: dict[str, Node] = {}
        self.flows: dict[str, Flow] = {}

    def build(self) -> ProcessGraph:
        self._handlers = self._compensation_handlers(self.process)
        self._scope(self.process)
        starts = tuple(s.id for s in self.process.start_events)
        esps = tuple(s.id for s in self.process.event_subprocesses)
        joins = [n.id for n in self.nodes.values()
                 if n.type in ("inclusiveGateway", "complexGateway") and len(n.incoming) > 1]
        from civicflow.engine.compile_checks import (
            check_compensation_and_cancel,
            check_transaction_methods,
            compensates_called_processes,
        )

        check_transaction_methods(self.process)
        compensation_esps = check_compensation_and_cancel(self.nodes)
        return ProcessGraph(
            process_id=self.process.id,
            name=self.process.name,
            nodes=self.nodes,
            flows=self.flows,
            starts=starts,
            event_subprocesses=esps,
            upstream=compute_upstream(self.nodes, self.flows, joins),
            version_tag=_zeebe_attribute(self.process, "versionTag", "value"),
            has_compensation=(bool(self._handlers) or compensation_esps
                              or compensates_called_processes(self.nodes)),
            has_conditional_events=any(
                n.event is not None and any(p.kind == "conditional" for p in n.event.triggers())
                for n in self.nodes.values()),
        )

    def _compensation_handlers(self, process: Any) -> dict[str, str]:
        """activity id -> handler id, from compensation boundary events and associations."""
        from civicflow.model import Association, BoundaryEvent, SubProcess

        targets: dict[str, str] = {}
        boundaries: dict[str, str] = {}
        stack = [process]
        while stack:
            scope = stack.pop()
            for artifact in getattr(scope, "artifacts", ()):
                if isinstance(artifact, Association):
                    targets[artifact.source_ref] = artifact.target_ref
            for el in scope.flow_elements:
                if isinstance(el, BoundaryEvent) and el.trigger == "compensate":
                    boundaries[el.id] = el.attached_to_ref
                if isinstance(el, SubProcess):
                    stack.append(el)
        return {activity: targets[b] for b, activity in boundaries.items() if b in targets}

    def _scope(self, scope: Any) -> None:
        from civicflow.model import FlowNode, SequenceFlow, SubProcess

        for flow in scope.sequence_flows:
            self.flows[flow.id] = self._flow(flow)
        for element in scope.flow_elements:
            if isinstance(element, SequenceFlow) or not isinstance(element, FlowNode):
                continue
            self.nodes[element.id] = self._node(scope, element)
            if isinstance(element, SubProcess):
                self._scope(element)

    def _flow(self, flow: Any) -> Flow:
        cond = None
        if flow.condition is not None and flow.condition.body.strip():
            cond = compile_expr(flow.condition.body, flow.id, feel_only=True)
        return Flow(flow.id, flow.source_ref, flow.target_ref, cond)

    def _expr(self, text: str | None, element_id: str, *, feel: bool = False) -> Expr | None:
        if text is None or not text.strip():
            return None
        return compile_expr(text, element_id, feel_only=feel)

    def _node(self, scope: Any, el: Any) -> Node:
        from civicflow.model import (
            Activity,
            BoundaryEvent,
            BusinessRuleTask,
            CallActivity,
            Event,
            MultiInstanceLoopCharacteristics,
            ReceiveTask,
            ScriptTask,
            StandardLoopCharacteristics,
            StartEvent,
            SubProcess,
        )

        nid = el.id
        z = el.zeebe
        c7 = el.camunda
        lane = self.process.lane_of(nid)
        kw: dict[str, Any] = {
            "id": nid,
            "name": el.name,
            "type": _type_name(el),
            "container": scope.id,
            "incoming": tuple(f.id for f in scope.incoming(nid)),
            "outgoing": tuple(f.id for f in scope.outgoing(nid)),
            "lane": (lane.name or lane.id) if lane is not None else None,
        }
        default = getattr(el, "default", None)
        if default:
            kw["default_flow"] = default
        if isinstance(el, Event):
            kw["event"] = self._event(el, scope)
        if isinstance(el, ReceiveTask):
            name, key = self._message(el.message_ref, nid)
            kw["event"] = EventDef(kind="message", name=name, correlation_key=key)
        if isinstance(el, BoundaryEvent):
            kw["attached_to"] = el.attached_to_ref
            kw["cancel_activity"] = el.cancel_activity
        if isinstance(el, StartEvent):
            kw["cancel_activity"] = el.is_interrupting
        if isinstance(el, Activity):
            kw["boundaries"] = tuple(b.id for b in scope.boundary_events(nid))
            kw["is_for_compensation"] = el.is_for_compensation
            kw["compensation_handler"] = self._handlers.get(nid)
            if isinstance(el.loop, StandardLoopCharacteristics):
                kw["multi_instance"] = self._standard_loop(el, el.loop)
            if isinstance(el.loop, MultiInstanceLoopCharacteristics):
                kw["multi_instance"] = self._mi(el, el.loop)
        # Camunda 8 job definition (service, send, business rule tasks, message throw events)
        if z.task_definition is not None:
            kw["task_type"] = self._expr(z.task_definition.type, nid)
            kw["retries"] = self._expr(z.task_definition.retries, nid)
        elif c7.topic:
            kw["task_type"] = self._expr(c7.topic, nid)
        kw["headers"] = tuple((h.key, h.value) for h in z.task_headers)
        if z.script is not None:
            kw["script"] = self._expr(z.script.expression, nid, feel=True)
            kw["result_variable"] = z.script.result_variable
        elif isinstance(el, ScriptTask) and el.script:
            fmt = (el.script_format or "feel").lower()
            if fmt not in ("feel", "text/feel", "application/feel"):
                raise DeploymentError(
                    f"Script task '{nid}': scripts in {el.script_format!r} are not run; "
                    "write the script in FEEL (zeebe:script)."
                )
            kw["script"] = self._expr(el.script, nid, feel=True)
            kw["result_variable"] = c7.result_variable
        kw["inputs"] = tuple(Mapping(self._mapping_source(m.source, nid), m.target)
                             for m in z.inputs)
        kw["outputs"] = tuple(Mapping(self._mapping_source(m.source, nid), m.target)
                              for m in z.outputs)
        if not kw["inputs"] and c7.input_parameters:
            from civicflow.engine import camunda7

            kw["inputs"] = camunda7.mappings(c7.input_parameters, nid, "input")
        if not kw["outputs"] and c7.output_parameters:
            from civicflow.engine import camunda7

            kw["outputs"] = camunda7.mappings(c7.output_parameters, nid, "output")
        assignee = z.assignment.assignee if z.assignment else c7.assignee
        groups = z.assignment.candidate_groups if z.assignment else c7.candidate_groups
        kw["assignee"] = self._expr(assignee, nid)
        kw["due_date"] = self._expr(_zeebe_attribute(el, "taskSchedule", "dueDate"), nid)
        kw["candidate_groups"] = self._expr(groups, nid)
        if z.form is not None:
            kw["form_key"] = z.form.form_key or z.form.form_id or z.form.external_reference
        elif c7.form_key:
            kw["form_key"] = c7.form_key
        if isinstance(el, CallActivity):
            called = z.called_element.process_id if z.called_element else el.called_element
            if not called:
                raise DeploymentError(
                    f"Call activity '{nid}': it does not say which process to call "
                    "(zeebe:calledElement processId)."
                )
            kw["called_element"] = self._expr(called, nid)
            kw["called_binding"], kw["called_version_tag"], _ = binding.checked(
                f"Call activity '{nid}'", _zeebe_attribute(el, "calledElement", "bindingType"),
                _zeebe_attribute(el, "calledElement", "versionTag"),
                binding_attribute="zeebe:calledElement bindingType",
                tag_attribute="zeebe:calledElement versionTag")
            if z.called_element is not None:
                kw["propagate_all_child"] = z.called_element.propagate_all_child_variables
                kw["propagate_all_parent"] = z.called_element.propagate_all_parent_variables
        if isinstance(el, SubProcess):
            kw["triggered_by_event"] = el.triggered_by_event
            kw["starts"] = tuple(s.id for s in el.start_events)
            kw["event_subprocesses"] = tuple(s.id for s in el.event_subprocesses)
        if isinstance(el, BusinessRuleTask) and z.task_definition is None:
            self._called_decision(el, kw)
        activation = getattr(el, "activation_condition", None)
        if activation is not None and activation.body.strip():
            kw["activation_condition"] = self._expr(activation.body, nid, feel=True)
        return Node(**kw)

    def _called_decision(self, el: Any, kw: dict[str, Any]) -> None:
        """``zeebe:calledDecision`` (or Camunda 7 ``camunda:decisionRef``): evaluate in the
        engine. Camunda 8 requires a result variable; a Camunda 7 task may have none (only the
        audit then records the value).
        The version evaluated follows the binding (``civicflow.engine.binding``); a Camunda 7
        task also maps the result (``camunda:mapDecisionResult``, default ``resultList``)."""
        nid = el.id
        z = el.zeebe
        where = f"Business rule task '{nid}'"
        if z.called_decision is None and _camunda_attribute(el, "decisionRef") is None:
            return
        if z.called_decision is not None:
            decision, result = z.called_decision.decision_id, z.called_decision.result_variable
            if not result or not result.strip():  # Camunda 8 requires it as well
                raise DeploymentError(
                    f"{where}: the called decision has no result variable, so its result "
                    "would be lost; set it in the modeler (Called decision > Result "
                    "variable), e.g. resultVariable=\"fee\".")
            chosen = binding.checked(
                where, _zeebe_attribute(el, "calledDecision", "bindingType"),
                _zeebe_attribute(el, "calledDecision", "versionTag"),
                binding_attribute="zeebe:calledDecision bindingType",
                tag_attribute="zeebe:calledDecision versionTag")
            mapping = None
        else:
            decision = _camunda_attribute(el, "decisionRef")
            result = el.camunda.result_variable or _camunda_attribute(el, "resultVariable")
            chosen = binding.checked(
                where, _camunda_attribute(el, "decisionRefBinding"),
                _camunda_attribute(el, "decisionRefVersionTag"),
                _camunda_attribute(el, "decisionRefVersion"),
                allowed=binding.CAMUNDA7_BINDINGS,
                binding_attribute="camunda:decisionRefBinding",
                tag_attribute="camunda:decisionRefVersionTag",
                version_attribute="camunda:decisionRefVersion")
            mapping = decision_results.checked_mapping(
                where, _camunda_attribute(el, "mapDecisionResult"))
            if decision and ("${" in decision or "#{" in decision):  # else: an incident later
                raise DeploymentError(
                    f"{where}: camunda:decisionRef {decision!r} is a Camunda 7 (JUEL) "
                    "expression, which CivicFlow does not run; write the decision id, or "
                    "compute it in FEEL with zeebe:calledDecision decisionId=\"=...\".")
        if not decision or not decision.strip():
            raise DeploymentError(
                f"{where}: the called decision has no decision id; set it "
                "in the modeler (Called decision > Decision ID).")
        kw["called_decision"] = self._expr(decision, nid)
        kw["result_variable"] = result or None
        kw["called_binding"], kw["called_version_tag"], kw["called_version"] = chosen
        kw["decision_result_mapping"] = mapping

    def _mapping_source(self, source: str | None, nid: str) -> Expr:
        expr = self._expr(source, nid)
        if expr is None:
            return Expr(text="null", compiled=compile_expr("=null", nid).compiled  # type: ignore[union-attr]
                        , element_id=nid)
        return expr

    def _mi(self, el: Any, loop: Any) -> MultiInstance:
        zl = loop.zeebe.loop or el.zeebe.loop
        nid = el.id
        return MultiInstance(
            sequential=loop.is_sequential,
            input_collection=self._expr(zl.input_collection, nid, feel=True) if zl else None,
            input_element=zl.input_element if zl else None,
            output_collection=zl.output_collection if zl else None,
            output_element=self._expr(zl.output_element, nid, feel=True) if zl else None,
            cardinality=self._expr(loop.loop_cardinality.body, nid, feel=True)
            if loop.loop_cardinality is not None else None,
            completion_condition=self._expr(loop.completion_condition.body, nid, feel=True)
            if loop.completion_condition is not None else None,
        )

    def _standard_loop(self, el: Any, loop: Any) -> MultiInstance:
        """A standard loop runs like a sequential multi-instance whose end is a condition."""
        if loop.loop_condition is None or not loop.loop_condition.body.strip():
            raise DeploymentError(
                f"Activity '{el.id}': its standard loop has no loop condition; add one "
                "(FEEL, e.g. =not(approved))."
            )
        return MultiInstance(
            sequential=True, input_collection=None, input_element=None,
            output_collection=None, output_element=None, cardinality=None,
            completion_condition=None,
            loop_condition=self._expr(loop.loop_condition.body, el.id, feel=True),
            test_before=loop.test_before, loop_maximum=loop.loop_maximum,
        )

    def _event(self, el: Any, scope: Any) -> EventDef:
        trigger = el.trigger
        if trigger == "none":
            return EventDef(kind="none")
        if trigger == "multiple":
            from civicflow.engine.multiple import compile_multiple

            return compile_multiple(el, [self._definition(el, d) for d in el.event_definitions],
                                    scope)
        return self._definition(el, el.definition)

    def _definition(self, el: Any, d: Any) -> EventDef:
        """One event definition of ``el`` (``d`` None: a reference the model did not resolve)."""
        trigger = d.kind if d is not None else "unknown"
        if trigger not in _SUPPORTED_EVENTS:
            raise DeploymentError(
                f"Event '{el.id}': {trigger} events are not supported yet. Replace it or "
                "remove it from the executable process."
            )
        nid = el.id
        if trigger == "timer":
            for kind, attr in (("date", "time_date"), ("duration", "time_duration"),
                               ("cycle", "time_cycle")):
                expr = getattr(d, attr)
                if expr is not None and expr.body.strip():
                    return EventDef(kind="timer", timer_kind=kind,
                                    timer=self._expr(expr.body.strip(), nid))
            raise DeploymentError(f"Timer event '{nid}': it has no date, duration or cycle.")
        if trigger == "message":
            from civicflow.model import ThrowEvent

            if isinstance(el, ThrowEvent) and not d.message_ref:
                return EventDef(kind="message")  # a throw needs no message to be sent by a job
            name, key = self._message(d.message_ref, nid)
            return EventDef(kind="message", name=name, correlation_key=key)
        if trigger == "signal":
            sig = self.defs.element(d.signal_ref) if d.signal_ref else None
            return EventDef(kind="signal", name=(sig.name or sig.id) if sig else d.signal_ref)
        if trigger == "error":
            err = self.defs.element(d.error_ref) if d.error_ref else None
            return EventDef(kind="error", code=err.error_code if err is not None else None)
        if trigger == "escalation":
            esc = self.defs.element(d.escalation_ref) if d.escalation_ref else None
            return EventDef(kind="escalation",
                            code=esc.escalation_code if esc is not None else None)
        if trigger == "link":
            return EventDef(kind="link", name=d.name)
        if trigger == "compensate":
            return EventDef(kind="compensate", activity_ref=d.activity_ref,
                            wait_for_completion=d.wait_for_completion)
        if trigger == "conditional":
            if d.condition is None or not d.condition.body.strip():
                raise DeploymentError(f"Conditional event '{nid}': it has no condition.")
            return EventDef(kind="conditional",
                            condition=self._expr(d.condition.body, nid, feel=True))
        return EventDef(kind=trigger)

    def _message(self, ref: str | None, nid: str) -> tuple[str, Expr | None]:
        msg = self.defs.element(ref) if ref else None
        if msg is None:
            raise DeploymentError(
                f"Element '{nid}': it waits for a message but names none (messageRef)."
            )
        key = self._expr(msg.zeebe.correlation_key, nid)
        return (msg.name or msg.id), key


def _zeebe_attribute(el: Any, local: str, attribute: str) -> str | None:
    """An attribute of a ``zeebe:`` extension element the model does not type yet."""
    from civicflow.model.extensions import ZEEBE_NS

    for node in el.extension_elements:
        if node.namespace == ZEEBE_NS and node.local_name == local:
            value = node.get(attribute)
            return str(value) if value is not None else None
    return None


def _camunda_attribute(el: Any, local: str) -> str | None:
    """A ``camunda:`` attribute of the element itself (Camunda 7 models)."""
    from civicflow.model.extensions import CAMUNDA_NS

    return el.attribute(f"{{{CAMUNDA_NS}}}{local}")  # type: ignore[no-any-return]
