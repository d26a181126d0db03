"""Executability: can the CivicFlow engine run this process, and if not, which elements stop it?

A descriptive model that the engine cannot run is still a valid import; these findings say what
to change to make it run. What the engine supports is in ``engine_support.ENGINE_SUPPORT``.
"""

from __future__ import annotations

from civicflow.model import activities as act
from civicflow.model import events, gateways
from civicflow.model.base import BaseElement, Expression, FlowElement, SequenceFlow
from civicflow.model.definitions import Definitions, Message, Signal
from civicflow.model.engine_support import ENGINE_SUPPORT, EngineSupport
from civicflow.model.extensions import CAMUNDA_NS
from civicflow.model.findings import Finding, Level, ProcessReport, Severity
from civicflow.model.scope import AdHocSubProcess, FlowScope, Process, SubProcess, Transaction

_READABLE = {
    "none": "plain",
    "compensate": "compensation",
    "multiple": "multiple-trigger",
}


def _trigger_word(kind: str) -> str:
    return _READABLE.get(kind, kind)


class _Checker:
    def __init__(self, definitions: Definitions, process: Process, support: EngineSupport):
        self.d = definitions
        self.process = process
        self.support = support
        self.findings: list[Finding] = []

    def add(
        self,
        element: BaseElement,
        code: str,
        message: str,
        severity: Severity = Severity.ERROR,
    ) -> None:
        self.findings.append(
            Finding(
                level=Level.EXECUTABILITY,
                severity=severity,
                code=code,
                message=message,
                element_id=element.id if "#" not in element.id else None,
                element_name=element.name,
                line=element.line,
                process_id=self.process.id,
            )
        )

    def run(self) -> ProcessReport:
        process = self.process
        if process.is_executable is False:
            self.add(
                process,
                "not-marked-executable",
                'the process is marked isExecutable="false" (a descriptive model). Set '
                '"Executable" in your modeler to run it.',
            )
        starts = [s for s in process.start_events if s.trigger in self.support.start_triggers]
        if not starts:
            self.add(
                process,
                "no-start-event",
                "the process has no start event the engine can start it from (plain, "
                "message, timer or signal). Add a start event.",
            )
        self.scope(process)
        errors = any(f.severity is Severity.ERROR for f in self.findings)
        return ProcessReport(
            process_id=process.id,
            name=process.name,
            executable=not errors,
            findings=tuple(self.findings),
        )

    def scope(self, scope: Process | SubProcess) -> None:
        in_event_subprocess = isinstance(scope, SubProcess) and scope.triggered_by_event
        for element in scope.flow_elements:
            if isinstance(element, SequenceFlow):
                self.sequence_flow(scope, element)
            elif isinstance(element, events.Event):
                self.event(scope, element, in_event_subprocess)
            elif isinstance(element, act.Activity):
                self.activity(element)
                if isinstance(element, SubProcess):
                    self.scope(element)
            elif isinstance(element, gateways.Gateway):
                self.gateway(scope, element)

    # -- events ---------------------------------------------------------------------------

    def event(self, scope: FlowScope, event: events.Event, in_event_subprocess: bool) -> None:
        support = self.support
        allowed: frozenset[str]
        if isinstance(event, events.StartEvent):
            allowed = (
                support.event_subprocess_start_triggers
                if in_event_subprocess
                else support.start_triggers
            )
            where = "start event of an event subprocess" if in_event_subprocess else "start event"
        elif isinstance(event, events.EndEvent):
            allowed, where = support.end_triggers, "end event"
        elif isinstance(event, events.BoundaryEvent):
            allowed, where = support.boundary_triggers, "boundary event"
        elif isinstance(event, events.IntermediateCatchEvent):
            allowed, where = support.intermediate_catch_triggers, "intermediate catch event"
        else:
            allowed, where = support.intermediate_throw_triggers, "intermediate throw event"
        trigger = event.trigger
        if trigger not in allowed:
            self.add(
                event,
                "unsupported-event",
                f"a {_trigger_word(trigger)} {where} is not run by the CivicFlow engine "
                f"(it runs: {', '.join(sorted(_trigger_word(t) for t in allowed))}).",
            )
            return
        if trigger == "multiple":
            self.multiple(event, in_event_subprocess)
        definition = event.definition
        is_catch = isinstance(event, events.CatchEvent)
        if isinstance(definition, events.TimerEventDefinition):
            if not (definition.time_date or definition.time_duration or definition.time_cycle):
                self.add(
                    event,
                    "timer-without-time",
                    "the timer has no date, duration or cycle. Set one (for example "
                    "duration PT24H).",
                )
        elif isinstance(definition, events.MessageEventDefinition) and is_catch:
            self.named_target(event, definition.message_ref, Message, "message")
        elif isinstance(definition, events.SignalEventDefinition):
            self.named_target(event, definition.signal_ref, Signal, "signal")
        elif isinstance(definition, events.ConditionalEventDefinition):
            if definition.condition is None or not definition.condition.body:
                self.add(event, "condition-missing", "the conditional event has no condition.")
            else:
                self.expression(event, definition.condition)
        elif isinstance(definition, events.LinkEventDefinition) and not definition.name:
            self.add(
                event,
                "link-without-name",
                "the link event has no name; throw and catch links are paired by name.",
            )
        if isinstance(event, events.CatchEvent) and event.data_output_associations:
            self.ignored_data(event)
        if isinstance(event, events.ThrowEvent) and event.data_input_associations:
            self.ignored_data(event)

    def multiple(self, event: events.Event, in_event_subprocess: bool) -> None:
        """A multiple event runs when each of its definitions may be part of one."""
        is_catch = isinstance(event, events.CatchEvent)
        allowed = (self.support.multiple_catch_parts if is_catch
                   else self.support.multiple_throw_parts)
        at_process_start = isinstance(event, events.StartEvent) and not in_event_subprocess
        if at_process_start:
            allowed = allowed & self.support.start_triggers
        bad = sorted({d.kind for d in event.event_definitions if d.kind not in allowed})
        if event.event_definition_refs:
            bad.append("referenced (eventDefinitionRef)")
        if bad:
            self.add(
                event,
                "unsupported-event",
                f"a multiple event combining {', '.join(bad)} definitions is not run by the "
                f"CivicFlow engine (it combines: {', '.join(sorted(allowed))}).",
            )
        if (isinstance(event, events.StartEvent) and event.parallel_multiple
                and not in_event_subprocess and not self.support.parallel_multiple_process_start):
            self.add(
                event,
                "unsupported-event",
                "a parallel multiple start event of a process is not run by the CivicFlow "
                "engine; start with one trigger and wait for the others with a parallel "
                "multiple intermediate catch event.",
            )
        for definition in event.event_definitions:
            if isinstance(definition, events.MessageEventDefinition) and is_catch:
                self.named_target(event, definition.message_ref, Message, "message")
            elif isinstance(definition, events.SignalEventDefinition):
                self.named_target(event, definition.signal_ref, Signal, "signal")

    def named_target(
        self, event: BaseElement, ref: str | None, kind: type[Message | Signal], word: str
    ) -> None:
        target = self.d.element(ref) if ref else None
        if not isinstance(target, kind) or not target.name:
            self.add(
                event,
                f"{word}-missing",
                f"the event does not refer to a {word} with a name; the engine "
                f"correlates {word}s by name. Choose or create a {word} and name it.",
            )

    # -- activities -----------------------------------------------------------------------

    def activity(self, activity: act.Activity) -> None:
        kind = type(activity).__name__
        if kind not in self.support.activities or isinstance(activity, AdHocSubProcess):
            self.add(
                activity,
                "unsupported-activity",
                f"{_words(kind)}s are not run by the CivicFlow engine.",
            )
            return
        if isinstance(activity, Transaction) and (
            (activity.method or "").strip().lower() not in self.support.transaction_methods
        ):
            self.add(
                activity,
                "transaction-method",
                f"the transaction's method '{activity.method}' is not run: a cancelled "
                "transaction is undone by compensation only. Remove the method attribute (or "
                "set it to ##Compensate) and attach compensation handlers to the activities "
                "that must be undone.",
            )
        zeebe = activity.zeebe
        camunda = activity.camunda
        java = camunda.class_name or camunda.expression or camunda.delegate_expression
        has_job = bool(
            (zeebe.task_definition and zeebe.task_definition.type)
            or camunda.topic
            or (java and self.support.java_delegates)
        )
        if java and not has_job:
            self.add(
                activity,
                "java-delegate",
                f"the task calls Java code ('{java}') as in Camunda 7; the engine calls Python "
                "handlers and external workers by job type. Give it a job type (Task "
                "definition > Type, or camunda:topic for an external task).",
            )
            self.loop(activity)
            return
        if isinstance(activity, act.ServiceTask) and not has_job:
            self.add(
                activity,
                "service-task-without-type",
                "the service task says nothing about what to call. Give it a job type "
                "(Camunda Modeler: Task definition > Type) so a handler or worker picks it up.",
            )
        elif isinstance(activity, act.SendTask) and not (has_job or activity.message_ref):
            self.add(
                activity,
                "send-task-without-type",
                "the send task has neither a job type nor a message to send. Give it a job "
                "type (Task definition > Type) or a message.",
            )
        elif isinstance(activity, act.ScriptTask):
            self.script_task(activity, has_job)
        elif isinstance(activity, act.BusinessRuleTask):
            decision = activity.attribute(f"{{{CAMUNDA_NS}}}decisionRef")
            if not (zeebe.called_decision or decision or has_job):
                self.add(
                    activity,
                    "business-rule-task-without-decision",
                    "the business rule task names no decision. Set the called decision "
                    "(Camunda Modeler: Called decision > Decision ID).",
                )
        elif isinstance(activity, act.ReceiveTask):
            self.named_target(activity, activity.message_ref, Message, "message")
        elif isinstance(activity, act.CallActivity):
            called = zeebe.called_element.process_id if zeebe.called_element else None
            if not (called or activity.called_element):
                self.add(
                    activity,
                    "call-activity-without-process",
                    "the call activity does not say which process to call. Set the called "
                    "element (Camunda Modeler: Called element > Process ID).",
                )
        self.loop(activity)
        if activity.data_input_associations or activity.data_output_associations:
            self.ignored_data(activity)

    def script_task(self, task: act.ScriptTask, has_job: bool) -> None:
        if task.zeebe.script is not None or has_job:
            return
        fmt = (task.script_format or "").lower()
        if task.script and fmt in self.support.script_formats:
            return
        if task.script:
            self.add(
                task,
                "unsupported-script-format",
                f"the script is written in '{task.script_format or 'an unnamed language'}'; "
                "the engine runs FEEL scripts only (Camunda 8: Script > FEEL expression), "
                "never Python or JavaScript.",
            )
        else:
            self.add(
                task,
                "script-task-without-script",
                "the script task has no script. Add a FEEL expression and a result variable.",
            )

    def loop(self, activity: act.Activity) -> None:
        loop = activity.loop
        if isinstance(loop, act.MultiInstanceLoopCharacteristics):
            zeebe_loop = activity.zeebe.loop
            if not (
                loop.loop_cardinality
                or loop.loop_data_input_ref
                or (zeebe_loop and zeebe_loop.input_collection)
            ):
                self.add(
                    activity,
                    "multi-instance-without-items",
                    "the multi-instance activity says neither how many times to run nor over "
                    "which collection. Set an input collection (or a loop cardinality).",
                )
            if loop.completion_condition is not None:
                self.expression(activity, loop.completion_condition)
            if loop.loop_cardinality is not None:
                self.expression(activity, loop.loop_cardinality)
        elif isinstance(loop, act.StandardLoopCharacteristics):
            if loop.loop_condition is None:
                self.add(
                    activity,
                    "loop-without-condition",
                    "the loop has no loop condition, so it would never stop. Add one.",
                )
            else:
                self.expression(activity, loop.loop_condition)

    def ignored_data(self, element: BaseElement) -> None:
        self.add(
            element,
            "data-associations-ignored",
            "data associations are drawn but not executed; the engine moves data with "
            "input/output mappings (zeebe:ioMapping).",
            Severity.INFO,
        )

    # -- gateways and flows ---------------------------------------------------------------

    def gateway(self, scope: FlowScope, gateway: gateways.Gateway) -> None:
        kind = type(gateway).__name__
        if kind not in self.support.gateways:
            self.add(
                gateway,
                "unsupported-gateway",
                f"{_words(kind)}s are not run by the CivicFlow engine; use exclusive, "
                "inclusive, parallel or event-based gateways.",
            )
            return
        outgoing = scope.outgoing(gateway.id)
        if isinstance(gateway, gateways.ExclusiveGateway | gateways.InclusiveGateway):
            if len(outgoing) > 1:
                for flow in outgoing:
                    if flow.id != gateway.default and flow.condition is None:
                        self.add(
                            flow,
                            "flow-without-condition",
                            f"this flow leaves the decision '{gateway.label}' without a "
                            "condition and is not its default flow. Add a condition, or make "
                            "it the default flow.",
                        )
        elif isinstance(gateway, gateways.EventBasedGateway):
            for flow in outgoing:
                target = scope.get(flow.target_ref)
                if not _waits_for_event(target):
                    self.add(
                        gateway,
                        "event-gateway-target",
                        f"after an event-based gateway each path must start with an event "
                        f"to wait for (message, timer, signal) or a receive task; "
                        f"'{flow.target_ref}' is not one.",
                    )

    def sequence_flow(self, scope: FlowScope, flow: SequenceFlow) -> None:
        if flow.condition is None:
            return
        source = scope.get(flow.source_ref)
        if (
            isinstance(source, act.Activity | events.Event)
            and not self.support.conditional_flows_from_activities
        ):
            self.add(
                flow,
                "conditional-flow-from-activity",
                "conditions on flows that leave a task or event are not run; put an "
                "exclusive gateway after the element and move the condition there.",
            )
            return
        self.expression(flow, flow.condition)

    def expression(self, element: BaseElement, expr: Expression) -> None:
        body = expr.body.strip()
        if body.startswith("="):  # Camunda 8 marks FEEL with a leading "="
            return
        if body.startswith(("${", "#{")):
            inner = _feel_hint(body[2:-1].strip() if body.endswith("}") else body)
            self.add(
                element,
                "juel-expression",
                f"'{body}' is a Camunda 7 (JUEL) expression; the engine evaluates FEEL. Write "
                f"it as ={inner}.",
            )
            return
        language = expr.language or self.d.expression_language or ""
        if language and not any(w in language.lower() for w in self.support.expression_languages):
            self.add(
                element,
                "unsupported-expression-language",
                f"'{body}' is written in '{language}'; the engine evaluates FEEL "
                "(for example =amount > 100).",
            )


def _feel_hint(juel: str) -> str:
    """A likely FEEL spelling of a simple JUEL expression (a hint for the message only)."""
    text = juel.replace("==", "=").replace("&&", " and ").replace("||", " or ")
    if text.startswith("!"):
        text = f"not({text[1:].strip()})"
    return " ".join(text.split())


def _waits_for_event(target: FlowElement | None) -> bool:
    if isinstance(target, act.ReceiveTask):
        return True
    if isinstance(target, events.IntermediateCatchEvent):
        return target.trigger in ("message", "timer", "signal", "conditional")
    return False


def _words(class_name: str) -> str:
    """``AdHocSubProcess`` -> ``ad hoc sub process``: class names read as words."""
    out = []
    for index, char in enumerate(class_name):
        if char.isupper() and index:
            out.append(" ")
        out.append(char.lower())
    return "".join(out).replace("sub process", "subprocess")


def executability(
    definitions: Definitions, process: Process, support: EngineSupport = ENGINE_SUPPORT
) -> ProcessReport:
    """Whether ``process`` runs on the CivicFlow engine, and the elements that prevent it."""
    return _Checker(definitions, process, support).run()


__all__ = ["executability"]
