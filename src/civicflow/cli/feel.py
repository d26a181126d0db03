"""``civicflow feel``: evaluate one FEEL expression, to try conditions and mappings by hand."""

from __future__ import annotations

import json
from typing import Any

import typer


def register(app: typer.Typer) -> None:
    """Attach the ``feel`` command to the root application."""
    app.command("feel")(feel)


def feel(
    expression: str = typer.Argument(..., help='The FEEL expression, e.g. "age >= 18".'),
    context: str = typer.Option(
        "{}", "--context", "-c", help='Variables as a JSON object, e.g. \'{"age": 20}\'.'
    ),
) -> None:
    """Evaluate a FEEL expression and print its value as JSON (warnings go to stderr)."""
    # Imported here so that other commands do not pay for loading the FEEL package.
    from civicflow.feel import FeelError, FeelWarning, compile_expression, from_python, to_python

    try:
        variables: Any = json.loads(context)
    except json.JSONDecodeError as exc:
        typer.echo(f"--context is not valid JSON: {exc.msg} (line {exc.lineno})", err=True)
        raise typer.Exit(2) from None
    if not isinstance(variables, dict):
        typer.echo('--context must be a JSON object such as {"age": 20}', err=True)
        raise typer.Exit(2)
    values = {str(k): from_python(v) for k, v in variables.items()}
    warnings: list[FeelWarning] = []
    try:
        result = compile_expression(expression, frozenset(values)).evaluate(values, warnings)
    except FeelError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    for warning in warnings:
        typer.echo(f"warning: {warning.message}", err=True)
    typer.echo(json.dumps(to_python(result), ensure_ascii=False))
