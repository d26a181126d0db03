"""Scopes that contain flow elements (processes and subprocesses), with O(1) graph lookups.

An engine navigates the graph constantly (which flows leave this node? which boundary events
hang on this task?), so each scope builds an index on first use and keeps it; the index is not
part of the value (excluded from equality and repr).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from civicflow.model.activities import Activity
from civicflow.model.base import (
    BaseElement,
    Expression,
    FlowElement,
    FlowNode,
    Property,
    SequenceFlow,
)
from civicflow.model.data import Artifact
from civicflow.model.events import BoundaryEvent, StartEvent
from civicflow.model.xmlnode import XmlNode

if TYPE_CHECKING:
    from collections.abc import Mapping


class ScopeIndex:
    """Lookups over the direct children of one scope, built once."""

    __slots__ = (
        "boundary",
        "by_id",
        "event_subprocesses",
        "incoming",
        "nodes",
        "outgoing",
        "sequence_flows",
        "start_events",
    )

    def __init__(self, flow_elements: tuple[FlowElement, ...]) -> None:
        by_id: dict[str, FlowElement] = {}
        outgoing: dict[str, list[SequenceFlow]] = {}
        incoming: dict[str, list[SequenceFlow]] = {}
        boundary: dict[str, list[BoundaryEvent]] = {}
        nodes: list[FlowNode] = []
        flows: list[SequenceFlow] = []
        starts: list[StartEvent] = []
        event_subs: list[SubProcess] = []
        for element in flow_elements:
            by_id.setdefault(element.id, element)
            if isinstance(element, SequenceFlow):
                flows.append(element)
                outgoing.setdefault(element.source_ref, []).append(element)
                incoming.setdefault(element.target_ref, []).append(element)
            elif isinstance(element, FlowNode):
                nodes.append(element)
                if isinstance(element, BoundaryEvent):
                    boundary.setdefault(element.attached_to_ref, []).append(element)
                elif isinstance(element, StartEvent):
                    starts.append(element)
                elif isinstance(element, SubProcess) and element.triggered_by_event:
                    event_subs.append(element)
        self.by_id: Mapping[str, FlowElement] = by_id
        self.outgoing: Mapping[str, tuple[SequenceFlow, ...]] = {
            k: tuple(v) for k, v in outgoing.items()
        }
        self.incoming: Mapping[str, tuple[SequenceFlow, ...]] = {
            k: tuple(v) for k, v in incoming.items()
        }
        self.boundary: Mapping[str, tuple[BoundaryEvent, ...]] = {
            k: tuple(v) for k, v in boundary.items()
        }
        self.nodes = tuple(nodes)
        self.sequence_flows = tuple(flows)
        self.start_events = tuple(starts)
        self.event_subprocesses = tuple(event_subs)


class FlowScope:
    """Graph navigation shared by ``Process`` and ``SubProcess`` (all O(1) after first use)."""

    __slots__ = ()

    flow_elements: tuple[FlowElement, ...]
    _index: ScopeIndex | None

    @property
    def index(self) -> ScopeIndex:
        """The lookup tables of this scope's direct children (built on first use)."""
        index = self._index
        if index is None:
            index = ScopeIndex(self.flow_elements)
            object.__setattr__(self, "_index", index)
        return index

    def get(self, element_id: str) -> FlowElement | None:
        """A direct child of this scope by id, or None."""
        return self.index.by_id.get(element_id)

    def node(self, node_id: str) -> FlowNode:
        """A direct child flow node by id; KeyError if there is none."""
        element = self.index.by_id[node_id]
        if not isinstance(element, FlowNode):
            raise KeyError(node_id)
        return element

    def outgoing(self, node_id: str) -> tuple[SequenceFlow, ...]:
        """Sequence flows leaving ``node_id``, in document order."""
        return self.index.outgoing.get(node_id, ())

    def incoming(self, node_id: str) -> tuple[SequenceFlow, ...]:
        """Sequence flows arriving at ``node_id``, in document order."""
        return self.index.incoming.get(node_id, ())

    def boundary_events(self, activity_id: str) -> tuple[BoundaryEvent, ...]:
        """Boundary events attached to ``activity_id``."""
        return self.index.boundary.get(activity_id, ())

    @property
    def nodes(self) -> tuple[FlowNode, ...]:
        """Direct child flow nodes (events, activities, gateways)."""
        return self.index.nodes

    @property
    def sequence_flows(self) -> tuple[SequenceFlow, ...]:
        """Direct child sequence flows."""
        return self.index.sequence_flows

    @property
    def start_events(self) -> tuple[StartEvent, ...]:
        """Start events of this scope (not those of its event subprocesses)."""
        return self.index.start_events

    @property
    def event_subprocesses(self) -> tuple[SubProcess, ...]:
        """Direct child subprocesses triggered by an event."""
        return self.index.event_subprocesses

    def walk(self) -> Iterator[FlowElement]:
        """Every flow element of this scope and of nested subprocesses, depth first."""
        for element in self.flow_elements:
            yield element
            if isinstance(element, SubProcess):
                yield from element.walk()


@dataclass(frozen=True, slots=True, kw_only=True)
class SubProcess(Activity, FlowScope):
    """An embedded subprocess, or an event subprocess when ``triggered_by_event`` is True."""

    triggered_by_event: bool = False
    flow_elements: tuple[FlowElement, ...] = ()
    artifacts: tuple[Artifact, ...] = ()
    lane_sets: tuple[LaneSet, ...] = ()
    _index: ScopeIndex | None = field(default=None, init=False, compare=False, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Transaction(SubProcess):
    method: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AdHocSubProcess(SubProcess):
    ordering: str | None = None
    cancel_remaining_instances: bool = True
    completion_condition: Expression | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Lane(BaseElement):
    """A lane (a department or role): the flow nodes drawn in it, and nested lanes."""

    flow_node_refs: tuple[str, ...] = ()
    child_lane_set: LaneSet | None = None
    partition_element_ref: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LaneSet(BaseElement):
    lanes: tuple[Lane, ...] = ()


class _ProcessIndex:
    """Deep lookups of a process: any element at any depth, its scope, its lane."""

    __slots__ = ("by_id", "lane_of", "scope_of")

    def __init__(self, process: Process) -> None:
        self.by_id: dict[str, FlowElement] = {}
        self.scope_of: dict[str, FlowScope] = {}
        self.lane_of: dict[str, Lane] = {}
        stack: list[FlowScope] = [process]
        while stack:
            scope = stack.pop()
            for element in scope.flow_elements:
                self.by_id.setdefault(element.id, element)
                self.scope_of.setdefault(element.id, scope)
                if isinstance(element, SubProcess):
                    stack.append(element)
        for lane_set in process.lane_sets:
            self._add_lanes(lane_set)

    def _add_lanes(self, lane_set: LaneSet) -> None:
        for lane in lane_set.lanes:
            for ref in lane.flow_node_refs:
                self.lane_of[ref] = lane  # nested lanes come later and win: innermost lane
            if lane.child_lane_set is not None:
                self._add_lanes(lane.child_lane_set)


@dataclass(frozen=True, slots=True, kw_only=True)
class Process(BaseElement, FlowScope):
    """A process: its flow elements, lanes, artifacts and properties.

    ``is_executable`` is None when the file does not say (BPMN then leaves it open).
    """

    process_type: str = "None"
    is_executable: bool | None = None
    is_closed: bool = False
    definitional_collaboration_ref: str | None = None
    io_specification: XmlNode | None = None
    properties: tuple[Property, ...] = ()
    lane_sets: tuple[LaneSet, ...] = ()
    flow_elements: tuple[FlowElement, ...] = ()
    artifacts: tuple[Artifact, ...] = ()
    _index: ScopeIndex | None = field(default=None, init=False, compare=False, repr=False)
    _deep: _ProcessIndex | None = field(default=None, init=False, compare=False, repr=False)

    @property
    def _deep_index(self) -> _ProcessIndex:
        deep = self._deep
        if deep is None:
            deep = _ProcessIndex(self)
            object.__setattr__(self, "_deep", deep)
        return deep

    def find(self, element_id: str) -> FlowElement | None:
        """A flow element at any depth (inside subprocesses too), or None."""
        return self._deep_index.by_id.get(element_id)

    def scope_of(self, element_id: str) -> FlowScope | None:
        """The process or subprocess that directly contains ``element_id``."""
        return self._deep_index.scope_of.get(element_id)

    def lane_of(self, node_id: str) -> Lane | None:
        """The innermost lane a flow node is drawn in, or None."""
        return self._deep_index.lane_of.get(node_id)

    @property
    def lanes(self) -> tuple[Lane, ...]:
        """Every lane of the process, nested lanes included."""
        found: list[Lane] = []
        stack = list(self.lane_sets)
        while stack:
            lane_set = stack.pop(0)
            for lane in lane_set.lanes:
                found.append(lane)
                if lane.child_lane_set is not None:
                    stack.append(lane.child_lane_set)
        return tuple(found)
