"""Pending starts of a parallel multiple start event expire: ``expires_at`` is the earliest
time to live of the messages a pending start took (none: it does not expire). Decision 0303.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cf_pending_starts") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cf_pending_starts") as batch:
        batch.drop_column("expires_at")
