"""User task claims: when the assignee claimed a task (started working on it).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cf_user_tasks", sa.Column("claimed_at", sa.DateTime(timezone=True),
                                             nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cf_user_tasks") as batch:
        batch.drop_column("claimed_at")
