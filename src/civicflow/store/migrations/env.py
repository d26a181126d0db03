"""Alembic environment: runs on the connection handed in by ``civicflow.store.migrate``."""

from __future__ import annotations

from alembic import context

from civicflow.store.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata,
                  version_table="cf_alembic_version")
with context.begin_transaction():
    context.run_migrations()
