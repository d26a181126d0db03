"""Read-only queries behind the ``Engine`` facade: instances, worklists, history, incidents and
jobs as the frozen views of ``civicflow.engine.views``. None of them writes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from civicflow.engine.errors import NotFoundError
from civicflow.engine.queries import visible_variables
from civicflow.engine.rows import InstanceState
from civicflow.engine.views import HistoryEntry, Incident, Instance, Job, Task
from civicflow.engine.work import Changes
from civicflow.store import tables as t
from civicflow.store.convert import (
    incident_from_row,
    instance_from_row,
    job_from_row,
    task_from_row,
    utc,
)
from civicflow.store.dbapi import Raw
from civicflow.store.state import SqlPort


def instance(raw: Raw, instance_id: str) -> Instance:
    """A fresh snapshot: state, variables and open incidents."""
    port = SqlPort(raw)
    row = port.load_instance(instance_id)
    if row is None:
        raise NotFoundError(f"There is no process instance {instance_id}.")
    variables = port.load_variables(instance_id)
    rows = raw.rows("SELECT * FROM cf_incidents WHERE instance_id = ? AND state = 'open' "
                    "ORDER BY created_at, id", (instance_id,))
    open_incidents = tuple(_incident_view(incident_from_row(r)) for r in rows)
    return Instance(row.id, row.process_id, row.version, row.business_key,
                    InstanceState(row.state), row.started_at, row.ended_at, variables,
                    open_incidents, row.parent_instance_id)


def _incident_view(r: Any) -> Incident:
    return Incident(r.id, r.instance_id, r.element_id, r.kind, r.message, r.created_at,
                    r.job_id, r.state)


def started_instance(changes: Changes, instance_id: str) -> Instance:
    """The instance a start command created, from its own changes (no need to read back)."""
    inst_row = next(r for r in changes.instances[0] if r.id == instance_id)
    root_vars = {name: value for scope, name, _i, value in changes.variables_set
                 if scope == inst_row.id}
    open_incidents = tuple(
        Incident(r.id, r.instance_id, r.element_id, r.kind, r.message, r.created_at,
                 r.job_id, r.state)
        for r in changes.incidents[0] if r.instance_id == inst_row.id and r.state == "open")
    return Instance(inst_row.id, inst_row.process_id, inst_row.version,
                    inst_row.business_key, InstanceState(inst_row.state),
                    inst_row.started_at, inst_row.ended_at, root_vars, open_incidents, None)


def instances(conn: Connection, *, process_id: str | None, state: str | None,
              business_key: str | None, limit: int) -> list[Instance]:
    c = t.instances.c
    q = select(t.instances)
    if process_id is not None:
        q = q.where(c.process_id == process_id)
    if state is not None:
        q = q.where(c.state == state)
    if business_key is not None:
        q = q.where(c.business_key == business_key)
    rows = [instance_from_row(r) for r in conn.execute(q.order_by(c.started_at, c.id)
                                                        .limit(limit))]
    return [Instance(r.id, r.process_id, r.version, r.business_key, InstanceState(r.state),
                     r.started_at, r.ended_at, {}, (), r.parent_instance_id) for r in rows]


def history(conn: Connection, instance_id: str) -> list[HistoryEntry]:
    """The event log of one instance, in the order things happened."""
    c = t.history.c
    rows = conn.execute(select(t.history).where(c.instance_id == instance_id).order_by(c.id))
    return [HistoryEntry(r.instance_id, r.process_id, r.version, r.element_id, r.name,
                         r.element_type, r.kind, utc(r.at), r.actor, r.lane,  # type: ignore[arg-type]
                         r.business_key) for r in rows]


def tasks(raw: Raw, *, instance_id: str | None, assignee: str | None,
          candidate_group: str | None, element_id: str | None, process_id: str | None,
          state: str, limit: int) -> list[Task]:
    """User tasks (a worklist), filtered; plain SQL, as the most frequent query of all."""
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
    out = []
    for r in raw.rows(sql, params):
        row = task_from_row(r)
        if candidate_group is not None and candidate_group not in row.candidate_groups:
            continue
        out.append(Task(row.id, row.element_id, row.name, row.instance_id, row.assignee,
                        tuple(row.candidate_groups), row.due, row.created_at, row.form_key,
                        row.lane, row.state, r.process_id, r.business_key,
                        row.claimed_at))
    return out


def task_variables(raw: Raw, task_id: str) -> dict[str, Any]:
    """The variables a task's form sees (its local ones and every enclosing scope's)."""
    port = SqlPort(raw)
    task = port.load_user_task(task_id)
    if task is None:
        raise NotFoundError(f"There is no task {task_id}.")
    return visible_variables(port, task.token_id)


def incidents(conn: Connection, instance_id: str | None, open_only: bool) -> list[Incident]:
    c = t.incidents.c
    q = select(t.incidents)
    if instance_id is not None:
        q = q.where(c.instance_id == instance_id)
    if open_only:
        q = q.where(c.state == "open")
    return [_incident_view(incident_from_row(r))
            for r in conn.execute(q.order_by(c.created_at, c.id))]


def jobs(conn: Connection, instance_id: str | None) -> list[Job]:
    c = t.jobs.c
    q = select(t.jobs)
    if instance_id is not None:
        q = q.where(c.instance_id == instance_id)
    rows = [job_from_row(r) for r in conn.execute(q.order_by(c.due_at, c.id))]
    return [Job(r.id, r.type or r.kind, r.instance_id, r.element_id, {}, dict(r.headers),
                r.retries, r.idempotency_key, r.worker_id, r.lock_expires_at) for r in rows]


def next_due(conn: Connection) -> datetime | None:
    """When the next ready job falls due (for a worker's sleep)."""
    c = t.jobs.c
    r = conn.execute(select(c.due_at).where(c.state == "ready")
                     .order_by(c.due_at).limit(1)).first()
    return utc(r.due_at) if r else None


def deployment_of_version(conn: Connection, process_id: str, version: int) -> str | None:
    c = t.deployments.c
    row = conn.execute(select(c.id).where((c.process_id == process_id)
                                          & (c.version == version))).first()
    return None if row is None else str(row.id)
