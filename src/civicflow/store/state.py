"""The engine's ``StatePort`` in SQL, and applying a command's ``Changes`` in one transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Table, and_, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from civicflow.engine.errors import ConflictError
from civicflow.engine.rows import (
    IncidentRow,
    InstanceRow,
    JobRow,
    MessageRow,
    ScopeRow,
    SubscriptionRow,
    TokenRow,
    UserTaskRow,
)
from civicflow.engine.work import Changes
from civicflow.store import tables as t


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=_json_default, ensure_ascii=False)


def loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def utc(value: datetime | None) -> datetime | None:
    """Datetimes read back from SQLite are naive UTC; PostgreSQL's may be in another zone."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def to_db(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC)


def _inst(r: Any) -> InstanceRow:
    return InstanceRow(r.id, r.deployment_id, r.process_id, r.version, r.business_key, r.state,
                       utc(r.started_at), utc(r.ended_at), r.parent_instance_id,  # type: ignore[arg-type]
                       r.parent_token_id, r.lock_version)


def _scope(r: Any) -> ScopeRow:
    return ScopeRow(r.id, r.instance_id, r.parent_id, r.token_id, r.element_id, r.kind,
                    loads(r.data) or {})


def _token(r: Any) -> TokenRow:
    return TokenRow(r.id, r.instance_id, r.scope_id, r.element_id, r.state, r.flow_id,
                    r.local_scope_id, utc(r.created_at))  # type: ignore[arg-type]


def _task(r: Any) -> UserTaskRow:
    return UserTaskRow(r.id, r.instance_id, r.token_id, r.element_id, r.name, r.assignee,
                       loads(r.candidate_groups) or [], r.form_key, r.lane, utc(r.due),
                       utc(r.created_at), r.state, r.completed_by,  # type: ignore[arg-type]
                       utc(r.completed_at))


def _job(r: Any) -> JobRow:
    return JobRow(r.id, r.instance_id, r.token_id, r.element_id, r.kind, r.type,
                  loads(r.headers) or {}, loads(r.data) or {}, utc(r.due_at),  # type: ignore[arg-type]
                  r.retries, r.state, r.worker_id, utc(r.lock_expires_at), r.error,
                  r.idempotency_key)


def _sub(r: Any) -> SubscriptionRow:
    return SubscriptionRow(r.id, r.instance_id, r.token_id, r.element_id, r.kind, r.name,
                           r.correlation_key, utc(r.created_at))  # type: ignore[arg-type]


def _incident(r: Any) -> IncidentRow:
    return IncidentRow(r.id, r.instance_id, r.token_id, r.job_id, r.element_id, r.kind,
                       r.message, utc(r.created_at), r.state,  # type: ignore[arg-type]
                       utc(r.resolved_at))


def instance_from_row(r: Any) -> InstanceRow:
    return _inst(r)


def task_from_row(r: Any) -> UserTaskRow:
    return _task(r)


def job_from_row(r: Any) -> JobRow:
    return _job(r)


def incident_from_row(r: Any) -> IncidentRow:
    return _incident(r)


class SqlPort:
    """Reads for one command, on the command's connection (inside its transaction)."""

    def __init__(self, conn: Connection, start_events: Any = None) -> None:
        self.conn = conn
        self._start_events = start_events

    def _one(self, table: Table, key: str) -> Any:
        return self.conn.execute(select(table).where(table.c.id == key)).first()

    def load_instance(self, instance_id: str) -> InstanceRow | None:
        r = self._one(t.instances, instance_id)
        return _inst(r) if r else None

    def load_scope(self, scope_id: str) -> ScopeRow | None:
        r = self._one(t.scopes, scope_id)
        return _scope(r) if r else None

    def load_child_scopes(self, scope_id: str) -> list[ScopeRow]:
        rows = self.conn.execute(select(t.scopes).where(t.scopes.c.parent_id == scope_id))
        return [_scope(r) for r in rows]

    def load_token(self, token_id: str) -> TokenRow | None:
        r = self._one(t.tokens, token_id)
        return _token(r) if r else None

    def load_tokens_in_scope(self, scope_id: str) -> list[TokenRow]:
        rows = self.conn.execute(select(t.tokens).where(t.tokens.c.scope_id == scope_id))
        return [_token(r) for r in rows]

    def load_variables(self, scope_id: str) -> dict[str, Any]:
        rows = self.conn.execute(
            select(t.variables.c.name, t.variables.c.value).where(
                t.variables.c.scope_id == scope_id
            )
        )
        return {r.name: loads(r.value) for r in rows}

    def load_user_task(self, task_id: str) -> UserTaskRow | None:
        r = self._one(t.user_tasks, task_id)
        return _task(r) if r else None

    def load_user_tasks_of_token(self, token_id: str) -> list[UserTaskRow]:
        rows = self.conn.execute(
            select(t.user_tasks).where(
                and_(t.user_tasks.c.token_id == token_id, t.user_tasks.c.state == "open")
            )
        )
        return [_task(r) for r in rows]

    def load_job(self, job_id: str) -> JobRow | None:
        r = self._one(t.jobs, job_id)
        return _job(r) if r else None

    def load_jobs_of_token(self, token_id: str) -> list[JobRow]:
        rows = self.conn.execute(select(t.jobs).where(t.jobs.c.token_id == token_id))
        return [_job(r) for r in rows]

    def load_subscriptions_of_token(self, token_id: str) -> list[SubscriptionRow]:
        rows = self.conn.execute(
            select(t.subscriptions).where(t.subscriptions.c.token_id == token_id)
        )
        return [_sub(r) for r in rows]

    def load_subscriptions_by_name(
        self, kind: str, name: str, correlation_key: str | None
    ) -> list[SubscriptionRow]:
        c = t.subscriptions.c
        q = select(t.subscriptions).where(and_(c.kind == kind, c.name == name))
        if kind == "message":
            q = q.where(
                c.correlation_key.is_(None) if correlation_key is None
                else c.correlation_key == correlation_key
            )
        return [_sub(r) for r in self.conn.execute(q.order_by(c.created_at, c.id))]

    def load_incident(self, incident_id: str) -> IncidentRow | None:
        r = self._one(t.incidents, incident_id)
        return _incident(r) if r else None

    def load_incidents_of_token(self, token_id: str) -> list[IncidentRow]:
        rows = self.conn.execute(
            select(t.incidents).where(
                and_(t.incidents.c.token_id == token_id, t.incidents.c.state == "open")
            )
        )
        return [_incident(r) for r in rows]

    def load_mi_value(self, scope_id: str, kind: str, idx: int) -> Any:
        c = t.mi_values.c
        r = self.conn.execute(
            select(c.value).where(and_(c.scope_id == scope_id, c.kind == kind, c.idx == idx))
        ).first()
        return loads(r.value) if r else None

    def load_mi_values(self, scope_id: str, kind: str) -> list[Any]:
        c = t.mi_values.c
        rows = self.conn.execute(
            select(c.idx, c.value).where(and_(c.scope_id == scope_id, c.kind == kind))
        )
        return [(r.idx, loads(r.value)) for r in rows]

    def deployment_version(self, deployment_id: str) -> int:
        r = self.conn.execute(
            select(t.deployments.c.version).where(t.deployments.c.id == deployment_id)
        ).first()
        return int(r.version) if r else 0

    def latest_deployment(self, process_id: str) -> str | None:
        c = t.deployments.c
        r = self.conn.execute(
            select(c.id).where(c.process_id == process_id).order_by(c.version.desc()).limit(1)
        ).first()
        return str(r.id) if r else None

    def child_instances(self, token_id: str) -> list[str]:
        c = t.instances.c
        rows = self.conn.execute(select(c.id).where(c.parent_token_id == token_id))
        return [str(r.id) for r in rows]

    def message_start_events(self, name: str) -> list[tuple[str, str]]:
        return list(self._start_events("message", name, self)) if self._start_events else []

    def signal_start_events(self, name: str) -> list[tuple[str, str]]:
        return list(self._start_events("signal", name, self)) if self._start_events else []

    def find_buffered_message(
        self, name: str, correlation_key: str | None, now: datetime
    ) -> MessageRow | None:
        c = t.messages.c
        q = select(t.messages).where(and_(c.name == name, c.expires_at > to_db(now)))
        q = q.where(
            c.correlation_key.is_(None) if correlation_key is None
            else c.correlation_key == correlation_key
        )
        r = self.conn.execute(q.order_by(c.published_at).limit(1)).first()
        if r is None:
            return None
        return MessageRow(r.id, r.name, r.correlation_key, loads(r.variables) or {},
                          utc(r.published_at), utc(r.expires_at))  # type: ignore[arg-type]


# -- writing -------------------------------------------------------------------------------------
def _instance_values(r: InstanceRow) -> dict[str, Any]:
    return {"id": r.id, "deployment_id": r.deployment_id, "process_id": r.process_id,
            "version": r.version, "business_key": r.business_key, "state": str(r.state),
            "started_at": to_db(r.started_at), "ended_at": to_db(r.ended_at),
            "parent_instance_id": r.parent_instance_id, "parent_token_id": r.parent_token_id,
            "lock_version": r.lock_version}


def _scope_values(r: ScopeRow) -> dict[str, Any]:
    return {"id": r.id, "instance_id": r.instance_id, "parent_id": r.parent_id,
            "token_id": r.token_id, "element_id": r.element_id, "kind": r.kind,
            "data": dumps(r.data)}


def _token_values(r: TokenRow) -> dict[str, Any]:
    return {"id": r.id, "instance_id": r.instance_id, "scope_id": r.scope_id,
            "element_id": r.element_id, "state": str(r.state), "flow_id": r.flow_id,
            "local_scope_id": r.local_scope_id, "created_at": to_db(r.created_at)}


def _task_values(r: UserTaskRow) -> dict[str, Any]:
    return {"id": r.id, "instance_id": r.instance_id, "token_id": r.token_id,
            "element_id": r.element_id, "name": r.name, "assignee": r.assignee,
            "candidate_groups": dumps(r.candidate_groups), "form_key": r.form_key,
            "lane": r.lane, "due": to_db(r.due), "created_at": to_db(r.created_at),
            "state": r.state, "completed_by": r.completed_by,
            "completed_at": to_db(r.completed_at)}


def _job_values(r: JobRow) -> dict[str, Any]:
    return {"id": r.id, "instance_id": r.instance_id, "token_id": r.token_id,
            "element_id": r.element_id, "kind": r.kind, "type": r.type,
            "headers": dumps(r.headers), "data": dumps(r.data), "due_at": to_db(r.due_at),
            "retries": r.retries, "state": r.state, "worker_id": r.worker_id,
            "lock_expires_at": to_db(r.lock_expires_at), "error": r.error,
            "idempotency_key": r.idempotency_key}


def _sub_values(r: SubscriptionRow) -> dict[str, Any]:
    return {"id": r.id, "instance_id": r.instance_id, "token_id": r.token_id,
            "element_id": r.element_id, "kind": r.kind, "name": r.name,
            "correlation_key": r.correlation_key, "created_at": to_db(r.created_at)}


def _incident_values(r: IncidentRow) -> dict[str, Any]:
    return {"id": r.id, "instance_id": r.instance_id, "token_id": r.token_id,
            "job_id": r.job_id, "element_id": r.element_id, "kind": r.kind,
            "message": r.message, "created_at": to_db(r.created_at), "state": r.state,
            "resolved_at": to_db(r.resolved_at)}


def _write(conn: Connection, table: Table, rows: Sequence[Any], values: Any,
           deleted: Sequence[str]) -> None:
    ins, upd, dels = rows
    if ins:
        conn.execute(insert(table), [values(r) for r in ins])
    if upd:
        params = []
        for r in upd:
            v = values(r)
            v["_id"] = v.pop("id")
            params.append(v)
        cols: dict[str, Any] = {k: bindparam(k) for k in params[0] if k != "_id"}
        conn.execute(
            update(table).where(table.c.id == bindparam("_id")).values(cols),
            params,
        )
    if dels:
        conn.execute(delete(table).where(table.c.id.in_(dels)))


def _upsert(conn: Connection, table: Table, rows: list[dict[str, Any]],
            keys: list[str]) -> None:
    if not rows:
        return
    dialect = conn.dialect.name
    mod: Any = postgresql if dialect == "postgresql" else sqlite
    stmt = mod.insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=keys, set_={"value": stmt.excluded.value}
    )
    conn.execute(stmt, rows)


def apply_changes(conn: Connection, ch: Changes) -> None:
    """Write one command's changes; raise ``ConflictError`` if a case changed meanwhile."""
    ins, upd, dels = ch.instances
    updated = {r.id: r for r in upd}
    for inst_id, seen in sorted(ch.locked_instances.items()):
        values: dict[str, Any] = {"lock_version": seen + 1}
        if inst_id in updated:
            v = _instance_values(updated.pop(inst_id))
            values.update(state=v["state"], ended_at=v["ended_at"],
                          parent_token_id=v["parent_token_id"])
        c = t.instances.c
        res = conn.execute(
            update(t.instances)
            .where(and_(c.id == inst_id, c.lock_version == seen))
            .values(values)
        )
        if res.rowcount != 1:
            raise ConflictError(
                f"Case {inst_id} was changed by someone else at the same moment; "
                "reload it and try again."
            )
    _write(conn, t.instances, (ins, list(updated.values()), dels), _instance_values, dels)
    _write(conn, t.scopes, ch.scopes, _scope_values, ch.scopes[2])
    _write(conn, t.tokens, ch.tokens, _token_values, ch.tokens[2])
    _write(conn, t.user_tasks, ch.user_tasks, _task_values, ch.user_tasks[2])
    _write(conn, t.jobs, ch.jobs, _job_values, ch.jobs[2])
    _write(conn, t.subscriptions, ch.subscriptions, _sub_values, ch.subscriptions[2])
    _write(conn, t.incidents, ch.incidents, _incident_values, ch.incidents[2])
    if ch.variable_scopes_cleared:
        conn.execute(delete(t.variables).where(
            t.variables.c.scope_id.in_(ch.variable_scopes_cleared)))
    for scope_id, name in ch.variables_deleted:
        conn.execute(delete(t.variables).where(
            and_(t.variables.c.scope_id == scope_id, t.variables.c.name == name)))
    _upsert(conn, t.variables, [
        {"scope_id": s, "name": n, "instance_id": i, "value": dumps(v)}
        for s, n, i, v in ch.variables_set
    ], ["scope_id", "name"])
    if ch.mi_scopes_cleared:
        conn.execute(delete(t.mi_values).where(t.mi_values.c.scope_id.in_(ch.mi_scopes_cleared)))
    _upsert(conn, t.mi_values, [
        {"scope_id": s, "kind": k, "idx": idx, "instance_id": i, "value": dumps(v)}
        for s, k, idx, i, v in ch.mi_values_set
    ], ["scope_id", "kind", "idx"])
    if ch.messages_inserted:
        conn.execute(insert(t.messages), [
            {"id": m.id, "name": m.name, "correlation_key": m.correlation_key,
             "variables": dumps(m.variables), "published_at": to_db(m.published_at),
             "expires_at": to_db(m.expires_at)} for m in ch.messages_inserted])
    if ch.messages_deleted:
        conn.execute(delete(t.messages).where(t.messages.c.id.in_(ch.messages_deleted)))
    if ch.history:
        conn.execute(insert(t.history), [
            {"instance_id": h.instance_id, "process_id": h.process_id, "version": h.version,
             "business_key": h.business_key, "element_id": h.element_id, "name": h.name,
             "element_type": h.element_type, "kind": h.kind, "at": to_db(h.at),
             "actor": h.actor, "lane": h.lane, "token_id": h.token_id}
            for h in ch.history])


def next_version(conn: Connection, process_id: str) -> int:
    c = t.deployments.c
    r = conn.execute(select(func.max(c.version)).where(c.process_id == process_id)).scalar()
    return int(r or 0) + 1
