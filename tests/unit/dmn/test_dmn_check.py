"""``check_model`` finds broken links, unknown types and FEEL syntax errors up front."""

from __future__ import annotations

from pathlib import Path

from civicflow.dmn.check import check_model
from civicflow.dmn.parse import load_model, model_from_bytes

NS = "https://www.omg.org/spec/DMN/20230324/MODEL/"
MODEL = Path(__file__).parent / "data" / "permit_fee.dmn"


def test_a_sound_model_has_no_findings() -> None:
    assert check_model(load_model(MODEL)) == ()


def test_broken_links_unknown_types_and_syntax_errors_are_found_on_their_element() -> None:
    data = f"""<definitions xmlns="{NS}" id="m" name="M" namespace="http://m">
      <inputData id="i" name="Age"><variable name="Age" typeRef="tAge"/></inputData>
      <decision id="d1" name="Fee"><variable name="Fee"/>
        <informationRequirement><requiredInput href="#missing"/></informationRequirement>
        <literalExpression><text>Age + </text></literalExpression></decision>
      <decision id="d2" name="Band"><variable name="Band"/>
        <decisionTable hitPolicy="PRIORITY">
          <input><inputExpression><text>Age</text></inputExpression></input>
          <output name="b"/>
          <rule><inputEntry><text>&lt; &lt; 3</text></inputEntry>
            <outputEntry><text>"x"</text></outputEntry></rule>
        </decisionTable></decision>
      <decision id="d3" name="Fee"><variable name="Fee"/></decision>
    </definitions>"""
    findings = check_model(model_from_bytes(data.encode()))
    by_element = {(f.element_id, f.severity) for f in findings}
    messages = " | ".join(f.message for f in findings)
    assert ("d1", "error") in by_element  # missing link and syntax error
    assert "#missing" in messages
    assert "'Age + '" in messages
    assert "rule 1" in messages  # the broken cell is located
    assert ("i", "warning") in by_element  # unknown type tAge
    assert ("d2", "warning") in by_element  # PRIORITY without output values
    assert ("d3", "error") in by_element  # duplicate name
    assert ("d3", "warning") in by_element  # no decision logic
