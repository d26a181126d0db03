"""Engine benchmark: the reference permit process on CivicFlow and on SpiffWorkflow 3.2.0.

Runs in one process, one after the other, on the same machine:
  1. CivicFlow on a SQLite file (WAL, synchronous=FULL: every command commits durably), driven
     by 1 caller and by N concurrent callers (threads sharing one Engine: their commands share
     durable commits, see docs/decisions/0302).
  2. SpiffWorkflow with persistence as an application must do it: the serialized workflow
     written to a SQLite file (WAL, synchronous=FULL) at each wait state, driven by the same
     number of threads (each thread its own connection; each save its own durable commit).
  3. CivicFlow on PostgreSQL with 1, 2 and 4 driver processes, each driven by 1 caller and by
     several threads (skipped if the server is down).
  4. CivicFlow multi-instance cost per item at 10, 100, 1,000 and 10,000 items.

With ``--one-core`` the SQLite rows run a second time with the process's threads on one CPU
(both engines alike): CPython threads then pass the GIL without crossing cores, which is what a
server process fronting an engine on SQLite can do too (``taskset``).

Usage: .venv/bin/python benchmarks/engine_bench.py [--instances N] [--threads 1,8,32]
       [--pg-instances N] [--pg-threads 1,8] [--skip-pg] [--mi-max N] [--one-core]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
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


def _in_threads(threads: int, n: int, drive: Callable[[int, int], None]) -> tuple[float, float]:
    """Split ``n`` instances over ``threads`` callers started together; (wall seconds, CPU
    seconds of the whole process meanwhile)."""
    share = n // threads
    go = threading.Barrier(threads + 1)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        go.wait()
        try:
            drive(10 + i * share, share)
        except BaseException as exc:  # reported below: a benchmark must not hide a failure
            errors.append(exc)

    pool = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for th in pool:
        th.start()
    go.wait()
    start, cpu = time.perf_counter(), time.process_time()
    for th in pool:
        th.join()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    if errors:
        raise errors[0]
    return elapsed, cpu


def civicflow_sqlite(n: int, threads: int = 1) -> tuple[float, float]:
    """(Instances per second, CPU ms per instance); ``threads`` callers share one Engine
    (and its commits)."""
    from civicflow import Engine

    n -= n % threads
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine.open(f"sqlite:///{tmp}/bench.db")
        engine.deploy(MODEL)
        _drive(engine, 0, 5)  # warm up caches
        elapsed, cpu = _in_threads(threads, n,
                                   lambda first, count: _drive(engine, first, count))
        done = len(engine.instances(state="completed", limit=n + 10))
        assert done == n + 5, f"only {done} instances completed"
        engine.close()
    return n / elapsed, cpu / n * 1000


def spiff_sqlite(n: int, threads: int = 1) -> tuple[float, float]:
    """(Instances per second, CPU ms per instance); each thread has its own connection, each
    save its own durable commit (SQLite serialises the writers)."""
    from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser
    from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
    from SpiffWorkflow.util.task import TaskState

    parser = BpmnParser()
    parser.add_bpmn_file(str(SPIFF_MODEL))
    spec = parser.get_spec("permit_application")
    n -= n % threads
    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/spiff.db"

        def connect() -> sqlite3.Connection:
            db = sqlite3.connect(path, timeout=60, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            return db

        setup = connect()
        setup.execute("CREATE TABLE wf (id TEXT PRIMARY KEY, state TEXT, data TEXT)")
        setup.commit()

        def drive(first: int, count: int) -> None:
            db = connect()
            serializer = BpmnWorkflowSerializer()

            def save(wf_id: str, wf: Any) -> None:
                state = "completed" if wf.is_completed() else "active"
                db.execute("INSERT OR REPLACE INTO wf VALUES (?, ?, ?)",
                           (wf_id, state, serializer.serialize_json(wf)))
                db.commit()

            for seq in range(first, first + count):
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
            db.close()

        drive(100_000, 5)  # warm up
        elapsed, cpu = _in_threads(threads, n, drive)
        done = setup.execute("SELECT count(*) FROM wf WHERE state = 'completed'").fetchone()[0]
        assert done == n + 5, f"only {done} Spiff instances completed"
        setup.close()
    return n / elapsed, cpu / n * 1000


def _pg_child(url: str, first: int, count: int, threads: int, ready: Any, go: Any) -> None:
    from civicflow import Engine

    engine = Engine.open(url, migrate=False)
    _drive(engine, first + 1_000_000, 1)  # warm up: imports, graph cache, connection
    ready.release()
    go.wait()
    share = count // threads
    pool = [threading.Thread(target=_drive, args=(engine, first + i * share, share))
            for i in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    engine.close()


def civicflow_postgres(n: int, workers: int, threads: int = 1) -> float | None:
    """Instances per second with ``workers`` processes of ``threads`` callers each."""
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
        share -= share % threads
        ready = ctx.Semaphore(0)
        go = ctx.Event()
        procs = [ctx.Process(target=_pg_child,
                             args=(url, i * share, share, threads, ready, go))
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


def _counts(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x]


def sqlite_rows(n: int, thread_counts: list[int], skip_spiff: bool) -> None:
    print("  callers   CivicFlow/s   SpiffWorkflow/s   ratio   CPU ms/instance (CivicFlow, Spiff)")
    for threads in thread_counts:
        cf, cf_cpu = civicflow_sqlite(n, threads)
        sp, sp_cpu = (None, None) if skip_spiff else spiff_sqlite(n, threads)
        spiff = "-" if sp is None else f"{sp:15.1f}"
        ratio = "-" if sp is None else f"{cf / sp:6.2f}x"
        spiff_cpu = "-" if sp_cpu is None else f"{sp_cpu:.2f}"
        print(f"  {threads:>7}   {cf:11.1f}   {spiff:>15}   {ratio:>6}   "
              f"({cf_cpu:.2f}, {spiff_cpu})")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--instances", type=int, default=300)
    ap.add_argument("--threads", type=_counts, default=[1, 8, 32],
                    help="concurrent callers for the SQLite rows (comma-separated)")
    ap.add_argument("--pg-instances", type=int, default=400)
    ap.add_argument("--pg-threads", type=_counts, default=[1, 8],
                    help="callers per PostgreSQL driver process (comma-separated)")
    ap.add_argument("--skip-pg", action="store_true")
    ap.add_argument("--skip-spiff", action="store_true")
    ap.add_argument("--mi-max", type=int, default=10_000)
    ap.add_argument("--one-core", action="store_true",
                    help="also run the SQLite rows with every thread on one CPU")
    args = ap.parse_args()
    n = args.instances
    print(f"Reference permit process, {n} instances per row, durable commits on SQLite (WAL)")
    print(f"  one durable SQLite commit on this disk : {durable_commit_ms():8.2f} ms")
    sqlite_rows(n, args.threads, args.skip_spiff)
    if args.one_core:
        everywhere = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {min(everywhere)})  # threads started later inherit it
        print("The same, every thread of this process on one CPU:")
        try:
            sqlite_rows(n, args.threads, args.skip_spiff)
        finally:
            os.sched_setaffinity(0, everywhere)
    if not args.skip_pg:
        print(f"CivicFlow on PostgreSQL, {args.pg_instances} instances per row")
        for threads in args.pg_threads:
            for workers in (1, 2, 4):
                rate = civicflow_postgres(args.pg_instances, workers, threads)
                if rate is not None:
                    print(f"  {workers} process(es) x {threads:>2} caller(s): "
                          f"{rate:8.1f} instances/s")
    sizes = [s for s in (10, 100, 1_000, 10_000) if s <= args.mi_max]
    if sizes:
        costs = multi_instance_costs(sizes)
        print("Multi-instance (parallel script task), cost per item:")
        for size, ms in costs.items():
            print(f"  {size:>6} items: {ms:7.3f} ms/item")
        print(f"  ratio {sizes[-1]} vs {sizes[0]} items: "
              f"{costs[sizes[-1]] / costs[sizes[0]]:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
