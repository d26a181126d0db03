"""The conformance and discovery parts of ``civicflow mine`` (``--model`` and ``--discover``).

Kept apart from ``cli/mine.py`` so the mining command stays one concept; ``mine`` calls these
three functions. Library errors become one-line messages and exit code 1, never a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from civicflow.insight.conformance import ConformanceResult
    from civicflow.insight.frame import EventLog



def check_model(log: EventLog, model: Path) -> ConformanceResult:
    """Replay ``log`` on the BPMN file ``model``; exits with a message if the model is unusable."""
    from civicflow.insight.conformance import NetError, replay
    from civicflow.model import BpmnImportError, parse_bpmn

    try:
        definitions = parse_bpmn(model)
        return replay(log, definitions)
    except (BpmnImportError, NetError, OSError) as exc:
        typer.echo(f"Cannot compare the log with {model}: {exc}", err=True)
        raise typer.Exit(1) from exc


def discover_model(log: EventLog, out: Path) -> None:
    """Write the inductive miner's model of ``log`` to ``out`` as BPMN with a diagram."""
    from civicflow.insight.discovery import discover_bpmn
    from civicflow.model import write_bpmn

    try:
        write_bpmn(discover_bpmn(log, name=out.stem), out)
    except OSError as exc:
        typer.echo(f"Cannot write {out}: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"Discovered model written to {out}", err=True)


def print_conformance(result: ConformanceResult, top: int) -> None:
    """The conformance section of the text report."""
    from civicflow.insight.conformance import DEVIATION_TEXT

    out = Console()
    out.print(f"[bold]Conformance[/bold]: fitness {result.fitness:.3f} (token replay); "
              f"{result.fitting_cases:,} of {result.cases:,} cases follow the model exactly; "
              f"mean case fitness {result.average_case_fitness:.3f}.", highlight=False)
    if not result.deviations:
        return
    table = Table(title="Deviations from the model")
    for col in ("activity", "what happened", "cases", "times"):
        table.add_column(col, justify="right" if col in ("cases", "times") else "left")
    for d in result.deviations[:top]:
        what = DEVIATION_TEXT.get(d.kind, d.kind)
        table.add_row(d.activity, what, f"{d.cases:,}", f"{d.times:,}")
    out.print(table)
