"""Learn simulation parameters from an event log (a polars frame with XES columns).

What a log can tell: how often cases arrive, how long activities take (exactly when start and
complete events exist; otherwise only the time since the case's previous event, which includes
waiting), which way cases go at each gateway, and how many people did each pool's work. Each
estimate that rests on an assumption says so in ``LearnedParameters.notes``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Literal

import polars as pl

from civicflow.insight.simulation.calendars import (
    Arrivals,
    CalendarArrivals,
    PoissonArrivals,
    WorkingCalendar,
)
from civicflow.insight.simulation.distributions import Distribution, Empirical, Exponential
from civicflow.insight.simulation.graph import Node, NodeKind, ProcessGraph
from civicflow.insight.simulation.parameters import (
    ActivityParams,
    PoolParams,
    SimulationParameters,
)

if TYPE_CHECKING:
    from civicflow.model import Definitions, Process

CASE = "case:concept:name"
ACTIVITY = "concept:name"
TIME = "time:timestamp"
LIFECYCLE = "lifecycle:transition"
RESOURCE = "org:resource"
GROUP = "org:group"
MAX_EMPIRICAL = 500
MIN_CALENDAR_EVENTS = 20  #: fewer events of a pool than this teach no working hours
DAY_SHARE = 0.01  #: a weekday with less of the pool's events than this is a day off
HOURS_QUANTILES = (0.02, 0.98)  #: a working day runs from/to these quantiles of its events


@dataclass(frozen=True)
class LearnedParameters:
    """Parameters estimated from a log, and the assumptions made on the way."""

    params: SimulationParameters
    notes: tuple[str, ...]


def _seconds(expr: pl.Expr) -> pl.Expr:
    return expr.dt.total_microseconds().cast(pl.Float64) / 1e6


def _first_tasks(graph: ProcessGraph, node_id: str, seen: set[str] | None = None) -> set[str]:
    """Tasks a token reaches first from ``node_id`` (through gateways and events)."""
    seen = set() if seen is None else seen
    if node_id in seen:
        return set()
    seen.add(node_id)
    node = graph.nodes[node_id]
    if node.kind is NodeKind.TASK:
        return {node_id}
    if node.kind is NodeKind.SUBPROCESS and node.inner is not None:
        inner = node.inner
        return set().union(*(_first_tasks(inner, s.id) for s in inner.entry_nodes))
    found: set[str] = set()
    for flow_id in node.outgoing:
        found |= _first_tasks(graph, graph.flows[flow_id].target, seen)
    return found


def _last_tasks(graph: ProcessGraph, node_id: str) -> set[str]:
    """Tasks a token leaves last before reaching ``node_id`` (walking backwards)."""
    found: set[str] = set()
    seen: set[str] = set()
    stack = [graph.flows[f].source for f in graph.nodes[node_id].incoming]
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        node = graph.nodes[current]
        if node.kind in (NodeKind.TASK, NodeKind.SUBPROCESS):
            found.add(current)
        else:
            stack.extend(graph.flows[f].source for f in node.incoming)
    return found


class _Learner:
    def __init__(self, frame: pl.DataFrame, graph: ProcessGraph) -> None:
        missing = [c for c in (CASE, ACTIVITY, TIME) if c not in frame.columns]
        if missing:
            raise ValueError(
                f"event log: missing column(s) {', '.join(missing)}; an event log needs "
                f"{CASE}, {ACTIVITY} and {TIME}"
            )
        if frame.height == 0:
            raise ValueError("event log: it has no events to learn from")
        self.graph = graph
        self.notes: list[str] = []
        self.frame = frame.with_row_index("_order").sort([CASE, TIME, "_order"])
        tasks = graph.tasks()
        by_label = {n.label: n for n in tasks}
        by_id = {n.id: n for n in tasks}
        self.node_of: dict[str, Node] = {}
        unmatched: list[str] = []
        for name in sorted(self.frame[ACTIVITY].unique().drop_nulls().to_list()):
            node: Node | None = by_label.get(name) or by_id.get(name)
            if node is None:
                lowered = {n.label.casefold().strip(): n for n in tasks}
                node = lowered.get(str(name).casefold().strip())
            if node is None:
                unmatched.append(str(name))
            else:
                self.node_of[name] = node
        if unmatched:
            shown = ", ".join(repr(n) for n in unmatched[:5])
            more = f" and {len(unmatched) - 5} more" if len(unmatched) > 5 else ""
            self.notes.append(
                f"{len(unmatched)} log activit{'y' if len(unmatched) == 1 else 'ies'} "
                f"match no task of the process (left out): {shown}{more}"
            )
        lifecycles = (
            set(self.frame[LIFECYCLE].drop_nulls().str.to_lowercase().unique().to_list())
            if LIFECYCLE in frame.columns
            else set()
        )
        self.has_start = "start" in lifecycles and "complete" in lifecycles
        #: task id -> pool: its lane, else (see ``pools``) the activity's most frequent group
        self.pool_of: dict[str, str] = {
            node.id: node.lane for node in graph.tasks() if node.lane is not None
        }
        if LIFECYCLE in frame.columns and lifecycles:
            self.completes = self.frame.filter(pl.col(LIFECYCLE).str.to_lowercase() == "complete")
        else:
            self.completes = self.frame

    def arrivals(self, mode: str) -> Arrivals:
        starts = self.frame.group_by(CASE).agg(pl.col(TIME).min()).sort(TIME)[TIME]
        if starts.len() < 2:
            raise ValueError("event log: needs at least two cases to estimate an arrival rate")
        span_s = starts.to_frame().select(_seconds(pl.col(TIME).max() - pl.col(TIME).min()))
        span_h = float(span_s.item()) / 3600
        if span_h <= 0:
            raise ValueError("event log: all cases start at the same moment; no arrival rate")
        if mode == "poisson":
            return PoissonArrivals((starts.len() - 1) / span_h)
        weeks = max(span_h / (24 * 7), 1.0)
        counts = (
            starts.to_frame()
            .select(
                (pl.col(TIME).dt.weekday() - 1).alias("day"), pl.col(TIME).dt.hour().alias("hour")
            )
            .group_by("day", "hour")
            .len()
        )
        week: dict[int, list[tuple[float, float, float]]] = {}
        for day, hour, count in counts.sort("day", "hour").iter_rows():
            week.setdefault(int(day), []).append((float(hour), float(hour) + 1, count / weeks))
        self.notes.append(
            "arrivals: weekly calendar of hourly rates from case starts over "
            f"{weeks:.1f} weeks (times as in the log's own zone)"
        )
        return CalendarArrivals({d: tuple(slots) for d, slots in week.items()})

    def _paired(self) -> pl.DataFrame:
        """Durations from the k-th start to the k-th complete of an activity in a case."""
        events = self.frame.with_columns(pl.col(LIFECYCLE).str.to_lowercase().alias("_lc"))
        keyed = events.filter(pl.col("_lc").is_in(["start", "complete"])).with_columns(
            pl.int_range(pl.len()).over(CASE, ACTIVITY, "_lc").alias("_k")
        )
        starts = keyed.filter(pl.col("_lc") == "start").select(CASE, ACTIVITY, "_k", TIME)
        ends = keyed.filter(pl.col("_lc") == "complete").select(
            CASE, ACTIVITY, "_k", pl.col(TIME).alias("_end")
        )
        return starts.join(ends, on=[CASE, ACTIVITY, "_k"]).select(
            ACTIVITY, pl.col(TIME).alias("_begin"), "_end"
        )

    def _since_previous(self) -> pl.DataFrame:
        """Time from the case's previous (complete) event to each complete event."""
        return (
            self.completes.with_columns(pl.col(TIME).shift(1).over(CASE).alias("_begin"))
            .drop_nulls("_begin")
            .select(ACTIVITY, "_begin", pl.col(TIME).alias("_end"))
        )

    def _measured(self, spans: pl.DataFrame, calendars: dict[str, WorkingCalendar]) -> pl.DataFrame:
        """Seconds per span: elapsed, or working time of the activity's pool calendar."""
        spans = spans.with_columns(_seconds(pl.col("_end") - pl.col("_begin")).alias("_d"))
        if not calendars:
            return spans
        first, last = self.frame[TIME].min(), self.frame[TIME].max()
        assert isinstance(first, datetime)
        assert isinstance(last, datetime)
        # the log's wall clock (as the learned arrivals read it) on a timeline from its first day
        origin = first.replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)
        years = last.year - origin.year + 1
        timelines = {pool: cal.timeline(origin, years) for pool, cal in calendars.items()}
        measured: list[float] = []
        for name, begin, end, elapsed in spans.iter_rows():
            node = self.node_of.get(name)
            timeline = timelines.get(self.pool_of.get(node.id, "")) if node else None
            if timeline is None:
                measured.append(elapsed)
                continue
            t0 = (begin.replace(tzinfo=None) - origin).total_seconds()
            t1 = (end.replace(tzinfo=None) - origin).total_seconds()
            measured.append(timeline.working_seconds(t0, t1))
        return spans.with_columns(pl.Series("_d", measured, pl.Float64))

    def durations(
        self, calendars: dict[str, WorkingCalendar] | None = None
    ) -> dict[str, list[float]]:
        samples: dict[str, list[float]] = {}
        calendars = calendars or {}
        if self.has_start:
            paired = self._measured(self._paired(), calendars)
            for name, group in paired.filter(pl.col("_d") >= 0).group_by(ACTIVITY):
                samples[str(name[0])] = group["_d"].to_list()
        proxies: list[str] = []
        previous = self._measured(self._since_previous(), calendars)
        for name, group in previous.filter(pl.col("_d") >= 0).group_by(ACTIVITY):
            activity = str(name[0])
            if activity not in samples and activity in self.node_of:
                samples[activity] = group["_d"].to_list()
                proxies.append(activity)
        if proxies:
            which = (
                "the log has no start events"
                if not self.has_start
                else f"no start events for {', '.join(sorted(proxies))}"
            )
            self.notes.append(
                f"durations: {which}; a duration is taken as the time since the case's "
                "previous event (it includes waiting)"
            )
        return samples

    def visits(self) -> dict[str, int]:
        counts = self.completes.group_by(ACTIVITY).len()
        visits: dict[str, int] = {}
        for name, count in counts.iter_rows():
            node = self.node_of.get(name)
            if node is not None:
                visits[node.id] = visits.get(node.id, 0) + int(count)
        return visits

    def branches(self) -> dict[str, dict[str, float]]:
        visits = self.visits()
        result: dict[str, dict[str, float]] = {}
        for owner, gateway in self.graph.gateways():
            targets = {f: _first_tasks(owner, owner.flows[f].target) for f in gateway.outgoing}
            counts = {f: sum(visits.get(t, 0) for t in ts) for f, ts in targets.items()}
            before = _last_tasks(owner, gateway.id)
            reached = sum(visits.get(t, 0) for t in before) if before else 0
            overlap = any(targets[a] & targets[b] for a in targets for b in targets if a < b)
            if overlap:
                self.notes.append(
                    f"gateway {gateway.label}: branches lead to the same activities; "
                    "probabilities not learned"
                )
                continue
            empty = [f for f, ts in targets.items() if not ts]
            if gateway.kind is NodeKind.EXCLUSIVE:
                if len(empty) == 1 and reached:
                    counts[empty[0]] = max(reached - sum(counts.values()), 0)
                elif empty:
                    self.notes.append(
                        f"gateway {gateway.label}: some branches have no activity to count; "
                        "probabilities not learned"
                    )
                    continue
                total = sum(counts.values())
                if total == 0:
                    self.notes.append(f"gateway {gateway.label}: never passed in the log")
                    continue
                result[gateway.id] = {f: c / total for f, c in counts.items()}
            else:
                base = reached or self.frame[CASE].n_unique()
                result[gateway.id] = {f: min(c / base, 1.0) for f, c in counts.items()}
        return result

    def calendars(self) -> dict[str, WorkingCalendar]:
        """Each pool's weekly working hours, from when the events of its activities happen."""
        found: dict[str, WorkingCalendar] = {}
        for pool in sorted(set(self.pool_of.values())):
            names = [n for n, node in self.node_of.items() if self.pool_of.get(node.id) == pool]
            times = self.frame.filter(pl.col(ACTIVITY).is_in(names)).select(
                (pl.col(TIME).dt.weekday() - 1).alias("day"),
                (pl.col(TIME).dt.hour() + pl.col(TIME).dt.minute() / 60).alias("hour"),
            )
            if times.height < MIN_CALENDAR_EVENTS:
                self.notes.append(f"pool {pool}: {times.height} events are too few to learn "
                                  "working hours; always available")
                continue
            week: dict[int, tuple[tuple[float, float], ...]] = {}
            low, high = HOURS_QUANTILES
            for (day,), group in times.group_by("day"):
                if group.height < DAY_SHARE * times.height:
                    continue
                start = math.floor(float(group["hour"].quantile(low, "linear") or 0.0))
                end = min(math.ceil(float(group["hour"].quantile(high, "linear") or 24.0)), 24)
                week[int(day)] = ((float(start), float(max(end, start + 1))),)
            found[pool] = WorkingCalendar(week=dict(sorted(week.items())))
            days = ", ".join(f"{['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'][d]} "
                             f"{h[0][0]:g}-{h[0][1]:g}" for d, h in sorted(week.items()))
            self.notes.append(f"pool {pool}: working hours learned from when its events happen "
                              f"({days}; times as in the log); durations are working time")
        return found

    def assign_groups(self) -> None:
        """Tasks without a lane go to the pool of their most frequent ``org:group``."""
        self.from_groups: set[str] = set()
        if GROUP not in self.frame.columns:
            return
        groups = self.frame.drop_nulls(GROUP).group_by(ACTIVITY, GROUP).len().sort("len")
        for name, group, _ in groups.iter_rows():
            matched = self.node_of.get(name)
            if matched is not None and matched.lane is None:
                self.pool_of[matched.id] = str(group)  # most frequent group wins (sorted last)
                self.from_groups.add(matched.id)

    def with_pools(self, activities: dict[str, ActivityParams]) -> dict[str, ActivityParams]:
        """Name the group-derived pool on each such activity (lanes need no naming)."""
        for task in sorted(self.from_groups):
            activities[task] = replace(
                activities.get(task, ActivityParams()), pool=self.pool_of[task]
            )
        return activities

    def pools(self, calendars: dict[str, WorkingCalendar]) -> dict[str, PoolParams]:
        pools: dict[str, PoolParams] = {}
        has_resources = RESOURCE in self.frame.columns
        for pool in sorted(set(self.pool_of.values())):
            names = [n for n, node in self.node_of.items() if self.pool_of.get(node.id) == pool]
            people: list[str] = []
            if has_resources:
                people = sorted(
                    str(p)
                    for p in self.frame.filter(pl.col(ACTIVITY).is_in(names))[RESOURCE]
                    .drop_nulls()
                    .unique()
                    .to_list()
                )
            if not people:
                self.notes.append(f"pool {pool}: no resources in the log; one person assumed")
            pools[pool] = PoolParams(capacity=max(len(people), 1), staff=tuple(people),
                                     calendar=calendars.get(pool))
        if pools:
            advice = ("; add part-time shares by hand" if calendars else
                      ", always available; add calendars and part-time shares by hand")
            self.notes.append(
                "pools: capacity is the number of distinct people seen doing the work" + advice
            )
        return pools


def _distribution(samples: list[float], model: str) -> Distribution:
    if model == "empirical":
        ordered = sorted(samples)
        if len(ordered) > MAX_EMPIRICAL:
            step = len(ordered) / MAX_EMPIRICAL
            ordered = [ordered[math.floor(i * step)] for i in range(MAX_EMPIRICAL)]
        return Empirical(tuple(ordered))
    return Exponential(math.fsum(samples) / len(samples))


def learn_parameters(
    frame: pl.DataFrame,
    process: ProcessGraph | Definitions | Process,
    *,
    arrivals: Literal["poisson", "weekly"] = "poisson",
    durations: Literal["exponential", "empirical"] = "exponential",
    horizon_hours: float = 28 * 24.0,
    calendars: bool = False,
) -> LearnedParameters:
    """Estimate arrival rate, durations, branching and pool sizes of ``process`` from a log.

    ``frame`` has XES columns (``case:concept:name``, ``concept:name``, ``time:timestamp``;
    optionally ``lifecycle:transition``, ``org:resource``, ``org:group``). Log activities are
    matched to tasks by name, then id. With ``calendars``, each pool also gets weekly working
    hours learned from when its events happen, and durations are measured in those hours.
    """
    if isinstance(process, ProcessGraph):
        graph = process
    else:
        from civicflow.insight.simulation.bpmn import graph_from_bpmn

        graph = graph_from_bpmn(process)
    learner = _Learner(frame, graph)
    learner.assign_groups()
    hours = learner.calendars() if calendars else {}
    activities: dict[str, ActivityParams] = {}
    for name, samples in learner.durations(hours).items():
        node = learner.node_of.get(name)
        if node is not None and samples:
            activities[node.id] = ActivityParams(_distribution(samples, durations))
    activities = learner.with_pools(activities)
    pools = learner.pools(hours)
    params = SimulationParameters(
        arrivals=learner.arrivals(arrivals),
        activities=activities,
        pools=pools,
        branches=learner.branches(),
        horizon_hours=horizon_hours,
    )
    return LearnedParameters(params, tuple(learner.notes))
