"""Conversions between engine rows and database values: JSON text (orjson, with the standard
library as the fallback), timestamps, and database rows to the engine's row types."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import orjson

from civicflow.engine.rows import (
    IncidentRow,
    InstanceRow,
    JobRow,
    ScopeRow,
    SubscriptionRow,
    TokenRow,
    UserTaskRow,
)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


# orjson is several times faster than ``json`` on the command path; datetimes and dataclasses
# go through ``_json_default`` as they did with ``json``, and non-text keys become text.
_ORJSON_OPTIONS = (orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
                   | orjson.OPT_PASSTHROUGH_DATACLASS)


def dumps(value: Any) -> str:
    try:
        return orjson.dumps(value, default=_json_default, option=_ORJSON_OPTIONS).decode()
    except TypeError:  # an integer beyond 64 bits, NaN keys...: the standard library copes
        return json.dumps(value, separators=(",", ":"), default=_json_default,
                          ensure_ascii=False)


def loads(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # integers beyond 64 bits, NaN written by ``json``
        return json.loads(text)


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


def instance_from_row(r: Any) -> InstanceRow:
    return InstanceRow(r.id, r.deployment_id, r.process_id, r.version, r.business_key, r.state,
                       utc(r.started_at), utc(r.ended_at), r.parent_instance_id,  # type: ignore[arg-type]
                       r.parent_token_id, r.lock_version)


def scope_from_row(r: Any) -> ScopeRow:
    return ScopeRow(r.id, r.instance_id, r.parent_id, r.token_id, r.element_id, r.kind,
                    loads(r.data) or {})


def token_from_row(r: Any) -> TokenRow:
    return TokenRow(r.id, r.instance_id, r.scope_id, r.element_id, r.state, r.flow_id,
                    r.local_scope_id, utc(r.created_at))  # type: ignore[arg-type]


def task_from_row(r: Any) -> UserTaskRow:
    return UserTaskRow(r.id, r.instance_id, r.token_id, r.element_id, r.name, r.assignee,
                       loads(r.candidate_groups) or [], r.form_key, r.lane, utc(r.due),
                       utc(r.created_at), r.state, r.completed_by,  # type: ignore[arg-type]
                       utc(r.completed_at), utc(r.claimed_at))


def job_from_row(r: Any) -> JobRow:
    return JobRow(r.id, r.instance_id, r.token_id, r.element_id, r.kind, r.type,
                  loads(r.headers) or {}, loads(r.data) or {}, utc(r.due_at),  # type: ignore[arg-type]
                  r.retries, r.state, r.worker_id, utc(r.lock_expires_at), r.error,
                  r.idempotency_key)


def subscription_from_row(r: Any) -> SubscriptionRow:
    return SubscriptionRow(r.id, r.instance_id, r.token_id, r.element_id, r.kind, r.name,
                           r.correlation_key, utc(r.created_at))  # type: ignore[arg-type]


def incident_from_row(r: Any) -> IncidentRow:
    return IncidentRow(r.id, r.instance_id, r.token_id, r.job_id, r.element_id, r.kind,
                       r.message, utc(r.created_at), r.state,  # type: ignore[arg-type]
                       utc(r.resolved_at))




