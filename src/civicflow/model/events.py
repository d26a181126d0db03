"""Events and their event definitions (BPMN 2.0.2 chapter 10.5)."""

from __future__ import annotations

from dataclasses import dataclass

from civicflow.model.base import DataAssociation, Element, Expression, FlowNode, Property


@dataclass(frozen=True, slots=True, kw_only=True)
class EventDefinition(Element):
    """What triggers or is thrown by an event. ``kind`` names it in one word."""

    id: str | None = None
    kind = "none"


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageEventDefinition(EventDefinition):
    message_ref: str | None = None
    operation_ref: str | None = None
    kind = "message"


@dataclass(frozen=True, slots=True, kw_only=True)
class TimerEventDefinition(EventDefinition):
    """A timer: exactly one of date (ISO 8601 instant), duration or cycle is normally set."""

    time_date: Expression | None = None
    time_duration: Expression | None = None
    time_cycle: Expression | None = None
    kind = "timer"


@dataclass(frozen=True, slots=True, kw_only=True)
class ErrorEventDefinition(EventDefinition):
    error_ref: str | None = None
    kind = "error"


@dataclass(frozen=True, slots=True, kw_only=True)
class EscalationEventDefinition(EventDefinition):
    escalation_ref: str | None = None
    kind = "escalation"


@dataclass(frozen=True, slots=True, kw_only=True)
class SignalEventDefinition(EventDefinition):
    signal_ref: str | None = None
    kind = "signal"


@dataclass(frozen=True, slots=True, kw_only=True)
class ConditionalEventDefinition(EventDefinition):
    condition: Expression | None = None
    kind = "conditional"


@dataclass(frozen=True, slots=True, kw_only=True)
class TerminateEventDefinition(EventDefinition):
    kind = "terminate"


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelEventDefinition(EventDefinition):
    kind = "cancel"


@dataclass(frozen=True, slots=True, kw_only=True)
class CompensateEventDefinition(EventDefinition):
    activity_ref: str | None = None
    wait_for_completion: bool = True
    kind = "compensate"


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkEventDefinition(EventDefinition):
    """A link: a throw event jumps to the catch event of the same ``name`` in its process."""

    name: str | None = None
    sources: tuple[str, ...] = ()
    target: str | None = None
    kind = "link"


@dataclass(frozen=True, slots=True, kw_only=True)
class Event(FlowNode):
    """Common part of every event; ``trigger`` is the one-word kind of its definitions."""

    event_definitions: tuple[EventDefinition, ...] = ()
    event_definition_refs: tuple[str, ...] = ()
    properties: tuple[Property, ...] = ()

    @property
    def trigger(self) -> str:
        """``none``, ``message``, ``timer``, ... or ``multiple`` when several definitions."""
        count = len(self.event_definitions) + len(self.event_definition_refs)
        if count == 0:
            return "none"
        if count > 1:
            return "multiple"
        if self.event_definitions:
            return self.event_definitions[0].kind
        return "unknown"

    @property
    def definition(self) -> EventDefinition | None:
        """The single event definition, or None for a none event or a multiple event."""
        if len(self.event_definitions) == 1:
            return self.event_definitions[0]
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class CatchEvent(Event):
    parallel_multiple: bool = False
    data_output_associations: tuple[DataAssociation, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ThrowEvent(Event):
    data_input_associations: tuple[DataAssociation, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class StartEvent(CatchEvent):
    """A start event; ``is_interrupting`` matters only in event subprocesses."""

    is_interrupting: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class IntermediateCatchEvent(CatchEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class BoundaryEvent(CatchEvent):
    """An event attached to an activity; ``cancel_activity`` False means non-interrupting."""

    attached_to_ref: str
    cancel_activity: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class IntermediateThrowEvent(ThrowEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class EndEvent(ThrowEvent):
    pass
