"""Import of diagram interchange (``bpmndi:BPMNDiagram``) into ``civicflow.model.di``."""

from __future__ import annotations

from typing import Any

from lxml import etree

from civicflow.model.di import Bounds, Diagram, Edge, Font, Label, LabelStyle, Plane, Point, Shape
from civicflow.model.names import bpmndi, dc, di
from civicflow.model.parse_util import Attrs, is_element, line_of, pop_opt_bool, ref, xml_node

_BOUNDS = dc("Bounds")
_WAYPOINT = di("waypoint")
_LABEL = bpmndi("BPMNLabel")
_SHAPE = bpmndi("BPMNShape")
_EDGE = bpmndi("BPMNEdge")


def _float(attrs: Attrs, key: str) -> float:
    try:
        return float(attrs.pop(key, "0"))
    except ValueError:
        return 0.0


def _bounds(el: etree._Element) -> Bounds:
    attrs: Attrs = dict(el.attrib)  # type: ignore[arg-type]
    return Bounds(
        x=_float(attrs, "x"),
        y=_float(attrs, "y"),
        width=_float(attrs, "width"),
        height=_float(attrs, "height"),
    )


def _point(el: etree._Element) -> Point:
    attrs: Attrs = dict(el.attrib)  # type: ignore[arg-type]
    return Point(x=_float(attrs, "x"), y=_float(attrs, "y"))


def _common(el: etree._Element) -> tuple[Attrs, dict[str, Any]]:
    attrs: Attrs = dict(el.attrib)  # type: ignore[arg-type]
    return attrs, {"id": attrs.pop("id", None), "line": line_of(el)}


def _close(kw: dict[str, Any], attrs: Attrs, other: list[etree._Element]) -> dict[str, Any]:
    kw["attributes"] = tuple(attrs.items())
    kw["other"] = tuple(xml_node(o) for o in other)
    return kw


def _label(el: etree._Element) -> Label:
    attrs, kw = _common(el)
    kw["label_style"] = ref(attrs.pop("labelStyle", None))
    other = []
    for child in el:
        if not is_element(child):
            continue
        if child.tag == _BOUNDS:
            kw["bounds"] = _bounds(child)
        else:
            other.append(child)
    return Label(**_close(kw, attrs, other))


def _shape(el: etree._Element) -> Shape:
    attrs, kw = _common(el)
    kw["bpmn_element"] = ref(attrs.pop("bpmnElement", None))
    for xml_name, name in (
        ("isHorizontal", "is_horizontal"),
        ("isExpanded", "is_expanded"),
        ("isMarkerVisible", "is_marker_visible"),
        ("isMessageVisible", "is_message_visible"),
    ):
        kw[name] = pop_opt_bool(attrs, xml_name)
    kw["participant_band_kind"] = attrs.pop("participantBandKind", None)
    kw["choreography_activity_shape"] = ref(attrs.pop("choreographyActivityShape", None))
    other = []
    bounds = Bounds(x=0, y=0, width=0, height=0)
    for child in el:
        tag = child.tag
        if not is_element(child):
            continue
        if tag == _BOUNDS:
            bounds = _bounds(child)
        elif tag == _LABEL:
            kw["label"] = _label(child)
        else:
            other.append(child)
    kw["bounds"] = bounds
    return Shape(**_close(kw, attrs, other))


def _edge(el: etree._Element) -> Edge:
    attrs, kw = _common(el)
    kw["bpmn_element"] = ref(attrs.pop("bpmnElement", None))
    kw["source_element"] = ref(attrs.pop("sourceElement", None))
    kw["target_element"] = ref(attrs.pop("targetElement", None))
    kw["message_visible_kind"] = attrs.pop("messageVisibleKind", None)
    points = []
    other = []
    for child in el:
        tag = child.tag
        if not is_element(child):
            continue
        if tag == _WAYPOINT:
            points.append(_point(child))
        elif tag == _LABEL:
            kw["label"] = _label(child)
        else:
            other.append(child)
    kw["waypoints"] = tuple(points)
    return Edge(**_close(kw, attrs, other))


def _plane(el: etree._Element) -> Plane:
    attrs, kw = _common(el)
    kw["bpmn_element"] = ref(attrs.pop("bpmnElement", None))
    elements: list[Shape | Edge] = []
    other = []
    for child in el:
        tag = child.tag
        if tag == _SHAPE:
            elements.append(_shape(child))
        elif tag == _EDGE:
            elements.append(_edge(child))
        elif is_element(child):
            other.append(child)
    kw["elements"] = tuple(elements)
    return Plane(**_close(kw, attrs, other))


def _label_style(el: etree._Element) -> LabelStyle:
    attrs, kw = _common(el)
    other = []
    for child in el:
        if not is_element(child):
            continue
        if child.tag == dc("Font"):
            f_attrs: Attrs = dict(child.attrib)  # type: ignore[arg-type]
            size = f_attrs.get("size")
            try:
                size_value = float(size) if size is not None else None
            except ValueError:
                size_value = None
            kw["font"] = Font(
                name=f_attrs.get("name"),
                size=size_value,
                is_bold=pop_opt_bool(f_attrs, "isBold"),
                is_italic=pop_opt_bool(f_attrs, "isItalic"),
                is_underline=pop_opt_bool(f_attrs, "isUnderline"),
                is_strike_through=pop_opt_bool(f_attrs, "isStrikeThrough"),
            )
        else:
            other.append(child)
    return LabelStyle(**_close(kw, attrs, other))


def parse_diagram(el: etree._Element) -> Diagram:
    """One ``BPMNDiagram`` with its plane, shapes, edges, labels and label styles."""
    attrs, kw = _common(el)
    kw["name"] = attrs.pop("name", None)
    kw["documentation"] = attrs.pop("documentation", None)
    resolution = attrs.pop("resolution", None)
    try:
        kw["resolution"] = float(resolution) if resolution is not None else None
    except ValueError:
        attrs["resolution"] = resolution  # type: ignore[assignment]
    styles = []
    other = []
    plane: Plane | None = None
    for child in el:
        tag = child.tag
        if tag == bpmndi("BPMNPlane"):
            plane = _plane(child)
        elif tag == bpmndi("BPMNLabelStyle"):
            styles.append(_label_style(child))
        elif is_element(child):
            other.append(child)
    kw["plane"] = plane if plane is not None else Plane()
    kw["label_styles"] = tuple(styles)
    return Diagram(**_close(kw, attrs, other))
