"""The common part of the BPMN importer: attributes, ids, documentation, extensions.

``ImporterBase.open`` splits any element into its attributes, the keyword arguments every model
class takes and the children left to interpret; ``close`` keeps whatever was not interpreted
(vendor attributes, unknown BPMN children) verbatim so that export loses nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree

from civicflow.model import events
from civicflow.model.base import (
    Assignment,
    DataAssociation,
    Expression,
    Property,
)
from civicflow.model.names import m
from civicflow.model.parse_tags import (
    T_assignment,
    T_cancelEventDefinition,
    T_compensateEventDefinition,
    T_condition,
    T_conditionalEventDefinition,
    T_errorEventDefinition,
    T_escalationEventDefinition,
    T_from,
    T_messageEventDefinition,
    T_property,
    T_signalEventDefinition,
    T_source,
    T_sourceRef,
    T_target,
    T_targetRef,
    T_terminateEventDefinition,
    T_timeCycle,
    T_timeDate,
    T_timeDuration,
    T_timerEventDefinition,
    T_to,
    T_transformation,
)
from civicflow.model.parse_util import (
    _SKIPPED,
    DOCUMENTATION,
    EXTENSION_ELEMENTS,
    Attrs,
    documentation,
    expression,
    local,
    pop_bool,
    pop_ref,
    ref,
    xml_node,
)

_Children = list[etree._Element]


class ImporterBase:
    """State of one import run (the counter for ids a file left out) and the shared readers."""

    def __init__(self, source: str | None, include_diagrams: bool = True) -> None:
        self.source = source
        self.include_diagrams = include_diagrams
        self.generated = 0

    # -- common parts ---------------------------------------------------------------------

    def open(self, el: etree._Element) -> tuple[Attrs, dict[str, Any], _Children]:
        """Split ``el`` into its attributes, the common keyword arguments and other children.

        Hot path (once per element): kept free of helper calls.
        """
        attrs: Attrs = dict(el.items())  # type: ignore[arg-type]
        docs: list[Any] = []
        ext: tuple[Any, ...] = ()
        rest: _Children = []
        for child in el:
            tag = child.tag
            if tag.__class__ is not str or tag in _SKIPPED:
                continue
            if tag == DOCUMENTATION:
                docs.append(documentation(child))
            elif tag == EXTENSION_ELEMENTS:
                ext += tuple([xml_node(c) for c in child if c.tag.__class__ is str])
            else:
                rest.append(child)
        kw: dict[str, Any] = {
            "documentation": tuple(docs) if docs else (),
            "extension_elements": ext,
            "line": el.sourceline,
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
        kw["attributes"] = tuple(attrs.items()) if attrs else ()
        kw["other"] = tuple([xml_node(o) for o in other]) if other else ()
        return kw

    def properties(self, rest: _Children) -> tuple[Property, ...]:
        found = []
        for child in rest:
            if child.tag == T_property:
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
            if tag == T_sourceRef:
                sources.append(ref(child.text) or "")
            elif tag == T_targetRef:
                kw["target_ref"] = ref(child.text)
            elif tag == T_transformation:
                kw["transformation"] = expression(child)
            elif tag == T_assignment:
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
            if child.tag == T_from:
                kw["from_"] = expression(child)
            elif child.tag == T_to:
                kw["to"] = expression(child)
            else:
                other.append(child)
        kw.setdefault("from_", Expression(body=""))
        kw.setdefault("to", Expression(body=""))
        return Assignment(**self.close(kw, attrs, other))

    # -- event definitions ----------------------------------------------------------------

    def event_definition(self, el: etree._Element) -> events.EventDefinition:
        attrs, kw, rest = self.open(el)
        kw["id"] = attrs.pop("id", None)
        tag = el.tag
        other: _Children = []
        cls: type[events.EventDefinition]
        if tag == T_messageEventDefinition:
            cls = events.MessageEventDefinition
            kw["message_ref"] = pop_ref(attrs, "messageRef")
            kw["operation_ref"] = pop_ref(attrs, "operationRef")
        elif tag == T_timerEventDefinition:
            cls = events.TimerEventDefinition
            for child in rest:
                key = _TIMER_FIELDS.get(child.tag)
                if key:
                    kw[key] = expression(child)
                else:
                    other.append(child)
            rest = []
        elif tag == T_errorEventDefinition:
            cls = events.ErrorEventDefinition
            kw["error_ref"] = pop_ref(attrs, "errorRef")
        elif tag == T_escalationEventDefinition:
            cls = events.EscalationEventDefinition
            kw["escalation_ref"] = pop_ref(attrs, "escalationRef")
        elif tag == T_signalEventDefinition:
            cls = events.SignalEventDefinition
            kw["signal_ref"] = pop_ref(attrs, "signalRef")
        elif tag == T_conditionalEventDefinition:
            cls = events.ConditionalEventDefinition
            for child in rest:
                if child.tag == T_condition:
                    kw["condition"] = expression(child)
                else:
                    other.append(child)
            rest = []
        elif tag == T_terminateEventDefinition:
            cls = events.TerminateEventDefinition
        elif tag == T_cancelEventDefinition:
            cls = events.CancelEventDefinition
        elif tag == T_compensateEventDefinition:
            cls = events.CompensateEventDefinition
            kw["activity_ref"] = pop_ref(attrs, "activityRef")
            kw["wait_for_completion"] = pop_bool(attrs, "waitForCompletion", True)
        else:
            cls = events.LinkEventDefinition
            kw["name"] = attrs.pop("name", None)
            sources: list[str] = []
            for child in rest:
                if child.tag == T_source:
                    sources.append(ref(child.text) or "")
                elif child.tag == T_target:
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


_TIMER_FIELDS = {
    T_timeDate: "time_date",
    T_timeDuration: "time_duration",
    T_timeCycle: "time_cycle",
}
_EVENT_DEFINITIONS: dict[str, Callable[[ImporterBase, etree._Element], events.EventDefinition]] = {
    m(n): ImporterBase.event_definition
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
