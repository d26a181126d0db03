"""Migration that moves tokens into an embedded subprocess of the target version."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from civicflow.engine.errors import InvalidCommandError
from civicflow.testing import bpmn, chain, flow

LATE = ("<bpmn:timerEventDefinition><bpmn:timeDuration>P1D</bpmn:timeDuration>"
        "</bpmn:timerEventDefinition>")


def open_tasks(engine: Any, inst: Any) -> list[str]:
    return sorted(t.element_id for t in engine.tasks(instance_id=inst.id))


def starts_of(engine: Any, inst: Any, element_id: str) -> list[int]:
    return [h.version for h in engine.history(inst.id)
            if h.element_id == element_id and h.kind == "start"]


def _flat() -> str:
    return bpmn('<bpmn:startEvent id="s"/><bpmn:userTask id="review"/>'
                '<bpmn:userTask id="after"/><bpmn:endEvent id="e"/>'
                + chain("s", "review", "after", "e"))


def _wrapped(sub: str = "assessment", extra: str = "") -> str:
    """``review`` inside a subprocess that maps ``applicant`` to a local ``who`` and has a
    one-day boundary timer."""
    return bpmn(
        f'<bpmn:startEvent id="s"/><bpmn:subProcess id="{sub}"><bpmn:extensionElements>'
        '<zeebe:ioMapping><zeebe:input source="=applicant" target="who"/></zeebe:ioMapping>'
        '</bpmn:extensionElements><bpmn:startEvent id="ss"/><bpmn:userTask id="review"/>'
        f'<bpmn:endEvent id="se"/>{chain("ss", "review", "se")}{extra}</bpmn:subProcess>'
        f'<bpmn:boundaryEvent id="late" attachedToRef="{sub}" cancelActivity="false">{LATE}'
        '</bpmn:boundaryEvent><bpmn:userTask id="chase"/><bpmn:endEvent id="e2"/>'
        '<bpmn:userTask id="after"/><bpmn:endEvent id="e"/>'
        + chain("s", sub, "after", "e") + chain("late", "chase", "e2"))


def test_a_token_moves_into_a_subprocess_the_target_version_wraps_around_it(
    engine: Any,
) -> None:
    engine.deploy(_flat())
    inst = engine.start("p", {"applicant": "ana"})
    engine.deploy(_wrapped())
    engine.migrate(inst.id, 2)
    [task] = engine.tasks(instance_id=inst.id)
    assert task.element_id == "review"
    assert engine.task_variables(task.id)["who"] == "ana"  # the subprocess's input mapping ran
    assert starts_of(engine, inst, "assessment") == [2]
    assert starts_of(engine, inst, "ss") == []  # its start event did not run
    engine.complete(task.id)
    assert open_tasks(engine, inst) == ["after"]
    ends = [(h.element_id, h.version) for h in engine.history(inst.id) if h.kind == "end"]
    assert ("assessment", 2) in ends


def test_the_boundary_timer_of_a_subprocess_entered_by_migration_counts_from_the_move(
    engine: Any, clock: Any,
) -> None:
    engine.deploy(_flat())
    inst = engine.start("p", {"applicant": "ana"})
    clock.advance(timedelta(hours=12))
    engine.deploy(_wrapped())
    engine.migrate(inst.id, 2)
    clock.advance(timedelta(hours=23))
    engine.run_due_jobs()
    assert open_tasks(engine, inst) == ["review"]
    clock.advance(timedelta(hours=1))
    engine.run_due_jobs()
    assert open_tasks(engine, inst) == ["chase", "review"]


def test_a_renamed_task_moves_two_subprocess_levels_deep(engine: Any) -> None:
    engine.deploy(_flat())
    inst = engine.start("p")
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/><bpmn:subProcess id="outer"><bpmn:startEvent id="os"/>'
        '<bpmn:subProcess id="inner"><bpmn:startEvent id="is"/><bpmn:userTask id="check"/>'
        '<bpmn:endEvent id="ie"/>' + chain("is", "check", "ie") + "</bpmn:subProcess>"
        '<bpmn:endEvent id="oe"/>' + chain("os", "inner", "oe") + "</bpmn:subProcess>"
        '<bpmn:userTask id="after"/><bpmn:endEvent id="e"/>' + chain("s", "outer", "after", "e")))
    engine.migrate(inst.id, 2, mappings={"review": "check"})
    [task] = engine.tasks(instance_id=inst.id)
    assert task.element_id == "check"
    engine.complete(task.id)
    assert open_tasks(engine, inst) == ["after"]
    assert starts_of(engine, inst, "outer") == [2]
    assert starts_of(engine, inst, "inner") == [2]


def _parallel(wrapped: bool) -> str:
    inside = ('<bpmn:parallelGateway id="fork"/><bpmn:userTask id="a"/><bpmn:userTask id="b"/>'
              '<bpmn:parallelGateway id="join"/>'
              + chain("fork", "a", "join") + chain("fork", "b", "join"))
    if not wrapped:
        return bpmn('<bpmn:startEvent id="s"/>' + inside + '<bpmn:endEvent id="e"/>'
                    + chain("s", "fork") + chain("join", "e"))
    return bpmn('<bpmn:startEvent id="s"/><bpmn:subProcess id="sub"><bpmn:startEvent id="ss"/>'
                + inside + '<bpmn:endEvent id="se"/>' + chain("ss", "fork") + chain("join", "se")
                + '</bpmn:subProcess><bpmn:endEvent id="e"/>' + chain("s", "sub", "e"))


def test_parallel_tokens_moved_into_a_new_subprocess_share_one_instance_of_it(
    engine: Any,
) -> None:
    engine.deploy(_parallel(wrapped=False))
    inst = engine.start("p")
    [a] = [t for t in engine.tasks(instance_id=inst.id) if t.element_id == "a"]
    engine.complete(a.id)  # one branch already waits at the join
    engine.deploy(_parallel(wrapped=True))
    engine.migrate(inst.id, 2)
    assert starts_of(engine, inst, "sub") == [2]
    [b] = engine.tasks(instance_id=inst.id)
    engine.complete(b.id)
    assert engine.instance(inst.id).state == "completed"
    assert [h.version for h in engine.history(inst.id)
            if h.element_id == "sub" and h.kind == "end"] == [2]


def _beside(inside: bool) -> str:
    """``x`` runs beside subprocess ``sub`` (v1) or inside it, in parallel with ``y`` (v2)."""
    if not inside:
        return bpmn(
            '<bpmn:startEvent id="s"/><bpmn:parallelGateway id="fork"/><bpmn:userTask id="x"/>'
            '<bpmn:subProcess id="sub"><bpmn:startEvent id="ss"/><bpmn:userTask id="y"/>'
            '<bpmn:endEvent id="se"/>' + chain("ss", "y", "se") + "</bpmn:subProcess>"
            '<bpmn:parallelGateway id="join"/><bpmn:endEvent id="e"/>'
            + chain("s", "fork") + chain("fork", "x", "join") + chain("fork", "sub", "join")
            + chain("join", "e"))
    return bpmn(
        '<bpmn:startEvent id="s"/><bpmn:subProcess id="sub"><bpmn:startEvent id="ss"/>'
        '<bpmn:parallelGateway id="split"/><bpmn:userTask id="y"/><bpmn:userTask id="x"/>'
        '<bpmn:parallelGateway id="merge"/><bpmn:endEvent id="se"/>'
        + chain("ss", "split") + chain("split", "y", "merge") + chain("split", "x", "merge")
        + chain("merge", "se") + '</bpmn:subProcess><bpmn:endEvent id="e"/>'
        + chain("s", "sub", "e"))


def test_a_token_joins_the_subprocess_instance_that_already_runs(engine: Any) -> None:
    engine.deploy(_beside(inside=False))
    inst = engine.start("p")
    engine.deploy(_beside(inside=True))
    engine.migrate(inst.id, 2)
    assert starts_of(engine, inst, "sub") == [1]  # no second instance of it
    for task in engine.tasks(instance_id=inst.id):
        engine.complete(task.id)
    assert engine.instance(inst.id).state == "completed"


def test_moving_a_token_into_a_multi_instance_subprocess_is_refused(engine: Any) -> None:
    engine.deploy(_flat())
    inst = engine.start("p")
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/><bpmn:subProcess id="each">'
        '<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>=2'
        "</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>"
        '<bpmn:startEvent id="ss"/><bpmn:userTask id="review"/><bpmn:endEvent id="se"/>'
        + chain("ss", "review", "se") + '</bpmn:subProcess><bpmn:userTask id="after"/>'
        '<bpmn:endEvent id="e"/>' + chain("s", "each", "after", "e")))
    with pytest.raises(InvalidCommandError,
                       match="'review' would move into the multi-instance subprocess 'each'"):
        engine.migrate(inst.id, 2)
    assert engine.instance(inst.id).version == 1
    assert open_tasks(engine, inst) == ["review"]


def test_moving_a_token_into_a_subprocess_that_runs_twice_is_refused_as_ambiguous(
    engine: Any,
) -> None:
    def model(x_inside: bool) -> str:
        inner = '<bpmn:startEvent id="ss"/><bpmn:userTask id="y"/><bpmn:endEvent id="se"/>'
        inner += chain("ss", "y", "se")
        if x_inside:
            inner += '<bpmn:userTask id="x"/><bpmn:endEvent id="xe"/>' + chain("x", "xe")
        outer = '' if x_inside else '<bpmn:userTask id="x"/><bpmn:endEvent id="xe"/>'
        return bpmn(
            '<bpmn:startEvent id="s"/><bpmn:parallelGateway id="fork"/>'
            f'<bpmn:subProcess id="sub">{inner}</bpmn:subProcess>{outer}'
            '<bpmn:endEvent id="e"/>' + chain("s", "fork") + flow("fork", "sub", flow_id="f1")
            + flow("fork", "sub", flow_id="f2") + chain("sub", "e")
            + ("" if x_inside else chain("fork", "x", "xe")))

    engine.deploy(model(x_inside=False))
    inst = engine.start("p")
    assert starts_of(engine, inst, "sub") == [1, 1]
    engine.deploy(model(x_inside=True))
    with pytest.raises(InvalidCommandError,
                       match="'x' would move into subprocess 'sub', which runs 2 times there"):
        engine.migrate(inst.id, 2)
    assert engine.instance(inst.id).version == 1


def test_moving_a_token_into_a_subprocess_stuck_on_an_incident_is_refused(engine: Any) -> None:
    def model(x_inside: bool) -> str:
        inner = '<bpmn:startEvent id="ss"/><bpmn:userTask id="y"/><bpmn:endEvent id="se"/>'
        inner += chain("ss", "y", "se")
        if x_inside:
            inner += '<bpmn:userTask id="x"/><bpmn:endEvent id="xe"/>' + chain("x", "xe")
        outer = "" if x_inside else '<bpmn:userTask id="x"/><bpmn:endEvent id="xe"/>'
        return bpmn(
            '<bpmn:startEvent id="s"/><bpmn:parallelGateway id="fork"/>'
            '<bpmn:subProcess id="sub"><bpmn:extensionElements><zeebe:ioMapping>'
            '<zeebe:input source="=case_file.owner" target="owner"/></zeebe:ioMapping>'
            f'</bpmn:extensionElements>{inner}</bpmn:subProcess>{outer}<bpmn:endEvent id="e"/>'
            + chain("s", "fork") + chain("fork", "sub", "e")
            + ("" if x_inside else chain("fork", "x", "xe")))

    engine.deploy(model(x_inside=False))
    inst = engine.start("p")
    [incident] = engine.incidents(instance_id=inst.id)
    assert incident.element_id == "sub"
    engine.deploy(model(x_inside=True))
    with pytest.raises(InvalidCommandError, match="'x' would move into subprocess 'sub', which "
                                                  "is stuck on an incident"):
        engine.migrate(inst.id, 2)
    assert engine.instance(inst.id).version == 1
