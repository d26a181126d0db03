"""``civicflow db upgrade``: bring a database's schema to the newest migration (alembic)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine as SqlEngine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: SqlEngine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: SqlEngine, revision: str = "head") -> None:
    """Apply every migration not yet applied (idempotent)."""
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
