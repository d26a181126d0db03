"""The engine's ``StatePort`` in SQL, and applying a command's ``Changes`` in one transaction."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Table, and_, func, select

from civicflow.engine.errors import ConflictError
from civicflow.engine.rows import (
    DeployedDecision,
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


def utc(value: datetime | str | None) -> datetime | None:
    """Datetimes read back from SQLite are naive UTC (text on raw reads); PostgreSQL's may be
    in another zone."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
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
                       utc(r.completed_at), utc(r.claimed_at))


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
    """Reads for one command, on the command's connection (inside its transaction).

    The hot lookups by key are plain SQL strings run on the driver: building a SQLAlchemy
    expression per lookup cost more than the query itself.
    """

    def __init__(self, conn: Connection, start_events: Any = None,
                 versions: dict[str, int] | None = None,
                 decision_models: dict[str, Any] | None = None) -> None:
        self.conn = conn
        self._start_events = start_events
        self._versions = versions if versions is not None else {}
        self._decision_models = decision_models if decision_models is not None else {}
        self._db = Raw(conn)

    def _raw(self, sql: str, *params: Any) -> list[_Row]:
        return self._db.rows(sql, params)

    def _one(self, table: Table, key: str) -> Any:
        found = self._raw(f"SELECT * FROM {table.name} WHERE id = ?", key)
        return found[0] if found else None

    def _by(self, table: Table, column: str, key: str, extra: str = "") -> Any:
        return self._raw(f"SELECT * FROM {table.name} WHERE {column} = ?{extra}", key)

    def load_instance(self, instance_id: str) -> InstanceRow | None:
        r = self._one(t.instances, instance_id)
        return _inst(r) if r else None

    def load_scope(self, scope_id: str) -> ScopeRow | None:
        r = self._one(t.scopes, scope_id)
        return _scope(r) if r else None

    def load_child_scopes(self, scope_id: str) -> list[ScopeRow]:
        return [_scope(r) for r in self._by(t.scopes, "parent_id", scope_id)]

    def load_token(self, token_id: str) -> TokenRow | None:
        r = self._one(t.tokens, token_id)
        return _token(r) if r else None

    def load_tokens_in_scope(self, scope_id: str) -> list[TokenRow]:
        return [_token(r) for r in self._by(t.tokens, "scope_id", scope_id)]

    def load_variables(self, scope_id: str) -> dict[str, Any]:
        rows = self._raw("SELECT name, value FROM cf_variables WHERE scope_id = ?", scope_id)
        return {r[0]: loads(r[1]) for r in rows}

    def load_user_task(self, task_id: str) -> UserTaskRow | None:
        r = self._one(t.user_tasks, task_id)
        return _task(r) if r else None

    def load_user_tasks_of_token(self, token_id: str) -> list[UserTaskRow]:
        rows = self._by(t.user_tasks, "token_id", token_id, " AND state = 'open'")
        return [_task(r) for r in rows]

    def load_job(self, job_id: str) -> JobRow | None:
        r = self._one(t.jobs, job_id)
        return _job(r) if r else None

    def load_jobs_of_token(self, token_id: str) -> list[JobRow]:
        return [_job(r) for r in self._by(t.jobs, "token_id", token_id)]

    def load_subscriptions_of_token(self, token_id: str) -> list[SubscriptionRow]:
        return [_sub(r) for r in self._by(t.subscriptions, "token_id", token_id)]

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

    def load_subscriptions_of_instance(self, instance_id: str,
                                       kind: str) -> list[SubscriptionRow]:
        rows = self._raw("SELECT * FROM cf_subscriptions WHERE instance_id = ? AND kind = ?",
                         instance_id, kind)
        return [_sub(r) for r in rows]

    def load_incident(self, incident_id: str) -> IncidentRow | None:
        r = self._one(t.incidents, incident_id)
        return _incident(r) if r else None

    def load_incidents_of_token(self, token_id: str) -> list[IncidentRow]:
        rows = self._by(t.incidents, "token_id", token_id, " AND state = 'open'")
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
        known = self._versions.get(deployment_id)  # versions never change: cache them
        if known is not None:
            return known
        found = self._raw("SELECT version FROM cf_deployments WHERE id = ?", deployment_id)
        version = int(found[0][0]) if found else 0
        self._versions[deployment_id] = version
        return version

    def latest_deployment(self, process_id: str) -> str | None:
        c = t.deployments.c
        r = self.conn.execute(
            select(c.id).where(c.process_id == process_id).order_by(c.version.desc()).limit(1)
        ).first()
        return str(r.id) if r else None

    def latest_decision(self, decision_id: str) -> DeployedDecision | None:
        """The newest deployed version of a DMN decision, its parsed model cached per engine."""
        from civicflow.store.decisions import parse_dmn

        rows = self._raw("SELECT id, version, source FROM cf_decision_deployments "
                         "WHERE decision_id = ? ORDER BY version DESC LIMIT 1", decision_id)
        if not rows:
            return None
        dep_id, version, source = str(rows[0][0]), int(rows[0][1]), str(rows[0][2])
        model = self._decision_models.get(dep_id)
        if model is None:
            model = self._decision_models[dep_id] = parse_dmn(source)
        return DeployedDecision(decision_id, version, dep_id, model)

    def deployed_together(self, process_id: str, deployment_id: str) -> str | None:
        """The version of ``process_id`` deployed from the same file as ``deployment_id``."""
        rows = self._raw(
            "SELECT d2.id FROM cf_deployments d1 JOIN cf_deployments d2 "
            "ON d2.source = d1.source WHERE d1.id = ? AND d2.process_id = ? "
            "ORDER BY d2.version DESC", deployment_id, process_id)
        return str(rows[0][0]) if rows else None

    def deployments_of(self, process_id: str) -> list[str]:
        """Every deployed version of a process, newest first."""
        rows = self._raw("SELECT id FROM cf_deployments WHERE process_id = ? "
                         "ORDER BY version DESC", process_id)
        return [str(r[0]) for r in rows]

    def child_instances(self, token_id: str) -> list[str]:
        rows = self._raw("SELECT id FROM cf_instances WHERE parent_token_id = ?", token_id)
        return [str(r[0]) for r in rows]

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
            "completed_at": to_db(r.completed_at), "claimed_at": to_db(r.claimed_at)}


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


class Raw:
    """Plain DBAPI access on the transaction's connection, for the statements every command
    runs. SQL is written with ``?`` and adapted to psycopg's ``%s``; datetimes are written in
    SQLAlchemy's SQLite text format so raw and Core-written rows compare alike."""

    def __init__(self, conn: Connection) -> None:
        self.pg = conn.dialect.name == "postgresql"
        self.dbapi = conn.connection.dbapi_connection
        self.cur = self.dbapi.cursor()  # type: ignore[union-attr]

    def pipeline(self) -> Any:
        """On PostgreSQL, send the following statements without waiting for each reply."""
        if self.pg:
            return self.dbapi.pipeline()  # type: ignore[union-attr]
        return contextlib.nullcontext()

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.pg else sql

    def _param(self, value: Any) -> Any:
        if isinstance(value, datetime) and not self.pg:
            return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        return value

    def rows(self, sql: str, params: Sequence[Any]) -> list[_Row]:
        self.cur.execute(self._sql(sql), [self._param(p) for p in params])
        names = [d[0] for d in self.cur.description]
        return [_Row(names, r) for r in self.cur.fetchall()]

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        self.cur.execute(self._sql(sql), [self._param(p) for p in params])
        return int(self.cur.rowcount)

    def many(self, sql: str, seq: Sequence[Sequence[Any]]) -> None:
        if seq:
            self.cur.executemany(self._sql(sql), [[self._param(p) for p in row] for row in seq])


class _Row:
    """A result row with attribute access by column name."""

    __slots__ = ("_names", "_values")

    def __init__(self, names: list[str], values: Sequence[Any]) -> None:
        self._names = names
        self._values = values

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[self._names.index(name)]
        except ValueError:
            raise AttributeError(name) from None

    def __getitem__(self, index: int) -> Any:
        return self._values[index]


def _write(raw: Raw, table: Table, rows: Sequence[Any], values: Any) -> None:
    ins, upd, dels = rows
    if ins:
        first = values(ins[0])
        cols = list(first)
        raw.many(f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES "
                 f"({', '.join('?' for _ in cols)})",
                 [list(values(r).values()) for r in ins])
    if upd:
        first = values(upd[0])
        cols = [c for c in first if c != "id"]
        seq = []
        for r in upd:
            v = values(r)
            seq.append([v[c] for c in cols] + [v["id"]])
        raw.many(f"UPDATE {table.name} SET {', '.join(c + ' = ?' for c in cols)} WHERE id = ?",
                 seq)
    if dels:
        raw.run(f"DELETE FROM {table.name} WHERE id IN ({', '.join('?' for _ in dels)})",
                list(dels))


def _upsert(raw: Raw, table: str, cols: list[str], keys: list[str],
            rows: list[list[Any]]) -> None:
    raw.many(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})"
             f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET value = excluded.value", rows)


def _delete_in(raw: Raw, table: str, column: str, keys: Sequence[str]) -> None:
    if keys:
        raw.run(f"DELETE FROM {table} WHERE {column} IN ({', '.join('?' for _ in keys)})",
                list(keys))


def apply_changes(conn: Connection, ch: Changes) -> None:
    """Write one command's changes; raise ``ConflictError`` if a case changed meanwhile."""
    raw = Raw(conn)
    ins, upd, dels = ch.instances
    updated = {r.id: r for r in upd}
    for inst_id, seen in sorted(ch.locked_instances.items()):
        if inst_id in updated:
            v = _instance_values(updated.pop(inst_id))
            count = raw.run("UPDATE cf_instances SET lock_version = ?, state = ?, ended_at = ?, "
                            "parent_token_id = ?, deployment_id = ?, version = ? "
                            "WHERE id = ? AND lock_version = ?",
                            [seen + 1, v["state"], v["ended_at"], v["parent_token_id"],
                             v["deployment_id"], v["version"], inst_id, seen])
        else:
            count = raw.run("UPDATE cf_instances SET lock_version = ? WHERE id = ? AND "
                            "lock_version = ?", [seen + 1, inst_id, seen])
        if count != 1:
            raise ConflictError(
                f"Case {inst_id} was changed by someone else at the same moment; "
                "reload it and try again."
            )
    with raw.pipeline():
        _write_rest(raw, ch, ins, list(updated.values()), dels)


def _write_rest(raw: Raw, ch: Changes, ins: list[InstanceRow], upd: list[InstanceRow],
                dels: list[str]) -> None:
    _write(raw, t.instances, (ins, upd, dels), _instance_values)
    _write(raw, t.scopes, ch.scopes, _scope_values)
    _write(raw, t.tokens, ch.tokens, _token_values)
    _write(raw, t.user_tasks, ch.user_tasks, _task_values)
    _write(raw, t.jobs, ch.jobs, _job_values)
    _write(raw, t.subscriptions, ch.subscriptions, _sub_values)
    _write(raw, t.incidents, ch.incidents, _incident_values)
    _delete_in(raw, "cf_variables", "scope_id", ch.variable_scopes_cleared)
    for scope_id, name in ch.variables_deleted:
        raw.run("DELETE FROM cf_variables WHERE scope_id = ? AND name = ?", [scope_id, name])
    _upsert(raw, "cf_variables", ["scope_id", "name", "instance_id", "value"],
            ["scope_id", "name"], [[sc, n, i, dumps(v)] for sc, n, i, v in ch.variables_set])
    _delete_in(raw, "cf_mi_values", "scope_id", ch.mi_scopes_cleared)
    _upsert(raw, "cf_mi_values", ["scope_id", "kind", "idx", "instance_id", "value"],
            ["scope_id", "kind", "idx"],
            [[sc, k, idx, i, dumps(v)] for sc, k, idx, i, v in ch.mi_values_set])
    raw.many("INSERT INTO cf_messages (id, name, correlation_key, variables, published_at, "
             "expires_at) VALUES (?, ?, ?, ?, ?, ?)",
             [[m.id, m.name, m.correlation_key, dumps(m.variables), to_db(m.published_at),
               to_db(m.expires_at)] for m in ch.messages_inserted])
    _delete_in(raw, "cf_messages", "id", ch.messages_deleted)
    raw.many("INSERT INTO cf_history (instance_id, process_id, version, business_key, "
             "element_id, name, element_type, kind, at, actor, lane, token_id) VALUES "
             "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
             [[h.instance_id, h.process_id, h.version, h.business_key, h.element_id, h.name,
               h.element_type, h.kind, to_db(h.at), h.actor, h.lane, h.token_id]
              for h in ch.history])
    raw.many("INSERT INTO cf_decision_evaluations (instance_id, token_id, element_id, "
             "decision_id, decision_name, version, deployment_id, matched_rules, result, "
             "warnings, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
             [[d.instance_id, d.token_id, d.element_id, d.decision_id, d.decision_name,
               d.version, d.deployment_id, dumps(list(d.matched_rules)), dumps(d.result),
               dumps(list(d.warnings)), to_db(d.at)] for d in ch.decision_evaluations])


def next_version(conn: Connection, process_id: str) -> int:
    c = t.deployments.c
    r = conn.execute(select(func.max(c.version)).where(c.process_id == process_id)).scalar()
    return int(r or 0) + 1
