"""A simulated month of permit applications run through the real engine, for ``civicflow demo``.

Arrivals, task durations, staff per lane and their working hours come from a simulation
parameter file (``examples/permit_city_params.yaml``, format ``docs/simulation.md``), read with
the simulation package's own reader, distributions and calendars. Time is a
:class:`~civicflow.testing.FixedClock` the loop moves from event to event, so a month takes
seconds and the same seed gives the same history.

The loop is a small discrete-event simulation around the engine: an arrival starts an instance;
after every step, idle staff of each lane take the oldest open user task of their lane from the
engine's worklist (``engine.tasks``), claim it (``engine.claim``: their work starts, so the
history tells queue time from work time) and finish it after a sampled amount of *working* time
with ``engine.complete(..., actor=name)``. Due timers run through ``engine.run_due_jobs()``.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from civicflow.insight.kpi import KpiReport
    from civicflow.insight.report import MiningReport
    from civicflow.insight.simulation import SimulationParameters
    from civicflow.insight.simulation.calendars import Timeline
    from civicflow.store.service import Engine

DEFAULT_DATABASE = Path("civicflow-demo.db")
DEFAULT_MINUTES = 30.0  #: work per task when the parameter file names no duration

#: Task outcomes the simulated staff decide: element id -> (variable, gateway, branch target).
#: The chance of ``True`` is the gateway's branch probability for that target in the parameters.
OUTCOMES: Mapping[str, tuple[str, str, str]] = {
    "check_completeness": ("documents_complete", "complete_gw", "zoning_review"),
}
#: Start variable ``project_type`` is "building" with the probability of this branch.
INSPECTION_BRANCH = ("inspection_gw", "site_inspection")


def _example(name: str) -> Path:
    """An example file: under ./examples, else beside this source tree (an editable install)."""
    local = Path("examples") / name
    if local.is_file():
        return local
    return Path(__file__).resolve().parents[2] / "examples" / name


@dataclass(frozen=True)
class DemoConfig:
    """What to run: the model, its staffing parameters, the database and the seed."""

    model: Path = field(default_factory=lambda: _example("permit_city.bpmn"))
    params: Path = field(default_factory=lambda: _example("permit_city_params.yaml"))
    database: Path = DEFAULT_DATABASE
    seed: int = 2027
    days: float | None = None  #: overrides the parameter file's horizon

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of the demo database."""
        return f"sqlite:///{self.database}"


@dataclass(frozen=True)
class DemoResult:
    """What the simulated period did, counted by the loop (the history says the rest)."""

    url: str
    process_id: str
    start: datetime
    end: datetime
    started: int  #: instances started (applications received)
    tasks_completed: int  #: user tasks completed by simulated staff
    completed: int  #: instances that reached their end
    open_instances: int  #: instances still running at the end of the period


@dataclass
class _Staff:
    name: str
    pool: str
    timeline: Timeline
    free_since: float = 0.0
    busy: bool = False


@dataclass(order=True)
class _Event:
    at: float
    seq: int
    action: Callable[[], None] = field(compare=False)


class _Month:
    """The event loop: one instance per simulated month."""

    def __init__(self, engine: Engine, params: SimulationParameters, process_id: str,
                 seed: int, horizon: float) -> None:
        self.engine = engine
        self.params = params
        self.process_id = process_id
        self.horizon = horizon
        self.rng = random.Random(seed)
        self.arrival_rng = random.Random(seed + 1)
        self.origin = params.start.replace(tzinfo=params.start.tzinfo or UTC)
        self.queue: list[_Event] = []
        self.seq = 0
        self.now = 0.0
        self.started = 0
        self.tasks_completed = 0
        self.taken: set[str] = set()
        self.staff = self._staff()
        self.next_arrival = params.arrivals.sampler(params.start)

    def _staff(self) -> dict[str, list[_Staff]]:
        from civicflow.insight.simulation import WorkingCalendar

        always = WorkingCalendar(week=dict.fromkeys(range(7), ((0.0, 24.0),)))
        pools: dict[str, list[_Staff]] = {}
        for pool_name, pool in sorted(self.params.pools.items()):
            timeline = (pool.calendar or always).timeline(self.params.start, years=1)
            pools[pool_name] = [_Staff(name, pool_name, timeline)
                                for name in pool.staff_names(pool_name)]
        return pools

    def _branch(self, gateway: str, target: str, default: float) -> float:
        return float(self.params.branches.get(gateway, {}).get(target, default))

    def schedule(self, at: float, action: Callable[[], None]) -> None:
        self.seq += 1
        heapq.heappush(self.queue, _Event(at, self.seq, action))

    def run(self) -> None:
        self.schedule(self.next_arrival(0.0, self.arrival_rng), self.arrive)
        clock = self.engine.clock
        while self.queue and self.queue[0].at <= self.horizon:
            event = heapq.heappop(self.queue)
            self.now = event.at
            clock.set(self.origin + timedelta(seconds=self.now))  # type: ignore[attr-defined]
            event.action()
            self.engine.run_due_jobs()
            self.dispatch()
        clock.set(self.origin + timedelta(seconds=self.horizon))  # type: ignore[attr-defined]
        self.engine.run_due_jobs()

    def arrive(self) -> None:
        self.started += 1
        building = self.rng.random() < self._branch(*INSPECTION_BRANCH, 0.4)
        self.engine.start(
            self.process_id,
            {"case_seq": self.started, "project_type": "building" if building else "minor"},
            business_key=f"PERMIT-{self.started:04d}", actor="citizen portal")
        self.schedule(self.next_arrival(self.now, self.arrival_rng), self.arrive)

    def dispatch(self) -> None:
        """Idle staff take the oldest open tasks of their lane."""
        if all(s.busy for pool in self.staff.values() for s in pool):
            return  # nobody could take a task: spare the worklist query
        for task in self.engine.tasks(process_id=self.process_id, limit=100_000):
            if task.id in self.taken:
                continue
            pool = self.staff.get(task.lane or "")
            if not pool:
                continue
            idle = [s for s in pool if not s.busy]
            if not idle:
                continue
            person = min(idle, key=lambda s: (s.free_since, s.name))
            self.assign(person, task.id, task.element_id)

    def assign(self, person: _Staff, task_id: str, element_id: str) -> None:
        activity = self.params.activities.get(element_id)
        if activity is not None and activity.duration is not None:
            work = activity.duration.sample(self.rng)
        else:
            work = DEFAULT_MINUTES * 60
        finish = person.timeline.add_work(self.now, work)
        variables: dict[str, Any] = {}
        outcome = OUTCOMES.get(element_id)
        if outcome is not None:
            variable, gateway, target = outcome
            variables[variable] = self.rng.random() < self._branch(gateway, target, 0.8)
        self.engine.claim(task_id, person.name)  # work starts now: the queue wait ends
        person.busy = True
        self.taken.add(task_id)

        def done() -> None:
            self.engine.complete(task_id, variables, actor=person.name)
            self.tasks_completed += 1
            self.taken.discard(task_id)
            person.busy = False
            person.free_since = self.now

        self.schedule(finish, done)


def run_month(config: DemoConfig) -> DemoResult:
    """Recreate the database, deploy the model and run the simulated period through the engine."""
    from civicflow.insight.simulation import load_parameters
    from civicflow.store.service import Engine
    from civicflow.testing import FixedClock

    params = load_parameters(config.params).params
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{config.database}{suffix}").unlink(missing_ok=True)
    start = params.start.replace(tzinfo=params.start.tzinfo or UTC)
    clock = FixedClock(start)
    engine = Engine.open(config.url, clock=clock)
    try:
        deployment = engine.deploy(config.model)[0]
        hours = params.horizon_hours if config.days is None else config.days * 24
        month = _Month(engine, params, deployment.process_id, config.seed, hours * 3600)
        month.run()
        running = len(engine.instances(process_id=deployment.process_id, state="active",
                                       limit=1_000_000))
        completed = len(engine.instances(process_id=deployment.process_id, state="completed",
                                         limit=1_000_000))
        end = clock.now()
    finally:
        engine.close()
    return DemoResult(config.url, deployment.process_id, start, end, month.started,
                      month.tasks_completed, completed, running)


@dataclass(frozen=True)
class DemoFigures:
    """KPIs and mining figures of the demo database's history, the same `civicflow mine` gives."""

    kpis: KpiReport
    mining: MiningReport


def figures(url: str, kpi_definitions: Path | None = None) -> DemoFigures:
    """Read the engine history at ``url`` once and compute the KPIs (over its lifecycle events)
    and the mining report (over its activity instances, as ``civicflow mine URL`` does)."""
    from civicflow.insight.history import read_history
    from civicflow.insight.intervals import to_intervals
    from civicflow.insight.kpi import compute_kpis, load_definitions, prepare_event_frame
    from civicflow.insight.report import build_report

    log = read_history(url)
    kpi_set = load_definitions(kpi_definitions or _example("kpis/permit_city.yaml"))
    kpis = compute_kpis(prepare_event_frame(log.frame, source=url), kpi_set)
    return DemoFigures(kpis, build_report(to_intervals(log)))
