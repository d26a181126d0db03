"""Executability: which elements keep the CivicFlow engine from running a process, and why."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from civicflow.model import (
    ENGINE_SUPPORT,
    ProcessReport,
    Severity,
    check,
    executability,
    parse_bpmn,
)

SHARED = Path(__file__).parents[3] / ".." / "shared" / "data" / "bpmn"
DATA = Path(__file__).parents[2] / "data" / "bpmn"
HEAD = (
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'id="d" targetNamespace="http://example.org/t">\n'
)


def _report(process_body: str, extra: str = "") -> ProcessReport:
    xml = (
        HEAD + extra + '<bpmn:process id="p" isExecutable="true">'
        '<bpmn:startEvent id="start" />' + process_body + "</bpmn:process></bpmn:definitions>"
    )
    definitions = parse_bpmn(xml)
    return executability(definitions, definitions.process("p"))


def _errors(report: ProcessReport) -> dict[str, str]:
    return {f.element_id or "": f.code for f in report.findings if f.severity is Severity.ERROR}


def test_reference_permit_process_is_reported_executable() -> None:
    report = check(parse_bpmn(SHARED / "reference_permit.bpmn"))
    assert not report.has_model_errors
    assert [(p.process_id, p.executable) for p in report.processes] == [
        ("permit_application", True)
    ]


def test_hand_made_file_with_every_supported_construct_is_executable() -> None:
    report = check(parse_bpmn(DATA / "constructs_default_ns.bpmn"))
    assert report.processes[0].executable, report.processes[0].findings


def test_descriptive_process_is_not_executable_and_says_how_to_fix_it() -> None:
    xml = HEAD + '<bpmn:process id="p" isExecutable="false" /></bpmn:definitions>'
    definitions = parse_bpmn(xml)
    report = executability(definitions, definitions.process("p"))
    assert not report.executable
    codes = {f.code for f in report.findings}
    assert codes == {"not-marked-executable", "no-start-event"}


def test_service_task_without_job_type_blocks_execution() -> None:
    report = _report('<bpmn:serviceTask id="call_registry" name="Call registry" />')
    assert not report.executable
    assert _errors(report) == {"call_registry": "service-task-without-type"}
    finding = report.findings[0]
    assert finding.element_name == "Call registry"
    assert finding.line == 2


def test_service_task_with_zeebe_job_type_runs() -> None:
    report = _report(
        '<bpmn:serviceTask id="t"><bpmn:extensionElements>'
        '<zeebe:taskDefinition type="registry" /></bpmn:extensionElements></bpmn:serviceTask>'
    )
    assert report.executable


def test_ad_hoc_subprocess_is_not_run() -> None:
    report = _report('<bpmn:adHocSubProcess id="adhoc" />')
    assert _errors(report) == {"adhoc": "unsupported-activity"}


def test_complex_gateway_transaction_cancel_and_compensation_events_are_run() -> None:
    report = _report(
        '<bpmn:complexGateway id="cg" />'
        '<bpmn:transaction id="tx"><bpmn:startEvent id="ts" />'
        '<bpmn:endEvent id="te"><bpmn:cancelEventDefinition /></bpmn:endEvent>'
        '<bpmn:sequenceFlow id="tf" sourceRef="ts" targetRef="te" /></bpmn:transaction>'
        '<bpmn:boundaryEvent id="tb" attachedToRef="tx"><bpmn:cancelEventDefinition />'
        "</bpmn:boundaryEvent>"
        '<bpmn:subProcess id="sp"><bpmn:subProcess id="cesp" triggeredByEvent="true">'
        '<bpmn:startEvent id="cs"><bpmn:compensateEventDefinition /></bpmn:startEvent>'
        "</bpmn:subProcess></bpmn:subProcess>"
        '<bpmn:endEvent id="ce"><bpmn:compensateEventDefinition /></bpmn:endEvent>'
    )
    assert _errors(report) == {}


def test_python_script_is_not_run_but_a_zeebe_feel_script_is() -> None:
    python = _report(
        '<bpmn:scriptTask id="py" scriptFormat="python"><bpmn:script>x = 1</bpmn:script>'
        "</bpmn:scriptTask>"
    )
    assert _errors(python) == {"py": "unsupported-script-format"}
    feel = _report(
        '<bpmn:scriptTask id="f"><bpmn:extensionElements>'
        '<zeebe:script expression="=1" resultVariable="x" /></bpmn:extensionElements>'
        "</bpmn:scriptTask>"
    )
    assert feel.executable


def test_unconditioned_flow_out_of_an_exclusive_gateway_is_reported() -> None:
    report = _report(
        '<bpmn:exclusiveGateway id="g" /><bpmn:endEvent id="a" /><bpmn:endEvent id="b" />'
        '<bpmn:sequenceFlow id="s" sourceRef="start" targetRef="g" />'
        '<bpmn:sequenceFlow id="ok" sourceRef="g" targetRef="a">'
        '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">=x</bpmn:conditionExpression>'
        "</bpmn:sequenceFlow>"
        '<bpmn:sequenceFlow id="bare" sourceRef="g" targetRef="b" />'
    )
    assert _errors(report) == {"bare": "flow-without-condition"}


def test_camunda7_juel_condition_gets_a_feel_suggestion() -> None:
    report = _report(
        '<bpmn:exclusiveGateway id="g" default="b" /><bpmn:endEvent id="e1" />'
        '<bpmn:endEvent id="e2" />'
        '<bpmn:sequenceFlow id="a" sourceRef="g" targetRef="e1">'
        "<bpmn:conditionExpression>${!approved}</bpmn:conditionExpression></bpmn:sequenceFlow>"
        '<bpmn:sequenceFlow id="b" sourceRef="g" targetRef="e2" />'
    )
    finding = next(f for f in report.findings if f.element_id == "a")
    assert finding.code == "juel-expression"
    assert "=not(approved)" in finding.message


def test_message_catch_needs_a_named_message() -> None:
    report = _report(
        '<bpmn:intermediateCatchEvent id="wait"><bpmn:messageEventDefinition />'
        "</bpmn:intermediateCatchEvent>"
    )
    assert _errors(report) == {"wait": "message-missing"}


def test_multi_instance_without_collection_or_cardinality_is_reported() -> None:
    report = _report(
        '<bpmn:userTask id="u"><bpmn:multiInstanceLoopCharacteristics /></bpmn:userTask>'
    )
    assert _errors(report) == {"u": "multi-instance-without-items"}


def test_supported_constructs_can_be_widened_in_one_place() -> None:
    xml = HEAD + (
        '<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s" />'
        '<bpmn:scriptTask id="py" scriptFormat="python"><bpmn:script>x = 1</bpmn:script>'
        "</bpmn:scriptTask></bpmn:process></bpmn:definitions>"
    )
    definitions = parse_bpmn(xml)
    process = definitions.process("p")
    assert not executability(definitions, process).executable
    wider = dataclasses.replace(
        ENGINE_SUPPORT, script_formats=ENGINE_SUPPORT.script_formats | {"python"}
    )
    assert executability(definitions, process, wider).executable


def test_transaction_with_method_store_or_image_is_reported_not_executable() -> None:
    body = ('<bpmn:transaction id="tx" method="##Image"><bpmn:startEvent id="ts" />'
            "</bpmn:transaction>")
    report = _report(body)
    assert not report.executable
    assert _errors(report)["tx"] == "transaction-method"
    finding = next(f for f in report.findings if f.element_id == "tx")
    assert "##Compensate" in finding.message


def test_transaction_with_method_compensate_or_none_is_executable() -> None:
    for method in ('method="##Compensate"', ""):
        body = (f'<bpmn:transaction id="tx" {method}><bpmn:startEvent id="ts" />'
                "</bpmn:transaction>")
        assert "tx" not in _errors(_report(body))
