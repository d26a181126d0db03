"""Two worker processes on PostgreSQL; one is killed with SIGKILL mid-run and restarted.

Every instance must complete, every handler side effect must be recorded at least once and
every history event exactly once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from civicflow.testing import bpmn, chain

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

INSTANCES = int(os.environ.get("CIVICFLOW_CRASH_INSTANCES", "100"))
MODEL = bpmn(
    '<bpmn:startEvent id="s"/><bpmn:serviceTask id="rec"><bpmn:extensionElements>'
    '<zeebe:taskDefinition type="record" retries="5"/></bpmn:extensionElements>'
    '</bpmn:serviceTask><bpmn:scriptTask id="after"><bpmn:extensionElements>'
    '<zeebe:script expression="=recorded_by" resultVariable="done_by"/>'
    '</bpmn:extensionElements></bpmn:scriptTask><bpmn:endEvent id="e"/>'
    + chain("s", "rec", "after", "e"),
    "crash",
)


def _worker(url: str, schema: str, log: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(__file__).parent) + os.pathsep + env.get("PYTHONPATH", "")
    env["CRASH_TEST_DSN"] = "host=127.0.0.1 port=5432 user=postgres dbname=test"
    env["CRASH_TEST_SCHEMA"] = schema
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(Path(sys.executable).parent / "civicflow"), "worker", "--handlers",
             "crash_handlers", "--lease", "3", "--poll", "0.1", "--database", url],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )


def _completed(engine: Any) -> int:
    return len(engine.instances(process_id="crash", state="completed", limit=INSTANCES + 1))


def test_killed_worker_loses_nothing_and_history_has_no_duplicates(
    clean_postgres_url: str, tmp_path: Path
) -> None:
    from civicflow import Engine

    postgres_url = clean_postgres_url
    schema = postgres_url.rsplit("%3D", 1)[1]
    admin = sa.create_engine(postgres_url)
    with admin.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE IF NOT EXISTS side_effects (idempotency_key text, pid int)")
        conn.exec_driver_sql("DELETE FROM side_effects")
    engine = Engine.open(postgres_url, migrate=False)
    engine.deploy(MODEL)
    ids = [engine.start("crash", {"n": i}).id for i in range(INSTANCES)]
    log = tmp_path / "workers.log"
    workers = [_worker(postgres_url, schema, log), _worker(postgres_url, schema, log)]
    try:
        deadline = time.monotonic() + 120
        while _completed(engine) < INSTANCES // 4 and time.monotonic() < deadline:
            time.sleep(0.2)
        os.kill(workers[0].pid, signal.SIGKILL)
        workers[0].wait()
        workers[0] = _worker(postgres_url, schema, log)
        while _completed(engine) < INSTANCES and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _completed(engine) == INSTANCES, log.read_text()[-3000:]
    finally:
        for w in workers:
            if w.poll() is None:
                w.send_signal(signal.SIGTERM)
        for w in workers:
            try:
                w.wait(timeout=20)
            except subprocess.TimeoutExpired:
                w.kill()
                w.wait()
    with admin.connect() as conn:
        keys = [r[0] for r in conn.exec_driver_sql("SELECT idempotency_key FROM side_effects")]
    admin.dispose()
    per_instance = Counter(k.split(":")[0] for k in keys)
    assert set(per_instance) == set(ids)  # every side effect recorded at least once
    for inst_id in ids:
        events = Counter((h.element_id, h.kind) for h in engine.history(inst_id))
        assert set(events.values()) == {1}, (inst_id, events)
        assert events[("rec", "end")] == 1
        assert engine.instance(inst_id).variables["done_by"] > 0
    engine.close()
