"""Camunda 7 ``camunda:mapDecisionResult`` (singleEntry, singleResult, collectEntries and the
default resultList) shapes what a business rule task writes to ``camunda:resultVariable``."""

from __future__ import annotations

from typing import Any

import pytest

from civicflow.engine.errors import DeploymentError
from civicflow.testing import bpmn, chain

DMN_NS = "https://www.omg.org/spec/DMN/20191111/MODEL/"
C7 = "http://camunda.org/schema/1.0/bpmn"


def checks_table(hit_policy: str = "RULE ORDER", outputs: int = 1) -> str:
    """Checks a permit needs by area: every area needs 'fire', above 100 also 'noise'; with two
    outputs each rule also gives a fee."""
    heads = '<output id="o1" name="check" typeRef="string"/>'
    if outputs == 2:
        heads += '<output id="o2" name="fee" typeRef="number"/>'

    def rule(rule_id: str, test: str, check: str, fee: int) -> str:
        out = f'<outputEntry id="{rule_id}_o1"><text>"{check}"</text></outputEntry>'
        if outputs == 2:
            out += f'<outputEntry id="{rule_id}_o2"><text>{fee}</text></outputEntry>'
        return (f'<rule id="{rule_id}"><inputEntry id="{rule_id}_i"><text>{test}</text>'
                f"</inputEntry>{out}</rule>")

    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<definitions xmlns="{DMN_NS}" id="d" '
        'name="Checks" namespace="http://example.org/checks">'
        f'<decision id="checks" name="Checks"><decisionTable id="t" hitPolicy="{hit_policy}">'
        '<input id="i1"><inputExpression id="ie1" typeRef="number"><text>area</text>'
        f"</inputExpression></input>{heads}"
        + rule("r_fire", "&gt; 0", "fire", 10) + rule("r_noise", "&gt; 100", "noise", 25)
        + "</decisionTable></decision></definitions>"
    )


def literal_decision() -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<definitions xmlns="{DMN_NS}" id="d" '
        'name="Checks" namespace="http://example.org/checks">'
        '<decision id="checks" name="Doubled"><literalExpression id="le">'
        "<text>area * 2</text></literalExpression></decision></definitions>"
    )


def task_process(mapping: str | None) -> str:
    attr = f' camunda:mapDecisionResult="{mapping}"' if mapping else ""
    task = (f'<bpmn:businessRuleTask id="decide" xmlns:camunda="{C7}" '
            f'camunda:decisionRef="checks" camunda:resultVariable="result"{attr}/>')
    return bpmn('<bpmn:startEvent id="s"/>' + task + '<bpmn:userTask id="after"/>'
                + chain("s", "decide", "after"))


def run(engine: Any, dmn: str, mapping: str | None, area: int) -> Any:
    engine.deploy(dmn, task_process(mapping))
    inst = engine.start("p", {"area": area})
    return inst.id


def result_of(engine: Any, dmn: str, mapping: str | None, area: int) -> Any:
    instance_id = run(engine, dmn, mapping, area)
    assert engine.incidents(instance_id=instance_id) == []
    return engine.instance(instance_id).variables["result"]


def test_without_a_mapping_the_result_is_the_list_of_rule_results(engine: Any) -> None:
    assert result_of(engine, checks_table(), None, 150) == [{"check": "fire"},
                                                            {"check": "noise"}]


def test_result_list_of_a_table_where_no_rule_matched_is_empty(engine: Any) -> None:
    assert result_of(engine, checks_table(), "resultList", 0) == []


def test_collect_entries_gives_the_single_output_of_every_matched_rule(engine: Any) -> None:
    assert result_of(engine, checks_table("COLLECT"), "collectEntries", 150) == ["fire", "noise"]


def test_single_entry_gives_the_one_output_value_of_the_one_matched_rule(engine: Any) -> None:
    assert result_of(engine, checks_table("FIRST"), "singleEntry", 150) == "fire"


def test_single_entry_when_no_rule_matched_is_null(engine: Any) -> None:
    assert result_of(engine, checks_table(), "singleEntry", 0) is None


def test_single_result_gives_the_outputs_of_the_one_matched_rule_as_a_map(engine: Any) -> None:
    assert result_of(engine, checks_table("UNIQUE", outputs=2), "singleResult", 50) == {
        "check": "fire", "fee": 10}


def test_single_entry_with_several_matched_rules_is_an_incident_saying_what_fits(
    engine: Any,
) -> None:
    instance_id = run(engine, checks_table(), "singleEntry", 150)
    [incident] = engine.incidents(instance_id=instance_id)
    assert incident.element_id == "decide"
    assert "'singleEntry'" in incident.message
    assert "2 matched" in incident.message
    assert "'collectEntries'" in incident.message
    assert "result" not in engine.instance(instance_id).variables
    assert engine.decision_evaluations(instance_id) == []  # nothing was taken


def test_single_entry_of_a_rule_with_two_outputs_is_an_incident(engine: Any) -> None:
    instance_id = run(engine, checks_table("UNIQUE", outputs=2), "singleEntry", 50)
    [incident] = engine.incidents(instance_id=instance_id)
    assert "check, fee" in incident.message
    assert "'singleResult'" in incident.message


def test_collect_entries_of_rules_with_two_outputs_is_an_incident(engine: Any) -> None:
    instance_id = run(engine, checks_table("COLLECT", outputs=2), "collectEntries", 150)
    [incident] = engine.incidents(instance_id=instance_id)
    assert "'collectEntries'" in incident.message


def test_a_literal_expression_decision_is_one_entry_named_after_the_decision(
    engine: Any,
) -> None:
    assert result_of(engine, literal_decision(), None, 21) == [{"Doubled": 42}]
    assert result_of(engine, literal_decision(), "singleEntry", 21) == 42


def test_an_unknown_result_mapping_is_refused_at_deployment(engine: Any) -> None:
    with pytest.raises(DeploymentError, match=r"'decide'.*mapDecisionResult 'firstEntry'"):
        engine.deploy(task_process("firstEntry"))
