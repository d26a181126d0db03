"""Bad input to the engine features of 2026-11-29 (several files per deploy call, migration
into and out of subprocesses, pending starts, business rule task bindings), given from Python:
a clear error naming what is wrong, the same on SQLite and PostgreSQL, and nothing stored.
QA note: docs/qa/2026-11-29-night-bad-input.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from civicflow.engine.errors import DeploymentError, InvalidCommandError
from civicflow.testing import bpmn, chain

DMN_NS = "https://www.omg.org/spec/DMN/20191111/MODEL/"
C7 = "http://camunda.org/schema/1.0/bpmn"


def review(task: str = "review") -> str:
    return bpmn(f'<bpmn:startEvent id="s"/><bpmn:userTask id="{task}"/><bpmn:endEvent id="e"/>'
                + chain("s", task, "e"))


def fee_rules(fee: int) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<definitions xmlns="{DMN_NS}" id="rules" '
        'name="Rules" namespace="http://example.org/rules"><decision id="fee" name="Fee">'
        f'<literalExpression id="le"><text>{fee}</text></literalExpression></decision>'
        "</definitions>")


def knowledge_library() -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<definitions xmlns="{DMN_NS}" id="lib" '
        'name="Library" namespace="http://example.org/lib">'
        '<businessKnowledgeModel id="discount" name="discount"><encapsulatedLogic id="l">'
        '<formalParameter name="x" typeRef="number"/><literalExpression id="le">'
        "<text>x * 0.9</text></literalExpression></encapsulatedLogic>"
        "</businessKnowledgeModel></definitions>")


def pending_start_model() -> str:
    return bpmn(
        '<bpmn:startEvent id="s" parallelMultiple="true">'
        '<bpmn:messageEventDefinition messageRef="m1"/>'
        '<bpmn:messageEventDefinition messageRef="m2"/></bpmn:startEvent>'
        '<bpmn:userTask id="t"/><bpmn:endEvent id="e"/>' + chain("s", "t", "e"),
        extra='<bpmn:message id="m1" name="Applied"/><bpmn:message id="m2" name="Paid"/>')


# ------------------------------------------------------------------------------ deploy(a, b)


def test_two_files_of_one_call_defining_the_same_process_are_refused_naming_both(
    engine: Any, tmp_path: Path,
) -> None:
    first, second = tmp_path / "permit.bpmn", tmp_path / "permit-copy.bpmn"
    first.write_text(review("review"), encoding="utf-8")
    second.write_text(review("check"), encoding="utf-8")
    with pytest.raises(DeploymentError, match=r"Process 'p' is defined by both .*permit\.bpmn "
                       r"and .*permit-copy\.bpmn; nothing was deployed"):
        engine.deploy(first, second)
    assert engine.deployments() == []


def test_two_dmn_files_of_one_call_defining_the_same_decision_are_refused(
    engine: Any,
) -> None:
    with pytest.raises(DeploymentError,
                       match="Decision 'fee' is defined by both file 1 and file 2"):
        engine.deploy(fee_rules(50), fee_rules(60))
    assert engine.deployments() == []


def test_the_same_file_given_twice_in_one_call_is_deployed_once(
    engine: Any, tmp_path: Path,
) -> None:
    model = tmp_path / "permit.bpmn"
    model.write_text(review(), encoding="utf-8")
    deployed = engine.deploy(model, model)
    assert [(d.process_id, d.version) for d in deployed] == [("p", 1)]
    assert len(engine.deployments()) == 1


@pytest.mark.parametrize("content", [b"hello world\n", b"", "vm\n".encode("utf-16")])
def test_a_file_whose_content_is_not_xml_is_refused_as_not_xml(
    engine: Any, tmp_path: Path, content: bytes,
) -> None:
    good, bad = tmp_path / "permit.bpmn", tmp_path / "notes.bpmn"
    good.write_text(review(), encoding="utf-8")
    bad.write_bytes(content)
    with pytest.raises(DeploymentError, match=r"notes\.bpmn is not XML"):
        engine.deploy(good, bad)
    with pytest.raises(DeploymentError, match="the uploaded model is not XML"):
        engine.deploy(content)
    assert engine.deployments() == []


@pytest.mark.parametrize(("source", "words"), [
    (123, "not int"), (None, "not NoneType"), (["a.bpmn"], r"engine\.deploy\(\*files\)")])
def test_deploying_something_that_is_no_file_or_text_is_a_type_error(
    engine: Any, source: Any, words: str,
) -> None:
    with pytest.raises(TypeError, match=words):
        engine.deploy(source)


def test_a_dmn_library_deployed_alone_says_to_deploy_it_with_the_file_importing_it(
    engine: Any,
) -> None:
    with pytest.raises(DeploymentError, match=r"no decision.*deploy the two together"):
        engine.deploy(knowledge_library())
    assert engine.deployments() == []


# ------------------------------------------------------------------ wrong types from Python


def test_pending_starts_and_withdraw_refuse_an_id_that_is_not_text(engine: Any) -> None:
    engine.deploy(pending_start_model())
    engine.correlate("Applied", "42")
    with pytest.raises(TypeError, match="process_id must be text"):
        engine.pending_starts(process_id=123)
    with pytest.raises(TypeError, match="pending_id must be text"):
        engine.withdraw_pending_start(123)
    with pytest.raises(TypeError, match="message_name must be text"):
        engine.correlate(5, "42")
    with pytest.raises(TypeError, match="variables must be a mapping"):
        engine.correlate("Paid", "42", "amount=120")
    [pending] = engine.pending_starts()
    assert pending.parts_missing == ("message:Paid",)  # nothing changed


@pytest.mark.parametrize(("call", "words"), [
    (lambda e, i: e.migrate(i, "2"), "version must be a whole number"),
    (lambda e, i: e.migrate(i, True), "not bool"),
    (lambda e, i: e.migrate(123, 2), "instance_id must be text"),
    (lambda e, i: e.migrate(i, 2, mappings="review=check"), "mappings must be a mapping"),
    (lambda e, i: e.migrate(i, 2, mappings={"review": 3}), "element ids"),
])
def test_migrate_refuses_arguments_of_the_wrong_type(
    engine: Any, call: Any, words: str,
) -> None:
    engine.deploy(review("review"))
    inst = engine.start("p")
    engine.deploy(review("check"))
    with pytest.raises(TypeError, match=words):
        call(engine, inst.id)
    assert engine.instance(inst.id).version == 1


# ------------------------------------------------------------------------------- migration


def test_a_subprocess_that_cannot_be_entered_says_to_migrate_again_not_to_retry(
    engine: Any,
) -> None:
    engine.deploy(review())
    inst = engine.start("p")
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/><bpmn:subProcess id="assessment"><bpmn:extensionElements>'
        '<zeebe:ioMapping><zeebe:input source="=applicant" target="who"/></zeebe:ioMapping>'
        '</bpmn:extensionElements><bpmn:startEvent id="ss"/><bpmn:userTask id="review"/>'
        '<bpmn:endEvent id="se"/>' + chain("ss", "review", "se") + "</bpmn:subProcess>"
        '<bpmn:endEvent id="e"/>' + chain("s", "assessment", "e")))
    with pytest.raises(InvalidCommandError) as refused:
        engine.migrate(inst.id, 2)
    message = str(refused.value)
    assert "'assessment'" in message
    assert "applicant" in message
    assert "then migrate again." in message
    assert "retry" not in message
    assert ".." not in message
    assert engine.instance(inst.id).version == 1


# ------------------------------------------------------------------- business rule tasks


@pytest.mark.parametrize(("version", "words"), [
    ("\u00b2", r"'²' is not a version number"),  # a digit to str.isdigit(), not to int()
    ("0", "'0' is not a version number"),
    (None, "it is missing"),
])
def test_a_camunda7_decision_version_that_is_no_whole_number_from_1_is_refused(
    engine: Any, version: str | None, words: str,
) -> None:
    number = f' camunda:decisionRefVersion="{version}"' if version is not None else ""
    task = (f'<bpmn:businessRuleTask id="decide" xmlns:camunda="{C7}" camunda:decisionRef="fee"'
            f' camunda:resultVariable="fee" camunda:decisionRefBinding="version"{number}/>')
    model = bpmn('<bpmn:startEvent id="s"/>' + task + chain("s", "decide"))
    with pytest.raises(DeploymentError,
                       match=f"Business rule task 'decide'.*{words}.*from 1 up"):
        engine.deploy(model, fee_rules(50))
    assert engine.deployments() == []


def test_a_camunda7_decision_reference_written_as_an_expression_is_refused_at_deployment(
    engine: Any,
) -> None:
    task = (f'<bpmn:businessRuleTask id="decide" xmlns:camunda="{C7}" '
            'camunda:decisionRef="${feeTable}" camunda:resultVariable="fee"/>')
    model = bpmn('<bpmn:startEvent id="s"/>' + task + chain("s", "decide"))
    with pytest.raises(DeploymentError, match=r"Business rule task 'decide': camunda:decisionRef "
                       r"'\$\{feeTable\}' is a Camunda 7 \(JUEL\) expression"):
        engine.deploy(model, fee_rules(50))
    assert engine.deployments() == []


@pytest.mark.parametrize(("call", "words"), [
    (lambda e, i, t: e.start(42), "process_id must be text"),
    (lambda e, i, t: e.start("p", [("a", 1)]), "variables must be a mapping"),
    (lambda e, i, t: e.start("p", business_key=2026), "business_key must be text"),
    (lambda e, i, t: e.start("p", version="1"), "version must be a whole number"),
    (lambda e, i, t: e.instance(123), "instance_id must be text"),
    (lambda e, i, t: e.instances(state=1), "state must be text"),
    (lambda e, i, t: e.history(None), "instance_id must be text"),
    (lambda e, i, t: e.tasks(instance_id=7), "instance_id must be text"),
    (lambda e, i, t: e.tasks(assignee=["al"]), "assignee must be text"),
    (lambda e, i, t: e.task_variables(1), "task_id must be text"),
    (lambda e, i, t: e.complete(1), "task_id must be text"),
    (lambda e, i, t: e.complete(t, "approved=true"), "variables must be a mapping"),
    (lambda e, i, t: e.claim(t, 5), "actor must be text"),
    (lambda e, i, t: e.unclaim(5), "task_id must be text"),
    (lambda e, i, t: e.cancel(5), "instance_id must be text"),
    (lambda e, i, t: e.set_variables(i, [("a", 1)]), "variables must be a mapping"),
    (lambda e, i, t: e.broadcast_signal(5), "name must be text"),
    (lambda e, i, t: e.incidents(instance_id=5), "instance_id must be text"),
    (lambda e, i, t: e.retry(5), "incident_id must be text"),
    (lambda e, i, t: e.complete_job(5), "job_id must be text"),
    (lambda e, i, t: e.throw_error("j", 5), "code must be text"),
    (lambda e, i, t: e.jobs(instance_id=5), "instance_id must be text"),
    (lambda e, i, t: e.fetch_and_lock(5, "w"), "topic must be text"),
])
def test_engine_methods_refuse_ids_and_variables_of_the_wrong_type_by_name(
    engine: Any, call: Any, words: str,
) -> None:
    engine.deploy(review())
    inst = engine.start("p")
    [task] = engine.tasks(instance_id=inst.id)
    with pytest.raises(TypeError, match=words):
        call(engine, inst.id, task.id)
    assert [t.id for t in engine.tasks(instance_id=inst.id)] == [task.id]  # nothing changed
    assert engine.instance(inst.id).state == "active"
