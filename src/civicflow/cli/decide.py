"""``civicflow decide MODEL.dmn DECISION --input '{...}'``: evaluate a DMN decision.

Exit codes: 0 evaluated (even with warnings), 1 the model cannot be loaded or its evaluation
was stopped (a runaway loop), 2 the command was called wrongly (missing file, input that is
not a JSON object, unknown decision).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from civicflow.dmn.results import DecisionResult


def register(app: typer.Typer) -> None:
    """Add the ``decide`` command to the root CLI."""
    app.command("decide")(decide)


def decide(
    model: Annotated[Path, typer.Argument(help="The DMN file (DMN 1.1 to 1.5).")],
    decision: Annotated[str, typer.Argument(
        help="The decision's name or id (or a decision service's).")],
    input_json: Annotated[str, typer.Option(
        "--input", "-i", metavar="JSON",
        help='Input values as a JSON object, e.g. \'{"Age": 17}\', or @file.json to read a file.'
    )] = "{}",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Evaluate a DMN decision and show its value and the decision table rules that matched."""
    # Imported here so that other commands do not pay for loading lxml, lark and FEEL.
    from rich.console import Console

    from civicflow.dmn.errors import DecisionNotFoundError, DmnEvaluationError, DmnImportError
    from civicflow.dmn.evaluate import evaluate_decision, invoke_decision_service
    from civicflow.dmn.inputs import inputs_from_json
    from civicflow.dmn.parse import load_model

    if not model.is_file():
        typer.echo(f"error: no DMN file at {model}.", err=True)
        raise typer.Exit(2)
    if input_json.startswith("@"):
        source = Path(input_json[1:])
        try:
            input_json = source.read_text(encoding="utf-8")
        except OSError as exc:
            typer.echo(f"error: cannot read the input file {source}: {exc.strerror}.", err=True)
            raise typer.Exit(2) from None
    try:
        data = json.loads(input_json, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        typer.echo(f"error: --input is not valid JSON: {exc.msg} at column {exc.colno}."
                   " Example: --input '{\"Age\": 17}'.", err=True)
        raise typer.Exit(2) from None
    if not isinstance(data, dict):
        typer.echo("error: --input must be a JSON object mapping input names to values,"
                   " e.g. '{\"Age\": 17}'.", err=True)
        raise typer.Exit(2)
    try:
        loaded = load_model(model)
    except DmnImportError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    inputs = inputs_from_json(loaded, data)
    is_service = not any(decision in (d.name, d.id) for d in loaded.main.decisions) and any(
        decision in (s.name, s.id) for s in loaded.main.decision_services)
    try:
        if is_service:
            result = invoke_decision_service(loaded, decision, inputs)
        else:
            result = evaluate_decision(loaded, decision, inputs)
    except DecisionNotFoundError as exc:
        services = ", ".join(repr(s.name) for s in loaded.main.decision_services)
        extra = f" Its decision services are: {services}." if services else ""
        typer.echo(f"error: {exc}{extra}", err=True)
        raise typer.Exit(2) from None
    except DmnEvaluationError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(_as_json(result), indent=2, default=str, ensure_ascii=False))
    else:
        _print(result, Console())


def _plain(value: Any) -> Any:
    from civicflow.dmn import feel_bridge

    converted = feel_bridge.to_python(value)
    return _jsonable(converted)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 2**53 \
            else float(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _as_json(result: DecisionResult) -> dict[str, Any]:
    return {
        "decision": result.decision_name,
        "value": _plain(result.value),
        "decisions": [
            {
                "id": outcome.decision_id,
                "name": outcome.decision_name,
                "value": _plain(outcome.value),
                "matchedRules": [
                    {"table": rule.table_id, "index": rule.index, "ruleId": rule.rule_id,
                     "outputs": {k: _plain(v) for k, v in rule.outputs.items()}}
                    for rule in outcome.matched_rules
                ],
                "warnings": list(outcome.warnings),
            }
            for outcome in result.outcomes
        ],
    }


def _print(result: DecisionResult, console: Console) -> None:
    from rich.markup import escape
    from rich.table import Table

    from civicflow.dmn.render import render

    console.print(f"[bold]{escape(result.decision_name)}[/bold] = ", end="")
    console.print(render(result.value), markup=False, highlight=False)
    rules = Table(title="Matched rules", show_lines=False)
    for column in ("Decision", "Rule", "Rule id", "Outputs"):
        rules.add_column(column)
    count = 0
    for outcome in result.outcomes:
        for rule in outcome.matched_rules:
            outputs = ", ".join(f"{k} = {render(v)}" for k, v in rule.outputs.items())
            rules.add_row(outcome.decision_name, str(rule.index), rule.rule_id, outputs)
            count += 1
    if count:
        console.print(rules)
    else:
        console.print("No decision table rule matched (or no decision tables were used).")
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}", highlight=False)
