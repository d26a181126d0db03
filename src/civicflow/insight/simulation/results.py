"""What one run produces: raw observations, its KPIs, and (optionally) its event log."""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    import polars as pl

HOUR = 3_600.0
DAY = 86_400.0


class LogEvent(NamedTuple):
    """One simulated event: ``time_s`` seconds after the run's origin."""

    case: str
    activity: str
    time_s: float
    lifecycle: str  #: "start" or "complete"
    resource: str | None  #: the staff member; None for automated tasks
    group: str | None  #: the pool (lane, department); None for automated tasks


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-quantile (0..1), interpolating between order statistics; NaN if empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values) if values else math.nan


@dataclass(frozen=True)
class RunKpis:
    """The figures a department compares between scenarios; times in hours."""

    cycle_time_mean_h: float
    cycle_time_median_h: float
    cycle_time_p90_h: float
    throughput_per_day: float  #: cases finished per calendar day after the warm-up
    wip_at_end: int  #: cases still open when the clock stopped (the backlog)
    completed: int
    waiting_mean_h: Mapping[str, float]  #: activity -> mean wait for a free staff member
    utilisation: Mapping[str, float]  #: pool -> busy share of the staff's working time

    def metrics(self) -> dict[str, float]:
        """Flat name -> value view, the unit of comparison across runs and scenarios."""
        flat: dict[str, float] = {
            "cycle_time_mean_h": self.cycle_time_mean_h,
            "cycle_time_median_h": self.cycle_time_median_h,
            "cycle_time_p90_h": self.cycle_time_p90_h,
            "throughput_per_day": self.throughput_per_day,
            "wip_at_end": float(self.wip_at_end),
        }
        flat.update({f"waiting_mean_h[{k}]": v for k, v in self.waiting_mean_h.items()})
        flat.update({f"utilisation[{k}]": v for k, v in self.utilisation.items()})
        return flat


@dataclass(frozen=True)
class RunResult:
    """Observations of one replication; ``kpis`` and ``event_log`` derive the rest."""

    seed: int
    origin: datetime
    horizon_s: float
    warmup_s: float
    cases_started: int
    cycle_times_s: tuple[float, ...]  #: completed cases that arrived after the warm-up
    completed_in_window: int
    wip_at_end: int
    waits_s: Mapping[str, tuple[float, ...]]  #: activity label -> waits (measured cases)
    services_s: Mapping[str, tuple[float, ...]]  #: activity label -> elapsed service times
    utilisation: Mapping[str, float]
    log: tuple[LogEvent, ...]
    notes: tuple[str, ...]

    def kpis(self) -> RunKpis:
        """This run's KPIs."""
        cycle_h = [value / HOUR for value in self.cycle_times_s]
        window_days = (self.horizon_s - self.warmup_s) / DAY
        return RunKpis(
            cycle_time_mean_h=_mean(cycle_h),
            cycle_time_median_h=statistics.median(cycle_h) if cycle_h else math.nan,
            cycle_time_p90_h=percentile(cycle_h, 0.9),
            throughput_per_day=self.completed_in_window / window_days,
            wip_at_end=self.wip_at_end,
            completed=len(cycle_h),
            waiting_mean_h={k: _mean(v) / HOUR for k, v in sorted(self.waits_s.items())},
            utilisation=dict(sorted(self.utilisation.items())),
        )

    def event_log(self, *, case_prefix: str = "") -> pl.DataFrame:
        """The run's events as a frame with XES columns (needs ``record_log=True``)."""
        from civicflow.insight.simulation.eventlog import to_frame

        return to_frame(self.log, self.origin, case_prefix=case_prefix)
