"""The common ground of every BPMN element: ids, names, documentation, extensions, source lines.

All model classes are frozen, keyword-only dataclasses holding tuples, so a parsed model can be
shared between threads and cached by an engine without defensive copies. ``line`` is where the
element starts in the source file; it is excluded from equality so that import -> export ->
import compares equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from civicflow.model.extensions import (
    CamundaExtension,
    ZeebeExtension,
    camunda_extension,
    zeebe_extension,
)
from civicflow.model.xmlnode import XmlNode

Attributes = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Documentation:
    """A ``documentation`` element: free text the modeler attached to an element."""

    text: str
    text_format: str | None = None
    id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Expression:
    """An expression as written (``conditionExpression``, ``timeDuration``, ``loopCardinality``...).

    ``body`` is the raw text; Camunda 8 FEEL starts with ``=``. ``formal`` is True for
    ``xsi:type="tFormalExpression"``, which is what carries ``language``.
    """

    body: str
    language: str | None = None
    formal: bool = True
    evaluates_to_type_ref: str | None = None
    id: str | None = None
    attributes: Attributes = ()
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Element:
    """What every BPMN element may carry, with or without an id.

    ``attributes`` holds the attributes the model does not interpret (vendor attributes such as
    ``camunda:assignee`` or ``color:background-color``), as (Clark name, value) pairs.
    ``extension_elements`` holds the children of ``extensionElements`` verbatim; ``other`` holds
    BPMN child elements the model does not interpret (``ioSpecification`` parts, ``performer``,
    ``auditing``...), so export can write them back.
    """

    documentation: tuple[Documentation, ...] = ()
    extension_elements: tuple[XmlNode, ...] = ()
    attributes: Attributes = ()
    other: tuple[XmlNode, ...] = ()
    line: int | None = field(default=None, compare=False)

    @property
    def zeebe(self) -> ZeebeExtension:
        """Camunda 8 (``zeebe:``) extension values of this element."""
        return zeebe_extension(self.extension_elements)

    @property
    def camunda(self) -> CamundaExtension:
        """Camunda 7 (``camunda:``) attributes and extension values of this element."""
        return camunda_extension(self.extension_elements, self.attributes)

    def attribute(self, clark_name: str) -> str | None:
        """The value of an uninterpreted attribute, e.g. ``{http://...}formKey``."""
        for key, value in self.attributes:
            if key == clark_name:
                return value
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class BaseElement(Element):
    """An element with an id, the unit that findings, references and DI point at."""

    id: str
    name: str | None = None

    @property
    def label(self) -> str:
        """How to name this element to a person: its name if it has one, else its id."""
        return self.name if self.name else self.id


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowElement(BaseElement):
    """Anything that lives inside a process or subprocess (nodes, flows, data objects)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowNode(FlowElement):
    """A node that sequence flows connect: an event, activity or gateway.

    Incoming and outgoing flows are derived from the sequence flows of the enclosing scope
    (``scope.incoming(node_id)``), not stored twice.
    """


@dataclass(frozen=True, slots=True, kw_only=True)
class SequenceFlow(FlowElement):
    """A sequence flow; ``condition`` is None for an unconditional flow."""

    source_ref: str
    target_ref: str
    condition: Expression | None = None
    is_immediate: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Property(BaseElement):
    """A ``property`` of a process, activity or event (a typed variable declaration)."""

    item_subject_ref: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Assignment(Element):
    """A ``from``/``to`` pair inside a data association."""

    id: str | None = None
    from_: Expression
    to: Expression


@dataclass(frozen=True, slots=True, kw_only=True)
class DataAssociation(Element):
    """A data input or output association: data moves from ``source_refs`` to ``target_ref``."""

    id: str | None = None
    source_refs: tuple[str, ...] = ()
    target_ref: str | None = None
    transformation: Expression | None = None
    assignments: tuple[Assignment, ...] = ()
