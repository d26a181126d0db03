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


def _simulated_log(tmp_path: Path) -> Path:
    """Two weeks of the example run through the simulator, as a CSV event log."""
    log = tmp_path / "history.csv"
    result = runner.invoke(
        app, ["simulate", MODEL, "-p", short_params(tmp_path), "-n", "1", "--event-log", str(log)]
    )
    assert result.exit_code == 0, result.output
    return log


def test_learn_simulates_with_parameters_learned_from_a_log_and_saves_them(
    tmp_path: Path,
) -> None:
    from civicflow.insight.simulation import PoissonArrivals, load_parameters

    log = _simulated_log(tmp_path)
    saved = tmp_path / "learned.yaml"
    result = runner.invoke(
        app,
        ["simulate", MODEL, "--learn", str(log), "--save-params", str(saved), "-n", "2",
         "--days", "10", "--json", "-s", "Zoning+2"],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [s["name"] for s in data["scenarios"]] == ["baseline", "Zoning+2"]
    assert data["learned"]["params_file"] == str(saved)
    assert any("time since the case's previous event" in n or "pool" in n
               for n in data["learned"]["notes"])
    learned = load_parameters(saved).params
    # the log was generated with 12 applications a day and a 50/50 route
    assert isinstance(learned.arrivals, PoissonArrivals)
    assert 0.35 <= learned.arrivals.rate_per_hour <= 0.65
    route = learned.branches["route"]  # probabilities per outgoing flow of the gateway
    assert len(route) == 2
    assert all(abs(p - 0.5) < 0.15 for p in route.values())
    assert abs(sum(route.values()) - 1) < 1e-9
    assert learned.horizon_hours == 240
    assert {"Zoning", "Permits"} <= set(learned.pools)


def test_learn_prints_the_table_and_what_it_assumed(tmp_path: Path) -> None:
    log = _simulated_log(tmp_path)
    result = runner.invoke(
        app, ["simulate", MODEL, "--learn", str(log), "-n", "1", "--days", "5",
              "--learn-durations", "empirical", "--learn-arrivals", "weekly"]
    )
    assert result.exit_code == 0, result.output
    assert "Cycle time" in result.stdout
    assert f"Parameters learned from {log}" in result.stderr
    assert "weekly calendar of hourly rates" in result.stderr


def test_learned_calendars_are_saved_with_the_teams_working_hours(tmp_path: Path) -> None:
    from civicflow.insight.simulation import load_parameters

    log = _simulated_log(tmp_path)  # the example's teams work 8-12 and 13-17 on weekdays
    saved = tmp_path / "learned.yaml"
    result = runner.invoke(
        app, ["simulate", MODEL, "--learn", str(log), "--learn-calendars", "-n", "1",
              "--days", "5", "--save-params", str(saved)]
    )
    assert result.exit_code == 0, result.output
    zoning = load_parameters(saved).params.pools["Zoning"].calendar
    assert zoning is not None
    assert set(zoning.week) == {0, 1, 2, 3, 4}
    assert all(hours[0][0] == 8.0 and hours[-1][1] == 17.0 for hours in zoning.week.values())


def test_learn_needs_exactly_one_source_of_parameters(tmp_path: Path) -> None:
    neither = runner.invoke(app, ["simulate", MODEL])
    assert neither.exit_code == 2
    assert "--params FILE, or learn them" in neither.output
    both = runner.invoke(app, ["simulate", MODEL, "-p", PARAMS, "--learn", "x.csv"])
    assert both.exit_code == 2
    saving = runner.invoke(app, ["simulate", MODEL, "-p", PARAMS, "--save-params", "x.yaml"])
    assert saving.exit_code == 2
    assert "use it with --learn" in saving.output


def test_learn_from_an_unreadable_log_is_an_error_naming_it(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("who,what\nx,y\n", encoding="utf-8")
    result = runner.invoke(app, ["simulate", MODEL, "--learn", str(bad)])
    assert result.exit_code == 1
    assert f"--learn {bad}" in result.output
    assert "Traceback" not in result.output
    missing = runner.invoke(app, ["simulate", MODEL, "--learn", "sqlite:///nowhere/x.db"])
    assert missing.exit_code == 1
    assert "no database file" in missing.output
