"""Engine benchmark: the reference permit process on CivicFlow and on SpiffWorkflow 3.2.0.

Runs in one process, one after the other, on the same machine:
  1. CivicFlow on a SQLite file (WAL, synchronous=FULL: every command commits durably).
  2. SpiffWorkflow with persistence as an application must do it: the serialized workflow
     written to a SQLite file (WAL, synchronous=FULL) at each wait state.
  3. CivicFlow on PostgreSQL with 1, 2 and 4 driver processes (skipped if the server is down).
  4. CivicFlow multi-instance cost per item at 10, 100, 1,000 and 10,000 items.

Usage: .venv/bin/python benchmarks/engine_bench.py [--instances N] [--skip-pg] [--mi-max N]
"""

from __future__ import annotations

import argparse
import multiprocessing
import sqlite3
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "bpmn"
MODEL = DATA / "reference_permit.bpmn"
SPIFF_MODEL = DATA / "reference_permit_spiff.bpmn"
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _drive(engine: Any, first: int, count: int) -> None:
    for seq in range(first, first + count):
        inst = engine.start("permit_application",
                            {"case_seq": seq, "applicant_type": "citizen"},
                            business_key=f"P-{seq}")
        while tasks := engine.tasks(instance_id=inst.id):
            engine.complete(tasks[0].id, {"approved": True}, actor="clerk")


def civicflow_sqlite(n: int) -> float:
    from civicflow import Engine

    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine.open(f"sqlite:///{tmp}/bench.db")
        engine.deploy(MODEL)
        _drive(engine, 0, 5)  # warm up caches
        start = time.perf_counter()
        _drive(engine, 10, n)
        elapsed = time.perf_counter() - start
        done = len(engine.instances(state="completed", limit=n + 10))
        assert done == n + 5, f"only {done} instances completed"
        engine.close()
    return n / elapsed


def spiff_sqlite(n: int) -> float:
    from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser
    from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
    from SpiffWorkflow.util.task import TaskState

    parser = BpmnParser()
    parser.add_bpmn_file(str(SPIFF_MODEL))
    spec = parser.get_spec("permit_application")
    serializer = BpmnWorkflowSerializer()
    with tempfile.TemporaryDirectory() as tmp:
        db = sqlite3.connect(f"{tmp}/spiff.db")
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("CREATE TABLE wf (id TEXT PRIMARY KEY, state TEXT, data TEXT)")

        def save(wf_id: str, wf: Any) -> None:
            state = "completed" if wf.is_completed() else "active"
            db.execute("INSERT OR REPLACE INTO wf VALUES (?, ?, ?)",
                       (wf_id, state, serializer.serialize_json(wf)))
            db.commit()

        def one(seq: int) -> None:
            wf_id = uuid.uuid4().hex
            wf = BpmnWorkflow(spec)
            start = wf.get_next_task(state=TaskState.READY)
            start.data.update({"case_seq": seq, "applicant_type": "citizen"})
            wf.do_engine_steps()
            save(wf_id, wf)
            while not wf.is_completed():
                ready = wf.get_tasks(state=TaskState.READY, manual=True)
                if not ready:
                    raise RuntimeError("SpiffWorkflow instance is stuck")
                # an application loads the workflow for each user action
                row = db.execute("SELECT data FROM wf WHERE id = ?", (wf_id,)).fetchone()
                wf = serializer.deserialize_json(row[0])
                task = wf.get_tasks(state=TaskState.READY, manual=True)[0]
                task.data["approved"] = True
                task.run()
                wf.do_engine_steps()
                save(wf_id, wf)

        for seq in range(5):
            one(seq)
        start = time.perf_counter()
        for seq in range(10, 10 + n):
            one(seq)
        elapsed = time.perf_counter() - start
        done = db.execute("SELECT count(*) FROM wf WHERE state = 'completed'").fetchone()[0]
        assert done == n + 5, f"only {done} Spiff instances completed"
        db.close()
    return n / elapsed


def _pg_child(url: str, first: int, count: int, ready: Any, go: Any) -> None:
    from civicflow import Engine

    engine = Engine.open(url, migrate=False)
    _drive(engine, first + 1_000_000, 1)  # warm up: imports, graph cache, connection
    ready.release()
    go.wait()
    _drive(engine, first, count)
    engine.close()


def civicflow_postgres(n: int, workers: int) -> float | None:
    try:
        import psycopg

        psycopg.connect("host=127.0.0.1 user=postgres dbname=test", connect_timeout=3).close()
    except Exception as exc:
        print(f"  PostgreSQL not reachable ({exc}); skipped")
        return None
    import sqlalchemy as sa

    from civicflow import Engine

    schema = f"cf_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = f"{PG}?options=-csearch_path%3D{schema}"
    try:
        engine = Engine.open(url)
        engine.deploy(MODEL)
        engine.close()
        ctx = multiprocessing.get_context("spawn")
        share = n // workers
        ready = ctx.Semaphore(0)
        go = ctx.Event()
        procs = [ctx.Process(target=_pg_child, args=(url, i * share, share, ready, go))
                 for i in range(workers)]
        for p in procs:
            p.start()
        for _ in procs:
            ready.acquire()
        start = time.perf_counter()
        go.set()
        for p in procs:
            p.join()
        elapsed = time.perf_counter() - start
        engine = Engine.open(url, migrate=False)
        done = len(engine.instances(state="completed", limit=n + workers + 1)) - workers
        engine.close()
        assert done == share * workers, f"only {done} instances completed"
        return done / elapsed
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


MI_MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="http://x">
<bpmn:process id="mi" isExecutable="true">
<bpmn:startEvent id="s"/>
<bpmn:scriptTask id="each"><bpmn:extensionElements>
<zeebe:script expression="=item * 2" resultVariable="doubled"/></bpmn:extensionElements>
<bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements>
<zeebe:loopCharacteristics inputCollection="=items" inputElement="item"
 outputCollection="results" outputElement="=doubled"/></bpmn:extensionElements>
</bpmn:multiInstanceLoopCharacteristics></bpmn:scriptTask>
<bpmn:endEvent id="e"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="each"/>
<bpmn:sequenceFlow id="f2" sourceRef="each" targetRef="e"/>
</bpmn:process></bpmn:definitions>"""


def multi_instance_costs(sizes: list[int]) -> dict[int, float]:
    from civicflow import Engine

    out: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine.open(f"sqlite:///{tmp}/mi.db")
        engine.deploy(MI_MODEL)
        engine.start("mi", {"items": [1, 2]})
        for size in sizes:
            start = time.perf_counter()
            inst = engine.start("mi", {"items": list(range(size))})
            elapsed = time.perf_counter() - start
            assert engine.instance(inst.id).variables["results"][-1] == (size - 1) * 2
            out[size] = elapsed / size * 1000
        engine.close()
    return out


def durable_commit_ms() -> float:
    """What one durable SQLite commit costs on this disk right now (the floor for any engine
    that commits each wait state)."""
    with tempfile.TemporaryDirectory() as tmp:
        db = sqlite3.connect(f"{tmp}/fsync.db")
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("CREATE TABLE t (a INTEGER)")
        db.commit()
        start = time.perf_counter()
        for i in range(100):
            db.execute("INSERT INTO t VALUES (?)", (i,))
            db.commit()
        elapsed = time.perf_counter() - start
        db.close()
    return elapsed * 10


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--instances", type=int, default=300)
    ap.add_argument("--pg-instances", type=int, default=400)
    ap.add_argument("--skip-pg", action="store_true")
    ap.add_argument("--mi-max", type=int, default=10_000)
    args = ap.parse_args()
    n = args.instances
    print(f"Reference permit process, {n} instances each, durable commits on SQLite (WAL)")
    print(f"  one durable SQLite commit on this disk : {durable_commit_ms():8.2f} ms")
    cf = civicflow_sqlite(n)
    print(f"  CivicFlow (SQLite file)                : {cf:8.1f} instances/s")
    sp = spiff_sqlite(n)
    print(f"  SpiffWorkflow 3.2.0 (JSON in SQLite)   : {sp:8.1f} instances/s")
    print(f"  ratio CivicFlow / SpiffWorkflow        : {cf / sp:8.2f}x")
    if not args.skip_pg:
        for workers in (1, 2, 4):
            rate = civicflow_postgres(args.pg_instances, workers)
            if rate is not None:
                print(f"  CivicFlow (PostgreSQL, {workers} process(es))  : {rate:8.1f} instances/s")
    sizes = [s for s in (10, 100, 1_000, 10_000) if s <= args.mi_max]
    costs = multi_instance_costs(sizes)
    print("Multi-instance (parallel script task), cost per item:")
    for size, ms in costs.items():
        print(f"  {size:>6} items: {ms:7.3f} ms/item")
    print(f"  ratio {sizes[-1]} vs {sizes[0]} items: {costs[sizes[-1]] / costs[sizes[0]]:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
