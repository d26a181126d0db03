"""One simulation run: cases arrive, tokens walk the process graph, tasks queue for staff.

Token rules follow BPMN: an exclusive gateway passes each token to one flow drawn by probability;
a parallel join waits for a token on every incoming flow; an inclusive join waits until no other
token of the case (in the same scope) can still reach it; a subprocess finishes when its last
inner token is consumed; a case finishes when its last token is.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict

from civicflow.insight.simulation.graph import Node, NodeKind, ProcessGraph
from civicflow.insight.simulation.kernel import EventQueue, Pool
from civicflow.insight.simulation.parameters import (
    Resolved,
    SimulationParameters,
    resolve,
)
from civicflow.insight.simulation.results import LogEvent, RunResult
from civicflow.insight.simulation.state import Case, Frame
from civicflow.insight.simulation.tasks import TaskRules

HOUR = 3_600.0


class _Run(TaskRules):
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
            # A job reserved overnight logs its start at the next opening; past the horizon
            # that start has not happened yet.
            log=tuple(event for event in self.log if event.time_s <= self.horizon),
            notes=self.resolved.notes,
        )

    def _utilisation(self, pool: Pool) -> float:
        available = pool.available_seconds(self.horizon)
        return pool.busy_until(self.horizon) / available if available > 0 else 0.0

    def _arrive(self) -> None:
        now = self.events.now
        self.case_count += 1
        self.open_cases += 1
        case = Case(f"case-{self.case_count:06d}", now, now >= self.warmup)
        self._start_scope(Frame(self.graph, case, track=self.graph.has_inclusive_join))
        self.events.schedule(self.next_arrival(now, self.rng_arrivals), self._arrive)

    def _start_scope(self, frame: Frame) -> None:
        """Place a new case's (or subprocess instance's) tokens at its entry nodes."""
        entries = frame.graph.entry_nodes
        frame.tokens = len(entries)
        for entry in entries:
            if entry.kind is NodeKind.START:
                self._leave(frame, entry)
            else:
                self._enter(frame, entry, "")

    def _scope_done(self, frame: Frame) -> None:
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

    def _leave(self, frame: Frame, node: Node) -> None:
        """A token leaves ``node``: onto the flows a gateway picks, or all outgoing flows."""
        if node.kind in (NodeKind.EXCLUSIVE, NodeKind.INCLUSIVE) and len(node.outgoing) > 1:
            flows = self._choose(node)
        else:
            flows = node.outgoing
        self._emit(frame, node, flows)

    def _emit(self, frame: Frame, node: Node, flows: tuple[str, ...]) -> None:
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

    def _consumed(self, frame: Frame) -> None:
        if frame.tokens == 0:
            self._scope_done(frame)
        elif frame.track:
            self._recheck_joins(frame)

    def _enter(self, frame: Frame, node: Node, via: str) -> None:
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
            self._start_scope(Frame(node.inner, frame.case, frame, node, track=track))
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

    def _after_delay(self, frame: Frame, node: Node) -> None:
        if frame.track:
            frame.positions[node.id] -= 1
        self._leave(frame, node)

    def _try_inclusive(self, frame: Frame, node: Node) -> None:
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

    def _recheck_joins(self, frame: Frame) -> None:
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
