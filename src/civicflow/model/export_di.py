"""Export of diagram interchange: diagrams, planes, shapes, edges, labels and label styles."""

from __future__ import annotations

from lxml import etree

from civicflow.model.di import Bounds, Diagram, DiElement, Edge, Label, Shape
from civicflow.model.export_util import bool_attr, num, write_xml_node
from civicflow.model.names import bpmndi, dc, di


def _start(
    parent: etree._Element, tag: str, item: DiElement, attrs: list[tuple[str, str | None]]
) -> etree._Element:
    el = etree.SubElement(parent, tag)
    if item.id is not None:
        el.set("id", item.id)
    for key, value in attrs:
        if value is not None:
            el.set(key, value)
    for key, value in item.attributes:
        el.set(key, value)
    for node in item.other:  # di:extension and the like come first in the DI schema
        write_xml_node(el, node)
    return el


def _bounds(parent: etree._Element, bounds: Bounds) -> None:
    el = etree.SubElement(parent, dc("Bounds"))
    el.set("x", num(bounds.x))
    el.set("y", num(bounds.y))
    el.set("width", num(bounds.width))
    el.set("height", num(bounds.height))


def _label(parent: etree._Element, label: Label | None) -> None:
    if label is None:
        return
    el = _start(parent, bpmndi("BPMNLabel"), label, [("labelStyle", label.label_style)])
    if label.bounds is not None:
        _bounds(el, label.bounds)


def _shape(parent: etree._Element, shape: Shape) -> None:
    el = _start(
        parent,
        bpmndi("BPMNShape"),
        shape,
        [
            ("bpmnElement", shape.bpmn_element),
            ("isHorizontal", bool_attr(shape.is_horizontal)),
            ("isExpanded", bool_attr(shape.is_expanded)),
            ("isMarkerVisible", bool_attr(shape.is_marker_visible)),
            ("isMessageVisible", bool_attr(shape.is_message_visible)),
            ("participantBandKind", shape.participant_band_kind),
            ("choreographyActivityShape", shape.choreography_activity_shape),
        ],
    )
    _bounds(el, shape.bounds)
    _label(el, shape.label)


def _edge(parent: etree._Element, edge: Edge) -> None:
    el = _start(
        parent,
        bpmndi("BPMNEdge"),
        edge,
        [
            ("bpmnElement", edge.bpmn_element),
            ("sourceElement", edge.source_element),
            ("targetElement", edge.target_element),
            ("messageVisibleKind", edge.message_visible_kind),
        ],
    )
    for point in edge.waypoints:
        p_el = etree.SubElement(el, di("waypoint"))
        p_el.set("x", num(point.x))
        p_el.set("y", num(point.y))
    _label(el, edge.label)


def write_diagram(parent: etree._Element, diagram: Diagram) -> None:
    """Append one ``bpmndi:BPMNDiagram`` to ``parent`` (the ``definitions`` element)."""
    resolution = None if diagram.resolution is None else num(diagram.resolution)
    el = _start(
        parent,
        bpmndi("BPMNDiagram"),
        diagram,
        [
            ("name", diagram.name),
            ("documentation", diagram.documentation),
            ("resolution", resolution),
        ],
    )
    plane = diagram.plane
    p_el = _start(el, bpmndi("BPMNPlane"), plane, [("bpmnElement", plane.bpmn_element)])
    for item in plane.elements:
        if isinstance(item, Shape):
            _shape(p_el, item)
        else:
            _edge(p_el, item)
    for style in diagram.label_styles:
        s_el = _start(el, bpmndi("BPMNLabelStyle"), style, [])
        font = style.font
        if font is not None:
            f_el = etree.SubElement(s_el, dc("Font"))
            if font.name is not None:
                f_el.set("name", font.name)
            if font.size is not None:
                f_el.set("size", num(font.size))
            for key, value in (
                ("isBold", font.is_bold),
                ("isItalic", font.is_italic),
                ("isUnderline", font.is_underline),
                ("isStrikeThrough", font.is_strike_through),
            ):
                if value is not None:
                    f_el.set(key, bool_attr(value) or "false")
