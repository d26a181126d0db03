"""Start and end events, plain/user/manual/script tasks, mappings, deployment versions and
history, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from civicflow.testing import bpmn, chain

REFERENCE = Path(__file__).parents[3] / "examples" / "reference_permit.bpmn"


def test_none_start_to_none_end_completes_the_instance(engine: Any) -> None:
    engine.deploy(bpmn('<bpmn:startEvent id="s"/><bpmn:endEvent id="e"/>' + chain("s", "e")))
    inst = engine.start("p", {"a": 1})
    assert engine.instance(inst.id).state == "completed"
    assert engine.instance(inst.id).variables == {"a": 1}


def test_plain_task_passes_through_and_is_logged(engine: Any) -> None:
    engine.deploy(bpmn('<bpmn:startEvent id="s"/><bpmn:task id="t" name="Do"/>'
                       '<bpmn:endEvent id="e"/>' + chain("s", "t", "e")))
    inst = engine.start("p")
    log = [(h.element_id, h.kind) for h in engine.history(inst.id)]
    assert log == [("s", "start"), ("s", "end"), ("t", "start"), ("t", "end"),
                   ("e", "start"), ("e", "end")]
    assert engine.history(inst.id)[2].name == "Do"
    assert engine.history(inst.id)[2].element_type == "task"


@pytest.mark.parametrize("kind", ["userTask", "manualTask"])
def test_user_and_manual_tasks_wait_in_the_worklist_until_completed(engine: Any,
                                                                    kind: str) -> None:
    engine.deploy(bpmn(f'<bpmn:startEvent id="s"/><bpmn:{kind} id="t" name="Review"/>'
                       '<bpmn:endEvent id="e"/>' + chain("s", "t", "e")))
    inst = engine.start("p", business_key="P-1")
    tasks = engine.tasks(instance_id=inst.id)
    assert [(t.element_id, t.name, t.instance_id) for t in tasks] == [("t", "Review", inst.id)]
    assert engine.instance(inst.id).state == "active"
    engine.complete(tasks[0].id, {"approved": True}, actor="alice")
    done = engine.instance(inst.id)
    assert done.state == "completed"
    assert done.variables == {"approved": True}
    assert engine.tasks(instance_id=inst.id) == []
    ends = [h for h in engine.history(inst.id) if h.element_id == "t" and h.kind == "end"]
    assert ends[0].actor == "alice"


def test_user_task_assignment_candidate_groups_and_due_date_come_from_the_model(
    engine: Any, clock: Any
) -> None:
    task = (
        '<bpmn:userTask id="t"><bpmn:extensionElements>'
        '<zeebe:assignmentDefinition assignee="=owner" candidateGroups="permits, legal"/>'
        '<zeebe:taskSchedule dueDate="=due"/>'
        "</bpmn:extensionElements></bpmn:userTask>"
    )
    engine.deploy(bpmn('<bpmn:startEvent id="s"/>' + task + '<bpmn:endEvent id="e"/>'
                       + chain("s", "t", "e")))
    inst = engine.start("p", {"owner": "bob", "due": "2026-02-01T12:00:00Z"})
    [t] = engine.tasks(instance_id=inst.id)
    assert t.assignee == "bob"
    assert t.candidate_groups == ("permits", "legal")
    assert t.due is not None
    assert t.due.isoformat() == "2026-02-01T12:00:00+00:00"
    assert engine.tasks(candidate_group="legal")[0].id == t.id
    assert engine.tasks(assignee="carol") == []


def test_script_task_stores_its_feel_result_in_the_result_variable(engine: Any) -> None:
    script = ('<bpmn:scriptTask id="calc"><bpmn:extensionElements>'
              '<zeebe:script expression="=price * quantity" resultVariable="total"/>'
              "</bpmn:extensionElements></bpmn:scriptTask>")
    engine.deploy(bpmn('<bpmn:startEvent id="s"/>' + script + '<bpmn:endEvent id="e"/>'
                       + chain("s", "calc", "e")))
    inst = engine.start("p", {"price": 2.5, "quantity": 4})
    assert engine.instance(inst.id).variables["total"] == 10


def test_input_mappings_are_local_and_output_mappings_reach_the_process(engine: Any) -> None:
    script = (
        '<bpmn:scriptTask id="calc"><bpmn:extensionElements>'
        '<zeebe:ioMapping><zeebe:input source="=amount * 2" target="doubled"/>'
        '<zeebe:output source="=result + 1" target="final"/></zeebe:ioMapping>'
        '<zeebe:script expression="=doubled + 10" resultVariable="result"/>'
        "</bpmn:extensionElements></bpmn:scriptTask>"
    )
    engine.deploy(bpmn('<bpmn:startEvent id="s"/>' + script + '<bpmn:endEvent id="e"/>'
                       + chain("s", "calc", "e")))
    inst = engine.start("p", {"amount": 5})
    variables = engine.instance(inst.id).variables
    assert variables == {"amount": 5, "final": 21}  # doubled and result stayed local


def test_deploying_the_same_content_keeps_the_version_and_a_change_makes_a_new_one(
    engine: Any,
) -> None:
    v1 = bpmn('<bpmn:startEvent id="s"/><bpmn:userTask id="t"/><bpmn:endEvent id="e"/>'
              + chain("s", "t", "e"))
    v2 = v1.replace('id="t"/>', 'id="t" name="Renamed"/>')
    assert engine.deploy(v1)[0].version == 1
    assert engine.deploy(v1)[0].version == 1
    running = engine.start("p")
    assert engine.deploy(v2)[0].version == 2
    newer = engine.start("p")
    assert engine.instance(running.id).version == 1
    assert newer.version == 2
    pinned = engine.start("p", version=1)
    assert pinned.version == 1
    assert engine.tasks(instance_id=newer.id)[0].name == "Renamed"


def test_completing_a_task_twice_gives_a_clear_conflict(engine: Any) -> None:
    from civicflow.engine.errors import TaskAlreadyCompletedError

    engine.deploy(bpmn('<bpmn:startEvent id="s"/><bpmn:userTask id="t" name="Sign"/>'
                       '<bpmn:endEvent id="e"/>' + chain("s", "t", "e")))
    inst = engine.start("p")
    [t] = engine.tasks(instance_id=inst.id)
    engine.complete(t.id, actor="alice")
    with pytest.raises(TaskAlreadyCompletedError, match="alice"):
        engine.complete(t.id, actor="bob")


def test_reference_permit_process_runs_as_written(engine: Any) -> None:
    engine.deploy(REFERENCE)
    outcomes = {}
    for seq in (1, 2):  # 1: risk 7 -> manual review; 2: risk 4 -> automatic check
        inst = engine.start("permit_application", {"case_seq": seq, "applicant_type": "citizen"},
                            business_key=f"P-{seq}")
        seen = []
        while tasks := engine.tasks(instance_id=inst.id):
            seen.append(tasks[0].element_id)
            engine.complete(tasks[0].id, actor="clerk")
        final = engine.instance(inst.id)
        assert final.state == "completed"
        outcomes[seq] = (seen, final.variables)
    assert outcomes[1][0] == ["manual_review", "approve"]
    assert outcomes[2][0] == ["approve"]
    variables = outcomes[2][1]
    assert variables["application_id"] == "APP-2"
    assert variables["fee_total"] == 30.25
    assert variables["notice"] == "Application APP-2 has been received"
    assert variables["check_result"] == "auto-ok"
    assert "intake" not in variables  # the script result stayed local (output mappings)


def test_history_carries_lane_names_for_process_mining(engine: Any) -> None:
    lanes = ('<bpmn:laneSet id="ls"><bpmn:lane id="l1" name="Permits office">'
             "<bpmn:flowNodeRef>t</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>")
    engine.deploy(bpmn(lanes + '<bpmn:startEvent id="s"/><bpmn:userTask id="t"/>'
                       '<bpmn:endEvent id="e"/>' + chain("s", "t", "e")))
    inst = engine.start("p")
    engine.complete(engine.tasks(instance_id=inst.id)[0].id, actor="alice")
    entries = [h for h in engine.history(inst.id) if h.element_id == "t"]
    assert {h.lane for h in entries} == {"Permits office"}
    assert engine.tasks(state="completed")[0].lane == "Permits office"


def test_an_operator_can_cancel_a_running_instance(engine: Any) -> None:
    from civicflow.engine.errors import InvalidCommandError

    engine.deploy(bpmn('<bpmn:startEvent id="s"/><bpmn:userTask id="t"/><bpmn:endEvent id="e"/>'
                       + chain("s", "t", "e")))
    inst = engine.start("p")
    engine.cancel(inst.id, actor="operator")
    assert engine.instance(inst.id).state == "terminated"
    assert engine.tasks(instance_id=inst.id) == []
    assert ("t", "cancel") in [(h.element_id, h.kind) for h in engine.history(inst.id)]
    with pytest.raises(InvalidCommandError):
        engine.cancel(inst.id)


def test_running_instance_moves_to_a_new_version_with_the_same_element_ids(
    engine: Any,
) -> None:
    from civicflow.engine.errors import InvalidCommandError

    v1 = bpmn('<bpmn:startEvent id="s"/><bpmn:userTask id="t"/><bpmn:endEvent id="e"/>'
              + chain("s", "t", "e"))
    v2 = bpmn('<bpmn:startEvent id="s"/><bpmn:userTask id="t"/><bpmn:userTask id="extra"/>'
              '<bpmn:endEvent id="e"/>' + chain("s", "t", "extra", "e"))
    v3 = bpmn('<bpmn:startEvent id="s"/><bpmn:userTask id="other"/><bpmn:endEvent id="e"/>'
              + chain("s", "other", "e"))
    engine.deploy(v1)
    inst = engine.start("p")
    engine.deploy(v2)
    engine.deploy(v3)
    with pytest.raises(InvalidCommandError, match="'t' does not exist there"):
        engine.migrate(inst.id, 3)
    moved = engine.migrate(inst.id, 2)
    assert moved.version == 2
    engine.complete(engine.tasks(instance_id=inst.id)[0].id)
    assert [t.element_id for t in engine.tasks(instance_id=inst.id)] == ["extra"]
