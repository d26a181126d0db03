"""Depth-first traversal of every identified element of a model (for indexes and validation)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from civicflow.model.activities import Activity
from civicflow.model.base import BaseElement
from civicflow.model.events import Event
from civicflow.model.scope import LaneSet, Process, SubProcess

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
