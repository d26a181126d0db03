"""Read the engine's history from PostgreSQL as Arrow columns through the ADBC driver.

Why a module of its own: it is the fast path of ``history_stream.read_postgres`` and depends on
a compiled driver (``adbc-driver-postgresql``, libpq + binary COPY in C; pinned, but the reader
falls back when it is missing). Rows never become Python objects, and nothing is formatted as
text on either side: ``at`` travels as PostgreSQL's binary ``timestamptz`` (microseconds, UTC)
and arrives as an Arrow timestamp.

The server is *not* asked to sort: an ``ORDER BY instance_id, id`` over a million wide rows is
an external merge sort that blocks the first row for seconds. The rows come in scan order with
their ``id`` and Arrow sorts them by ``(instance_id, id)`` in the client (decision 0403), which
gives the same order as before: each case's rows together, in write order, cases by byte order
of their id (as SQLite sorts). The result is held as one Arrow table (compact columns, no
per-row objects) since it is sorted as a whole anyway.

When the driver is not installed, or cannot open the URL, :func:`read` returns ``None`` and
the caller uses text COPY through psycopg.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from sqlalchemy import Engine, select

try:  # the optional fast path: a compiled driver
    import adbc_driver_postgresql.dbapi as _driver
except ImportError:  # pragma: no cover - exercised by the COPY tests via DRIVER = None
    _driver = None

#: The ADBC DB-API module, or ``None`` when it is not installed (tests set it to ``None`` to
#: exercise the COPY path).
DRIVER: Any = _driver


class ArrowReadError(Exception):
    """The ADBC driver failed while running the query (after connecting)."""


def read(sql: Engine, table: Any, conditions: list[Any],
         schema: dict[str, pl.DataType]) -> pl.DataFrame | None:
    """The history rows matching ``conditions`` as a frame of ``schema``, grouped by instance in
    write order; ``None`` when ADBC is not available for this URL."""
    driver = DRIVER
    if driver is None:
        return None
    c = table.c
    query = select(*(c[name] for name in schema), c.id).where(*conditions)
    text = str(query.compile(dialect=sql.dialect, compile_kwargs={"literal_binds": True}))
    try:
        conn = driver.connect(libpq_url(sql))
    except driver.Error:
        return None  # e.g. a URL option only psycopg understands: the COPY path still works
    try:
        with conn.cursor() as cursor:
            cursor.execute(text)
            table = cursor.fetch_arrow_table()
    except driver.Error as exc:
        raise ArrowReadError(f"{type(exc).__name__}: {exc}") from exc
    finally:
        conn.close()
    # Arrow's sort copies each string into place: the frame's strings then lie in row order
    # (a polars sort gathers views into the unsorted buffers, and every later pass over the
    # case ids jumps around memory: the report took 1.5x as long).
    ordered = table.sort_by([("instance_id", "ascending"), ("id", "ascending")])
    frame = pl.from_arrow(ordered)
    assert isinstance(frame, pl.DataFrame)  # a table, not a column
    return frame.select(pl.col(name).cast(dtype) for name, dtype in schema.items())


def libpq_url(sql: Engine) -> str:
    """The engine's URL as libpq takes it (``postgresql://``, no SQLAlchemy driver name)."""
    return sql.url.set(drivername="postgresql").render_as_string(hide_password=False)
