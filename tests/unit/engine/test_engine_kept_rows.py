"""Rows an engine keeps between its commands (PostgreSQL, ``store/instance_cache.py``) never
hide what another engine did: a kept copy that went stale fails its version check and the
command runs again on the database's rows."""

from __future__ import annotations

from typing import Any

import pytest

from civicflow import Engine
from civicflow.testing import bpmn, chain

TWO_TASKS = bpmn(
    '<bpmn:startEvent id="s"/><bpmn:userTask id="first"/><bpmn:userTask id="second"/>'
    '<bpmn:userTask id="third"/><bpmn:endEvent id="e"/>'
    + chain("s", "first", "second", "third", "e"))


def test_a_command_sees_what_another_engine_did_to_the_instance_meanwhile(
        engine: Any, database_url: str, clock: Any) -> None:
    engine.deploy(TWO_TASKS)
    inst = engine.start("p", {"n": 1})
    other = Engine.open(database_url, clock=clock, migrate=False)
    try:
        [first] = other.tasks(instance_id=inst.id)
        other.complete(first.id, {"n": 2, "by_other": True}, actor="bea")
    finally:
        other.close()
    # the first engine kept the instance as its start left it: one open task, n = 1
    [second] = engine.tasks(instance_id=inst.id)
    assert second.element_id == "second"
    engine.complete(second.id, {"n": 3}, actor="al")
    [third] = engine.tasks(instance_id=inst.id)
    engine.complete(third.id, actor="al")
    done = engine.instance(inst.id)
    assert done.state == "completed"
    assert done.variables == {"n": 3, "by_other": True}
    ends = [(h.element_id, h.actor) for h in engine.history(inst.id) if h.kind == "end"
            and h.element_type == "userTask"]
    assert ends == [("first", "bea"), ("second", "al"), ("third", "al")]


def test_a_task_completed_by_another_engine_is_refused_by_name(
        engine: Any, database_url: str, clock: Any) -> None:
    from civicflow.engine.errors import TaskAlreadyCompletedError

    engine.deploy(TWO_TASKS)
    inst = engine.start("p")
    [first] = engine.tasks(instance_id=inst.id)
    other = Engine.open(database_url, clock=clock, migrate=False)
    try:
        other.complete(first.id, actor="bea")
    finally:
        other.close()
    with pytest.raises(TaskAlreadyCompletedError, match="bea"):
        engine.complete(first.id, actor="al")
    assert [t.element_id for t in engine.tasks(instance_id=inst.id)] == ["second"]
