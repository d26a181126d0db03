"""``civicflow feel``: evaluate one FEEL expression, to try conditions and mappings by hand."""

from __future__ import annotations

import json
import math
from typing import Any

import typer


def register(app: typer.Typer) -> None:
    """Attach the ``feel`` command to the root application."""
    # Unknown options are kept as the expression, so "-1 * fee" needs no "--" in front.
    app.command("feel", context_settings={"ignore_unknown_options": True})(feel)


def feel(
    expression: str = typer.Argument(
        ..., help='The FEEL expression in quotes, e.g. "age >= 18" or "-1 * fee".'
    ),
    context: str = typer.Option(
        "{}",
        "--context",
        "-c",
        metavar="JSON",
        help="Variables as a JSON object, e.g. '{\"age\": 20}'.",
    ),
) -> None:
    """Evaluate a FEEL expression and print its value as JSON (warnings go to stderr)."""
    # Imported here so that other commands do not pay for loading the FEEL package.
    from civicflow.feel import FeelError, FeelWarning, compile_expression, from_python, to_python

    try:
        variables: Any = json.loads(context, parse_constant=_refuse_constant)
    except ValueError as exc:
        if not isinstance(exc, json.JSONDecodeError):
            typer.echo(f"--context: {exc}", err=True)
            raise typer.Exit(2) from None
        typer.echo(f"--context is not valid JSON: {exc.msg} (line {exc.lineno})", err=True)
        raise typer.Exit(2) from None
    if not isinstance(variables, dict):
        typer.echo('--context must be a JSON object such as {"age": 20}', err=True)
        raise typer.Exit(2)
    if _has_infinity(variables):
        typer.echo("--context: a number is too large for JSON (it reads as infinity)", err=True)
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


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not a number FEEL knows; give a number or null")


def _has_infinity(value: object) -> bool:
    """Whether parsed JSON holds a float that overflowed (``1e400``), at any depth."""
    if isinstance(value, float):
        return value in (math.inf, -math.inf)
    if isinstance(value, dict):
        return any(_has_infinity(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_infinity(item) for item in value)
    return False
