"""Service-task handlers for the worker crash test: record a side effect, then return."""

from __future__ import annotations

import os
import time
from typing import Any

import psycopg


def register(engine: Any) -> None:
    """Called by ``civicflow worker --handlers crash_handlers``."""
    dsn = os.environ["CRASH_TEST_DSN"]
    schema = os.environ["CRASH_TEST_SCHEMA"]

    def record(job: Any) -> dict[str, Any]:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(
                f'INSERT INTO "{schema}".side_effects (idempotency_key, pid) VALUES (%s, %s)',
                (job.idempotency_key, os.getpid()),
            )
        time.sleep(0.01)  # widen the window in which a kill lands mid-job
        return {"recorded_by": os.getpid()}

    engine.register_handler("record", record)
