"""The engine's ``StatePort`` in SQL (conversions between rows and database values are
``store.convert``; writing a command's changes is ``store.writes``)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Table, func, select

from civicflow.engine.rows import (
    DecisionVersion,
    DeployedDecision,
    IncidentRow,
    InstanceRow,
    JobRow,
    MessageRow,
    PendingStartRow,
    ScopeRow,
    SubscriptionRow,
    TokenRow,
    UserTaskRow,
)
from civicflow.store import tables as t
from civicflow.store.convert import (
    incident_from_row,
    instance_from_row,
    job_from_row,
    loads,
    scope_from_row,
    subscription_from_row,
    task_from_row,
    token_from_row,
    utc,
)
from civicflow.store.dbapi import Raw
from civicflow.store.prefetch import Prefetched, fetch_instance

if TYPE_CHECKING:
    from civicflow.store.instance_cache import InstanceCache


#: (table, name in ``prefetch.fetch_instance``) of the rows the instance cache keeps
_KEPT_TABLES = (("cf_instances", "instance"), ("cf_scopes", "scopes"), ("cf_tokens", "tokens"),
                ("cf_user_tasks", "tasks"), ("cf_subscriptions", "subscriptions"),
                ("cf_incidents", "incidents"))


class SqlPort:
    """Reads for one command, on the command's DBAPI connection (inside its transaction).

    Every lookup is a plain SQL string run on the driver: building a SQLAlchemy expression
    per lookup cost more than the query itself. Construct with ``SqlPort.of(conn)`` on a
    SQLAlchemy connection, or with a ``Raw`` the command runner keeps.
    """

    def __init__(self, raw: Raw, start_events: Any = None,
                 versions: dict[str, int] | None = None,
                 decision_models: dict[str, Any] | None = None,
                 prefetch: bool = False, cache: InstanceCache | None = None) -> None:
        self.raw = raw
        # PostgreSQL: a command's first read of an instance loads all of it in one round trip
        self._prefetch = prefetch
        self.pre = Prefetched() if prefetch or cache is not None else None
        self._fetched: set[str] = set()
        # instances kept by the runner after earlier commands (``store.instance_cache``)
        self.cache = cache
        self.from_cache: set[str] = set()
        #: instances of the rows read from the database (a kept copy of them is then stale)
        self.seen: set[str] = set()
        # rows as read, by (table, id): an UPDATE then sets only the columns that changed
        # (on SQLite, setting an indexed column rewrites its index pages even when unchanged)
        self.loaded: dict[tuple[str, str], Any] = {}
        self._start_events = start_events
        self._versions = versions if versions is not None else {}
        self._decision_models = decision_models if decision_models is not None else {}

    @classmethod
    def of(cls, conn: Connection) -> SqlPort:
        return cls(Raw.of(conn))

    def _of_token(self, table: str, token_id: str) -> list[Any] | None:
        return None if self.pre is None else self.pre.rows_of_token(table, token_id)

    def _raw(self, sql: str, *params: Any) -> list[Any]:
        return self.raw.rows(sql, params)

    def _one(self, table: Table, key: str) -> Any:
        found = self.raw.rows(_BY_ID[table.name], (key,))
        if not found:
            return None
        self.loaded[(table.name, key)] = found[0]
        self._saw(table.name, found)
        return found[0]

    def _by(self, table: Table, column: str, key: str, extra: str = "") -> Any:
        rows = self._raw(f"SELECT * FROM {table.name} WHERE {column} = ?{extra}", key)
        for r in rows:
            self.loaded[(table.name, r.id)] = r
        self._saw(table.name, rows)
        return rows

    def _saw(self, table: str, rows: list[Any]) -> None:
        if self.cache is not None:
            self.seen.update(r.id if table == "cf_instances" else r.instance_id for r in rows)

    def _kept(self, instance_id: str) -> bool:
        """Whether the instance's rows are in ``pre`` from the runner's cache (pulled in at
        the first lookup)."""
        if instance_id in self.from_cache:
            return True
        if self.cache is None or self.pre is None or instance_id in self._fetched:
            return False
        rows = self.cache.fetched(instance_id)
        if rows is None:
            return False
        self._fetched.add(instance_id)
        self.from_cache.add(instance_id)
        self.pre.add(instance_id, rows)
        for table, name in _KEPT_TABLES:  # as read: an UPDATE then sets only what changed
            for r in rows[name] or ():
                self.loaded[(table, r.id)] = r
        return True

    def load_instance(self, instance_id: str) -> InstanceRow | None:
        if self.pre is not None and (self._kept(instance_id) or self._prefetch):
            if instance_id not in self._fetched:
                self._fetched.add(instance_id)
                self.pre.add(instance_id, fetch_instance(self.raw, instance_id))
            found = self.pre.instances.get(instance_id)
            return instance_from_row(found) if found else None
        r = self._one(t.instances, instance_id)
        return instance_from_row(r) if r else None

    def load_scope(self, scope_id: str) -> ScopeRow | None:
        if self.pre is not None and scope_id in self.pre.scopes:
            return scope_from_row(self.pre.scopes[scope_id])
        r = self._one(t.scopes, scope_id)
        return scope_from_row(r) if r else None

    def load_child_scopes(self, scope_id: str) -> list[ScopeRow]:
        if self.pre is not None and scope_id in self.pre.children:
            return [scope_from_row(r) for r in self.pre.children[scope_id]]
        return [scope_from_row(r) for r in self._by(t.scopes, "parent_id", scope_id)]

    def load_token(self, token_id: str) -> TokenRow | None:
        if self.pre is not None and token_id in self.pre.tokens:
            return token_from_row(self.pre.tokens[token_id])
        r = self._one(t.tokens, token_id)
        return token_from_row(r) if r else None

    def load_tokens_in_scope(self, scope_id: str) -> list[TokenRow]:
        if self.pre is not None and scope_id in self.pre.in_scope:
            return [token_from_row(r) for r in self.pre.in_scope[scope_id]]
        return [token_from_row(r) for r in self._by(t.tokens, "scope_id", scope_id)]

    def load_variables(self, scope_id: str) -> dict[str, Any]:
        if self.pre is not None and scope_id in self.pre.variables:
            return {n: loads(v) for n, v in self.pre.variables[scope_id].items()}
        rows = self.raw.tuples("SELECT name, value FROM cf_variables WHERE scope_id = ?",
                               (scope_id,))
        return {r[0]: loads(r[1]) for r in rows}

    def load_user_task(self, task_id: str) -> UserTaskRow | None:
        if self.cache is not None and (owner := self.cache.instance_of_task(task_id)):
            self._kept(owner)
        if self.pre is not None and task_id in self.pre.by_id["tasks"]:
            return task_from_row(self.pre.by_id["tasks"][task_id])
        r = self._one(t.user_tasks, task_id)
        return task_from_row(r) if r else None

    def load_user_tasks_of_token(self, token_id: str) -> list[UserTaskRow]:
        if (pre := self._of_token("tasks", token_id)) is not None:
            return [task_from_row(r) for r in pre]
        rows = self._by(t.user_tasks, "token_id", token_id, " AND state = 'open'")
        return [task_from_row(r) for r in rows]

    def load_job(self, job_id: str) -> JobRow | None:
        if self.pre is not None and job_id in self.pre.by_id["jobs"]:
            return job_from_row(self.pre.by_id["jobs"][job_id])
        r = self._one(t.jobs, job_id)
        return job_from_row(r) if r else None

    def load_jobs_of_token(self, token_id: str) -> list[JobRow]:
        if (pre := self._of_token("jobs", token_id)) is not None:
            return [job_from_row(r) for r in pre]
        return [job_from_row(r) for r in self._by(t.jobs, "token_id", token_id)]

    def load_subscriptions_of_token(self, token_id: str) -> list[SubscriptionRow]:
        if (pre := self._of_token("subscriptions", token_id)) is not None:
            return [subscription_from_row(r) for r in pre]
        return [subscription_from_row(r) for r in self._by(t.subscriptions, "token_id", token_id)]

    def load_subscriptions_by_name(
        self, kind: str, name: str, correlation_key: str | None
    ) -> list[SubscriptionRow]:
        sql = "SELECT * FROM cf_subscriptions WHERE kind = ? AND name = ?"
        params: list[Any] = [kind, name]
        if kind == "message":
            sql += _key_condition(correlation_key, params)
        rows = self.raw.rows(sql + " ORDER BY created_at, id", params)
        self._saw("cf_subscriptions", rows)
        return [subscription_from_row(r) for r in rows]

    def load_subscriptions_of_instance(self, instance_id: str,
                                       kind: str) -> list[SubscriptionRow]:
        rows = self._raw("SELECT * FROM cf_subscriptions WHERE instance_id = ? AND kind = ?",
                         instance_id, kind)
        self._saw("cf_subscriptions", rows)
        return [subscription_from_row(r) for r in rows]

    def load_incident(self, incident_id: str) -> IncidentRow | None:
        if self.pre is not None and incident_id in self.pre.by_id["incidents"]:
            return incident_from_row(self.pre.by_id["incidents"][incident_id])
        r = self._one(t.incidents, incident_id)
        return incident_from_row(r) if r else None

    def load_incidents_of_token(self, token_id: str) -> list[IncidentRow]:
        if (pre := self._of_token("incidents", token_id)) is not None:
            return [incident_from_row(r) for r in pre]
        rows = self._by(t.incidents, "token_id", token_id, " AND state = 'open'")
        return [incident_from_row(r) for r in rows]

    def load_mi_value(self, scope_id: str, kind: str, idx: int) -> Any:
        rows = self.raw.tuples("SELECT value FROM cf_mi_values WHERE scope_id = ? AND kind = ? "
                               "AND idx = ?", (scope_id, kind, idx))
        return loads(rows[0][0]) if rows else None

    def load_mi_values(self, scope_id: str, kind: str) -> list[Any]:
        rows = self.raw.tuples("SELECT idx, value FROM cf_mi_values WHERE scope_id = ? "
                               "AND kind = ?", (scope_id, kind))
        return [(r[0], loads(r[1])) for r in rows]

    def deployment_version(self, deployment_id: str) -> int:
        known = self._versions.get(deployment_id)  # versions never change: cache them
        if known is not None:
            return known
        found = self._raw("SELECT version FROM cf_deployments WHERE id = ?", deployment_id)
        version = int(found[0][0]) if found else 0
        self._versions[deployment_id] = version
        return version

    def latest_deployment(self, process_id: str) -> str | None:
        rows = self.raw.tuples("SELECT id FROM cf_deployments WHERE process_id = ? "
                               "ORDER BY version DESC LIMIT 1", (process_id,))
        return str(rows[0][0]) if rows else None

    def decision_versions(self, decision_id: str) -> list[DecisionVersion]:
        """Every deployed version of a DMN decision, newest first (without the source)."""
        rows = self._raw("SELECT id, version, version_tag, bundle_id FROM "
                         "cf_decision_deployments WHERE decision_id = ? ORDER BY version DESC",
                         decision_id)
        return [DecisionVersion(str(r[0]), int(r[1]), r[2], r[3]) for r in rows]

    def load_decision(self, decision_id: str, version: DecisionVersion) -> DeployedDecision:
        """One deployed version with its parsed model, cached per engine (versions never
        change)."""
        from civicflow.store.decisions import parse_dmn

        dep_id = version.deployment_id
        model = self._decision_models.get(dep_id)
        if model is None:
            rows = self._raw("SELECT source, imports FROM cf_decision_deployments "
                             "WHERE id = ?", dep_id)
            model = self._decision_models[dep_id] = parse_dmn(str(rows[0][0]), rows[0][1])
        return DeployedDecision(decision_id, version.version, dep_id, model)

    def deployment_bundle(self, deployment_id: str) -> str | None:
        """The ``engine.deploy`` call a process version came from (None before migration
        0005)."""
        rows = self._raw("SELECT bundle_id FROM cf_deployments WHERE id = ?", deployment_id)
        return str(rows[0][0]) if rows and rows[0][0] is not None else None

    def deployed_together(self, process_id: str, deployment_id: str) -> str | None:
        """The version of ``process_id`` deployed from the same file as ``deployment_id``,
        or by the same ``engine.deploy`` call (bundle, decision 0311)."""
        rows = self._raw(
            "SELECT d2.id FROM cf_deployments d1 JOIN cf_deployments d2 "
            "ON d2.source = d1.source OR d2.bundle_id = d1.bundle_id "
            "WHERE d1.id = ? AND d2.process_id = ? "
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

    def load_pending_starts(
        self, deployment_id: str, element_id: str, keys: tuple[str | None, ...] | None
    ) -> list[PendingStartRow]:
        sql = "SELECT * FROM cf_pending_starts WHERE deployment_id = ? AND element_id = ?"
        params: list[Any] = [deployment_id, element_id]
        if keys is not None:
            named = [k for k in keys if k is not None]
            alternatives = ["correlation_key IS NULL"] if None in keys else []
            if named:
                alternatives.append(f"correlation_key IN ({', '.join('?' for _ in named)})")
                params.extend(named)
            sql += f" AND ({' OR '.join(alternatives) or '1 = 0'})"
        rows = self.raw.rows(sql + " ORDER BY created_at, id", params)
        for r in rows:
            self.loaded[("cf_pending_starts", r.id)] = r
        return [PendingStartRow(r.id, r.deployment_id, r.element_id, r.correlation_key,
                                list(loads(r.parts) or []), dict(loads(r.variables) or {}),
                                utc(r.created_at), utc(r.expires_at))  # type: ignore[arg-type]
                for r in rows]

    def find_buffered_message(
        self, name: str, correlation_key: str | None, now: datetime
    ) -> MessageRow | None:
        sql = "SELECT * FROM cf_messages WHERE name = ? AND expires_at > ?"
        params: list[Any] = [name, self.raw.ts(now)]
        sql += _key_condition(correlation_key, params)
        rows = self.raw.rows(sql + " ORDER BY published_at LIMIT 1", params)
        if not rows:
            return None
        r = rows[0]
        return MessageRow(r.id, r.name, r.correlation_key, loads(r.variables) or {},
                          utc(r.published_at), utc(r.expires_at))  # type: ignore[arg-type]


def _key_condition(correlation_key: str | None, params: list[Any]) -> str:
    """The SQL matching a correlation key (none matches only none), its value added to
    ``params``."""
    if correlation_key is None:
        return " AND correlation_key IS NULL"
    params.append(correlation_key)
    return " AND correlation_key = ?"


# one explicit column list per table: positions and names never depend on migration order
_BY_ID = {table.name: f"SELECT {', '.join(c.name for c in table.columns)} FROM {table.name} "
          "WHERE id = ?" for table in t.metadata.sorted_tables if "id" in table.c}


def next_version(conn: Connection, process_id: str) -> int:
    c = t.deployments.c
    r = conn.execute(select(func.max(c.version)).where(c.process_id == process_id)).scalar()
    return int(r or 0) + 1
