"""``civicflow mine --model`` and ``--discover``: fitness in the report and JSON, BPMN written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from civicflow.cli import app
from civicflow.model import Task, parse_bpmn

runner = CliRunner(mix_stderr=False) if "mix_stderr" in CliRunner.__init__.__code__.co_varnames \
    else CliRunner()

CSV = """case,activity,time
1,intake,2024-03-01 09:00
1,review,2024-03-01 11:00
1,decide,2024-03-02 09:00
2,intake,2024-03-01 10:00
2,decide,2024-03-01 16:00
3,intake,2024-03-04 09:00
3,review,2024-03-04 10:00
3,decide,2024-03-04 14:00
"""
MAPPING = ["--case", "case", "--activity", "activity", "--timestamp", "time"]
NS = 'xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"'
MODEL = (
    f'<definitions {NS} id="d" targetNamespace="t"><process id="p"><startEvent id="s"/>'
    '<task id="a" name="intake"/><task id="b" name="review"/><task id="c" name="decide"/>'
    '<endEvent id="e"/><sequenceFlow id="f1" sourceRef="s" targetRef="a"/>'
    '<sequenceFlow id="f2" sourceRef="a" targetRef="b"/>'
    '<sequenceFlow id="f3" sourceRef="b" targetRef="c"/>'
    '<sequenceFlow id="f4" sourceRef="c" targetRef="e"/></process></definitions>'
)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    log = tmp_path / "permits.csv"
    log.write_text(CSV, encoding="utf-8")
    model = tmp_path / "permit.bpmn"
    model.write_text(MODEL, encoding="utf-8")
    return log, model


def test_json_gets_fitness_and_the_skipped_review(files: tuple[Path, Path]) -> None:
    log, model = files
    result = runner.invoke(app, ["mine", str(log), "--json", "--model", str(model), *MAPPING])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert 0 < doc["fitness"] < 1
    assert doc["conformance"]["fitting_cases"] == 2
    assert {"activity": "review", "kind": "skipped", "cases": 1, "times": 1} in doc[
        "conformance"]["deviations"]
    assert doc["cases"] == 3


def test_the_text_report_has_a_conformance_section(files: tuple[Path, Path]) -> None:
    log, model = files
    result = runner.invoke(app, ["mine", str(log), "--model", str(model), *MAPPING])
    assert result.exit_code == 0, result.output
    assert "Conformance" in result.stdout
    assert "2 of 3 cases follow the model" in result.stdout


def test_json_without_a_model_has_no_fitness(files: tuple[Path, Path]) -> None:
    log, _ = files
    result = runner.invoke(app, ["mine", str(log), "--json", *MAPPING])
    assert "fitness" not in json.loads(result.stdout)


def test_discover_writes_a_bpmn_model_of_the_log(files: tuple[Path, Path], tmp_path: Path) -> None:
    log, _ = files
    out = tmp_path / "found.bpmn"
    result = runner.invoke(app, ["mine", str(log), "--discover", str(out), *MAPPING])
    assert result.exit_code == 0, result.output
    found = parse_bpmn(out)
    tasks = {n.name for n in found.processes[0].nodes if isinstance(n, Task)}
    assert tasks == {"intake", "review", "decide"}
    assert found.diagrams


def test_an_unreadable_model_is_a_message_not_a_traceback(files: tuple[Path, Path]) -> None:
    log, model = files
    model.write_text("<definitions>", encoding="utf-8")
    result = runner.invoke(app, ["mine", str(log), "--model", str(model), *MAPPING])
    assert result.exit_code == 1
    assert "Cannot compare the log with" in result.stderr
    assert "Traceback" not in result.stderr


def test_html_report_gets_a_conformance_section_with_the_worst_case(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    log, model = files
    page = tmp_path / "report.html"
    result = runner.invoke(app, ["mine", str(log), "--model", str(model), "--html", str(page),
                                 *MAPPING])
    assert result.exit_code == 0, result.output
    html = page.read_text(encoding="utf-8")
    section = html[html.index("Conformance with permit.bpmn"):html.index("<h2>Variants")]
    assert "fitness (whole log)" in section
    assert "2 of 3" in section  # cases 1 and 3 fit; case 2 skipped the review
    worst = section[section.index("Least fitting cases"):]
    assert "<td>2</td>" in worst
    assert "review: skipped (expected, never done)" in worst
    assert "<td>1</td>" not in worst
    assert "<td>3</td>" not in worst


def test_html_report_without_a_model_has_no_conformance_section(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    log, _ = files
    page = tmp_path / "report.html"
    result = runner.invoke(app, ["mine", str(log), "--html", str(page), *MAPPING])
    assert result.exit_code == 0, result.output
    assert "Conformance" not in page.read_text(encoding="utf-8")
