"""KPI results as values: status against target, trend against the previous period.

``to_dict`` is the ``civicflow kpi --json`` contract, documented in ``docs/kpis.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from civicflow.insight.kpi.definitions import Direction, KpiKind, Period

GroupKey = tuple[tuple[str, str], ...]


class Status(StrEnum):
    """How a value compares with its target."""

    MET = "met"  #: at or beyond the target in the better direction
    MISSED = "missed"  #: on the wrong side of the target
    NO_TARGET = "no target"  #: the definition sets no target
    NO_DATA = "no data"  #: no case to measure in this group and period


class Trend(StrEnum):
    """How a value moved since the previous period, judged by the KPI's direction."""

    BETTER = "better"  #: moved in the better direction
    WORSE = "worse"  #: moved in the worse direction
    UNCHANGED = "unchanged"  #: the same value as the previous period


@dataclass(frozen=True)
class KpiResult:
    """One KPI's value for one group (e.g. department=Zoning) and period (or overall)."""

    kpi_id: str
    name: str
    kind: KpiKind
    unit: str
    direction: Direction
    target: float | None
    group: GroupKey  #: (dimension, value) pairs; empty for all cases
    period: str | None  #: 2026-W05 or 2026-03; ``None`` for the whole log
    value: float | None
    cases: int  #: cases the value is computed over
    previous: float | None = None  #: the value in the previous period
    change: float | None = None  #: value minus previous
    trend: Trend | None = None
    status: Status = Status.NO_DATA
    note: str = ""

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready mapping (the ``--json`` contract, see ``docs/kpis.md``)."""
        return {
            "id": self.kpi_id,
            "name": self.name,
            "type": self.kind.value,
            "unit": self.unit,
            "direction": self.direction.value,
            "target": self.target,
            "group": dict(self.group),
            "period": self.period,
            "value": self.value,
            "cases": self.cases,
            "previous": self.previous,
            "change": self.change,
            "trend": None if self.trend is None else self.trend.value,
            "status": self.status.value,
            "note": self.note,
        }


@dataclass(frozen=True)
class KpiReport:
    """All results of one computation, with what they were computed over."""

    as_of: datetime
    by: tuple[str, ...]
    period: Period | None
    cases: int
    events: int
    results: tuple[KpiResult, ...]

    def latest(self, periods: int) -> KpiReport:
        """The same report keeping only the last ``periods`` periods (trends stay as computed)."""
        labels = sorted({r.period for r in self.results if r.period is not None})
        if periods <= 0 or len(labels) <= periods:
            return self
        kept = set(labels[-periods:])
        return replace(self, results=tuple(r for r in self.results if r.period in kept))

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready mapping (the ``--json`` contract, see ``docs/kpis.md``)."""
        return {
            "as_of": self.as_of.isoformat(),
            "by": list(self.by),
            "period": None if self.period is None else self.period.value,
            "cases": self.cases,
            "events": self.events,
            "results": [result.to_dict() for result in self.results],
        }
