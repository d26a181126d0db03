"""A discovered process tree as a BPMN model with a diagram, so the web side can draw it.

Operators become gateway pairs (exclusive for choices and loops, parallel for concurrency);
silent steps become plain sequence flows. The diagram is a simple layered layout, left to
right: each node's column is its longest distance from the start event (loops' back edges
ignored), rows are filled in the order nodes are met; back edges are routed below the drawing.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from civicflow.insight.discovery import LOOP, PARALLEL, SEQUENCE, XOR, Tree
from civicflow.model import (
    Bounds,
    Definitions,
    Diagram,
    Edge,
    EndEvent,
    ExclusiveGateway,
    FlowElement,
    ParallelGateway,
    Plane,
    Point,
    Process,
    SequenceFlow,
    Shape,
    StartEvent,
    Task,
)

_SIZE = {"task": (100.0, 80.0), "gateway": (50.0, 50.0), "event": (36.0, 36.0)}
_COLUMN = 160.0
_ROW = 120.0
_MARGIN = 80.0


@dataclass
class _Graph:
    nodes: dict[str, tuple[str, str | None]] = field(default_factory=dict)  #: id -> kind, name
    flows: list[tuple[str, str, str]] = field(default_factory=list)  #: id, source, target
    counters: dict[str, int] = field(default_factory=dict)

    def node(self, prefix: str, kind: str, name: str | None = None) -> str:
        self.counters[prefix] = self.counters.get(prefix, 0) + 1
        node_id = f"{prefix}_{self.counters[prefix]}"
        self.nodes[node_id] = (kind, name)
        return node_id

    def flow(self, source: str, target: str) -> None:
        if any(s == source and t == target for _, s, t in self.flows):
            return  # two silent branches between the same gateways are one flow
        self.flows.append((f"Flow_{len(self.flows) + 1}", source, target))

    def fragment(self, tree: Tree) -> tuple[str, str] | None:
        """Add ``tree``'s nodes; returns its (entry, exit) nodes, or None for a silent step."""
        if tree.operator is None:
            if tree.label is None:
                return None
            task = self.node("Activity", "task", tree.label)
            return task, task
        if tree.operator == SEQUENCE:
            parts = [f for f in (self.fragment(c) for c in tree.children) if f is not None]
            if not parts:
                return None
            for (_, left), (right, _) in itertools.pairwise(parts):
                self.flow(left, right)
            return parts[0][0], parts[-1][1]
        if tree.operator in (XOR, PARALLEL):
            kind = "xor" if tree.operator == XOR else "and"
            split = self.node("Gateway", kind)
            join = self.node("Gateway", kind)
            for child in tree.children:
                self._between(split, join, child)
            return split, join
        if tree.operator == LOOP:
            join = self.node("Gateway", "xor")
            split = self.node("Gateway", "xor")
            self._between(join, split, tree.children[0])
            for redo in tree.children[1:]:
                self._between(split, join, redo)
            return join, split
        raise ValueError(f"unknown process tree operator {tree.operator!r}")

    def _between(self, source: str, target: str, child: Tree) -> None:
        part = self.fragment(child)
        if part is None:
            self.flow(source, target)
        else:
            self.flow(source, part[0])
            self.flow(part[1], target)


def tree_to_bpmn(tree: Tree, *, name: str = "Discovered process") -> Definitions:
    """A BPMN model (one process and its diagram) for a process tree."""
    graph = _Graph()
    start = graph.node("StartEvent", "start")
    end = graph.node("EndEvent", "end")
    part = graph.fragment(tree)
    if part is None:
        graph.flow(start, end)
    else:
        graph.flow(start, part[0])
        graph.flow(part[1], end)
    elements: list[FlowElement] = []
    for node_id, (kind, label) in graph.nodes.items():
        if kind == "task":
            elements.append(Task(id=node_id, name=label))
        elif kind == "xor":
            elements.append(ExclusiveGateway(id=node_id))
        elif kind == "and":
            elements.append(ParallelGateway(id=node_id))
        elif kind == "start":
            elements.append(StartEvent(id=node_id))
        else:
            elements.append(EndEvent(id=node_id))
    elements.extend(SequenceFlow(id=f, source_ref=s, target_ref=t) for f, s, t in graph.flows)
    process = Process(id="Process_discovered", name=name, is_executable=False,
                      flow_elements=tuple(elements))
    diagram = Diagram(id="Diagram_discovered", plane=Plane(
        id="Plane_discovered", bpmn_element=process.id, elements=_layout(graph, start)))
    return Definitions(id="Definitions_discovered",
                       target_namespace="https://civicflow.org/bpmn/discovered",
                       exporter="CivicFlow", root_elements=(process,), diagrams=(diagram,))


def _layout(graph: _Graph, start: str) -> tuple[Shape | Edge, ...]:
    succ: dict[str, list[str]] = {n: [] for n in graph.nodes}
    for _, s, t in graph.flows:
        succ[s].append(t)
    back: set[tuple[str, str]] = set()
    order: list[str] = []
    state: dict[str, int] = {}
    stack: list[tuple[str, int]] = [(start, 0)]
    state[start] = 1
    while stack:  # iterative depth-first search: edges to nodes on the stack are back edges
        node, i = stack.pop()
        if i == 0:
            order.append(node)
        if i < len(succ[node]):
            stack.append((node, i + 1))
            nxt = succ[node][i]
            if state.get(nxt) == 1:
                back.add((node, nxt))
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, 0))
        else:
            state[node] = 2
    order.extend(n for n in graph.nodes if n not in state)
    layer = dict.fromkeys(graph.nodes, 0)
    forward = [(s, t) for _, s, t in graph.flows if (s, t) not in back]
    for _ in range(len(graph.nodes)):  # longest path on the acyclic part (small graphs)
        changed = False
        for s, t in forward:
            if layer[t] < layer[s] + 1:
                layer[t] = layer[s] + 1
                changed = True
        if not changed:
            break
    rows: dict[int, int] = {}
    centre: dict[str, tuple[float, float]] = {}
    for node in order:
        row = rows.get(layer[node], 0)
        rows[layer[node]] = row + 1
        centre[node] = (_MARGIN + layer[node] * _COLUMN, _MARGIN + row * _ROW)
    size = {n: _SIZE["task" if k == "task" else "event" if k in ("start", "end") else "gateway"]
            for n, (k, _) in graph.nodes.items()}
    shapes: list[Shape | Edge] = []
    for node in graph.nodes:
        (x, y), (w, h) = centre[node], size[node]
        shapes.append(Shape(id=f"{node}_di", bpmn_element=node,
                            bounds=Bounds(x=x - w / 2, y=y - h / 2, width=w, height=h),
                            is_marker_visible=True if graph.nodes[node][0] == "xor" else None))
    bottom = max(y for _, y in centre.values()) + _ROW
    for flow_id, s, t in graph.flows:
        (sx, sy), (tx, ty) = centre[s], centre[t]
        sw, sh = size[s]
        tw, th = size[t]
        if (s, t) in back:
            points = [(sx, sy + sh / 2), (sx, bottom), (tx, bottom), (tx, ty + th / 2)]
        elif sy == ty:
            points = [(sx + sw / 2, sy), (tx - tw / 2, ty)]
        else:
            bend = tx - _COLUMN / 2  # in the gap before the target column, clear of shapes
            points = [(sx + sw / 2, sy), (bend, sy), (bend, ty), (tx - tw / 2, ty)]
        shapes.append(Edge(id=f"{flow_id}_di", bpmn_element=flow_id,
                           waypoints=tuple(Point(x=x, y=y) for x, y in points)))
    return tuple(shapes)
