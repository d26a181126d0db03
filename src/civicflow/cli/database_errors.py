"""Database failures of the engine commands in words an operator can act on, with an exit code.

SQLAlchemy and the drivers report a wrong URL, a missing folder, a locked SQLite file or a
PostgreSQL server that is down as exceptions whose text names internals ("Could not parse
SQLAlchemy URL", "unable to open database file"). ``explain`` turns them into one sentence that
names the database and what to do; ``None`` means "not a database problem".
"""

from __future__ import annotations

from alembic.util.exc import CommandError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

#: what ``--database`` accepts, said once for every message that needs it
SUPPORTED = "use sqlite:///FILE.db (a file here) or postgresql://USER@HOST:PORT/DATABASE"
#: a wrong ``--database`` value (like any option value Typer refuses)
USAGE = 2
#: the database is there but cannot be used now (down, locked, read-only, missing folder)
UNAVAILABLE = 1


def check_url(url: str) -> str | None:
    """Why ``url`` cannot name a CivicFlow database, before anything connects."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return f"--database {url!r} is not a database URL; {SUPPORTED}."
    backend = parsed.get_backend_name()
    if backend == "postgres":  # accepted and rewritten by civicflow.store.db
        backend = "postgresql"
    if backend not in ("sqlite", "postgresql"):
        return f"CivicFlow does not run on {backend!r} databases; {SUPPORTED}."
    if backend == "postgresql" and parsed.get_driver_name() not in ("psycopg", "psycopg2", ""):
        return (f"--database {url!r} asks for the {parsed.get_driver_name()!r} driver; "
                "CivicFlow uses psycopg 3: write postgresql://... without a driver name.")
    return None


def explain(exc: BaseException, url: str) -> tuple[str, int] | None:
    """One sentence and an exit code for a database failure, or ``None``."""
    if isinstance(exc, ArgumentError | NoSuchModuleError):
        return check_url(url) or f"--database {url!r} cannot be used: {exc}", USAGE
    if isinstance(exc, CommandError):  # alembic: e.g. a schema revision this version lacks
        return (f"the schema of {_where(url)} cannot be brought up to date ({exc}); it may "
                "have been created by a newer CivicFlow: upgrade CivicFlow, or choose another "
                "--database.", UNAVAILABLE)
    if not isinstance(exc, DBAPIError):
        return None
    cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    lowered = cause.lower()
    where = _where(url)
    if "database is locked" in lowered or "database table is locked" in lowered:
        return (f"{where} is locked by another program (another civicflow command, a worker or "
                "a database tool holds a write lock); wait until it is done or stop it, then "
                "try again.", UNAVAILABLE)
    if "unable to open database file" in lowered:
        return (f"cannot open {where}: its folder does not exist or may not be written to. "
                "Create the folder, or choose another --database.", UNAVAILABLE)
    if "readonly database" in lowered or "read-only" in lowered:
        return (f"{where} is read-only; CivicFlow must write to it. Give the file (and its "
                "folder) write permission, or choose another --database.", UNAVAILABLE)
    if "file is not a database" in lowered:
        return (f"{where} is not an SQLite database (another kind of file has that name); "
                "choose another --database.", UNAVAILABLE)
    if "connection" in lowered or "could not translate host" in lowered:
        return (f"cannot connect to {where}: {cause}. Check that the server runs and that the "
                "host, port, user and database name are right.", UNAVAILABLE)
    return f"the database {where} failed: {cause}", UNAVAILABLE


def _where(url: str) -> str:
    """The database a person would recognise: the file, or host/database (no password)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return url
    if parsed.get_backend_name() == "sqlite":
        return f"the database file {parsed.database or '(in memory)'}"
    return (f"the PostgreSQL database {parsed.database or '?'} on {parsed.host or 'localhost'}"
            f":{parsed.port or 5432}")
