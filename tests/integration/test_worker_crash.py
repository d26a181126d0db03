"""Two worker processes on PostgreSQL run 1,000 reference permit instances; one is killed with
SIGKILL mid-run and restarted.

The workers are real ``civicflow worker`` processes with the ``permit_crew`` handlers: they run the
"Check registry" service jobs and, in a clerk thread, complete the open user tasks (both clerks
walk the same worklist, so they race for the same tasks). Every instance must complete, every
handler side effect be recorded at least once, every history event exactly once, and no task
have two winners.

The test's sessions use ``synchronous_commit=off``: the crash under test is a worker process
dying, not the database server, and PostgreSQL's atomicity and visibility do not depend on it
(it only spares the WAL flush per commit, which on a shared CI disk dominates the runtime).
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

INSTANCES = int(os.environ.get("CIVICFLOW_CRASH_INSTANCES", "1000"))
MODEL = Path(__file__).parents[1] / "data" / "bpmn" / "reference_permit_service.bpmn"
PROCESS = "permit_application"
DEADLINE_SECONDS = 240
ON_AUTO_PATH = ["start", "intake", "route", "auto_check", "route_merge", "split", "calc_fee",
                "prepare_notice", "join", "approve", "end"]
ON_REVIEW_PATH = [e if e != "auto_check" else "manual_review" for e in ON_AUTO_PATH]


def _needs_review(case_seq: int) -> bool:
    """What the model's intake script decides (``risk_score >= 5``)."""
    return (case_seq * 7) % 10 >= 5


@pytest.fixture
def crash_db(clean_postgres_url: str) -> Iterator[tuple[str, str]]:
    """The test schema's URL without per-commit WAL flushes, and the schema name."""
    schema = clean_postgres_url.rsplit("%3D", 1)[1]
    admin = sa.create_engine(clean_postgres_url)
    with admin.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS crash_side_effects, crash_clerk_log")
        conn.exec_driver_sql("CREATE TABLE crash_side_effects "
                             "(idempotency_key text, instance_id text, pid int)")
        conn.exec_driver_sql("CREATE TABLE crash_clerk_log (task_id text, outcome text, pid int)")
    try:
        yield clean_postgres_url + "%20-csynchronous_commit%3Doff", schema
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS crash_side_effects, crash_clerk_log")
        admin.dispose()


def _worker(url: str, schema: str, log: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(__file__).parent) + os.pathsep + env.get("PYTHONPATH", "")
    env["CRASH_TEST_DSN"] = "host=127.0.0.1 port=5432 user=postgres dbname=test"
    env["CRASH_TEST_SCHEMA"] = schema
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(Path(sys.executable).parent / "civicflow"), "worker", "--handlers",
             "permit_crew", "--lease", "3", "--poll", "0.2", "--database", url],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )


def _count(conn: sa.Connection, sql: str, **params: Any) -> int:
    return int(conn.execute(sa.text(sql), params).scalar_one())


def _wait_for(condition: Any, deadline: float, what: str, log: Path) -> None:
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}; worker log:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)


def test_a_killed_worker_loses_nothing_on_a_thousand_permits_and_history_has_no_duplicates(
    crash_db: tuple[str, str], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    from civicflow import Engine

    url, schema = crash_db
    began = time.monotonic()
    deadline = began + DEADLINE_SECONDS
    engine = Engine.open(url, migrate=False)
    request.addfinalizer(engine.close)
    monitor = sa.create_engine(url)
    request.addfinalizer(monitor.dispose)
    engine.deploy(MODEL)
    log = tmp_path / "workers.log"
    workers = [_worker(url, schema, log), _worker(url, schema, log)]
    victim = workers[0].pid
    ids: dict[str, int] = {}

    def start_all() -> None:  # applications keep arriving while the crew works
        for i in range(INSTANCES):
            inst = engine.start(PROCESS, {"case_seq": i,
                                          "applicant_type": "business" if i % 3 else "citizen"},
                                business_key=f"P-{i:04d}")
            ids[inst.id] = i

    starter = threading.Thread(target=start_all)
    try:
        starter.start()
        with monitor.connect() as conn:
            def completed() -> int:
                return _count(conn, "SELECT count(*) FROM cf_instances WHERE state = 'completed'")

            def victim_is_busy() -> bool:
                # mid-run: the victim holds leased jobs and its clerk has completed tasks
                jobs = _count(conn, "SELECT count(*) FROM cf_jobs WHERE state = 'locked' "
                                    "AND worker_id LIKE :w", w=f"%:{victim}:%")
                wins = _count(conn, "SELECT count(*) FROM crash_clerk_log WHERE pid = :p "
                                    "AND outcome = 'won'", p=victim)
                return len(ids) >= INSTANCES // 4 and jobs > 0 and wins > 0

            _wait_for(victim_is_busy, deadline, "the victim to be busy", log)
            os.kill(victim, signal.SIGKILL)
            workers[0].wait()
            killed_at = (len(ids), completed())
            workers[0] = _worker(url, schema, log)
            starter.join()
            started = time.monotonic()
            _wait_for(lambda: completed() >= INSTANCES, deadline, "every instance", log)
        finished = time.monotonic()
    finally:
        starter.join()
        for w in workers:
            if w.poll() is None:
                w.send_signal(signal.SIGTERM)
        for w in workers:
            try:
                w.wait(timeout=20)
            except subprocess.TimeoutExpired:
                w.kill()
                w.wait()
        with monitor.connect() as conn:
            side_effects = conn.execute(sa.text(
                "SELECT instance_id, idempotency_key FROM crash_side_effects")).all()
            clerk_log = conn.execute(sa.text("SELECT task_id, outcome FROM crash_clerk_log")
                                     ).all()
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"\n{INSTANCES} instances started after {started - began:.1f} s, all completed after "
          f"{finished - began:.1f} s; the kill came at {killed_at[0]} started, {killed_at[1]} "
          f"completed; CPU: test {me.ru_utime + me.ru_stime:.1f} s, "
          f"workers {kids.ru_utime + kids.ru_stime:.1f} s")
    assert killed_at[1] < INSTANCES, "the kill did not land mid-run"

    # every service handler side effect recorded at least once, under one idempotency key
    keys_per_instance: dict[str, set[str]] = {}
    for instance_id, key in side_effects:
        keys_per_instance.setdefault(instance_id, set()).add(key)
    auto = {i for i, seq in ids.items() if not _needs_review(seq)}
    assert set(keys_per_instance) == auto
    assert all(len(keys) == 1 for keys in keys_per_instance.values())

    # two clerks completing one task: never two winners; and they did race
    wins = Counter(task for task, outcome in clerk_log if outcome == "won")
    assert wins
    assert max(wins.values()) == 1
    assert any(outcome == "lost" for _task, outcome in clerk_log)

    checked = time.monotonic()
    states = Counter(i.state for i in engine.instances(process_id=PROCESS, limit=2 * INSTANCES))
    assert states == {"completed": INSTANCES}
    assert engine.incidents() == []
    assert engine.tasks(process_id=PROCESS) == []
    for instance_id, seq in ids.items():  # the handler's result reached the instance
        if not _needs_review(seq) and (seq % 97 == 0 or seq % 50 == 1):
            assert engine.instance(instance_id).variables["check_result"] == (
                "auto-ok" if seq % 97 else "auto-flag")

    # every history event exactly once: read the event log the way process mining does
    with monitor.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT instance_id, element_id, kind, count(*) FROM cf_history "
            "GROUP BY instance_id, element_id, kind")).all()
    events: dict[str, Counter[tuple[str, str]]] = {i: Counter() for i in ids}
    for instance_id, element_id, kind, n in rows:
        events[instance_id][(element_id, kind)] += n
    for instance_id, seq in ids.items():
        path = ON_REVIEW_PATH if _needs_review(seq) else ON_AUTO_PATH
        expected = Counter({(e, k): 1 for e in path for k in ("start", "end")})
        assert events[instance_id] == expected, (instance_id, events[instance_id])
    print(f"{INSTANCES} instances checked in {time.monotonic() - checked:.1f} s")
