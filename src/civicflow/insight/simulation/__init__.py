"""What-if simulation of processes: arrivals, durations, staff pools, calendars and scenarios.

Typical use::

    graph = graph_from_bpmn(parse_bpmn(path))          # or a ProcessGraph built by hand
    params = load_parameters("params.yaml")
    comparison = compare(graph, params, [Scenario("more staff",
                         (CapacityChange("Zoning", delta=2),))], runs=10)

See ``docs/simulation.md`` for the parameter file format and the token rules.
"""

from civicflow.insight.simulation.builder import GraphBuilder
from civicflow.insight.simulation.calendars import (
    CalendarArrivals,
    PoissonArrivals,
    WorkingCalendar,
)
from civicflow.insight.simulation.distributions import (
    Distribution,
    Empirical,
    Exponential,
    Fixed,
    LogNormal,
    Normal,
    Triangular,
)
from civicflow.insight.simulation.graph import Flow, Marker, Node, NodeKind, ProcessGraph
from civicflow.insight.simulation.parameters import (
    ActivityParams,
    PoolParams,
    SimulationParameters,
)
from civicflow.insight.simulation.results import LogEvent, RunKpis, RunResult
from civicflow.insight.simulation.runner import simulate
from civicflow.insight.simulation.scenarios import (
    ArrivalChange,
    CapacityChange,
    Comparison,
    DurationChange,
    Scenario,
    ScenarioResult,
    compare,
    parse_scenario,
)
from civicflow.insight.simulation.stats import Estimate, estimate

__all__ = [
    "ActivityParams",
    "ArrivalChange",
    "CalendarArrivals",
    "CapacityChange",
    "Comparison",
    "Distribution",
    "DurationChange",
    "Empirical",
    "Estimate",
    "Exponential",
    "Fixed",
    "Flow",
    "GraphBuilder",
    "LogEvent",
    "LogNormal",
    "Marker",
    "Node",
    "NodeKind",
    "Normal",
    "PoissonArrivals",
    "PoolParams",
    "ProcessGraph",
    "RunKpis",
    "RunResult",
    "Scenario",
    "ScenarioResult",
    "SimulationParameters",
    "Triangular",
    "WorkingCalendar",
    "compare",
    "estimate",
    "parse_scenario",
    "simulate",
]
