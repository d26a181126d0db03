"""``civicflow mine``: text report, the --json contract, the HTML page and readable errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from civicflow.cli import app

runner = CliRunner()

CSV = """dossier;stap;moment;afdeling;medewerker
1;intake;2024-03-01 09:00;Front;ana
1;review;2024-03-01 11:00;Zoning;ben
1;decide;2024-03-02 09:00;Zoning;ben
2;intake;2024-03-01 10:00;Front;ana
2;decide;2024-03-01 16:00;Zoning;cem
3;intake;2024-03-04 09:00;Front;ana
3;review;2024-03-04 10:00;Zoning;ben
3;decide;2024-03-04 14:00;Zoning;ben
"""
MAPPING = ["--case", "dossier", "--activity", "stap", "--timestamp", "moment", "--group",
           "afdeling", "--resource", "medewerker", "--separator", ";"]


@pytest.fixture
def csv_log(tmp_path: Path) -> Path:
    path = tmp_path / "permits.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def test_json_output_follows_the_documented_contract(csv_log: Path) -> None:
    result = runner.invoke(app, ["mine", str(csv_log), "--json", *MAPPING])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert (doc["cases"], doc["events"]) == (3, 8)
    assert doc["start_activities"] == {"intake": 3}
    assert doc["end_activities"] == {"decide": 3}
    edges = {(e["source"], e["target"]): e for e in doc["dfg"]}
    assert edges["intake", "review"]["count"] == 2
    assert edges["intake", "review"]["mean_s"] == pytest.approx((2 * 3600 + 3600) / 2)
    assert edges["review", "decide"]["median_s"] == pytest.approx((22 * 3600 + 4 * 3600) / 2)
    assert set(edges["intake", "decide"]) >= {"source", "target", "count", "mean_s", "median_s"}
    assert doc["variants"][0] == {"activities": ["intake", "review", "decide"], "count": 2,
                                  "share": pytest.approx(2 / 3)}
    assert doc["case_duration_s"]["median"] == pytest.approx(6 * 3600)
    assert doc["case_duration_s"]["mean"] == pytest.approx((24 + 6 + 5) * 3600 / 3)
    worst = doc["bottlenecks"][0]
    assert (worst["source"], worst["target"]) == ("review", "decide")
    assert worst["total_wait_s"] == pytest.approx((22 + 4) * 3600)
    assert worst["per_case_wait_s"] == pytest.approx(13 * 3600)
    assert doc["handoffs"] == [{
        "source": "Front", "target": "Zoning", "count": 3, "cases": 3,
        "total_wait_s": pytest.approx(9 * 3600), "mean_s": pytest.approx(3 * 3600),
        "median_s": pytest.approx(2 * 3600)}]


def test_text_report_names_bottlenecks_handoffs_and_variants(csv_log: Path) -> None:
    result = runner.invoke(app, ["mine", str(csv_log), *MAPPING])
    assert result.exit_code == 0, result.output
    assert "3 cases, 8 events" in result.output
    assert "Bottlenecks" in result.output
    assert "Hand-offs between departments" in result.output
    assert "Front" in result.output
    assert "Variants (2 distinct)" in result.output


def test_html_report_embeds_a_well_formed_dfg_picture(csv_log: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    result = runner.invoke(app, ["mine", str(csv_log), "--html", str(target), *MAPPING])
    assert result.exit_code == 0, result.output
    page = target.read_text(encoding="utf-8")
    start, end = page.index("<svg"), page.index("</svg>") + len("</svg>")
    svg = etree.fromstring(page[start:end].encode())
    labels = " ".join(svg.itertext())
    assert {"intake", "review", "decide"} <= set(labels.split())
    assert len(svg.findall(".//{http://www.w3.org/2000/svg}rect")) == 3
    assert "Hand-offs between departments" in page


def test_unreadable_log_is_reported_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("case,activity,timestamp\n1,a,not-a-date\n", encoding="utf-8")
    result = runner.invoke(app, ["mine", str(path)])
    assert result.exit_code == 1
    assert "line 2: unreadable timestamp" in result.output
    assert "Traceback" not in result.output


def test_skip_bad_rows_reports_how_many_were_skipped(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("case,activity,timestamp\n1,a,not-a-date\n1,b,2024-01-01T00:00:00Z\n",
                    encoding="utf-8")
    result = runner.invoke(app, ["mine", str(path), "--skip-bad-rows", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert (doc["events"], doc["skipped_events"]) == (1, 1)


def test_missing_log_file_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["mine", str(tmp_path / "nope.xes")])
    assert result.exit_code == 1
    assert "No such log file" in result.output


def test_an_empty_log_gives_empty_figures_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("case,activity,timestamp\n", encoding="utf-8")
    result = runner.invoke(app, ["mine", str(path), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert (doc["cases"], doc["events"], doc["dfg"], doc["variants"]) == (0, 0, [], [])
    assert doc["case_duration_s"] == {"mean": None, "median": None, "p90": None}


def test_service_times_appear_when_start_and_complete_events_exist(tmp_path: Path) -> None:
    path = tmp_path / "life.csv"
    path.write_text("case,activity,timestamp,lifecycle\n"
                    "1,inspect,2024-01-01T09:00:00Z,start\n"
                    "1,inspect,2024-01-01T11:00:00Z,complete\n", encoding="utf-8")
    result = runner.invoke(app, ["mine", str(path)])
    assert result.exit_code == 0, result.output
    assert "Time spent in each activity" in result.output
    assert "2.0 h" in result.output


def test_worst_bottlenecks_are_followed_per_window(tmp_path: Path) -> None:
    path = tmp_path / "weeks.csv"
    path.write_text("case,activity,timestamp\n"
                    "1,a,2024-01-01T09:00:00Z\n1,b,2024-01-01T19:00:00Z\n"
                    "2,a,2024-02-05T09:00:00Z\n2,b,2024-02-05T10:00:00Z\n", encoding="utf-8")
    result = runner.invoke(app, ["mine", str(path), "--window", "1mo"])
    assert result.exit_code == 0, result.output
    assert "Worst bottlenecks over time (per 1mo)" in result.output
    assert "2024-01-01" in result.output
    assert "10.0 h" in result.output
    assert "2024-02-01" in result.output


def test_a_malformed_window_is_a_usage_error(csv_log: Path) -> None:
    result = runner.invoke(app, ["mine", str(csv_log), "--window", "monthly", *MAPPING])
    assert result.exit_code == 2
