"""DMN files importing other DMN files (DMN 1.3+ ``<import>``, qualified names
``importName.element``): the imported file is found by namespace among the files of the same
``engine.deploy`` call, else among the files deployed before, and kept with the decision
version. Decision 0311."""

from __future__ import annotations

from typing import Any

import pytest

from civicflow.engine.errors import DeploymentError
from civicflow.testing import bpmn, chain

DMN_NS = "https://www.omg.org/spec/DMN/20191111/MODEL/"


def definitions(namespace: str, body: str, imports: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<definitions xmlns="{DMN_NS}" '
            f'id="d_{namespace[-4:]}" name="{namespace}" namespace="{namespace}">'
            f"{imports}{body}</definitions>")


def import_of(name: str, namespace: str) -> str:
    return f'<import name="{name}" namespace="{namespace}" importType="{DMN_NS}"/>'


def base(small_fee: int = 50) -> str:
    """``http://example.org/base``: decision ``baseFee`` by area."""
    return definitions("http://example.org/base", (
        '<decision id="baseFee" name="baseFee"><decisionTable id="t" hitPolicy="FIRST">'
        '<input id="i"><inputExpression id="ie" typeRef="number"><text>area</text>'
        '</inputExpression></input><output id="o" name="baseFee" typeRef="number"/>'
        '<rule id="r_small"><inputEntry id="r1i"><text>&lt; 100</text></inputEntry>'
        f'<outputEntry id="r1o"><text>{small_fee}</text></outputEntry></rule>'
        '<rule id="r_large"><inputEntry id="r2i"><text>-</text></inputEntry>'
        '<outputEntry id="r2o"><text>120</text></outputEntry></rule>'
        "</decisionTable></decision>"))


def total() -> str:
    """``http://example.org/main``: ``total`` doubles the imported ``base.baseFee``."""
    return definitions("http://example.org/main", (
        '<decision id="total" name="total"><informationRequirement id="req">'
        '<requiredDecision href="http://example.org/base#baseFee"/></informationRequirement>'
        '<literalExpression id="te"><text>base.baseFee * 2</text></literalExpression>'
        "</decision>"), import_of("base", "http://example.org/base"))


def process(decision: str = "total") -> str:
    task = ('<bpmn:businessRuleTask id="decide"><bpmn:extensionElements>'
            f'<zeebe:calledDecision decisionId="{decision}" resultVariable="result"/>'
            "</bpmn:extensionElements></bpmn:businessRuleTask>")
    return bpmn('<bpmn:startEvent id="s"/>' + task + '<bpmn:userTask id="after"/>'
                + chain("s", "decide", "after"))


def result(engine: Any, area: int = 10) -> Any:
    inst = engine.start("p", {"area": area})
    assert engine.incidents(instance_id=inst.id) == []
    return engine.instance(inst.id).variables["result"]


def test_a_decision_uses_a_decision_of_a_dmn_file_imported_in_the_same_call(
    engine: Any,
) -> None:
    engine.deploy(total(), base(), process())
    inst = engine.start("p", {"area": 10})
    assert engine.instance(inst.id).variables["result"] == 100
    [audit] = engine.decision_evaluations(inst.id)
    assert audit.matched_rule_ids == ("r_small",)  # the imported decision's rule
    assert audit.matched_rules[0]["decision_id"] == "baseFee"


def test_an_imported_file_is_found_among_the_dmn_files_deployed_before(engine: Any) -> None:
    engine.deploy(base())
    engine.deploy(total())
    engine.deploy(process())
    assert result(engine, 500) == 240


def test_a_decision_version_keeps_the_imported_model_it_was_deployed_with(
    engine: Any,
) -> None:
    engine.deploy(base(50))
    engine.deploy(total(), process())
    engine.deploy(base(60))  # the imported file changes later
    assert result(engine) == 100
    [again] = [d for d in engine.deploy(total()) if d.process_id == "total"]
    assert again.version == 2  # deploying it again takes the newer imported file
    assert result(engine) == 120


def test_a_knowledge_model_library_without_decisions_deploys_beside_the_file_importing_it(
    engine: Any,
) -> None:
    library = definitions("http://example.org/lib", (
        '<businessKnowledgeModel id="discount" name="discount"><encapsulatedLogic id="l">'
        '<formalParameter name="x" typeRef="number"/><literalExpression id="le">'
        "<text>x * 0.9</text></literalExpression></encapsulatedLogic>"
        "</businessKnowledgeModel>"))
    main = definitions("http://example.org/main", (
        '<decision id="total" name="total"><knowledgeRequirement id="kr">'
        '<requiredKnowledge href="http://example.org/lib#discount"/></knowledgeRequirement>'
        '<literalExpression id="te"><text>lib.discount(area)</text></literalExpression>'
        "</decision>"), import_of("lib", "http://example.org/lib"))
    deployed = engine.deploy(main, library, process())
    assert sorted(d.process_id for d in deployed) == ["p", "total"]
    assert result(engine, 100) == 90


def test_a_missing_imported_file_is_refused_naming_the_import_and_namespace(
    engine: Any,
) -> None:
    with pytest.raises(DeploymentError,
                       match=r"import 'base'.*'http://example.org/base'.*engine\.deploy"):
        engine.deploy(total(), process())
    assert engine.deployments() == []
