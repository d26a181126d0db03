"""The process graph the simulator walks: nodes, sequence flows and lanes, nothing executable.

Kept apart from ``civicflow.model`` so that the simulator can run any graph (a BPMN process, a
discovered model, a hand-built queue in a test); ``bpmn.py`` builds one from a parsed BPMN model.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property


class Marker(enum.Enum):
    """How often a task runs each time a token reaches it."""

    ONCE = "once"  #: a plain task
    LOOP = "loop"  #: runs again while a condition holds (a repeat probability in simulation)
    PARALLEL = "parallel"  #: multi-instance: N instances at the same time
    SEQUENTIAL = "sequential"  #: multi-instance: N instances one after another


class NodeKind(enum.Enum):
    """What the simulator does when a token reaches a node."""

    START = "start"  #: where a new case's token is born
    END = "end"  #: consumes the token; the case ends when its last token is consumed
    TASK = "task"  #: queues for a resource (if any), takes a sampled duration
    EXCLUSIVE = "exclusive"  #: merges freely; splits into one flow drawn by probability
    PARALLEL = "parallel"  #: waits for a token on every incoming flow; splits into all flows
    INCLUSIVE = "inclusive"  #: waits for every token that can still arrive; splits into a subset
    EVENT = "event"  #: an intermediate event: passes the token on, after an optional delay
    SUBPROCESS = "subprocess"  #: runs its inner process to completion, then continues
    BOUNDARY = "boundary"  #: attached to a task; fires after a delay (if given), see runner


@dataclass(frozen=True)
class Node:
    """One flow node; ``inner`` is set for subprocesses."""

    id: str
    kind: NodeKind
    name: str = ""
    lane: str | None = None
    incoming: tuple[str, ...] = ()
    outgoing: tuple[str, ...] = ()
    default_flow: str | None = None
    inner: ProcessGraph | None = None
    attached_to: str | None = None  #: for boundary events: the task they hang on
    cancel_activity: bool = True  #: for boundary events: interrupting (True) or not
    marker: Marker = Marker.ONCE  #: loop or multi-instance marker of a task
    cardinality: int | None = None  #: multi-instance count when the model states a number

    @property
    def label(self) -> str:
        """The name a person sees, or the id when the node has none."""
        return self.name or self.id


@dataclass(frozen=True)
class Flow:
    """A sequence flow between two nodes."""

    id: str
    source: str
    target: str
    name: str = ""


@dataclass(frozen=True)
class ProcessGraph:
    """A process (or subprocess body) as nodes and flows, checked for dangling references."""

    id: str
    nodes: Mapping[str, Node]
    flows: Mapping[str, Flow]
    name: str = ""
    _reach: dict[str, frozenset[str]] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for flow in self.flows.values():
            for end in (flow.source, flow.target):
                if end not in self.nodes:
                    raise ValueError(
                        f"process {self.id}: sequence flow {flow.id} refers to unknown node {end}"
                    )
        for node in self.nodes.values():
            if node.attached_to is not None and node.attached_to not in self.nodes:
                raise ValueError(
                    f"process {self.id}: boundary event {node.id} is attached to unknown "
                    f"node {node.attached_to}"
                )
            for flow_id in (*node.incoming, *node.outgoing):
                if flow_id not in self.flows:
                    raise ValueError(
                        f"process {self.id}: node {node.id} refers to unknown flow {flow_id}"
                    )
        if not self.entry_nodes:
            raise ValueError(
                f"process {self.id}: nowhere to start a case (no start event and every node "
                "has incoming flows)"
            )

    @cached_property
    def start_nodes(self) -> tuple[Node, ...]:
        """Start events without incoming flows, in document order."""
        return tuple(
            node
            for node in self.nodes.values()
            if node.kind is NodeKind.START and not node.incoming
        )

    @cached_property
    def entry_nodes(self) -> tuple[Node, ...]:
        """Where a new instance's tokens begin: the first start event or, in a process without
        one, every node without incoming flows (BPMN's implicit start)."""
        if self.start_nodes:
            return self.start_nodes[:1]
        return tuple(
            node
            for node in self.nodes.values()
            if not node.incoming and node.kind is not NodeKind.BOUNDARY
        )

    @cached_property
    def boundaries(self) -> Mapping[str, tuple[Node, ...]]:
        """Boundary events by the id of the task they are attached to."""
        found: dict[str, list[Node]] = {}
        for node in self.nodes.values():
            if node.kind is NodeKind.BOUNDARY and node.attached_to is not None:
                found.setdefault(node.attached_to, []).append(node)
        return {task: tuple(nodes) for task, nodes in found.items()}

    @cached_property
    def has_inclusive_join(self) -> bool:
        """Whether token positions must be tracked (only inclusive joins look at them)."""
        return any(
            node.kind is NodeKind.INCLUSIVE and len(node.incoming) > 1
            for node in self.nodes.values()
        )

    def reachable_from(self, node_id: str) -> frozenset[str]:
        """Nodes a token at ``node_id`` could still reach (itself excluded unless in a loop)."""
        cached = self._reach.get(node_id)
        if cached is not None:
            return cached
        seen: set[str] = set()
        stack = [self.flows[f].target for f in self.nodes[node_id].outgoing]
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            stack.extend(self.flows[f].target for f in self.nodes[current].outgoing)
        result = frozenset(seen)
        self._reach[node_id] = result
        return result

    def tasks(self) -> tuple[Node, ...]:
        """Every task, including those inside subprocesses (depth first)."""
        found: list[Node] = []
        for node in self.nodes.values():
            if node.kind is NodeKind.TASK:
                found.append(node)
            elif node.inner is not None:
                found.extend(node.inner.tasks())
        return tuple(found)

    def all_nodes(self) -> tuple[Node, ...]:
        """Every node, including those inside subprocesses (depth first)."""
        found: list[Node] = []
        for node in self.nodes.values():
            found.append(node)
            if node.inner is not None:
                found.extend(node.inner.all_nodes())
        return tuple(found)

    def gateways(self) -> tuple[tuple[ProcessGraph, Node], ...]:
        """Every splitting gateway with the graph it belongs to (for branching probabilities)."""
        found: list[tuple[ProcessGraph, Node]] = []
        for node in self.nodes.values():
            if node.kind in (NodeKind.EXCLUSIVE, NodeKind.INCLUSIVE) and len(node.outgoing) > 1:
                found.append((self, node))
            elif node.inner is not None:
                found.extend(node.inner.gateways())
        return tuple(found)
