"""``civicflow simulate``: a comparison table, a JSON contract, and errors a person can act on."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from civicflow.cli import app

EXAMPLES = Path(__file__).parents[3] / "examples"
MODEL = str(EXAMPLES / "reference_permit.bpmn")
PARAMS = str(EXAMPLES / "reference_permit_params.yaml")

runner = CliRunner()


def short_params(tmp_path: Path) -> str:
    """The example parameters over two weeks instead of eight, to keep the tests quick."""
    text = Path(PARAMS).read_text(encoding="utf-8")
    text = text.replace("horizon_days: 56", "horizon_days: 14").replace(
        "warmup_days: 7", "warmup_days: 2"
    )
    path = tmp_path / "params.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_simulate_prints_a_table_comparing_the_chosen_scenario_with_the_baseline(
    tmp_path: Path,
) -> None:
    params = short_params(tmp_path)
    result = runner.invoke(
        app, ["simulate", MODEL, "--params", params, "--scenario", "more_zoning_staff", "-n", "2"]
    )
    assert result.exit_code == 0, result.output
    assert "baseline" in result.output
    assert "more_zoning" in result.output
    assert "busy_spring" not in result.output
    assert "Cycle time" in result.output
    assert "Zoning" in result.output
    assert "Busiest team in the baseline" in result.output


def test_simulate_json_lists_scenarios_with_means_and_intervals(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    params = short_params(tmp_path)
    result = runner.invoke(
        app,
        ["simulate", MODEL, "-p", params, "--runs", "2", "--json", "--event-log", str(log)],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    names = [s["name"] for s in data["scenarios"]]
    assert names == ["baseline", "more_zoning_staff", "faster_review", "busy_spring"]
    cycle = data["scenarios"][0]["metrics"]["cycle_time_mean_h"]
    assert cycle["low"] <= cycle["mean"] <= cycle["high"]
    assert cycle["runs"] == 2
    assert "utilisation[Zoning]" in data["scenarios"][0]["metrics"]
    frame = pl.read_csv(log)
    assert "org:resource" in frame.columns
    assert frame.height > 100


def test_an_unknown_scenario_is_an_error_naming_the_ones_in_the_file() -> None:
    result = runner.invoke(app, ["simulate", MODEL, "-p", PARAMS, "-s", "more_staff"])
    assert result.exit_code == 1
    assert "more_staff" in result.output
    assert "more_zoning_staff" in result.output


def test_a_broken_parameter_file_is_an_error_with_its_key_path(tmp_path: Path) -> None:
    params = tmp_path / "params.yaml"
    params.write_text("arrivals: {rate_per_hour: 1}\npools: {Zoning: {capacity: 0}}\n")
    result = runner.invoke(app, ["simulate", MODEL, "-p", str(params)])
    assert result.exit_code == 1
    assert "pools.Zoning.capacity" in result.output
    assert "Traceback" not in result.output


def test_a_missing_model_file_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    result = runner.invoke(app, ["simulate", str(tmp_path / "none.bpmn"), "-p", PARAMS])
    assert result.exit_code == 1
    assert "none.bpmn" in result.output


def test_an_inline_scenario_adds_staff_without_editing_the_file(tmp_path: Path) -> None:
    params = short_params(tmp_path)
    result = runner.invoke(app, ["simulate", MODEL, "-p", params, "-s", "Zoning+2", "-n", "2"])
    assert result.exit_code == 0, result.output
    assert "Zoning+2" in result.output


def test_one_run_gives_means_and_null_intervals_in_valid_json(tmp_path: Path) -> None:
    params = short_params(tmp_path)
    result = runner.invoke(
        app, ["simulate", MODEL, "-p", params, "-s", "Zoning+1", "-n", "1", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert "NaN" not in result.output
    cycle = json.loads(result.output)["scenarios"][0]["metrics"]["cycle_time_mean_h"]
    assert cycle["mean"] > 0
    assert cycle["low"] is None
    assert cycle["high"] is None


def test_days_overrides_the_horizon_of_the_parameter_file(tmp_path: Path) -> None:
    params = short_params(tmp_path)
    log = tmp_path / "log.csv"
    result = runner.invoke(
        app,
        [
            *("simulate", MODEL, "-p", params, "-s", "Zoning+1", "-n", "1", "--days", "5"),
            *("--event-log", str(log), "--json"),
        ],
    )
    assert result.exit_code == 0, result.output
    times = pl.read_csv(log, try_parse_dates=True)["time:timestamp"]
    last = times.max()
    assert isinstance(last, datetime)
    assert last < datetime(2027, 1, 9, tzinfo=UTC)  # 5 days from Monday 4 January 2027
