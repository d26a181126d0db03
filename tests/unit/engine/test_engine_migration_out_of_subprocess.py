"""Migration that moves tokens out of an embedded subprocess to an enclosing (sub)process: the
subprocess instance left with nothing running is withdrawn (history ``cancel``), and the token
takes along the variables it saw there."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from typer.testing import CliRunner

from civicflow.cli import app
from civicflow.engine.errors import InvalidCommandError
from civicflow.testing import bpmn, chain

LATE = ("<bpmn:timerEventDefinition><bpmn:timeDuration>P1D</bpmn:timeDuration>"
        "</bpmn:timerEventDefinition>")


def open_tasks(engine: Any, inst: Any) -> list[str]:
    return sorted(t.element_id for t in engine.tasks(instance_id=inst.id))


def kinds_of(engine: Any, inst: Any, element_id: str) -> list[tuple[str, int]]:
    return [(h.kind, h.version) for h in engine.history(inst.id) if h.element_id == element_id]


def _flat(task: str = "review") -> str:
    return bpmn(f'<bpmn:startEvent id="s"/><bpmn:userTask id="{task}"/>'
                '<bpmn:userTask id="after"/><bpmn:endEvent id="e"/>'
                + chain("s", task, "after", "e"))


def _wrapped(sub: str = "assessment", task: str = "review") -> str:
    """``review`` inside a subprocess that maps ``applicant`` to a local ``who``, keeps a
    local ``note`` and has a one-day boundary timer."""
    return bpmn(
        f'<bpmn:startEvent id="s"/><bpmn:subProcess id="{sub}"><bpmn:extensionElements>'
        '<zeebe:ioMapping><zeebe:input source="=applicant" target="who"/>'
        '<zeebe:input source="=&quot;inside&quot;" target="note"/>'
        '<zeebe:output source="=who" target="assessed_by"/></zeebe:ioMapping>'
        f'</bpmn:extensionElements><bpmn:startEvent id="ss"/><bpmn:userTask id="{task}"/>'
        f'<bpmn:endEvent id="se"/>{chain("ss", task, "se")}</bpmn:subProcess>'
        f'<bpmn:boundaryEvent id="late" attachedToRef="{sub}" cancelActivity="false">{LATE}'
        '</bpmn:boundaryEvent><bpmn:userTask id="chase"/><bpmn:endEvent id="e2"/>'
        '<bpmn:userTask id="after"/><bpmn:endEvent id="e"/>'
        + chain("s", sub, "after", "e") + chain("late", "chase", "e2"))


def test_a_token_moves_out_of_a_subprocess_the_target_version_removes(
    engine: Any, clock: Any,
) -> None:
    engine.deploy(_wrapped())
    inst = engine.start("p", {"applicant": "ana", "note": "process"})
    assert len(engine.jobs(instance_id=inst.id)) == 1  # the boundary timer
    engine.deploy(_flat())
    moved = engine.migrate(inst.id, 2)
    assert (moved.version, moved.state) == (2, "active")
    [task] = engine.tasks(instance_id=inst.id)
    assert task.element_id == "review"
    assert kinds_of(engine, inst, "assessment") == [("start", 1), ("cancel", 1)]
    assert engine.jobs(instance_id=inst.id) == []  # its boundary timer went with it
    clock.advance(timedelta(days=2))
    engine.run_due_jobs()
    assert open_tasks(engine, inst) == ["review"]
    engine.complete(task.id)
    assert open_tasks(engine, inst) == ["after"]
    assert "assessed_by" not in engine.instance(inst.id).variables  # withdrawn: no outputs


def test_the_token_takes_the_subprocess_variables_it_saw_along_but_the_process_does_not(
    engine: Any,
) -> None:
    engine.deploy(_wrapped())
    inst = engine.start("p", {"applicant": "ana", "note": "process"})
    engine.deploy(_flat())
    engine.migrate(inst.id, 2)
    [task] = engine.tasks(instance_id=inst.id)
    seen = engine.task_variables(task.id)
    assert (seen["who"], seen["note"]) == ("ana", "inside")  # the form still shows them
    assert engine.instance(inst.id).variables == {"applicant": "ana", "note": "process"}
    engine.complete(task.id, {"decision": "ok"})
    [after] = engine.tasks(instance_id=inst.id)
    assert "who" not in engine.task_variables(after.id)  # they ended with the token
    assert engine.instance(inst.id).variables == {"applicant": "ana", "note": "process",
                                                  "decision": "ok"}


def test_a_subprocess_keeps_running_while_another_token_is_still_in_it(engine: Any) -> None:
    inside = bpmn(
        '<bpmn:startEvent id="s"/><bpmn:subProcess id="sub"><bpmn:startEvent id="ss"/>'
        '<bpmn:parallelGateway id="split"/><bpmn:userTask id="y"/><bpmn:userTask id="x"/>'
        '<bpmn:endEvent id="ye"/><bpmn:endEvent id="xe"/>'
        + chain("ss", "split") + chain("split", "y", "ye") + chain("split", "x", "xe")
        + '</bpmn:subProcess><bpmn:endEvent id="e"/>' + chain("s", "sub", "e"))
    beside = bpmn(
        '<bpmn:startEvent id="s"/><bpmn:parallelGateway id="fork"/><bpmn:userTask id="x"/>'
        '<bpmn:subProcess id="sub"><bpmn:startEvent id="ss"/><bpmn:userTask id="y"/>'
        '<bpmn:endEvent id="ye"/>' + chain("ss", "y", "ye") + "</bpmn:subProcess>"
        '<bpmn:parallelGateway id="join"/><bpmn:endEvent id="e"/>'
        + chain("s", "fork") + chain("fork", "x", "join") + chain("fork", "sub", "join")
        + chain("join", "e"))
    engine.deploy(inside)
    inst = engine.start("p")
    engine.deploy(beside)
    engine.migrate(inst.id, 2)
    assert kinds_of(engine, inst, "sub") == [("start", 1)]  # y still runs in it
    tasks = {t.element_id: t for t in engine.tasks(instance_id=inst.id)}
    engine.complete(tasks["y"].id)
    assert kinds_of(engine, inst, "sub") == [("start", 1), ("end", 2)]
    assert engine.instance(inst.id).state == "active"  # the join waits for x
    engine.complete(tasks["x"].id)
    assert engine.instance(inst.id).state == "completed"


def test_a_token_moves_out_of_two_nested_subprocesses_and_both_are_withdrawn(
    engine: Any,
) -> None:
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/><bpmn:subProcess id="outer"><bpmn:startEvent id="os"/>'
        '<bpmn:subProcess id="inner"><bpmn:startEvent id="is"/><bpmn:userTask id="check"/>'
        '<bpmn:endEvent id="ie"/>' + chain("is", "check", "ie") + "</bpmn:subProcess>"
        '<bpmn:endEvent id="oe"/>' + chain("os", "inner", "oe") + "</bpmn:subProcess>"
        '<bpmn:userTask id="after"/><bpmn:endEvent id="e"/>' + chain("s", "outer", "after", "e")))
    inst = engine.start("p")
    engine.deploy(_flat())
    engine.migrate(inst.id, 2, mappings={"check": "review"})
    assert kinds_of(engine, inst, "inner") == [("start", 1), ("cancel", 1)]
    assert kinds_of(engine, inst, "outer") == [("start", 1), ("cancel", 1)]
    [task] = engine.tasks(instance_id=inst.id)
    assert task.element_id == "review"
    engine.complete(task.id)
    [after] = engine.tasks(instance_id=inst.id)
    engine.complete(after.id)
    assert engine.instance(inst.id).state == "completed"


def _nested(outer: bool) -> str:
    """``check`` in subprocess ``inner``, itself inside ``outer`` (v1) or not (v2); ``outer``
    maps a local ``unit``."""
    inner = ('<bpmn:subProcess id="inner"><bpmn:startEvent id="is"/><bpmn:userTask id="check"/>'
             '<bpmn:endEvent id="ie"/>' + chain("is", "check", "ie") + "</bpmn:subProcess>")
    if not outer:
        return bpmn('<bpmn:startEvent id="s"/>' + inner + '<bpmn:userTask id="after"/>'
                    '<bpmn:endEvent id="e"/>' + chain("s", "inner", "after", "e"))
    return bpmn(
        '<bpmn:startEvent id="s"/><bpmn:subProcess id="outer"><bpmn:extensionElements>'
        '<zeebe:ioMapping><zeebe:input source="=&quot;permits&quot;" target="unit"/>'
        '</zeebe:ioMapping></bpmn:extensionElements><bpmn:startEvent id="os"/>' + inner
        + '<bpmn:endEvent id="oe"/>' + chain("os", "inner", "oe") + "</bpmn:subProcess>"
        '<bpmn:userTask id="after"/><bpmn:endEvent id="e"/>' + chain("s", "outer", "after", "e"))


def test_a_subprocess_moves_out_with_the_tokens_inside_it(engine: Any) -> None:
    engine.deploy(_nested(outer=True))
    inst = engine.start("p")
    engine.deploy(_nested(outer=False))
    engine.migrate(inst.id, 2)
    assert kinds_of(engine, inst, "outer") == [("start", 1), ("cancel", 1)]
    assert kinds_of(engine, inst, "inner") == [("start", 1)]  # it runs on, moved
    [task] = engine.tasks(instance_id=inst.id)
    assert engine.task_variables(task.id)["unit"] == "permits"  # taken along by inner
    engine.complete(task.id)
    assert kinds_of(engine, inst, "inner") == [("start", 1), ("end", 2)]
    assert open_tasks(engine, inst) == ["after"]


def test_a_token_moves_out_to_the_enclosing_subprocess_which_runs_on(engine: Any) -> None:
    engine.deploy(_nested(outer=True))
    inst = engine.start("p")
    engine.deploy(bpmn(  # check directly in outer, inner gone
        '<bpmn:startEvent id="s"/><bpmn:subProcess id="outer"><bpmn:startEvent id="os"/>'
        '<bpmn:userTask id="check"/><bpmn:endEvent id="oe"/>' + chain("os", "check", "oe")
        + '</bpmn:subProcess><bpmn:userTask id="after"/><bpmn:endEvent id="e"/>'
        + chain("s", "outer", "after", "e")))
    engine.migrate(inst.id, 2)
    assert kinds_of(engine, inst, "inner") == [("start", 1), ("cancel", 1)]
    [task] = engine.tasks(instance_id=inst.id)
    assert engine.task_variables(task.id)["unit"] == "permits"  # outer's, still visible
    engine.complete(task.id)
    assert kinds_of(engine, inst, "outer") == [("start", 1), ("end", 2)]
    assert open_tasks(engine, inst) == ["after"]


def test_a_token_moves_from_one_subprocess_into_another(engine: Any) -> None:
    engine.deploy(_wrapped(sub="intake"))
    inst = engine.start("p", {"applicant": "ana"})
    engine.deploy(bpmn(  # intake now only registers; review moved to a new assessment
        '<bpmn:startEvent id="s"/><bpmn:subProcess id="intake"><bpmn:startEvent id="is"/>'
        '<bpmn:userTask id="register"/><bpmn:endEvent id="ie"/>' + chain("is", "register", "ie")
        + '</bpmn:subProcess><bpmn:subProcess id="assessment"><bpmn:extensionElements>'
        '<zeebe:ioMapping><zeebe:output source="=applicant" target="assessed_by"/>'
        '</zeebe:ioMapping></bpmn:extensionElements><bpmn:startEvent id="as"/>'
        '<bpmn:userTask id="review"/><bpmn:endEvent id="ae"/>' + chain("as", "review", "ae")
        + '</bpmn:subProcess><bpmn:userTask id="after"/><bpmn:endEvent id="e"/>'
        + chain("s", "intake", "assessment", "after", "e")))
    engine.migrate(inst.id, 2)
    assert kinds_of(engine, inst, "intake") == [("start", 1), ("cancel", 1)]
    assert kinds_of(engine, inst, "assessment") == [("start", 2)]
    [task] = engine.tasks(instance_id=inst.id)
    engine.complete(task.id)
    assert kinds_of(engine, inst, "assessment") == [("start", 2), ("end", 2)]
    assert engine.instance(inst.id).variables["assessed_by"] == "ana"
    assert open_tasks(engine, inst) == ["after"]


def test_an_unmapped_renamed_subprocess_is_refused_rather_than_left_and_entered_anew(
    engine: Any,
) -> None:
    engine.deploy(_wrapped(sub="intake"))
    inst = engine.start("p", {"applicant": "ana"})
    engine.deploy(_wrapped(sub="assessment"))
    with pytest.raises(InvalidCommandError, match="'intake' does not exist there"):
        engine.migrate(inst.id, 2)
    engine.migrate(inst.id, 2, mappings={"intake": "assessment"})
    assert kinds_of(engine, inst, "assessment") == []  # the running instance was renamed
    assert [j.element_id for j in engine.jobs(instance_id=inst.id)] == ["late"]


def test_moving_a_token_out_of_a_multi_instance_subprocess_is_refused(engine: Any) -> None:
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/><bpmn:subProcess id="each">'
        '<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>=2'
        "</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>"
        '<bpmn:startEvent id="ss"/><bpmn:userTask id="review"/><bpmn:endEvent id="se"/>'
        + chain("ss", "review", "se") + '</bpmn:subProcess><bpmn:userTask id="after"/>'
        '<bpmn:endEvent id="e"/>' + chain("s", "each", "after", "e")))
    inst = engine.start("p")
    engine.deploy(_flat())
    with pytest.raises(InvalidCommandError,
                       match="'review' would move out of the multi-instance subprocess 'each'"):
        engine.migrate(inst.id, 2)
    assert engine.instance(inst.id).version == 1
    assert open_tasks(engine, inst) == ["review", "review"]


def test_moving_a_token_out_of_an_event_subprocess_is_refused(engine: Any, clock: Any) -> None:
    def model(chase_inside: bool) -> str:
        chase = '<bpmn:userTask id="chase"/><bpmn:endEvent id="re"/>'
        return bpmn(
            '<bpmn:startEvent id="s"/><bpmn:userTask id="work"/><bpmn:endEvent id="e"/>'
            '<bpmn:subProcess id="remind" triggeredByEvent="true">'
            f'<bpmn:startEvent id="rs" isInterrupting="false">{LATE}</bpmn:startEvent>'
            + (chase + chain("rs", "chase", "re") if chase_inside
               else '<bpmn:endEvent id="re"/>' + chain("rs", "re"))
            + "</bpmn:subProcess>" + chain("s", "work", "e")
            + ("" if chase_inside else chase.replace('id="re"', 'id="ce"')))

    engine.deploy(model(chase_inside=True))
    inst = engine.start("p")
    clock.advance(timedelta(days=1))
    engine.run_due_jobs()
    assert open_tasks(engine, inst) == ["chase", "work"]
    engine.deploy(model(chase_inside=False))
    with pytest.raises(InvalidCommandError,
                       match="'chase' would move out of the event subprocess 'remind'"):
        engine.migrate(inst.id, 2)
    assert engine.instance(inst.id).version == 1


def test_cli_moves_a_token_out_of_its_subprocess_with_a_mapping(
    database_url: str, tmp_path: Any,
) -> None:
    runner = CliRunner()
    db = ["--database", database_url]
    v1, v2 = tmp_path / "v1.bpmn", tmp_path / "v2.bpmn"
    v1.write_text(_wrapped(task="check"), encoding="utf-8")
    v2.write_text(_flat(task="review"), encoding="utf-8")
    assert runner.invoke(app, ["deploy", str(v1), *db]).exit_code == 0
    started = runner.invoke(app, ["start", "p", "--var", "applicant=ana", *db])
    instance_id = started.output.split()[0]
    assert runner.invoke(app, ["deploy", str(v2), *db]).exit_code == 0
    moved = runner.invoke(app, ["migrate", instance_id, "--version", "2", "--map",
                                "check=review", *db])
    assert moved.exit_code == 0, moved.output
    assert f"{instance_id} p v2 active" in moved.output
    listed = runner.invoke(app, ["tasks", "--instance", instance_id, *db]).output
    assert " review " in listed
    assert " check " not in listed
