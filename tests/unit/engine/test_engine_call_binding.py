"""Which version a call activity starts: ``zeebe:calledElement bindingType`` latest,
deployment or versionTag (with ``zeebe:versionTag value`` on the called process)."""

from __future__ import annotations

from typing import Any

import pytest

from civicflow.testing import bpmn, chain


def child(task: str, tag: str | None = None) -> str:
    tagged = (f'<bpmn:extensionElements><zeebe:versionTag value="{tag}"/>'
              "</bpmn:extensionElements>") if tag else ""
    return bpmn(tagged + f'<bpmn:startEvent id="cs"/><bpmn:userTask id="{task}"/>'
                '<bpmn:endEvent id="ce"/>' + chain("cs", task, "ce"), "child")


def parent(binding: str, *, tag: str | None = None, extra: str = "") -> str:
    tag_attr = f' versionTag="{tag}"' if tag is not None else ""
    return bpmn('<bpmn:startEvent id="s"/><bpmn:callActivity id="call">'
                '<bpmn:extensionElements><zeebe:calledElement processId="child" '
                f'bindingType="{binding}"{tag_attr}/></bpmn:extensionElements>'
                '</bpmn:callActivity><bpmn:endEvent id="e"/>' + chain("s", "call", "e"),
                "parent", extra=extra)


def child_tasks(engine: Any) -> list[str]:
    return sorted(t.element_id for t in engine.tasks(process_id="child"))


def test_call_activity_with_latest_binding_calls_the_newest_child_version(engine: Any) -> None:
    engine.deploy(child("one", "v1"))
    engine.deploy(parent("latest"))
    engine.deploy(child("two", "v2"))
    engine.start("parent")
    assert child_tasks(engine) == ["two"]


def test_call_activity_with_deployment_binding_calls_the_version_deployed_beside_it(
    engine: Any,
) -> None:
    together = ('<bpmn:process id="child" isExecutable="true"><bpmn:startEvent id="cs"/>'
                '<bpmn:userTask id="bundled"/><bpmn:endEvent id="ce"/>'
                + chain("cs", "bundled", "ce") + "</bpmn:process>")
    engine.deploy(parent("deployment", extra=together))
    engine.deploy(child("newer"))
    engine.start("parent")
    assert child_tasks(engine) == ["bundled"]


def test_call_activity_bound_to_a_version_tag_calls_the_version_with_that_tag(
    engine: Any,
) -> None:
    engine.deploy(child("one", "v1"))
    engine.deploy(child("two", "v2"))
    engine.deploy(child("three"))  # newest, untagged
    engine.deploy(parent("versionTag", tag="v1"))
    inst = engine.start("parent")
    assert child_tasks(engine) == ["one"]
    [called] = engine.instances(process_id="child")
    assert called.version == 1
    engine.complete(engine.tasks(process_id="child")[0].id)
    assert engine.instance(inst.id).state == "completed"


def test_a_missing_version_tag_is_an_incident_naming_the_tag_and_retry_calls_it_once_deployed(
    engine: Any,
) -> None:
    engine.deploy(child("one", "v1"))
    engine.deploy(parent("versionTag", tag="v2"))
    inst = engine.start("parent")
    [incident] = engine.incidents(instance_id=inst.id)
    assert incident.element_id == "call"
    assert incident.kind == "called_element"
    assert "'child'" in incident.message
    assert "'v2'" in incident.message
    assert "zeebe:versionTag" in incident.message
    engine.deploy(child("two", "v2"))
    engine.retry(incident.id)
    assert child_tasks(engine) == ["two"]


def test_version_tag_binding_without_a_tag_is_refused_at_deployment(engine: Any) -> None:
    from civicflow.engine.errors import DeploymentError

    with pytest.raises(DeploymentError, match=r"Call activity 'call'.*needs the version tag"):
        engine.deploy(parent("versionTag"))


def test_an_unknown_binding_type_is_refused_at_deployment(engine: Any) -> None:
    from civicflow.engine.errors import DeploymentError

    with pytest.raises(DeploymentError, match="binding type 'pinned' is not supported"):
        engine.deploy(parent("pinned"))
