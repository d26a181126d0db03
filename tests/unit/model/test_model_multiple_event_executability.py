"""`civicflow check` says of multiple events exactly what the engine deploys."""

from __future__ import annotations

import pytest

from civicflow.model import Severity, executability, parse_bpmn
from civicflow.testing import bpmn, chain

DEFS = '<bpmn:message id="m" name="Paid"/><bpmn:signal id="sig" name="LawChanged"/>'
PAID = '<bpmn:messageEventDefinition messageRef="m"/>'
LAW = '<bpmn:signalEventDefinition signalRef="sig"/>'
CONDITION = ('<bpmn:conditionalEventDefinition><bpmn:condition>=x</bpmn:condition>'
             "</bpmn:conditionalEventDefinition>")


def _errors(body: str) -> list[str]:
    definitions = parse_bpmn(bpmn(body, extra=DEFS))
    report = executability(definitions, definitions.process("p"))
    return [f.message for f in report.findings if f.severity is Severity.ERROR]


@pytest.mark.parametrize("parallel", [False, True])
def test_multiple_catch_of_messages_and_signals_is_reported_executable(parallel: bool) -> None:
    flag = ' parallelMultiple="true"' if parallel else ""
    assert _errors(f'<bpmn:startEvent id="s"/><bpmn:intermediateCatchEvent id="c"{flag}>'
                   + PAID + LAW + '</bpmn:intermediateCatchEvent><bpmn:endEvent id="e"/>'
                   + chain("s", "c", "e")) == []


def test_multiple_catch_with_a_conditional_definition_is_reported_executable() -> None:
    assert _errors('<bpmn:startEvent id="s"/><bpmn:intermediateCatchEvent id="c">'
                   + PAID + CONDITION + '</bpmn:intermediateCatchEvent>'
                   '<bpmn:endEvent id="e"/>' + chain("s", "c", "e")) == []


def test_multiple_boundary_with_an_error_definition_is_reported_not_executable() -> None:
    [message] = _errors('<bpmn:startEvent id="s"/><bpmn:userTask id="t"/><bpmn:endEvent id="e"/>'
                        '<bpmn:boundaryEvent id="b" attachedToRef="t">' + PAID
                        + '<bpmn:errorEventDefinition/></bpmn:boundaryEvent>'
                        '<bpmn:endEvent id="e2"/>' + chain("s", "t", "e") + chain("b", "e2"))
    assert "combining error definitions" in message


def test_parallel_multiple_start_of_a_process_is_reported_executable() -> None:
    assert _errors('<bpmn:startEvent id="s" parallelMultiple="true">' + PAID + LAW
                   + '</bpmn:startEvent><bpmn:endEvent id="e"/>' + chain("s", "e")) == []


def test_multiple_start_of_a_process_with_a_condition_is_reported_not_executable() -> None:
    [message] = _errors('<bpmn:startEvent id="s">' + PAID + CONDITION
                        + '</bpmn:startEvent><bpmn:endEvent id="e"/>' + chain("s", "e"))
    assert "combining conditional definitions" in message
