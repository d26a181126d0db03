"""Writing one command's ``Changes`` inside the command's transaction.

The instance rows the command read are checked and bumped first (optimistic locking: a case
changed meanwhile raises ``ConflictError`` and nothing else is written); then each table gets
at most one INSERT, one UPDATE and one DELETE statement, each for all its rows (``executemany``).
Statement texts are built once per table and column list.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from civicflow.engine.errors import ConflictError
from civicflow.engine.rows import (
    IncidentRow,
    InstanceRow,
    JobRow,
    PendingStartRow,
    ScopeRow,
    SubscriptionRow,
    TokenRow,
    UserTaskRow,
)
from civicflow.engine.work import Changes
from civicflow.store.convert import dumps
from civicflow.store.dbapi import Raw

Ts = Callable[[datetime | None], Any]

# -- rows as database values, in the column order of ``store.tables`` ----------------------------
_INSTANCE = ("id", "deployment_id", "process_id", "version", "business_key", "state",
             "started_at", "ended_at", "parent_instance_id", "parent_token_id", "lock_version")


def _instance_values(r: InstanceRow, ts: Ts) -> tuple[Any, ...]:
    return (r.id, r.deployment_id, r.process_id, r.version, r.business_key, str(r.state),
            ts(r.started_at), ts(r.ended_at), r.parent_instance_id, r.parent_token_id,
            r.lock_version)


_SCOPE = ("id", "instance_id", "parent_id", "token_id", "element_id", "kind", "data")


def _scope_values(r: ScopeRow, ts: Ts) -> tuple[Any, ...]:
    return (r.id, r.instance_id, r.parent_id, r.token_id, r.element_id, r.kind, dumps(r.data))


_TOKEN = ("id", "instance_id", "scope_id", "element_id", "state", "flow_id", "local_scope_id",
          "created_at")


def _token_values(r: TokenRow, ts: Ts) -> tuple[Any, ...]:
    return (r.id, r.instance_id, r.scope_id, r.element_id, str(r.state), r.flow_id,
            r.local_scope_id, ts(r.created_at))


_TASK = ("id", "instance_id", "token_id", "element_id", "name", "assignee", "candidate_groups",
         "form_key", "lane", "due", "created_at", "state", "completed_by", "completed_at",
         "claimed_at")


def _task_values(r: UserTaskRow, ts: Ts) -> tuple[Any, ...]:
    return (r.id, r.instance_id, r.token_id, r.element_id, r.name, r.assignee,
            dumps(r.candidate_groups), r.form_key, r.lane, ts(r.due), ts(r.created_at),
            r.state, r.completed_by, ts(r.completed_at), ts(r.claimed_at))


_JOB = ("id", "instance_id", "token_id", "element_id", "kind", "type", "headers", "data",
        "due_at", "retries", "state", "worker_id", "lock_expires_at", "error", "idempotency_key")


def _job_values(r: JobRow, ts: Ts) -> tuple[Any, ...]:
    return (r.id, r.instance_id, r.token_id, r.element_id, r.kind, r.type, dumps(r.headers),
            dumps(r.data), ts(r.due_at), r.retries, r.state, r.worker_id,
            ts(r.lock_expires_at), r.error, r.idempotency_key)


_SUB = ("id", "instance_id", "token_id", "element_id", "kind", "name", "correlation_key",
        "created_at")


def _sub_values(r: SubscriptionRow, ts: Ts) -> tuple[Any, ...]:
    return (r.id, r.instance_id, r.token_id, r.element_id, r.kind, r.name, r.correlation_key,
            ts(r.created_at))


_INCIDENT = ("id", "instance_id", "token_id", "job_id", "element_id", "kind", "message",
             "created_at", "state", "resolved_at")


def _incident_values(r: IncidentRow, ts: Ts) -> tuple[Any, ...]:
    return (r.id, r.instance_id, r.token_id, r.job_id, r.element_id, r.kind, r.message,
            ts(r.created_at), r.state, ts(r.resolved_at))


_PENDING_START = ("id", "deployment_id", "element_id", "correlation_key", "parts", "variables",
                  "created_at", "expires_at")


def _pending_start_values(r: PendingStartRow, ts: Ts) -> tuple[Any, ...]:
    return (r.id, r.deployment_id, r.element_id, r.correlation_key, dumps(r.parts),
            dumps(r.variables), ts(r.created_at), ts(r.expires_at))


#: per runtime table (named as ``prefetch.fetch_instance`` names it): its columns, and a row's
#: values as they are written (the instance cache keeps rows in this form)
ROW_FORMS: dict[str, tuple[tuple[str, ...], Callable[[Any, Ts], tuple[Any, ...]]]] = {
    "instance": (_INSTANCE, _instance_values),
    "scopes": (_SCOPE, _scope_values),
    "tokens": (_TOKEN, _token_values),
    "tasks": (_TASK, _task_values),
    "subscriptions": (_SUB, _sub_values),
    "incidents": (_INCIDENT, _incident_values),
}


def _insert_sql(table: str, cols: Sequence[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})"


class _TableWriter:
    """INSERT / UPDATE / DELETE of one runtime table, statement texts built once.

    An updated row whose loaded version is known gets an UPDATE of only the columns that
    changed (none: no statement); on SQLite a SET of an unchanged indexed column still
    rewrites the index's pages, which the durable commit then writes and syncs.
    """

    def __init__(self, table: str, cols: tuple[str, ...],
                 values: Callable[[Any, Ts], tuple[Any, ...]]) -> None:
        self.table = table
        self.cols = cols
        self.values = values
        self.insert = _insert_sql(table, cols)
        self._updates: dict[tuple[int, ...], str] = {}

    def _update(self, changed: tuple[int, ...]) -> str:
        sql = self._updates.get(changed)
        if sql is None:
            sets = ", ".join(f"{self.cols[i]} = ?" for i in changed)
            sql = self._updates[changed] = f"UPDATE {self.table} SET {sets} WHERE id = ?"
        return sql

    def write(self, raw: Raw, rows: tuple[Sequence[Any], Sequence[Any], Sequence[str]],
              loaded: Mapping[tuple[str, str], Any]) -> None:
        ins, upd, dels = rows
        ts, values = raw.ts, self.values
        if ins:
            raw.many(self.insert, [values(r, ts) for r in ins])
        if upd:
            every = tuple(range(1, len(self.cols)))
            groups: dict[tuple[int, ...], list[tuple[Any, ...]]] = {}
            for r in upd:
                v = values(r, ts)
                old = loaded.get((self.table, r.id))
                changed = every if old is None else tuple(
                    i for i in every if getattr(old, self.cols[i]) != v[i])
                if changed:
                    groups.setdefault(changed, []).append((*(v[i] for i in changed), v[0]))
            for changed, seq in groups.items():
                raw.many(self._update(changed), seq)
        if dels:
            raw.run(f"DELETE FROM {self.table} WHERE id IN ({', '.join('?' for _ in dels)})",
                    list(dels))


_INSTANCES = _TableWriter("cf_instances", _INSTANCE, _instance_values)
_SCOPES = _TableWriter("cf_scopes", _SCOPE, _scope_values)
_TOKENS = _TableWriter("cf_tokens", _TOKEN, _token_values)
_TASKS = _TableWriter("cf_user_tasks", _TASK, _task_values)
_JOBS = _TableWriter("cf_jobs", _JOB, _job_values)
_SUBS = _TableWriter("cf_subscriptions", _SUB, _sub_values)
_INCIDENTS = _TableWriter("cf_incidents", _INCIDENT, _incident_values)
_PENDING_STARTS = _TableWriter("cf_pending_starts", _PENDING_START, _pending_start_values)

_VARIABLES_UPSERT = (_insert_sql("cf_variables", ("scope_id", "name", "instance_id", "value"))
                     + " ON CONFLICT (scope_id, name) DO UPDATE SET value = excluded.value")
_MI_UPSERT = (_insert_sql("cf_mi_values", ("scope_id", "kind", "idx", "instance_id", "value"))
              + " ON CONFLICT (scope_id, kind, idx) DO UPDATE SET value = excluded.value")
_MESSAGES_INSERT = _insert_sql("cf_messages", ("id", "name", "correlation_key", "variables",
                                               "published_at", "expires_at"))
_HISTORY_INSERT = _insert_sql("cf_history", (
    "instance_id", "process_id", "version", "business_key", "element_id", "name",
    "element_type", "kind", "at", "actor", "lane", "token_id"))
_EVALUATIONS_INSERT = _insert_sql("cf_decision_evaluations", (
    "instance_id", "token_id", "element_id", "decision_id", "decision_name", "version",
    "deployment_id", "matched_rules", "result", "warnings", "at"))
_BUMP = "UPDATE cf_instances SET lock_version = ? WHERE id = ? AND lock_version = ?"
_BUMP_AND_SET = ("UPDATE cf_instances SET lock_version = ?, state = ?, ended_at = ?, "
                 "parent_token_id = ?, deployment_id = ?, version = ? "
                 "WHERE id = ? AND lock_version = ?")


def _delete_in(raw: Raw, table: str, column: str, keys: Sequence[str]) -> None:
    if keys:
        raw.run(f"DELETE FROM {table} WHERE {column} IN ({', '.join('?' for _ in keys)})",
                list(keys))


def apply_changes(raw: Raw, ch: Changes,
                  loaded: Mapping[tuple[str, str], Any] | None = None) -> None:
    """Write one command's changes; raise ``ConflictError`` if a case changed meanwhile.

    ``loaded``: the rows as the command read them (by table and id), to update only what
    changed.

    On PostgreSQL everything, version checks included, goes in one pipeline (one round
    trip); the checks are read after it, and a failed one rolls the whole command back.
    """
    ins, upd, dels = ch.instances
    updated = {r.id: r for r in upd}
    ts = raw.ts
    bumps: list[tuple[str, str, tuple[Any, ...]]] = []
    for inst_id, seen in sorted(ch.locked_instances.items()):
        row = updated.pop(inst_id, None)
        if row is not None:
            bumps.append((inst_id, _BUMP_AND_SET, (
                seen + 1, str(row.state), ts(row.ended_at), row.parent_token_id,
                row.deployment_id, row.version, inst_id, seen)))
        else:
            bumps.append((inst_id, _BUMP, (seen + 1, inst_id, seen)))
    if not raw.pg:
        for inst_id, sql, params in bumps:
            if raw.run(sql, params) != 1:
                raise _conflict(inst_id)
        _write_rest(raw, ch, ins, list(updated.values()), dels, loaded or {})
        return
    checks = []
    with raw.pipeline():
        for inst_id, sql, params in bumps:
            cur = raw.dbapi.cursor()
            cur.execute(raw.text(sql), params)
            checks.append((inst_id, cur))
        _write_rest(raw, ch, ins, list(updated.values()), dels, loaded or {})
    for inst_id, cur in checks:
        if cur.rowcount != 1:
            raise _conflict(inst_id)


def _conflict(inst_id: str) -> ConflictError:
    return ConflictError(f"Case {inst_id} was changed by someone else at the same moment; "
                         "reload it and try again.")


def _write_rest(raw: Raw, ch: Changes, ins: list[InstanceRow], upd: list[InstanceRow],
                dels: list[str], loaded: Mapping[tuple[str, str], Any]) -> None:
    ts = raw.ts
    _INSTANCES.write(raw, (ins, upd, dels), loaded)
    _SCOPES.write(raw, ch.scopes, loaded)
    _TOKENS.write(raw, ch.tokens, loaded)
    _TASKS.write(raw, ch.user_tasks, loaded)
    _JOBS.write(raw, ch.jobs, loaded)
    _SUBS.write(raw, ch.subscriptions, loaded)
    _INCIDENTS.write(raw, ch.incidents, loaded)
    if ch.pending_starts != ([], [], []):
        _PENDING_STARTS.write(raw, ch.pending_starts, loaded)
    _delete_in(raw, "cf_variables", "scope_id", ch.variable_scopes_cleared)
    for scope_id, name in ch.variables_deleted:
        raw.run("DELETE FROM cf_variables WHERE scope_id = ? AND name = ?", (scope_id, name))
    raw.many(_VARIABLES_UPSERT, [(sc, n, i, dumps(v)) for sc, n, i, v in ch.variables_set])
    _delete_in(raw, "cf_mi_values", "scope_id", ch.mi_scopes_cleared)
    raw.many(_MI_UPSERT, [(sc, k, idx, i, dumps(v)) for sc, k, idx, i, v in ch.mi_values_set])
    raw.many(_MESSAGES_INSERT, [
        (m.id, m.name, m.correlation_key, dumps(m.variables), ts(m.published_at),
         ts(m.expires_at)) for m in ch.messages_inserted])
    _delete_in(raw, "cf_messages", "id", ch.messages_deleted)
    raw.many(_HISTORY_INSERT, [
        (h.instance_id, h.process_id, h.version, h.business_key, h.element_id, h.name,
         h.element_type, h.kind, ts(h.at), h.actor, h.lane, h.token_id) for h in ch.history])
    raw.many(_EVALUATIONS_INSERT, [
        (d.instance_id, d.token_id, d.element_id, d.decision_id, d.decision_name, d.version,
         d.deployment_id, dumps(list(d.matched_rules)), dumps(d.result),
         dumps(list(d.warnings)), ts(d.at)) for d in ch.decision_evaluations])
