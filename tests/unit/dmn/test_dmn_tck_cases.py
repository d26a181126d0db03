"""Reading TCK test case files and judging results: typed values, lists, contexts, nil."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from civicflow.dmn.tck import run
from civicflow.dmn.tck_cases import read_test_file, same

CASES = """<?xml version="1.0" encoding="UTF-8"?>
<testCases xmlns="http://www.omg.org/spec/DMN/20160719/testcase"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xmlns:xsd="http://www.w3.org/2001/XMLSchema">
  <modelName>m.dmn</modelName>
  <testCase id="001">
    <inputNode name="Applicant">
      <component name="Name"><value xsi:type="xsd:string">Ada</value></component>
      <component name="Born"><value xsi:type="xsd:date">1815-12-10</value></component>
      <component name="Scores"><list>
        <item><value xsi:type="xsd:decimal">1.5</value></item>
        <item><value xsi:nil="true"/></item></list></component>
    </inputNode>
    <inputNode name="Flag"><value xsi:type="xsd:boolean">true</value></inputNode>
    <resultNode name="Out" errorResult="true"><expected><value xsi:nil="true"/></expected>
    </resultNode>
  </testCase>
</testCases>"""

MODEL = """<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" id="m" name="M"
  namespace="http://m">
  <inputData id="f" name="Flag"><variable name="Flag" typeRef="boolean"/></inputData>
  <decision id="o" name="Out"><variable name="Out"/>
    <informationRequirement><requiredInput href="#f"/></informationRequirement>
    <literalExpression><text>if Flag then "yes" else "no"</text></literalExpression>
  </decision></definitions>"""


def test_input_values_are_read_with_their_xsd_types(tmp_path: Path) -> None:
    path = tmp_path / "m-test-01.xml"
    path.write_text(CASES)
    tests = read_test_file(path)
    assert tests.model == tmp_path / "m.dmn"
    case = tests.cases[0]
    applicant = case.inputs[0].value
    assert applicant == {"Name": "Ada", "Born": dt.date(1815, 12, 10),
                         "Scores": [Decimal("1.5"), None]}
    assert case.inputs[1].value is True
    assert case.results[0].error is True
    assert case.results[0].expected is None


def test_numbers_compare_by_value_and_long_ones_at_their_precision() -> None:
    assert same(Decimal("1.0"), Decimal(1))
    assert not same(Decimal(2), Decimal("2.4"))
    assert same(Decimal("1.38629436"), Decimal("1.386294361119890618834464242916353"))
    assert not same(Decimal("1.38629437"), Decimal("1.386294361119890618834464242916353"))


def test_values_of_different_types_are_never_equal() -> None:
    assert not same("true", True)
    assert not same(Decimal(1), True)
    assert not same("1", Decimal(1))
    assert not same({"a": Decimal(1)}, {"a": Decimal(1), "b": None})
    assert same([Decimal(1), None], [Decimal(1), None])


def test_runner_counts_one_verdict_per_result_node(tmp_path: Path) -> None:
    (tmp_path / "m.dmn").write_text(MODEL)
    (tmp_path / "m-test-01.xml").write_text(CASES)
    report = run([tmp_path])
    assert (report.passed, report.failed) == (0, 1)  # "yes" is not the expected null
    assert report.outcomes[0].actual == '"yes"'
    assert report.summary() == "0 passed, 1 failed"


def test_a_missing_model_fails_its_results_without_stopping_the_run(tmp_path: Path) -> None:
    (tmp_path / "m-test-01.xml").write_text(CASES)
    report = run([tmp_path])
    assert report.failed == 1
    assert "model not loaded" in report.outcomes[0].note


SERVICE_MODEL = """<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" id="s"
  name="S" namespace="http://s">
  <inputData id="n" name="Name"><variable name="Name" typeRef="string"/></inputData>
  <decision id="g" name="Greeting"><variable name="Greeting"/>
    <informationRequirement><requiredInput href="#n"/></informationRequirement>
    <literalExpression><text>"Hello " + Name</text></literalExpression></decision>
  <decisionService id="ds" name="Greeter"><variable name="Greeter"/>
    <outputDecision href="#g"/><inputData href="#n"/></decisionService>
</definitions>"""

SERVICE_CASES = """<testCases xmlns="http://www.omg.org/spec/DMN/20160719/testcase"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <modelName>s.dmn</modelName>
  <testCase id="by-case" invocableName="Greeter" type="decisionService">
    <inputNode name="Name"><value xsi:type="xsd:string">Ada</value></inputNode>
    <resultNode name="Greeting"><expected><value xsi:type="xsd:string">Hello Ada</value>
    </expected></resultNode>
  </testCase>
  <testCase id="by-node">
    <inputNode name="Name"><value xsi:type="xsd:string">Bo</value></inputNode>
    <resultNode name="Greeter" type="decisionService"><expected>
      <value xsi:type="xsd:string">Hello Bo</value></expected></resultNode>
  </testCase>
</testCases>"""


def test_decision_services_are_invoked_by_test_case_or_by_result_node(tmp_path: Path) -> None:
    (tmp_path / "s.dmn").write_text(SERVICE_MODEL)
    (tmp_path / "s-test-01.xml").write_text(SERVICE_CASES)
    report = run([tmp_path])
    assert report.summary() == "2 passed, 0 failed", report.outcomes
