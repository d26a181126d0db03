"""Build the simulator's ``ProcessGraph`` from a parsed BPMN model (``civicflow.model``).

Conditions on flows are not evaluated: a simulation draws branches by probability instead (see
``SimulationParameters.branches``). Boundary events on tasks are kept (they fire after a delay
given in the parameters); those on subprocesses and event subprocesses are left out, as are the
paths that start at them.
"""

from __future__ import annotations

from civicflow.insight.simulation.graph import Flow, Marker, Node, NodeKind, ProcessGraph
from civicflow.model import (
    Activity,
    BoundaryEvent,
    ComplexGateway,
    Definitions,
    EndEvent,
    Event,
    EventBasedGateway,
    ExclusiveGateway,
    FlowNode,
    FlowScope,
    InclusiveGateway,
    MultiInstanceLoopCharacteristics,
    ParallelGateway,
    Process,
    StandardLoopCharacteristics,
    StartEvent,
    SubProcess,
)


def _marker(node: FlowNode) -> tuple[Marker, int | None]:
    """A task's loop or multi-instance marker, with its count when the model states a number."""
    loop = node.loop if isinstance(node, Activity) else None
    if isinstance(loop, StandardLoopCharacteristics):
        return Marker.LOOP, None
    if isinstance(loop, MultiInstanceLoopCharacteristics):
        marker = Marker.SEQUENTIAL if loop.is_sequential else Marker.PARALLEL
        body = (
            loop.loop_cardinality.body.strip().lstrip("=").strip() if loop.loop_cardinality else ""
        )
        return marker, int(body) if body.isdigit() and int(body) > 0 else None
    return Marker.ONCE, None


def _kind(node: FlowNode) -> NodeKind | None:
    if isinstance(node, SubProcess):
        if node.triggered_by_event:
            return None
        # A collapsed subprocess drawn without its content is simulated as one task.
        return NodeKind.SUBPROCESS if node.nodes else NodeKind.TASK
    if isinstance(node, Activity):
        return NodeKind.TASK  # tasks of every type and call activities
    if isinstance(node, StartEvent):
        return NodeKind.START
    if isinstance(node, EndEvent):
        return NodeKind.END
    if isinstance(node, BoundaryEvent):
        return NodeKind.BOUNDARY
    if isinstance(node, Event):
        return NodeKind.EVENT
    if isinstance(node, ParallelGateway):
        return NodeKind.PARALLEL
    if isinstance(node, InclusiveGateway | ComplexGateway):
        return NodeKind.INCLUSIVE
    if isinstance(node, ExclusiveGateway | EventBasedGateway):
        return NodeKind.EXCLUSIVE
    return None


def _scope_graph(scope: FlowScope, scope_id: str, name: str, process: Process) -> ProcessGraph:
    kept: dict[str, NodeKind] = {}
    for node in scope.nodes:
        kind = _kind(node)
        if kind is not None:
            kept[node.id] = kind
    for node in scope.nodes:
        if isinstance(node, BoundaryEvent) and kept.get(node.attached_to_ref) is not NodeKind.TASK:
            kept.pop(node.id, None)
    # Nodes reached only from left-out elements (after a boundary event on a subprocess) never get
    # a token: leave them out too, or they would look like implicit start points.
    changed = True
    while changed:
        changed = False
        for node_id in list(kept):
            sources = [flow.source_ref for flow in scope.incoming(node_id)]
            if sources and not any(source in kept for source in sources):
                del kept[node_id]
                changed = True
    flows = {
        flow.id: Flow(flow.id, flow.source_ref, flow.target_ref, flow.name or "")
        for flow in scope.sequence_flows
        if flow.source_ref in kept and flow.target_ref in kept
    }
    nodes: dict[str, Node] = {}
    for node in scope.nodes:
        if node.id not in kept:
            continue
        lane = process.lane_of(node.id)
        inner = None
        if isinstance(node, SubProcess) and kept[node.id] is NodeKind.SUBPROCESS:
            inner = _scope_graph(node, node.id, node.name or "", process)
        default = getattr(node, "default", None)
        marker, cardinality = (
            _marker(node) if kept[node.id] is NodeKind.TASK else (Marker.ONCE, None)
        )
        nodes[node.id] = Node(
            id=node.id,
            kind=kept[node.id],
            name=node.name or "",
            lane=None if lane is None else lane.label,
            incoming=tuple(f.id for f in scope.incoming(node.id) if f.id in flows),
            outgoing=tuple(f.id for f in scope.outgoing(node.id) if f.id in flows),
            default_flow=default if isinstance(default, str) and default in flows else None,
            inner=inner,
            attached_to=node.attached_to_ref if isinstance(node, BoundaryEvent) else None,
            cancel_activity=node.cancel_activity if isinstance(node, BoundaryEvent) else True,
            marker=marker,
            cardinality=cardinality,
        )
    return ProcessGraph(scope_id, nodes, flows, name)


def graph_from_bpmn(model: Definitions | Process, process_id: str | None = None) -> ProcessGraph:
    """The simulation graph of one process of ``model``.

    With several processes (a collaboration), name one with ``process_id``; otherwise the first
    process that has a start event is used.
    """
    if isinstance(model, Process):
        process = model
    else:
        processes = model.processes
        if process_id is not None:
            found = [p for p in processes if p.id == process_id]
            if not found:
                known = ", ".join(p.id for p in processes) or "none"
                raise ValueError(f"no process with id {process_id!r} in the model; found: {known}")
            process = found[0]
        else:
            candidates = [p for p in processes if p.start_events]
            if not candidates:
                raise ValueError("the model has no process with a start event to simulate")
            process = candidates[0]
    return _scope_graph(process, process.id, process.name or "", process)
