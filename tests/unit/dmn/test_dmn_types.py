"""Type checking against typeRefs and item definitions: components, collections, allowed values."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from civicflow.dmn.evaluate import evaluate_decision, invoke_decision_service
from civicflow.dmn.parse import model_from_bytes

Builder = Callable[..., bytes]
NS = "https://www.omg.org/spec/DMN/20230324/MODEL/"

ITEMS = """
<itemDefinition name="tZone"><typeRef>string</typeRef>
  <allowedValues><text>"north","south"</text></allowedValues></itemDefinition>
<itemDefinition name="tAge"><typeRef>number</typeRef>
  <allowedValues><text>[0..150]</text></allowedValues></itemDefinition>
<itemDefinition name="tPerson">
  <itemComponent name="Full Name"><typeRef>string</typeRef></itemComponent>
  <itemComponent name="Age"><typeRef>tAge</typeRef></itemComponent>
</itemDefinition>
<itemDefinition name="tNames" isCollection="true"><typeRef>string</typeRef></itemDefinition>
"""


def _model(input_type: str, expression: str, decision_type: str | None = None) -> bytes:
    decision_type_attr = f' typeRef="{decision_type}"' if decision_type else ""
    return f"""<definitions xmlns="{NS}" id="t" name="Types" namespace="http://t">{ITEMS}
      <inputData id="x" name="X"><variable name="X" typeRef="{input_type}"/></inputData>
      <decision id="d" name="D"><variable name="D"{decision_type_attr}/>
        <informationRequirement><requiredInput href="#x"/></informationRequirement>
        <literalExpression><text>{expression}</text></literalExpression>
      </decision></definitions>""".encode()


def _value(data: bytes, x: object) -> object:
    return evaluate_decision(model_from_bytes(data), "D", {"X": x}).value


def test_input_of_the_declared_base_type_is_accepted() -> None:
    assert _value(_model("number", "X + 1"), Decimal(2)) == Decimal(3)


def test_input_of_another_type_becomes_null_with_a_warning() -> None:
    result = evaluate_decision(model_from_bytes(_model("number", "X")), "D", {"X": "two"})
    assert result.value is None
    assert any("'number'" in w for w in result.warnings)


def test_value_outside_allowed_values_becomes_null() -> None:
    data = _model("tZone", "X")
    assert _value(data, "north") == "north"
    assert _value(data, "east") is None


def test_range_allowed_values_are_checked() -> None:
    data = _model("tAge", "X")
    assert _value(data, Decimal(150)) == Decimal(150)
    assert _value(data, Decimal(151)) is None


def test_structured_input_is_checked_component_by_component() -> None:
    data = _model("tPerson", "X.Full Name")
    assert _value(data, {"Full Name": "Ada", "Age": Decimal(36)}) == "Ada"
    assert _value(data, {"Full Name": "Ada", "Age": Decimal(-1)}) is None
    assert _value(data, "Ada") is None


def test_collection_type_checks_every_element() -> None:
    data = _model("tNames", "count(X)")
    assert _value(data, ["a", "b"]) == Decimal(2)
    assert _value(data, ["a", Decimal(1)]) is None


def test_single_value_is_wrapped_for_a_collection_type() -> None:
    assert _value(_model("tNames", "X"), "a") == ["a"]


def test_singleton_list_result_is_unwrapped_for_a_scalar_type() -> None:
    assert _value(_model("string", "[X]", decision_type="string"), "a") == "a"


def test_decision_result_of_the_wrong_type_becomes_null() -> None:
    result = evaluate_decision(model_from_bytes(_model("string", "X", "number")), "D",
                               {"X": "a"})
    assert result.value is None
    assert result.warnings


COERCION = f"""<definitions xmlns="{NS}" id="c" name="Coercion" namespace="http://c">
  <itemDefinition name="tNumbers" isCollection="true"><typeRef>number</typeRef></itemDefinition>
  <itemDefinition name="tPair"><itemComponent name="a"><typeRef>number</typeRef>
    </itemComponent></itemDefinition>
  <itemDefinition name="tTextService"><functionItem outputTypeRef="string"/></itemDefinition>
  <businessKnowledgeModel id="k" name="has pair"><variable name="has pair"/>
    <encapsulatedLogic><formalParameter name="p" typeRef="tPair"/>
      <literalExpression><text>p != null</text></literalExpression></encapsulatedLogic>
  </businessKnowledgeModel>
  <businessKnowledgeModel id="w" name="wrap"><variable name="wrap"/>
    <encapsulatedLogic><formalParameter name="x"/>
      <literalExpression><text>[x]</text></literalExpression></encapsulatedLogic>
  </businessKnowledgeModel>
  <decision id="lit" name="literal"><variable name="literal"/>
    <literalExpression typeRef="tNumbers"><text>10</text></literalExpression></decision>
  <decision id="bad" name="bad literal"><variable name="bad literal"/>
    <literalExpression typeRef="number"><text>"ten"</text></literalExpression></decision>
  <decision id="arg" name="bad argument"><variable name="bad argument"/>
    <knowledgeRequirement><requiredKnowledge href="#k"/></knowledgeRequirement>
    <literalExpression><text>has pair({{a: "x"}})</text></literalExpression></decision>
  <decision id="inv" name="typed invocation"><variable name="typed invocation"/>
    <knowledgeRequirement><requiredKnowledge href="#w"/></knowledgeRequirement>
    <invocation typeRef="number"><literalExpression><text>wrap</text></literalExpression>
      <binding><parameter name="x"/><literalExpression><text>7</text></literalExpression>
      </binding></invocation></decision>
  <decisionService id="s" name="text service"><variable name="text service"
    typeRef="tTextService"/><outputDecision href="#n"/></decisionService>
  <decision id="n" name="number"><variable name="number"/>
    <literalExpression><text>1000</text></literalExpression></decision>
</definitions>""".encode()


def test_an_expressions_own_typeref_converts_its_value() -> None:
    model = model_from_bytes(COERCION)
    assert evaluate_decision(model, "literal", {}).value == [Decimal(10)]
    assert evaluate_decision(model, "bad literal", {}).value is None


def test_a_nonconforming_argument_reaches_the_knowledge_model_as_null() -> None:
    result = evaluate_decision(model_from_bytes(COERCION), "bad argument", {})
    assert result.value is False
    assert any("'p'" in w for w in result.warnings)


def test_an_invocation_typeref_unwraps_a_singleton_list() -> None:
    assert evaluate_decision(model_from_bytes(COERCION), "typed invocation", {}).value == 7


def test_a_service_typed_by_a_function_item_checks_its_output_type() -> None:
    result = invoke_decision_service(model_from_bytes(COERCION), "text service", {})
    assert result.value is None
    assert result.outcome_of("number") is not None


def test_plain_python_numbers_are_accepted_as_feel_numbers() -> None:
    result = evaluate_decision(model_from_bytes(_model("number", "X * 2")), "D", {"X": 1.25})
    assert result.value == Decimal("2.50")
    assert result.warnings == ()
