"""The schema: runtime tables (rows that change) apart from the append-only history.

State lives in rows, never in pickled blobs, so one step touches only what changed and a
worklist over many instances is one indexed query. JSON values are stored as text (``json``
module) so SQLite and PostgreSQL hold identical bytes.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

ID = 36  # uuid text length
NAME = 255
TS = DateTime(timezone=True)

deployments = Table(
    "cf_deployments",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("process_id", String(NAME), nullable=False),
    Column("version", Integer, nullable=False),
    Column("name", String(NAME), nullable=True),
    Column("content_hash", String(64), nullable=False),
    Column("source", Text, nullable=False),
    Column("deployed_at", TS, nullable=False),
    Column("bundle_id", String(ID), nullable=True),  # one engine.deploy call (migration 0005)
    UniqueConstraint("process_id", "version", name="uq_cf_deployments_process_version"),
    Index("ix_cf_deployments_hash", "process_id", "content_hash"),
)

instances = Table(
    "cf_instances",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("deployment_id", String(ID), nullable=False),
    Column("process_id", String(NAME), nullable=False),
    Column("version", Integer, nullable=False),
    Column("business_key", String(NAME), nullable=True),
    Column("state", String(16), nullable=False),
    Column("started_at", TS, nullable=False),
    Column("ended_at", TS, nullable=True),
    Column("parent_instance_id", String(ID), nullable=True),
    Column("parent_token_id", String(ID), nullable=True),
    Column("lock_version", Integer, nullable=False),
    Index("ix_cf_instances_state", "state", "process_id"),
    Index("ix_cf_instances_business_key", "business_key"),
    Index("ix_cf_instances_parent_token", "parent_token_id"),
)

scopes = Table(
    "cf_scopes",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("instance_id", String(ID), nullable=False),
    Column("parent_id", String(ID), nullable=True),
    Column("token_id", String(ID), nullable=True),
    Column("element_id", String(NAME), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("data", Text, nullable=False),
    Index("ix_cf_scopes_instance", "instance_id"),
    Index("ix_cf_scopes_parent", "parent_id"),
)

tokens = Table(
    "cf_tokens",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("instance_id", String(ID), nullable=False),
    Column("scope_id", String(ID), nullable=False),
    Column("element_id", String(NAME), nullable=False),
    Column("state", String(16), nullable=False),
    Column("flow_id", String(NAME), nullable=True),
    Column("local_scope_id", String(ID), nullable=True),
    Column("created_at", TS, nullable=False),
    Index("ix_cf_tokens_instance", "instance_id"),
    Index("ix_cf_tokens_scope", "scope_id"),
)

variables = Table(
    "cf_variables",
    metadata,
    Column("scope_id", String(ID), primary_key=True),
    Column("name", String(NAME), primary_key=True),
    Column("instance_id", String(ID), nullable=False),
    Column("value", Text, nullable=False),
    Index("ix_cf_variables_instance", "instance_id"),
)

mi_values = Table(
    "cf_mi_values",
    metadata,
    Column("scope_id", String(ID), primary_key=True),
    Column("kind", String(8), primary_key=True),
    Column("idx", Integer, primary_key=True),
    Column("instance_id", String(ID), nullable=False),
    Column("value", Text, nullable=False),
)

user_tasks = Table(
    "cf_user_tasks",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("instance_id", String(ID), nullable=False),
    Column("token_id", String(ID), nullable=False),
    Column("element_id", String(NAME), nullable=False),
    Column("name", String(NAME), nullable=True),
    Column("assignee", String(NAME), nullable=True),
    Column("candidate_groups", Text, nullable=False),
    Column("form_key", String(NAME), nullable=True),
    Column("lane", String(NAME), nullable=True),
    Column("due", TS, nullable=True),
    Column("created_at", TS, nullable=False),
    Column("state", String(16), nullable=False),
    Column("completed_by", String(NAME), nullable=True),
    Column("completed_at", TS, nullable=True),
    Column("claimed_at", TS, nullable=True),  # 0003: when the assignee claimed it
    Index("ix_cf_user_tasks_open", "state", "instance_id"),
    Index("ix_cf_user_tasks_token", "token_id"),
)

jobs = Table(
    "cf_jobs",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("instance_id", String(ID), nullable=False),
    Column("token_id", String(ID), nullable=False),
    Column("element_id", String(NAME), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("type", String(NAME), nullable=True),
    Column("headers", Text, nullable=False),
    Column("data", Text, nullable=False),
    Column("due_at", TS, nullable=False),
    Column("retries", Integer, nullable=False),
    Column("state", String(16), nullable=False),
    Column("worker_id", String(NAME), nullable=True),
    Column("lock_expires_at", TS, nullable=True),
    Column("error", Text, nullable=True),
    Column("idempotency_key", String(NAME), nullable=False),
    Index("ix_cf_jobs_due", "state", "due_at"),
    Index("ix_cf_jobs_token", "token_id"),
    Index("ix_cf_jobs_type", "type", "state"),
)

subscriptions = Table(
    "cf_subscriptions",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("instance_id", String(ID), nullable=False),
    Column("token_id", String(ID), nullable=False),
    Column("element_id", String(NAME), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("name", String(NAME), nullable=False),
    Column("correlation_key", String(NAME), nullable=True),
    Column("created_at", TS, nullable=False),
    Index("ix_cf_subscriptions_name", "kind", "name", "correlation_key"),
    Index("ix_cf_subscriptions_token", "token_id"),
)

messages = Table(
    "cf_messages",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("name", String(NAME), nullable=False),
    Column("correlation_key", String(NAME), nullable=True),
    Column("variables", Text, nullable=False),
    Column("published_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
    Index("ix_cf_messages_name", "name", "correlation_key"),
)

incidents = Table(
    "cf_incidents",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("instance_id", String(ID), nullable=False),
    Column("token_id", String(ID), nullable=False),
    Column("job_id", String(ID), nullable=True),
    Column("element_id", String(NAME), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("message", Text, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("state", String(16), nullable=False),
    Column("resolved_at", TS, nullable=True),
    Index("ix_cf_incidents_instance", "instance_id", "state"),
)

history = Table(
    "cf_history",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("instance_id", String(ID), nullable=False),
    Column("process_id", String(NAME), nullable=False),
    Column("version", Integer, nullable=False),
    Column("business_key", String(NAME), nullable=True),
    Column("element_id", String(NAME), nullable=False),
    Column("name", String(NAME), nullable=True),
    Column("element_type", String(64), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("at", TS, nullable=False),
    Column("actor", String(NAME), nullable=True),
    Column("lane", String(NAME), nullable=True),
    Column("token_id", String(ID), nullable=True),
    Index("ix_cf_history_instance", "instance_id", "id"),
    Index("ix_cf_history_process", "process_id", "at"),
)

decision_deployments = Table(
    "cf_decision_deployments",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("decision_id", String(NAME), nullable=False),
    Column("version", Integer, nullable=False),
    Column("name", String(NAME), nullable=True),
    Column("content_hash", String(64), nullable=False),
    Column("source", Text, nullable=False),
    Column("deployed_at", TS, nullable=False),
    Column("bundle_id", String(ID), nullable=True),  # one engine.deploy call (migration 0005)
    Column("version_tag", String(NAME), nullable=True),  # zeebe:versionTag of the decision
    Column("namespace", String(1000), nullable=True),  # of its DMN file: found by imports
    Column("imports", Text, nullable=True),  # JSON: the DMN files it imports (decision 0311)
    UniqueConstraint("decision_id", "version", name="uq_cf_decision_deployments_version"),
    Index("ix_cf_decision_deployments_bundle", "bundle_id", "decision_id"),
)

decision_evaluations = Table(
    "cf_decision_evaluations",  # append-only audit: why a business rule task decided as it did
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("instance_id", String(ID), nullable=False),
    Column("token_id", String(ID), nullable=False),
    Column("element_id", String(NAME), nullable=False),
    Column("decision_id", String(NAME), nullable=False),
    Column("decision_name", String(NAME), nullable=False),
    Column("version", Integer, nullable=False),
    Column("deployment_id", String(ID), nullable=False),
    Column("matched_rules", Text, nullable=False),
    Column("result", Text, nullable=False),
    Column("warnings", Text, nullable=False),
    Column("at", TS, nullable=False),
    Index("ix_cf_decision_evaluations_instance", "instance_id", "id"),
)

pending_starts = Table(
    # 0004: triggers of a parallel multiple start event of a process seen so far, one row per
    # (process version, start event, correlation key); the instance starts when all occurred.
    # The id is derived from that triple, so two commands opening the same one collide on the
    # primary key (decision 0303)
    "cf_pending_starts",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("deployment_id", String(ID), nullable=False),
    Column("element_id", String(NAME), nullable=False),
    Column("correlation_key", String(NAME), nullable=True),
    Column("parts", Text, nullable=False),  # JSON list of part keys, in arrival order
    Column("variables", Text, nullable=False),  # JSON object: the parts' variables merged
    Column("created_at", TS, nullable=False),
    # 0006: the earliest time to live of the messages it took; NULL: it does not expire
    Column("expires_at", TS, nullable=True),
    Index("ix_cf_pending_starts_event", "deployment_id", "element_id", "correlation_key"),
)
