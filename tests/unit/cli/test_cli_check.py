"""``civicflow check``: readable text or JSON per file, exit status 0/1/2."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from civicflow.cli import app

runner = CliRunner()
SHARED = Path(__file__).parents[3] / ".." / "shared" / "data" / "bpmn"
DATA = Path(__file__).parents[2] / "data" / "bpmn"
BROKEN = (
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" '
    'targetNamespace="t"><bpmn:process id="p" name="Broken">'
    '<bpmn:exclusiveGateway id="g" name="Where now?" /></bpmn:process></bpmn:definitions>'
)


def test_check_of_an_executable_model_lists_its_process_and_exits_0() -> None:
    result = runner.invoke(app, ["check", str(DATA / "constructs_default_ns.bpmn")])
    assert result.exit_code == 0, result.output
    assert "proc_main" in result.output
    assert "executable" in result.output
    assert "1 file(s)" in result.output


def test_check_reports_model_errors_with_element_and_line_and_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "broken.bpmn"
    path.write_text(BROKEN)
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 1
    assert "g (Where now?)" in result.output
    assert "line 1" in result.output
    assert "no outgoing sequence flow" in result.output


def test_check_exits_2_when_a_file_is_not_bpmn(tmp_path: Path) -> None:
    path = tmp_path / "notes.bpmn"
    path.write_text("<html><body>hello</body></html>")
    result = runner.invoke(app, ["check", str(DATA / "constructs_default_ns.bpmn"), str(path)])
    assert result.exit_code == 2
    assert "not imported" in result.output
    assert "Traceback" not in result.output


def test_check_of_a_missing_file_is_a_clear_message_not_a_traceback(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", str(tmp_path / "nowhere.bpmn")])
    assert result.exit_code == 2
    assert "cannot read the file" in result.output


def test_json_output_gives_one_object_per_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.bpmn"
    broken.write_text(BROKEN)
    text = tmp_path / "text.bpmn"
    text.write_text("just words")
    result = runner.invoke(
        app, ["check", "--json", str(SHARED / "reference_permit.bpmn"), str(broken), str(text)]
    )
    assert result.exit_code == 2
    objects = [json.loads(line) for line in result.output.splitlines()]
    assert [o["status"] for o in objects] == [0, 1, 2]
    permit, bad, words = objects
    assert permit["processes"][0]["id"] == "permit_application"
    assert permit["processes"][0]["executable"] is True
    assert bad["model_findings"][0]["element_id"] == "g"
    assert bad["model_findings"][0]["line"] == 1
    assert bad["model_findings"][0]["severity"] == "error"
    assert words["error"]["kind"] == "not-xml"


def test_brief_output_gives_one_line_per_file_and_a_summary(tmp_path: Path) -> None:
    broken = tmp_path / "broken.bpmn"
    broken.write_text(BROKEN)
    result = runner.invoke(
        app, ["check", "--brief", str(DATA / "constructs_default_ns.bpmn"), str(broken)]
    )
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines[0].startswith("ok ")
    assert "1 executable" in lines[0]
    assert lines[1].startswith("model errors")
    assert "1 model error(s)" in lines[1]
    assert "2 file(s): 1 without model errors, 1 with model errors" in lines[2]


def test_json_names_an_unsafe_file_as_such(tmp_path: Path) -> None:
    path = tmp_path / "xxe.bpmn"
    path.write_text('<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><definitions/>')
    result = runner.invoke(app, ["check", "--json", str(path)])
    assert result.exit_code == 2
    assert json.loads(result.output)["error"]["kind"] == "unsafe-xml"
