"""Business rule tasks evaluate deployed DMN decisions inside the engine (Camunda 8 style)."""

from __future__ import annotations

from typing import Any

import pytest

from civicflow.engine.errors import DeploymentError
from civicflow.testing import bpmn, chain

DMN_NS = "https://www.omg.org/spec/DMN/20191111/MODEL/"


def rule(rule_id: str, test: str, output: str) -> str:
    return (f'<rule id="{rule_id}"><inputEntry id="{rule_id}_in"><text>{test}</text>'
            f'</inputEntry><outputEntry id="{rule_id}_out"><text>{output}</text>'
            "</outputEntry></rule>")


def table(decision_id: str, rules: str, hit_policy: str = "UNIQUE",
          aggregation: str = "") -> str:
    agg = f' aggregation="{aggregation}"' if aggregation else ""
    return (
        f'<decision id="{decision_id}" name="{decision_id} decision">'
        f'<decisionTable id="{decision_id}_table" hitPolicy="{hit_policy}"{agg}>'
        '<input id="in_area" label="Area"><inputExpression id="in_area_expr" typeRef="number">'
        "<text>area</text></inputExpression></input>"
        f'<output id="{decision_id}_out" name="{decision_id}" typeRef="number"/>'
        f"{rules}</decisionTable></decision>"
    )


def dmn(*decisions: str) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<definitions xmlns="{DMN_NS}" '
            'id="rules" name="Permit rules" namespace="http://example.org/rules">'
            + "".join(decisions) + "</definitions>")


def fee_rules(small_fee: int = 50) -> str:
    return dmn(table("fee", rule("r_small", "&lt; 100", str(small_fee))
                     + rule("r_large", "&gt;= 100", "120")))


def process(decision_id: str = "fee", result: str = "feeResult", outputs: str = "") -> str:
    mapping = f"<zeebe:ioMapping>{outputs}</zeebe:ioMapping>" if outputs else ""
    task = (
        '<bpmn:businessRuleTask id="decide" name="Decide fee"><bpmn:extensionElements>'
        f'<zeebe:calledDecision decisionId="{decision_id}" resultVariable="{result}"/>'
        f"{mapping}</bpmn:extensionElements></bpmn:businessRuleTask>"
    )
    return bpmn('<bpmn:startEvent id="s"/>' + task + '<bpmn:userTask id="after"/>'
                '<bpmn:endEvent id="e"/>' + chain("s", "decide", "after", "e"))


def test_decision_result_is_written_to_the_result_variable_and_output_mappings_apply(
    engine: Any
) -> None:
    engine.deploy(fee_rules())
    engine.deploy(process(outputs='<zeebe:output source="=feeResult * 2" target="doubled"/>'))
    inst = engine.start("p", {"area": 40})
    variables = engine.instance(inst.id).variables
    assert variables["doubled"] == 100
    assert "feeResult" not in variables  # with output mappings the result stays local
    assert [t.element_id for t in engine.tasks(instance_id=inst.id)] == ["after"]


def test_result_variable_without_output_mappings_merges_into_the_process(engine: Any) -> None:
    engine.deploy(fee_rules())
    engine.deploy(process())
    inst = engine.start("p", {"area": 250})
    assert engine.instance(inst.id).variables["feeResult"] == 120


def test_a_called_decision_without_a_result_variable_is_refused_naming_the_task(
    engine: Any,
) -> None:
    from civicflow.engine.errors import DeploymentError

    engine.deploy(fee_rules())
    model = process().replace(' resultVariable="feeResult"', "")
    with pytest.raises(DeploymentError, match=r"'decide'.*no result variable.*Result variable"):
        engine.deploy(model)
    assert [d.kind for d in engine.deployments()] == ["decision"]


def test_collect_sum_hit_policy_adds_the_outputs_of_every_matching_rule(engine: Any) -> None:
    engine.deploy(dmn(table("checks", rule("c_base", "&gt; 0", "10")
                            + rule("c_big", "&gt; 100", "5")
                            + rule("c_huge", "&gt; 1000", "100"),
                            hit_policy="COLLECT", aggregation="SUM")))
    engine.deploy(process("checks", "checkCount"))
    inst = engine.start("p", {"area": 150})
    assert engine.instance(inst.id).variables["checkCount"] == 15
    audit = engine.decision_evaluations(inst.id)
    assert audit[0].matched_rule_ids == ("c_base", "c_big")


def test_matched_rules_are_recorded_with_decision_version_instance_and_element(
    engine: Any
) -> None:
    engine.deploy(fee_rules())
    engine.deploy(process())
    inst = engine.start("p", {"area": 99})
    [audit] = engine.decision_evaluations(inst.id)
    assert audit.decision_id == "fee"
    assert audit.version == 1
    assert audit.instance_id == inst.id
    assert audit.element_id == "decide"
    assert audit.matched_rule_ids == ("r_small",)
    assert audit.result == 50
    assert audit.matched_rules[0]["outputs"] == {"fee": 50}
    assert [h.element_id for h in engine.history(inst.id) if h.kind == "end"] == ["s", "decide"]


def test_missing_decision_raises_an_incident_that_deploying_and_retrying_resolves(
    engine: Any
) -> None:
    engine.deploy(process())
    inst = engine.start("p", {"area": 10})
    [incident] = engine.incidents(instance_id=inst.id)
    assert incident.element_id == "decide"
    assert "'fee'" in incident.message
    assert "not deployed" in incident.message
    assert engine.tasks(instance_id=inst.id) == []
    engine.deploy(fee_rules())
    engine.retry(incident.id)
    assert engine.incidents(instance_id=inst.id) == []
    assert engine.instance(inst.id).variables["feeResult"] == 50
    assert [t.element_id for t in engine.tasks(instance_id=inst.id)] == ["after"]
    starts = [h for h in engine.history(inst.id) if h.element_id == "decide" and h.kind == "start"]
    assert len(starts) == 1


def test_an_evaluation_without_result_raises_an_incident_naming_the_decision(
    engine: Any
) -> None:
    engine.deploy(fee_rules())
    engine.deploy(process())
    inst = engine.start("p", {"area": "large"})
    [incident] = engine.incidents(instance_id=inst.id)
    assert "'fee'" in incident.message
    assert "retry" in incident.message
    engine.set_variables(inst.id, {"area": 500})
    engine.retry(incident.id)
    assert engine.instance(inst.id).variables["feeResult"] == 120


@pytest.mark.parametrize("source", [
    f'<definitions xmlns="{DMN_NS}" id="d" namespace="x"><decision id="fee">',
    dmn(),
])
def test_malformed_dmn_deployment_is_refused_with_a_clear_error_and_stores_nothing(
    engine: Any, source: str
) -> None:
    with pytest.raises(DeploymentError, match=r"[Nn]othing was deployed"):
        engine.deploy(source)
    assert engine.deployments() == []


def test_dmn_deployment_is_versioned_and_new_evaluations_use_the_latest_version(
    engine: Any
) -> None:
    first = engine.deploy(fee_rules())
    assert [(d.kind, d.process_id, d.version) for d in first] == [("decision", "fee", 1)]
    assert [d.version for d in engine.deploy(fee_rules().encode("utf-8"))] == [1]
    engine.deploy(process())
    before = engine.start("p", {"area": 10})
    assert [d.version for d in engine.deploy(fee_rules(small_fee=60))] == [2]
    after = engine.start("p", {"area": 10})
    assert engine.instance(before.id).variables["feeResult"] == 50
    assert engine.instance(after.id).variables["feeResult"] == 60
    assert engine.decision_evaluations(after.id)[0].version == 2


def test_dmn_file_deploys_from_a_path(engine: Any, tmp_path: Any) -> None:
    path = tmp_path / "rules.dmn"
    path.write_text(fee_rules(), encoding="utf-8")
    assert [d.process_id for d in engine.deploy(str(path))] == ["fee"]


def test_camunda_7_decision_ref_is_evaluated_the_same_way(engine: Any) -> None:
    task = ('<bpmn:businessRuleTask id="decide" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"'
            ' camunda:decisionRef="fee" camunda:resultVariable="feeResult"'
            ' camunda:mapDecisionResult="singleEntry"/>')  # Camunda 7's default is resultList
    engine.deploy(fee_rules())
    engine.deploy(bpmn('<bpmn:startEvent id="s"/>' + task + '<bpmn:userTask id="after"/>'
                       + chain("s", "decide", "after")))
    inst = engine.start("p", {"area": 100})
    assert engine.instance(inst.id).variables["feeResult"] == 120
    assert engine.decision_evaluations(inst.id)[0].matched_rule_ids == ("r_large",)


def test_a_required_decision_sees_the_process_variables_too(engine: Any) -> None:
    base = table("base", rule("b_small", "&lt; 100", "1") + rule("b_large", "&gt;= 100", "2"))
    base = base.replace('name="base decision"', 'name="base"')
    total = (
        '<decision id="total" name="total"><informationRequirement id="req">'
        '<requiredDecision href="#base"/></informationRequirement>'
        '<literalExpression id="total_expr"><text>base * 10 + area</text></literalExpression>'
        "</decision>"
    )
    engine.deploy(dmn(base, total))
    engine.deploy(process("total", "total"))
    inst = engine.start("p", {"area": 150})
    assert engine.instance(inst.id).variables["total"] == 170
    [audit] = engine.decision_evaluations(inst.id)
    assert audit.decision_id == "total"
    assert audit.matched_rule_ids == ("b_large",)  # rules of the required decision
    assert audit.matched_rules[0]["decision_id"] == "base"


def test_no_matching_rule_gives_a_null_result_and_the_case_goes_on(engine: Any) -> None:
    engine.deploy(dmn(table("fee", rule("r_small", "&lt; 100", "50"))))
    engine.deploy(process())
    inst = engine.start("p", {"area": 500})
    assert engine.incidents(instance_id=inst.id) == []
    assert engine.instance(inst.id).variables["feeResult"] is None
    assert engine.decision_evaluations(inst.id)[0].matched_rule_ids == ()
