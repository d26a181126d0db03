"""The ``civicflow`` command line. Thin: each command module parses options and calls the library.

Commands live in one module each under ``civicflow.cli`` and are registered in ``_register``.
"""

from __future__ import annotations

import os
import sys
from typing import Any, NoReturn, TextIO

import typer

from civicflow import __version__
from civicflow.cli.plain_help import PlainHelpGroup

#: exit status when the reader of our output went away (``civicflow ... | head -1``): the
#: shell convention for a process ended by SIGPIPE (128 + 13), so scripts do not read it as
#: "findings" (1)
CLOSED_OUTPUT_EXIT = 141

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
    cls=PlainHelpGroup,
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
    sys.stdout = _ClosedPipeGuard(sys.stdout)
    app()


class _ClosedPipeGuard:
    """stdout that ends the program quietly with 141 when its reader has gone away.

    Click and rich each catch a broken pipe themselves and exit 1, which ``check`` uses for
    "model errors"; this wrapper meets the broken pipe first, points stdout at the null device
    (so the final flush stays quiet) and exits with the shell's SIGPIPE status instead.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._went_away()

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._went_away()

    def _went_away(self) -> NoReturn:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, self._stream.fileno())
        os.close(devnull)
        raise SystemExit(CLOSED_OUTPUT_EXIT)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
