"""Write parameters as a YAML parameter file (e.g. to keep and edit what was learned from a log).

The output reads back with ``params_file.read_parameters`` into equal parameters; durations are
written in hours, the default unit, so the file stays readable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from civicflow.insight.simulation.calendars import (
    WEEKDAYS,
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
from civicflow.insight.simulation.parameters import SimulationParameters

HOUR = 3_600.0


def _hours(value: float) -> float:
    return value / HOUR


def _duration(distribution: Distribution) -> dict[str, Any]:
    if isinstance(distribution, Fixed):
        return {"distribution": "fixed", "value": _hours(distribution.value)}
    if isinstance(distribution, Exponential):
        return {"distribution": "exponential", "mean": _hours(distribution.mean_value)}
    if isinstance(distribution, Normal):
        return {
            "distribution": "normal",
            "mean": _hours(distribution.mu),
            "std": _hours(distribution.sigma),
        }
    if isinstance(distribution, LogNormal):
        return {
            "distribution": "lognormal",
            "mean": _hours(distribution.mean_value),
            "std": _hours(distribution.std),
        }
    if isinstance(distribution, Triangular):
        return {
            "distribution": "triangular",
            "low": _hours(distribution.low),
            "mode": _hours(distribution.mode),
            "high": _hours(distribution.high),
        }
    if isinstance(distribution, Empirical):
        return {"distribution": "empirical", "samples": [_hours(s) for s in distribution.samples]}
    raise ValueError(f"cannot write a {type(distribution).__name__} duration to a file")


def _week(week: Mapping[int, tuple[tuple[float, ...], ...]]) -> dict[str, Any]:
    return {WEEKDAYS[d]: [list(slot) for slot in slots] for d, slots in sorted(week.items())}


def _calendar(calendar: WorkingCalendar) -> dict[str, Any]:
    table = _week(calendar.week)
    if calendar.holiday_country is not None:
        table["holidays"] = calendar.holiday_country
    if calendar.holiday_subdivision is not None:
        table["subdivision"] = calendar.holiday_subdivision
    if calendar.closed_dates:
        table["closed"] = sorted(d.isoformat() for d in calendar.closed_dates)
    return table


def dump_parameters(params: SimulationParameters) -> str:
    """The YAML text of a parameter file holding ``params`` (no scenarios)."""
    data: dict[str, Any] = {
        "version": 1,
        "start": params.start.isoformat(),
        "horizon_hours": params.horizon_hours,
        "warmup_hours": params.warmup_hours,
    }
    arrivals = params.arrivals
    if isinstance(arrivals, PoissonArrivals):
        data["arrivals"] = {"rate_per_hour": arrivals.rate_per_hour}
    elif isinstance(arrivals, CalendarArrivals):
        data["arrivals"] = {"weekly": _week(arrivals.week)}
        if arrivals.closed_dates:
            data["arrivals"]["closed"] = sorted(d.isoformat() for d in arrivals.closed_dates)
    calendars: dict[str, Any] = {}
    pools: dict[str, Any] = {}
    for name, pool in params.pools.items():
        entry: dict[str, Any] = {"capacity": pool.capacity}
        if pool.staff:
            entry["staff"] = list(pool.staff)
        if pool.calendar is not None:
            calendar_name = f"{name} hours"
            calendars[calendar_name] = _calendar(pool.calendar)
            entry["calendar"] = calendar_name
        pools[name] = entry
    if calendars:
        data["calendars"] = calendars
    if pools:
        data["pools"] = pools
    activities: dict[str, Any] = {}
    for key, activity in params.activities.items():
        entry = {}
        if activity.pool is not None:
            entry["pool"] = activity.pool
        if activity.duration is not None:
            entry["duration"] = _duration(activity.duration)
        if activity.instances is not None:
            entry["instances"] = activity.instances
        if activity.repeat is not None:
            entry["repeat"] = activity.repeat
        activities[key] = entry
    if activities:
        data["activities"] = activities
    if params.branches:
        data["branches"] = {g: dict(flows) for g, flows in params.branches.items()}
    header = "# CivicFlow simulation parameters (docs/simulation.md); durations in hours.\n"
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
