"""Database connections: URL defaults, SQLite pragmas (WAL, durable commits, BEGIN IMMEDIATE)
and PostgreSQL through psycopg 3."""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import Engine as SqlEngine
from sqlalchemy import create_engine, event
from sqlalchemy.pool import StaticPool

DEFAULT_FILE = "civicflow.db"


def default_url() -> str:
    """``CIVICFLOW_DATABASE_URL`` or a SQLite file in the current folder."""
    return os.environ.get("CIVICFLOW_DATABASE_URL") or f"sqlite:///{DEFAULT_FILE}"


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def connect(url: str | None) -> SqlEngine:
    """A SQLAlchemy engine for ``url``; ``None`` means a private in-memory SQLite database."""
    if url is None or url in ("sqlite://", "sqlite:///:memory:"):
        engine = create_engine(
            "sqlite://",
            poolclass=StaticPool,
            connect_args={"check_same_thread": False},
        )
        _sqlite_events(engine, wal=False)
        return engine
    url = normalise_url(url)
    if url.startswith("sqlite"):
        # a SQLite connection is a file handle, not a server resource: no cap on the pool
        # (an engine keeps one connection per concurrent reader)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               max_overflow=-1)
        _sqlite_events(engine, wal=True)
        return engine
    # REPEATABLE READ: a command sees one snapshot, so the version it checks is the version of
    # everything it read; a concurrent write to the same rows fails with a serialization
    # error, which the facade retries like a version conflict.
    return create_engine(url, pool_size=4, max_overflow=8, isolation_level="REPEATABLE READ")


def _sqlite_events(engine: SqlEngine, *, wal: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_connection.cursor()
        if wal:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")  # durable commits, also in WAL mode
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # take the write lock up front: no deadlock upgrading a read to a write lock
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def is_retryable(exc: BaseException) -> bool:
    """A PostgreSQL serialization failure or deadlock: the transaction may simply be re-run.
    So may two commands that opened the same pending start at once (its id is derived from
    version, start event and key): the loser then finds the winner's row."""
    for candidate in (exc, getattr(exc, "orig", None)):
        state = getattr(candidate, "sqlstate", None)
        if state in ("40001", "40P01"):
            return True
        if state == "23505" and getattr(getattr(candidate, "diag", None), "constraint_name",
                                        None) == "cf_pending_starts_pkey":
            return True
    return False


def is_sqlite(engine: SqlEngine) -> bool:
    return engine.dialect.name == "sqlite"
