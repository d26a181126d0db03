"""The ``civicflow`` command line. Thin: each command module parses options and calls the library.

Commands live in one module each under ``civicflow.cli`` and are registered in ``_register``.
"""

from __future__ import annotations

import typer

from civicflow import __version__

app = typer.Typer(
    name="civicflow",
    help=(
        "CivicFlow: model, run and measure public-sector processes.\n\n"
        "Check BPMN models, evaluate DMN decisions, run processes on a durable engine and "
        "mine their history for bottlenecks and hand-offs between departments."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"civicflow {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_show_version,
        is_eager=True,
        help="Print the CivicFlow version and exit.",
    ),
) -> None:
    """CivicFlow: model, run and measure public-sector processes."""


def _register() -> None:
    """Attach each command module's commands to ``app``."""
    from civicflow.cli import check, decide, demo, engine, feel, kpi, mine, simulate

    for module in (check, decide, engine, feel, kpi, mine, simulate, demo):
        module.register(app)


_register()


def main() -> None:
    """Entry point of the ``civicflow`` console script."""
    app()
