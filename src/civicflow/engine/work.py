"""The working set of one command: an identity map over the rows it read, plus what changed.

The engine reads rows through ``StatePort`` once, keeps them here, mutates them and records
inserts, updates and deletes. At the end of the command the store applies ``Changes`` in one
transaction. Indexes (tokens by scope, rows by token) keep every step O(1) in the size of the
instance, so a multi-instance activity with 10,000 items costs the same per item as one with 10.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from civicflow.engine.ports import StatePort
from civicflow.engine.rows import (
    DecisionEvaluationRow,
    HistoryRow,
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


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


R = TypeVar("R", bound=_HasId)


class RowSet(Generic[R]):
    """Rows of one table seen by this command, with change tracking and one secondary index."""

    def __init__(self, key: Callable[[R], str | None]) -> None:
        self.rows: dict[str, R] = {}
        self.inserted: set[str] = set()
        self.updated: set[str] = set()
        self.deleted: dict[str, R] = {}
        self._key = key
        self._by_key: dict[str, set[str]] = {}
        self._loaded_keys: set[str] = set()

    def _index(self, row: R) -> None:
        k = self._key(row)
        if k is not None:
            self._by_key.setdefault(k, set()).add(row.id)

    def known(self, row_id: str) -> bool:
        return row_id in self.rows or row_id in self.deleted

    def get(self, row_id: str, loader: Callable[[str], R | None]) -> R | None:
        """The row by id, loading it once if this command has not seen it."""
        row = self.rows.get(row_id)
        if row is not None:
            return row
        if row_id in self.deleted:
            return None
        loaded = loader(row_id)
        if loaded is not None:
            self.rows[row_id] = loaded
            self._index(loaded)
        return loaded

    def by_key(self, key: str, loader: Callable[[str], Iterable[R]] | None) -> list[R]:
        """Rows whose index key equals ``key``: loaded once, then merged with this command's."""
        if loader is not None and key not in self._loaded_keys:
            self._loaded_keys.add(key)
            for row in loader(key):
                if not self.known(row.id):
                    self.rows[row.id] = row
                    self._index(row)
        ids = self._by_key.get(key, ())
        return [self.rows[i] for i in ids if i in self.rows]

    def mark_loaded(self, key: str) -> None:
        """Every row with this key is already here (no query needed for ``by_key``)."""
        self._loaded_keys.add(key)

    def add(self, row: R) -> R:
        self.rows[row.id] = row
        self.inserted.add(row.id)
        self._index(row)
        return row

    def rekey(self, row: R, old_key: str | None) -> None:
        """A row's index key changed (a migrated token moves into another scope): re-index
        it and mark it changed."""
        if old_key is not None and old_key in self._by_key:
            self._by_key[old_key].discard(row.id)
        self._index(row)
        self.touch(row)

    def touch(self, row: R) -> None:
        """Mark a loaded row as changed."""
        if row.id not in self.inserted:
            self.updated.add(row.id)

    def delete(self, row: R) -> None:
        self.rows.pop(row.id, None)
        k = self._key(row)
        if k is not None and k in self._by_key:
            self._by_key[k].discard(row.id)
        if row.id in self.inserted:
            self.inserted.discard(row.id)
        else:
            self.updated.discard(row.id)
            self.deleted[row.id] = row

    def changes(self) -> tuple[list[R], list[R], list[str]]:
        ins = [self.rows[i] for i in self.inserted if i in self.rows]
        upd = [self.rows[i] for i in self.updated if i in self.rows]
        return ins, upd, list(self.deleted)


@dataclass
class Changes:
    """Everything one command changed; the store applies it in one transaction."""

    instances: tuple[list[InstanceRow], list[InstanceRow], list[str]]
    locked_instances: dict[str, int]
    scopes: tuple[list[ScopeRow], list[ScopeRow], list[str]]
    tokens: tuple[list[TokenRow], list[TokenRow], list[str]]
    user_tasks: tuple[list[UserTaskRow], list[UserTaskRow], list[str]]
    jobs: tuple[list[JobRow], list[JobRow], list[str]]
    subscriptions: tuple[list[SubscriptionRow], list[SubscriptionRow], list[str]]
    incidents: tuple[list[IncidentRow], list[IncidentRow], list[str]]
    variables_set: list[tuple[str, str, str, Any]]
    variables_deleted: list[tuple[str, str]]
    variable_scopes_cleared: list[str]
    mi_values_set: list[tuple[str, str, int, str, Any]]
    mi_scopes_cleared: list[str]
    messages_inserted: list[MessageRow]
    messages_deleted: list[str]
    history: list[HistoryRow]
    decision_evaluations: list[DecisionEvaluationRow] = field(default_factory=list)
    pending_starts: tuple[list[PendingStartRow], list[PendingStartRow], list[str]] = field(
        default_factory=lambda: ([], [], []))


@dataclass
class Work:
    """Identity map + change log for one command."""

    port: StatePort
    now: datetime
    instances: RowSet[InstanceRow] = field(default_factory=lambda: RowSet(lambda r: None))
    scopes: RowSet[ScopeRow] = field(default_factory=lambda: RowSet(lambda r: r.parent_id))
    tokens: RowSet[TokenRow] = field(default_factory=lambda: RowSet(lambda r: r.scope_id))
    user_tasks: RowSet[UserTaskRow] = field(default_factory=lambda: RowSet(lambda r: r.token_id))
    jobs: RowSet[JobRow] = field(default_factory=lambda: RowSet(lambda r: r.token_id))
    subscriptions: RowSet[SubscriptionRow] = field(
        default_factory=lambda: RowSet(lambda r: r.token_id)
    )
    incidents: RowSet[IncidentRow] = field(default_factory=lambda: RowSet(lambda r: r.token_id))
    pending_starts: RowSet[PendingStartRow] = field(default_factory=lambda: RowSet(lambda r: None))
    locked_instances: dict[str, int] = field(default_factory=dict)
    _vars: dict[str, dict[str, Any]] = field(default_factory=dict)
    _vars_dirty: dict[str, dict[str, str]] = field(default_factory=dict)
    _vars_deleted: set[tuple[str, str]] = field(default_factory=set)
    _var_scopes_cleared: list[str] = field(default_factory=list)
    _changed_instances: set[str] = field(default_factory=set)
    _new_scopes: set[str] = field(default_factory=set)
    _mi_set: dict[tuple[str, str, int], tuple[str, Any]] = field(default_factory=dict)
    _mi_cleared: list[str] = field(default_factory=list)
    messages_inserted: list[MessageRow] = field(default_factory=list)
    messages_deleted: list[str] = field(default_factory=list)
    history: list[HistoryRow] = field(default_factory=list)
    decision_evaluations: list[DecisionEvaluationRow] = field(default_factory=list)

    # -- loading -------------------------------------------------------------------------
    def instance(self, instance_id: str) -> InstanceRow | None:
        row = self.instances.get(instance_id, self.port.load_instance)
        if (
            row is not None
            and row.id not in self.locked_instances
            and row.id not in self.instances.inserted
        ):
            self.locked_instances[row.id] = row.lock_version
        return row

    def scope(self, scope_id: str) -> ScopeRow | None:
        return self.scopes.get(scope_id, self.port.load_scope)

    def child_scopes(self, scope_id: str) -> list[ScopeRow]:
        loader = None if scope_id in self._new_scopes else self.port.load_child_scopes
        return self.scopes.by_key(scope_id, loader)

    def move_scope(self, scope: ScopeRow, parent_id: str) -> None:
        """Give a scope another parent (a multi-instance item kept for compensation outlives
        its item and body scopes)."""
        old_parent = scope.parent_id
        scope.parent_id = parent_id
        self.scopes.rekey(scope, old_parent)

    def token(self, token_id: str) -> TokenRow | None:
        return self.tokens.get(token_id, self.port.load_token)

    def tokens_in(self, scope_id: str) -> list[TokenRow]:
        loader = None if scope_id in self._new_scopes else self.port.load_tokens_in_scope
        return self.tokens.by_key(scope_id, loader)

    def tasks_of(self, token_id: str) -> list[UserTaskRow]:
        return self.user_tasks.by_key(token_id, self.port.load_user_tasks_of_token)

    def jobs_of(self, token_id: str) -> list[JobRow]:
        return self.jobs.by_key(token_id, self.port.load_jobs_of_token)

    def subscriptions_of(self, token_id: str) -> list[SubscriptionRow]:
        return self.subscriptions.by_key(token_id, self.port.load_subscriptions_of_token)

    def incidents_of(self, token_id: str) -> list[IncidentRow]:
        return self.incidents.by_key(token_id, self.port.load_incidents_of_token)

    def add_scope(self, row: ScopeRow) -> ScopeRow:
        self._new_scopes.add(row.id)
        self._vars[row.id] = {}
        return self.scopes.add(row)

    def add_token(self, row: TokenRow) -> TokenRow:
        # a new token's own rows (tasks, jobs...) cannot be in the database yet
        for rs in (self.user_tasks, self.jobs, self.subscriptions, self.incidents):
            rs._loaded_keys.add(row.id)
        return self.tokens.add(row)

    def pending_starts_of(self, deployment_id: str, element_id: str,
                          keys: tuple[str | None, ...] | None) -> list[PendingStartRow]:
        """Open pending starts of a parallel multiple start event (``keys``: only those with
        these correlation keys; None: all), oldest first, merged with this command's."""
        rs = self.pending_starts
        for row in self.port.load_pending_starts(deployment_id, element_id, keys):
            if not rs.known(row.id):
                rs.rows[row.id] = row
        found = [r for r in rs.rows.values()
                 if r.deployment_id == deployment_id and r.element_id == element_id
                 and (keys is None or r.correlation_key in keys)]
        return sorted(found, key=lambda r: (r.created_at, r.id))

    def save_pending_start(self, row: PendingStartRow) -> None:
        """Insert or update a pending start (one deleted earlier in this command may be
        opened again under the same id: it is then an update of the stored row)."""
        rs = self.pending_starts
        if row.id in rs.rows:
            rs.rows[row.id] = row
            rs.touch(row)
        elif row.id in rs.deleted:
            del rs.deleted[row.id]
            rs.rows[row.id] = row
            rs.updated.add(row.id)
        else:
            rs.add(row)

    # -- variables -----------------------------------------------------------------------
    def local_vars(self, scope_id: str) -> dict[str, Any]:
        """The variables stored in one scope (read-only view; write with ``set_var``)."""
        got = self._vars.get(scope_id)
        if got is None:
            got = self.port.load_variables(scope_id)
            self._vars[scope_id] = got
        return got

    def set_var(self, instance_id: str, scope_id: str, name: str, value: Any) -> None:
        self.local_vars(scope_id)[name] = value
        self._vars_dirty.setdefault(scope_id, {})[name] = instance_id
        self._changed_instances.add(instance_id)
        self._vars_deleted.discard((scope_id, name))

    def clear_scope_vars(self, scope_id: str) -> None:
        self._vars[scope_id] = {}
        self._vars_dirty.pop(scope_id, None)
        if scope_id not in self._new_scopes:
            self._var_scopes_cleared.append(scope_id)

    def instances_with_changed_variables(self) -> set[str]:
        """Instances whose variables changed since the last call (for conditional events)."""
        out = self._changed_instances
        self._changed_instances = set()
        return out

    # -- multi-instance values ----------------------------------------------------------
    def set_mi_value(self, instance_id: str, scope_id: str, kind: str, idx: int, v: Any) -> None:
        self._mi_set[(scope_id, kind, idx)] = (instance_id, v)

    def clear_mi_values(self, scope_id: str) -> None:
        """Forget a body's values (called once, when the body ends)."""
        for key in [k for k in self._mi_set if k[0] == scope_id]:
            del self._mi_set[key]
        if scope_id not in self._new_scopes:
            self._mi_cleared.append(scope_id)

    def mi_values(self, scope_id: str, kind: str) -> dict[int, Any]:
        """Values written in the database merged with this command's (by index)."""
        out: dict[int, Any] = {}
        if scope_id not in self._new_scopes:
            for idx, v in self.port.load_mi_values(scope_id, kind):
                out[idx] = v
        for (s, k, idx), (_i, v) in self._mi_set.items():
            if s == scope_id and k == kind:
                out[idx] = v
        return out

    def mi_value(self, scope_id: str, kind: str, idx: int) -> Any:
        got = self._mi_set.get((scope_id, kind, idx))
        if got is not None:
            return got[1]
        return self.port.load_mi_value(scope_id, kind, idx)

    # -- result --------------------------------------------------------------------------
    def changes(self) -> Changes:
        var_set = [
            (scope, name, inst, self._vars[scope][name])
            for scope, names in self._vars_dirty.items()
            for name, inst in names.items()
            if scope in self._vars and name in self._vars[scope]
        ]
        dead_scopes = set(self.scopes.deleted) | {
            s for s in self._new_scopes if s not in self.scopes.rows
        }
        var_set = [v for v in var_set if v[0] not in dead_scopes]
        mi_set = [(s, k, idx, inst, v) for (s, k, idx), (inst, v) in self._mi_set.items()
                  if s not in dead_scopes]
        return Changes(
            instances=self.instances.changes(),
            locked_instances=self.locked_instances,
            scopes=self.scopes.changes(),
            tokens=self.tokens.changes(),
            user_tasks=self.user_tasks.changes(),
            jobs=self.jobs.changes(),
            subscriptions=self.subscriptions.changes(),
            incidents=self.incidents.changes(),
            variables_set=var_set,
            variables_deleted=list(self._vars_deleted),
            variable_scopes_cleared=self._var_scopes_cleared,
            mi_values_set=mi_set,
            mi_scopes_cleared=self._mi_cleared,
            messages_inserted=self.messages_inserted,
            messages_deleted=self.messages_deleted,
            history=self.history,
            decision_evaluations=self.decision_evaluations,
            pending_starts=self.pending_starts.changes(),
        )
