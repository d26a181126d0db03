"""Jobs: claiming due jobs with a lease, running registered handlers, external workers.

A job is claimed in one short transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite
takes the write lock at BEGIN), then its handler runs outside any transaction, and its result
is reported as an ordinary engine command. A worker that dies holding a lease loses nothing:
the job is due again when the lease expires (handlers run at least once).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update

from civicflow.engine import commands as cmds
from civicflow.engine.errors import BpmnError, JobNotLockedError
from civicflow.engine.queries import visible_variables
from civicflow.engine.views import Job
from civicflow.store import db
from civicflow.store import tables as t
from civicflow.store.convert import job_from_row, to_db
from civicflow.store.runner import CONFLICT_ATTEMPTS, CommandRunner
from civicflow.store.state import SqlPort

Handler = Callable[[Job], Mapping[str, Any] | None]
Claimed = list[tuple[Any, dict[str, Any]]]  # (JobRow, variables the job sees)


def acquire(runner: CommandRunner, *, types: list[str] | None, timers: bool, worker_id: str,
            max_jobs: int, lock_duration: timedelta) -> Claimed:
    """Claim up to ``max_jobs`` due jobs (timers and/or service jobs of ``types``)."""
    now = runner.clock.now()
    c = t.jobs.c
    kinds = []
    if timers:
        kinds.append(c.kind == "timer")
    if types:
        kinds.append(and_(c.kind == "service", c.type.in_(types)))
    if not kinds:
        return []
    due = or_(and_(c.state == "ready", c.due_at <= to_db(now)),
              and_(c.state == "locked", c.lock_expires_at <= to_db(now)))
    q = select(t.jobs).where(and_(due, or_(*kinds))).order_by(c.due_at).limit(max_jobs)
    if runner.sql.dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True)
    for _ in range(CONFLICT_ATTEMPTS):
        try:
            return _claim(runner, q, worker_id, now, lock_duration)
        except Exception as exc:
            if not db.is_retryable(exc):
                raise
    return []


def _claim(runner: CommandRunner, q: Any, worker_id: str, now: datetime,
           lock_duration: timedelta) -> Claimed:
    c = t.jobs.c
    with runner.sql.begin() as conn:
        rows = list(conn.execute(q))
        if not rows:
            return []
        conn.execute(update(t.jobs).where(c.id.in_([r.id for r in rows])).values(
            state="locked", worker_id=worker_id,
            lock_expires_at=to_db(now + lock_duration)))
        port = SqlPort.of(conn)
        out = []
        for r in rows:
            job = job_from_row(r)
            variables = visible_variables(port, job.token_id) if job.kind == "service" else {}
            out.append((job, variables))
        return out


def view(job: Any, variables: dict[str, Any], worker_id: str | None,
         lock_until: datetime | None) -> Job:
    """What a handler or external worker sees of a claimed job."""
    return Job(job.id, job.type or "", job.instance_id, job.element_id, variables,
               dict(job.headers), job.retries, job.idempotency_key, worker_id, lock_until)


def run_due_jobs(runner: CommandRunner, handlers: Mapping[str, Handler], *, max_jobs: int,
                 worker_id: str, lock_duration: timedelta, until_idle: bool) -> int:
    """Fire due timers and run due handler jobs; returns how many jobs ran.

    The results of a batch are reported together, so they share one durable commit (each in
    its own savepoint); a report waits at most ``REPORT_DELAY`` behind the handler that
    produced it, so slow handlers do not hold finished results back near their lease.
    """
    ran = 0
    first = True
    while first or until_idle:
        first = False
        batch = acquire(runner, types=list(handlers), timers=True, worker_id=worker_id,
                        max_jobs=max_jobs, lock_duration=lock_duration)
        if not batch:
            return ran
        reports: list[cmds.Command] = []
        since = time.monotonic()
        for job, variables in batch:
            ran += 1
            if not reports:
                since = time.monotonic()
            if job.kind == "timer":
                reports.append(cmds.FireTimer(job.id))
            else:
                reports.append(_run_handler(handlers[job.type], job, variables, worker_id))
            if time.monotonic() - since > REPORT_DELAY:
                _report(runner, reports)
                reports = []
        _report(runner, reports)
    return ran


REPORT_DELAY = 0.05  # seconds


def _run_handler(handler: Handler, job: Any, variables: dict[str, Any],
                 worker: str) -> cmds.Command:
    """Run the handler; the command that reports its outcome."""
    try:
        result = handler(view(job, variables, worker, None))
    except BpmnError as exc:
        return cmds.ThrowJobError(job.id, exc.code, exc.message, worker)
    except Exception as exc:  # any other failure counts a retry
        return cmds.FailJob(job.id, f"{type(exc).__name__}: {exc}", None, None, worker)
    return cmds.CompleteJob(job.id, dict(result or {}), worker)


def _report(runner: CommandRunner, commands: list[cmds.Command]) -> None:
    """Run the reports in shared commits; a report on a job taken over after our lease
    expired is dropped (the new holder reports instead), any other error is raised."""
    if not commands:
        return
    for outcome in runner.execute_many(commands):
        if isinstance(outcome, BaseException) and not isinstance(outcome, JobNotLockedError):
            raise outcome
