"""``civicflow kpi``: compute the KPIs of a definitions file over an event log and print them."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from civicflow.cli import csv_options as csv

if TYPE_CHECKING:
    from civicflow.insight.kpi import KpiReport, KpiResult

_TREND_STYLE = {"better": "green", "worse": "red", "unchanged": "dim"}
_STATUS_STYLE = {"met": "green", "missed": "bold red", "no target": "dim", "no data": "dim"}


def register(app: typer.Typer) -> None:
    """Attach the ``kpi`` command to the root CLI."""
    app.command(name="kpi")(kpi)


def kpi(
    log: Annotated[
        str,
        typer.Argument(
            help="Event log: an XES (.xes, .xes.gz) or CSV file, a parquet file with XES column "
            "names (case:concept:name, concept:name, time:timestamp, org:group, ...), or a "
            "database URL (sqlite:///civicflow-demo.db) whose engine history is read.",
        ),
    ],
    definitions: Annotated[
        Path,
        typer.Option(
            "--definitions",
            "-d",
            metavar="FILE",
            help="KPI definitions file (YAML or JSON, see docs/kpis.md).",
        ),
    ],
    by: Annotated[
        list[str] | None,
        typer.Option(
            "--by",
            metavar="DIMENSION",
            help="Split results by a dimension: service, department, channel (repeatable).",
        ),
    ] = None,
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            metavar="week|month",
            help="Split results over time: week or month, with trend.",
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar="MOMENT",
            help="Compute as of this ISO 8601 moment (e.g. 2026-03-31T17:00:00+02:00); "
            "default: the log's last event.",
        ),
    ] = None,
    surveys: Annotated[
        Path | None,
        typer.Option(
            "--surveys",
            metavar="FILE",
            help="Satisfaction scores: CSV/parquet with case:concept:name, score.",
        ),
    ] = None,
    last: Annotated[
        int,
        typer.Option(
            "--last",
            min=0,
            metavar="N",
            help="With --period: show only the last N periods (0: all).",
        ),
    ] = 0,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json", metavar="", help="Print the results (or the error) as JSON."
        ),
    ] = False,
    case: csv.CaseColumn = None,
    activity: csv.ActivityColumn = None,
    timestamp: csv.TimestampColumn = None,
    resource: csv.ResourceColumn = None,
    group: csv.GroupColumn = None,
    lifecycle_column: csv.LifecycleColumn = None,
    timestamp_format: csv.TimestampFormat = None,
    timezone: csv.Timezone = "UTC",
    separator: csv.Separator = ",",
    object_type: csv.ObjectType = None,
) -> None:
    """Compute KPIs (cycle time, SLA, throughput, backlog, cost...) over an event log."""
    import polars as pl

    from civicflow.calendar import CalendarError
    from civicflow.insight.csv_import import CsvMapping
    from civicflow.insight.kpi import (
        EventFrameError,
        KpiDefinitionError,
        Period,
        compute_kpis,
        load_definitions,
        read_event_frame,
        read_survey_frame,
    )

    def _fail(message: str, code: int = 1) -> NoReturn:
        fail(message, code, as_json=as_json)

    mapped = (case, activity, timestamp, resource, group, lifecycle_column, timestamp_format)
    mapping = None
    if any(value is not None for value in mapped) or timezone != "UTC" or separator != ",":
        mapping = CsvMapping(case, activity, timestamp, resource, group, lifecycle_column,
                             timestamp_format, timezone, separator)
    try:
        chosen_period = None if period is None else Period(period)
    except ValueError:
        _fail(f"--period must be week or month, not {period!r}", code=2)
    moment = None
    if as_of is not None:
        try:
            moment = datetime.fromisoformat(as_of)
        except ValueError:
            _fail(f"--as-of {as_of!r} is not an ISO 8601 moment like 2026-03-31T17:00:00+02:00", 2)
        if moment.tzinfo is None:
            _fail(f"--as-of {as_of!r} needs a UTC offset, e.g. {as_of}+00:00", code=2)
    dimensions = list(dict.fromkeys(by or ()))  # --by department twice means it once
    try:
        kpi_set = load_definitions(definitions)
        unknown = [name for name in dimensions if name not in kpi_set.dimensions]
        if unknown:
            known = ", ".join(sorted(kpi_set.dimensions))
            _fail(f"--by {unknown[0]}: no such dimension; {definitions} names: {known}", code=2)
        events = read_event_frame(log, mapping=mapping, object_type=object_type)
        survey_frame = None if surveys is None else read_survey_frame(surveys)
        report = compute_kpis(
            events, kpi_set, by=dimensions, period=chosen_period, as_of=moment, surveys=survey_frame
        )
    except (KpiDefinitionError, EventFrameError, CalendarError) as exc:
        _fail(str(exc))
    except OverflowError:
        _fail(f"--as-of {as_of}: too far from the log's dates to compute; give a date near them", 2)
    except (ValueError, OSError, pl.exceptions.PolarsError) as exc:
        _fail(f"cannot compute the KPIs: {exc}")
    report = report.latest(last)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        _print_table(report)


def fail(message: str, code: int = 1, *, as_json: bool = False) -> NoReturn:
    """Report an error and exit: text on stderr, or with ``--json`` an ``error`` object on
    stdout (docs/kpis.md), so a program reading the JSON never has to parse prose."""
    if as_json:
        typer.echo(json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False))
    else:
        typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


def _print_table(report: KpiReport) -> None:
    from rich.console import Console
    from rich.table import Table

    title = f"KPIs as of {report.as_of:%Y-%m-%d %H:%M} UTC ({report.cases} cases, "
    title += f"{report.events} events)"
    table = Table(title=title, title_justify="left")
    table.add_column("KPI")
    for name in report.by:
        table.add_column(name.capitalize())
    if report.period is not None:
        table.add_column(report.period.value.capitalize())
    table.add_column("Value", justify="right")
    table.add_column("Target", justify="right")
    table.add_column("Status")
    table.add_column("Trend", justify="right")
    table.add_column("Cases", justify="right")
    notes: dict[str, str] = {}
    for result in report.results:
        if result.note:
            notes.setdefault(result.name, result.note)
        cells = [result.name, *(value for _, value in result.group)]
        if report.period is not None:
            cells.append(result.period or "")
        style = _STATUS_STYLE[result.status.value]
        cells += [
            _number(result.value, result.unit),
            _target(result),
            f"[{style}]{result.status.value}[/{style}]",
            _trend(result),
            str(result.cases),
        ]
        table.add_row(*cells)
    console = Console(soft_wrap=False)
    console.print(table)
    for name, note in notes.items():
        console.print(f"[dim]{name}: {note}[/dim]")


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "share":
        return f"{value:.1%}"
    if unit == "cases":
        return f"{value:,.0f}"
    if unit in ("cost", "score"):
        return f"{value:,.2f}"
    return f"{value:,.2f} {unit}"


def _target(result: KpiResult) -> str:
    if result.target is None:
        return ""
    sign = "≥" if result.direction.value == "higher" else "≤"
    if result.unit == "share":
        return f"{sign} {result.target:.0%}"
    return f"{sign} {result.target:,.4g}"


def _trend(result: KpiResult) -> str:
    """The change since the previous period: arrow by sign, colour by better or worse."""
    if result.trend is None or result.change is None:
        return ""
    change = f"{result.change:+.1%}" if result.unit == "share" else f"{result.change:+,.2f}"
    arrow = "↑" if result.change > 0 else "↓" if result.change < 0 else "="
    style = _TREND_STYLE[result.trend.value]
    return f"[{style}]{arrow} {change}[/{style}]"
