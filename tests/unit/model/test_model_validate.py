"""Model errors: each finding names the element, its line and what is wrong."""

from __future__ import annotations

from civicflow.model import Finding, Level, Severity, check, parse_bpmn, validate

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'id="d" targetNamespace="http://example.org/t">\n'
)


def _findings(body: str) -> tuple[Finding, ...]:
    return validate(parse_bpmn(HEAD + body + "\n</bpmn:definitions>"))


def _codes(body: str) -> set[str]:
    return {f.code for f in _findings(body)}


def test_a_consistent_process_has_no_model_findings() -> None:
    body = """<bpmn:process id="p" isExecutable="true">
      <bpmn:startEvent id="s" /><bpmn:endEvent id="e" />
      <bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e" /></bpmn:process>"""
    assert _findings(body) == ()


def test_duplicate_ids_are_reported_with_both_lines() -> None:
    body = """<bpmn:process id="p">
      <bpmn:startEvent id="same" />
      <bpmn:task id="same" name="Twin" /></bpmn:process>"""
    findings = [f for f in _findings(body) if f.code == "duplicate-id"]
    assert len(findings) == 1
    assert findings[0].element_id == "same"
    assert findings[0].element_name == "Twin"
    assert findings[0].line == 5
    assert "line 4" in findings[0].message
    assert findings[0].severity is Severity.ERROR
    assert findings[0].level is Level.MODEL


def test_sequence_flow_to_a_missing_node_is_a_dangling_reference() -> None:
    body = """<bpmn:process id="p"><bpmn:startEvent id="s" />
      <bpmn:sequenceFlow id="f" sourceRef="s" targetRef="ghost" /></bpmn:process>"""
    findings = _findings(body)
    assert [(f.code, f.element_id) for f in findings] == [("dangling-reference", "f")]
    assert "ghost" in findings[0].message


def test_sequence_flow_between_two_processes_is_reported() -> None:
    body = """<bpmn:process id="p1"><bpmn:task id="a" />
      <bpmn:sequenceFlow id="f" sourceRef="a" targetRef="b" /></bpmn:process>
      <bpmn:process id="p2"><bpmn:task id="b" /></bpmn:process>"""
    finding = next(f for f in _findings(body) if f.element_id == "f")
    assert finding.code == "flow-between-processes"
    assert finding.process_id == "p1"
    assert "message flow" in finding.message


def test_sequence_flow_into_a_subprocess_child_crosses_the_scope() -> None:
    body = """<bpmn:process id="p"><bpmn:task id="a" />
      <bpmn:subProcess id="sub"><bpmn:task id="inner" /></bpmn:subProcess>
      <bpmn:sequenceFlow id="f" sourceRef="a" targetRef="inner" /></bpmn:process>"""
    assert "flow-crosses-scope" in _codes(body)


def test_gateway_without_outgoing_flow_is_reported() -> None:
    body = """<bpmn:process id="p"><bpmn:startEvent id="s" />
      <bpmn:exclusiveGateway id="g" name="Stuck?" />
      <bpmn:sequenceFlow id="f" sourceRef="s" targetRef="g" /></bpmn:process>"""
    finding = next(f for f in _findings(body) if f.code == "gateway-without-outgoing")
    assert finding.element_id == "g"
    assert finding.element_name == "Stuck?"


def test_default_flow_must_leave_the_gateway() -> None:
    body = """<bpmn:process id="p"><bpmn:startEvent id="s" /><bpmn:endEvent id="e" />
      <bpmn:exclusiveGateway id="g" default="f1" />
      <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="g" />
      <bpmn:sequenceFlow id="f2" sourceRef="g" targetRef="e" /></bpmn:process>"""
    assert "default-flow-not-outgoing" in _codes(body)


def test_event_referring_to_an_undefined_message_is_reported() -> None:
    body = """<bpmn:process id="p"><bpmn:startEvent id="s">
      <bpmn:messageEventDefinition messageRef="nope" /></bpmn:startEvent></bpmn:process>"""
    finding = next(iter(_findings(body)))
    assert finding.code == "dangling-reference"
    assert "messageRef" in finding.message


def test_start_with_incoming_and_end_with_outgoing_are_reported() -> None:
    body = """<bpmn:process id="p"><bpmn:startEvent id="s" /><bpmn:endEvent id="e" />
      <bpmn:sequenceFlow id="f" sourceRef="e" targetRef="s" /></bpmn:process>"""
    assert {"start-event-with-incoming", "end-event-with-outgoing"} <= _codes(body)


def test_boundary_event_on_a_missing_activity_is_reported() -> None:
    body = """<bpmn:process id="p"><bpmn:boundaryEvent id="b" attachedToRef="none" />
      </bpmn:process>"""
    assert "boundary-event-detached" in _codes(body)


def test_message_flow_inside_one_pool_is_reported() -> None:
    body = """<bpmn:collaboration id="c">
        <bpmn:participant id="pool" processRef="p" />
        <bpmn:messageFlow id="mf" sourceRef="a" targetRef="b" /></bpmn:collaboration>
      <bpmn:process id="p"><bpmn:task id="a" /><bpmn:task id="b" /></bpmn:process>"""
    assert "message-flow-inside-pool" in _codes(body)


def test_lane_listing_a_missing_node_is_reported() -> None:
    body = """<bpmn:process id="p"><bpmn:laneSet id="ls"><bpmn:lane id="l">
      <bpmn:flowNodeRef>ghost</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet></bpmn:process>"""
    assert "dangling-reference" in _codes(body)


def test_check_report_flags_model_errors_but_a_descriptive_model_is_still_valid() -> None:
    descriptive = check(
        parse_bpmn(
            HEAD + '<bpmn:process id="p" isExecutable="false"><bpmn:task id="t" />'
            "</bpmn:process></bpmn:definitions>"
        )
    )
    assert not descriptive.has_model_errors
    assert descriptive.processes[0].executable is False
    broken = check(
        parse_bpmn(
            HEAD + '<bpmn:process id="p"><bpmn:exclusiveGateway id="g" /></bpmn:process>'
            "</bpmn:definitions>"
        )
    )
    assert broken.has_model_errors
