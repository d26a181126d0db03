"""``civicflow db upgrade``: bring a database's schema to the newest migration (alembic)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine as SqlEngine
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

MIGRATIONS = Path(__file__).parent / "migrations"
HEAD = "0006"  #: newest revision; a test checks it against the migrations folder
VERSION_TABLE = "cf_alembic_version"


def alembic_config(engine: SqlEngine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def current_revision(engine: SqlEngine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    try:
        with engine.connect() as conn:
            row = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).first()
            return str(row[0]) if row else None
    except DBAPIError:
        return None


def upgrade(engine: SqlEngine, revision: str = "head") -> None:
    """Apply every migration not yet applied (idempotent, and cheap when up to date)."""
    if revision == "head" and current_revision(engine) == HEAD:
        return
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
