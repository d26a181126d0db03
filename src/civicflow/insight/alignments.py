"""Alignments: the cheapest way to explain each variant of a (small) log with the model.

An alignment pairs each event with a model step (a synchronous move), or marks it as done
outside the model (a log move), and adds the model steps the case skipped (model moves). It is
found by a shortest-path search (Dijkstra) over (model marking, events consumed) states.
Costs are the standard ones: 10,000 for a log move or a visible model move, 1 for a silent
step (so that, among optimal explanations, the one with fewest silent steps wins), 0 for a
synchronous move. Unlike token replay, the explanation is optimal, so deviations are exact; the
cost is a search per variant, hence ``max_states``.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

from civicflow.insight import mining
from civicflow.insight.frame import EventLog
from civicflow.insight.petri import Transition, WorkflowNet, activity_key, workflow_net
from civicflow.model import Definitions

DEVIATION = 10_000  #: cost of a log move or a visible model move
SILENT = 1  #: cost of a silent model step

Marking = tuple[int, ...]


class AlignmentTooLargeError(RuntimeError):
    """The search passed ``max_states``; use token replay (``conformance.replay``) instead."""


@dataclass(frozen=True)
class Move:
    """One step of an alignment: ``activity`` on the log side, ``transition`` on the model's."""

    kind: str  #: ``sync``, ``log`` (event not explained by the model) or ``model`` (skipped)
    activity: str | None  #: the event's activity, or the skipped activity for model moves
    transition: str | None  #: the model transition's name (BPMN id based), None for log moves


@dataclass(frozen=True)
class VariantAlignment:
    activities: tuple[str, ...]
    count: int
    moves: tuple[Move, ...]  #: visible moves only (silent steps left out)
    deviations: int  #: log moves plus visible model moves
    fitness: float  #: 1 - deviations / (events + visible steps of the shortest model run)


@dataclass(frozen=True)
class AlignmentResult:
    fitness: float  #: mean alignment fitness over all cases
    variants: tuple[VariantAlignment, ...]  #: most frequent first


def align(
    log: EventLog, definitions: Definitions, process_id: str | None = None, *,
    max_states: int = 200_000,
) -> AlignmentResult:
    """Align every variant of ``log`` with a process of ``definitions``."""
    return align_net(log, workflow_net(definitions, process_id), max_states=max_states)


def align_net(log: EventLog, net: WorkflowNet, *, max_states: int = 200_000) -> AlignmentResult:
    """Align every variant of ``log`` with a workflow net."""
    shortest = _align(net, (), max_states)[1] // DEVIATION
    found: list[VariantAlignment] = []
    for variant in mining.variants(log):
        moves, cost = _align(net, variant.activities, max_states)
        deviations = cost // DEVIATION
        denominator = len(variant.activities) + shortest
        fitness = 1.0 - deviations / denominator if denominator else 1.0
        found.append(VariantAlignment(variant.activities, variant.count, moves, deviations,
                                      max(0.0, fitness)))
    cases = sum(v.count for v in found)
    mean = sum(v.fitness * v.count for v in found) / cases if cases else 1.0
    return AlignmentResult(mean, tuple(found))


def _align(net: WorkflowNet, trace: tuple[str, ...], max_states: int) -> tuple[
        tuple[Move, ...], int]:
    start = [0] * len(net.places)
    start[net.source] = 1
    final = [0] * len(net.places)
    final[net.sink] = 1
    goal = (tuple(final), len(trace))
    origin = (tuple(start), 0)
    best: dict[tuple[Marking, int], int] = {origin: 0}
    parent: dict[tuple[Marking, int], tuple[tuple[Marking, int], Move | None]] = {}
    queue: list[tuple[int, int, tuple[Marking, int]]] = [(0, 0, origin)]
    counter = 0
    while queue:
        cost, _, state = heapq.heappop(queue)
        if cost > best.get(state, cost):
            continue
        if state == goal:
            return _path(parent, state), cost
        if len(best) > max_states:
            raise AlignmentTooLargeError(
                f"Aligning a case of {len(trace)} events explored more than {max_states:,} "
                "states; use token replay for this log or model.")
        marking, position = state
        steps: list[tuple[int, tuple[Marking, int], Move | None]] = []
        event = activity_key(trace[position]) if position < len(trace) else None
        if event is not None:
            steps.append((DEVIATION, (marking, position + 1), Move("log", trace[position], None)))
        for t in net.transitions:
            if not all(marking[i] for i in t.inputs):
                continue
            after = _fire(marking, t)
            if t.label is None:
                steps.append((SILENT, (after, position), None))
            elif t.label == event:
                steps.append((0, (after, position + 1), Move("sync", trace[position], t.name)))
            else:
                steps.append((DEVIATION, (after, position), Move("model", t.label, t.name)))
        for step_cost, nxt, move in steps:
            total = cost + step_cost
            if total < best.get(nxt, total + 1):
                best[nxt] = total
                parent[nxt] = (state, move)
                counter += 1
                heapq.heappush(queue, (total, counter, nxt))
    raise AlignmentTooLargeError("The model cannot reach its end from its start; it cannot be "
                            "aligned (check that every path leads to an end event).")


def _path(parent: dict[tuple[Marking, int], tuple[tuple[Marking, int], Move | None]],
          state: tuple[Marking, int]) -> tuple[Move, ...]:
    moves: list[Move] = []
    while state in parent:
        state, move = parent[state]
        if move is not None:
            moves.append(move)
    return tuple(reversed(moves))


def _fire(marking: Marking, t: Transition) -> Marking:
    out = list(marking)
    for i in t.inputs:
        out[i] -= 1
    for o in t.outputs:
        out[o] += 1
    return tuple(out)
