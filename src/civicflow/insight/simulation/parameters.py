"""Simulation parameters: arrivals, durations, resource pools and branching, as typed values.

Activities, gateways and flows are named by BPMN id or by name, so that a parameter file written
by hand ("Review application") and one learned from a log agree. ``resolve`` checks a set of
parameters against a process and says, per element, what is missing or assumed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TypeVar

from civicflow.insight.simulation.calendars import Arrivals, WorkingCalendar
from civicflow.insight.simulation.distributions import Distribution, Fixed
from civicflow.insight.simulation.graph import Flow, Marker, Node, NodeKind, ProcessGraph

_T = TypeVar("_T")

#: The default origin of simulated time: a Monday at midnight, so weekly calendars line up.
DEFAULT_START = datetime(2027, 1, 4)


@dataclass(frozen=True)
class ActivityParams:
    """How long one activity takes and which resource pool does it."""

    duration: Distribution | None = None
    #: the pool doing the work; None = the task's lane, or automated if it has no lane either.
    pool: str | None = None
    #: multi-instance tasks: how many instances (overrides a number in the model).
    instances: int | None = None
    #: loop tasks: the chance that the task runs again after each run (rework).
    repeat: float | None = None

    def __post_init__(self) -> None:
        if self.instances is not None and self.instances < 1:
            raise ValueError(f"activity: instances must be at least 1, got {self.instances}")
        if self.repeat is not None and not 0 <= self.repeat < 1:
            raise ValueError(f"activity: repeat must be at least 0 and below 1, got {self.repeat}")


@dataclass(frozen=True)
class PoolParams:
    """A team (lane or department): how many people, when they work, what they are called."""

    capacity: int
    calendar: WorkingCalendar | None = None  #: None = always available (24/7)
    staff: tuple[str, ...] = ()  #: names of staff members; generated when fewer than capacity

    def __post_init__(self) -> None:
        if self.capacity < 1:
            raise ValueError(f"resource pool: capacity must be at least 1, got {self.capacity}")

    def staff_names(self, pool: str) -> tuple[str, ...]:
        """``capacity`` names: the given ones first, then ``<pool> 1``, ``<pool> 2``..."""
        names = list(self.staff[: self.capacity])
        taken = set(names)
        number = 1
        while len(names) < self.capacity:
            candidate = f"{pool} {number}"
            if candidate not in taken:
                names.append(candidate)
                taken.add(candidate)
            number += 1
        return tuple(names)


@dataclass(frozen=True)
class SimulationParameters:
    """Everything a run needs besides the process graph and the seed."""

    arrivals: Arrivals
    activities: Mapping[str, ActivityParams] = field(default_factory=dict)
    pools: Mapping[str, PoolParams] = field(default_factory=dict)
    #: gateway (id or name) -> outgoing flow (id, name, or target id/name) -> probability.
    branches: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    start: datetime = DEFAULT_START
    horizon_hours: float = 28 * 24.0  #: arrivals and the clock stop here
    warmup_hours: float = 0.0  #: cases arriving earlier are left out of the figures

    def __post_init__(self) -> None:
        if self.horizon_hours <= 0:
            raise ValueError("simulation: horizon_hours must be > 0")
        if not 0 <= self.warmup_hours < self.horizon_hours:
            raise ValueError("simulation: warmup_hours must be >= 0 and below horizon_hours")

    def with_pool(self, name: str, pool: PoolParams) -> SimulationParameters:
        """A copy with one pool replaced (or added)."""
        return replace(self, pools={**self.pools, name: pool})

    def with_activity(self, key: str, activity: ActivityParams) -> SimulationParameters:
        """A copy with one activity's parameters replaced (or added)."""
        return replace(self, activities={**self.activities, key: activity})


@dataclass(frozen=True)
class ResolvedTask:
    """A task's effective duration and pool after applying defaults (or an event's delay)."""

    duration: Distribution
    pool: str | None
    instances: int = 1  #: instances per run (multi-instance tasks)
    sequential: bool = False  #: instances one after another rather than at once
    repeat: float = 0.0  #: chance of running again after each run (loop tasks)
    #: runs once per visit (no multi-instance, no loop): the simulator's fast path.
    simple: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "simple", self.instances == 1 and not self.repeat)


@dataclass(frozen=True)
class Resolved:
    """Parameters matched to a process: per node id, with notes on what was assumed."""

    tasks: Mapping[str, ResolvedTask]
    #: gateway id -> [(flow id, probability)] in the gateway's outgoing order.
    branches: Mapping[str, tuple[tuple[str, float], ...]]
    pools: Mapping[str, PoolParams]
    notes: tuple[str, ...]


def _lookup(table: Mapping[str, _T], node: Node) -> _T | None:
    if node.id in table:
        return table[node.id]
    if node.name and node.name in table:
        return table[node.name]
    return None


def _flow_keys(flow: Flow, graph: ProcessGraph) -> tuple[str, ...]:
    target = graph.nodes[flow.target]
    return tuple(key for key in (flow.id, flow.name, target.id, target.name) if key)


def _resolve_branches(
    graph: ProcessGraph, node: Node, given: Mapping[str, float] | None, notes: list[str]
) -> tuple[tuple[str, float], ...]:
    flows = [graph.flows[f] for f in node.outgoing]
    inclusive = node.kind is NodeKind.INCLUSIVE
    if given is None:
        if inclusive:
            notes.append(f"gateway {node.label}: no branching probabilities; every flow is taken")
            return tuple((flow.id, 1.0) for flow in flows)
        notes.append(f"gateway {node.label}: no branching probabilities; flows equally likely")
        return tuple((flow.id, 1.0 / len(flows)) for flow in flows)
    known: set[str] = set()
    result: list[tuple[str, float]] = []
    for flow in flows:
        keys = _flow_keys(flow, graph)
        probability = next((given[k] for k in keys if k in given), 0.0)
        known.update(k for k in keys if k in given)
        if not 0 <= probability <= 1 and inclusive:
            raise ValueError(f"gateway {node.label}: probability of {flow.id} must be in [0, 1]")
        if probability < 0:
            raise ValueError(f"gateway {node.label}: probability of {flow.id} must be >= 0")
        result.append((flow.id, probability))
    unknown = sorted(set(given) - known)
    if unknown:
        raise ValueError(
            f"gateway {node.label}: {', '.join(unknown)} is not an outgoing flow or its target; "
            f"use one of {', '.join(f.id for f in flows)}"
        )
    total = sum(p for _, p in result)
    if total <= 0:
        raise ValueError(f"gateway {node.label}: branching probabilities must not all be 0")
    if not inclusive:
        if abs(total - 1) > 1e-6:
            notes.append(f"gateway {node.label}: probabilities sum to {total:g}; rescaled to 1")
        result = [(flow_id, p / total) for flow_id, p in result]
    return tuple(result)


def resolve(params: SimulationParameters, graph: ProcessGraph) -> Resolved:
    """Match parameters to ``graph``; raise ``ValueError`` on contradictions, note assumptions."""
    notes: list[str] = []
    tasks: dict[str, ResolvedTask] = {}
    pools: dict[str, PoolParams] = dict(params.pools)
    for node in graph.tasks():
        given = _lookup(params.activities, node) or ActivityParams()
        duration = given.duration
        if duration is None:
            notes.append(f"task {node.label}: no duration given; taken as instantaneous")
            duration = Fixed(0.0)
        pool = given.pool or node.lane
        if pool is not None and pool not in pools:
            notes.append(f"pool {pool}: not in the parameters; one person, always available")
            pools[pool] = PoolParams(capacity=1)
        instances, repeat = 1, 0.0
        if node.marker in (Marker.PARALLEL, Marker.SEQUENTIAL):
            instances = given.instances or node.cardinality or 1
            if given.instances is None and node.cardinality is None:
                notes.append(f"task {node.label}: multi-instance without a count; runs once")
        elif node.marker is Marker.LOOP:
            repeat = given.repeat or 0.0
            if given.repeat is None:
                notes.append(f"task {node.label}: loop without a repeat chance; runs once")
        tasks[node.id] = ResolvedTask(
            duration, pool, instances, node.marker is Marker.SEQUENTIAL, repeat
        )
    for node in graph.all_nodes():
        timed = node.kind in (NodeKind.EVENT, NodeKind.BOUNDARY)
        given_event = _lookup(params.activities, node) if timed else None
        if given_event is not None and given_event.duration is not None:
            tasks[node.id] = ResolvedTask(given_event.duration, None)
        elif node.kind is NodeKind.BOUNDARY:
            notes.append(f"boundary event {node.label}: no delay given; it never fires")
    branches: dict[str, tuple[tuple[str, float], ...]] = {}
    for owner, node in graph.gateways():
        branches[node.id] = _resolve_branches(owner, node, _lookup(params.branches, node), notes)
    return Resolved(tasks=tasks, branches=branches, pools=pools, notes=tuple(notes))
