"""Diagram interchange (BPMN DI): where the modeler drew each element.

Kept so that an exported file opens in bpmn.io looking as it was drawn. Coordinates are floats
as written; several diagrams per file are allowed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from civicflow.model.xmlnode import XmlNode

Attributes = tuple[tuple[str, str], ...]


class Bounds(NamedTuple):
    """A rectangle in diagram coordinates (a named tuple: files hold thousands of them)."""

    x: float
    y: float
    width: float
    height: float


class Point(NamedTuple):
    """A waypoint of an edge (a named tuple: files hold thousands of them)."""

    x: float
    y: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Font:
    name: str | None = None
    size: float | None = None
    is_bold: bool | None = None
    is_italic: bool | None = None
    is_underline: bool | None = None
    is_strike_through: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DiElement:
    """Common part of DI elements: an optional id, vendor attributes and extra children."""

    id: str | None = None
    attributes: Attributes = ()
    other: tuple[XmlNode, ...] = ()
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class LabelStyle(DiElement):
    font: Font | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Label(DiElement):
    bounds: Bounds | None = None
    label_style: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Shape(DiElement):
    """A ``BPMNShape``: the box, circle or diamond of ``bpmn_element``."""

    bpmn_element: str | None = None
    bounds: Bounds
    is_horizontal: bool | None = None
    is_expanded: bool | None = None
    is_marker_visible: bool | None = None
    is_message_visible: bool | None = None
    participant_band_kind: str | None = None
    choreography_activity_shape: str | None = None
    label: Label | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Edge(DiElement):
    """A ``BPMNEdge``: the line of a flow or association, as waypoints."""

    bpmn_element: str | None = None
    waypoints: tuple[Point, ...] = ()
    source_element: str | None = None
    target_element: str | None = None
    message_visible_kind: str | None = None
    label: Label | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Plane(DiElement):
    bpmn_element: str | None = None
    elements: tuple[Shape | Edge, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Diagram(DiElement):
    """A ``BPMNDiagram``: one drawing (a file may hold several)."""

    name: str | None = None
    documentation: str | None = None
    resolution: float | None = None
    plane: Plane
    label_styles: tuple[LabelStyle, ...] = ()

    @property
    def shapes(self) -> tuple[Shape, ...]:
        return tuple(e for e in self.plane.elements if isinstance(e, Shape))

    @property
    def edges(self) -> tuple[Edge, ...]:
        return tuple(e for e in self.plane.elements if isinstance(e, Edge))
