"""The root of a BPMN file: ``Definitions`` and its root elements (processes, collaborations...)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from civicflow.model.base import BaseElement, Element
from civicflow.model.data import Artifact
from civicflow.model.di import Diagram
from civicflow.model.scope import Process

_T = TypeVar("_T", bound=BaseElement)


@dataclass(frozen=True, slots=True, kw_only=True)
class Import:
    namespace: str
    location: str
    import_type: str
    attributes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Message(BaseElement):
    item_ref: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Signal(BaseElement):
    structure_ref: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Error(BaseElement):
    error_code: str | None = None
    structure_ref: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Escalation(BaseElement):
    escalation_code: str | None = None
    structure_ref: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemDefinition(BaseElement):
    structure_ref: str | None = None
    item_kind: str = "Information"
    is_collection: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class DataStore(BaseElement):
    capacity: int | None = None
    is_unlimited: bool = True
    item_subject_ref: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Participant(BaseElement):
    """A pool: the participant, and the process it runs (``process_ref``), if any."""

    process_ref: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageFlow(BaseElement):
    source_ref: str
    target_ref: str
    message_ref: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Collaboration(BaseElement):
    """Pools (participants) and the message flows between them."""

    is_closed: bool = False
    participants: tuple[Participant, ...] = ()
    message_flows: tuple[MessageFlow, ...] = ()
    artifacts: tuple[Artifact, ...] = ()


RootElement = (
    Process | Collaboration | Message | Signal | Error | Escalation | ItemDefinition | DataStore
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Definitions(Element):
    """A whole BPMN file. ``namespaces`` are the prefixes it declared (kept for export only)."""

    id: str | None = None
    name: str | None = None
    target_namespace: str = ""
    expression_language: str | None = None
    type_language: str | None = None
    exporter: str | None = None
    exporter_version: str | None = None
    imports: tuple[Import, ...] = ()
    root_elements: tuple[RootElement, ...] = ()
    diagrams: tuple[Diagram, ...] = ()
    namespaces: tuple[tuple[str | None, str], ...] = field(default=(), compare=False)
    source: str | None = field(default=None, compare=False)  #: file name, for messages
    _by_id: dict[str, BaseElement] | None = field(
        default=None, init=False, compare=False, repr=False
    )

    def _of_type(self, cls: type[_T]) -> tuple[_T, ...]:
        return tuple(e for e in self.root_elements if isinstance(e, cls))

    @property
    def processes(self) -> tuple[Process, ...]:
        return self._of_type(Process)

    @property
    def collaborations(self) -> tuple[Collaboration, ...]:
        return self._of_type(Collaboration)

    @property
    def messages(self) -> tuple[Message, ...]:
        return self._of_type(Message)

    @property
    def signals(self) -> tuple[Signal, ...]:
        return self._of_type(Signal)

    @property
    def errors(self) -> tuple[Error, ...]:
        return self._of_type(Error)

    @property
    def escalations(self) -> tuple[Escalation, ...]:
        return self._of_type(Escalation)

    @property
    def item_definitions(self) -> tuple[ItemDefinition, ...]:
        return self._of_type(ItemDefinition)

    @property
    def data_stores(self) -> tuple[DataStore, ...]:
        return self._of_type(DataStore)

    def process(self, process_id: str) -> Process:
        """The process with this id; KeyError if there is none."""
        element = self.element(process_id)
        if not isinstance(element, Process):
            raise KeyError(process_id)
        return element

    def element(self, element_id: str) -> BaseElement | None:
        """Any element with an id, at any depth (first one wins on duplicates), or None."""
        by_id = self._by_id
        if by_id is None:
            by_id = {}
            for element in self.iter_elements():
                by_id.setdefault(element.id, element)
            object.__setattr__(self, "_by_id", by_id)
        return by_id.get(element_id)

    def iter_elements(self) -> Iterator[BaseElement]:
        """Every element with an id, depth first (root elements, then what they contain)."""
        from civicflow.model.walk import iter_elements

        return iter_elements(self)
