"""Frozen values the public API hands out: tasks, instances, jobs, incidents, history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from civicflow.engine.rows import InstanceState


@dataclass(frozen=True, slots=True)
class Deployment:
    """A deployed process version, or (``kind == "decision"``) a deployed DMN decision
    version, whose decision id is then in ``process_id``."""

    id: str
    process_id: str
    version: int
    name: str | None
    deployed_at: datetime
    kind: str = "process"  # or "decision"


@dataclass(frozen=True, slots=True)
class DecisionEvaluation:
    """One audited DMN evaluation by a business rule task: what was decided and why."""

    instance_id: str
    element_id: str
    decision_id: str
    decision_name: str
    version: int
    matched_rules: tuple[dict[str, Any], ...]  # decision_id, table_id, index, rule_id, ...
    result: Any
    warnings: tuple[str, ...]
    at: datetime

    @property
    def matched_rule_ids(self) -> tuple[str, ...]:
        return tuple(str(rule["rule_id"]) for rule in self.matched_rules)


@dataclass(frozen=True, slots=True)
class Task:
    """An open (or finished) user task as a worklist shows it."""

    id: str
    element_id: str
    name: str | None
    instance_id: str
    assignee: str | None
    candidate_groups: tuple[str, ...]
    due: datetime | None
    created_at: datetime
    form_key: str | None = None
    lane: str | None = None
    state: str = "open"
    process_id: str | None = None
    business_key: str | None = None
    claimed_at: datetime | None = None  #: when ``assignee`` claimed it; None: not claimed


@dataclass(frozen=True, slots=True)
class Incident:
    """Something an operator must fix: where, why, and since when."""

    id: str
    instance_id: str
    element_id: str
    kind: str
    message: str
    created_at: datetime
    job_id: str | None = None
    state: str = "open"


@dataclass(frozen=True, slots=True)
class Instance:
    """A snapshot of a process instance taken when it was read."""

    id: str
    process_id: str
    version: int
    business_key: str | None
    state: InstanceState
    started_at: datetime
    ended_at: datetime | None
    variables: dict[str, Any] = field(default_factory=dict)
    incidents: tuple[Incident, ...] = ()
    parent_instance_id: str | None = None


@dataclass(frozen=True, slots=True)
class Job:
    """Work for a handler or an external worker: read ``variables`` and ``headers``."""

    id: str
    type: str
    instance_id: str
    element_id: str
    variables: dict[str, Any]
    headers: dict[str, str]
    retries: int
    idempotency_key: str
    worker_id: str | None = None
    lock_expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One event-log line: an element started, ended or was cancelled (XES-friendly)."""

    instance_id: str
    process_id: str
    version: int
    element_id: str
    name: str | None
    element_type: str
    kind: str
    at: datetime
    actor: str | None
    lane: str | None
    business_key: str | None = None


@dataclass(frozen=True, slots=True)
class PendingStart:
    """Triggers of a parallel multiple start event that occurred, waiting for the others
    before the process starts (decision 0303). Parts are ``message:<name>``,
    ``signal:<name>`` or ``timer:<index>``; ``expires_at`` is None when it does not expire."""

    id: str
    process_id: str
    version: int
    start_event: str
    correlation_key: str | None
    parts_seen: tuple[str, ...]
    parts_missing: tuple[str, ...]
    created_at: datetime
    expires_at: datetime | None = None
