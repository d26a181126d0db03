"""Shared fixtures: an engine on SQLite (a WAL file) and on PostgreSQL (a fresh schema).

PostgreSQL tests skip when the server at 127.0.0.1:5432 is down, and FAIL when the
environment sets CIVICFLOW_TEST_POSTGRES=1 (CI), so a missing server is never silently green.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

PG_HOST = os.environ.get("CIVICFLOW_TEST_PG_HOST", "127.0.0.1")
PG_BASE = f"postgresql+psycopg://postgres@{PG_HOST}:5432/test"


def postgres_required() -> bool:
    return os.environ.get("CIVICFLOW_TEST_POSTGRES") == "1"


def _pg_available() -> str | None:
    try:
        import psycopg

        with psycopg.connect(f"host={PG_HOST} port=5432 user=postgres dbname=test",
                             connect_timeout=3):
            return None
    except Exception as exc:  # any failure to connect means "down" for the fixture
        return str(exc)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated schema for this test session; dropped afterwards."""
    problem = _pg_available()
    if problem is not None:
        if postgres_required():
            pytest.fail(f"CIVICFLOW_TEST_POSTGRES=1 but PostgreSQL is not reachable: {problem}")
        pytest.skip(f"PostgreSQL not reachable ({problem})")
    import sqlalchemy as sa

    from civicflow.store.db import connect
    from civicflow.store.migrate import upgrade

    schema = f"cf_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_BASE)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = f"{PG_BASE}?options=-csearch_path%3D{schema}"
    engine = connect(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        for cleaner in _cleaners.values():
            cleaner.dispose()
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


_cleaners: dict[str, Any] = {}


def empty_all_tables(url: str) -> None:
    """DELETE is much faster than TRUNCATE on the tiny tables a test leaves behind."""
    import sqlalchemy as sa

    from civicflow.store.tables import metadata

    eng = _cleaners.get(url)
    if eng is None:
        eng = _cleaners[url] = sa.create_engine(url, poolclass=sa.pool.StaticPool)
    with eng.begin() as conn:
        for table in metadata.sorted_tables:
            if table.name != "cf_alembic_version":
                conn.execute(table.delete())


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating once keeps the suite fast)."""
    from civicflow.store.db import connect
    from civicflow.store.migrate import upgrade

    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    engine = connect(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty, migrated database: a SQLite file, then a PostgreSQL schema."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "civicflow.db"
        shutil.copy(template, target)
        yield f"sqlite:///{target}"
        return
    url: str = request.getfixturevalue("postgres_url")
    empty_all_tables(url)
    yield url


@pytest.fixture
def clock() -> Any:
    from civicflow.testing import FixedClock

    return FixedClock()


@pytest.fixture
def engine(database_url: str, clock: Any) -> Iterator[Any]:
    """An ``Engine`` on each database in turn, with a fixed clock."""
    from civicflow import Engine

    eng = Engine.open(database_url, clock=clock, migrate=False)
    try:
        yield eng
    finally:
        eng.close()


@pytest.fixture
def clean_postgres_url(postgres_url: str) -> str:
    """The session's PostgreSQL schema, emptied (for multi-process tests)."""
    empty_all_tables(postgres_url)
    return postgres_url
