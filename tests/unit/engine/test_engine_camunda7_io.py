"""Camunda 7 ``camunda:inputOutput`` parameters: run where simple, refused clearly otherwise."""

from __future__ import annotations

from typing import Any

import pytest

from civicflow.engine.errors import DeploymentError
from civicflow.testing import bpmn, chain

CAMUNDA = 'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"'


def task_with(parameters: str) -> str:
    return bpmn(f'<bpmn:startEvent id="s"/><bpmn:userTask id="review" {CAMUNDA}>'
                f"<bpmn:extensionElements><camunda:inputOutput>{parameters}"
                "</camunda:inputOutput></bpmn:extensionElements></bpmn:userTask>"
                '<bpmn:userTask id="after"/><bpmn:endEvent id="e"/>'
                + chain("s", "review", "after", "e"))


def test_camunda7_input_parameters_with_constants_and_variable_references_become_local(
    engine: Any,
) -> None:
    engine.deploy(task_with(
        '<camunda:inputParameter name="office">Permits desk</camunda:inputParameter>'
        '<camunda:inputParameter name="applicant">${person.name}</camunda:inputParameter>'
        '<camunda:inputParameter name="limit">${100}</camunda:inputParameter>'
        '<camunda:inputParameter name="nothing"/>'
        '<camunda:inputParameter name="checks"><camunda:list>'
        "<camunda:value>id</camunda:value><camunda:value>${area}</camunda:value>"
        "</camunda:list></camunda:inputParameter>"
        '<camunda:inputParameter name="meta"><camunda:map>'
        '<camunda:entry key="kind">permit</camunda:entry>'
        '<camunda:entry key="size">${area}</camunda:entry>'
        "</camunda:map></camunda:inputParameter>"))
    inst = engine.start("p", {"person": {"name": "Ana"}, "area": 120})
    [task] = engine.tasks(instance_id=inst.id)
    seen = engine.task_variables(task.id)
    assert seen["office"] == "Permits desk"
    assert seen["applicant"] == "Ana"
    assert seen["limit"] == 100
    assert seen["nothing"] is None
    assert seen["checks"] == ["id", 120]
    assert seen["meta"] == {"kind": "permit", "size": 120}
    engine.complete(task.id)
    assert set(engine.instance(inst.id).variables) == {"person", "area"}  # inputs were local


def test_camunda7_output_parameters_map_results_to_the_process(engine: Any) -> None:
    engine.deploy(task_with(
        '<camunda:outputParameter name="outcome">${decision}</camunda:outputParameter>'
        '<camunda:outputParameter name="checked_by">clerk</camunda:outputParameter>'))
    inst = engine.start("p")
    engine.complete(engine.tasks(instance_id=inst.id)[0].id, {"decision": "granted"})
    variables = engine.instance(inst.id).variables
    assert variables["outcome"] == "granted"
    assert variables["checked_by"] == "clerk"
    assert "decision" not in variables  # with output mappings the raw result stays local


@pytest.mark.parametrize(
    ("parameter", "why"),
    [
        ('<camunda:inputParameter name="double">${amount * 2}</camunda:inputParameter>',
         "is not a plain variable or constant"),
        ('<camunda:inputParameter name="greeting">Dear ${name}</camunda:inputParameter>',
         "mixes text with a JUEL expression"),
        ('<camunda:inputParameter name="calc"><camunda:script scriptFormat="groovy">'
         "amount * 2</camunda:script></camunda:inputParameter>",
         "scripts in 'groovy' are not run"),
        ('<camunda:outputParameter name="bean">${service.lookup(id)}</camunda:outputParameter>',
         "is not a plain variable or constant"),
    ],
)
def test_camunda7_parameters_the_engine_cannot_translate_are_refused_at_deployment(
    engine: Any, parameter: str, why: str
) -> None:
    with pytest.raises(DeploymentError) as raised:
        engine.deploy(task_with(parameter))
    message = str(raised.value)
    assert "Element 'review'" in message
    assert why in message
    assert "zeebe:ioMapping" in message
    assert engine.deployments() == []
