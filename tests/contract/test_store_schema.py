"""The store's contract on SQLite and PostgreSQL: migrations equal the schema, commands are
atomic, and concurrent completions of one task have exactly one winner."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from civicflow.engine.errors import ConflictError
from civicflow.store.db import connect
from civicflow.store.tables import metadata
from civicflow.testing import bpmn, chain

USER_TASK = bpmn('<bpmn:startEvent id="s"/><bpmn:userTask id="t"/><bpmn:userTask id="u"/>'
                 '<bpmn:endEvent id="e"/>' + chain("s", "t", "u", "e"))


def test_migrated_schema_equals_the_table_definitions(database_url: str) -> None:
    engine = connect(database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"version_table": "cf_alembic_version"})
            diff = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_upgrade_is_idempotent(database_url: str) -> None:
    from civicflow.store.migrate import upgrade

    engine = connect(database_url)
    try:
        upgrade(engine)
        upgrade(engine)
    finally:
        engine.dispose()


def test_a_command_that_fails_midway_leaves_the_database_unchanged(
    engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from civicflow.store import runner

    engine.deploy(USER_TASK)
    inst = engine.start("p", {"n": 1})
    [task] = engine.tasks(instance_id=inst.id)
    before = (engine.history(inst.id), engine.instance(inst.id))
    real = runner.apply_changes

    def crash(conn: Any, changes: Any, *rest: Any) -> None:
        real(conn, changes, *rest)
        raise RuntimeError("power cut")

    monkeypatch.setattr(runner, "apply_changes", crash)
    with pytest.raises(RuntimeError):
        engine.complete(task.id, {"n": 2})
    monkeypatch.setattr(runner, "apply_changes", real)
    assert (engine.history(inst.id), engine.instance(inst.id)) == before
    assert [t.id for t in engine.tasks(instance_id=inst.id)] == [task.id]


def test_two_people_completing_the_same_task_at_once_get_one_winner(
    database_url: str, clock: Any
) -> None:
    from civicflow import Engine

    engines = [Engine.open(database_url, clock=clock, migrate=False) for _ in range(2)]
    try:
        engines[0].deploy(USER_TASK)
        for _round in range(5):
            inst = engines[0].start("p")
            [task] = engines[0].tasks(instance_id=inst.id)
            barrier = threading.Barrier(2)
            results: list[str] = []

            def complete(eng: Any, who: str, task_id: str = task.id,
                         gate: threading.Barrier = barrier, out: list[str] = results) -> None:
                gate.wait()
                try:
                    eng.complete(task_id, actor=who)
                    out.append("won")
                except ConflictError as exc:
                    out.append(str(exc))

            threads = [threading.Thread(target=complete, args=(e, f"user{i}"))
                       for i, e in enumerate(engines)]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            assert sorted(results)[-1] == "won"
            assert results.count("won") == 1
            loser = next(r for r in results if r != "won")
            assert "already completed by user" in loser
            ends = [h for h in engines[0].history(inst.id) if h.element_id == "t"
                    and h.kind == "end"]
            assert len(ends) == 1
    finally:
        for e in engines:
            e.close()


def test_the_head_constant_names_the_newest_migration() -> None:
    from alembic.script import ScriptDirectory

    from civicflow.store.migrate import HEAD, alembic_config, current_revision

    engine = connect(None)
    script = ScriptDirectory.from_config(alembic_config(engine))
    assert script.get_current_head() == HEAD
    assert current_revision(engine) is None
    engine.dispose()
