"""Group commit: commands of concurrent callers sharing one ``Engine`` share a durable commit,
each in its own savepoint, and each call returns only after the commit that holds it.

To make grouping deterministic, the first command is held inside its transaction until the
other callers have queued theirs; they then run together in the next transaction.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from civicflow.engine.errors import NotFoundError, TaskAlreadyCompletedError
from civicflow.store import runner
from civicflow.store.runner import CommandRunner
from civicflow.testing import bpmn, chain

USER_TASK = bpmn('<bpmn:startEvent id="s"/><bpmn:userTask id="t"/><bpmn:endEvent id="e"/>'
                 + chain("s", "t", "e"))


def _group_sizes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record how many commands each transaction held."""
    sizes: list[int] = []
    real = CommandRunner._run_group

    def spy(self: CommandRunner, group: list[Any]) -> None:
        sizes.append(len(group))
        real(self, group)

    monkeypatch.setattr(CommandRunner, "_run_group", spy)
    return sizes


def _hold_first_command(monkeypatch: pytest.MonkeyPatch, engine: Any, queued: int,
                        fail_for: Callable[[Any], bool] = lambda _c: False) -> None:
    """Keep the first command in its transaction until ``queued`` others wait; make any
    command whose changes match ``fail_for`` crash after writing them."""
    real = runner.apply_changes
    first = [True]

    def held(raw: Any, changes: Any, *rest: Any) -> None:
        if first[0]:
            first[0] = False
            deadline = time.monotonic() + 20
            while len(engine._runner._queue) < queued and time.monotonic() < deadline:
                time.sleep(0.002)
        real(raw, changes, *rest)
        if fail_for(changes):
            raise RuntimeError("power cut")

    monkeypatch.setattr(runner, "apply_changes", held)


def _in_threads(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run each call in its own thread (started in order); results or exceptions."""
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        try:
            results[i] = calls[i]()
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for i, th in enumerate(threads):
        th.start()
        if i == 0:
            time.sleep(0.05)  # the first call becomes the leader and is held
    for th in threads:
        th.join(60)
    return results


def _open_tasks(engine: Any, n: int) -> list[Any]:
    engine.deploy(USER_TASK)
    return [engine.tasks(instance_id=engine.start("p").id)[0] for _ in range(n)]


def test_concurrent_callers_share_one_commit_and_each_gets_its_own_result(
    engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    tasks = _open_tasks(engine, 8)
    sizes = _group_sizes(monkeypatch)
    _hold_first_command(monkeypatch, engine, queued=7)
    results = _in_threads([
        lambda t=t, i=i: engine.complete(t.id, {"who": i}, actor=f"user{i}")
        for i, t in enumerate(tasks)])
    assert results == [None] * 8
    assert sizes == [1, 7]
    for i, t in enumerate(tasks):
        inst = engine.instance(t.instance_id)
        assert inst.state == "completed"
        assert inst.variables["who"] == i
        ends = [h for h in engine.history(t.instance_id) if h.element_id == "t"
                and h.kind == "end"]
        assert [h.actor for h in ends] == [f"user{i}"]


def test_a_failing_command_in_a_shared_commit_undoes_only_itself(
    engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    tasks = _open_tasks(engine, 4)
    doomed = tasks[2]
    before = (engine.history(doomed.instance_id), engine.instance(doomed.instance_id))
    sizes = _group_sizes(monkeypatch)
    _hold_first_command(
        monkeypatch, engine, queued=4,
        fail_for=lambda ch: any(r.id == doomed.id for r in ch.user_tasks[1]))
    results = _in_threads([
        lambda: engine.complete(tasks[0].id, actor="a"),
        lambda: engine.complete(tasks[1].id, actor="b"),
        lambda: engine.complete("no-such-task", actor="c"),
        lambda: engine.complete(doomed.id, actor="d"),
        lambda: engine.complete(tasks[3].id, actor="e"),
    ])
    assert sizes == [1, 4]
    assert [results[0], results[1], results[4]] == [None, None, None]
    assert isinstance(results[2], NotFoundError)
    assert isinstance(results[3], RuntimeError)
    for t in (tasks[0], tasks[1], tasks[3]):
        assert engine.instance(t.instance_id).state == "completed"
    # the command that crashed after writing left its case exactly as before
    assert (engine.history(doomed.instance_id), engine.instance(doomed.instance_id)) == before
    assert [t.id for t in engine.tasks(instance_id=doomed.instance_id)] == [doomed.id]


def test_two_callers_completing_one_task_in_one_shared_commit_get_one_winner(
    engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    [other, task] = _open_tasks(engine, 2)
    sizes = _group_sizes(monkeypatch)
    _hold_first_command(monkeypatch, engine, queued=2)
    results = _in_threads([
        lambda: engine.complete(other.id, actor="x"),
        lambda: engine.complete(task.id, actor="ana"),
        lambda: engine.complete(task.id, actor="ben"),
    ])
    assert sizes == [1, 2]
    assert results[0] is None
    outcomes = results[1:]
    assert outcomes.count(None) == 1
    [loser] = [r for r in outcomes if r is not None]
    assert isinstance(loser, TaskAlreadyCompletedError)
    winner = "ana" if outcomes[0] is None else "ben"
    assert f"already completed by {winner}" in str(loser)
    ends = [h for h in engine.history(task.instance_id) if h.element_id == "t"
            and h.kind == "end"]
    assert [h.actor for h in ends] == [winner]


def test_a_single_caller_commits_each_command_on_its_own(
    engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    [task] = _open_tasks(engine, 1)
    sizes = _group_sizes(monkeypatch)
    inst = engine.start("p")
    engine.complete(task.id)
    assert sizes == [1, 1]
    assert engine.instance(inst.id).state == "active"
    assert engine.instance(task.instance_id).state == "completed"


def test_threads_sharing_an_in_memory_engine_take_turns_on_its_one_connection() -> None:
    from civicflow import Engine

    engine = Engine.open()
    try:
        engine.deploy(USER_TASK)

        def work() -> int:
            for _ in range(10):
                inst = engine.start("p")
                [task] = engine.tasks(instance_id=inst.id)
                engine.complete(task.id)
            return 10

        assert _in_threads([work] * 4) == [10] * 4
        assert len(engine.instances(state="completed")) == 40
    finally:
        engine.close()


def test_many_callers_mixing_successes_and_failures_all_get_their_answers(
    engine: Any,
) -> None:
    """Several rounds of groups: each commit wakes the callers it finished and hands the lead
    on; no caller is left waiting, whatever its command's outcome."""
    tasks = _open_tasks(engine, 24)
    outcomes: dict[int, list[str]] = {}
    go = threading.Barrier(24)

    def work(i: int) -> None:
        go.wait()
        seen: list[str] = []
        for attempt in range(3):
            try:
                if attempt == 1 and i % 3 == 0:
                    engine.complete(f"missing-{i}")
                else:
                    engine.complete(tasks[i].id, actor=f"user{i}")
                seen.append("ok")
            except (NotFoundError, TaskAlreadyCompletedError) as exc:
                seen.append(type(exc).__name__)
        outcomes[i] = seen

    threads = [threading.Thread(target=work, args=(i,)) for i in range(24)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert not any(th.is_alive() for th in threads), "a caller was never woken"
    for i in range(24):
        second = "NotFoundError" if i % 3 == 0 else "TaskAlreadyCompletedError"
        assert outcomes[i] == ["ok", second, "TaskAlreadyCompletedError"]
        assert engine.instance(tasks[i].instance_id).state == "completed"


def test_worklist_reads_queued_behind_a_leader_are_answered_after_its_commit(
    engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a caller leads, other callers' worklist reads join the queue; the leader answers
    them after its commit, so they already see what it committed."""
    tasks = _open_tasks(engine, 4)
    _hold_first_command(monkeypatch, engine, queued=3)
    results = _in_threads([
        lambda: engine.complete(tasks[0].id, actor="a"),
        lambda: engine.tasks(instance_id=tasks[0].instance_id),
        lambda: engine.tasks(instance_id=tasks[1].instance_id),
        lambda: engine.tasks(instance_id=12345),  # a wrong type fails before queueing
        lambda: engine.tasks(instance_id=tasks[2].instance_id, limit=0),
    ])
    assert results[0] is None
    assert results[1] == []  # read after the leader's commit: the task is done
    assert [t.id for t in results[2]] == [tasks[1].id]
    assert isinstance(results[3], TypeError)
    assert results[4] == []


def test_a_read_that_fails_in_the_queue_fails_only_its_caller(
    engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    tasks = _open_tasks(engine, 2)
    _hold_first_command(monkeypatch, engine, queued=2)

    def broken(_raw: Any) -> Any:
        raise RuntimeError("disk unplugged")

    results = _in_threads([
        lambda: engine.complete(tasks[0].id, actor="a"),
        lambda: engine._runner.read(broken),
        lambda: engine.tasks(instance_id=tasks[1].instance_id),
    ])
    assert results[0] is None
    assert isinstance(results[1], RuntimeError)
    assert [t.id for t in results[2]] == [tasks[1].id]
