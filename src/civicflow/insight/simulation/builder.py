"""Build a ``ProcessGraph`` by hand: for tests, teaching examples and models from other sources."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

from civicflow.insight.simulation.graph import Flow, Marker, Node, NodeKind, ProcessGraph


@dataclass
class GraphBuilder:
    """Collects nodes and flows; ``build`` fills in each node's incoming and outgoing flows."""

    id: str = "process"
    name: str = ""

    def __post_init__(self) -> None:
        self._nodes: dict[str, Node] = {}
        self._flows: dict[str, Flow] = {}

    def node(
        self,
        node_id: str,
        kind: NodeKind,
        name: str = "",
        *,
        lane: str | None = None,
        inner: ProcessGraph | None = None,
        attached_to: str | None = None,
        cancel_activity: bool = True,
        marker: Marker = Marker.ONCE,
        cardinality: int | None = None,
    ) -> GraphBuilder:
        """Add a node (a start, task, gateway, event, boundary event or subprocess)."""
        if node_id in self._nodes:
            raise ValueError(f"graph {self.id}: node {node_id} added twice")
        self._nodes[node_id] = Node(
            node_id,
            kind,
            name,
            lane,
            inner=inner,
            attached_to=attached_to,
            cancel_activity=cancel_activity,
            marker=marker,
            cardinality=cardinality,
        )
        return self

    def flow(
        self, source: str, target: str, flow_id: str | None = None, *, default: bool = False
    ) -> GraphBuilder:
        """Add a sequence flow; ``default`` marks it as its gateway's default flow."""
        identifier = flow_id or f"{source}->{target}"
        self._flows[identifier] = Flow(identifier, source, target)
        if default:
            self._nodes[source] = replace(self._nodes[source], default_flow=identifier)
        return self

    def chain(self, *node_ids: str) -> GraphBuilder:
        """Connect the given nodes one after the other."""
        for source, target in itertools.pairwise(node_ids):
            self.flow(source, target)
        return self

    def build(self) -> ProcessGraph:
        """The finished graph (checked for dangling flows and a start event)."""
        nodes = {
            node_id: replace(
                node,
                incoming=tuple(f.id for f in self._flows.values() if f.target == node_id),
                outgoing=tuple(f.id for f in self._flows.values() if f.source == node_id),
            )
            for node_id, node in self._nodes.items()
        }
        return ProcessGraph(self.id, nodes, dict(self._flows), self.name)
