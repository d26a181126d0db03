"""What-if simulation of processes: arrivals, durations, staff pools, calendars and scenarios.

Typical use::

    graph = graph_from_bpmn(parse_bpmn(path))          # or a ProcessGraph built by hand
    file = load_parameters("params.yaml")              # or learn_parameters(log.frame, graph)
    comparison = compare(graph, file.params, [parse_scenario("Zoning+2")], runs=10)
    log = simulate(graph, file.params, seed=1, record_log=True).event_log()

See ``docs/simulation.md`` for the parameter file format and the token rules.
"""

from civicflow.insight.simulation.bpmn import graph_from_bpmn
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
from civicflow.insight.simulation.learn import LearnedParameters, learn_parameters
from civicflow.insight.simulation.parameters import (
    ActivityParams,
    PoolParams,
    SimulationParameters,
)
from civicflow.insight.simulation.params_file import (
    ParameterFile,
    ParameterFileError,
    load_parameters,
    read_parameters,
)
from civicflow.insight.simulation.params_write import dump_parameters
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
    "LearnedParameters",
    "LogEvent",
    "LogNormal",
    "Marker",
    "Node",
    "NodeKind",
    "Normal",
    "ParameterFile",
    "ParameterFileError",
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
    "dump_parameters",
    "estimate",
    "graph_from_bpmn",
    "learn_parameters",
    "load_parameters",
    "parse_scenario",
    "read_parameters",
    "simulate",
]
