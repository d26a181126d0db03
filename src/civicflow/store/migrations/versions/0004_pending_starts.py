"""Parallel multiple start events of a process: the triggers seen so far, per process version,
start event and correlation key (decision 0303).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cf_pending_starts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("deployment_id", sa.String(length=36), nullable=False),
        sa.Column("element_id", sa.String(length=255), nullable=False),
        sa.Column("correlation_key", sa.String(length=255), nullable=True),
        sa.Column("parts", sa.Text(), nullable=False),
        sa.Column("variables", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_cf_pending_starts_event", "cf_pending_starts",
                    ["deployment_id", "element_id", "correlation_key"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_cf_pending_starts_event", table_name="cf_pending_starts")
    op.drop_table("cf_pending_starts")
