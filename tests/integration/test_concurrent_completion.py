"""Two people complete the same task at the same moment: exactly one wins, the other is told.

Each clerk has its own ``Engine`` (its own connections), as two web requests or two processes
would; a barrier releases both completions together. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from civicflow.testing import bpmn, chain

ROUNDS = 8
MODEL = bpmn('<bpmn:startEvent id="s"/><bpmn:userTask id="sign" name="Sign permit"/>'
             '<bpmn:endEvent id="e"/>' + chain("s", "sign", "e"), "race")


def test_two_simultaneous_completions_of_one_task_give_one_winner(database_url: str) -> None:
    from civicflow import Engine
    from civicflow.engine.errors import ConflictError

    engines = [Engine.open(database_url, migrate=False) for _ in range(3)]
    setup, alice, bob = engines
    try:
        setup.deploy(MODEL)
        instances = [setup.start("race").id for _ in range(ROUNDS)]
        outcomes: list[tuple[str, str, str]] = []
        errors: list[BaseException] = []

        def clerk(engine: Any, actor: str, task_id: str, barrier: threading.Barrier) -> None:
            try:
                barrier.wait(timeout=10)
                engine.complete(task_id, {"signed_by": actor}, actor=actor)
                outcomes.append((task_id, actor, "won"))
            except ConflictError as exc:
                outcomes.append((task_id, actor, f"lost: {exc}"))
            except BaseException as exc:  # reported below, with the thread's exception
                errors.append(exc)

        for instance_id in instances:
            task = setup.tasks(instance_id=instance_id)[0]
            barrier = threading.Barrier(2)
            threads = [threading.Thread(target=clerk, args=(eng, name, task.id, barrier))
                       for eng, name in ((alice, "alice"), (bob, "bob"))]
            for th in threads:
                th.start()
            for th in threads:
                th.join(timeout=30)
        assert errors == []
        winners = Counter(task for task, _actor, outcome in outcomes if outcome == "won")
        losers = [outcome for _task, _actor, outcome in outcomes if outcome != "won"]
        assert sorted(winners.values()) == [1] * ROUNDS
        assert len(losers) == ROUNDS
        assert all("already completed by" in message for message in losers)
        for instance_id in instances:
            instance = setup.instance(instance_id)
            assert instance.state == "completed"
            ends = [h for h in setup.history(instance_id)
                    if h.element_id == "sign" and h.kind == "end"]
            assert len(ends) == 1
            assert ends[0].actor == instance.variables["signed_by"]
    finally:
        for engine in engines:
            engine.close()
