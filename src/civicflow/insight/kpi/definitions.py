"""What a KPI definition says, as frozen values; reading them from files lives in ``schema``.

The schema is documented in ``docs/kpis.md``; each field here names the key it comes from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from civicflow.calendar import BusinessCalendar


class KpiKind(StrEnum):
    """The measures CivicFlow knows how to compute (key ``type``)."""

    CYCLE_TIME = "cycle_time"  #: time from a case's first event to its completion
    SLA_COMPLIANCE = "sla_compliance"  #: share of completed cases within a business-day deadline
    THROUGHPUT = "throughput"  #: completed cases per week
    WORK_IN_PROGRESS = "work_in_progress"  #: open cases at a point in time
    BACKLOG_AGE = "backlog_age"  #: age of the open cases at a point in time
    OVERDUE = "overdue"  #: open cases past their business-day deadline at a point in time
    FIRST_TIME_RIGHT = "first_time_right"  #: share of completed cases with no repeated activity
    COST_PER_CASE = "cost_per_case"  #: activity cost rates summed over a completed case
    SATISFACTION = "satisfaction"  #: mean citizen satisfaction score of completed cases


class Direction(StrEnum):
    """Which way is better (key ``direction``)."""

    HIGHER = "higher"  #: a larger value is better (compliance, throughput, satisfaction)
    LOWER = "lower"  #: a smaller value is better (cycle time, backlog, cost)


class TimeUnit(StrEnum):
    """How a duration is expressed (key ``unit``)."""

    HOURS = "hours"  #: elapsed hours
    DAYS = "days"  #: elapsed calendar days (24 h)
    BUSINESS_DAYS = "business_days"  #: business days between the local dates (calendar)
    WORKING_HOURS = "working_hours"  #: hours inside the calendar's working hours


class Period(StrEnum):
    """How results are split over time (CLI ``--period``)."""

    WEEK = "week"  #: ISO weeks, Monday to Sunday, labelled 2026-W05
    MONTH = "month"  #: calendar months, labelled 2026-03


@dataclass(frozen=True)
class Statistic:
    """``mean`` or a percentile ``pNN`` (linear interpolation, as numpy's default)."""

    percentile: float | None = None  #: 0-100; ``None`` means the mean

    @property
    def label(self) -> str:
        """``mean`` or ``p90``."""
        if self.percentile is None:
            return "mean"
        return f"p{self.percentile:g}"


@dataclass(frozen=True)
class CostRate:
    """A cost rate; ``department``/``activity`` ``None`` match anything (key ``rates``).

    The most specific matching rate wins: department and activity, then activity, then
    department, then the default rate with neither.
    """

    department: str | None = None
    activity: str | None = None
    per_hour: float = 0.0  #: per hour of activity duration (start to complete lifecycle)
    per_event: float = 0.0  #: per performed activity (an event whose lifecycle is complete/empty)


@dataclass(frozen=True)
class KpiDefinition:
    """One KPI: what to measure, its target and which way is better."""

    id: str
    name: str
    kind: KpiKind
    direction: Direction
    target: float | None = None
    unit: TimeUnit | None = None  #: cycle_time and backlog_age
    statistic: Statistic = Statistic()  #: cycle_time, backlog_age, cost_per_case
    deadline_business_days: int | None = None  #: sla_compliance, overdue
    rates: tuple[CostRate, ...] = ()  #: cost_per_case
    attribute: str | None = None  #: satisfaction: case column holding the score
    description: str = ""

    @property
    def value_unit(self) -> str:
        """The unit a result of this KPI is expressed in, for display."""
        match self.kind:
            case KpiKind.CYCLE_TIME | KpiKind.BACKLOG_AGE:
                return str(self.unit or TimeUnit.DAYS).replace("_", " ")
            case KpiKind.SLA_COMPLIANCE | KpiKind.FIRST_TIME_RIGHT:
                return "share"
            case KpiKind.THROUGHPUT:
                return "cases/week"
            case KpiKind.WORK_IN_PROGRESS | KpiKind.OVERDUE:
                return "cases"
            case KpiKind.COST_PER_CASE:
                return "cost"
            case KpiKind.SATISFACTION:
                return "score"


DEFAULT_DIMENSIONS: Mapping[str, str] = {
    "service": "case:service",
    "department": "case:department",
    "channel": "case:channel",
}
"""Dimension name -> case column, used unless a definitions file says otherwise."""


@dataclass(frozen=True)
class KpiSet:
    """A whole definitions file: the calendar, the dimensions and the KPIs, in file order."""

    kpis: tuple[KpiDefinition, ...]
    calendar: BusinessCalendar = field(default_factory=BusinessCalendar)
    dimensions: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_DIMENSIONS))
    #: activities that complete a case; ``None``: a case completes at its last event
    end_activities: frozenset[str] | None = None
    source: str = "<definitions>"
    version: int = 1
