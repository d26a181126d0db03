"""Import BPMN 2.0 XML into the immutable model: ``parse_bpmn(path_or_xml) -> Definitions``.

Tolerant of what modeling tools write (any prefix or the default namespace, missing optional
attributes, vendor attributes and elements), strict about safety (see ``safe_xml``). What the
model does not interpret is kept verbatim in ``attributes``/``other``/``extension_elements`` so
that export loses nothing.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lxml import etree

from civicflow.model import data
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
from civicflow.model.parse_base import _snake
from civicflow.model.parse_di import parse_diagram
from civicflow.model.parse_flow import _ARTIFACT_HANDLERS, FlowImporter
from civicflow.model.parse_tags import (
    T_collaboration,
    T_definitions,
    T_error,
    T_escalation,
    T_import,
    T_ioSpecification,
    T_itemDefinition,
    T_message,
    T_messageFlow,
    T_participant,
    T_process,
    T_signal,
)
from civicflow.model.parse_util import (
    Attrs,
    line_of,
    local,
    pop_bool,
    pop_int,
    pop_ref,
    xml_node,
)
from civicflow.model.safe_xml import MAX_BYTES, parse_xml, read_source
from civicflow.model.scope import (
    Process,
)

_Children = list[etree._Element]


def parse_bpmn(
    source: str | bytes | Path,
    *,
    max_bytes: int = MAX_BYTES,
    name: str | None = None,
    include_diagrams: bool = True,
) -> Definitions:
    """Import a BPMN 2.0 file: a path, or the XML itself as ``str``/``bytes``.

    Raises ``NotXmlError``, ``NotBpmnError`` or ``UnsafeXmlError`` (all ``BpmnImportError``)
    with a message naming the file and line. A descriptive (non-executable) model imports fine;
    use ``validate`` for findings. ``include_diagrams=False`` skips the diagram interchange
    (about a third of the work) for callers that only run the model, such as an engine's
    deploy; such a model exports without diagrams.
    """
    raw, source_name = read_source(source, max_bytes=max_bytes)
    source_name = name or source_name
    with _gc_paused():
        return _import(raw, source_name, include_diagrams)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a model is built.

    An import allocates tens of thousands of small immutable objects and no cycles; without
    this, the collector runs repeatedly over them for nothing (about 20% of import time).
    Only re-enables what it disabled, so it is safe when the caller has turned GC off.
    """
    was_enabled = gc.isenabled()
    if was_enabled:
        gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _import(raw: bytes, source_name: str | None, include_diagrams: bool) -> Definitions:
    root = parse_xml(raw, name=source_name)
    if root.tag != T_definitions:
        tag = str(root.tag)
        raise NotBpmnError(
            f"the root element is <{local(tag)}> in namespace "
            f"'{etree.QName(tag).namespace or 'none'}', not a BPMN 2.0 <definitions> "
            f"({MODEL}). Export the model from your tool as BPMN 2.0 XML.",
            line=line_of(root),
            source=source_name,
        )
    return _Importer(source_name, include_diagrams).definitions(root)


class _Importer(FlowImporter):
    """One import run: the root elements of a file."""

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
            if child.tag == T_ioSpecification:
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
            if tag == T_participant:
                p_attrs, p_kw, p_rest = self.open(child)
                self.identify(child, p_attrs, p_kw)
                p_kw["process_ref"] = pop_ref(p_attrs, "processRef")
                participants.append(Participant(**self.close(p_kw, p_attrs, p_rest)))
            elif tag == T_messageFlow:
                f_attrs, f_kw, f_rest = self.open(child)
                self.identify(child, f_attrs, f_kw)
                f_kw["source_ref"] = pop_ref(f_attrs, "sourceRef") or ""
                f_kw["target_ref"] = pop_ref(f_attrs, "targetRef") or ""
                f_kw["message_ref"] = pop_ref(f_attrs, "messageRef")
                flows.append(MessageFlow(**self.close(f_kw, f_attrs, f_rest)))
            elif tag in _ARTIFACT_HANDLERS:
                artifacts.append(_ARTIFACT_HANDLERS[tag](self, child))
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
        if tag == T_message:
            kw["item_ref"] = attrs.pop("itemRef", None)
            return Message(**self.close(kw, attrs, rest))
        if tag == T_signal:
            kw["structure_ref"] = attrs.pop("structureRef", None)
            return Signal(**self.close(kw, attrs, rest))
        if tag == T_error:
            kw["error_code"] = attrs.pop("errorCode", None)
            kw["structure_ref"] = attrs.pop("structureRef", None)
            return Error(**self.close(kw, attrs, rest))
        if tag == T_escalation:
            kw["escalation_code"] = attrs.pop("escalationCode", None)
            kw["structure_ref"] = attrs.pop("structureRef", None)
            return Escalation(**self.close(kw, attrs, rest))
        if tag == T_itemDefinition:
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
            if tag == T_process:
                roots.append(self.process(child))
            elif tag == T_collaboration:
                roots.append(self.collaboration(child))
            elif tag in _SIMPLE_ROOTS:
                roots.append(self.simple_root(child))
            elif tag == T_import:
                i_attrs: Attrs = dict(child.items())  # type: ignore[arg-type]
                imports.append(
                    Import(
                        namespace=i_attrs.pop("namespace", ""),
                        location=i_attrs.pop("location", ""),
                        import_type=i_attrs.pop("importType", ""),
                        attributes=tuple(i_attrs.items()),
                    )
                )
            elif tag == bpmndi("BPMNDiagram"):
                if self.include_diagrams:
                    diagrams.append(parse_diagram(child))
            else:
                other.append(child)
        kw["root_elements"] = tuple(roots)
        kw["imports"] = tuple(imports)
        kw["diagrams"] = tuple(diagrams)
        kw["namespaces"] = tuple(root.nsmap.items())
        kw["source"] = self.source
        return Definitions(**self.close(kw, attrs, other))


_SIMPLE_ROOTS = frozenset(
    m(n) for n in ("message", "signal", "error", "escalation", "itemDefinition", "dataStore")
)
__all__ = ["parse_bpmn"]
