"""Conformance: does the event log follow the BPMN model? Token-based replay, per case and overall.

``replay(log, definitions)`` translates the model into a workflow net (``insight.petri``),
replays each distinct variant once and weighs it by its number of cases, so a log of a million
events with a few hundred variants replays in well under a second. Fitness is the standard
``0.5 (1 - missing/consumed) + 0.5 (1 - remaining/produced)``, per case and over the whole log
(sums over all cases), as pm4py computes it; the oracle test keeps the two within 0.01.

Deviations say what a civil servant can act on, per activity:

- ``not_in_model``: the log records an activity the model does not have (inserted work).
- ``inserted``: the activity happened where the model does not allow it (not enabled, and not
  merely early: what should precede it had already happened).
- ``out_of_order``: the activity happened before an activity the model puts before it, which
  happened later in the same case.
- ``skipped``: the model expected the activity (it was due when the case ended, or it had to
  precede an activity that happened) and the case never did it.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass

import polars as pl

from civicflow.insight import mining
from civicflow.insight.frame import CASE, EventLog
from civicflow.insight.petri import NetError, WorkflowNet, workflow_net
from civicflow.insight.replay import Replayer, TraceReplay
from civicflow.model import Definitions

__all__ = [
    "ActivityDeviation",
    "ConformanceResult",
    "NetError",
    "VariantFitness",
    "replay",
    "replay_net",
]

KINDS = ("skipped", "inserted", "out_of_order", "not_in_model")


@dataclass(frozen=True)
class ActivityDeviation:
    """How often one activity deviated in one way."""

    activity: str
    kind: str  #: one of ``skipped``, ``inserted``, ``out_of_order``, ``not_in_model``
    cases: int  #: cases where it happened at least once
    times: int  #: occurrences over all cases


@dataclass(frozen=True)
class VariantFitness:
    """Replay of one variant (a distinct activity sequence) and the cases that follow it."""

    activities: tuple[str, ...]
    count: int
    fitness: float
    produced: int
    consumed: int
    missing: int
    remaining: int
    deviations: tuple[tuple[str, str], ...]  #: (activity, kind) per deviation, in order

    @property
    def fits(self) -> bool:
        """True when the model replays the sequence without missing or remaining tokens."""
        return self.missing == 0 and self.remaining == 0 and not any(
            kind == "not_in_model" for _, kind in self.deviations
        )


@dataclass(frozen=True)
class ConformanceResult:
    """Fitness of a log against a model, per variant and per case, and the deviations."""

    fitness: float  #: log fitness from the token totals over all cases (pm4py's log_fitness)
    average_case_fitness: float  #: mean of the per-case fitness values
    fitting_cases: int  #: cases replayed without any deviation
    cases: int
    variants: tuple[VariantFitness, ...]  #: most frequent first
    deviations: tuple[ActivityDeviation, ...]  #: most cases first
    #: ``case:concept:name``, ``fitness``, ``variant`` (index into ``variants``)
    case_fitness: pl.DataFrame

    def worst_cases(self, n: int) -> list[tuple[str, float, VariantFitness]]:
        """The ``n`` least fitting cases (ties by case id) with their variant's replay."""
        if n <= 0 or self.case_fitness.height == 0:
            return []
        worst = self.case_fitness.filter(pl.col("fitness") < 1.0).sort(["fitness", CASE]).head(n)
        return [(str(case), float(fit), self.variants[int(index)])
                for case, fit, index in worst.select(CASE, "fitness", "variant").iter_rows()]

    def to_json(self) -> dict[str, object]:
        """``fitness`` and ``conformance`` of ``civicflow mine --model --json`` (mining-json.md)."""
        return {"fitness": self.fitness, "conformance": {
            "average_case_fitness": self.average_case_fitness,
            "fitting_cases": self.fitting_cases,
            "cases": self.cases,
            "deviations": [
                {"activity": d.activity, "kind": d.kind, "cases": d.cases, "times": d.times}
                for d in self.deviations
            ],
        }}


_CASE_SCHEMA = {CASE: pl.String, "fitness": pl.Float64, "variant": pl.Int64}

#: What each deviation kind means, in words for reports.
DEVIATION_TEXT = {
    "skipped": "skipped (expected, never done)",
    "inserted": "done where the model does not allow it",
    "out_of_order": "done before what should precede it",
    "not_in_model": "not in the model",
}


def replay(
    log: EventLog, definitions: Definitions, process_id: str | None = None
) -> ConformanceResult:
    """Replay ``log`` on a process of ``definitions``; NetError if the model cannot be used."""
    return replay_net(log, workflow_net(definitions, process_id))


def replay_net(log: EventLog, net: WorkflowNet) -> ConformanceResult:
    """Replay ``log`` on a workflow net, each variant once."""
    per_case = mining.case_variants(log)
    if per_case.height == 0:
        empty = pl.DataFrame(schema=_CASE_SCHEMA)
        return ConformanceResult(1.0, 1.0, 0, 0, (), (), empty)
    grouped = per_case.group_by("activities", maintain_order=True).agg(pl.col(CASE))
    replayer = Replayer(net)
    explain = _Explainer(net)
    variants: list[VariantFitness] = []
    fitness_of_case: list[tuple[str, float, tuple[str, ...]]] = []
    for activities, cases in grouped.iter_rows():
        trace = tuple(activities)
        result = replayer.replay(trace)
        found = VariantFitness(trace, len(cases), result.fitness, result.produced,
                               result.consumed, result.missing, result.remaining,
                               explain.deviations(trace, result))
        variants.append(found)
        fitness_of_case.extend((case, result.fitness, trace) for case in cases)
    variants.sort(key=lambda v: (-v.count, v.activities))
    index = {v.activities: i for i, v in enumerate(variants)}
    totals = Counter[str]()
    for v in variants:
        totals.update({"p": v.produced * v.count, "c": v.consumed * v.count,
                       "m": v.missing * v.count, "r": v.remaining * v.count})
    fitness = 0.5 * (1 - totals["m"] / totals["c"]) + 0.5 * (1 - totals["r"] / totals["p"])
    cases_total = sum(v.count for v in variants)
    average = sum(v.fitness * v.count for v in variants) / cases_total
    fitting = sum(v.count for v in variants if v.fits)
    frame = pl.DataFrame([(case, fit, index[trace]) for case, fit, trace in fitness_of_case],
                         schema=_CASE_SCHEMA, orient="row")
    return ConformanceResult(fitness, average, fitting, cases_total, tuple(variants),
                             _summarise(variants), frame)


def _summarise(variants: list[VariantFitness]) -> tuple[ActivityDeviation, ...]:
    cases: Counter[tuple[str, str]] = Counter()
    times: Counter[tuple[str, str]] = Counter()
    for v in variants:
        for key, n in Counter(v.deviations).items():
            cases[key] += v.count
            times[key] += n * v.count
    rows = [ActivityDeviation(a, k, cases[(a, k)], times[(a, k)]) for a, k in cases]
    return tuple(sorted(rows, key=lambda d: (-d.cases, -d.times, d.activity, d.kind)))


class _Explainer:
    """Names deviations from token counts: which activities feed or consume a place."""

    def __init__(self, net: WorkflowNet) -> None:
        self.net = net
        self.producers: dict[int, list[int]] = {}
        self.consumers: dict[int, list[int]] = {}
        for index, t in enumerate(net.transitions):
            for o in t.outputs:
                self.producers.setdefault(o, []).append(index)
            for i in t.inputs:
                self.consumers.setdefault(i, []).append(index)
        self._before: dict[int, frozenset[str]] = {}
        self._after: dict[int, frozenset[str]] = {}

    def _labels(self, place: int, backwards: bool) -> frozenset[str]:
        """Activities that put a token in ``place`` (or take one), through silent steps."""
        memo = self._before if backwards else self._after
        if place in memo:
            return memo[place]
        edges = self.producers if backwards else self.consumers
        found: set[str] = set()
        seen = {place}
        queue = deque([place])
        while queue:
            current = queue.popleft()
            for index in edges.get(current, ()):
                t = self.net.transitions[index]
                if t.label is not None:
                    found.add(t.label)
                    continue
                for nxt in t.inputs if backwards else t.outputs:
                    if nxt not in seen:
                        seen.add(nxt)
                        queue.append(nxt)
        memo[place] = frozenset(found)
        return memo[place]

    def deviations(
        self, trace: tuple[str, ...], result: TraceReplay
    ) -> tuple[tuple[str, str], ...]:
        found: list[tuple[str, str]] = []
        done = set(trace)
        for step in result.steps:
            if not step.in_model:
                found.append((step.activity, "not_in_model"))
                continue
            if not step.missing_places:
                continue
            before: set[str] = set()
            for place in step.missing_places:
                before |= self._labels(place, backwards=True)
            later = set(trace[step.position + 1:])
            if before & later:
                found.append((step.activity, "out_of_order"))
            elif before and not before & done:
                found.extend((a, "skipped") for a in sorted(before))
            else:
                found.append((step.activity, "inserted"))
        reported = {a for a, kind in found if kind == "skipped"}
        for place in result.remaining_places:  # due at the end; once per skipped activity
            due = sorted(self._labels(place, backwards=False) - reported)
            found.extend((a, "skipped") for a in due)
            reported.update(due)
        return tuple(found)
