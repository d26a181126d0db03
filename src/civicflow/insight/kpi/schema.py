"""Read KPI definitions from YAML or JSON and check them, naming file, line and key on error.

The schema is documented in ``docs/kpis.md``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import yaml

from civicflow.calendar import WEEKDAY_NAMES, BusinessCalendar, CalendarError, WorkingPeriod
from civicflow.insight.kpi.definitions import (
    DEFAULT_DIMENSIONS,
    CostRate,
    Direction,
    KpiDefinition,
    KpiKind,
    KpiSet,
    Statistic,
    TimeUnit,
)
from civicflow.insight.kpi.located import (
    FieldReader,
    KeyPath,
    KpiDefinitionError,
    Locator,
    Problem,
    describe,
)

__all__ = ["KpiDefinitionError", "Problem", "load_definitions", "parse_definitions"]

SUPPORTED_VERSIONS = (1,)

_COMMON_KEYS = {"id", "name", "type", "target", "direction", "description"}
_KIND_KEYS: Mapping[KpiKind, set[str]] = {
    KpiKind.CYCLE_TIME: {"unit", "statistic"},
    KpiKind.SLA_COMPLIANCE: {"deadline_business_days"},
    KpiKind.THROUGHPUT: set(),
    KpiKind.WORK_IN_PROGRESS: set(),
    KpiKind.BACKLOG_AGE: {"unit", "statistic"},
    KpiKind.OVERDUE: {"deadline_business_days"},
    KpiKind.FIRST_TIME_RIGHT: set(),
    KpiKind.COST_PER_CASE: {"rates", "statistic"},
    KpiKind.SATISFACTION: {"attribute"},
}
_DEFAULT_DIRECTION: Mapping[KpiKind, Direction] = {
    KpiKind.CYCLE_TIME: Direction.LOWER,
    KpiKind.SLA_COMPLIANCE: Direction.HIGHER,
    KpiKind.THROUGHPUT: Direction.HIGHER,
    KpiKind.WORK_IN_PROGRESS: Direction.LOWER,
    KpiKind.BACKLOG_AGE: Direction.LOWER,
    KpiKind.OVERDUE: Direction.LOWER,
    KpiKind.FIRST_TIME_RIGHT: Direction.HIGHER,
    KpiKind.COST_PER_CASE: Direction.LOWER,
    KpiKind.SATISFACTION: Direction.HIGHER,
}
_DEFAULT_STATISTIC: Mapping[KpiKind, Statistic] = {
    KpiKind.CYCLE_TIME: Statistic(50.0),
    KpiKind.BACKLOG_AGE: Statistic(None),
    KpiKind.COST_PER_CASE: Statistic(None),
}


def load_definitions(path: str | Path) -> KpiSet:
    """Read and check a ``.yaml``/``.yml`` or ``.json`` KPI definitions file."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        problem = Problem("", None, "cannot read it: no such file")
        raise KpiDefinitionError(str(file), [problem]) from exc
    except IsADirectoryError as exc:
        problem = Problem("", None, "is a folder; give the definitions file in it")
        raise KpiDefinitionError(str(file), [problem]) from exc
    except OSError as exc:
        problem = Problem("", None, f"cannot read it: {exc.strerror or exc}")
        raise KpiDefinitionError(str(file), [problem]) from exc
    except UnicodeDecodeError as exc:
        problem = Problem("", None, "is not UTF-8 text; save it as UTF-8 (YAML or JSON)")
        raise KpiDefinitionError(str(file), [problem]) from exc
    fmt = "json" if file.suffix.lower() == ".json" else "yaml"
    return parse_definitions(text, source=str(file), fmt=fmt)


def parse_definitions(text: str, *, source: str = "<definitions>", fmt: str = "yaml") -> KpiSet:
    """Check definitions given as text (``fmt`` is ``"yaml"`` or ``"json"``)."""
    data = _parse_text(text, source, fmt)
    locate = Locator(text)
    reader = _Reader(locate)
    kpi_set = reader.kpi_set(data, source)
    if reader.problems or kpi_set is None:
        raise KpiDefinitionError(source, reader.problems)
    return kpi_set


def _parse_text(text: str, source: str, fmt: str) -> object:
    if fmt == "json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise KpiDefinitionError(
                source, [Problem("", exc.lineno, f"not valid JSON: {exc.msg} (column {exc.colno})")]
            ) from exc
    try:
        return yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise KpiDefinitionError(source, [Problem("", line, f"not valid YAML: {problem}")]) from exc


class _Loader(yaml.SafeLoader):
    """Safe YAML whose impossible dates (2026-02-30) stay text, so the key path is reported."""

    def construct_yaml_timestamp(self, node: yaml.Node) -> object:  # type: ignore[override]
        try:
            return super().construct_yaml_timestamp(node)  # type: ignore[arg-type]
        except ValueError:
            return self.construct_scalar(node)  # type: ignore[arg-type]


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


class _Reader(FieldReader):
    """Turns plain parsed data into a :class:`KpiSet`, collecting problems instead of stopping."""

    def kpi_set(self, data: object, source: str) -> KpiSet | None:
        top = self.mapping(
            data, (), {"version", "calendar", "dimensions", "end_activities", "kpis"}
        )
        if top is None:
            return None
        version = top.get("version", 1)
        if version not in SUPPORTED_VERSIONS or isinstance(version, bool):
            self.problem(("version",), f"unsupported version {describe(version)}; use 1")
        calendar = self.calendar(top.get("calendar", {}), ("calendar",))
        dimensions = self.dimensions(top.get("dimensions"), ("dimensions",))
        end_activities = None
        if top.get("end_activities") is not None:
            names = self.text_list(top["end_activities"], ("end_activities",))
            end_activities = frozenset(names or ())
        kpis = self.kpis(top.get("kpis"), ("kpis",))
        if calendar is None or self.problems:
            return None
        return KpiSet(
            kpis=tuple(kpis),
            calendar=calendar,
            dimensions=dimensions,
            end_activities=end_activities,
            source=source,
            version=1,
        )

    def dimensions(self, value: object, path: KeyPath) -> dict[str, str]:
        result = dict(DEFAULT_DIMENSIONS)
        if value is None:
            return result
        if not isinstance(value, dict):
            self.problem(path, f"expected a mapping of dimension to column, got {describe(value)}")
            return result
        for name, column in value.items():
            checked = self.text(column, (*path, str(name)))
            if checked is not None:
                result[str(name)] = checked
        return result

    def calendar(self, value: object, path: KeyPath) -> BusinessCalendar | None:
        if value is None:
            value = {}
        data = self.mapping(
            value, path, {"timezone", "country", "subdivision", "working_hours", "closures"}
        )
        if data is None:
            return None
        timezone = self.text(data.get("timezone", "UTC"), (*path, "timezone"))
        country = data.get("country")
        if country is not None and not isinstance(country, str):
            self.problem((*path, "country"), f"expected a country code, got {describe(country)}")
            country = None
        subdivision = data.get("subdivision")
        if subdivision is not None and not isinstance(subdivision, str):
            self.problem(
                (*path, "subdivision"),
                f"expected a subdivision code as text, got {describe(subdivision)}; "
                "quote codes such as '01'",
            )
            subdivision = None
        hours = self.working_hours(data.get("working_hours"), (*path, "working_hours"))
        closures = self.closures(data.get("closures"), (*path, "closures"))
        if timezone is None or hours is None or closures is None:
            return None
        try:
            return BusinessCalendar(
                timezone=timezone,
                country=country,
                subdivision=subdivision,
                working_hours=hours,
                closures=closures,
            )
        except CalendarError as exc:
            self.problem(path, str(exc))
            return None

    def working_hours(
        self, value: object, path: KeyPath
    ) -> dict[int, tuple[WorkingPeriod, ...]] | None:
        if value is None:
            return {weekday: (WorkingPeriod(9 * 60, 17 * 60),) for weekday in range(5)}
        data = self.mapping(value, path, set(WEEKDAY_NAMES))
        if data is None:
            return None
        hours: dict[int, tuple[WorkingPeriod, ...]] = {}
        for day, spec in data.items():
            periods: list[WorkingPeriod] = []
            for text in self.text_list([] if spec is None else spec, (*path, day)) or ():
                try:
                    periods.append(WorkingPeriod.parse(text))
                except CalendarError as exc:
                    self.problem((*path, day), str(exc))
            hours[WEEKDAY_NAMES.index(day)] = tuple(periods)
        return hours

    def closures(self, value: object, path: KeyPath) -> frozenset[date] | None:
        if value is None:
            return frozenset()
        if not isinstance(value, list):
            self.problem(path, f"expected a list of dates, got {describe(value)}")
            return None
        days: set[date] = set()
        for index, item in enumerate(value):
            if isinstance(item, date):
                days.add(item)
                continue
            try:
                days.add(date.fromisoformat(str(item)))
            except ValueError:
                self.problem((*path, index), f"expected a date like 2026-12-24, got {item!r}")
        return frozenset(days)

    def kpis(self, value: object, path: KeyPath) -> list[KpiDefinition]:
        if not isinstance(value, list) or not value:
            self.problem(path, f"expected a non-empty list of KPIs, got {describe(value)}")
            return []
        result: list[KpiDefinition] = []
        seen: set[str] = set()
        for index, item in enumerate(value):
            kpi = self.kpi(item, (*path, index))
            if kpi is None:
                continue
            if kpi.id in seen:
                self.problem((*path, index, "id"), f"id {kpi.id!r} is used twice; ids must differ")
            seen.add(kpi.id)
            result.append(kpi)
        return result

    def kpi(self, value: object, path: KeyPath) -> KpiDefinition | None:
        if not isinstance(value, dict):
            self.problem(path, f"expected a KPI mapping, got {describe(value)}")
            return None
        if "type" not in value:
            kinds = ", ".join(kind.value for kind in KpiKind)
            self.problem(path, f"missing key 'type'; one of {kinds}")
            return None
        kind = self.choice(value["type"], (*path, "type"), KpiKind)
        if kind is None:
            return None
        data = self.mapping(value, path, _COMMON_KEYS | _KIND_KEYS[kind])
        if data is None:
            return None
        if "id" not in data:
            self.problem(path, "missing key 'id'; give each KPI a short unique id")
        kpi_id = self.text(data.get("id", kind.value), (*path, "id"))
        name = self.text(data.get("name", kpi_id or kind.value), (*path, "name"))
        description = data.get("description") or ""
        target = None
        if data.get("target") is not None:
            target = self.number(data["target"], (*path, "target"))
        direction = _DEFAULT_DIRECTION[kind]
        if "direction" in data:
            direction = self.choice(data["direction"], (*path, "direction"), Direction) or direction
        unit = None
        if kind in (KpiKind.CYCLE_TIME, KpiKind.BACKLOG_AGE):
            unit = self.choice(data.get("unit", "days"), (*path, "unit"), TimeUnit)
        statistic = _DEFAULT_STATISTIC.get(kind, Statistic())
        if "statistic" in data:
            statistic = self.statistic(data["statistic"], (*path, "statistic")) or statistic
        deadline = None
        if kind in (KpiKind.SLA_COMPLIANCE, KpiKind.OVERDUE):
            deadline = self.deadline(data.get("deadline_business_days"), path)
        rates: tuple[CostRate, ...] = ()
        if kind is KpiKind.COST_PER_CASE:
            rates = self.rates(data.get("rates"), (*path, "rates"))
        attribute = None
        if kind is KpiKind.SATISFACTION:
            attribute = self.text(data.get("attribute", "case:satisfaction"), (*path, "attribute"))
        if kpi_id is None or name is None:
            return None
        return KpiDefinition(
            id=kpi_id,
            name=name,
            kind=kind,
            direction=direction,
            target=target if isinstance(target, float) else None,
            unit=unit,
            statistic=statistic,
            deadline_business_days=deadline,
            rates=rates,
            attribute=attribute,
            description=str(description),
        )

    def statistic(self, value: object, path: KeyPath) -> Statistic | None:
        if value == "mean":
            return Statistic(None)
        if value == "median":
            return Statistic(50.0)
        if isinstance(value, str) and value.startswith("p"):
            try:
                percentile = float(value[1:])
            except ValueError:
                percentile = -1.0
            if 0 <= percentile <= 100:
                return Statistic(percentile)
        self.problem(path, f"expected mean, median or a percentile like p90; got {describe(value)}")
        return None

    def deadline(self, value: object, path: KeyPath) -> int | None:
        key = (*path, "deadline_business_days")
        if value is None:
            self.problem(path, "missing key 'deadline_business_days' (the SLA, e.g. 8)")
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.problem(key, f"expected a whole number of business days, got {describe(value)}")
            return None
        return value

    def rates(self, value: object, path: KeyPath) -> tuple[CostRate, ...]:
        if not isinstance(value, list) or not value:
            self.problem(path, f"expected a non-empty list of cost rates, got {describe(value)}")
            return ()
        result: list[CostRate] = []
        for index, item in enumerate(value):
            where = (*path, index)
            data = self.mapping(item, where, {"department", "activity", "per_hour", "per_event"})
            if data is None:
                continue
            if "per_hour" not in data and "per_event" not in data:
                self.problem(where, "give per_hour, per_event or both")
                continue
            department = data.get("department")
            activity = data.get("activity")
            per_hour = self.number(data.get("per_hour", 0), (*where, "per_hour"), minimum=0)
            per_event = self.number(data.get("per_event", 0), (*where, "per_event"), minimum=0)
            if department is not None:
                department = self.text(department, (*where, "department"))
            if activity is not None:
                activity = self.text(activity, (*where, "activity"))
            if per_hour is None or per_event is None:
                continue
            rate = CostRate(
                department=department if isinstance(department, str) else None,
                activity=activity if isinstance(activity, str) else None,
                per_hour=per_hour,
                per_event=per_event,
            )
            if any((r.department, r.activity) == (rate.department, rate.activity) for r in result):
                self.problem(where, "a rate for this department and activity is already given")
            result.append(rate)
        return tuple(result)
