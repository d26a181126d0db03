"""The discrete-event kernel: a clock, a time-ordered event queue and FIFO resource pools.

No wall clock: time is a float of seconds that only moves when the next event is taken from the
heap. Ties are broken by insertion order, so a run is fully determined by its seed.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from civicflow.insight.simulation.calendars import Timeline

Action = Callable[[], None]


class EventQueue:
    """Pending events by time; ``run`` advances the clock from one to the next."""

    def __init__(self) -> None:
        self.now = 0.0
        self._heap: list[tuple[float, int, Action]] = []
        self._sequence = 0

    def schedule(self, at: float, action: Action) -> None:
        """Run ``action`` at time ``at`` (never earlier than now)."""
        self._sequence += 1
        heapq.heappush(self._heap, (max(at, self.now), self._sequence, action))

    def run(self, until: float) -> None:
        """Process events up to and including ``until``; the clock then reads ``until``."""
        heap = self._heap
        while heap and heap[0][0] <= until:
            at, _, action = heapq.heappop(heap)
            self.now = at
            action()
        self.now = max(self.now, until)


#: Called when a staff member takes up a job: (staff name, start time, end time).
StartHook = Callable[[str, float, float], None]
#: Called when the job is done: (staff name, end time).
DoneHook = Callable[[str, float], None]


@dataclass(eq=False, slots=True)
class Job:
    """A request for one staff member's time; the handle ``Pool.cancel`` takes."""

    enqueued: float
    work: float
    on_start: StartHook
    on_done: DoneHook
    person: str | None = None  #: set while in service
    cancelled: bool = False


class Pool:
    """A team of ``capacity`` people serving one FIFO queue within their working calendar.

    A job's work counts only working time: begun outside hours it starts at the next opening,
    interrupted by closing time it resumes at the next. Busy time is tracked in working seconds
    from ``measure_from`` on, for utilisation.
    """

    def __init__(
        self,
        name: str,
        staff: tuple[str, ...],
        events: EventQueue,
        timeline: Timeline | None = None,
        measure_from: float = 0.0,
    ) -> None:
        self.name = name
        self.staff = staff
        self.timeline = timeline
        self._events = events
        self._idle: deque[str] = deque(staff)
        self._queue: deque[Job] = deque()
        self._measure_from = measure_from
        self._in_service: dict[str, tuple[float, float]] = {}
        self.busy_seconds = 0.0

    @property
    def capacity(self) -> int:
        """Number of staff members."""
        return len(self.staff)

    @property
    def queue_length(self) -> int:
        """Jobs waiting for a free staff member."""
        return len(self._queue)

    def request(self, work: float, on_start: StartHook, on_done: DoneHook) -> Job:
        """Queue a job of ``work`` seconds; it starts when a staff member is free and working."""
        job = Job(self._events.now, work, on_start, on_done)
        if self._idle:
            self._begin(self._idle.popleft(), job)
        else:
            self._queue.append(job)
        return job

    def cancel(self, job: Job) -> None:
        """Withdraw a job (an interrupting boundary event): from the queue, or from its staff
        member, who counts as busy until now and takes up the next job."""
        if job.cancelled:
            return
        job.cancelled = True
        person = job.person
        if person is None:
            self._queue.remove(job)
            return
        start, _ = self._in_service.pop(person)
        job.person = None
        self.busy_seconds += self._working(start, max(start, self._events.now))
        self._next(person)

    def _begin(self, person: str, job: Job) -> None:
        now = self._events.now
        if self.timeline is None:
            start, end = now, now + job.work
        else:
            start = self.timeline.next_working(now)
            end = self.timeline.add_work(start, job.work)
        self._in_service[person] = (start, end)
        job.person = person
        job.on_start(person, start, end)
        self._events.schedule(end, lambda: self._finish(person, job))

    def _finish(self, person: str, job: Job) -> None:
        if job.cancelled:
            return  # withdrawn earlier; the staff member has moved on
        start, end = self._in_service.pop(person)
        job.person = None
        self.busy_seconds += self._working(start, end)
        job.on_done(person, end)
        self._next(person)

    def _next(self, person: str) -> None:
        if self._queue:
            self._begin(person, self._queue.popleft())
        else:
            self._idle.append(person)

    def _working(self, t0: float, t1: float) -> float:
        t0 = max(t0, self._measure_from)
        if t1 <= t0:
            return 0.0
        if self.timeline is None:
            return t1 - t0
        return self.timeline.working_seconds(t0, t1)

    def available_seconds(self, until: float) -> float:
        """Staff working time from ``measure_from`` to ``until`` (utilisation's denominator)."""
        return self.capacity * self._working(self._measure_from, until)

    def busy_until(self, until: float) -> float:
        """Busy working time up to ``until``, counting jobs still in service at ``until``."""
        in_flight = sum(
            self._working(start, min(end, until)) for start, end in self._in_service.values()
        )
        return self.busy_seconds + in_flight
