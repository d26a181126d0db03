"""A crew for the worker crash test: ``civicflow worker --handlers permit_crew``.

Besides registering the "check-registry" handler (which leaves a side effect in a table the test
reads), ``register`` starts a clerk thread that completes the open user tasks of the reference
permit process. A SIGKILL of the worker process therefore lands on handlers, job reports and task
completions alike. Both crews' clerks pick from the same worklist, so they sometimes try to
complete the same task; each records whether it won or lost (``ConflictError``), and the test
checks that no task has two winners.
"""

from __future__ import annotations

import os
import random
import threading
import time
from typing import Any

import psycopg

PROCESS = "permit_application"


def _connect() -> psycopg.Connection[Any]:
    conn = psycopg.connect(os.environ["CRASH_TEST_DSN"], autocommit=True,
                           options=f"-csearch_path={os.environ['CRASH_TEST_SCHEMA']}")
    return conn


def register(engine: Any) -> None:
    """Called by ``civicflow worker --handlers permit_crew`` with the worker's engine."""
    local = threading.local()

    def side_effects() -> psycopg.Connection[Any]:
        if getattr(local, "conn", None) is None:
            local.conn = _connect()
        return local.conn  # type: ignore[no-any-return]

    def check_registry(job: Any) -> dict[str, Any]:
        side_effects().execute(
            "INSERT INTO crash_side_effects (idempotency_key, instance_id, pid) "
            "VALUES (%s, %s, %s)", (job.idempotency_key, job.instance_id, os.getpid()))
        time.sleep(0.002)  # a moment between the side effect and the report: a kill lands here
        ok = job.variables["case_seq"] % 97 != 0
        return {"registry_ok": ok, "check_result": "auto-ok" if ok else "auto-flag"}

    engine.register_handler("check-registry", check_registry)
    threading.Thread(target=_clerk, args=(engine,), daemon=True, name="clerk").start()


def _clerk(engine: Any) -> None:
    """Complete open tasks forever, a few at random at a time; record wins and lost races."""
    from civicflow.engine.errors import ConflictError

    log = _connect()
    actor = f"clerk-{os.getpid()}"
    pick = random.Random(os.getpid()).sample
    while True:
        tasks = engine.tasks(process_id=PROCESS, limit=60)
        if not tasks:
            time.sleep(0.05)
            continue
        # a few at random from the same worklist: the other clerk sometimes picks one of them
        for task in pick(tasks, min(len(tasks), 6)):
            answer = {"review_ok": True} if task.element_id == "manual_review" else {
                "approved": True}
            try:
                engine.complete(task.id, answer, actor=actor)
            except ConflictError:
                outcome = "lost"
            else:
                outcome = "won"
            log.execute("INSERT INTO crash_clerk_log (task_id, outcome, pid) VALUES (%s, %s, %s)",
                        (task.id, outcome, os.getpid()))
