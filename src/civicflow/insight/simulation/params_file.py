"""The YAML parameter file: read it into typed parameters and scenarios, or write one.

The format is documented in ``docs/simulation.md``; errors name the file and the key path
(``activities.manual_review.duration``) so the person editing it knows where to look.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from civicflow.insight.simulation.calendars import (
    WEEKDAYS,
    Arrivals,
    CalendarArrivals,
    Hours,
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
from civicflow.insight.simulation.parameters import (
    DEFAULT_START,
    ActivityParams,
    PoolParams,
    SimulationParameters,
)
from civicflow.insight.simulation.scenarios import (
    MAX_CAPACITY,
    ArrivalChange,
    CapacityChange,
    Change,
    DurationChange,
    Scenario,
)

UNITS = {"seconds": 1.0, "minutes": 60.0, "hours": 3_600.0, "days": 86_400.0}
FORMAT_VERSION = 1


class ParameterFileError(ValueError):
    """A parameter file that cannot be used; the message names the file and key path."""


@dataclass(frozen=True)
class ParameterFile:
    """A loaded parameter file: the baseline parameters and its named scenarios."""

    params: SimulationParameters
    scenarios: Mapping[str, Scenario] = field(default_factory=dict)


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, message: str) -> ParameterFileError:
        return ParameterFileError(f"{self.source}: {path}: {message}")

    def mapping(self, value: Any, path: str) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a mapping (key: value lines), got {value!r}")
        return {str(k): v for k, v in value.items()}

    def number(self, value: Any, path: str, *, minimum: float = 0.0) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(path, f"expected a number, got {value!r}")
        if not math.isfinite(value) or value < minimum:
            raise self.fail(path, f"must be a number >= {minimum:g}, got {value!r}")
        return float(value)

    def known_keys(self, table: Mapping[str, Any], allowed: set[str], path: str) -> None:
        unknown = sorted(set(table) - allowed)
        if unknown:
            raise self.fail(
                path, f"unknown key {unknown[0]!r}; allowed: {', '.join(sorted(allowed))}"
            )

    def duration(self, value: Any, path: str) -> Distribution:
        table = self.mapping(value, path)
        kind = table.get("distribution")
        unit_name = table.get("unit", "hours")
        if unit_name not in UNITS:
            raise self.fail(f"{path}.unit", f"use one of {', '.join(UNITS)}, got {unit_name!r}")
        unit = UNITS[unit_name]
        shapes: dict[str, tuple[str, ...]] = {
            "fixed": ("value",),
            "exponential": ("mean",),
            "normal": ("mean", "std"),
            "lognormal": ("mean", "std"),
            "triangular": ("low", "mode", "high"),
            "empirical": ("samples",),
        }
        if kind not in shapes:
            raise self.fail(f"{path}.distribution", f"use one of {', '.join(shapes)}, got {kind!r}")
        self.known_keys(table, {"distribution", "unit", *shapes[kind]}, path)
        for key in shapes[kind]:
            if key not in table:
                raise self.fail(path, f"a {kind} duration needs {key!r}")
        try:
            if kind == "empirical":
                samples = table["samples"]
                if not isinstance(samples, list):
                    raise self.fail(f"{path}.samples", "expected a list of numbers")
                return Empirical(
                    tuple(self.number(s, f"{path}.samples", minimum=0) * unit for s in samples)
                )
            v = {k: self.number(table[k], f"{path}.{k}") * unit for k in shapes[kind]}
            if kind == "fixed":
                return Fixed(v["value"])
            if kind == "exponential":
                return Exponential(v["mean"])
            if kind == "normal":
                return Normal(v["mean"], v["std"])
            if kind == "lognormal":
                return LogNormal(v["mean"], v["std"])
            return Triangular(v["low"], v["mode"], v["high"])
        except ValueError as error:
            if isinstance(error, ParameterFileError):
                raise
            raise self.fail(path, str(error)) from error

    def hours(self, value: Any, path: str, width: int) -> list[tuple[float, ...]]:
        if not isinstance(value, list):
            raise self.fail(path, f"expected a list of [start, end{', rate' * (width == 3)}]")
        result: list[tuple[float, ...]] = []
        for index, item in enumerate(value):
            if not isinstance(item, list) or len(item) != width:
                raise self.fail(f"{path}[{index}]", f"expected {width} numbers, got {item!r}")
            result.append(tuple(self.number(x, f"{path}[{index}]") for x in item))
        return result

    def week(self, table: Mapping[str, Any], path: str, width: int) -> dict[int, Any]:
        week: dict[int, Any] = {}
        if "weekdays" in table:
            for day in range(5):
                week[day] = tuple(self.hours(table["weekdays"], f"{path}.weekdays", width))
        for day, name in enumerate(WEEKDAYS):
            if name in table:
                week[day] = tuple(self.hours(table[name], f"{path}.{name}", width))
        return week

    def dates(self, value: Any, path: str) -> frozenset[date]:
        if value is None:
            return frozenset()
        if not isinstance(value, list):
            raise self.fail(path, "expected a list of dates (YYYY-MM-DD)")
        found: set[date] = set()
        for item in value:
            if isinstance(item, date):
                found.add(item)
                continue
            try:
                found.add(date.fromisoformat(str(item)))
            except ValueError as error:
                raise self.fail(path, f"{item!r} is not a date (YYYY-MM-DD)") from error
        return frozenset(found)

    def calendar(self, value: Any, path: str) -> WorkingCalendar:
        table = self.mapping(value, path)
        self.known_keys(table, {"weekdays", *WEEKDAYS, "holidays", "subdivision", "closed"}, path)
        week: dict[int, Hours] = {
            d: tuple((s, e) for s, e in hours) for d, hours in self.week(table, path, 2).items()
        }
        country = table.get("holidays")
        subdivision = table.get("subdivision")
        try:
            calendar = WorkingCalendar(
                week=week,
                closed_dates=self.dates(table.get("closed"), f"{path}.closed"),
                holiday_country=None if country is None else str(country),
                holiday_subdivision=None if subdivision is None else str(subdivision),
            )
            if calendar.holiday_country is not None:
                calendar.closing_dates([2027])  # an unknown country fails here, not mid-run
        except ValueError as error:
            raise self.fail(path, str(error)) from error
        return calendar

    def arrivals(self, value: Any, path: str) -> Arrivals:
        table = self.mapping(value, path)
        self.known_keys(table, {"rate_per_hour", "rate_per_day", "weekly", "closed"}, path)
        try:
            if "weekly" in table:
                weekly = self.mapping(table["weekly"], f"{path}.weekly")
                self.known_keys(weekly, {"weekdays", *WEEKDAYS}, f"{path}.weekly")
                return CalendarArrivals(
                    self.week(weekly, f"{path}.weekly", 3),
                    self.dates(table.get("closed"), f"{path}.closed"),
                )
            if "rate_per_hour" in table:
                return PoissonArrivals(self.number(table["rate_per_hour"], f"{path}.rate_per_hour"))
            if "rate_per_day" in table:
                per_day = self.number(table["rate_per_day"], f"{path}.rate_per_day")
                return PoissonArrivals(per_day / 24)
        except ValueError as error:
            if isinstance(error, ParameterFileError):
                raise
            raise self.fail(path, str(error)) from error
        raise self.fail(path, "give rate_per_hour, rate_per_day or a weekly calendar")

    def scenario(self, name: str, value: Any, path: str) -> Scenario:
        table = self.mapping(value, path)
        self.known_keys(table, {"description", "capacity", "durations", "arrivals"}, path)
        changes: list[Change] = []
        for pool, spec in self.mapping(table.get("capacity"), f"{path}.capacity").items():
            where = f"{path}.capacity.{pool}"
            item = self.mapping(spec, where)
            self.known_keys(item, {"add", "set"}, where)
            add = item.get("add", 0)
            fixed = item.get("set")
            if isinstance(add, bool) or not isinstance(add, int):
                raise self.fail(f"{where}.add", f"expected a whole number of staff, got {add!r}")
            if fixed is not None and (isinstance(fixed, bool) or not isinstance(fixed, int)):
                raise self.fail(f"{where}.set", f"expected a whole number of staff, got {fixed!r}")
            changes.append(CapacityChange(pool, delta=add, set_to=fixed))
        for activity, spec in self.mapping(table.get("durations"), f"{path}.durations").items():
            where = f"{path}.durations.{activity}"
            item = self.mapping(spec, where)
            if "distribution" in item:
                changes.append(DurationChange(activity, distribution=self.duration(item, where)))
            else:
                self.known_keys(item, {"factor"}, where)
                factor = self.number(item.get("factor", 1.0), f"{where}.factor")
                changes.append(DurationChange(activity, factor=factor))
        if "arrivals" in table:
            item = self.mapping(table["arrivals"], f"{path}.arrivals")
            self.known_keys(item, {"factor"}, f"{path}.arrivals")
            changes.append(
                ArrivalChange(self.number(item.get("factor"), f"{path}.arrivals.factor"))
            )
        return Scenario(name, tuple(changes), str(table.get("description", "")))

    def timestamp(self, value: Any, path: str) -> datetime:
        if isinstance(value, datetime):
            return value
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day)
        try:
            return datetime.fromisoformat(str(value))
        except ValueError as error:
            raise self.fail(path, f"{value!r} is not a date-time (YYYY-MM-DDTHH:MM)") from error

    def read(self, data: Any) -> ParameterFile:
        top = self.mapping(data, "(top)")
        self.known_keys(
            top,
            {
                "version", "start", "horizon_days", "horizon_hours", "warmup_days",
                "warmup_hours", "arrivals", "calendars", "pools", "activities", "branches",
                "scenarios",
            },
            "(top)",
        )  # fmt: skip
        version = top.get("version", FORMAT_VERSION)
        if version != FORMAT_VERSION:
            raise self.fail("version", f"this CivicFlow reads version {FORMAT_VERSION}")
        if "arrivals" not in top:
            raise self.fail("arrivals", "missing: say how many cases arrive (rate_per_hour: 2)")
        calendars = {
            name: self.calendar(spec, f"calendars.{name}")
            for name, spec in self.mapping(top.get("calendars"), "calendars").items()
        }
        pools: dict[str, PoolParams] = {}
        for name, spec in self.mapping(top.get("pools"), "pools").items():
            where = f"pools.{name}"
            table = self.mapping(spec, where)
            self.known_keys(table, {"capacity", "calendar", "staff"}, where)
            staff = table.get("staff") or []
            if not isinstance(staff, list):
                raise self.fail(f"{where}.staff", "expected a list of names")
            capacity = table.get("capacity", len(staff))
            if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
                raise self.fail(
                    f"{where}.capacity", f"expected a whole number >= 1, got {capacity!r}"
                )
            if capacity > MAX_CAPACITY:
                raise self.fail(
                    f"{where}.capacity",
                    f"{capacity:,} staff is more than a simulation can follow "
                    f"(at most {MAX_CAPACITY:,}); model a team, not a population",
                )
            calendar_name = table.get("calendar")
            if calendar_name is not None and calendar_name not in calendars:
                raise self.fail(
                    f"{where}.calendar",
                    f"no calendar {calendar_name!r}; defined: {', '.join(calendars) or 'none'}",
                )
            pools[name] = PoolParams(
                capacity=capacity,
                calendar=None if calendar_name is None else calendars[calendar_name],
                staff=tuple(str(s) for s in staff),
            )
        activities: dict[str, ActivityParams] = {}
        for key, spec in self.mapping(top.get("activities"), "activities").items():
            where = f"activities.{key}"
            table = self.mapping(spec, where)
            self.known_keys(table, {"duration", "pool", "instances", "repeat"}, where)
            duration = (
                self.duration(table["duration"], f"{where}.duration")
                if "duration" in table
                else None
            )
            pool = table.get("pool")
            instances = table.get("instances")
            if instances is not None and (
                isinstance(instances, bool) or not isinstance(instances, int) or instances < 1
            ):
                raise self.fail(
                    f"{where}.instances", f"expected a whole number >= 1, got {instances!r}"
                )
            repeat = table.get("repeat")
            if repeat is not None and not 0 <= self.number(repeat, f"{where}.repeat") < 1:
                raise self.fail(f"{where}.repeat", f"a chance must be below 1, got {repeat!r}")
            activities[key] = ActivityParams(
                duration,
                None if pool is None else str(pool),
                instances,
                None if repeat is None else float(repeat),
            )
        branches: dict[str, dict[str, float]] = {}
        for gateway, spec in self.mapping(top.get("branches"), "branches").items():
            branches[gateway] = {
                flow: self.number(p, f"branches.{gateway}.{flow}")
                for flow, p in self.mapping(spec, f"branches.{gateway}").items()
            }
        horizon = (
            self.number(top["horizon_hours"], "horizon_hours")
            if "horizon_hours" in top
            else self.number(top.get("horizon_days", 28), "horizon_days") * 24
        )
        warmup = (
            self.number(top["warmup_hours"], "warmup_hours")
            if "warmup_hours" in top
            else self.number(top.get("warmup_days", 0), "warmup_days") * 24
        )
        try:
            params = SimulationParameters(
                arrivals=self.arrivals(top["arrivals"], "arrivals"),
                activities=activities,
                pools=pools,
                branches=branches,
                start=self.timestamp(top["start"], "start") if "start" in top else DEFAULT_START,
                horizon_hours=horizon,
                warmup_hours=warmup,
            )
        except ValueError as error:
            if isinstance(error, ParameterFileError):
                raise
            raise self.fail("(top)", str(error)) from error
        scenarios = {
            name: self.scenario(name, spec, f"scenarios.{name}")
            for name, spec in self.mapping(top.get("scenarios"), "scenarios").items()
        }
        return ParameterFile(params, scenarios)


class _Loader(yaml.SafeLoader):
    """Safe YAML whose impossible dates (2027-02-30) stay text, so the key path is reported."""

    def construct_yaml_timestamp(self, node: yaml.Node) -> object:  # type: ignore[override]
        try:
            return super().construct_yaml_timestamp(node)  # type: ignore[arg-type]
        except ValueError:
            return self.construct_scalar(node)  # type: ignore[arg-type]


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def read_parameters(text: str, *, source: str = "<parameters>") -> ParameterFile:
    """Parameters and scenarios from YAML text."""
    try:
        data = yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(error, "problem", None) or "cannot be read"
        raise ParameterFileError(f"{source}: not valid YAML: {where}{problem}") from error
    return _Reader(source).read(data)


def load_parameters(path: str | Path) -> ParameterFile:
    """Parameters and scenarios from a YAML file."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise ParameterFileError(f"{file}: no such parameter file") from error
    except IsADirectoryError as error:
        raise ParameterFileError(f"{file}: is a folder; give the parameter file in it") from error
    except OSError as error:
        message = error.strerror or error
        raise ParameterFileError(f"{file}: cannot read the parameter file: {message}") from error
    except UnicodeDecodeError as error:
        raise ParameterFileError(f"{file}: is not UTF-8 text; save it as UTF-8 YAML") from error
    return read_parameters(text, source=str(file))
