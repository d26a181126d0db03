"""The engine's view of runtime rows: one small mutable record per table row.

The engine mutates these inside one command only; the store turns the recorded changes into
SQL. Values that leave the engine (tasks, instances, history) are frozen dataclasses in
``civicflow.engine.views``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple


class InstanceState(StrEnum):
    """Lifecycle of a process instance."""

    ACTIVE = "active"  #: running: has tokens somewhere (possibly stuck on an incident)
    COMPLETED = "completed"  #: every token reached an end event
    TERMINATED = "terminated"  #: a terminate end event or an operator stopped it


class TokenState(StrEnum):
    """Where a token is in the life of the element it sits on."""

    WAITING = "waiting"  #: waits for a person, a job, a timer, a message or a join
    INCIDENT = "incident"  #: stuck; an operator must fix data and retry


@dataclass(slots=True)
class InstanceRow:
    """A process instance (``cf_instances``)."""

    id: str
    deployment_id: str
    process_id: str
    version: int
    business_key: str | None
    state: str
    started_at: datetime
    ended_at: datetime | None
    parent_instance_id: str | None
    parent_token_id: str | None
    lock_version: int


@dataclass(slots=True)
class ScopeRow:
    """A variable scope and container of tokens: the process, a subprocess, a multi-instance
    body or item, or the local scope of an activity with input mappings."""

    id: str
    instance_id: str
    parent_id: str | None
    token_id: str | None
    element_id: str
    kind: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class TokenRow:
    """A token resting on a flow node inside a scope."""

    id: str
    instance_id: str
    scope_id: str
    element_id: str
    state: str
    flow_id: str | None
    local_scope_id: str | None
    created_at: datetime


@dataclass(slots=True)
class UserTaskRow:
    """A user (or manual) task waiting in a worklist, kept after completion for the record."""

    id: str
    instance_id: str
    token_id: str
    element_id: str
    name: str | None
    assignee: str | None
    candidate_groups: list[str]
    form_key: str | None
    lane: str | None
    due: datetime | None
    created_at: datetime
    state: str
    completed_by: str | None = None
    completed_at: datetime | None = None
    claimed_at: datetime | None = None  #: when ``assignee`` claimed it (work started); None: not


@dataclass(slots=True)
class JobRow:
    """Work for a handler, an external worker or the timer: due at ``due_at``."""

    id: str
    instance_id: str
    token_id: str
    element_id: str
    kind: str
    type: str | None
    headers: dict[str, str]
    data: dict[str, Any]
    due_at: datetime
    retries: int
    state: str
    worker_id: str | None
    lock_expires_at: datetime | None
    error: str | None
    idempotency_key: str


@dataclass(slots=True)
class SubscriptionRow:
    """A token waiting for a message or signal by name (and correlation key)."""

    id: str
    instance_id: str
    token_id: str
    element_id: str
    kind: str
    name: str
    correlation_key: str | None
    created_at: datetime


@dataclass(slots=True)
class MessageRow:
    """A published message buffered until a subscriber appears or it expires."""

    id: str
    name: str
    correlation_key: str | None
    variables: dict[str, Any]
    published_at: datetime
    expires_at: datetime


@dataclass(slots=True)
class PendingStartRow:
    """Triggers of a parallel multiple start event of a process that occurred so far, for one
    correlation key; the instance starts once every trigger has occurred (decision 0303).
    ``id`` is derived from (deployment, element, key): one row per triple."""

    id: str
    deployment_id: str
    element_id: str
    correlation_key: str | None
    parts: list[str]  #: part keys (``message:<name>``, ``signal:<name>``, ``timer:<i>``)
    variables: dict[str, Any]  #: the parts' variables merged in arrival order
    created_at: datetime
    #: the earliest time to live of the messages it took; None: it does not expire
    expires_at: datetime | None = None


@dataclass(slots=True)
class IncidentRow:
    """A problem an operator must fix (data or model) before the token can go on."""

    id: str
    instance_id: str
    token_id: str
    job_id: str | None
    element_id: str
    kind: str
    message: str
    created_at: datetime
    state: str
    resolved_at: datetime | None = None


class HistoryRow(NamedTuple):
    """One append-only event-log entry: an element started, ended or was cancelled.

    A named tuple rather than a frozen dataclass: a command writes about nine of these and a
    tuple is built in a fraction of the time (decision 0302)."""

    instance_id: str
    process_id: str
    version: int
    business_key: str | None
    element_id: str
    name: str | None
    element_type: str
    kind: str
    at: datetime
    actor: str | None
    lane: str | None
    token_id: str | None


@dataclass(slots=True, frozen=True)
class DecisionEvaluationRow:
    """The audit of one DMN evaluation by a business rule task: which rules matched, so the
    transparency side can later say why a case went the way it did."""

    instance_id: str
    token_id: str
    element_id: str
    decision_id: str
    decision_name: str
    version: int
    deployment_id: str
    matched_rules: tuple[dict[str, Any], ...]  # decision_id, table_id, index, rule_id, ...
    result: Any  # the JSON value written to the result variable
    warnings: tuple[str, ...]
    at: datetime


@dataclass(slots=True, frozen=True)
class DecisionVersion:
    """One deployed version of a DMN decision, as a binding chooses among them: its row id,
    number, ``zeebe:versionTag`` and the ``engine.deploy`` call (bundle) that stored it."""

    deployment_id: str
    version: int
    version_tag: str | None
    bundle_id: str | None


@dataclass(slots=True, frozen=True)
class DeployedDecision:
    """A deployed version of a DMN decision, with its parsed model (a
    ``civicflow.dmn.DmnModel``) ready to evaluate."""

    decision_id: str
    version: int
    deployment_id: str
    model: Any
