"""What-if scenarios: changes to a baseline, each run with the same seeds, compared by KPI.

Every scenario is run with the same seeds as the baseline (common random numbers), so differences
between scenarios come from the change, not from luckier draws.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from civicflow.insight.simulation.distributions import Distribution
from civicflow.insight.simulation.graph import Node, ProcessGraph
from civicflow.insight.simulation.parameters import (
    ActivityParams,
    SimulationParameters,
    resolve,
)
from civicflow.insight.simulation.results import RunKpis
from civicflow.insight.simulation.runner import simulate
from civicflow.insight.simulation.stats import Estimate, estimate

MAX_CAPACITY = 10_000
"""Staff per pool a simulation follows: far beyond any team, and it keeps a run in memory."""


@dataclass(frozen=True)
class CapacityChange:
    """More or fewer staff in a pool: ``delta`` people added, or ``set_to`` people in all."""

    pool: str
    delta: int = 0
    set_to: int | None = None


@dataclass(frozen=True)
class DurationChange:
    """An activity made faster or slower (``factor``), or given a new distribution."""

    activity: str
    factor: float = 1.0
    distribution: Distribution | None = None


@dataclass(frozen=True)
class ArrivalChange:
    """``factor`` times as many cases (e.g. 1.2 for a 20% rise in applications)."""

    factor: float


Change = CapacityChange | DurationChange | ArrivalChange


def _find_task(graph: ProcessGraph, key: str) -> Node:
    for node in graph.all_nodes():
        if key in (node.id, node.name):
            return node
    names = ", ".join(sorted(n.label for n in graph.tasks()))
    raise ValueError(f"scenario: no activity {key!r} in the process; activities: {names}")


@dataclass(frozen=True)
class Scenario:
    """A named set of changes; the baseline has none."""

    name: str
    changes: tuple[Change, ...] = ()
    description: str = ""

    def apply(self, params: SimulationParameters, graph: ProcessGraph) -> SimulationParameters:
        """The baseline ``params`` with this scenario's changes made."""
        result = params
        for change in self.changes:
            if isinstance(change, CapacityChange):
                pools = resolve(result, graph).pools
                if change.pool not in pools:
                    raise ValueError(
                        f"scenario {self.name}: no resource pool {change.pool!r}; "
                        f"pools: {', '.join(sorted(pools)) or 'none'}"
                    )
                pool = pools[change.pool]
                capacity = change.set_to if change.set_to is not None else pool.capacity
                capacity += change.delta
                if capacity < 1:
                    raise ValueError(
                        f"scenario {self.name}: pool {change.pool} would have no staff"
                    )
                if capacity > MAX_CAPACITY:
                    raise ValueError(
                        f"scenario {self.name}: pool {change.pool} would have {capacity:,} "
                        f"staff; a simulation follows at most {MAX_CAPACITY:,} per pool"
                    )
                result = result.with_pool(change.pool, replace(pool, capacity=capacity))
            elif isinstance(change, DurationChange):
                node = _find_task(graph, change.activity)
                key = node.id if node.id in result.activities else node.name or node.id
                current = result.activities.get(key) or ActivityParams()
                resolved = resolve(result, graph).tasks.get(node.id)
                if resolved is None:
                    raise ValueError(
                        f"scenario {self.name}: {node.label} is a {node.kind.value} node, "
                        "not a task with a duration"
                    )
                base = resolved.duration
                new = change.distribution or base
                result = result.with_activity(
                    key, replace(current, duration=new.scaled(change.factor))
                )
            else:
                result = replace(result, arrivals=result.arrivals.scaled(change.factor))
        return result


BASELINE = Scenario("baseline", description="the parameters as given")

_INLINE = re.compile(r"^\s*(?P<target>.+?)\s*(?P<op>[-+*=])\s*(?P<number>\d+(?:\.\d+)?)\s*$")


def parse_scenario(text: str) -> Scenario:
    """A one-change scenario written inline, as on the command line.

    ``Zoning+2`` / ``Zoning-1`` / ``Zoning=5``: staff in a pool; ``Review application*0.8``:
    an activity's durations scaled; ``arrivals*1.25``: 25% more cases.
    """
    match = _INLINE.match(text)
    if match is None:
        raise ValueError(
            f"scenario {text!r}: write POOL+N, POOL-N, POOL=N, ACTIVITY*FACTOR or arrivals*FACTOR"
        )
    target, op, number = match["target"], match["op"], match["number"]
    if target[-1] in "-+*=":
        raise ValueError(
            f"scenario {text!r}: one operator and a number without a sign, such as "
            f"{target[:-1].strip()}-2, {target[:-1].strip()}+2 or arrivals*0.8"
        )
    change: Change
    if op == "*":
        factor = float(number)
        if factor <= 0:
            raise ValueError(f"scenario {text!r}: the factor must be above 0, such as 0.8 or 1.25")
        change = (
            ArrivalChange(factor)
            if target.casefold() == "arrivals"
            else DurationChange(target, factor=factor)
        )
    else:
        if "." in number:
            raise ValueError(f"scenario {text!r}: staff numbers are whole numbers")
        count = int(number)
        change = (
            CapacityChange(target, set_to=count)
            if op == "="
            else CapacityChange(target, delta=count if op == "+" else -count)
        )
    return Scenario(text.strip(), (change,))


@dataclass(frozen=True)
class ScenarioResult:
    """One scenario's KPIs over all its runs."""

    scenario: Scenario
    runs: tuple[RunKpis, ...]
    estimates: dict[str, Estimate] = field(default_factory=dict)


def _finite(value: float) -> float | None:
    return None if math.isnan(value) else value


@dataclass(frozen=True)
class Comparison:
    """Every scenario's result, baseline first, and what the parameters left to assumption."""

    results: tuple[ScenarioResult, ...]
    seeds: tuple[int, ...]
    notes: tuple[str, ...]

    def metric_names(self) -> list[str]:
        """Metric names in first-seen order across scenarios."""
        names: dict[str, None] = {}
        for result in self.results:
            names.update(dict.fromkeys(result.estimates))
        return list(names)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view: ``{"seeds", "notes", "scenarios": [{name, metrics: {m: {...}}}]}``.

        Values that do not exist (no interval from one run, no finished case) are None.
        """
        return {
            "seeds": list(self.seeds),
            "notes": list(self.notes),
            "scenarios": [
                {
                    "name": r.scenario.name,
                    "description": r.scenario.description,
                    "metrics": {
                        name: {
                            "mean": _finite(e.mean),
                            "low": _finite(e.low),
                            "high": _finite(e.high),
                            "runs": e.runs,
                        }
                        for name, e in r.estimates.items()
                    },
                }
                for r in self.results
            ],
        }


def compare(
    graph: ProcessGraph,
    params: SimulationParameters,
    scenarios: Sequence[Scenario] = (),
    *,
    runs: int = 10,
    seed: int = 0,
) -> Comparison:
    """Run the baseline and each scenario ``runs`` times (seeds ``seed``...) and summarise."""
    if runs < 1:
        raise ValueError("simulation: runs must be at least 1")
    seeds = tuple(range(seed, seed + runs))
    notes = resolve(params, graph).notes
    results: list[ScenarioResult] = []
    for scenario in (BASELINE, *scenarios):
        scenario_params = scenario.apply(params, graph)
        kpis = tuple(simulate(graph, scenario_params, s).kpis() for s in seeds)
        metrics: dict[str, list[float]] = {}
        for run in kpis:
            for name, value in run.metrics().items():
                metrics.setdefault(name, []).append(value)
        estimates = {name: estimate(values) for name, values in metrics.items()}
        results.append(ScenarioResult(scenario, kpis, estimates))
    return Comparison(tuple(results), seeds, notes)
