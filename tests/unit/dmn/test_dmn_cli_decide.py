"""``civicflow decide``: prints the result and matched rules; clear errors, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from civicflow.cli import app

runner = CliRunner()
MODEL = Path(__file__).parent / "data" / "permit_fee.dmn"


def test_decide_prints_the_value_and_the_matched_rule() -> None:
    result = runner.invoke(app, ["decide", str(MODEL), "Permit Fee", "--input",
                                 '{"Applicant Age": 40, "Permit Kind": "building"}'])
    assert result.exit_code == 0, result.output
    assert "Permit Fee" in result.output
    assert "250" in result.output
    assert "building" in result.output  # the matched rule's id


def test_decide_json_gives_value_rules_and_warnings_for_machines() -> None:
    result = runner.invoke(app, ["decide", str(MODEL), "fee", "--json", "--input",
                                 '{"Applicant Age": 12, "Permit Kind": "building"}'])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["value"] == 0
    assert document["decision"] == "Permit Fee"
    rules = document["decisions"][-1]["matchedRules"]
    assert [(r["index"], r["ruleId"]) for r in rules] == [(1, "youth")]


def test_unknown_decision_exits_2_and_lists_the_decisions() -> None:
    result = runner.invoke(app, ["decide", str(MODEL), "Fee", "--input", "{}"])
    assert result.exit_code == 2
    assert "'Permit Fee'" in result.output
    assert "Traceback" not in result.output


def test_input_that_is_not_json_exits_2_with_an_example() -> None:
    result = runner.invoke(app, ["decide", str(MODEL), "Permit Fee", "--input", "{age: 1}"])
    assert result.exit_code == 2
    assert "not valid JSON" in result.output


def test_input_that_is_not_an_object_exits_2() -> None:
    result = runner.invoke(app, ["decide", str(MODEL), "Permit Fee", "--input", "[1]"])
    assert result.exit_code == 2
    assert "JSON object" in result.output


def test_malformed_model_exits_1_naming_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.dmn"
    broken.write_text("<definitions><decision></definitions>")
    result = runner.invoke(app, ["decide", str(broken), "X"])
    assert result.exit_code == 1
    assert "broken.dmn" in result.output
    assert "Traceback" not in result.output


def test_missing_model_file_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["decide", str(tmp_path / "none.dmn"), "X"])
    assert result.exit_code == 2
    assert "no DMN file" in result.output


def test_input_can_be_read_from_a_json_file(tmp_path: Path) -> None:
    values = tmp_path / "applicant.json"
    values.write_text('{"Applicant Age": 30, "Permit Kind": "shop"}')
    result = runner.invoke(app, ["decide", str(MODEL), "Permit Fee", "--json",
                                 "--input", f"@{values}"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["value"] == 40


def test_dates_given_as_json_strings_become_feel_dates(tmp_path: Path) -> None:
    model = tmp_path / "deadline.dmn"
    model.write_text("""<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/"
      id="d" name="Deadline" namespace="http://d">
      <inputData id="filed" name="Filed On"><variable name="Filed On" typeRef="date"/>
      </inputData>
      <decision id="due" name="Due"><variable name="Due" typeRef="date"/>
        <informationRequirement><requiredInput href="#filed"/></informationRequirement>
        <literalExpression><text>Filed On + duration("P30D")</text></literalExpression>
      </decision></definitions>""")
    result = runner.invoke(app, ["decide", str(model), "Due", "--json",
                                 "--input", '{"Filed On": "2026-01-15"}'])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["value"] == "2026-02-14"



def test_decide_also_invokes_a_decision_service_by_name(tmp_path: Path) -> None:
    model = tmp_path / "service.dmn"
    model.write_text("""<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/"
      id="s" name="S" namespace="http://s">
      <inputData id="n" name="Name"><variable name="Name" typeRef="string"/></inputData>
      <decision id="g" name="Greeting"><variable name="Greeting"/>
        <informationRequirement><requiredInput href="#n"/></informationRequirement>
        <literalExpression><text>"Hello " + Name</text></literalExpression></decision>
      <decisionService id="ds" name="Greeter"><variable name="Greeter"/>
        <outputDecision href="#g"/><inputData href="#n"/></decisionService>
    </definitions>""")
    result = runner.invoke(app, ["decide", str(model), "Greeter", "--json",
                                 "--input", '{"Name": "Ada"}'])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["value"] == "Hello Ada"
