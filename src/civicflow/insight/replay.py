"""Token-based replay of one activity sequence on a workflow net (the engine of conformance).

The replay fires the transition of each activity in turn. When it is not enabled, it first
looks for the shortest sequence of silent transitions that enables it (breadth-first over the
markings silent steps reach, bounded); if none does, it takes the reachable marking that lacks
the fewest tokens and adds the missing ones. At the end it fires silent transitions towards the
sink the same way. Produced, consumed, missing and remaining tokens are counted as in
Rozinat & van der Aalst's token replay, as pm4py does, so fitness figures can be compared.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from civicflow.insight.petri import Transition, WorkflowNet, activity_key

Marking = tuple[int, ...]

MAX_SILENT_STATES = 2000  #: markings explored per search for silent steps (bounds the cost)


@dataclass(frozen=True, slots=True)
class Step:
    """How one event of the sequence replayed."""

    activity: str
    position: int
    missing_places: tuple[int, ...] = ()  #: places that lacked a token (empty when it fitted)
    in_model: bool = True


@dataclass(frozen=True, slots=True)
class TraceReplay:
    """Token counts of one activity sequence, and where it went wrong."""

    produced: int
    consumed: int
    missing: int
    remaining: int
    steps: tuple[Step, ...]
    remaining_places: tuple[int, ...]  #: places still marked at the end (sink excepted)

    @property
    def fitness(self) -> float:
        """0.5 (1 - missing/consumed) + 0.5 (1 - remaining/produced); 1.0 when it fits."""
        if self.consumed == 0 or self.produced == 0:
            return 1.0
        return 0.5 * (1 - self.missing / self.consumed) + 0.5 * (
            1 - self.remaining / self.produced
        )


class Replayer:
    """Replays sequences on one net; caches silent-step searches between sequences."""

    def __init__(self, net: WorkflowNet) -> None:
        self.net = net
        self.silent = tuple(t for t in net.transitions if t.label is None)
        self.by_label: dict[str, list[Transition]] = {}
        for t in net.transitions:
            if t.label is not None:
                self.by_label.setdefault(t.label, []).append(t)
        self._towards: dict[tuple[int, ...], dict[int, tuple[Transition, ...]]] = {}
        self._cache: dict[tuple[Marking, str], tuple[Marking, int, int, Transition]] = {}
        self._end_cache: dict[Marking, tuple[Marking, int, int]] = {}

    def replay(self, activities: Sequence[str]) -> TraceReplay:
        """Replay one sequence of activity names from the initial marking."""
        net = self.net
        marking = [0] * len(net.places)
        marking[net.source] = 1
        state: Marking = tuple(marking)
        produced, consumed, missing = 1, 0, 0
        steps: list[Step] = []
        for position, activity in enumerate(activities):
            key = activity_key(activity)
            if key not in self.by_label:
                steps.append(Step(activity, position, in_model=False))
                continue
            state, c, p, transition = self._enable(state, key)
            consumed += c
            produced += p
            lacking = tuple(i for i in transition.inputs if state[i] == 0)
            missing += len(lacking)
            consumed += len(transition.inputs)
            produced += len(transition.outputs)
            state = _fire(state, transition, force=True)
            steps.append(Step(activity, position, lacking))
        state, c, p = self._finish(state)
        consumed += c + 1
        produced += p
        sink = net.sink
        if state[sink] == 0:
            missing += 1
        remaining = sum(state) - min(state[sink], 1)
        left = tuple(i for i, n in enumerate(state) if n and i != sink)
        return TraceReplay(produced, consumed, missing, remaining, tuple(steps), left)

    def _enable(self, state: Marking, activity: str) -> tuple[Marking, int, int, Transition]:
        """The marking ``activity`` fires from, the silent tokens spent, and its transition."""
        key = (state, activity)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        candidates = self.by_label[activity]

        def lack(m: Marking) -> int:
            return min(sum(1 for i in t.inputs if m[i] == 0) for t in candidates)

        goal = tuple(sorted({i for t in candidates for i in t.inputs}))
        best, c, p = self._search(state, lack, goal)
        chosen = min(candidates, key=lambda t: sum(1 for i in t.inputs if best[i] == 0))
        result = (best, c, p, chosen)
        self._cache[key] = result
        return result

    def _finish(self, state: Marking) -> tuple[Marking, int, int]:
        cached = self._end_cache.get(state)
        if cached is not None:
            return cached
        sink = self.net.sink

        def distance(m: Marking) -> int:
            return (m[sink] == 0) + sum(m) - min(m[sink], 1)

        result = self._search(state, distance, (sink,))
        self._end_cache[state] = result
        return result

    def towards(self, places: tuple[int, ...]) -> dict[int, tuple[Transition, ...]]:
        """Silent transitions from which a token can flow silently into one of ``places``,
        by their first input place.

        Only these can help, so the search ignores the others (which would only interleave);
        a transition can fire only when its first input place is marked, so the search looks
        at the transitions of marked places only.
        """
        found = self._towards.get(places)
        if found is not None:
            return found
        producers: dict[int, list[Transition]] = {}
        for t in self.silent:
            for o in t.outputs:
                producers.setdefault(o, []).append(t)
        useful: dict[str, Transition] = {}
        seen = set(places)
        queue = deque(places)
        while queue:
            for t in producers.get(queue.popleft(), ()):
                if t.name not in useful:
                    useful[t.name] = t
                    for i in t.inputs:
                        if i not in seen:
                            seen.add(i)
                            queue.append(i)
        by_place: dict[int, list[Transition]] = {}
        for t in self.silent:
            if t.name in useful and t.inputs:
                by_place.setdefault(t.inputs[0], []).append(t)
        found = {place: tuple(ts) for place, ts in by_place.items()}
        self._towards[places] = found
        return found

    def _search(
        self, state: Marking, cost: Callable[[Marking], int], goal: tuple[int, ...]
    ) -> tuple[Marking, int, int]:
        """Breadth-first over silent firings: the marking of least cost, fewest steps first."""
        silent = self.towards(goal)
        best = state
        best_cost = cost(state)
        best_tokens = (0, 0)
        if best_cost == 0:
            return state, 0, 0
        seen = {state}
        queue: deque[tuple[Marking, int, int]] = deque([(state, 0, 0)])
        while queue and len(seen) < MAX_SILENT_STATES:
            current, consumed, produced = queue.popleft()
            for t in [t for i, n in enumerate(current) if n and i in silent
                      for t in silent[i]]:
                if all(current[i] for i in t.inputs):
                    nxt = _fire(current, t)
                    if nxt in seen:
                        continue
                    seen.add(nxt)
                    c = consumed + len(t.inputs)
                    p = produced + len(t.outputs)
                    value = cost(nxt)
                    if value < best_cost:
                        best, best_cost, best_tokens = nxt, value, (c, p)
                        if value == 0:
                            return best, c, p
                    queue.append((nxt, c, p))
        return best, best_tokens[0], best_tokens[1]


def _fire(state: Marking, t: Transition, *, force: bool = False) -> Marking:
    marking = list(state)
    for i in t.inputs:
        if marking[i] > 0:
            marking[i] -= 1
        elif not force:
            raise ValueError(t.name)
    for o in t.outputs:
        marking[o] += 1
    return tuple(marking)
