"""``civicflow mine LOG``: key figures, bottlenecks, hand-offs and variants of an event log."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from civicflow.cli import csv_options as csv

if TYPE_CHECKING:
    from civicflow.insight.report import MiningReport

_LOG_HELP = ("Event log file: .xes, .xes.gz, .csv (map CSV columns with the options below), "
             "OCEL 2.0 .jsonocel/.json (flattened on --object-type), "
             "or a database URL (sqlite:///civicflow-demo.db, postgresql+psycopg://...) whose "
             "engine history is mined.")


def register(app: typer.Typer) -> None:
    """Attach the ``mine`` command to the root app."""
    app.command("mine")(mine)


def mine(
    log_file: Annotated[str, typer.Argument(metavar="LOG", help=_LOG_HELP)],
    html: Annotated[Path | None, typer.Option(
        "--html", help="Also write an HTML report with the DFG as a picture.")] = None,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print the figures as JSON (contract: docs/mining-json.md).")] = False,
    top: Annotated[int, typer.Option(
        "--top", min=1, help="Rows per table in the text report.")] = 10,
    skip_bad_rows: Annotated[bool, typer.Option(
        "--skip-bad-rows", help="Leave out unreadable events and count them.")] = False,
    lifecycle: Annotated[list[str] | None, typer.Option(
        "--lifecycle", help="Only events with this lifecycle:transition (repeatable).")] = None,
    intervals: Annotated[bool | None, typer.Option(
        "--intervals/--events",
        help="Mine activity instances (waits from a completion to the start of work on the "
             "next activity) or every event. Default: instances for a database, events for a "
             "file.")] = None,
    case: csv.CaseColumn = None,
    activity: csv.ActivityColumn = None,
    timestamp: csv.TimestampColumn = None,
    resource: csv.ResourceColumn = None,
    group: csv.GroupColumn = None,
    lifecycle_column: csv.LifecycleColumn = None,
    timestamp_format: csv.TimestampFormat = None,
    timezone: csv.Timezone = "UTC",
    separator: csv.Separator = ",",
    window: Annotated[str, typer.Option(
        "--window", help="Period for following the worst bottlenecks over time: 1w, 1mo, 1q, 1y.")
    ] = "1mo",
    model: Annotated[Path | None, typer.Option(
        "--model", help="BPMN model to check the log against (token replay fitness).")] = None,
    discover: Annotated[Path | None, typer.Option(
        "--discover", help="Write a BPMN model discovered from the log to this file.")] = None,
    object_type: csv.ObjectType = None,
) -> None:
    """Mine an event log: key figures, bottlenecks, hand-offs between departments, variants."""
    import polars as pl

    from civicflow.cli import mine_conformance
    from civicflow.insight import filters
    from civicflow.insight.history import is_database_url, read_history
    from civicflow.insight.intervals import to_intervals
    from civicflow.insight.log import CsvMapping, LogError, read_log
    from civicflow.insight.report import build_report

    if not re.fullmatch(r"[1-9][0-9]*(d|w|mo|q|y)", window):
        raise typer.BadParameter("use a number and a unit: 1w, 2w, 1mo, 1q or 1y",
                                 param_hint="--window")
    if object_type is not None and not log_file.lower().endswith((".json", ".jsonocel")):
        raise typer.BadParameter("only OCEL 2.0 logs (.jsonocel, .json) have object types",
                                 param_hint="--object-type")
    mapping = CsvMapping(case, activity, timestamp, resource, group, lifecycle_column,
                         timestamp_format, timezone, separator)
    try:
        if is_database_url(log_file):
            log = read_history(log_file)
        else:
            log = read_log(log_file, mapping=mapping, skip_bad=skip_bad_rows,
                           object_type=object_type)
        if lifecycle:
            log = filters.lifecycle(log, lifecycle)
        if intervals if intervals is not None else is_database_url(log_file):
            log = to_intervals(log)
        report = build_report(log, window=window)
        fit = None if model is None else mine_conformance.check_model(log, model)
        if discover is not None:
            mine_conformance.discover_model(log, discover)
    except LogError as exc:
        typer.echo(f"Cannot read {log_file}: {exc}", err=True)
        raise typer.Exit(1) from exc
    except pl.exceptions.PolarsError as exc:  # a data shape we did not foresee: say so plainly
        typer.echo(f"Cannot analyse {log_file}: {exc}. Please report this with the first lines "
                   "of the file.", err=True)
        raise typer.Exit(1) from exc
    if html is not None:
        from civicflow.insight.report_html import render_html

        try:
            page = render_html(report, title=_title(log_file), conformance=fit,
                               model="the model" if model is None else model.name)
            html.write_text(page, encoding="utf-8")
        except OSError as exc:
            typer.echo(f"Cannot write {html}: {exc}", err=True)
            raise typer.Exit(1) from exc
    if as_json:
        payload = report.to_json() | ({} if fit is None else fit.to_json())
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    _print_report(report, _title(log_file), top)
    if fit is not None:
        mine_conformance.print_conformance(fit, top)
    if html is not None:
        Console().print(f"HTML report written to {html}", highlight=False)


def _title(log_file: str) -> str:
    """A file's name, or a database URL without its password."""
    from civicflow.insight.history import is_database_url, safe_url

    return safe_url(log_file) if is_database_url(log_file) else Path(log_file).name


def _print_report(report: MiningReport, name: str, top: int) -> None:
    from civicflow.insight.report import human_duration

    out = Console()
    d = report.case_duration
    out.print(f"[bold]{name}[/bold]: {report.cases:,} cases, {report.events:,} events, "
              f"{report.activities} activities, {report.first_event or '-'} to "
              f"{report.last_event or '-'}", highlight=False)
    if report.skipped_events:
        out.print(f"[yellow]{report.skipped_events:,} bad events were skipped.[/yellow]")
    out.print(f"Case duration: mean {human_duration(d.mean)}, median {human_duration(d.median)}, "
              f"90% within {human_duration(d.p90)}; {report.rework_cases:,} cases with rework.",
              highlight=False)

    edges = Table(title="Bottlenecks: where cases wait longest (total)")
    for col in ("from", "to", "times", "cases", "total wait", "per case", "median"):
        edges.add_column(col, justify="right" if col not in ("from", "to") else "left")
    for row in report.edge_bottlenecks[:top]:
        edges.add_row(row["source"], row["target"], f"{row['count']:,}", f"{row['cases']:,}",
                      human_duration(row["total_wait_s"]), human_duration(row["per_case_wait_s"]),
                      human_duration(row["median_s"]))
    out.print(edges)

    if report.bottleneck_trend:
        trend = Table(title=f"Worst bottlenecks over time (per {report.window})")
        for col in ("from", "to", "period from", "times", "mean wait"):
            trend.add_column(col, justify="right" if col in ("times", "mean wait") else "left")
        for row in report.bottleneck_trend:
            trend.add_row(row["source"], row["target"], row["window"].date().isoformat(),
                          f"{row['count']:,}", human_duration(row["mean_s"]))
        out.print(trend)

    for title, rows in (("Hand-offs between departments", report.department_handoffs),
                        ("Hand-offs between people", report.resource_handoffs)):
        if not rows:
            continue
        table = Table(title=title)
        for col in ("from", "to", "times", "cases", "total wait", "median wait"):
            table.add_column(col, justify="right" if col not in ("from", "to") else "left")
        for row in rows[:top]:
            table.add_row(row["source"], row["target"], f"{row['count']:,}", f"{row['cases']:,}",
                          human_duration(row["total_wait_s"]), human_duration(row["median_s"]))
        out.print(table)

    if report.service_times:
        service = Table(title="Time spent in each activity (start to complete)")
        for col in ("activity", "times", "mean", "median", "90%"):
            service.add_column(col, justify="left" if col == "activity" else "right")
        for row in report.service_times[:top]:
            service.add_row(row["activity"], f"{row['count']:,}", human_duration(row["mean_s"]),
                            human_duration(row["median_s"]), human_duration(row["p90_s"]))
        out.print(service)

    variants = Table(title=f"Variants ({len(report.variants):,} distinct)")
    variants.add_column("cases", justify="right")
    variants.add_column("share", justify="right")
    variants.add_column("activities")
    for v in report.variants[:top]:
        variants.add_row(f"{v.count:,}", f"{v.share:.1%}", " → ".join(v.activities))
    out.print(variants)
