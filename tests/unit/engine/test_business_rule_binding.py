"""Which decision version a business rule task evaluates (``zeebe:calledDecision bindingType``,
Camunda 7 ``camunda:decisionRefBinding``), files deployed together by one ``engine.deploy``
call. Decision 0311."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from civicflow.engine.errors import DeploymentError
from civicflow.testing import bpmn, chain

DMN_NS = "https://www.omg.org/spec/DMN/20191111/MODEL/"
ZEEBE = "http://camunda.org/schema/zeebe/1.0"


def rules(small_fee: int, tag: str | None = None, decision_id: str = "fee") -> str:
    """A fee table (area < 100 gives ``small_fee``, else 120), optionally version-tagged."""
    tagged = (f'<extensionElements><zeebe:versionTag value="{tag}"/></extensionElements>'
              if tag else "")
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<definitions xmlns="{DMN_NS}" '
        f'xmlns:zeebe="{ZEEBE}" id="rules" name="Permit rules" '
        f'namespace="http://example.org/rules">'
        f'<decision id="{decision_id}" name="Fee">{tagged}'
        f'<decisionTable id="{decision_id}_t">'
        '<input id="i1"><inputExpression id="ie1" typeRef="number"><text>area</text>'
        f'</inputExpression></input><output id="o1" name="fee" typeRef="number"/>'
        '<rule id="r_small"><inputEntry id="r1i"><text>&lt; 100</text></inputEntry>'
        f'<outputEntry id="r1o"><text>{small_fee}</text></outputEntry></rule>'
        '<rule id="r_large"><inputEntry id="r2i"><text>&gt;= 100</text></inputEntry>'
        '<outputEntry id="r2o"><text>120</text></outputEntry></rule>'
        "</decisionTable></decision></definitions>"
    )


def process(binding: str | None = None, tag: str | None = None, process_id: str = "p") -> str:
    attrs = f' bindingType="{binding}"' if binding else ""
    attrs += f' versionTag="{tag}"' if tag is not None else ""
    task = ('<bpmn:businessRuleTask id="decide"><bpmn:extensionElements>'
            f'<zeebe:calledDecision decisionId="fee" resultVariable="fee"{attrs}/>'
            "</bpmn:extensionElements></bpmn:businessRuleTask>")
    return bpmn('<bpmn:startEvent id="s"/>' + task + '<bpmn:userTask id="after"/>'
                + chain("s", "decide", "after"), process_id)


def fee_of(engine: Any, process_id: str = "p", version: int | None = None) -> Any:
    inst = engine.start(process_id, {"area": 10}, version=version)
    return engine.instance(inst.id).variables.get("fee")


# --------------------------------------------------------------------- Camunda 8 binding types


def test_latest_binding_evaluates_the_newest_decision_version(engine: Any) -> None:
    engine.deploy(process("latest"), rules(50))
    engine.deploy(rules(60))
    assert fee_of(engine) == 60


def test_deployment_binding_evaluates_the_decision_deployed_in_the_same_call(
    engine: Any,
) -> None:
    engine.deploy(process("deployment"), rules(50))
    engine.deploy(rules(60))  # newer, but deployed on its own
    assert fee_of(engine) == 50


def test_redeploying_a_bundle_with_new_rules_gives_the_process_a_version_bound_to_them(
    engine: Any,
) -> None:
    engine.deploy(process("deployment"), rules(50))
    deployed = engine.deploy(process("deployment"), rules(70))  # the process did not change
    assert sorted((d.kind, d.version) for d in deployed) == [("decision", 2), ("process", 2)]
    assert fee_of(engine) == 70
    assert fee_of(engine, version=1) == 50  # the first version stays bound to its rules


def test_deploying_an_unchanged_bundle_again_keeps_every_version(engine: Any) -> None:
    engine.deploy(process("deployment"), rules(50))
    again = engine.deploy(process("deployment"), rules(50))
    assert sorted((d.kind, d.version) for d in again) == [("decision", 1), ("process", 1)]


def test_deployment_binding_without_a_decision_deployed_together_is_an_incident(
    engine: Any,
) -> None:
    engine.deploy(rules(50))
    engine.deploy(process("deployment"))
    inst = engine.start("p", {"area": 10})
    [incident] = engine.incidents(instance_id=inst.id)
    assert incident.element_id == "decide"
    assert "deployed together" in incident.message
    assert "engine.deploy(" in incident.message


def test_version_tag_binding_evaluates_the_decision_version_with_that_tag(engine: Any) -> None:
    engine.deploy(rules(50, tag="2025"))
    engine.deploy(rules(60, tag="2026"))
    engine.deploy(rules(70))  # newest, untagged
    engine.deploy(process("versionTag", tag="2025"))
    inst = engine.start("p", {"area": 10})
    assert engine.instance(inst.id).variables["fee"] == 50
    assert engine.decision_evaluations(inst.id)[0].version == 1


def test_a_missing_decision_version_tag_is_an_incident_and_retry_evaluates_it_once_deployed(
    engine: Any,
) -> None:
    engine.deploy(rules(50, tag="2025"))
    engine.deploy(process("versionTag", tag="2026"))
    inst = engine.start("p", {"area": 10})
    [incident] = engine.incidents(instance_id=inst.id)
    assert "'fee'" in incident.message
    assert "'2026'" in incident.message
    assert "zeebe:versionTag" in incident.message
    engine.deploy(rules(60, tag="2026"))
    engine.retry(incident.id)
    assert engine.incidents(instance_id=inst.id) == []
    assert engine.instance(inst.id).variables["fee"] == 60


def test_decision_version_tag_binding_without_a_tag_is_refused_at_deployment(
    engine: Any,
) -> None:
    with pytest.raises(DeploymentError,
                       match=r"Business rule task 'decide'.*needs the version tag"):
        engine.deploy(process("versionTag"))


def test_an_unknown_decision_binding_type_is_refused_naming_the_task(engine: Any) -> None:
    with pytest.raises(DeploymentError, match=r"'decide'.*binding type 'pinned' is not"):
        engine.deploy(process("pinned"))
    assert engine.deployments() == []


# ------------------------------------------------------------------------ deploying together


def test_a_refused_file_in_a_deploy_call_stores_none_of_the_files(engine: Any) -> None:
    with pytest.raises(DeploymentError):
        engine.deploy(rules(50), process("pinned"))
    assert engine.deployments() == []


def test_call_activity_with_deployment_binding_calls_the_child_deployed_in_the_same_call(
    engine: Any,
) -> None:
    def child(task: str) -> str:
        return bpmn(f'<bpmn:startEvent id="cs"/><bpmn:userTask id="{task}"/>'
                    + chain("cs", task), "child")

    parent = bpmn('<bpmn:startEvent id="s"/><bpmn:callActivity id="call">'
                  '<bpmn:extensionElements><zeebe:calledElement processId="child" '
                  'bindingType="deployment"/></bpmn:extensionElements></bpmn:callActivity>'
                  + chain("s", "call"), "parent")
    engine.deploy(parent, child("bundled"))
    engine.deploy(child("newer"))
    engine.start("parent")
    assert [t.element_id for t in engine.tasks(process_id="child")] == ["bundled"]


# ----------------------------------------------------------------- Camunda 7 decisionRefBinding

C7 = "http://camunda.org/schema/1.0/bpmn"


def c7_process(attrs: str, result: str = "fee") -> str:
    task = (f'<bpmn:businessRuleTask id="decide" xmlns:camunda="{C7}" camunda:decisionRef="fee"'
            f' camunda:resultVariable="{result}" {attrs}/>')
    return bpmn('<bpmn:startEvent id="s"/>' + task + '<bpmn:userTask id="after"/>'
                + chain("s", "decide", "after"))


def c7_rules(small_fee: int, tag: str) -> str:
    """Camunda 7 writes a decision's version tag as a ``camunda:versionTag`` attribute."""
    return rules(small_fee).replace(
        '<decision id="fee"',
        f'<decision xmlns:camunda="http://camunda.org/schema/1.0/dmn" '
        f'camunda:versionTag="{tag}" id="fee"')


def test_camunda7_version_binding_evaluates_that_version_number(engine: Any) -> None:
    engine.deploy(rules(50))
    engine.deploy(rules(60))
    engine.deploy(c7_process('camunda:decisionRefBinding="version" camunda:decisionRefVersion="1"'
                             ' camunda:mapDecisionResult="singleEntry"'))
    assert fee_of(engine) == 50


def test_camunda7_version_binding_to_a_missing_version_is_an_incident(engine: Any) -> None:
    engine.deploy(rules(50))
    engine.deploy(c7_process('camunda:decisionRefBinding="version" camunda:decisionRefVersion="3"'
                             ' camunda:mapDecisionResult="singleEntry"'))
    inst = engine.start("p", {"area": 10})
    [incident] = engine.incidents(instance_id=inst.id)
    assert "version 3" in incident.message
    assert "'fee'" in incident.message


def test_camunda7_version_tag_binding_reads_the_camunda_version_tag_of_the_decision(
    engine: Any,
) -> None:
    engine.deploy(c7_rules(50, "1.0.0"))
    engine.deploy(c7_rules(60, "2.0.0"))
    engine.deploy(c7_process('camunda:decisionRefBinding="versionTag" '
                             'camunda:decisionRefVersionTag="1.0.0" '
                             'camunda:mapDecisionResult="singleEntry"'))
    assert fee_of(engine) == 50


def test_camunda7_deployment_binding_evaluates_the_decision_deployed_with_the_process(
    engine: Any,
) -> None:
    engine.deploy(c7_process('camunda:decisionRefBinding="deployment" '
                             'camunda:mapDecisionResult="singleEntry"'), rules(50))
    engine.deploy(rules(60))
    assert fee_of(engine) == 50


def test_camunda7_version_binding_without_a_number_is_refused_at_deployment(
    engine: Any,
) -> None:
    with pytest.raises(DeploymentError, match=r"'decide'.*decisionRefVersion"):
        engine.deploy(c7_process('camunda:decisionRefBinding="version"'))


def test_the_cli_deploys_several_files_as_one_bundle(tmp_path: Any) -> None:
    from typer.testing import CliRunner

    from civicflow.cli import app

    db = f"sqlite:///{tmp_path / 'cf.db'}"
    model, table = tmp_path / "p.bpmn", tmp_path / "fee.dmn"
    model.write_text(process("deployment"), encoding="utf-8")
    table.write_text(rules(50), encoding="utf-8")
    result = CliRunner().invoke(app, ["deploy", str(model), str(table), "--database", db])
    assert result.exit_code == 0, result.output
    assert "p version 1" in result.output
    assert "decision fee version 1" in result.output
    from civicflow import Engine

    engine = Engine.open(db)
    try:
        assert fee_of(engine) == 50  # bound to the decision deployed with it
    finally:
        engine.close()


def test_an_error_in_one_of_several_deployed_files_names_that_file(
        engine: Any, tmp_path: Path) -> None:
    good = tmp_path / "permit.bpmn"
    good.write_text(bpmn('<bpmn:startEvent id="s"/>'), encoding="utf-8")
    bad = tmp_path / "rules.dmn"
    bad.write_text("<definitions", encoding="utf-8")
    with pytest.raises(DeploymentError, match=r"rules\.dmn: The model cannot be read"):
        engine.deploy(good, bad)
    assert engine.deployments() == []  # all or nothing
