"""Discovery: a process model from an event log, by the inductive miner (Leemans et al.).

The inductive miner splits the log recursively by the strongest cut it finds in the
directly-follows graph (exclusive choice, sequence, parallel, loop) and falls through to a
"flower" (any order, any number of times) when none fits. Because each cut splits the log so
that every trace stays replayable, the model it returns fits its log perfectly (fitness 1.0);
the cost is some generality where the log is unstructured. The result is a process tree
(:class:`Tree`); ``insight.discovery_bpmn`` turns it into BPMN with a diagram.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from civicflow.insight import mining
from civicflow.insight.frame import EventLog

if TYPE_CHECKING:
    from civicflow.model import Definitions

Trace = tuple[str, ...]
SubLog = Counter[Trace]  #: distinct traces and how often each occurs

SEQUENCE = "sequence"
XOR = "xor"
PARALLEL = "parallel"
LOOP = "loop"  #: children[0] is the body (do), the others are redo parts


@dataclass(frozen=True)
class Tree:
    """A process tree node: an activity leaf (``label``), a silent leaf, or an operator."""

    operator: str | None = None  #: sequence, xor, parallel, loop; None for a leaf
    children: tuple[Tree, ...] = ()
    label: str | None = None  #: the activity of a leaf; None with no operator = silent step

    @property
    def is_silent(self) -> bool:
        return self.operator is None and self.label is None


TAU = Tree()


def discover_tree(log: EventLog) -> Tree:
    """The inductive miner's process tree of ``log`` (every event counts, in case order)."""
    return mine_traces(Counter({v.activities: v.count for v in mining.variants(log)}))


def mine_traces(traces: SubLog) -> Tree:
    """The inductive miner on a multiset of traces."""
    empty = traces.get((), 0)
    rest: SubLog = Counter({t: n for t, n in traces.items() if t})
    if not rest:
        return TAU
    if empty:
        return _xor([TAU, mine_traces(rest)])
    alphabet = {a for t in rest for a in t}
    if len(alphabet) == 1:
        (activity,) = alphabet
        leaf = Tree(label=activity)
        if all(len(t) == 1 for t in rest):
            return leaf
        return Tree(LOOP, (leaf, TAU))
    found = _cut(rest)
    if found is not None:
        operator, sublogs = found
        return _operator(operator, [mine_traces(s) for s in sublogs])
    return _fall_through(rest, alphabet)


def _cut(traces: SubLog) -> tuple[str, list[SubLog]] | None:
    """The first cut of the directly-follows graph that holds, and the split sub-logs."""
    dfg = _Dfg(traces)
    for operator, cut, split in ((XOR, dfg.xor_cut, _split_xor),
                                 (SEQUENCE, dfg.sequence_cut, _split_sequence),
                                 (PARALLEL, dfg.parallel_cut, _split_parallel),
                                 (LOOP, dfg.loop_cut, _split_loop)):
        parts = cut()
        if parts is not None:
            return operator, split(traces, parts)
    return None


def _fall_through(traces: SubLog, alphabet: set[str]) -> Tree:
    """When no cut holds: the fall-throughs of the inductive miner, in its order, then a flower.

    Each one splits the log exactly (every trace stays replayable), so fitness stays perfect.
    """
    for activity in sorted(alphabet):  # activity once per trace: concurrent with the rest
        if all(t.count(activity) == 1 for t in traces):
            rest = _without(traces, {activity})
            return _operator(PARALLEL, [Tree(label=activity), mine_traces(rest)])
    for activity in sorted(alphabet):  # activity concurrent: removing it reveals a cut
        rest = _without(traces, {activity})
        if _cut(Counter({t: n for t, n in rest.items() if t})) is not None:
            alone = _without(traces, alphabet - {activity})
            return _operator(PARALLEL, [mine_traces(alone), mine_traces(rest)])
    dfg = _Dfg(traces)
    for strict in (True, False):  # (strict) tau loop: cut traces where they restart
        pieces: SubLog = Counter()
        for trace, n in traces.items():
            start = 0
            for i in range(1, len(trace)):
                restart = trace[i] in dfg.starts and (not strict or trace[i - 1] in dfg.ends)
                if restart:
                    pieces[trace[start:i]] += n
                    start = i
            pieces[trace[start:]] += n
        if sum(pieces.values()) > sum(traces.values()):
            return Tree(LOOP, (mine_traces(pieces), TAU))
    return _flower(alphabet)


def _without(traces: SubLog, activities: set[str]) -> SubLog:
    kept: SubLog = Counter()
    for trace, n in traces.items():
        kept[tuple(a for a in trace if a not in activities)] += n
    return kept


def _xor(children: list[Tree]) -> Tree:
    return _operator(XOR, children)


def _operator(operator: str, children: list[Tree]) -> Tree:
    flat: list[Tree] = []
    for child in children:  # xor(a, xor(b, c)) -> xor(a, b, c), same for sequence and parallel
        if child.operator == operator and operator != LOOP:
            flat.extend(child.children)
        else:
            flat.append(child)
    return Tree(operator, tuple(flat))


def _flower(alphabet: Iterable[str]) -> Tree:
    """Any of the activities, in any order, any number of times (the fall-through)."""
    leaves = [Tree(label=a) for a in sorted(alphabet)]
    return Tree(LOOP, (TAU, leaves[0] if len(leaves) == 1 else Tree(XOR, tuple(leaves))))


class _Dfg:
    """Directly-follows relation of a sub-log, with the cuts read from it."""

    def __init__(self, traces: SubLog) -> None:
        self.edges: set[tuple[str, str]] = set()
        self.starts: set[str] = set()
        self.ends: set[str] = set()
        self.nodes: list[str] = sorted({a for t in traces for a in t})
        for trace in traces:
            self.starts.add(trace[0])
            self.ends.add(trace[-1])
            self.edges.update(itertools.pairwise(trace))
        self.succ: dict[str, set[str]] = {a: set() for a in self.nodes}
        self.pred: dict[str, set[str]] = {a: set() for a in self.nodes}
        for a, b in self.edges:
            self.succ[a].add(b)
            self.pred[b].add(a)
        self._reach: dict[str, set[str]] | None = None

    @property
    def reach(self) -> dict[str, set[str]]:
        """Activities reachable from each activity by one or more edges."""
        if self._reach is None:
            reach: dict[str, set[str]] = {}
            for a in self.nodes:
                seen: set[str] = set()
                stack = list(self.succ[a])
                while stack:
                    b = stack.pop()
                    if b not in seen:
                        seen.add(b)
                        stack.extend(self.succ[b])
                reach[a] = seen
            self._reach = reach
        return self._reach

    def xor_cut(self) -> list[set[str]] | None:
        """Parts not connected to each other at all."""
        neighbours = {a: self.succ[a] | self.pred[a] for a in self.nodes}
        parts = _components(self.nodes, neighbours)
        return parts if len(parts) > 1 else None

    def sequence_cut(self) -> list[set[str]] | None:
        """Ordered parts: each reaches every later one and none reaches back."""
        reach = self.reach
        # union activities that reach each other (a cycle) or where neither reaches the other
        root = {a: a for a in self.nodes}

        def find(a: str) -> str:
            while root[a] != a:
                root[a] = root[root[a]]
                a = root[a]
            return a

        for i, a in enumerate(self.nodes):
            for b in self.nodes[i + 1:]:
                if (b in reach[a]) == (a in reach[b]):
                    root[find(a)] = find(b)
        by_root: dict[str, set[str]] = {}
        for a in self.nodes:
            by_root.setdefault(find(a), set()).add(a)
        groups = list(by_root.values())
        if len(groups) < 2:
            return None
        groups.sort(key=lambda g: -len(set().union(*(reach[x] for x in g)) - g))
        for i, first in enumerate(groups):
            for later in groups[i + 1:]:
                for a in first:
                    for b in later:
                        if b not in reach[a] or a in reach[b]:
                            return None
        return self._strict(groups)

    def _strict(self, groups: list[set[str]]) -> list[set[str]]:
        """IMf's strict sequence cut: parts that are skipped together become one part.

        Where the graph jumps over part ``p`` (an edge from before it to after it, a start
        activity after it or an end activity before it), ``p`` is optional; neighbours whose
        edges do not reach past ``p`` are merged into it, so the model says "skip these
        together" rather than letting each be skipped on its own.
        """
        n = len(groups)
        where = {a: i for i, g in enumerate(groups) for a in g}
        lowest_in = [-1 if g & self.starts else n for g in groups]
        highest_out = [n if g & self.ends else -1 for g in groups]
        for a, b in self.edges:
            lowest_in[where[b]] = min(lowest_in[where[b]], where[a])
            highest_out[where[a]] = max(highest_out[where[a]], where[b])
        merged = [set(g) for g in groups]
        for p in range(n):
            if not self._skippable(p, groups, where):
                continue
            q = p - 1
            while q >= 0 and highest_out[q] <= p:
                merged[p] |= merged[q]
                merged[q] = set()
                q -= 1
            q = p + 1
            while q < n and lowest_in[q] >= p:
                merged[p] |= merged[q]
                merged[q] = set()
                q += 1
        return [g for g in merged if g]

    def _skippable(self, p: int, groups: list[set[str]], where: dict[str, int]) -> bool:
        if any(where[a] < p < where[b] for a, b in self.edges):
            return True
        if any(a in self.starts for g in groups[p + 1:] for a in g):
            return True
        return any(a in self.ends for g in groups[:p] for a in g)

    def parallel_cut(self) -> list[set[str]] | None:
        """Parts where every activity directly follows and precedes every activity of the others."""
        apart = {
            a: {b for b in self.nodes if b != a and not ((a, b) in self.edges and (b, a)
                                                         in self.edges)}
            for a in self.nodes
        }
        parts = _components(self.nodes, apart)
        good = [p for p in parts if p & self.starts and p & self.ends]
        bad = [p for p in parts if not (p & self.starts and p & self.ends)]
        if not good:
            return None
        for p in bad:  # a part with no start or no end activity cannot run on its own
            good[0] |= p
        return good if len(good) > 1 else None

    def loop_cut(self) -> list[set[str]] | None:
        """A body holding the start and end activities, and redo parts leading back to it."""
        body = self.starts | self.ends
        others = [a for a in self.nodes if a not in body]
        if not others:
            return None
        neighbours = {a: (self.succ[a] | self.pred[a]) - body for a in others}
        redo: list[set[str]] = []
        for part in _components(others, neighbours):
            enters_from_end = all(
                p in self.ends for a in part for p in self.pred[a] if p not in part
            )
            leaves_to_start = all(
                s in self.starts for a in part for s in self.succ[a] if s not in part
            )
            complete = all(
                a in self.succ[e] for e in self.ends for a in part if self.pred[a] & self.ends
            ) and all(
                s in self.succ[a] for a in part for s in self.starts if self.succ[a] & self.starts
            )
            touches = any(self.pred[a] & self.ends for a in part) and any(
                self.succ[a] & self.starts for a in part)
            if enters_from_end and leaves_to_start and complete and touches:
                redo.append(part)
            else:
                body |= part
        if not redo:
            return None
        return [body, *redo]


def _components(nodes: Sequence[str], neighbours: dict[str, set[str]]) -> list[set[str]]:
    seen: set[str] = set()
    parts: list[set[str]] = []
    for a in nodes:
        if a in seen:
            continue
        part = {a}
        stack = [a]
        seen.add(a)
        while stack:
            for b in neighbours[stack.pop()]:
                if b not in seen:
                    seen.add(b)
                    part.add(b)
                    stack.append(b)
        parts.append(part)
    return parts


def _split_xor(traces: SubLog, parts: list[set[str]]) -> list[SubLog]:
    logs: list[SubLog] = [Counter() for _ in parts]
    for trace, n in traces.items():
        best = max(range(len(parts)), key=lambda i: sum(a in parts[i] for a in trace))
        logs[best][tuple(a for a in trace if a in parts[best])] += n
    return logs


def _split_sequence(traces: SubLog, parts: list[set[str]]) -> list[SubLog]:
    return _split_parallel(traces, parts)


def _split_parallel(traces: SubLog, parts: list[set[str]]) -> list[SubLog]:
    logs: list[SubLog] = [Counter() for _ in parts]
    for trace, n in traces.items():
        for i, part in enumerate(parts):
            logs[i][tuple(a for a in trace if a in part)] += n
    return logs


def _split_loop(traces: SubLog, parts: list[set[str]]) -> list[SubLog]:
    logs: list[SubLog] = [Counter() for _ in parts]
    where = {a: i for i, part in enumerate(parts) for a in part}
    for trace, n in traces.items():
        current: list[str] = []
        index = 0
        for a in trace:
            if where[a] != index:
                logs[index][tuple(current)] += n
                if index != 0 and where[a] != 0:  # redo directly after redo: empty body run
                    logs[0][()] += n
                current, index = [], where[a]
            current.append(a)
        logs[index][tuple(current)] += n
    return logs


def discover_bpmn(log: EventLog, *, name: str = "Discovered process") -> Definitions:
    """The inductive miner's model of ``log`` as BPMN, with a left-to-right diagram."""
    from civicflow.insight.discovery_bpmn import tree_to_bpmn

    return tree_to_bpmn(discover_tree(log), name=name)
