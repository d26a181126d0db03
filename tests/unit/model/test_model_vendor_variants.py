"""What different modeling tools write imports to the same kind of model."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from lxml import etree

from civicflow.model import (
    InclusiveGateway,
    ServiceTask,
    StandardLoopCharacteristics,
    Task,
    Transaction,
    UserTask,
    export_bpmn,
    parse_bpmn,
)
from civicflow.model.names import BPMNDI, DC, DI, MODEL

DATA = Path(__file__).parents[2] / "data" / "bpmn"


def test_camunda7_attributes_and_input_output_are_typed() -> None:
    process = parse_bpmn(DATA / "variant_bpmn2_prefix_camunda7.bpmn").process("leave_request")
    approve = process.node("approve")
    assert isinstance(approve, UserTask)
    camunda = approve.camunda
    assert camunda.assignee == "${manager}"
    assert camunda.candidate_groups == "hr,managers"
    assert camunda.form_key == "app:approve.html"
    first = camunda.input_parameters[0]
    assert (first.name, first.value) == ("days", "${days}")
    script = camunda.input_parameters[1]
    assert script.value is None
    assert script.raw is not None
    assert script.raw.get("scriptFormat") == "groovy"
    assert [p.name for p in camunda.output_parameters] == ["approved"]
    book = process.node("book")
    assert isinstance(book, ServiceTask)
    assert book.camunda.topic == "book-leave"
    assert book.camunda.type == "external"
    assert book.camunda.async_before is True
    assert process.node("mail").camunda.class_name == "org.example.MailDelegate"
    assert process.node("audit").camunda.expression == "${audit.log(execution)}"
    assert process.node("start").camunda.form_key == "embedded:app:forms/start.html"
    assert process.node("end").camunda.is_empty


def test_old_activiti_namespace_is_read_as_camunda7() -> None:
    text = (
        '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:camunda="http://activiti.org/bpmn" targetNamespace="t"><process id="p">'
        '<userTask id="u" camunda:assignee="demo" /></process></definitions>'
    )
    assert parse_bpmn(text).process("p").node("u").camunda.assignee == "demo"


def test_missing_optional_attributes_take_the_schema_defaults() -> None:
    definitions = parse_bpmn(DATA / "variant_minimal_no_di.bpmn")
    assert definitions.id is None
    assert definitions.diagrams == ()
    process = definitions.process("p")
    assert process.is_executable is None
    assert process.name is None
    task = process.node("t")
    assert isinstance(task, Task)
    assert task.start_quantity == 1
    assert isinstance(task.loop, StandardLoopCharacteristics)
    assert task.loop.test_before is True
    assert task.loop.loop_maximum == 3
    assert task.loop.loop_condition is not None
    assert task.loop.loop_condition.body == "=count < 3"
    transaction = process.node("tx")
    assert isinstance(transaction, Transaction)
    assert transaction.method == "##Compensate"
    assert [n.id for n in transaction.nodes] == ["tx_s", "tx_e"]
    gateway = process.node("g")
    assert isinstance(gateway, InclusiveGateway)
    assert gateway.default == "f_default"
    informal = process.outgoing("g")[0].condition
    assert informal is not None
    assert informal.formal is False


def test_lane_set_without_id_is_kept_without_inventing_one_in_the_export() -> None:
    definitions = parse_bpmn(DATA / "variant_bpmn2_prefix_camunda7.bpmn")
    exported = etree.fromstring(export_bpmn(definitions))
    lane_set = exported.find(f".//{{{MODEL}}}laneSet")
    assert lane_set is not None
    assert lane_set.get("id") is None
    assert definitions.process("leave_request").lane_of("approve") is not None


def test_prefixed_and_default_namespace_files_give_equal_models() -> None:
    default_ns = parse_bpmn(DATA / "constructs_default_ns.bpmn")
    prefixed = dataclasses.replace(
        default_ns,
        namespaces=(
            ("semantic", MODEL),
            ("bpmndi", BPMNDI),
            ("omgdc", DC),
            ("omgdi", DI),
            ("zeebe", "http://camunda.org/schema/zeebe/1.0"),
        ),
    )
    text = export_bpmn(prefixed).decode()
    assert "<semantic:process" in text
    assert "<process" not in text
    assert parse_bpmn(text) == default_ns


def test_unknown_vendor_elements_and_colours_survive_export() -> None:
    variant = parse_bpmn(DATA / "variant_bpmn2_prefix_camunda7.bpmn")
    shape = variant.diagrams[0].shapes[0]
    assert ("{http://bpmn.io/schema/bpmn/biocolor/1.0}fill", "#bbdefb") in shape.attributes
    exported = export_bpmn(variant).decode()
    assert 'bioc:fill="#bbdefb"' in exported
    assert "camunda:inputOutput" in exported
    constructs = export_bpmn(parse_bpmn(DATA / "constructs_default_ns.bpmn")).decode()
    assert "<acme:b>me</acme:b>" in constructs
