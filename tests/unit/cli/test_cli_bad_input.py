"""Sloppy and hostile input to the CLI: a clear message, the documented exit code, no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from civicflow.cli import app

EXAMPLES = Path(__file__).parents[3] / "examples"
MODEL = str(EXAMPLES / "reference_permit.bpmn")
PARAMS = EXAMPLES / "reference_permit_params.yaml"

LOG = """\
case:concept:name,concept:name,time:timestamp,case:department
a,Receive,2026-11-02T10:00:00+01:00,Permits
a,Decide,2026-11-05T10:00:00+01:00,Permits
b,Receive,2026-11-06T16:00:00+01:00,Zoning
b,Decide,2026-11-16T16:00:00+01:00,Zoning
"""
KPIS = "kpis:\n  - {id: done, type: throughput}\n"

runner = CliRunner()


def _no_traceback(output: str) -> None:
    assert "Traceback" not in output
    assert "Error:" in output or "error:" in output or "not imported" in output


@pytest.fixture
def kpi_files(tmp_path: Path) -> tuple[str, str]:
    log = tmp_path / "log.csv"
    log.write_text(LOG, encoding="utf-8")
    definitions = tmp_path / "kpis.yaml"
    definitions.write_text(KPIS, encoding="utf-8")
    return str(log), str(definitions)


def _params(tmp_path: Path, old: str, new: str) -> str:
    text = PARAMS.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "params.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return str(path)


# -- check -------------------------------------------------------------------------------------


def test_check_reports_a_folder_as_not_a_file_with_exit_code_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", str(tmp_path)])
    assert result.exit_code == 2
    assert "folder" in result.output
    assert "Traceback" not in result.output


def test_check_json_of_a_folder_is_one_valid_json_error_object(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", "--json", str(tmp_path)])
    assert result.exit_code == 2
    record = json.loads(result.output)
    assert record["status"] == 2
    assert "folder" in record["error"]["message"]


# -- feel --------------------------------------------------------------------------------------


def test_feel_takes_an_expression_that_starts_with_a_minus_sign() -> None:
    result = runner.invoke(app, ["feel", "-1 * fee", "--context", '{"fee": 3}'])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == -3


@pytest.mark.parametrize("context", ['{"x": NaN}', '{"x": Infinity}', '{"x": [1e400]}'])
def test_feel_refuses_context_numbers_that_are_not_finite_instead_of_a_silent_null(
    context: str,
) -> None:
    result = runner.invoke(app, ["feel", "x", "--context", context])
    assert result.exit_code == 2
    assert "--context" in result.output
    assert "null" not in result.stdout


# -- kpi ---------------------------------------------------------------------------------------


def test_kpi_by_the_same_dimension_twice_counts_it_once(kpi_files: tuple[str, str]) -> None:
    log, definitions = kpi_files
    args = ["kpi", log, "-d", definitions, "--json", "--by", "department"]
    result = runner.invoke(app, [*args, "--by", "department"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["by"] == ["department"]


def test_kpi_by_an_unknown_dimension_is_a_usage_error_naming_the_known_ones(
    kpi_files: tuple[str, str],
) -> None:
    log, definitions = kpi_files
    result = runner.invoke(app, ["kpi", log, "-d", definitions, "--by", "colour"])
    assert result.exit_code == 2
    assert "colour" in result.output
    assert "department" in result.output


def test_kpi_as_of_at_the_end_of_time_is_a_usage_error_not_a_crash(
    kpi_files: tuple[str, str],
) -> None:
    log, definitions = kpi_files
    result = runner.invoke(app, ["kpi", log, "-d", definitions, "--as-of", "9999-12-31T23:59:59Z"])
    assert result.exit_code == 2
    _no_traceback(result.output)
    assert "--as-of" in result.output


@pytest.mark.parametrize("target", [".nan", ".inf"])
def test_kpi_refuses_a_target_that_is_not_a_finite_number(
    kpi_files: tuple[str, str], tmp_path: Path, target: str
) -> None:
    log, _ = kpi_files
    definitions = tmp_path / "bad.yaml"
    definitions.write_text(f"kpis:\n  - {{id: t, type: throughput, target: {target}}}\n")
    result = runner.invoke(app, ["kpi", log, "-d", str(definitions), "--json"])
    assert result.exit_code == 1
    assert "kpis[0].target" in result.output
    assert "NaN" not in result.stdout


def test_kpi_names_the_key_of_an_impossible_closure_date(
    kpi_files: tuple[str, str], tmp_path: Path
) -> None:
    log, _ = kpi_files
    definitions = tmp_path / "bad.yaml"
    definitions.write_text("calendar: {closures: [2026-02-30]}\n" + KPIS, encoding="utf-8")
    result = runner.invoke(app, ["kpi", log, "-d", str(definitions)])
    assert result.exit_code == 1
    assert "calendar.closures[0]" in result.output
    assert "2026-02-30" in result.output


def test_kpi_says_a_definitions_file_that_is_not_utf8_is_not_utf8(
    kpi_files: tuple[str, str], tmp_path: Path
) -> None:
    log, _ = kpi_files
    definitions = tmp_path / "latin.yaml"
    definitions.write_bytes(
        "kpis:\n  - {id: d, name: Prüfung, type: throughput}\n".encode("latin-1")
    )
    result = runner.invoke(app, ["kpi", log, "-d", str(definitions)])
    assert result.exit_code == 1
    assert "latin.yaml" in result.output
    assert "UTF-8" in result.output


def test_kpi_hints_at_a_semicolon_separated_log(kpi_files: tuple[str, str], tmp_path: Path) -> None:
    _, definitions = kpi_files
    log = tmp_path / "excel.csv"
    log.write_text(LOG.replace(",", ";"), encoding="utf-8")
    result = runner.invoke(app, ["kpi", str(log), "-d", definitions])
    assert result.exit_code == 1
    assert "semicolons" in result.output


def test_kpi_calls_a_folder_given_as_the_log_a_folder(
    kpi_files: tuple[str, str], tmp_path: Path
) -> None:
    _, definitions = kpi_files
    result = runner.invoke(app, ["kpi", str(tmp_path), "-d", definitions])
    assert result.exit_code == 1
    assert "folder" in result.output


def test_kpi_csv_errors_carry_no_programming_advice(
    kpi_files: tuple[str, str], tmp_path: Path
) -> None:
    _, definitions = kpi_files
    log = tmp_path / "ragged.csv"
    log.write_text(LOG + "c,Receive,2026-11-06T16:00:00+01:00,Zoning,extra\n", encoding="utf-8")
    result = runner.invoke(app, ["kpi", str(log), "-d", definitions])
    assert result.exit_code == 1
    assert "ragged.csv" in result.output
    assert "truncate_ragged_lines" not in result.output


def test_kpi_survey_file_without_a_score_column_names_the_missing_column(
    kpi_files: tuple[str, str], tmp_path: Path
) -> None:
    log, definitions = kpi_files
    surveys = tmp_path / "scores.csv"
    surveys.write_text("case:concept:name,rating\na,4\n", encoding="utf-8")
    result = runner.invoke(app, ["kpi", log, "-d", definitions, "--surveys", str(surveys)])
    assert result.exit_code == 1
    assert "score" in result.output
    assert "rating" in result.output


# -- simulate ----------------------------------------------------------------------------------


@pytest.mark.parametrize("days", ["inf", "1e300"])
def test_simulate_refuses_absurd_days_as_a_usage_error(days: str) -> None:
    result = runner.invoke(app, ["simulate", MODEL, "-p", str(PARAMS), "--days", days])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "--days" in result.output


def test_simulate_refuses_absurd_runs_as_a_usage_error() -> None:
    result = runner.invoke(app, ["simulate", MODEL, "-p", str(PARAMS), "--runs", "100000000"])
    assert result.exit_code == 2
    assert "--runs" in result.output


def test_simulate_days_within_the_warm_up_say_which_setting_to_change() -> None:
    result = runner.invoke(app, ["simulate", MODEL, "-p", str(PARAMS), "--days", "1"])
    assert result.exit_code == 1
    assert "warm" in result.output
    assert "warmup_days" in result.output


def test_simulate_refuses_an_unusable_event_log_path_before_simulating(tmp_path: Path) -> None:
    target = tmp_path / "missing-folder" / "log.csv"
    result = runner.invoke(
        app, ["simulate", MODEL, "-p", str(PARAMS), "-n", "1", "--event-log", str(target)]
    )
    assert result.exit_code == 1
    assert "does not exist" in result.output
    assert "Simulation of" not in result.output


def test_simulate_names_the_key_of_an_impossible_start_date(tmp_path: Path) -> None:
    params = _params(tmp_path, "start: 2027-01-04T00:00:00", "start: 2027-02-30T00:00:00")
    result = runner.invoke(app, ["simulate", MODEL, "-p", params, "-n", "1"])
    assert result.exit_code == 1
    assert "start" in result.output
    assert "2027-02-30" in result.output


def test_simulate_refuses_a_pool_too_large_to_follow_instead_of_hanging(tmp_path: Path) -> None:
    params = _params(tmp_path, "capacity: 3", "capacity: 1000000000")
    result = runner.invoke(app, ["simulate", MODEL, "-p", params, "-n", "1"])
    assert result.exit_code == 1
    assert "pools.Zoning.capacity" in result.output


def test_simulate_refuses_an_inline_scenario_too_large_to_follow() -> None:
    result = runner.invoke(app, ["simulate", MODEL, "-p", str(PARAMS), "-s", "Zoning=100000000"])
    assert result.exit_code == 1
    assert "at most" in result.output


def test_simulate_says_a_folder_given_as_the_model_is_a_folder(tmp_path: Path) -> None:
    result = runner.invoke(app, ["simulate", str(tmp_path), "-p", str(PARAMS)])
    assert result.exit_code == 1
    assert "folder" in result.output
    assert "Errno" not in result.output


def test_simulate_says_a_parameter_file_that_is_not_utf8_is_not_utf8(tmp_path: Path) -> None:
    params = tmp_path / "latin.yaml"
    params.write_bytes(
        PARAMS.read_text(encoding="utf-8").replace("Zoning", "Zoné").encode("latin-1")
    )
    result = runner.invoke(app, ["simulate", MODEL, "-p", str(params)])
    assert result.exit_code == 1
    assert "UTF-8" in result.output


def test_simulate_yaml_errors_give_line_and_column_without_internal_names(tmp_path: Path) -> None:
    params = _params(tmp_path, "arrivals:", "arrivals: [1")
    result = runner.invoke(app, ["simulate", MODEL, "-p", params])
    assert result.exit_code == 1
    assert "line 8" in result.output
    assert "<unicode string>" not in result.output


# -- help --------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["kpi", "simulate", "feel"])
def test_help_names_option_values_in_words_not_python_types(command: str) -> None:
    result = runner.invoke(app, [command, "--help"], terminal_width=200)
    assert result.exit_code == 0
    for python_type in ("<list[str]>", "<str>", "<int range>", "<float range>", "<int>"):
        assert f"--{python_type}" not in result.output
    options = result.output.split("Options")[1]
    assert "<str>" not in options
    assert "<list[str]>" not in options


@pytest.mark.parametrize("change", ["Zoning+-2", "arrivals*-1"])
def test_simulate_inline_change_with_a_signed_number_says_how_to_write_it(change: str) -> None:
    result = runner.invoke(app, ["simulate", MODEL, "-p", str(PARAMS), "-s", change])
    assert result.exit_code == 1
    assert "without a sign" in result.output
    assert "no resource pool" not in result.output


def test_simulate_inline_factor_of_zero_is_refused_as_the_scenario_it_is() -> None:
    result = runner.invoke(app, ["simulate", MODEL, "-p", str(PARAMS), "-s", "arrivals*0"])
    assert result.exit_code == 1
    assert "arrivals*0" in result.output
    assert "above 0" in result.output


def test_simulate_misspelt_scenario_with_a_hyphen_lists_the_scenarios_of_the_file() -> None:
    result = runner.invoke(app, ["simulate", MODEL, "-p", str(PARAMS), "-s", "busy-sprng"])
    assert result.exit_code == 1
    assert "busy_spring" in result.output


def test_check_calls_a_missing_file_not_imported_rather_than_not_bpmn(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", "--brief", str(tmp_path / "gone.bpmn")])
    assert result.exit_code == 2
    assert "not imported" in result.output
    assert "not BPMN " not in result.output
