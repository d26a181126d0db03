"""Import of diagram interchange (``bpmndi:BPMNDiagram``) into ``civicflow.model.di``."""

from __future__ import annotations

from typing import Any

from lxml import etree

from civicflow.model.di import Bounds, Diagram, Edge, Font, Label, LabelStyle, Plane, Point, Shape
from civicflow.model.names import bpmndi, dc, di
from civicflow.model.parse_util import Attrs, is_element, line_of, pop_opt_bool, ref, xml_node
from civicflow.model.xmlnode import XmlNode

_BOUNDS = dc("Bounds")
_WAYPOINT = di("waypoint")
_LABEL = bpmndi("BPMNLabel")
_SHAPE = bpmndi("BPMNShape")
_EDGE = bpmndi("BPMNEdge")


def _float(value: str | None) -> float:
    if value is None:
        return 0.0
    try:
        return float(value)
    except ValueError:
        return 0.0


_new = tuple.__new__


def _bounds(el: etree._Element) -> Bounds:
    get = el.get
    return _new(
        Bounds, (_float(get("x")), _float(get("y")), _float(get("width")), _float(get("height")))
    )


def _point(el: etree._Element) -> Point:
    return Point(x=_float(el.get("x")), y=_float(el.get("y")))


_SHAPE_FLAGS = (
    ("isHorizontal", "is_horizontal"),
    ("isExpanded", "is_expanded"),
    ("isMarkerVisible", "is_marker_visible"),
    ("isMessageVisible", "is_message_visible"),
)
_FLAG_VALUES = {"true": True, "false": False, "1": True, "0": False}


def _others(other: list[etree._Element]) -> tuple[XmlNode, ...]:
    return tuple([xml_node(o) for o in other]) if other else ()


def _label(el: etree._Element) -> Label:
    attrs: Attrs = dict(el.items())  # type: ignore[arg-type]
    element_id = attrs.pop("id", None)
    style = ref(attrs.pop("labelStyle", None))
    bounds = None
    other = []
    for child in el:
        tag = child.tag
        if tag == _BOUNDS:
            bounds = _bounds(child)
        elif tag.__class__ is str:
            other.append(child)
    return Label(
        id=element_id,
        bounds=bounds,
        label_style=style,
        attributes=tuple(attrs.items()) if attrs else (),
        other=_others(other),
        line=el.sourceline,  # type: ignore[arg-type]
    )


def _flags(attrs: Attrs) -> dict[str, bool | None]:
    flags: dict[str, bool | None] = {}
    for xml_name, name in _SHAPE_FLAGS:
        value = attrs.get(xml_name)
        if value is None:
            continue
        flag = _FLAG_VALUES.get(value.strip().lower())
        if flag is not None:
            del attrs[xml_name]
            flags[name] = flag
    return flags


def _shape(el: etree._Element) -> Shape:
    attrs: Attrs = dict(el.items())  # type: ignore[arg-type]
    element_id = attrs.pop("id", None)
    bpmn_element = ref(attrs.pop("bpmnElement", None))
    flags = _flags(attrs) if attrs else {}
    band = attrs.pop("participantBandKind", None)
    choreography = ref(attrs.pop("choreographyActivityShape", None))
    bounds = None
    label = None
    other = []
    for child in el:
        tag = child.tag
        if tag == _BOUNDS:
            bounds = _bounds(child)
        elif tag == _LABEL:
            label = _label(child)
        elif tag.__class__ is str:
            other.append(child)
    return Shape(
        id=element_id,
        bpmn_element=bpmn_element,
        bounds=bounds if bounds is not None else Bounds(x=0, y=0, width=0, height=0),
        participant_band_kind=band,
        choreography_activity_shape=choreography,
        label=label,
        attributes=tuple(attrs.items()) if attrs else (),
        other=_others(other),
        line=el.sourceline,  # type: ignore[arg-type]
        **flags,
    )


def _edge(el: etree._Element) -> Edge:
    attrs: Attrs = dict(el.items())  # type: ignore[arg-type]
    element_id = attrs.pop("id", None)
    bpmn_element = ref(attrs.pop("bpmnElement", None))
    source = ref(attrs.pop("sourceElement", None))
    target = ref(attrs.pop("targetElement", None))
    kind = attrs.pop("messageVisibleKind", None)
    points = []
    label = None
    other = []
    for child in el:
        tag = child.tag
        if tag == _WAYPOINT:
            points.append(_new(Point, (_float(child.get("x")), _float(child.get("y")))))
        elif tag == _LABEL:
            label = _label(child)
        elif tag.__class__ is str:
            other.append(child)
    return Edge(
        id=element_id,
        bpmn_element=bpmn_element,
        waypoints=tuple(points),
        source_element=source,
        target_element=target,
        message_visible_kind=kind,
        label=label,
        attributes=tuple(attrs.items()) if attrs else (),
        other=_others(other),
        line=el.sourceline,  # type: ignore[arg-type]
    )


def _common(el: etree._Element) -> tuple[Attrs, dict[str, Any]]:
    attrs: Attrs = dict(el.items())  # type: ignore[arg-type]
    return attrs, {"id": attrs.pop("id", None), "line": line_of(el)}


def _close(kw: dict[str, Any], attrs: Attrs, other: list[etree._Element]) -> dict[str, Any]:
    kw["attributes"] = tuple(attrs.items())
    kw["other"] = _others(other)
    return kw


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
        elif tag.__class__ is str:
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
            f_attrs: Attrs = dict(child.items())  # type: ignore[arg-type]
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
