"""BPMN process -> workflow net (a Petri net with one source and one sink place), for replay.

Token-based replay needs Petri net semantics: places hold tokens, a transition fires when each
of its input places holds one. Every sequence flow becomes a place; tasks become transitions
labelled with the activity name (what the event log records); events and gateways become silent
transitions (label ``None``), which the replay may fire freely. BPMN semantics are kept where
they differ from a naive reading: several outgoing flows of a task split in parallel, several
incoming flows of a task merge exclusively. Embedded subprocesses are flattened. What is only
approximated is listed in docs/decisions/0550-token-replay-on-workflow-nets.md.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

from civicflow.model import (
    Activity,
    BoundaryEvent,
    Definitions,
    Event,
    FlowNode,
    FlowScope,
    Gateway,
    InclusiveGateway,
    ParallelGateway,
    Process,
    StartEvent,
    SubProcess,
)

MAX_END_EVENTS = 6  #: up to this many end events share one completion (one transition per subset)


class NetError(ValueError):
    """A BPMN model that cannot be turned into a workflow net; the message names the element."""


@dataclass(frozen=True, slots=True)
class Transition:
    """A transition: ``label`` is the activity it records, None for a silent (routing) step."""

    name: str  #: the BPMN element id (with a suffix when one element needs several)
    label: str | None
    inputs: tuple[int, ...]  #: distinct input place indexes
    outputs: tuple[int, ...]  #: output place indexes (one token each)


@dataclass(frozen=True, slots=True)
class WorkflowNet:
    """A workflow net: a case starts with one token in ``source`` and should end with one in
    ``sink`` and nothing else."""

    places: tuple[str, ...]  #: place names, indexed by position
    transitions: tuple[Transition, ...]
    source: int
    sink: int

    @property
    def labels(self) -> frozenset[str]:
        """Every activity name the model records."""
        return frozenset(t.label for t in self.transitions if t.label is not None)


class _Builder:
    def __init__(self) -> None:
        self.places: list[str] = []
        self.transitions: list[Transition] = []
        self.split_places: list[int] = []  #: outputs of inclusive splits
        self.join_places: set[int] = set()  #: inputs of inclusive joins

    def place(self, name: str) -> int:
        self.places.append(name)
        return len(self.places) - 1

    def transition(
        self, name: str, label: str | None, inputs: Sequence[int], outputs: Sequence[int]
    ) -> None:
        self.transitions.append(
            Transition(name, label, tuple(dict.fromkeys(inputs)), tuple(outputs))
        )

    def merge(self, node_id: str, ins: Sequence[int]) -> int:
        """One place fed by each of ``ins`` (an exclusive merge), or ``ins[0]`` when alone."""
        if len(ins) == 1:
            return ins[0]
        merged = self.place(f"{node_id}:in")
        for i, place in enumerate(ins):
            self.transition(f"{node_id}:merge{i}", None, (place,), (merged,))
        return merged


def workflow_net(definitions: Definitions, process_id: str | None = None) -> WorkflowNet:
    """The workflow net of one process of ``definitions`` (by id, else the one with activities)."""
    process = _pick_process(definitions, process_id)
    builder = _Builder()
    source = builder.place("source")
    sink = builder.place("sink")
    _scope(builder, process, source, sink)
    _skip_inclusive_branches(builder)
    return reduce_series(WorkflowNet(tuple(builder.places), tuple(builder.transitions), source,
                                     sink))


def reduce_series(net: WorkflowNet) -> WorkflowNet:
    """Fuse silent transitions in series with their only neighbour (Murata's series fusion).

    A silent transition whose one input place is fed by one transition and feeds only it is
    merged into that transition (and the mirror case on the output side). The language of the
    net does not change, but the replay fires fewer silent steps, so token counts (and fitness)
    are those of the usual reduced translation, and replay is faster.
    """
    ts = [_Mutable(t.name, t.label, list(t.inputs), list(t.outputs)) for t in net.transitions]
    changed = True
    while changed:
        changed = False
        producers: dict[int, list[int]] = {}
        consumers: dict[int, list[int]] = {}
        for k, t in enumerate(ts):
            if t.alive:
                for place in t.inputs:
                    consumers.setdefault(place, []).append(k)
                for place in t.outputs:
                    producers.setdefault(place, []).append(k)
        for k, t in enumerate(ts):
            if not t.alive or t.label is not None:
                continue
            if len(t.inputs) == 1 and _only(consumers, t.inputs[0], k) and _single(
                    producers, t.inputs[0], k):
                before = ts[producers[t.inputs[0]][0]]
                before.outputs = [p for p in before.outputs if p != t.inputs[0]] + t.outputs
            elif len(t.outputs) == 1 and _only(producers, t.outputs[0], k) and _single(
                    consumers, t.outputs[0], k):
                after = ts[consumers[t.outputs[0]][0]]
                after.inputs = [p for p in after.inputs if p != t.outputs[0]] + t.inputs
            else:
                continue
            t.alive = False
            changed = True
            break
    live = [t for t in ts if t.alive]
    used = sorted({net.source, net.sink} | {p for t in live for p in (*t.inputs, *t.outputs)})
    index = {old: new for new, old in enumerate(used)}
    transitions = tuple(
        Transition(t.name, t.label, tuple(dict.fromkeys(index[p] for p in t.inputs)),
                   tuple(index[p] for p in t.outputs))
        for t in live
    )
    return WorkflowNet(tuple(net.places[p] for p in used), transitions, index[net.source],
                       index[net.sink])


def _pick_process(definitions: Definitions, process_id: str | None) -> Process:
    processes = definitions.processes
    if process_id is not None:
        for process in processes:
            if process.id == process_id:
                return process
        known = ", ".join(p.id for p in processes) or "none"
        raise NetError(f"The model has no process {process_id!r} (processes: {known}).")
    if len(processes) == 1:
        return processes[0]
    with_activities = [p for p in processes if any(isinstance(n, Activity) for n in p.nodes)]
    if not with_activities:
        raise NetError("The model has no process with activities to compare the log with.")
    if len(with_activities) > 1:
        names = ", ".join(p.id for p in with_activities)
        raise NetError(f"The model has several processes ({names}); say which one to use.")
    return with_activities[0]


def _scope(builder: _Builder, scope: FlowScope, entry: int, exit_: int) -> None:
    """Translate the nodes of one scope between its ``entry`` and ``exit_`` places."""
    flow_place = {f.id: builder.place(f.id) for f in scope.sequence_flows}
    nodes = [
        n for n in scope.nodes
        if not (isinstance(n, SubProcess) and n.triggered_by_event)
    ]
    ins: dict[str, list[int]] = {
        n.id: [flow_place[f.id] for f in scope.incoming(n.id)] for n in nodes
    }
    outs: dict[str, list[int]] = {
        n.id: [flow_place[f.id] for f in scope.outgoing(n.id)] for n in nodes
    }
    starts = [n for n in nodes if isinstance(n, StartEvent)]
    if starts:
        for start in starts:
            ins[start.id] = [entry]  # several start events: the first one that happens wins
    else:
        sourceless = [
            n for n in nodes if not ins[n.id] and not isinstance(n, BoundaryEvent)
        ]
        if len(sourceless) == 1:
            ins[sourceless[0].id] = [entry]
        elif sourceless:
            firsts = [builder.place(f"{n.id}:start") for n in sourceless]
            builder.transition(f"{scope_id(scope)}:start", None, (entry,), firsts)
            for node, place in zip(sourceless, firsts, strict=True):
                ins[node.id] = [place]
    ends = [n for n in nodes if not outs[n.id] and not isinstance(n, BoundaryEvent)]
    ends += [n for n in nodes if not outs[n.id] and isinstance(n, BoundaryEvent)]
    if 1 < len(ends) <= MAX_END_EVENTS:
        # The scope ends when its last token is consumed: whichever end events were reached
        # (one after a choice, several after a parallel split) complete it together.
        places = [builder.place(f"{n.id}:ended") for n in ends]
        for node, place in zip(ends, places, strict=True):
            outs[node.id] = [place]
        for size in range(1, len(places) + 1):
            for k, group in enumerate(combinations(places, size)):
                builder.transition(f"{scope_id(scope)}:end{size}.{k}", None, group, (exit_,))
    for node in nodes:
        if not outs[node.id]:
            outs[node.id] = [exit_]
    entry_of: dict[str, int] = {}
    for node in nodes:
        if not isinstance(node, BoundaryEvent):
            entry_of[node.id] = _node(builder, node, ins[node.id], outs[node.id])
    for node in nodes:
        if isinstance(node, BoundaryEvent) and node.cancel_activity:
            attached = entry_of.get(node.attached_to_ref)
            if attached is not None:  # the activity was interrupted: it may not be recorded
                builder.transition(node.id, None, (attached,), outs[node.id])


@dataclass(slots=True)
class _Mutable:
    name: str
    label: str | None
    inputs: list[int]
    outputs: list[int]
    alive: bool = True


def _only(arcs: dict[int, list[int]], place: int, k: int) -> bool:
    return arcs.get(place) == [k]


def _single(arcs: dict[int, list[int]], place: int, k: int) -> bool:
    found = arcs.get(place, [])
    return len(found) == 1 and found[0] != k


def activity_key(name: str) -> str:
    """An activity name with runs of white space as one space: modelers break long task names
    over lines ("Review\napplication"), logs record them on one."""
    return " ".join(name.split())


def scope_id(scope: FlowScope) -> str:
    """The id of a process or subprocess, for naming the transitions made for it."""
    return str(getattr(scope, "id", "scope"))


def _node(builder: _Builder, node: FlowNode, ins: list[int], outs: list[int]) -> int:
    """Translate one node; returns the place its activation waits in (for boundary events)."""
    if not ins:  # unreachable node (no incoming flow in a scope with start events)
        ins = [builder.place(f"{node.id}:unreachable")]
    if isinstance(node, ParallelGateway):
        builder.transition(node.id, None, ins, outs)
        return ins[0]
    if isinstance(node, InclusiveGateway):
        return _inclusive(builder, node, ins, outs)
    if isinstance(node, Gateway):  # exclusive, event-based, complex: one path at a time
        return _exclusive(builder, node, ins, outs)
    start = builder.merge(node.id, ins)
    if isinstance(node, SubProcess):
        inner_exit = builder.place(f"{node.id}:end")
        _scope(builder, node, start, inner_exit)
        builder.transition(f"{node.id}:exit", None, (inner_exit,), outs)
        return start
    label = activity_key(node.name or node.id) if isinstance(node, Activity) else None
    if isinstance(node, Activity) and node.loop is not None:
        done = builder.place(f"{node.id}:done")
        builder.transition(node.id, label, (start,), (done,))
        builder.transition(f"{node.id}:again", None, (done,), (start,))
        builder.transition(f"{node.id}:leave", None, (done,), outs)
        return start
    if not isinstance(node, Activity | Event):
        label = None
    builder.transition(node.id, label, (start,), outs)
    return start


def _exclusive(builder: _Builder, node: FlowNode, ins: list[int], outs: list[int]) -> int:
    if len(ins) == 1 or len(outs) == 1:
        for i, source in enumerate(ins):
            for j, target in enumerate(outs):
                builder.transition(f"{node.id}:{i}.{j}", None, (source,), (target,))
        return ins[0]
    center = builder.place(f"{node.id}:choice")
    for i, source in enumerate(ins):
        builder.transition(f"{node.id}:in{i}", None, (source,), (center,))
    for j, target in enumerate(outs):
        builder.transition(f"{node.id}:out{j}", None, (center,), (target,))
    return center


def _inclusive(builder: _Builder, node: FlowNode, ins: list[int], outs: list[int]) -> int:
    """All branches start; each may be skipped to its join (see ``_skip_inclusive_branches``)."""
    if len(ins) > 1:
        center = builder.place(f"{node.id}:joined")
        builder.transition(f"{node.id}:join", None, ins, (center,))
        builder.join_places.update(ins)
    else:
        center = ins[0]
    builder.transition(f"{node.id}:split" if len(outs) > 1 else node.id, None, (center,), outs)
    if len(outs) > 1:
        builder.split_places.extend(outs)
    return center


def _skip_inclusive_branches(builder: _Builder) -> None:
    """Let each branch of an inclusive split skip to the nearest inclusive join input."""
    consumers: dict[int, list[Transition]] = {}
    for t in builder.transitions:
        for place in t.inputs:
            consumers.setdefault(place, []).append(t)
    for start in builder.split_places:
        seen = {start}
        queue = deque([start])
        while queue:
            place = queue.popleft()
            if place in builder.join_places and place != start:
                builder.transition(f"{builder.places[start]}:skip", None, (start,), (place,))
                break
            for t in consumers.get(place, ()):
                for nxt in t.outputs:
                    if nxt not in seen:
                        seen.add(nxt)
                        queue.append(nxt)


__all__ = ["NetError", "Transition", "WorkflowNet", "workflow_net"]
