"""Loading a small instance's runtime rows in one round trip (PostgreSQL).

The engine reads lazily by key, which on a server costs one round trip per lookup. When a
command first reads an instance, the port sends one query per table for all of that
instance's rows in one psycopg pipeline, inside the command's transaction (so they are the
same snapshot the lazy reads would see), and answers later lookups from them. A table with
more than ``LIMIT`` rows for the instance is left to the lazy lookups, so a large
multi-instance body still costs per item what it costs without this.
"""

from __future__ import annotations

from typing import Any

from civicflow.store.dbapi import Raw

LIMIT = 64

_QUERIES = {
    "instance": "SELECT * FROM cf_instances WHERE id = ?",
    "scopes": f"SELECT * FROM cf_scopes WHERE instance_id = ? LIMIT {LIMIT + 1}",
    "tokens": f"SELECT * FROM cf_tokens WHERE instance_id = ? LIMIT {LIMIT + 1}",
    "variables": "SELECT scope_id, name, value FROM cf_variables WHERE instance_id = ? "
                 f"LIMIT {4 * LIMIT + 1}",
    "tasks": "SELECT * FROM cf_user_tasks WHERE instance_id = ? AND state = 'open' "
             f"LIMIT {LIMIT + 1}",
    # jobs and subscriptions have no instance index: reach them through the tokens
    "jobs": "SELECT j.* FROM cf_jobs j JOIN cf_tokens k ON k.id = j.token_id "
            f"WHERE k.instance_id = ? LIMIT {LIMIT + 1}",
    "subscriptions": "SELECT s.* FROM cf_subscriptions s JOIN cf_tokens k "
                     f"ON k.id = s.token_id WHERE k.instance_id = ? LIMIT {LIMIT + 1}",
    "incidents": "SELECT * FROM cf_incidents WHERE instance_id = ? AND state = 'open' "
                 f"LIMIT {LIMIT + 1}",
}
_LIMITS = {"instance": 1, "variables": 4 * LIMIT}


def fetch_instance(raw: Raw, instance_id: str) -> dict[str, list[Any] | None]:
    """Every table's rows of one instance (None: too many, look them up one by one)."""
    cursors = {}
    with raw.pipeline():
        for name, sql in _QUERIES.items():
            cur = raw.dbapi.cursor()
            cur.execute(raw.text(sql), (instance_id,))
            cursors[name] = (cur, sql)
    out: dict[str, list[Any] | None] = {}
    for name, (cur, sql) in cursors.items():
        out[name] = raw.named(cur, sql)
        if len(out[name] or ()) > _LIMITS.get(name, LIMIT):
            out[name] = None
    return out


class Prefetched:
    """The rows of the instances a command read, answered by key."""

    def __init__(self) -> None:
        self.instances: dict[str, Any] = {}
        self.scopes: dict[str, Any] = {}
        self.tokens: dict[str, Any] = {}
        self.children: dict[str, list[Any]] = {}  # scope id -> child scopes
        self.in_scope: dict[str, list[Any]] = {}  # scope id -> tokens
        self.variables: dict[str, dict[str, Any]] = {}  # scope id -> name -> text
        self.of_token: dict[str, dict[str, list[Any]]] = {}  # table -> token id -> rows
        self.by_id: dict[str, dict[str, Any]] = {"tasks": {}, "jobs": {}, "incidents": {}}

    def add(self, instance_id: str, rows: dict[str, list[Any] | None]) -> None:
        found = rows["instance"]
        if not found:
            return
        self.instances[instance_id] = found[0]
        scopes, tokens = rows["scopes"], rows["tokens"]
        if scopes is None or tokens is None:
            return
        for s in scopes:
            self.scopes[s.id] = s
            self.children.setdefault(s.id, [])
            self.in_scope.setdefault(s.id, [])
            self.variables.setdefault(s.id, {})
        for s in scopes:
            if s.parent_id in self.children:
                self.children[s.parent_id].append(s)
        for k in tokens:
            self.tokens[k.id] = k
            self.in_scope.setdefault(k.scope_id, []).append(k)
        if rows["variables"] is None:
            for s in scopes:
                self.variables.pop(s.id, None)
        else:
            for v in rows["variables"]:
                self.variables.setdefault(v.scope_id, {})[v.name] = v.value
        for table in ("tasks", "jobs", "subscriptions", "incidents"):
            found_rows = rows[table]
            if found_rows is None:
                continue
            per_token = self.of_token.setdefault(table, {})
            for k in tokens:
                per_token[k.id] = []
            for r in found_rows:
                per_token.setdefault(r.token_id, []).append(r)
                if table in self.by_id:
                    self.by_id[table][r.id] = r

    def rows_of_token(self, table: str, token_id: str) -> list[Any] | None:
        """The token's rows, or None when this token's rows were not prefetched."""
        return self.of_token.get(table, {}).get(token_id)
