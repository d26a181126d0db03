"""Multi-instance activities and call activities."""

from __future__ import annotations

from typing import Any

import pytest

from civicflow.testing import bpmn, chain


def mi_task(tag: str = "userTask", sequential: bool = False, completion: str | None = None,
            body: str = "") -> str:
    seq = "true" if sequential else "false"
    cond = (f'<bpmn:completionCondition xsi:type="bpmn:tFormalExpression">{completion}'
            "</bpmn:completionCondition>") if completion else ""
    return (
        f'<bpmn:{tag} id="each">{body}'
        f'<bpmn:multiInstanceLoopCharacteristics isSequential="{seq}">'
        '<bpmn:extensionElements><zeebe:loopCharacteristics inputCollection="=items" '
        'inputElement="item" outputCollection="results" outputElement="=result"/>'
        f"</bpmn:extensionElements>{cond}</bpmn:multiInstanceLoopCharacteristics></bpmn:{tag}>"
    )


def model(task: str) -> str:
    return bpmn('<bpmn:startEvent id="s"/>' + task + '<bpmn:userTask id="after"/>'
                '<bpmn:endEvent id="e"/>' + chain("s", "each", "after", "e"))


def test_parallel_multi_instance_creates_one_task_per_item_and_collects_outputs(
    engine: Any,
) -> None:
    engine.deploy(model(mi_task()))
    inst = engine.start("p", {"items": ["a", "b", "c"]})
    tasks = engine.tasks(instance_id=inst.id)
    assert len(tasks) == 3
    assert sorted(engine.task_variables(t.id)["item"] for t in tasks) == ["a", "b", "c"]
    for t in sorted(tasks, key=lambda t: engine.task_variables(t.id)["item"], reverse=True):
        item = engine.task_variables(t.id)["item"]
        engine.complete(t.id, {"result": f"done-{item}"})
    variables = engine.instance(inst.id).variables
    assert variables["results"] == ["done-a", "done-b", "done-c"]  # item order, not finish order
    assert "item" not in variables  # the input element is local to each inner instance
    assert [t.element_id for t in engine.tasks(instance_id=inst.id)] == ["after"]


def test_sequential_multi_instance_runs_items_one_after_another_in_order(engine: Any) -> None:
    script = ('<bpmn:extensionElements><zeebe:script expression="=upper case(item)" '
              'resultVariable="result"/></bpmn:extensionElements>')
    engine.deploy(model(mi_task("scriptTask", sequential=True, body=script)))
    inst = engine.start("p", {"items": ["x", "y", "z"]})
    assert engine.instance(inst.id).variables["results"] == ["X", "Y", "Z"]


def test_sequential_user_task_items_appear_one_at_a_time(engine: Any) -> None:
    engine.deploy(model(mi_task(sequential=True)))
    inst = engine.start("p", {"items": [1, 2]})
    [first] = engine.tasks(instance_id=inst.id)
    engine.complete(first.id, {"result": 10})
    [second] = engine.tasks(instance_id=inst.id)
    assert second.id != first.id
    engine.complete(second.id, {"result": 20})
    assert engine.instance(inst.id).variables["results"] == [10, 20]


def test_completion_condition_cancels_the_remaining_items(engine: Any) -> None:
    engine.deploy(model(mi_task(completion="=numberOfCompletedInstances &gt;= 2")))
    inst = engine.start("p", {"items": [1, 2, 3, 4]})
    tasks = sorted(engine.tasks(instance_id=inst.id),
                   key=lambda t: engine.task_variables(t.id)["item"])
    engine.complete(tasks[0].id, {"result": "a"})
    engine.complete(tasks[1].id, {"result": "b"})
    assert [t.element_id for t in engine.tasks(instance_id=inst.id)] == ["after"]
    assert engine.instance(inst.id).variables["results"] == ["a", "b", None, None]


def test_empty_collection_skips_the_activity(engine: Any) -> None:
    engine.deploy(model(mi_task()))
    inst = engine.start("p", {"items": []})
    assert [t.element_id for t in engine.tasks(instance_id=inst.id)] == ["after"]
    assert engine.instance(inst.id).variables["results"] == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_completing_an_item_costs_the_same_number_of_statements_at_any_size(
    engine: Any,
) -> None:
    engine.deploy(model(mi_task()))
    counts = {}
    for size in (5, 200):
        inst = engine.start("p", {"items": list(range(size))})
        tasks = engine.tasks(instance_id=inst.id)
        statements: list[str] = []
        # every statement the command sends to SQLite, on the engine's command connection
        connection = engine._runner._connection().dbapi
        connection.set_trace_callback(statements.append)
        engine.complete(tasks[size // 2].id, {"result": 1})
        connection.set_trace_callback(None)
        counts[size] = len(statements)
    assert counts[5] > 5  # the trace saw the command's statements
    assert counts[200] == counts[5]


def test_call_activity_runs_the_child_process_and_returns_its_variables(engine: Any) -> None:
    child = bpmn('<bpmn:startEvent id="cs"/><bpmn:userTask id="child_task"/>'
                 '<bpmn:endEvent id="ce"/>' + chain("cs", "child_task", "ce"), "child")
    parent = bpmn('<bpmn:startEvent id="s"/><bpmn:callActivity id="call">'
                  '<bpmn:extensionElements><zeebe:calledElement processId="child"/>'
                  "</bpmn:extensionElements></bpmn:callActivity>"
                  '<bpmn:userTask id="after"/><bpmn:endEvent id="e"/>'
                  + chain("s", "call", "after", "e"), "parent")
    engine.deploy(child)
    engine.deploy(parent)
    inst = engine.start("parent", {"applicant": "Ana"}, business_key="B-1")
    [task] = engine.tasks(process_id="child")
    child_inst = engine.instance(task.instance_id)
    assert child_inst.parent_instance_id == inst.id
    assert child_inst.variables == {"applicant": "Ana"}
    engine.complete(task.id, {"decision": "granted"})
    assert engine.instance(child_inst.id).state == "completed"
    assert engine.instance(inst.id).variables == {"applicant": "Ana", "decision": "granted"}
    assert [t.element_id for t in engine.tasks(instance_id=inst.id)] == ["after"]


def _loop(test_before: bool, maximum: str = "") -> str:
    before = "true" if test_before else "false"
    maximum_attr = f' loopMaximum="{maximum}"' if maximum else ""
    return model(
        '<bpmn:userTask id="each"><bpmn:standardLoopCharacteristics '
        f'testBefore="{before}"{maximum_attr}>'
        '<bpmn:loopCondition xsi:type="bpmn:tFormalExpression">=not(approved)'
        "</bpmn:loopCondition></bpmn:standardLoopCharacteristics></bpmn:userTask>")


def test_standard_loop_repeats_the_activity_while_its_condition_holds(engine: Any) -> None:
    engine.deploy(_loop(test_before=False))
    inst = engine.start("p", {"approved": False})
    for attempt in (1, 2, 3):
        [task] = engine.tasks(instance_id=inst.id)
        assert task.element_id == "each"
        assert engine.task_variables(task.id)["loopCounter"] == attempt
        engine.complete(task.id, {"approved": attempt == 3})
    assert [t.element_id for t in engine.tasks(instance_id=inst.id)] == ["after"]


def test_standard_loop_tested_before_may_run_zero_times_and_stops_at_its_maximum(
    engine: Any,
) -> None:
    engine.deploy(_loop(test_before=True, maximum="2"))
    skipped = engine.start("p", {"approved": True})
    assert [t.element_id for t in engine.tasks(instance_id=skipped.id)] == ["after"]
    capped = engine.start("p", {"approved": False})
    for _ in range(2):
        engine.complete(engine.tasks(instance_id=capped.id)[0].id)
    assert [t.element_id for t in engine.tasks(instance_id=capped.id)] == ["after"]


def _parent(called: str, extra: str = "") -> str:
    return bpmn('<bpmn:startEvent id="s"/><bpmn:callActivity id="call">'
                f"<bpmn:extensionElements>{called}{extra}</bpmn:extensionElements>"
                "</bpmn:callActivity>"
                '<bpmn:userTask id="after"/><bpmn:endEvent id="e"/>'
                '<bpmn:boundaryEvent id="b" attachedToRef="call">'
                '<bpmn:errorEventDefinition errorRef="err"/></bpmn:boundaryEvent>'
                '<bpmn:userTask id="failed"/><bpmn:endEvent id="e2"/>'
                + chain("s", "call", "after", "e") + chain("b", "failed", "e2"), "parent",
                extra='<bpmn:error id="err" errorCode="REJECTED"/>')


def test_error_thrown_in_a_called_process_is_caught_at_the_call_activity(engine: Any) -> None:
    child = bpmn('<bpmn:startEvent id="cs"/><bpmn:endEvent id="ce">'
                 '<bpmn:errorEventDefinition errorRef="cerr"/></bpmn:endEvent>'
                 + chain("cs", "ce"), "child",
                 extra='<bpmn:error id="cerr" errorCode="REJECTED"/>')
    engine.deploy(child)
    engine.deploy(_parent('<zeebe:calledElement processId="child"/>'))
    inst = engine.start("parent")
    assert [t.element_id for t in engine.tasks(instance_id=inst.id)] == ["failed"]
    [child_inst] = engine.instances(process_id="child")
    assert child_inst.state == "terminated"


def test_call_activity_without_propagation_returns_only_its_output_mappings(
    engine: Any,
) -> None:
    child = bpmn('<bpmn:startEvent id="cs"/><bpmn:scriptTask id="calc">'
                 '<bpmn:extensionElements><zeebe:script expression="=base * 2" '
                 'resultVariable="doubled"/></bpmn:extensionElements></bpmn:scriptTask>'
                 '<bpmn:endEvent id="ce"/>' + chain("cs", "calc", "ce"), "child")
    engine.deploy(child)
    engine.deploy(_parent(
        '<zeebe:calledElement processId="child" propagateAllChildVariables="false" '
        'propagateAllParentVariables="false"/>',
        '<zeebe:ioMapping><zeebe:input source="=amount" target="base"/>'
        '<zeebe:output source="=doubled" target="result"/></zeebe:ioMapping>'))
    inst = engine.start("parent", {"amount": 21, "secret": "x"})
    [child_inst] = engine.instances(process_id="child")
    assert engine.instance(child_inst.id).variables == {"base": 21, "doubled": 42}
    assert engine.instance(inst.id).variables == {"amount": 21, "secret": "x", "result": 42}


def test_call_activity_bound_to_its_deployment_keeps_calling_that_version(
    engine: Any,
) -> None:
    def both(child_task: str) -> str:
        child = ('<bpmn:process id="child" isExecutable="true"><bpmn:startEvent id="cs"/>'
                 f'<bpmn:userTask id="{child_task}"/><bpmn:endEvent id="ce"/>'
                 + chain("cs", child_task, "ce") + "</bpmn:process>")
        return bpmn('<bpmn:startEvent id="s"/><bpmn:callActivity id="call">'
                    '<bpmn:extensionElements><zeebe:calledElement processId="child" '
                    'bindingType="deployment"/></bpmn:extensionElements></bpmn:callActivity>'
                    '<bpmn:endEvent id="e"/>' + chain("s", "call", "e"), "parent", extra=child)

    engine.deploy(both("old_step"))
    engine.deploy(bpmn('<bpmn:startEvent id="cs"/><bpmn:userTask id="newest"/>'
                       '<bpmn:endEvent id="ce"/>' + chain("cs", "newest", "ce"), "child"))
    engine.start("parent")
    assert [t.element_id for t in engine.tasks(process_id="child")] == ["old_step"]
