"""Initial schema: deployments, runtime tables and the append-only history.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cf_deployments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("process_id", sa.String(length=255), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("deployed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("process_id", "version", name="uq_cf_deployments_process_version"),
    )
    op.create_index(
        "ix_cf_deployments_hash", "cf_deployments", ["process_id", "content_hash"], unique=False
    )
    op.create_table(
        "cf_history",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("instance_id", sa.String(length=36), nullable=False),
        sa.Column("process_id", sa.String(length=255), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("business_key", sa.String(length=255), nullable=True),
        sa.Column("element_id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("element_type", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=True),
        sa.Column("lane", sa.String(length=255), nullable=True),
        sa.Column("token_id", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_cf_history_instance", "cf_history", ["instance_id", "id"], unique=False)
    op.create_index("ix_cf_history_process", "cf_history", ["process_id", "at"], unique=False)
    op.create_table(
        "cf_incidents",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("instance_id", sa.String(length=36), nullable=False),
        sa.Column("token_id", sa.String(length=36), nullable=False),
        sa.Column("job_id", sa.String(length=36), nullable=True),
        sa.Column("element_id", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_cf_incidents_instance", "cf_incidents", ["instance_id", "state"], unique=False
    )
    op.create_table(
        "cf_instances",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("deployment_id", sa.String(length=36), nullable=False),
        sa.Column("process_id", sa.String(length=255), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("business_key", sa.String(length=255), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("parent_instance_id", sa.String(length=36), nullable=True),
        sa.Column("parent_token_id", sa.String(length=36), nullable=True),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_cf_instances_business_key", "cf_instances", ["business_key"], unique=False)
    op.create_index(
        "ix_cf_instances_parent_token", "cf_instances", ["parent_token_id"], unique=False
    )
    op.create_index("ix_cf_instances_state", "cf_instances", ["state", "process_id"], unique=False)
    op.create_table(
        "cf_jobs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("instance_id", sa.String(length=36), nullable=False),
        sa.Column("token_id", sa.String(length=36), nullable=False),
        sa.Column("element_id", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("type", sa.String(length=255), nullable=True),
        sa.Column("headers", sa.Text(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retries", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("worker_id", sa.String(length=255), nullable=True),
        sa.Column("lock_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_cf_jobs_due", "cf_jobs", ["state", "due_at"], unique=False)
    op.create_index("ix_cf_jobs_token", "cf_jobs", ["token_id"], unique=False)
    op.create_index("ix_cf_jobs_type", "cf_jobs", ["type", "state"], unique=False)
    op.create_table(
        "cf_messages",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("correlation_key", sa.String(length=255), nullable=True),
        sa.Column("variables", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_cf_messages_name", "cf_messages", ["name", "correlation_key"], unique=False)
    op.create_table(
        "cf_mi_values",
        sa.Column("scope_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.String(length=36), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("scope_id", "kind", "idx"),
    )
    op.create_table(
        "cf_scopes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("instance_id", sa.String(length=36), nullable=False),
        sa.Column("parent_id", sa.String(length=36), nullable=True),
        sa.Column("token_id", sa.String(length=36), nullable=True),
        sa.Column("element_id", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_cf_scopes_instance", "cf_scopes", ["instance_id"], unique=False)
    op.create_index("ix_cf_scopes_parent", "cf_scopes", ["parent_id"], unique=False)
    op.create_table(
        "cf_subscriptions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("instance_id", sa.String(length=36), nullable=False),
        sa.Column("token_id", sa.String(length=36), nullable=False),
        sa.Column("element_id", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("correlation_key", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_cf_subscriptions_name",
        "cf_subscriptions",
        ["kind", "name", "correlation_key"],
        unique=False,
    )
    op.create_index("ix_cf_subscriptions_token", "cf_subscriptions", ["token_id"], unique=False)
    op.create_table(
        "cf_tokens",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("instance_id", sa.String(length=36), nullable=False),
        sa.Column("scope_id", sa.String(length=36), nullable=False),
        sa.Column("element_id", sa.String(length=255), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("flow_id", sa.String(length=255), nullable=True),
        sa.Column("local_scope_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_cf_tokens_instance", "cf_tokens", ["instance_id"], unique=False)
    op.create_index("ix_cf_tokens_scope", "cf_tokens", ["scope_id"], unique=False)
    op.create_table(
        "cf_user_tasks",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("instance_id", sa.String(length=36), nullable=False),
        sa.Column("token_id", sa.String(length=36), nullable=False),
        sa.Column("element_id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("assignee", sa.String(length=255), nullable=True),
        sa.Column("candidate_groups", sa.Text(), nullable=False),
        sa.Column("form_key", sa.String(length=255), nullable=True),
        sa.Column("lane", sa.String(length=255), nullable=True),
        sa.Column("due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("completed_by", sa.String(length=255), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_cf_user_tasks_open", "cf_user_tasks", ["state", "instance_id"], unique=False
    )
    op.create_index("ix_cf_user_tasks_token", "cf_user_tasks", ["token_id"], unique=False)
    op.create_table(
        "cf_variables",
        sa.Column("scope_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("instance_id", sa.String(length=36), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("scope_id", "name"),
    )
    op.create_index("ix_cf_variables_instance", "cf_variables", ["instance_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_cf_variables_instance", table_name="cf_variables")
    op.drop_table("cf_variables")
    op.drop_index("ix_cf_user_tasks_token", table_name="cf_user_tasks")
    op.drop_index("ix_cf_user_tasks_open", table_name="cf_user_tasks")
    op.drop_table("cf_user_tasks")
    op.drop_index("ix_cf_tokens_scope", table_name="cf_tokens")
    op.drop_index("ix_cf_tokens_instance", table_name="cf_tokens")
    op.drop_table("cf_tokens")
    op.drop_index("ix_cf_subscriptions_token", table_name="cf_subscriptions")
    op.drop_index("ix_cf_subscriptions_name", table_name="cf_subscriptions")
    op.drop_table("cf_subscriptions")
    op.drop_index("ix_cf_scopes_parent", table_name="cf_scopes")
    op.drop_index("ix_cf_scopes_instance", table_name="cf_scopes")
    op.drop_table("cf_scopes")
    op.drop_table("cf_mi_values")
    op.drop_index("ix_cf_messages_name", table_name="cf_messages")
    op.drop_table("cf_messages")
    op.drop_index("ix_cf_jobs_type", table_name="cf_jobs")
    op.drop_index("ix_cf_jobs_token", table_name="cf_jobs")
    op.drop_index("ix_cf_jobs_due", table_name="cf_jobs")
    op.drop_table("cf_jobs")
    op.drop_index("ix_cf_instances_state", table_name="cf_instances")
    op.drop_index("ix_cf_instances_parent_token", table_name="cf_instances")
    op.drop_index("ix_cf_instances_business_key", table_name="cf_instances")
    op.drop_table("cf_instances")
    op.drop_index("ix_cf_incidents_instance", table_name="cf_incidents")
    op.drop_table("cf_incidents")
    op.drop_index("ix_cf_history_process", table_name="cf_history")
    op.drop_index("ix_cf_history_instance", table_name="cf_history")
    op.drop_table("cf_history")
    op.drop_index("ix_cf_deployments_hash", table_name="cf_deployments")
    op.drop_table("cf_deployments")
