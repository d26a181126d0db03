"""The runtime rows of instances this engine started, kept after each command (read your
own writes), on PostgreSQL.

A command's first reads of an instance (its task, instance row, scopes, tokens, variables...)
cost a pipelined round trip of eight queries on PostgreSQL (six statements on SQLite, where
keeping the rows costs about as many instructions as it saves, so SQLite keeps none), and
they return what the previous command of this engine wrote. So after a committed command
the ``CommandRunner`` keeps the instance's rows, in the shape the PostgreSQL prefetch reads
them (``store.prefetch``), and the next command on the instance is answered from them.

Correctness does not rest on the copy being fresh: every command checks and bumps the
``lock_version`` of each instance it read (``store.writes``). When another process (or a
write outside the runner) changed the instance, the check fails, the runner forgets the copy
and runs the command again on rows read from the database. Job rows are never kept: workers
lock jobs (``store.jobs``) without bumping the version, so they are always read.

What is kept is complete by construction: an instance enters at its start (every row it has
was inserted by that command) and each later command's changes are applied to it. An instance
read from the database is not added (the prefetch does not see subscriptions owned by
scopes); an instance with more rows than the prefetch's limits, or no longer active, leaves.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from civicflow.engine.work import Changes
from civicflow.store.convert import dumps
from civicflow.store.dbapi import row_type
from civicflow.store.prefetch import LIMIT
from civicflow.store.writes import ROW_FORMS

_TABLES = ("scopes", "tokens", "tasks", "subscriptions", "incidents")


class _Entry:
    """One instance's rows, by table and id, as database rows (named tuples)."""

    __slots__ = ("instance", "rows", "variables")

    def __init__(self, instance: Any) -> None:
        self.instance = instance
        self.rows: dict[str, dict[str, Any]] = {name: {} for name in _TABLES}
        self.variables: dict[tuple[str, str], str] = {}

    def copy(self) -> _Entry:
        out = _Entry(self.instance)
        out.rows = {name: dict(rows) for name, rows in self.rows.items()}
        out.variables = dict(self.variables)
        return out

    def as_fetched(self) -> dict[str, list[Any] | None]:
        """The shape of ``prefetch.fetch_instance``: jobs are left to lazy reads."""
        return {
            "instance": [self.instance],
            "scopes": list(self.rows["scopes"].values()),
            "tokens": list(self.rows["tokens"].values()),
            "variables": [_VARIABLE(s, n, v) for (s, n), v in self.variables.items()],
            "tasks": list(self.rows["tasks"].values()),
            "jobs": None,
            "subscriptions": list(self.rows["subscriptions"].values()),
            "incidents": list(self.rows["incidents"].values()),
        }


_VARIABLE = row_type(("scope_id", "name", "value"))
#: table name -> (row class, a row's database values)
_FORMS = {name: (row_type(cols), values) for name, (cols, values) in ROW_FORMS.items()}
#: tables whose rows are kept only while open (as the prefetch reads them)
_OPEN_ONLY = {"tasks", "incidents"}


class InstanceCache:
    """Used by the group-commit leader only (one command at a time): no lock of its own."""

    def __init__(self, capacity: int) -> None:
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._task_instance: dict[str, str] = {}  # open task id -> instance id
        #: instances kept at most (the least recently used leave first); 0 keeps nothing
        self.capacity = capacity

    def fetched(self, instance_id: str) -> dict[str, list[Any] | None] | None:
        """The instance's rows in the prefetch's shape, or None when not kept."""
        entry = self._entries.get(instance_id)
        if entry is None:
            return None
        self._entries.move_to_end(instance_id)
        return entry.as_fetched()

    def instance_of_task(self, task_id: str) -> str | None:
        return self._task_instance.get(task_id)

    def forget(self, instance_ids: Iterable[str]) -> None:
        for instance_id in instance_ids:
            entry = self._entries.pop(instance_id, None)
            if entry is not None:
                for task_id in entry.rows["tasks"]:
                    self._task_instance.pop(task_id, None)

    def clear(self) -> None:
        self._entries.clear()
        self._task_instance.clear()

    def absorb(self, changes: Changes, kept: set[str], seen: set[str],
               ts: Callable[[Any], Any]) -> None:
        """After a successful command: apply its changes to the instances it read from here
        (``kept``) and add the instances it started; forget every other instance it touched
        or read from the database (``seen``). ``ts`` writes a timestamp as the database
        returns it (text on SQLite)."""
        started = {r.id for r in changes.instances[0]}
        touched = _instances_touched(changes)
        self.forget((touched | seen | set(changes.locked_instances)) - kept - started)
        for instance_id in (kept | started) & (touched | set(changes.locked_instances)):
            base = self._entries.get(instance_id)
            if base is None and instance_id not in started:
                continue
            entry = _apply(base, instance_id, changes, ts)
            self.forget((instance_id,))
            if entry is not None:
                self._entries[instance_id] = entry
                for task_id in entry.rows["tasks"]:
                    self._task_instance[task_id] = instance_id
        while len(self._entries) > self.capacity:
            oldest = next(iter(self._entries))
            self.forget((oldest,))


def _instances_touched(ch: Changes) -> set[str]:
    out: set[str] = set()
    for ins, upd, _dels in (ch.instances, ch.scopes, ch.tokens, ch.user_tasks, ch.jobs,
                            ch.subscriptions, ch.incidents):
        out.update(r.instance_id if hasattr(r, "instance_id") else r.id for r in ins)
        out.update(r.instance_id if hasattr(r, "instance_id") else r.id for r in upd)
    out.update(v[2] for v in ch.variables_set)
    out.update(v[3] for v in ch.mi_values_set)
    out.update(h.instance_id for h in ch.history)
    return out


def _apply(base: _Entry | None, instance_id: str, ch: Changes,
           ts: Callable[[Any], Any]) -> _Entry | None:
    """The instance's rows after ``ch``, or None when they are not to be kept."""
    row = next((r for r in (*ch.instances[0], *ch.instances[1]) if r.id == instance_id), None)
    if instance_id in ch.instances[2]:
        return None
    if row is not None:
        cls, values = _FORMS["instance"]
        instance = cls._make(values(row, ts))
    elif base is not None:
        instance = base.instance
    else:
        return None
    seen = ch.locked_instances.get(instance_id)
    if seen is not None:  # the version check bumped it in the database
        instance = instance._replace(lock_version=seen + 1)
    if instance.state != "active":
        return None
    entry = base.copy() if base is not None else _Entry(instance)
    entry.instance = instance
    for name, (ins, upd, dels) in (("scopes", ch.scopes), ("tokens", ch.tokens),
                                   ("tasks", ch.user_tasks), ("subscriptions", ch.subscriptions),
                                   ("incidents", ch.incidents)):
        rows = entry.rows[name]
        for r in (*ins, *upd):
            if r.instance_id != instance_id:
                continue
            if name in _OPEN_ONLY and r.state != "open":
                rows.pop(r.id, None)
            else:
                cls, values = _FORMS[name]
                rows[r.id] = cls._make(values(r, ts))
        for row_id in dels:
            rows.pop(row_id, None)
        if len(rows) > LIMIT:
            return None
    variables = entry.variables
    cleared = set(ch.variable_scopes_cleared)
    if cleared:
        for key in [k for k in variables if k[0] in cleared]:
            del variables[key]
    for key in ch.variables_deleted:
        variables.pop(key, None)
    for scope_id, name, owner, value in ch.variables_set:
        if owner == instance_id:
            variables[(scope_id, name)] = dumps(value)
    if len(variables) > 4 * LIMIT:
        return None
    return entry
