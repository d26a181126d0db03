"""Task rules of a run: instances queue for staff, loops repeat, boundary events interrupt.

``TaskRules`` is mixed into the run (``runner._Run``), which provides the clock, the pools, the
random streams and token movement (``_leave``).
"""

from __future__ import annotations

import functools
import random
from collections import defaultdict
from dataclasses import dataclass, field

from civicflow.insight.simulation.graph import Node
from civicflow.insight.simulation.kernel import EventQueue, Job, Pool
from civicflow.insight.simulation.parameters import Resolved, ResolvedTask
from civicflow.insight.simulation.results import LogEvent
from civicflow.insight.simulation.state import Frame


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


class TaskRules:
    """How tokens are served at tasks; needs the attributes below from the run it is part of."""

    resolved: Resolved
    events: EventQueue
    pools: dict[str, Pool]
    rng_durations: random.Random
    rng_routing: random.Random
    record_log: bool
    log: list[LogEvent]
    waits: defaultdict[str, list[float]]
    services: defaultdict[str, list[float]]

    def _leave(self, frame: Frame, node: Node) -> None:
        raise NotImplementedError

    def _start_task(self, frame: Frame, node: Node) -> None:
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

    def _plain_task(self, frame: Frame, node: Node, task: ResolvedTask) -> None:
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

    def _instance(self, frame: Frame, node: Node, run: _TaskRun, task: ResolvedTask) -> None:
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

    def _begin_instances(self, frame: Frame, node: Node, run: _TaskRun) -> None:
        task = self.resolved.tasks[node.id]
        if task.sequential:
            self._instance(frame, node, run, task)
        else:
            for _ in range(run.pending):
                self._instance(frame, node, run, task)

    def _boundary(
        self, frame: Frame, task: Node, boundary: Node, run: _TaskRun, pool: str | None
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
