"""Claiming user tasks: work starts when a person takes a task, one claim wins, the history
records it (on SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest

from civicflow.engine.errors import (
    ConflictError,
    InvalidCommandError,
    TaskAlreadyCompletedError,
    TaskClaimedError,
)
from civicflow.testing import bpmn, chain

MODEL = bpmn('<bpmn:startEvent id="s"/><bpmn:userTask id="t" name="Check"/>'
             '<bpmn:endEvent id="e"/>' + chain("s", "t", "e"))


def _task(engine: Any) -> Any:
    engine.deploy(MODEL)
    inst = engine.start("p")
    [task] = engine.tasks(instance_id=inst.id)
    return task


def test_claim_assigns_the_task_and_history_records_when_work_started(
        engine: Any, clock: Any) -> None:
    task = _task(engine)
    clock.advance(timedelta(hours=2))
    engine.claim(task.id, "alice")
    [mine] = engine.tasks(assignee="alice")
    assert mine.id == task.id
    assert mine.claimed_at == clock.now()
    clock.advance(timedelta(minutes=30))
    engine.complete(task.id)
    kinds = [(h.kind, h.actor, h.at) for h in engine.history(task.instance_id)
             if h.element_id == "t"]
    start = kinds[0][2]
    assert kinds == [("start", None, start), ("claim", "alice", start + timedelta(hours=2)),
                     ("end", "alice", start + timedelta(hours=2, minutes=30))]


def test_a_task_claimed_by_someone_else_is_refused_with_who_holds_it(engine: Any) -> None:
    task = _task(engine)
    engine.claim(task.id, "alice")
    with pytest.raises(TaskClaimedError, match=r"claimed by alice.*unclaim"):
        engine.claim(task.id, "bob")
    with pytest.raises(TaskClaimedError, match="claimed by alice"):
        engine.complete(task.id, actor="bob")
    engine.claim(task.id, "alice")  # claiming one's own claim again changes nothing
    assert [h.kind for h in engine.history(task.instance_id)].count("claim") == 1


def test_unclaim_puts_the_task_back_for_someone_else(engine: Any) -> None:
    task = _task(engine)
    engine.claim(task.id, "alice")
    engine.unclaim(task.id)
    [back] = engine.tasks(instance_id=task.instance_id)
    assert (back.assignee, back.claimed_at) == (None, None)
    engine.claim(task.id, "bob")
    engine.complete(task.id, actor="bob")
    trail = [(h.kind, h.actor) for h in engine.history(task.instance_id) if h.element_id == "t"]
    assert trail == [("start", None), ("claim", "alice"), ("unclaim", "alice"),
                     ("claim", "bob"), ("end", "bob")]
    with pytest.raises(TaskAlreadyCompletedError, match="completed by bob"):
        engine.claim(task.id, "carol")


def test_unclaiming_an_unclaimed_task_says_there_is_nothing_to_unclaim(engine: Any) -> None:
    task = _task(engine)
    with pytest.raises(InvalidCommandError, match="not claimed"):
        engine.unclaim(task.id)


def test_a_task_assigned_in_the_model_can_be_claimed_only_by_its_assignee(engine: Any) -> None:
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/><bpmn:userTask id="t"><bpmn:extensionElements>'
        '<zeebe:assignmentDefinition assignee="dana"/></bpmn:extensionElements></bpmn:userTask>'
        '<bpmn:endEvent id="e"/>' + chain("s", "t", "e")))
    [task] = engine.tasks(instance_id=engine.start("p").id)
    with pytest.raises(TaskClaimedError, match="assigned to dana"):
        engine.claim(task.id, "erin")
    engine.claim(task.id, "dana")
    assert engine.tasks(instance_id=task.instance_id)[0].claimed_at is not None


def test_completing_without_an_actor_credits_the_holder_of_the_claim(engine: Any) -> None:
    task = _task(engine)
    engine.claim(task.id, "alice")
    engine.complete(task.id)
    [done] = engine.tasks(instance_id=task.instance_id, state="completed")
    assert done.id == task.id
    [end] = [h for h in engine.history(task.instance_id) if h.element_id == "t" and h.kind == "end"]
    assert end.actor == "alice"


def test_two_users_claiming_at_once_get_one_winner_and_one_clear_conflict(
        database_url: str, clock: Any) -> None:
    from civicflow import Engine

    setup = Engine.open(database_url, clock=clock, migrate=False)
    task = _task(setup)
    setup.close()
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def take(actor: str) -> None:
        eng = Engine.open(database_url, clock=clock, migrate=False)
        try:
            barrier.wait()
            eng.claim(task.id, actor)
            results[actor] = "won"
        except ConflictError as exc:
            results[actor] = str(exc)
        finally:
            eng.close()

    threads = [threading.Thread(target=take, args=(name,)) for name in ("alice", "bob")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [actor for actor, outcome in results.items() if outcome == "won"]
    assert len(winners) == 1
    [loser] = [actor for actor in results if actor not in winners]
    assert f"claimed by {winners[0]}" in results[loser]
    check = Engine.open(database_url, clock=clock, migrate=False)
    try:
        assert check.tasks(instance_id=task.instance_id)[0].assignee == winners[0]
        assert [h.kind for h in check.history(task.instance_id)].count("claim") == 1
    finally:
        check.close()
