"""Depth-first traversal of every identified element of a model (for indexes and validation)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import TYPE_CHECKING

from civicflow.model.activities import Activity
from civicflow.model.base import BaseElement
from civicflow.model.events import Event
from civicflow.model.scope import LaneSet, Process, SubProcess
from civicflow.model.xmlnode import XmlNode

if TYPE_CHECKING:
    from civicflow.model.definitions import Definitions


def _lanes(lane_sets: tuple[LaneSet, ...]) -> Iterator[BaseElement]:
    for lane_set in lane_sets:
        yield lane_set
        for lane in lane_set.lanes:
            yield lane
            if lane.child_lane_set is not None:
                yield from _lanes((lane.child_lane_set,))


def children(element: BaseElement) -> Iterator[BaseElement]:
    """The identified elements directly contained in ``element``."""
    from civicflow.model.definitions import Collaboration

    if isinstance(element, Process | SubProcess):
        yield from element.properties
        yield from _lanes(element.lane_sets)
        yield from element.flow_elements
        yield from element.artifacts
    elif isinstance(element, Activity | Event):
        yield from element.properties
    elif isinstance(element, Collaboration):
        yield from element.participants
        yield from element.message_flows
        yield from element.artifacts


def walk(element: BaseElement) -> Iterator[BaseElement]:
    """``element`` and everything inside it, depth first."""
    yield element
    for child in children(element):
        yield from walk(child)


def iter_elements(definitions: Definitions) -> Iterator[BaseElement]:
    """Every identified element of a file, depth first."""
    for root in definitions.root_elements:
        yield from walk(root)


def all_ids(definitions: Definitions) -> set[str]:
    """Every id written in the file's model part, including elements kept verbatim.

    Slower than ``iter_elements`` (it looks at every value); meant for validation.
    """
    found: set[str] = set()
    stack: list[object] = list(definitions.root_elements)
    stack.extend(definitions.other)
    while stack:
        item = stack.pop()
        if isinstance(item, XmlNode):
            node_id = item.get("id")
            if node_id is not None:
                found.add(node_id)
            stack.extend(item.children)
        elif isinstance(item, tuple):
            stack.extend(item)
        elif dataclasses.is_dataclass(item) and not isinstance(item, type):
            for f in dataclasses.fields(item):
                if not f.compare:
                    continue
                value = getattr(item, f.name)
                if f.name == "id" and isinstance(value, str):
                    found.add(value)
                elif isinstance(value, tuple | XmlNode) or dataclasses.is_dataclass(value):
                    stack.append(value)
    return found
