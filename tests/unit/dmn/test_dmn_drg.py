"""The decision requirements graph: required decisions first, knowledge, services, imports."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from civicflow.dmn.errors import DmnEvaluationError
from civicflow.dmn.evaluate import evaluate_decision, invoke_decision_service
from civicflow.dmn.parse import load_model, model_from_bytes

NS = "https://www.omg.org/spec/DMN/20230324/MODEL/"

FEES = f"""<definitions xmlns="{NS}" id="fees" name="Fees" namespace="http://city/fees">
  <inputData id="i_income" name="Monthly Income"><variable name="Monthly Income"
    typeRef="number"/></inputData>
  <inputData id="i_size" name="Household Size"><variable name="Household Size"
    typeRef="number"/></inputData>
  <businessKnowledgeModel id="bkm_share" name="Share">
    <variable name="Share"/>
    <encapsulatedLogic>
      <formalParameter name="amount" typeRef="number"/>
      <formalParameter name="people" typeRef="number"/>
      <literalExpression><text>amount / people</text></literalExpression>
    </encapsulatedLogic>
  </businessKnowledgeModel>
  <decision id="d_per_person" name="Income Per Person">
    <variable name="Income Per Person" typeRef="number"/>
    <informationRequirement><requiredInput href="#i_income"/></informationRequirement>
    <informationRequirement><requiredInput href="#i_size"/></informationRequirement>
    <knowledgeRequirement><requiredKnowledge href="#bkm_share"/></knowledgeRequirement>
    <invocation>
      <literalExpression><text>Share</text></literalExpression>
      <binding><parameter name="amount"/><literalExpression><text>Monthly Income</text>
      </literalExpression></binding>
      <binding><parameter name="people"/><literalExpression><text>Household Size</text>
      </literalExpression></binding>
    </invocation>
  </decision>
  <decision id="d_band" name="Fee Band">
    <variable name="Fee Band" typeRef="string"/>
    <informationRequirement><requiredDecision href="#d_per_person"/></informationRequirement>
    <decisionTable hitPolicy="FIRST">
      <input label="per person"><inputExpression typeRef="number">
        <text>Income Per Person</text></inputExpression></input>
      <output name="band" typeRef="string"/>
      <rule id="low"><inputEntry><text>&lt; 1000</text></inputEntry>
        <outputEntry><text>"reduced"</text></outputEntry></rule>
      <rule id="high"><inputEntry><text>-</text></inputEntry>
        <outputEntry><text>"standard"</text></outputEntry></rule>
    </decisionTable>
  </decision>
  <decision id="d_fee" name="Fee">
    <variable name="Fee" typeRef="number"/>
    <informationRequirement><requiredDecision href="#d_band"/></informationRequirement>
    <informationRequirement><requiredDecision href="#d_per_person"/></informationRequirement>
    <context>
      <contextEntry><variable name="base"/>
        <literalExpression><text>if Fee Band = "reduced" then 10 else 40</text>
        </literalExpression></contextEntry>
      <contextEntry><literalExpression><text>base + 0</text></literalExpression>
      </contextEntry>
    </context>
  </decision>
  <decisionService id="ds_band" name="Band Service">
    <variable name="Band Service"/>
    <outputDecision href="#d_band"/>
    <encapsulatedDecision href="#d_per_person"/>
    <inputData href="#i_income"/>
    <inputData href="#i_size"/>
  </decisionService>
</definitions>"""


def test_required_decisions_are_evaluated_first_and_each_only_once() -> None:
    model = model_from_bytes(FEES.encode())
    result = evaluate_decision(model, "Fee", {"Monthly Income": Decimal(1800),
                                              "Household Size": Decimal(2)})
    assert result.value == Decimal(10)
    assert [o.decision_name for o in result.outcomes] == [
        "Income Per Person", "Fee Band", "Fee"]
    assert result.outcome_of("Income Per Person").value == Decimal(900)  # type: ignore[union-attr]
    band = result.outcome_of("Fee Band")
    assert band is not None
    assert [r.rule_id for r in band.matched_rules] == ["low"]


def test_a_decision_sees_only_what_it_requires() -> None:
    model = model_from_bytes(FEES.encode())
    # "Fee Band" requires "Income Per Person" only, so it cannot see the raw inputs;
    # it still gets the right band through the requirement.
    result = evaluate_decision(model, "Fee Band", {"Monthly Income": Decimal(5000),
                                                   "Household Size": Decimal(1)})
    assert result.value == "standard"


def test_a_decision_can_be_named_by_its_id() -> None:
    model = model_from_bytes(FEES.encode())
    result = evaluate_decision(model, "d_per_person", {"Monthly Income": Decimal(300),
                                                       "Household Size": Decimal(3)})
    assert result.value == Decimal(100)


def test_unknown_decision_raises_an_error_that_lists_the_decisions() -> None:
    model = model_from_bytes(FEES.encode())
    with pytest.raises(DmnEvaluationError, match="'Fee Band'"):
        evaluate_decision(model, "Fees", {})


def test_a_decision_service_runs_its_output_decisions_with_its_parameters() -> None:
    model = model_from_bytes(FEES.encode())
    result = invoke_decision_service(model, "Band Service",
                                     {"Monthly Income": Decimal(900),
                                      "Household Size": Decimal(3)})
    assert result.value == "reduced"


def test_a_cycle_in_the_requirements_gives_null_with_a_warning_not_a_crash() -> None:
    data = f"""<definitions xmlns="{NS}" id="c" name="Cycle" namespace="http://c">
      <decision id="a" name="A"><variable name="A"/>
        <informationRequirement><requiredDecision href="#b"/></informationRequirement>
        <literalExpression><text>B</text></literalExpression></decision>
      <decision id="b" name="B"><variable name="B"/>
        <informationRequirement><requiredDecision href="#a"/></informationRequirement>
        <literalExpression><text>A</text></literalExpression></decision>
    </definitions>"""
    result = evaluate_decision(model_from_bytes(data.encode()), "A", {})
    assert result.value is None


def _write_letter_models(tmp_path: Path) -> Path:
    """A 'Letter' model importing a 'Greeting' model from the same folder; returns its path."""
    (tmp_path / "greeting.dmn").write_text(f"""<definitions xmlns="{NS}" id="g" name="Greeting"
      namespace="http://city/greeting">
      <inputData id="name" name="Person Name"><variable name="Person Name"
        typeRef="string"/></inputData>
      <decision id="greet" name="Greet"><variable name="Greet" typeRef="string"/>
        <informationRequirement><requiredInput href="#name"/></informationRequirement>
        <literalExpression><text>"Hello " + Person Name</text></literalExpression>
      </decision></definitions>""")
    main = tmp_path / "letter.dmn"
    main.write_text(f"""<definitions xmlns="{NS}" id="l" name="Letter"
      namespace="http://city/letter">
      <import name="Greeting Model" namespace="http://city/greeting"
        importType="{NS}"/>
      <decision id="letter" name="Letter"><variable name="Letter" typeRef="string"/>
        <informationRequirement><requiredDecision href="http://city/greeting#greet"/>
        </informationRequirement>
        <literalExpression><text>Greeting Model.Greet + "!"</text></literalExpression>
      </decision></definitions>""")
    return main


def test_imported_models_are_found_beside_the_importing_file(tmp_path: Path) -> None:
    model = load_model(_write_letter_models(tmp_path))
    result = evaluate_decision(model, "Letter", {},
                               imported_inputs={"http://city/greeting": {"Person Name": "Ada"}})
    assert result.value == "Hello Ada!"


@pytest.mark.slow
def test_a_runaway_loop_stops_with_an_error_naming_the_decision() -> None:
    data = f"""<definitions xmlns="{NS}" id="r" name="Runaway" namespace="http://r">
      <decision id="loop" name="Loop"><variable name="Loop"/>
        <literalExpression><text>count(for i in 1..100000000 return i)</text>
        </literalExpression></decision></definitions>"""
    with pytest.raises(DmnEvaluationError, match="Decision 'Loop'"):
        evaluate_decision(model_from_bytes(data.encode()), "Loop", {})


def test_imported_inputs_can_be_nested_under_the_import_name(tmp_path: Path) -> None:
    model = load_model(_write_letter_models(tmp_path))
    result = evaluate_decision(model, "Letter", {"Greeting Model": {"Person Name": "Grace"}})
    assert result.value == "Hello Grace!"


def _echo_model(name: str, imports: str = "", requirements: str = "",
                text: str = "value") -> str:
    return f"""<definitions xmlns="{NS}" id="{name}" name="{name}" namespace="http://same">
      {imports}
      <inputData id="in" name="value"><variable name="value"/></inputData>
      <decision id="out" name="echo"><variable name="echo" typeRef="string"/>
        <informationRequirement><requiredInput href="#in"/></informationRequirement>
        {requirements}<literalExpression><text>{text}</text></literalExpression></decision>
    </definitions>"""


def test_a_file_imported_along_two_paths_is_two_instances_with_their_own_inputs(
        tmp_path: Path) -> None:
    # A imports B as "i" and C as "x"; B imports C as "i". All share one namespace attribute,
    # so imports are told apart by location and import name, as in TCK 0086a.
    def imp(name: str, ns: str, location: str) -> str:
        return (f'<import name="{name}" namespace="{ns}" locationURI="{location}"'
                f' importType="{NS}"/>')

    def need(ns: str) -> str:
        return (f'<informationRequirement><requiredDecision href="{ns}#out"/>'
                "</informationRequirement>")

    (tmp_path / "c.dmn").write_text(_echo_model("C"))
    (tmp_path / "b.dmn").write_text(_echo_model(
        "B", imp("i", "urn:c", "c.dmn"), need("urn:c"), 'value + " " + i.echo'))
    (tmp_path / "a.dmn").write_text(_echo_model(
        "A", imp("i", "urn:b", "b.dmn") + imp("x", "urn:c", "c.dmn"),
        need("urn:b") + need("urn:c"), 'value + " " + i.echo + ", " + x.echo'))
    model = load_model(tmp_path / "a.dmn")
    inputs = {"value": "a", "i.value": "b", "i.i.value": "c", "x.value": "xc"}
    assert evaluate_decision(model, "echo", inputs).value == "a b c, xc"


def test_a_result_converts_to_plain_python_for_process_variables() -> None:
    model = load_model(Path(__file__).parent / "data" / "permit_fee.dmn")
    result = evaluate_decision(model, "Permit Fee",
                               {"Applicant Age": 16, "Permit Kind": "shop"})
    assert result.python_value() == 0
    assert type(result.python_value()) is int
