"""Scripts and expressions keep all their text: CDATA, text around comments, plain text."""

from __future__ import annotations

from civicflow.model import ScriptTask, SequenceFlow, parse_bpmn

_MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
             xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
             id="d" targetNamespace="urn:t">
  <process id="p" isExecutable="true">
    <startEvent id="s"/>
    <scriptTask id="plain" scriptFormat="python"><script>x = 1</script></scriptTask>
    <scriptTask id="cdata" scriptFormat="python"><script><![CDATA[y = x < 2]]></script></scriptTask>
    <scriptTask id="mixed" scriptFormat="python"><script>a = 1<!-- why -->
b = <![CDATA[a & 1]]></script></scriptTask>
    <scriptTask id="empty" scriptFormat="python"><script/></scriptTask>
    <sequenceFlow id="f1" sourceRef="s" targetRef="plain">
      <conditionExpression xsi:type="tFormalExpression"><![CDATA[x > 1]]></conditionExpression>
    </sequenceFlow>
    <sequenceFlow id="f2" sourceRef="s" targetRef="cdata">
      <conditionExpression xsi:type="tFormalExpression">x <!-- note -->&lt;= 1</conditionExpression>
    </sequenceFlow>
  </process>
</definitions>
"""


def _script(task_id: str) -> str | None:
    task = parse_bpmn(_MODEL).element(task_id)
    assert isinstance(task, ScriptTask)
    return task.script


def _condition(flow_id: str) -> str:
    flow = parse_bpmn(_MODEL).element(flow_id)
    assert isinstance(flow, SequenceFlow)
    assert flow.condition is not None
    return flow.condition.body


def test_a_plain_script_is_read_as_written() -> None:
    assert _script("plain") == "x = 1"


def test_a_cdata_script_is_read_without_escaping() -> None:
    assert _script("cdata") == "y = x < 2"


def test_text_on_both_sides_of_a_comment_is_kept_and_the_comment_dropped() -> None:
    assert _script("mixed") == "a = 1\nb = a & 1"


def test_an_empty_script_element_gives_empty_text() -> None:
    assert _script("empty") in ("", None)


def test_conditions_keep_cdata_and_text_around_comments() -> None:
    assert _condition("f1") == "x > 1"
    assert _condition("f2") == "x <= 1"
