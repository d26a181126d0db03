"""Every ``--help`` reads as plain value names, and a closed output pipe ends the program
quietly with the shell's SIGPIPE status (141), not 1 (which ``check`` uses for model errors)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from typer.core import TyperGroup
from typer.testing import CliRunner

from civicflow.cli import CLOSED_OUTPUT_EXIT, app

EXAMPLE = str(Path(__file__).parents[3] / "examples" / "reference_permit.bpmn")
CIVICFLOW = str(Path(sys.executable).parent / "civicflow")
runner = CliRunner()


def _command_paths() -> list[list[str]]:
    paths: list[list[str]] = [[]]

    def walk(group: TyperGroup, prefix: list[str]) -> None:
        for name, command in group.commands.items():
            paths.append([*prefix, name])
            if isinstance(command, TyperGroup):
                walk(command, [*prefix, name])

    root = typer.main.get_command(app)
    assert isinstance(root, TyperGroup)
    walk(root, [])
    return paths


@pytest.mark.parametrize("path", _command_paths(), ids=lambda p: " ".join(p) or "civicflow")
def test_help_shows_value_names_not_python_types(path: list[str]) -> None:
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    types = re.findall(r"<(?:str|bool|int|float|path|file|list\[[^\]]*\]|[a-z]+ range)>",
                       result.output)
    assert types == []
    usage = next(line for line in result.output.splitlines() if "Usage:" in line)
    assert "{" not in usage


def test_engine_help_names_what_each_value_is() -> None:
    result = runner.invoke(app, ["start", "--help"], env={"COLUMNS": "120"})
    assert "PROCESS-ID" in result.output
    assert "NAME=VALUE" in result.output
    assert "URL" in result.output


@pytest.mark.parametrize("args", [["check", EXAMPLE], ["check", "--json", EXAMPLE], ["--help"],
                                  ["feel", "1 + 1"]])
def test_a_closed_output_pipe_ends_quietly_with_the_sigpipe_status(args: list[str]) -> None:
    proc = subprocess.Popen([CIVICFLOW, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    assert proc.stderr is not None
    proc.stdout.close()  # the reader went away before anything was written, like `| head -0`
    errors = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=60) == CLOSED_OUTPUT_EXIT == 141
    assert errors == b""


def test_output_that_is_read_keeps_the_documented_exit_status() -> None:
    done = subprocess.run([CIVICFLOW, "check", "--brief", EXAMPLE], capture_output=True,
                          check=False, timeout=60)
    assert done.returncode == 0
    assert b"reference_permit" in done.stdout
