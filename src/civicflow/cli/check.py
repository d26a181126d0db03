"""``civicflow check FILE...``: import BPMN files, report model errors and executability.

Exit status: 0 when every file imported without model errors, 1 when some file has model
errors, 2 when some file is not BPMN at all (or not readable, or refused as unsafe).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from civicflow.model import (
    BpmnImportError,
    CheckReport,
    Finding,
    NotXmlError,
    Severity,
    UnsafeXmlError,
    check,
    parse_bpmn,
)

_STYLE = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


@dataclass(frozen=True, slots=True)
class FileResult:
    """What ``check`` found in one file: a report, or why it could not be imported."""

    path: str
    report: CheckReport | None = None
    error: BpmnImportError | None = None

    @property
    def exit_code(self) -> int:
        if self.error is not None:
            return 2
        assert self.report is not None
        return 1 if self.report.has_model_errors else 0

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.path, "status": self.exit_code}
        if self.error is not None:
            kind = (
                "unsafe-xml"
                if isinstance(self.error, UnsafeXmlError)
                else "not-xml"
                if isinstance(self.error, NotXmlError)
                else "not-bpmn"
            )
            out["error"] = {"kind": kind, "message": self.error.message, "line": self.error.line}
            out["processes"] = []
            out["model_findings"] = []
            return out
        assert self.report is not None
        out["error"] = None
        out["model_errors"] = self.report.has_model_errors
        out["processes"] = [
            {
                "id": p.process_id,
                "name": p.name,
                "executable": p.executable,
                "findings": [f.as_dict() for f in p.findings],
            }
            for p in self.report.processes
        ]
        out["model_findings"] = [f.as_dict() for f in self.report.model_findings]
        return out


def check_file(path: Path) -> FileResult:
    """Import and check one file; library errors become part of the result, never a traceback."""
    if path.is_dir():
        message = f"this is a folder, not a file; give the files in it, e.g. {path}/*.bpmn"
        return FileResult(path=str(path), error=NotXmlError(message, source=str(path)))
    try:
        definitions = parse_bpmn(path)
    except BpmnImportError as exc:
        return FileResult(path=str(path), error=exc)
    except OSError as exc:
        message = f"cannot read the file: {exc.strerror or exc}"
        return FileResult(path=str(path), error=NotXmlError(message, source=str(path)))
    return FileResult(path=str(path), report=check(definitions))


def _where(finding: Finding) -> str:
    parts = []
    if finding.element_id:
        label = finding.element_id
        if finding.element_name:
            label += f" ({' '.join(finding.element_name.split())})"
        parts.append(label)
    if finding.line:
        parts.append(f"line {finding.line}")
    return ", ".join(parts)


def _print_findings(console: Console, findings: tuple[Finding, ...], indent: str) -> None:
    for finding in findings:
        style = _STYLE[finding.severity]
        where = _where(finding)
        console.print(
            f"{indent}[{style}]{finding.severity.value}[/{style}] "
            f"{escape(where)}{': ' if where else ''}{escape(finding.message)}"
        )


def _print_brief(console: Console, result: FileResult) -> None:
    if result.error is not None:
        console.print(
            f"[red]not imported[/red]  {escape(result.path)}: {escape(result.error.message)}"
        )
        return
    report = result.report
    assert report is not None
    errors = sum(1 for f in report.model_findings if f.severity is Severity.ERROR)
    runnable = sum(1 for p in report.processes if p.executable)
    status = "[red]model errors[/red]" if errors else "[green]ok[/green]"
    console.print(
        f"{status}  {escape(result.path)}: {len(report.processes)} process(es), "
        f"{runnable} executable, {errors} model error(s)"
    )


def _print_result(console: Console, result: FileResult) -> None:
    console.print(f"[bold]{escape(result.path)}[/bold]")
    if result.error is not None:
        console.print(f"  [red]not imported[/red]: {escape(result.error.message)}")
        if result.error.line:
            console.print(f"  (line {result.error.line})")
        return
    report = result.report
    assert report is not None
    if not report.processes:
        console.print("  no processes (the file holds only collaborations or definitions)")
    for process in report.processes:
        verdict = "[green]executable[/green]" if process.executable else "[red]not executable[/red]"
        name = " ".join((process.name or "").split())
        label = f" ({escape(name)})" if name else ""
        console.print(f"  process {escape(process.process_id)}{label}: {verdict}")
    if report.model_findings:
        console.print("  model findings:")
        _print_findings(console, report.model_findings, "    ")
    for process in report.processes:
        if process.findings:
            console.print(f"  why '{escape(process.process_id)}' can or cannot run:")
            _print_findings(console, process.findings, "    ")


def _summary(console: Console, results: list[FileResult]) -> None:
    ok = sum(1 for r in results if r.exit_code == 0)
    with_errors = sum(1 for r in results if r.exit_code == 1)
    not_bpmn = sum(1 for r in results if r.exit_code == 2)
    processes = [p for r in results if r.report for p in r.report.processes]
    runnable = sum(1 for p in processes if p.executable)
    console.print(
        f"\n[bold]{len(results)} file(s)[/bold]: {ok} without model errors, "
        f"{with_errors} with model errors, "
        f"{not_bpmn} not imported (not BPMN, unreadable or refused); "
        f"{runnable} of {len(processes)} process(es) executable on CivicFlow."
    )


def check_command(
    files: Annotated[
        list[Path], typer.Argument(help="BPMN 2.0 files to check.", metavar="FILE...")
    ],
    as_json: Annotated[
        bool,
        typer.Option("--json", metavar="", help="Print one JSON object per file (one per line)."),
    ] = False,
    brief: Annotated[
        bool,
        typer.Option(
            "--brief", metavar="", help="Print one line per file instead of every finding."
        ),
    ] = False,
) -> None:
    """Import BPMN files; list their processes, whether each runs on CivicFlow, and findings.

    Exit status: 0 no model errors in any file, 1 model errors, 2 a file could not be imported
    (not BPMN, unreadable, or refused as unsafe).
    """
    results = [check_file(path) for path in files]
    if as_json:
        for result in results:
            typer.echo(json.dumps(result.as_dict(), ensure_ascii=False))
    else:
        console = Console(highlight=False, soft_wrap=True)
        for result in results:
            (_print_brief if brief else _print_result)(console, result)
        _summary(console, results)
    raise typer.Exit(max((r.exit_code for r in results), default=0))


def register(app: typer.Typer) -> None:
    """Attach ``check`` to the root command."""
    app.command("check")(check_command)
