"""``Engine``: the public Python API. Each call is one database transaction around one
pure ``advance`` of the engine (retried a few times when another writer got there first)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, and_, or_, select, update

from civicflow.engine import commands as cmds
from civicflow.engine.clock import Clock, SystemClock
from civicflow.engine.errors import (
    BpmnError,
    ConflictError,
    DeploymentError,
    NotFoundError,
)
from civicflow.engine.graph import ProcessGraph
from civicflow.engine.queries import visible_variables
from civicflow.engine.rows import InstanceState
from civicflow.engine.runtime import new_id
from civicflow.engine.views import (
    DecisionEvaluation,
    Deployment,
    HistoryEntry,
    Incident,
    Instance,
    Job,
    Task,
)
from civicflow.engine.work import Changes
from civicflow.store import db
from civicflow.store import tables as t
from civicflow.store.migrate import upgrade
from civicflow.store.state import (
    Raw,
    SqlPort,
    apply_changes,
    incident_from_row,
    instance_from_row,
    job_from_row,
    loads,
    next_version,
    task_from_row,
    to_db,
    utc,
)

Handler = Callable[[Job], Mapping[str, Any] | None]
Source = str | bytes | Path

_CONFLICT_ATTEMPTS = 8


class Engine:
    """Durable BPMN execution on SQLite or PostgreSQL. Open with ``Engine.open(url)``."""

    def __init__(self, sql: Any, clock: Clock) -> None:
        self._sql = sql
        self.clock = clock
        self._graphs: dict[str, ProcessGraph] = {}
        self._handlers: dict[str, Handler] = {}
        self._versions: dict[str, int] = {}
        self._decision_models: dict[str, Any] = {}  # decision deployment id -> DmnModel
        self._lock = threading.Lock()
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
        self._sql.dispose()

    @property
    def dialect(self) -> str:
        return str(self._sql.dialect.name)

    # -- running commands --------------------------------------------------------------------
    def _graph(self, deployment_id: str, conn: Connection | None = None) -> ProcessGraph:
        graph = self._graphs.get(deployment_id)
        if graph is not None:
            return graph
        from civicflow.engine.compile import compile_source

        def load(c: Connection) -> Any:
            return c.execute(select(t.deployments).where(t.deployments.c.id == deployment_id)
                             ).first()

        if conn is not None:
            row = load(conn)
        else:
            with self._sql.connect() as c:
                row = load(c)
        if row is None:
            raise NotFoundError(f"There is no deployment {deployment_id}.")
        for g in compile_source(row.source):
            if g.process_id == row.process_id:
                self._graphs[deployment_id] = g
                return g
        raise NotFoundError(f"Deployment {deployment_id} no longer contains {row.process_id}.")

    def _start_events(self, kind: str, name: str, port: SqlPort) -> list[tuple[str, str]]:
        c = t.deployments.c
        latest = select(c.process_id, c.id, c.version).order_by(c.process_id, c.version.desc())
        seen: set[str] = set()
        out: list[tuple[str, str]] = []
        for row in port.conn.execute(latest):
            if row.process_id in seen:
                continue
            seen.add(row.process_id)
            graph = self._graph(row.id, port.conn)
            for s in graph.starts:
                ev = graph.node(s).event
                if ev is not None and any(p.kind == kind and p.name == name
                                          for p in ev.triggers()):
                    out.append((row.id, s))
        return out

    def _execute(self, command: cmds.Command) -> cmds.Outcome:
        return self._execute_with_changes(command)[0]

    def _execute_with_changes(self, command: cmds.Command) -> tuple[cmds.Outcome, Changes]:
        last: ConflictError | None = None
        for _ in range(_CONFLICT_ATTEMPTS):
            try:
                with self._sql.begin() as conn:
                    port = SqlPort(conn, self._start_events, self._versions,
                                   self._decision_models)
                    changes, outcome = cmds.advance(
                        port, lambda d: self._graph(d, conn), command, self.clock.now()
                    )
                    apply_changes(conn, changes)
                return outcome, changes
            except ConflictError as exc:
                last = exc
            except Exception as exc:  # serialization failures come raw from the driver too
                if not db.is_retryable(exc):
                    raise
                last = ConflictError(
                    "Someone else changed the same case at the same moment; reload it and "
                    "try again.")
        assert last is not None
        raise last

    # -- deployments ---------------------------------------------------------------------------
    def deploy(self, source: Source, *, name: str | None = None) -> list[Deployment]:
        """Deploy every executable process of a BPMN file, or every decision of a DMN file
        (path, bytes or XML text; told apart by content).

        A process or decision whose content did not change keeps its version; a changed one
        becomes n+1.
        """
        from civicflow.engine.compile import compile_source
        from civicflow.store.decisions import deploy_decisions, is_dmn

        text = _read_source(source)
        if is_dmn(text):
            with self._sql.begin() as conn:
                return deploy_decisions(conn, text, name, self.clock.now())
        graphs = compile_source(text)
        if not graphs:
            raise DeploymentError(
                "The model contains no executable process (isExecutable=\"true\"); "
                "mark the process executable in the modeler and deploy again."
            )
        out: list[Deployment] = []
        now = self.clock.now()
        with self._sql.begin() as conn:
            for graph in graphs:
                digest = hashlib.sha256(
                    (graph.process_id + "\0" + text).encode("utf-8")
                ).hexdigest()
                c = t.deployments.c
                latest = conn.execute(
                    select(t.deployments).where(c.process_id == graph.process_id)
                    .order_by(c.version.desc()).limit(1)
                ).first()
                if latest is not None and latest.content_hash == digest:
                    out.append(Deployment(latest.id, latest.process_id, latest.version,
                                          latest.name, utc(latest.deployed_at)))  # type: ignore[arg-type]
                    continue
                version = next_version(conn, graph.process_id)
                dep_id = new_id()
                conn.execute(t.deployments.insert().values(
                    id=dep_id, process_id=graph.process_id, version=version,
                    name=name or graph.name, content_hash=digest, source=text,
                    deployed_at=to_db(now)))
                self._schedule_timer_starts(conn, graph, dep_id, latest, now)
                self._graphs[dep_id] = graph
                out.append(Deployment(dep_id, graph.process_id, version, name or graph.name, now))
        return out

    def _schedule_timer_starts(self, conn: Connection, graph: ProcessGraph, dep_id: str,
                               previous: Any, now: datetime) -> None:
        """A new version's timer start events replace the previous version's (Camunda 8)."""
        c = t.jobs.c
        if previous is not None:
            conn.execute(t.jobs.delete().where(and_(c.instance_id == "",
                                                    c.token_id == previous.id)))
        jobs = cmds.timer_start_jobs(graph, dep_id, now)
        if jobs:
            apply_changes(conn, _jobs_only(jobs))

    def deployments(self) -> list[Deployment]:
        """Deployed process versions, then deployed decision versions (``kind="decision"``)."""
        from civicflow.store.decisions import decision_deployments

        with self._sql.connect() as conn:
            rows = conn.execute(select(t.deployments).order_by(
                t.deployments.c.process_id, t.deployments.c.version))
            processes = [Deployment(r.id, r.process_id, r.version, r.name, utc(r.deployed_at))  # type: ignore[arg-type]
                         for r in rows]
            return processes + decision_deployments(conn)

    def decision_evaluations(self, instance_id: str) -> list[DecisionEvaluation]:
        """Why an instance's business rule tasks decided as they did: decision, version,
        matched rules and result, in order."""
        from civicflow.store.decisions import evaluations

        with self._sql.connect() as conn:
            return evaluations(conn, instance_id)

    # -- instances -------------------------------------------------------------------------------
    def start(self, process_id: str, variables: Mapping[str, Any] | None = None, *,
              business_key: str | None = None, version: int | None = None,
              actor: str | None = None) -> Instance:
        """Start the latest (or a pinned) version of a deployed process."""
        sql = "SELECT id, version FROM cf_deployments WHERE process_id = ?"
        params: list[Any] = [process_id]
        if version is not None:
            sql += " AND version = ?"
            params.append(version)
        with self._sql.connect() as conn:
            found = Raw(conn).rows(sql + " ORDER BY version DESC LIMIT 1", params)
        row = found[0] if found else None
        if row is None:
            which = f" version {version}" if version is not None else ""
            raise NotFoundError(
                f"No process '{process_id}'{which} is deployed. Deploy the model first "
                "(civicflow deploy FILE)."
            )
        outcome, changes = self._execute_with_changes(
            cmds.StartInstance(row.id, dict(variables or {}), business_key, actor))
        assert outcome.instance_id is not None
        # everything about a new instance was written by this command: no need to read back
        inst_row = next(r for r in changes.instances[0] if r.id == outcome.instance_id)
        root_vars = {name: value for scope, name, _i, value in changes.variables_set
                     if scope == inst_row.id}
        incidents = tuple(
            Incident(r.id, r.instance_id, r.element_id, r.kind, r.message, r.created_at,
                     r.job_id, r.state)
            for r in changes.incidents[0] if r.instance_id == inst_row.id and r.state == "open")
        return Instance(inst_row.id, inst_row.process_id, inst_row.version,
                        inst_row.business_key, InstanceState(inst_row.state),
                        inst_row.started_at, inst_row.ended_at, root_vars, incidents, None)

    def instance(self, instance_id: str) -> Instance:
        """A fresh snapshot: state, variables and open incidents."""
        with self._sql.connect() as conn:
            r = conn.execute(select(t.instances).where(t.instances.c.id == instance_id)).first()
            if r is None:
                raise NotFoundError(f"There is no process instance {instance_id}.")
            row = instance_from_row(r)
            variables = SqlPort(conn).load_variables(instance_id)
            incidents = self._incidents(conn, instance_id, True)
        return Instance(row.id, row.process_id, row.version, row.business_key,
                        InstanceState(row.state), row.started_at, row.ended_at, variables,
                        tuple(incidents), row.parent_instance_id)

    def instances(self, *, process_id: str | None = None, state: str | None = None,
                  business_key: str | None = None, limit: int = 1000) -> list[Instance]:
        c = t.instances.c
        q = select(t.instances)
        if process_id is not None:
            q = q.where(c.process_id == process_id)
        if state is not None:
            q = q.where(c.state == state)
        if business_key is not None:
            q = q.where(c.business_key == business_key)
        with self._sql.connect() as conn:
            rows = [instance_from_row(r) for r in conn.execute(
                q.order_by(c.started_at, c.id).limit(limit))]
        return [Instance(r.id, r.process_id, r.version, r.business_key, InstanceState(r.state),
                         r.started_at, r.ended_at, {}, (), r.parent_instance_id) for r in rows]

    def migrate(self, instance_id: str, version: int, *,
                mappings: Mapping[str, str] | None = None) -> Instance:
        """Move a running instance to another deployed version of its process. Every element
        it rests on must exist there, under the same id or the one ``mappings`` gives
        (``{"old_id": "new_id"}``), with the same type; else ``InvalidCommandError`` names
        them. Open tasks, jobs and subscriptions follow."""
        current = self.instance(instance_id)
        c = t.deployments.c
        with self._sql.connect() as conn:
            row = conn.execute(select(c.id).where(and_(c.process_id == current.process_id,
                                                       c.version == version))).first()
        if row is None:
            raise NotFoundError(
                f"Process '{current.process_id}' has no version {version}; deploy it first.")
        self._execute(cmds.MigrateInstance(instance_id, row.id, version, dict(mappings or {})))
        return self.instance(instance_id)

    def cancel(self, instance_id: str, *, actor: str | None = None) -> None:
        """Stop a running instance (operator action); its history records the cancellations."""
        self._execute(cmds.CancelInstance(instance_id, actor))

    def set_variables(self, instance_id: str, variables: Mapping[str, Any]) -> None:
        """Set process-level variables (e.g. to fix data before retrying an incident)."""
        self._execute(cmds.SetVariables(instance_id, dict(variables)))

    def history(self, instance_id: str) -> list[HistoryEntry]:
        """The event log of one instance, in the order things happened."""
        c = t.history.c
        with self._sql.connect() as conn:
            rows = conn.execute(select(t.history).where(c.instance_id == instance_id)
                                .order_by(c.id))
            return [HistoryEntry(r.instance_id, r.process_id, r.version, r.element_id, r.name,
                                 r.element_type, r.kind, utc(r.at), r.actor, r.lane,  # type: ignore[arg-type]
                                 r.business_key) for r in rows]

    # -- user tasks ----------------------------------------------------------------------------
    def tasks(self, *, instance_id: str | None = None, assignee: str | None = None,
              candidate_group: str | None = None, element_id: str | None = None,
              process_id: str | None = None, state: str = "open",
              limit: int = 1000) -> list[Task]:
        """Open user tasks (a worklist), filterable."""
        # plain SQL: the worklist is the most frequent query of all
        where = ["t.state = ?"]
        params: list[Any] = [state]
        for column, value in (("t.instance_id", instance_id), ("t.assignee", assignee),
                              ("t.element_id", element_id), ("i.process_id", process_id)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        sql = ("SELECT t.*, i.process_id, i.business_key FROM cf_user_tasks t "
               "JOIN cf_instances i ON i.id = t.instance_id WHERE " + " AND ".join(where)
               + f" ORDER BY t.created_at, t.id LIMIT {int(limit)}")
        with self._sql.connect() as conn:
            rows = Raw(conn).rows(sql, params)
        out = []
        for r in rows:
            row = task_from_row(r)
            if candidate_group is not None and candidate_group not in row.candidate_groups:
                continue
            out.append(Task(row.id, row.element_id, row.name, row.instance_id, row.assignee,
                            tuple(row.candidate_groups), row.due, row.created_at, row.form_key,
                            row.lane, row.state, r.process_id, r.business_key,
                            row.claimed_at))
        return out

    def task_variables(self, task_id: str) -> dict[str, Any]:
        """The variables a task's form sees (its local ones, e.g. a multi-instance item, and
        every enclosing scope's)."""
        with self._sql.connect() as conn:
            port = SqlPort(conn)
            task = port.load_user_task(task_id)
            if task is None:
                raise NotFoundError(f"There is no task {task_id}.")
            return visible_variables(port, task.token_id)

    def complete(self, task_id: str, variables: Mapping[str, Any] | None = None, *,
                 actor: str | None = None) -> None:
        """Complete a user task; a second completion gets ``TaskAlreadyCompletedError``."""
        self._execute(cmds.CompleteTask(task_id, dict(variables or {}), actor))

    # -- claims (decision 0304): self-contained, re-apply as one block ---------------------------
    def claim(self, task_id: str, actor: str) -> None:
        """``actor`` takes an open task and starts working on it (history kind ``claim``).

        Claimed by or assigned to someone else: ``TaskClaimedError`` (a ``ConflictError``);
        of two simultaneous claims one wins. Claiming one's own claim again changes nothing.
        """
        from civicflow.engine.claims import ClaimTask

        self._execute(ClaimTask(task_id, actor))

    def unclaim(self, task_id: str, *, actor: str | None = None) -> None:
        """Put a claimed task back in the worklist, unassigned (history kind ``unclaim``)."""
        from civicflow.engine.claims import UnclaimTask

        self._execute(UnclaimTask(task_id, actor))

    # -- messages and signals ------------------------------------------------------------------
    def correlate(self, message_name: str, correlation_key: Any = None,
                  variables: Mapping[str, Any] | None = None, *,
                  time_to_live: timedelta = timedelta(hours=1)) -> int:
        """Deliver a message; returns how many instances received (or started from) it.

        Not received by anyone, it is buffered for ``time_to_live``.
        """
        from civicflow.engine.events import correlation_text

        key = None if correlation_key is None else correlation_text(correlation_key)
        outcome = self._execute(cmds.CorrelateMessage(message_name, key, dict(variables or {}),
                                                      time_to_live))
        return outcome.correlated

    def broadcast_signal(self, name: str, variables: Mapping[str, Any] | None = None) -> None:
        self._execute(cmds.BroadcastSignal(name, dict(variables or {})))

    # -- incidents -------------------------------------------------------------------------------
    def _incidents(self, conn: Connection, instance_id: str | None,
                   open_only: bool) -> list[Incident]:
        c = t.incidents.c
        q = select(t.incidents)
        if instance_id is not None:
            q = q.where(c.instance_id == instance_id)
        if open_only:
            q = q.where(c.state == "open")
        rows = [incident_from_row(r) for r in conn.execute(q.order_by(c.created_at, c.id))]
        return [Incident(r.id, r.instance_id, r.element_id, r.kind, r.message, r.created_at,
                         r.job_id, r.state) for r in rows]

    def incidents(self, *, instance_id: str | None = None,
                  open_only: bool = True) -> list[Incident]:
        with self._sql.connect() as conn:
            return self._incidents(conn, instance_id, open_only)

    def retry(self, incident_id: str, *, retries: int = 1) -> None:
        """Try the failed step again after fixing its cause."""
        self._execute(cmds.RetryIncident(incident_id, retries))

    # -- jobs --------------------------------------------------------------------------------------
    def register_handler(self, task_type: str, handler: Handler) -> None:
        """Run ``handler(job)`` for service tasks of ``task_type`` (``zeebe:taskDefinition``)."""
        self._handlers[task_type] = handler

    def _acquire(self, *, types: list[str] | None, timers: bool, worker_id: str,
                 max_jobs: int, lock_duration: timedelta) -> list[tuple[Any, dict[str, Any]]]:
        """Claim due jobs in one short transaction (SKIP LOCKED on PostgreSQL)."""
        now = self.clock.now()
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
        if self.dialect == "postgresql":
            q = q.with_for_update(skip_locked=True)
        for _ in range(_CONFLICT_ATTEMPTS):
            try:
                return self._claim(q, worker_id, now, lock_duration)
            except Exception as exc:
                if not db.is_retryable(exc):
                    raise
        return []

    def _claim(self, q: Any, worker_id: str, now: datetime,
               lock_duration: timedelta) -> list[tuple[Any, dict[str, Any]]]:
        c = t.jobs.c
        with self._sql.begin() as conn:
            rows = list(conn.execute(q))
            if not rows:
                return []
            conn.execute(update(t.jobs).where(c.id.in_([r.id for r in rows])).values(
                state="locked", worker_id=worker_id,
                lock_expires_at=to_db(now + lock_duration)))
            port = SqlPort(conn)
            out = []
            for r in rows:
                job = job_from_row(r)
                variables = visible_variables(port, job.token_id) if job.kind == "service" else {}
                out.append((job, variables))
            return out

    def _view(self, job: Any, variables: dict[str, Any], worker_id: str,
              lock_until: datetime | None) -> Job:
        return Job(job.id, job.type or "", job.instance_id, job.element_id, variables,
                   dict(job.headers), job.retries, job.idempotency_key, worker_id, lock_until)

    def run_due_jobs(self, *, max_jobs: int = 100, worker_id: str | None = None,
                     lock_duration: timedelta = timedelta(minutes=5),
                     until_idle: bool = True) -> int:
        """Fire due timers and run due jobs that have a registered handler, until none is due
        (or, with ``until_idle=False``, one batch of at most ``max_jobs``).

        Returns how many jobs ran. This is what one turn of a worker loop does.
        """
        worker = worker_id or self.worker_id
        ran = 0
        first = True
        while first or until_idle:
            first = False
            batch = self._acquire(types=list(self._handlers), timers=True, worker_id=worker,
                                  max_jobs=max_jobs, lock_duration=lock_duration)
            if not batch:
                return ran
            for job, variables in batch:
                ran += 1
                if job.kind == "timer":
                    self._execute(cmds.FireTimer(job.id))
                    continue
                self._run_handler(job, variables, worker)
        return ran

    def _run_handler(self, job: Any, variables: dict[str, Any], worker: str) -> None:
        handler = self._handlers[job.type]
        view = self._view(job, variables, worker, None)
        try:
            result = handler(view)
        except BpmnError as exc:
            self._report(cmds.ThrowJobError(job.id, exc.code, exc.message, worker))
            return
        except Exception as exc:  # any other failure counts a retry
            self._report(cmds.FailJob(job.id, f"{type(exc).__name__}: {exc}", None, None,
                                      worker))
            return
        self._report(cmds.CompleteJob(job.id, dict(result or {}), worker))

    def _report(self, command: cmds.Command) -> None:
        from civicflow.engine.errors import JobNotLockedError

        # taken over after our lease expired: the new holder reports instead
        with contextlib.suppress(JobNotLockedError):
            self._execute(command)

    def fetch_and_lock(self, topic: str, worker_id: str, *, max_jobs: int = 1,
                       lock_duration: timedelta = timedelta(minutes=5)) -> list[Job]:
        """External workers: claim up to ``max_jobs`` due jobs of ``topic``."""
        batch = self._acquire(types=[topic], timers=False, worker_id=worker_id,
                              max_jobs=max_jobs, lock_duration=lock_duration)
        until = self.clock.now() + lock_duration
        return [self._view(job, variables, worker_id, until) for job, variables in batch]

    def complete_job(self, job_id: str, variables: Mapping[str, Any] | None = None, *,
                     worker_id: str | None = None) -> None:
        self._execute(cmds.CompleteJob(job_id, dict(variables or {}), worker_id))

    def fail_job(self, job_id: str, error: str, *, retries: int | None = None,
                 backoff: timedelta | None = None, worker_id: str | None = None) -> None:
        """Report a failed attempt; with no retries left the job becomes an incident."""
        self._execute(cmds.FailJob(job_id, error, retries, backoff, worker_id))

    def throw_error(self, job_id: str, code: str, message: str = "", *,
                    worker_id: str | None = None) -> None:
        """Throw a BPMN error from the job's task (caught by an error boundary event)."""
        self._execute(cmds.ThrowJobError(job_id, code, message, worker_id))

    def jobs(self, *, instance_id: str | None = None) -> list[Job]:
        c = t.jobs.c
        q = select(t.jobs)
        if instance_id is not None:
            q = q.where(c.instance_id == instance_id)
        with self._sql.connect() as conn:
            rows = [job_from_row(r) for r in conn.execute(q.order_by(c.due_at, c.id))]
        return [Job(r.id, r.type or r.kind, r.instance_id, r.element_id, {}, dict(r.headers),
                    r.retries, r.idempotency_key, r.worker_id, r.lock_expires_at) for r in rows]

    def next_due(self) -> datetime | None:
        """When the next job falls due (for a worker's sleep)."""
        c = t.jobs.c
        with self._sql.connect() as conn:
            r = conn.execute(select(c.due_at).where(c.state == "ready")
                             .order_by(c.due_at).limit(1)).first()
        return utc(r.due_at) if r else None


def _jobs_only(jobs: list[Any]) -> Changes:
    empty: tuple[list[Any], list[Any], list[str]] = ([], [], [])
    return Changes(instances=empty, locked_instances={}, scopes=empty, tokens=empty,
                   user_tasks=empty, jobs=(jobs, [], []), subscriptions=empty,
                   incidents=empty, variables_set=[], variables_deleted=[],
                   variable_scopes_cleared=[], mi_values_set=[], mi_scopes_cleared=[],
                   messages_inserted=[], messages_deleted=[], history=[])


def _read_source(source: Source) -> str:
    if isinstance(source, Path):
        return source.read_text(encoding="utf-8")
    if isinstance(source, bytes):
        return source.decode("utf-8")
    if source.lstrip().startswith("<"):
        return source
    return Path(source).read_text(encoding="utf-8")


__all__ = ["Engine", "loads"]
