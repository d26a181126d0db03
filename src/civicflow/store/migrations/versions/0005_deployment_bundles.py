"""Deployment bundles, decision version tags and DMN imports: which process and decision
versions were deployed by the same ``engine.deploy`` call (binding type "deployment"), the
version tag each decision version carries (binding type "versionTag"), the namespace of its
DMN file and the files it imports, resolved at deployment. Decision 0311.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cf_deployments") as batch:
        batch.add_column(sa.Column("bundle_id", sa.String(length=36), nullable=True))
    with op.batch_alter_table("cf_decision_deployments") as batch:
        batch.add_column(sa.Column("bundle_id", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("version_tag", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("namespace", sa.String(length=1000), nullable=True))
        batch.add_column(sa.Column("imports", sa.Text(), nullable=True))
    op.create_index("ix_cf_decision_deployments_bundle", "cf_decision_deployments",
                    ["bundle_id", "decision_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_cf_decision_deployments_bundle", table_name="cf_decision_deployments")
    with op.batch_alter_table("cf_decision_deployments") as batch:
        batch.drop_column("imports")
        batch.drop_column("namespace")
        batch.drop_column("version_tag")
        batch.drop_column("bundle_id")
    with op.batch_alter_table("cf_deployments") as batch:
        batch.drop_column("bundle_id")
