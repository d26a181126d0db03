"""``Engine``: the public Python API, a thin facade.

Each command method is one database transaction around one pure ``advance`` of the engine
(``store.runner``); reads are in ``store.reads``, deployment in ``store.deploy``, job claiming
and handlers in ``store.jobs``. New public methods go here and delegate.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from civicflow.engine import arguments as args
from civicflow.engine import commands as cmds
from civicflow.engine.clock import Clock, SystemClock
from civicflow.engine.errors import NotFoundError
from civicflow.engine.views import (
    DecisionEvaluation,
    Deployment,
    HistoryEntry,
    Incident,
    Instance,
    Job,
    PendingStart,
    Task,
)
from civicflow.store import db, reads
from civicflow.store import jobs as job_ops
from civicflow.store.convert import loads
from civicflow.store.deploy import Source, deploy_bundle, find_deployment, read_source
from civicflow.store.jobs import Handler
from civicflow.store.migrate import upgrade
from civicflow.store.runner import CommandRunner

#: how long a message nobody received waits for a receiver when its publisher said nothing
DEFAULT_MESSAGE_BUFFER = timedelta(hours=1)


class Engine:
    """Durable BPMN execution on SQLite or PostgreSQL. Open with ``Engine.open(url)``."""

    def __init__(self, sql: Any, clock: Clock) -> None:
        self._sql = sql
        self.clock = clock
        self._runner = CommandRunner(sql, clock)
        self._handlers: dict[str, Handler] = {}
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"

    # -- lifecycle ---------------------------------------------------------------------------
    @classmethod
    def open(cls, url: str | None = None, *, clock: Clock | None = None,
             migrate: bool = True) -> Engine:
        """Connect (``None``: a private in-memory database, for tests) and migrate the schema."""
        sql = db.connect(url)
        if migrate:
            upgrade(sql)
        return cls(sql, clock or SystemClock())

    def close(self) -> None:
        self._runner.close()
        self._sql.dispose()

    @property
    def dialect(self) -> str:
        return str(self._sql.dialect.name)

    def _execute(self, command: cmds.Command) -> cmds.Outcome:
        return self._runner.execute(command)[0]

    # -- deployments ---------------------------------------------------------------------------
    def deploy(self, source: Source, *more: Source, name: str | None = None) -> list[Deployment]:
        """Deploy every executable process of a BPMN file, or every decision of a DMN file
        (path, bytes or XML text; told apart by content); several files are deployed together,
        in one transaction: all or nothing.

        A process or decision whose content did not change keeps its version; a changed one
        becomes n+1. Files deployed by one call are a bundle: binding type "deployment" binds
        a process to the decisions and processes of its bundle, and if any file of a bundle
        changed, every file of it gets a new version (decision 0311).
        """
        sources = (source, *more)
        texts = [read_source(item) for item in sources]
        # with several files, an error says which one it is about
        labels = [_source_label(item, i) for i, item in enumerate(sources, 1)] if more else None
        with self._sql.begin() as conn:
            return deploy_bundle(conn, texts, name, self.clock.now(), self._runner.graphs,
                                 labels=labels)

    def deployments(self) -> list[Deployment]:
        """Deployed process versions, then deployed decision versions (``kind="decision"``)."""
        from civicflow.store.deploy import deployments

        with self._sql.connect() as conn:
            return deployments(conn)

    def decision_evaluations(self, instance_id: str) -> list[DecisionEvaluation]:
        """Why an instance's business rule tasks decided as they did: decision, version,
        matched rules and result, in order."""
        from civicflow.store.decisions import evaluations

        instance_id = args.text("instance_id", instance_id)
        with self._sql.connect() as conn:
            return evaluations(conn, instance_id)

    # -- instances -------------------------------------------------------------------------------
    def start(self, process_id: str, variables: Mapping[str, Any] | None = None, *,
              business_key: str | None = None, version: int | None = None,
              actor: str | None = None) -> Instance:
        """Start the latest (or a pinned) version of a deployed process."""
        process_id = args.text("process_id", process_id)
        values = args.variables(variables)
        business_key = args.optional_text("business_key", business_key)
        version = None if version is None else args.version(version)
        actor = args.optional_text("actor", actor)
        deployment_id = self._runner.read(lambda raw: find_deployment(raw, process_id, version))
        if deployment_id is None:
            which = f" version {version}" if version is not None else ""
            raise NotFoundError(
                f"No process '{process_id}'{which} is deployed. Deploy the model first "
                "(civicflow deploy FILE)."
            )
        outcome, changes = self._runner.execute(
            cmds.StartInstance(deployment_id, values, business_key, actor))
        assert outcome.instance_id is not None
        return reads.started_instance(changes, outcome.instance_id)

    def instance(self, instance_id: str) -> Instance:
        """A fresh snapshot: state, variables and open incidents."""
        instance_id = args.text("instance_id", instance_id)
        with self._runner.reading() as raw:
            return reads.instance(raw, instance_id)

    def instances(self, *, process_id: str | None = None, state: str | None = None,
                  business_key: str | None = None, limit: int = 1000) -> list[Instance]:
        process_id = args.optional_text("process_id", process_id)
        state = args.optional_text("state", state)
        business_key = args.optional_text("business_key", business_key)
        with self._sql.connect() as conn:
            return reads.instances(conn, process_id=process_id, state=state,
                                   business_key=business_key, limit=limit)

    def migrate(self, instance_id: str, version: int, *,
                mappings: Mapping[str, str] | None = None) -> Instance:
        """Move a running instance to another deployed version of its process. Every element
        it rests on must exist there, under the same id or the one ``mappings`` gives
        (``{"old_id": "new_id"}``), with the same type; else ``InvalidCommandError`` names
        them. Open tasks, jobs and subscriptions follow."""
        instance_id = args.text("instance_id", instance_id)
        version = args.version(version)
        pairs = args.id_mappings(mappings)
        current = self.instance(instance_id)
        with self._sql.connect() as conn:
            deployment_id = reads.deployment_of_version(conn, current.process_id, version)
        if deployment_id is None:
            raise NotFoundError(
                f"Process '{current.process_id}' has no version {version}; deploy it first.")
        self._execute(cmds.MigrateInstance(instance_id, deployment_id, version, pairs))
        return self.instance(instance_id)

    def cancel(self, instance_id: str, *, actor: str | None = None) -> None:
        """Stop a running instance (operator action); its history records the cancellations."""
        self._execute(cmds.CancelInstance(args.text("instance_id", instance_id),
                                          args.optional_text("actor", actor)))

    def set_variables(self, instance_id: str, variables: Mapping[str, Any]) -> None:
        """Set process-level variables (e.g. to fix data before retrying an incident)."""
        self._execute(cmds.SetVariables(args.text("instance_id", instance_id),
                                        args.variables(variables)))

    def history(self, instance_id: str) -> list[HistoryEntry]:
        """The event log of one instance, in the order things happened."""
        instance_id = args.text("instance_id", instance_id)
        with self._sql.connect() as conn:
            return reads.history(conn, instance_id)

    # -- user tasks ----------------------------------------------------------------------------
    def tasks(self, *, instance_id: str | None = None, assignee: str | None = None,
              candidate_group: str | None = None, element_id: str | None = None,
              process_id: str | None = None, state: str = "open",
              limit: int = 1000) -> list[Task]:
        """Open user tasks (a worklist), filterable."""
        for name, value in (("instance_id", instance_id), ("assignee", assignee),
                            ("candidate_group", candidate_group), ("element_id", element_id),
                            ("process_id", process_id)):
            args.optional_text(name, value)
        state = args.text("state", state)
        return self._runner.read(lambda raw: reads.tasks(
            raw, instance_id=instance_id, assignee=assignee, candidate_group=candidate_group,
            element_id=element_id, process_id=process_id, state=state, limit=limit))

    def task_variables(self, task_id: str) -> dict[str, Any]:
        """The variables a task's form sees (its local ones, e.g. a multi-instance item, and
        every enclosing scope's)."""
        task_id = args.text("task_id", task_id)
        with self._runner.reading() as raw:
            return reads.task_variables(raw, task_id)

    def complete(self, task_id: str, variables: Mapping[str, Any] | None = None, *,
                 actor: str | None = None) -> None:
        """Complete a user task; a second completion gets ``TaskAlreadyCompletedError``."""
        self._execute(cmds.CompleteTask(args.text("task_id", task_id), args.variables(variables),
                                        args.optional_text("actor", actor)))

    # -- claims (decision 0304): self-contained, re-apply as one block ---------------------------
    def claim(self, task_id: str, actor: str) -> None:
        """``actor`` takes an open task and starts working on it (history kind ``claim``).

        Claimed by or assigned to someone else: ``TaskClaimedError`` (a ``ConflictError``);
        of two simultaneous claims one wins. Claiming one's own claim again changes nothing.
        """
        from civicflow.engine.claims import ClaimTask

        self._execute(ClaimTask(args.text("task_id", task_id), args.text("actor", actor)))

    def unclaim(self, task_id: str, *, actor: str | None = None) -> None:
        """Put a claimed task back in the worklist, unassigned (history kind ``unclaim``)."""
        from civicflow.engine.claims import UnclaimTask

        self._execute(UnclaimTask(args.text("task_id", task_id),
                                  args.optional_text("actor", actor)))

    # -- messages and signals ------------------------------------------------------------------
    def correlate(self, message_name: str, correlation_key: Any = None,
                  variables: Mapping[str, Any] | None = None, *,
                  time_to_live: timedelta | None = None) -> int:
        """Deliver a message; returns how many instances received (or started from) it.

        Not received by anyone, it is buffered for ``time_to_live`` (an hour when not
        given; zero: not buffered). Taken as one part of a parallel multiple start event, it
        keeps that pending start open at most the ``time_to_live`` its publisher gave (not
        given or zero: no limit, so a part never vanishes behind a default; decision 0303).
        """
        from civicflow.engine.events import correlation_text

        message_name = args.text("message_name", message_name)
        values = args.variables(variables)
        key = None if correlation_key is None else correlation_text(correlation_key)
        buffered = DEFAULT_MESSAGE_BUFFER if time_to_live is None else time_to_live
        outcome = self._execute(cmds.CorrelateMessage(
            message_name, key, values, buffered,
            pending_ttl=time_to_live or timedelta(0)))
        return outcome.correlated

    def broadcast_signal(self, name: str, variables: Mapping[str, Any] | None = None) -> None:
        self._execute(cmds.BroadcastSignal(args.text("name", name), args.variables(variables)))

    def pending_starts(self, process_id: str | None = None) -> list[PendingStart]:
        """Parallel multiple start events waiting for their other triggers, oldest first: which
        parts occurred, which are missing, and when it expires (None: never). Expired ones
        are not shown (decision 0303)."""
        from civicflow.store.dbapi import Raw
        from civicflow.store.pending_starts import pending_starts

        process_id = args.optional_text("process_id", process_id)
        with self._sql.connect() as conn:
            raw = Raw.of(conn)
            return pending_starts(conn, lambda dep: self._runner.graph(dep, raw),
                                  self.clock.now(), process_id=process_id)

    def withdraw_pending_start(self, pending_id: str) -> PendingStart:
        """Forget the triggers a pending start collected (no instance starts); returns what
        was withdrawn. An unknown, started or expired one: ``NotFoundError``."""
        from civicflow.store.dbapi import Raw
        from civicflow.store.pending_starts import withdraw

        pending_id = args.text("pending_id", pending_id)
        with self._sql.begin() as conn:
            raw = Raw.of(conn)
            return withdraw(conn, lambda dep: self._runner.graph(dep, raw), self.clock.now(),
                            pending_id)

    # -- incidents -------------------------------------------------------------------------------
    def incidents(self, *, instance_id: str | None = None,
                  open_only: bool = True) -> list[Incident]:
        instance_id = args.optional_text("instance_id", instance_id)
        with self._sql.connect() as conn:
            return reads.incidents(conn, instance_id, open_only)

    def retry(self, incident_id: str, *, retries: int = 1) -> None:
        """Try the failed step again after fixing its cause."""
        self._execute(cmds.RetryIncident(args.text("incident_id", incident_id), retries))

    # -- jobs --------------------------------------------------------------------------------------
    def register_handler(self, task_type: str, handler: Handler) -> None:
        """Run ``handler(job)`` for service tasks of ``task_type`` (``zeebe:taskDefinition``)."""
        self._handlers[task_type] = handler

    def run_due_jobs(self, *, max_jobs: int = 100, worker_id: str | None = None,
                     lock_duration: timedelta = timedelta(minutes=5),
                     until_idle: bool = True) -> int:
        """Fire due timers and run due jobs that have a registered handler, until none is due
        (or, with ``until_idle=False``, one batch of at most ``max_jobs``).

        Returns how many jobs ran. This is what one turn of a worker loop does.
        """
        return job_ops.run_due_jobs(self._runner, self._handlers, max_jobs=max_jobs,
                                    worker_id=worker_id or self.worker_id,
                                    lock_duration=lock_duration, until_idle=until_idle)

    def fetch_and_lock(self, topic: str, worker_id: str, *, max_jobs: int = 1,
                       lock_duration: timedelta = timedelta(minutes=5)) -> list[Job]:
        """External workers: claim up to ``max_jobs`` due jobs of ``topic``."""
        topic = args.text("topic", topic)
        worker_id = args.text("worker_id", worker_id)
        batch = job_ops.acquire(self._runner, types=[topic], timers=False, worker_id=worker_id,
                                max_jobs=max_jobs, lock_duration=lock_duration)
        until = self.clock.now() + lock_duration
        return [job_ops.view(job, variables, worker_id, until) for job, variables in batch]

    def complete_job(self, job_id: str, variables: Mapping[str, Any] | None = None, *,
                     worker_id: str | None = None) -> None:
        self._execute(cmds.CompleteJob(args.text("job_id", job_id), args.variables(variables),
                                       args.optional_text("worker_id", worker_id)))

    def fail_job(self, job_id: str, error: str, *, retries: int | None = None,
                 backoff: timedelta | None = None, worker_id: str | None = None) -> None:
        """Report a failed attempt; with no retries left the job becomes an incident."""
        self._execute(cmds.FailJob(args.text("job_id", job_id), str(error), retries, backoff,
                                   args.optional_text("worker_id", worker_id)))

    def throw_error(self, job_id: str, code: str, message: str = "", *,
                    worker_id: str | None = None) -> None:
        """Throw a BPMN error from the job's task (caught by an error boundary event)."""
        self._execute(cmds.ThrowJobError(args.text("job_id", job_id), args.text("code", code),
                                         str(message), args.optional_text("worker_id", worker_id)))

    def jobs(self, *, instance_id: str | None = None) -> list[Job]:
        instance_id = args.optional_text("instance_id", instance_id)
        with self._sql.connect() as conn:
            return reads.jobs(conn, instance_id)

    def next_due(self) -> datetime | None:
        """When the next job falls due (for a worker's sleep)."""
        with self._sql.connect() as conn:
            return reads.next_due(conn)


__all__ = ["Engine", "loads"]


def _source_label(source: Source, position: int) -> str:
    """How an error names one of several deployed files: its path, else its position."""
    if isinstance(source, Path):
        return str(source)
    if isinstance(source, str) and not source.lstrip().startswith("<"):
        return source
    return f"file {position}"
