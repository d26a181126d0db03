"""One simulation run: cases arrive, tokens walk the process graph, tasks queue for staff.

Token rules follow BPMN: an exclusive gateway passes each token to one flow drawn by probability;
a parallel join waits for a token on every incoming flow; an inclusive join waits until no other
token of the case (in the same scope) can still reach it; a subprocess finishes when its last
inner token is consumed; a case finishes when its last token is.
"""

from __future__ import annotations

import functools
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from civicflow.insight.simulation.graph import Node, NodeKind, ProcessGraph
from civicflow.insight.simulation.kernel import EventQueue, Job, Pool
from civicflow.insight.simulation.parameters import (
    Resolved,
    ResolvedTask,
    SimulationParameters,
    resolve,
)
from civicflow.insight.simulation.results import LogEvent, RunResult

HOUR = 3_600.0


@dataclass(slots=True)
class _Case:
    id: str
    arrival: float
    measured: bool


@dataclass
class _Frame:
    """The tokens of one case in one scope (the process, or one subprocess instance)."""

    graph: ProcessGraph
    case: _Case
    parent: _Frame | None = None
    node: Node | None = None  #: the subprocess node in the parent scope
    tokens: int = 0
    #: token positions are kept only where an inclusive join needs them (they cost time).
    track: bool = False
    positions: Counter[str] = field(default_factory=Counter)
    joins: dict[str, Counter[str]] = field(default_factory=dict)


@dataclass(eq=False, slots=True)
class _Instance:
    """An unfinished instance of a task (for withdrawing it and its log entry)."""

    job: Job | None = None
    person: str | None = None
    start: float | None = None  #: when its staff member takes it up (None: still queued)
    event: LogEvent | None = None


@dataclass(slots=True)
class _TaskRun:
    """One visit of a token to a task, shared by its instances and its boundary events."""

    pending: int  #: instances still to finish in this run
    over: bool = False  #: completed, or withdrawn by an interrupting boundary event
    instances: list[_Instance] = field(default_factory=list)  #: unfinished instances


class _Run:
    """The mutable state of one run; ``simulate`` is its only user."""

    def __init__(
        self,
        graph: ProcessGraph,
        params: SimulationParameters,
        resolved: Resolved,
        seed: int,
        record_log: bool,
    ) -> None:
        self.graph = graph
        self.params = params
        self.resolved = resolved
        self.seed = seed
        self.record_log = record_log
        self.events = EventQueue()
        self.horizon = params.horizon_hours * HOUR
        self.warmup = params.warmup_hours * HOUR
        self.rng_arrivals = random.Random(f"{seed}:arrivals")
        self.rng_durations = random.Random(f"{seed}:durations")
        self.rng_routing = random.Random(f"{seed}:routing")
        years = int(params.horizon_hours / (365 * 24)) + 2
        self.pools = {
            name: Pool(
                name,
                pool.staff_names(name),
                self.events,
                None if pool.calendar is None else pool.calendar.timeline(params.start, years),
                measure_from=self.warmup,
            )
            for name, pool in resolved.pools.items()
        }
        self.case_count = 0
        self.cycle_times: list[float] = []
        self.completed_in_window = 0
        self.open_cases = 0
        self.waits: defaultdict[str, list[float]] = defaultdict(list)
        self.services: defaultdict[str, list[float]] = defaultdict(list)
        self.log: list[LogEvent] = []
        self.join_inputs: dict[str, tuple[str, ...]] = {}
        self.next_arrival = params.arrivals.sampler(params.start)

    # -- arrivals and cases -------------------------------------------------------------------

    def run(self) -> RunResult:
        self.events.schedule(self.next_arrival(0.0, self.rng_arrivals), self._arrive)
        self.events.run(self.horizon)
        return RunResult(
            seed=self.seed,
            origin=self.params.start,
            horizon_s=self.horizon,
            warmup_s=self.warmup,
            cases_started=self.case_count,
            cycle_times_s=tuple(self.cycle_times),
            completed_in_window=self.completed_in_window,
            wip_at_end=self.open_cases,
            waits_s={k: tuple(v) for k, v in self.waits.items()},
            services_s={k: tuple(v) for k, v in self.services.items()},
            utilisation={name: self._utilisation(pool) for name, pool in self.pools.items()},
            log=tuple(self.log),
            notes=self.resolved.notes,
        )

    def _utilisation(self, pool: Pool) -> float:
        available = pool.available_seconds(self.horizon)
        return pool.busy_until(self.horizon) / available if available > 0 else 0.0

    def _arrive(self) -> None:
        now = self.events.now
        self.case_count += 1
        self.open_cases += 1
        case = _Case(f"case-{self.case_count:06d}", now, now >= self.warmup)
        self._start_scope(_Frame(self.graph, case, track=self.graph.has_inclusive_join))
        self.events.schedule(self.next_arrival(now, self.rng_arrivals), self._arrive)

    def _start_scope(self, frame: _Frame) -> None:
        """Place a new case's (or subprocess instance's) tokens at its entry nodes."""
        entries = frame.graph.entry_nodes
        frame.tokens = len(entries)
        for entry in entries:
            if entry.kind is NodeKind.START:
                self._leave(frame, entry)
            else:
                self._enter(frame, entry, "")

    def _scope_done(self, frame: _Frame) -> None:
        if frame.parent is not None and frame.node is not None:
            if frame.parent.track:
                frame.parent.positions[frame.node.id] -= 1
            self._leave(frame.parent, frame.node)
            return
        case = frame.case
        now = self.events.now
        self.open_cases -= 1
        if now >= self.warmup:
            self.completed_in_window += 1
        if case.measured:
            self.cycle_times.append(now - case.arrival)

    # -- token movement ----------------------------------------------------------------------

    def _leave(self, frame: _Frame, node: Node) -> None:
        """A token leaves ``node``: onto the flows a gateway picks, or all outgoing flows."""
        if node.kind in (NodeKind.EXCLUSIVE, NodeKind.INCLUSIVE) and len(node.outgoing) > 1:
            flows = self._choose(node)
        else:
            flows = node.outgoing
        self._emit(frame, node, flows)

    def _emit(self, frame: _Frame, node: Node, flows: tuple[str, ...]) -> None:
        frame.tokens += len(flows) - 1
        if not flows:
            self._consumed(frame)
            return
        nodes, all_flows = frame.graph.nodes, frame.graph.flows
        if not frame.track:
            for flow_id in flows:
                self._enter(frame, nodes[all_flows[flow_id].target], flow_id)
            return
        # Tokens in transit count as sitting at ``node`` so an inclusive join downstream does not
        # fire before its siblings have been placed.
        frame.positions[node.id] += len(flows)
        for flow_id in flows:
            frame.positions[node.id] -= 1
            self._enter(frame, nodes[all_flows[flow_id].target], flow_id)
        self._recheck_joins(frame)

    def _consumed(self, frame: _Frame) -> None:
        if frame.tokens == 0:
            self._scope_done(frame)
        elif frame.track:
            self._recheck_joins(frame)

    def _enter(self, frame: _Frame, node: Node, via: str) -> None:
        kind = node.kind
        if kind is NodeKind.TASK:
            self._start_task(frame, node)
        elif kind is NodeKind.END:
            frame.tokens -= 1
            self._consumed(frame)
        elif kind is NodeKind.PARALLEL and len(node.incoming) > 1:
            waiting = frame.joins.setdefault(node.id, Counter())
            waiting[via] += 1
            if frame.track:
                frame.positions[node.id] += 1
            inputs = self._join_inputs(frame.graph, node)
            if all(waiting[f] > 0 for f in inputs):
                for flow_id in inputs:
                    waiting[flow_id] -= 1
                if frame.track:
                    frame.positions[node.id] -= len(inputs)
                frame.tokens -= len(inputs) - 1
                self._leave(frame, node)
        elif kind is NodeKind.INCLUSIVE and len(node.incoming) > 1:
            frame.joins.setdefault(node.id, Counter())[via] += 1
            frame.positions[node.id] += 1
            self._try_inclusive(frame, node)
        elif kind is NodeKind.SUBPROCESS and node.inner is not None:
            if frame.track:
                frame.positions[node.id] += 1
            track = node.inner.has_inclusive_join
            self._start_scope(_Frame(node.inner, frame.case, frame, node, track=track))
        elif kind is NodeKind.EVENT:
            delay = self.resolved.tasks.get(node.id)
            if delay is None:
                self._leave(frame, node)
            else:
                if frame.track:
                    frame.positions[node.id] += 1
                wait = delay.duration.sample(self.rng_durations)
                self.events.schedule(self.events.now + wait, lambda: self._after_delay(frame, node))
        else:
            self._leave(frame, node)

    def _join_inputs(self, graph: ProcessGraph, node: Node) -> tuple[str, ...]:
        """The incoming flows a parallel join waits for: those a token can ever take (a flow
        after a boundary event that is given no delay, and so never fires, is not waited for)."""
        inputs = self.join_inputs.get(node.id)
        if inputs is None:
            live: set[str] = set()
            stack = [entry.id for entry in graph.entry_nodes]
            while stack:
                current = stack.pop()
                if current in live:
                    continue
                live.add(current)
                stack.extend(graph.flows[f].target for f in graph.nodes[current].outgoing)
                stack.extend(
                    b.id for b in graph.boundaries.get(current, ()) if b.id in self.resolved.tasks
                )
            inputs = tuple(f for f in node.incoming if graph.flows[f].source in live)
            self.join_inputs[node.id] = inputs
        return inputs

    def _after_delay(self, frame: _Frame, node: Node) -> None:
        if frame.track:
            frame.positions[node.id] -= 1
        self._leave(frame, node)

    def _try_inclusive(self, frame: _Frame, node: Node) -> None:
        waiting = frame.joins.get(node.id)
        arrived = sum(waiting.values()) if waiting else 0
        if arrived == 0 or waiting is None:
            return
        graph = frame.graph
        for position, count in frame.positions.items():
            if count > 0 and position != node.id and node.id in graph.reachable_from(position):
                return
        waiting.clear()
        frame.positions[node.id] -= arrived
        frame.tokens -= arrived - 1
        self._leave(frame, node)

    def _recheck_joins(self, frame: _Frame) -> None:
        for join_id, waiting in list(frame.joins.items()):
            node = frame.graph.nodes[join_id]
            if node.kind is NodeKind.INCLUSIVE and sum(waiting.values()) > 0:
                self._try_inclusive(frame, node)

    def _choose(self, node: Node) -> tuple[str, ...]:
        options = self.resolved.branches[node.id]
        rng = self.rng_routing
        if node.kind is NodeKind.INCLUSIVE:
            chosen = tuple(flow for flow, p in options if rng.random() < p)
            if chosen:
                return chosen
            if node.default_flow is not None:
                return (node.default_flow,)
            return (max(options, key=lambda option: option[1])[0],)
        draw = rng.random()
        cumulative = 0.0
        for flow, probability in options:
            cumulative += probability
            if draw < cumulative:
                return (flow,)
        return (options[-1][0],)

    # -- tasks -------------------------------------------------------------------------------

    def _start_task(self, frame: _Frame, node: Node) -> None:
        """A token reaches a task: its instances queue for staff; boundary timers start."""
        task = self.resolved.tasks[node.id]
        if frame.track:
            frame.positions[node.id] += 1
        boundaries = frame.graph.boundaries.get(node.id)
        if task.simple and not boundaries:
            self._plain_task(frame, node, task)
            return
        run = _TaskRun(pending=task.instances)
        self._begin_instances(frame, node, run)
        if not boundaries:
            return
        now = self.events.now
        for boundary in boundaries:
            timer = self.resolved.tasks.get(boundary.id)
            if timer is not None:
                delay = timer.duration.sample(self.rng_durations)
                fire = functools.partial(self._boundary, frame, node, boundary, run, task.pool)
                self.events.schedule(now + delay, fire)

    def _plain_task(self, frame: _Frame, node: Node, task: ResolvedTask) -> None:
        """The common case, kept lean (it is most of a run's work): one instance, no boundary
        event, no loop; the same bookkeeping as ``_instance`` without the shared run state."""
        work = task.duration.sample(self.rng_durations)
        enqueued = self.events.now
        measured = frame.case.measured
        label = node.label
        group = task.pool

        def on_start(person: str | None, start: float, end: float) -> None:
            if measured:
                if group is not None:
                    self.waits[label].append(start - enqueued)
                self.services[label].append(end - start)
            if self.record_log:
                self.log.append(LogEvent(frame.case.id, label, start, "start", person, group))

        def on_done(person: str | None, end: float) -> None:
            if self.record_log:
                self.log.append(LogEvent(frame.case.id, label, end, "complete", person, group))
            if frame.track:
                frame.positions[node.id] -= 1
            self._leave(frame, node)

        if group is None:
            on_start(None, enqueued, enqueued + work)
            self.events.schedule(enqueued + work, lambda: on_done(None, enqueued + work))
        else:
            self.pools[group].request(work, on_start, on_done)

    def _instance(self, frame: _Frame, node: Node, run: _TaskRun, task: ResolvedTask) -> None:
        """One run of one instance of a task: wait for staff (if any), then work."""
        work = task.duration.sample(self.rng_durations)
        enqueued = self.events.now
        measured = frame.case.measured
        label = node.label
        group = task.pool
        instance = _Instance()

        def on_start(person: str | None, start: float, end: float) -> None:
            if measured:
                if group is not None:  # automated tasks never wait for staff
                    self.waits[label].append(start - enqueued)
                self.services[label].append(end - start)
            instance.person, instance.start = person, start
            if self.record_log:
                instance.event = LogEvent(frame.case.id, label, start, "start", person, group)
                self.log.append(instance.event)

        def on_done(person: str | None, end: float) -> None:
            if run.over:
                return
            run.instances.remove(instance)
            if self.record_log:
                self.log.append(LogEvent(frame.case.id, label, end, "complete", person, group))
            run.pending -= 1
            if run.pending > 0:
                if task.sequential:
                    self._instance(frame, node, run, task)
                return
            if task.repeat and self.rng_routing.random() < task.repeat:
                run.pending = task.instances  # rework: the task runs again
                self._begin_instances(frame, node, run)
                return
            run.over = True
            if frame.track:
                frame.positions[node.id] -= 1
            self._leave(frame, node)

        run.instances.append(instance)
        if task.pool is None:
            on_start(None, enqueued, enqueued + work)
            self.events.schedule(enqueued + work, lambda: on_done(None, enqueued + work))
        else:
            instance.job = self.pools[task.pool].request(work, on_start, on_done)

    def _begin_instances(self, frame: _Frame, node: Node, run: _TaskRun) -> None:
        task = self.resolved.tasks[node.id]
        if task.sequential:
            self._instance(frame, node, run, task)
        else:
            for _ in range(run.pending):
                self._instance(frame, node, run, task)

    def _boundary(
        self, frame: _Frame, task: Node, boundary: Node, run: _TaskRun, pool: str | None
    ) -> None:
        """A boundary event fires: the task goes on (non-interrupting) or is withdrawn."""
        if run.over:
            return
        now = self.events.now
        if not boundary.cancel_activity:
            frame.tokens += 1
            self._leave(frame, boundary)
            return
        run.over = True
        for instance in run.instances:  # the unfinished ones
            if instance.job is not None and pool is not None:
                self.pools[pool].cancel(instance.job)
            if instance.event is None or instance.start is None:
                continue
            if instance.start > now:
                self.log.remove(instance.event)  # reserved for later, never begun
            else:
                self.log.append(
                    LogEvent(frame.case.id, task.label, now, "ate_abort", instance.person, pool)
                )
        if frame.track:
            frame.positions[task.id] -= 1
        self._leave(frame, boundary)  # the task's token leaves along the boundary path


def simulate(
    graph: ProcessGraph,
    params: SimulationParameters,
    seed: int = 0,
    *,
    record_log: bool = False,
) -> RunResult:
    """Run one replication of ``params`` on ``graph``; the same seed gives the same result.

    ``record_log`` keeps every start and complete event (see ``RunResult.event_log``); leave it
    off for long runs where only the figures matter.
    """
    resolved = resolve(params, graph)
    return _Run(graph, params, resolved, seed, record_log).run()
