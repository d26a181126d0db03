"""Key performance indicators over an event log: declared in YAML/JSON, computed with polars.

Public API::

    kpi_set = load_definitions("examples/kpis/permit.yaml")
    events = read_event_frame("history.parquet")      # or any frame in the XES shape
    report = compute_kpis(events, kpi_set, by=["department"], period=Period.MONTH)

The definitions schema and the ``--json`` output are documented in ``docs/kpis.md``.
"""

from civicflow.insight.kpi.compute import compute_kpis
from civicflow.insight.kpi.definitions import (
    CostRate,
    Direction,
    KpiDefinition,
    KpiKind,
    KpiSet,
    Period,
    Statistic,
    TimeUnit,
)
from civicflow.insight.kpi.frame import (
    EventFrameError,
    prepare_event_frame,
    read_event_frame,
    read_survey_frame,
)
from civicflow.insight.kpi.results import KpiReport, KpiResult, Status, Trend
from civicflow.insight.kpi.schema import (
    KpiDefinitionError,
    Problem,
    load_definitions,
    parse_definitions,
)

__all__ = [
    "CostRate",
    "Direction",
    "EventFrameError",
    "KpiDefinition",
    "KpiDefinitionError",
    "KpiKind",
    "KpiReport",
    "KpiResult",
    "KpiSet",
    "Period",
    "Problem",
    "Statistic",
    "Status",
    "TimeUnit",
    "Trend",
    "compute_kpis",
    "load_definitions",
    "parse_definitions",
    "prepare_event_frame",
    "read_event_frame",
    "read_survey_frame",
]
