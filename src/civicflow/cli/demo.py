"""``civicflow demo``: a simulated month of permit applications through the real engine.

Deploys the city permit model into a fresh SQLite file, lets simulated staff per department work
the engine's worklist for a month, then prints the KPIs, bottlenecks and hand-offs mined from the
engine's own history and writes an HTML report. ``civicflow mine sqlite:///civicflow-demo.db``
gives the same figures.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from civicflow.demo_month import DemoResult
    from civicflow.insight.report import MiningReport


def register(app: typer.Typer) -> None:
    """Attach the ``demo`` command to the root app."""
    app.command("demo")(demo)


def demo(
    database: Annotated[Path, typer.Option(
        "--database", help="SQLite file to (re)create for the demo.")] = Path("civicflow-demo.db"),
    html: Annotated[Path, typer.Option(
        "--html", help="Where to write the HTML report with the DFG picture.")
    ] = Path("report.html"),
    seed: Annotated[int, typer.Option("--seed", help="Random seed: same seed, same month.")
                    ] = 2027,
    days: Annotated[float | None, typer.Option(
        "--days", min=0.1, help="Simulate this many days instead of the parameter file's.")
    ] = None,
    model: Annotated[Path | None, typer.Option(
        "--model", help="BPMN model (default: examples/permit_city.bpmn).")] = None,
    params: Annotated[Path | None, typer.Option(
        "--params", help="Staffing and timing (default: examples/permit_city_params.yaml).")
    ] = None,
    kpis: Annotated[Path | None, typer.Option(
        "--kpis", help="KPI definitions (default: examples/kpis/permit_city.yaml).")] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Rows per table.")] = 5,
) -> None:
    """Run a simulated month of permit applications through the engine and measure it."""
    from rich.console import Console

    from civicflow.calendar import CalendarError
    from civicflow.demo_month import DemoConfig, figures, run_month
    from civicflow.engine.errors import BpmnError, EngineError
    from civicflow.insight.kpi import EventFrameError, KpiDefinitionError
    from civicflow.insight.log import LogError
    from civicflow.insight.report_html import render_html
    from civicflow.insight.simulation import ParameterFileError
    from civicflow.model.errors import BpmnImportError

    base = DemoConfig(database=database, seed=seed, days=days)
    config = DemoConfig(model or base.model, params or base.params, database, seed, days)
    out = Console()
    try:
        with out.status("Simulating applications through the engine..."):
            result = run_month(config)
        found = figures(result.url, kpis)
    except (OSError, BpmnError, EngineError, BpmnImportError, ParameterFileError,
            KpiDefinitionError, EventFrameError, CalendarError, LogError) as exc:
        typer.echo(f"Error: the demo could not run: {exc}", err=True)
        raise typer.Exit(1) from exc
    _print_summary(out, result)
    from civicflow.cli.kpi import _print_table

    _print_table(found.kpis)
    _print_mining(out, found.mining, top)
    try:
        html.write_text(render_html(found.mining, title="Building permit: a simulated month"),
                        encoding="utf-8")
    except OSError as exc:
        typer.echo(f"Error: cannot write {html}: {exc}", err=True)
        raise typer.Exit(1) from exc
    out.print(f"HTML report with the process map written to {html}. Same figures: "
              f"civicflow mine {result.url} --json", highlight=False, soft_wrap=True)


def _print_summary(out: Console, result: DemoResult) -> None:
    out.print(
        f"[bold]Simulated {result.start:%d %b %Y} to {result.end:%d %b %Y}[/bold] on the engine "
        f"({result.url}): {result.started:,} applications received, {result.completed:,} "
        f"decided, {result.open_instances:,} still in progress; {result.tasks_completed:,} "
        "tasks completed by staff.", highlight=False)


def _print_mining(out: Console, report: MiningReport, top: int) -> None:
    from rich.table import Table

    from civicflow.insight.report import human_duration

    edges = Table(title="Top bottlenecks: where applications wait longest (total)")
    for col in ("from", "to", "times", "total wait", "per case", "median"):
        edges.add_column(col, justify="left" if col in ("from", "to") else "right")
    for row in report.edge_bottlenecks[:top]:
        edges.add_row(row["source"], row["target"], f"{row['count']:,}",
                      human_duration(row["total_wait_s"]), human_duration(row["per_case_wait_s"]),
                      human_duration(row["median_s"]))
    out.print(edges)
    if report.service_times:
        inside = Table(title="Work time of each activity (claimed to completed)")
        for col in ("activity", "times", "mean", "median", "90%"):
            inside.add_column(col, justify="left" if col == "activity" else "right")
        for row in report.service_times[:top]:
            inside.add_row(row["activity"], f"{row['count']:,}", human_duration(row["mean_s"]),
                           human_duration(row["median_s"]), human_duration(row["p90_s"]))
        out.print(inside)
    out.print("[dim]A wait runs from one activity's completion until someone claims the next: "
              "the time the application sat in the receiving department's worklist.[/dim]")
    for title, rows in (("Top hand-offs between departments", report.department_handoffs),
                        ("Top hand-offs between people", report.resource_handoffs)):
        if not rows:
            continue
        table = Table(title=title)
        for col in ("from", "to", "times", "cases", "total wait", "median wait"):
            table.add_column(col, justify="left" if col in ("from", "to") else "right")
        for row in rows[:top]:
            table.add_row(row["source"], row["target"], f"{row['count']:,}", f"{row['cases']:,}",
                          human_duration(row["total_wait_s"]), human_duration(row["median_s"]))
        out.print(table)
