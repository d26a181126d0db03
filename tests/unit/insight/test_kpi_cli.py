"""``civicflow kpi``: a readable table, a JSON contract, and errors without tracebacks."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from civicflow.cli import app

runner = CliRunner()

CSV = """\
case:concept:name,concept:name,time:timestamp,org:group,case:department,case:channel
a,Receive,2026-11-02T10:00:00+01:00,Intake,Permits,web
a,Decide,2026-11-05T10:00:00+01:00,Permits,Permits,web
b,Receive,2026-11-06T16:00:00+01:00,Intake,Zoning,desk
b,Check,2026-11-09T10:00:00+01:00,Zoning,Zoning,desk
b,Check,2026-11-10T10:00:00+01:00,Zoning,Zoning,desk
b,Decide,2026-11-16T16:00:00+01:00,Zoning,Zoning,desk
c,Receive,2026-12-01T10:00:00+01:00,Intake,Permits,web
c,Decide,2026-12-02T10:00:00+01:00,Permits,Permits,web
"""

DEFINITIONS = """\
calendar: {timezone: Europe/Amsterdam, country: NL}
kpis:
  - {id: sla, name: Within 5 days, type: sla_compliance, deadline_business_days: 5, target: 0.9}
  - {id: ftr, name: First time right, type: first_time_right, target: 0.5}
  - {id: ct, name: Cycle time, type: cycle_time, unit: days, statistic: mean, target: 4}
"""


@pytest.fixture
def files(tmp_path: Path) -> tuple[str, str]:
    log = tmp_path / "log.csv"
    log.write_text(CSV, encoding="utf-8")
    definitions = tmp_path / "kpis.yaml"
    definitions.write_text(DEFINITIONS, encoding="utf-8")
    return str(log), str(definitions)


def test_the_table_shows_each_kpi_with_value_target_and_status(files: tuple[str, str]) -> None:
    log, definitions = files
    result = runner.invoke(app, ["kpi", log, "--definitions", definitions], terminal_width=160)
    assert result.exit_code == 0, result.output
    # a: 3 business days, b: 6 (over the SLA), c: 1 -> 2 of 3 within 5 days.
    sla_row = next(line for line in result.output.splitlines() if "Within 5 days" in line)
    assert "66.7%" in sla_row
    assert "missed" in sla_row
    # Cycle time: 3 + 10 + 1 days -> mean 4.67 days, over the target of 4.
    ct_row = next(line for line in result.output.splitlines() if "Cycle time" in line)
    assert "4.67 days" in ct_row
    assert "≤ 4" in ct_row


def test_json_output_groups_by_department_and_month_with_trend(files: tuple[str, str]) -> None:
    log, definitions = files
    result = runner.invoke(
        app, ["kpi", log, "-d", definitions, "--by", "department", "--period", "month", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["by"] == ["department"]
    assert data["cases"] == 3
    permits_ct = [
        r for r in data["results"] if r["id"] == "ct" and r["group"] == {"department": "Permits"}
    ]
    # November: a (3 days); December: c (1 day) -> change -2 days, better.
    assert [(r["period"], r["value"]) for r in permits_ct] == [("2026-11", 3.0), ("2026-12", 1.0)]
    assert permits_ct[1]["change"] == -2.0
    assert permits_ct[1]["trend"] == "better"


def test_as_of_limits_the_log_to_what_was_known_then(files: tuple[str, str]) -> None:
    log, definitions = files
    result = runner.invoke(
        app, ["kpi", log, "-d", definitions, "--as-of", "2026-11-30T00:00:00+01:00", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["cases"] == 2


def test_an_invalid_definitions_file_is_reported_with_its_line_and_exit_code_1(
    files: tuple[str, str],
) -> None:
    log, definitions = files
    Path(definitions).write_text(DEFINITIONS.replace("target: 0.5", "target: half"), "utf-8")
    result = runner.invoke(app, ["kpi", log, "-d", definitions])
    assert result.exit_code == 1
    assert "line 4, kpis[1].target: expected a number, got 'half'" in result.output
    assert "Traceback" not in result.output


def test_a_log_without_recognisable_columns_is_refused_naming_its_columns(
    files: tuple[str, str], tmp_path: Path
) -> None:
    _, definitions = files
    bad = tmp_path / "bad.csv"
    bad.write_text("dossier,stap,wanneer\na,x,2026-01-01T00:00:00Z\n", encoding="utf-8")
    result = runner.invoke(app, ["kpi", str(bad), "-d", definitions])
    assert result.exit_code == 1
    assert "No column for case:concept:name" in result.output
    assert "dossier, stap, wanneer" in result.output
    assert "Traceback" not in result.output


def _legacy_csv(tmp_path: Path) -> Path:
    """The fixture's log as a legacy export: own column names, day-first local times."""
    lines = ["dossier;stap;wanneer;afdeling;case:department"]
    for row in CSV.splitlines()[1:]:
        case, activity, stamp, group, department, _ = row.split(",")
        day, clock = stamp[:10], stamp[11:16]
        year, month, dd = day.split("-")
        lines.append(f"{case};{activity};{dd}/{month}/{year} {clock};{group};{department}")
    path = tmp_path / "legacy.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_csv_columns_can_be_mapped_as_in_mine(files: tuple[str, str], tmp_path: Path) -> None:
    log, definitions = files
    legacy = _legacy_csv(tmp_path)
    options = ["--case", "dossier", "--activity", "stap", "--timestamp", "wanneer",
               "--group", "afdeling", "--timestamp-format", "%d/%m/%Y %H:%M",
               "--timezone", "Europe/Amsterdam", "--separator", ";"]
    mapped = runner.invoke(app, ["kpi", str(legacy), "-d", definitions, "--json", *options])
    assert mapped.exit_code == 0, mapped.output
    reference = runner.invoke(app, ["kpi", log, "-d", definitions, "--json"])
    assert json.loads(mapped.output) == json.loads(reference.output)


def test_csv_columns_with_common_names_are_guessed(files: tuple[str, str], tmp_path: Path) -> None:
    log, definitions = files
    guessed = tmp_path / "guessed.csv"
    guessed.write_text(CSV.replace("case:concept:name,concept:name,time:timestamp",
                                   "Case ID,Activity,Timestamp"), encoding="utf-8")
    result = runner.invoke(app, ["kpi", str(guessed), "-d", definitions, "--json"])
    assert result.exit_code == 0, result.output
    reference = runner.invoke(app, ["kpi", log, "-d", definitions, "--json"])
    assert json.loads(result.output) == json.loads(reference.output)


def test_a_mapped_column_that_does_not_exist_is_named(
    files: tuple[str, str], tmp_path: Path
) -> None:
    _, definitions = files
    legacy = _legacy_csv(tmp_path)
    result = runner.invoke(app, ["kpi", str(legacy), "-d", definitions, "--separator", ";",
                                 "--case", "zaak"])
    assert result.exit_code == 1
    assert "no column 'zaak'" in result.output


@pytest.mark.parametrize(
    ("extra", "code", "words"),
    [
        (["--period", "year"], 2, "week or month"),
        (["--as-of", "yesterday"], 2, "ISO 8601"),
        (["--by", "colour"], 2, "no such dimension"),
        (["--timestamp", "nope"], 1, "no column 'nope'"),
    ],
)
def test_json_errors_are_an_error_object_with_the_exit_code(
    files: tuple[str, str], extra: list[str], code: int, words: str
) -> None:
    log, definitions = files
    result = runner.invoke(app, ["kpi", log, "-d", definitions, "--json", *extra])
    assert result.exit_code == code
    error = json.loads(result.stdout)["error"]
    assert error["code"] == code
    assert words in error["message"]


def test_json_error_for_a_missing_log_file(files: tuple[str, str], tmp_path: Path) -> None:
    _, definitions = files
    result = runner.invoke(app, ["kpi", str(tmp_path / "none.csv"), "-d", definitions, "--json"])
    assert result.exit_code == 1
    assert "no such file" in json.loads(result.stdout)["error"]["message"]


def test_an_unreadable_timestamp_names_its_row(files: tuple[str, str], tmp_path: Path) -> None:
    _, definitions = files
    bad = tmp_path / "bad.csv"
    bad.write_text(CSV.replace("2026-11-09T10:00:00+01:00", "9 Nov"), encoding="utf-8")
    result = runner.invoke(app, ["kpi", str(bad), "-d", definitions])
    assert result.exit_code == 1
    assert "first at line 5: '9 Nov'" in result.output


def test_an_xes_file_is_read_through_the_event_log_importer(
    files: tuple[str, str], tmp_path: Path
) -> None:
    _, definitions = files
    xes = tmp_path / "log.xes"
    events = "".join(
        f'<event><string key="concept:name" value="{name}"/>'
        f'<date key="time:timestamp" value="2026-11-{day:02d}T10:00:00+00:00"/></event>'
        for name, day in (("Receive", 2), ("Decide", 4)))
    xes.write_text(f'<log><trace><string key="concept:name" value="c1"/>{events}</trace></log>',
                   encoding="utf-8")
    result = runner.invoke(app, ["kpi", str(xes), "-d", definitions, "--json"])
    assert result.exit_code == 0, result.output
    assert '"cases": 1' in result.output


def test_a_file_of_unknown_type_is_refused_with_what_to_give(
    files: tuple[str, str], tmp_path: Path
) -> None:
    _, definitions = files
    other = tmp_path / "log.txt"
    other.write_text("{}", encoding="utf-8")
    result = runner.invoke(app, ["kpi", str(other), "-d", definitions])
    assert result.exit_code == 1
    assert "parquet or CSV" in result.output


def test_a_bad_period_is_a_usage_error(files: tuple[str, str]) -> None:
    log, definitions = files
    result = runner.invoke(app, ["kpi", log, "-d", definitions, "--period", "year"])
    assert result.exit_code == 2
    assert "week or month" in result.output


def test_survey_scores_feed_the_satisfaction_kpi(files: tuple[str, str], tmp_path: Path) -> None:
    log, definitions = files
    Path(definitions).write_text(
        DEFINITIONS + "  - {id: sat, type: satisfaction, target: 4}\n", encoding="utf-8"
    )
    scores = tmp_path / "scores.csv"
    scores.write_text("case:concept:name,score\na,5\na,4\nb,2\n", encoding="utf-8")
    without = runner.invoke(app, ["kpi", log, "-d", definitions, "--json"])
    with_scores = runner.invoke(
        app, ["kpi", log, "-d", definitions, "--surveys", str(scores), "--json"]
    )
    assert without.exit_code == with_scores.exit_code == 0
    sat_without = next(r for r in json.loads(without.output)["results"] if r["id"] == "sat")
    sat_with = next(r for r in json.loads(with_scores.output)["results"] if r["id"] == "sat")
    assert sat_without["status"] == "no data"
    # a: (5 + 4) / 2 = 4.5; b: 2 -> 3.25, below the target of 4.
    assert sat_with["value"] == 3.25
    assert sat_with["status"] == "missed"


def test_last_keeps_only_the_latest_periods_with_their_trend(files: tuple[str, str]) -> None:
    log, definitions = files
    args = ["kpi", log, "-d", definitions, "--period", "week", "--json"]
    every = json.loads(runner.invoke(app, args).output)["results"]
    last = json.loads(runner.invoke(app, [*args, "--last", "2"]).output)["results"]
    weeks = sorted({r["period"] for r in every})
    assert weeks[0] == "2026-W45"
    assert weeks[-1] == "2026-W49"
    assert {r["period"] for r in last} == {"2026-W48", "2026-W49"}
    assert last == [r for r in every if r["period"] in {"2026-W48", "2026-W49"}]


def test_an_ocel_log_is_flattened_on_its_object_type(
    files: tuple[str, str], tmp_path: Path
) -> None:
    """The fixture's log exported as OCEL 2.0 (one object per case) gives the same KPIs."""
    from civicflow.insight.frame import EventLog
    from civicflow.insight.kpi import read_event_frame
    from civicflow.insight.log import write_ocel2_json

    log, definitions = files
    ocel = tmp_path / "log.jsonocel"
    write_ocel2_json(EventLog.from_frame(read_event_frame(log)), ocel)
    flattened = runner.invoke(app, ["kpi", str(ocel), "-d", definitions, "--json"])
    assert flattened.exit_code == 0, flattened.output
    reference = runner.invoke(app, ["kpi", log, "-d", definitions, "--json"])
    assert json.loads(flattened.output) == json.loads(reference.output)
    wrong = runner.invoke(app, ["kpi", str(ocel), "-d", definitions, "--json",
                                "--object-type", "dossier"])
    assert wrong.exit_code == 1
    assert "no object type 'dossier'" in json.loads(wrong.stdout)["error"]["message"]
