"""``civicflow feel``: evaluate an expression from the command line."""

import json

from typer.testing import CliRunner

from civicflow.cli import app

runner = CliRunner()


def test_feel_command_prints_the_value_as_json() -> None:
    result = runner.invoke(app, ["feel", "applicant age >= 18", "-c", '{"applicant age": 20}'])
    assert result.exit_code == 0
    assert json.loads(result.stdout) is True


def test_feel_command_prints_dates_as_iso_text() -> None:
    result = runner.invoke(app, ["feel", 'date("2024-01-31") + duration("P1M")'])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == "2024-02-29"


def test_feel_command_reports_syntax_errors_with_position_and_exit_code_1() -> None:
    result = runner.invoke(app, ["feel", "1 +"])
    assert result.exit_code == 1
    assert "line 1" in result.stderr
    assert "Traceback" not in result.output


def test_feel_command_rejects_a_context_that_is_not_a_json_object() -> None:
    result = runner.invoke(app, ["feel", "1", "-c", "[1]"])
    assert result.exit_code == 2
    assert "JSON object" in result.stderr


def test_feel_command_shows_warnings_on_stderr() -> None:
    result = runner.invoke(app, ["feel", '1 + "a"'])
    assert result.exit_code == 0
    assert json.loads(result.stdout) is None
    assert "warning:" in result.stderr
