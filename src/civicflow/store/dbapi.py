"""Plain DBAPI access for the statements every command runs.

Building a SQLAlchemy expression (and going through its execution events) per statement cost
more than the statement itself on SQLite, so the command path talks to the driver directly.
SQL is written with ``?`` and adapted once per text to psycopg's ``%s``; datetimes are written
in SQLAlchemy's SQLite text format so rows written here and rows written by Core compare alike.
"""

from __future__ import annotations

import contextlib
from collections import namedtuple
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

_ROW_TYPES: dict[tuple[str, ...], Any] = {}


def row_type(names: tuple[str, ...]) -> Any:
    """A named-tuple class per column list: attribute access by name at C speed."""
    cls = _ROW_TYPES.get(names)
    if cls is None:
        cls = _ROW_TYPES[names] = namedtuple("Row", names, rename=True)
    return cls


_LAST: tuple[Any, Any] = (None, None)



def sqlite_ts(value: datetime | None) -> str | None:
    """A datetime as SQLAlchemy's SQLite ``DateTime`` stores it (naive UTC text).

    Most timestamps of a command are its one ``now``: the last conversion is remembered.
    """
    global _LAST
    if value is None:
        return None
    last = _LAST
    if last[0] is value:
        return last[1]  # type: ignore[no-any-return]
    text = value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    _LAST = (value, text)
    return text


def pg_ts(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC)


class Raw:
    """One DBAPI connection's cursor, with ``?`` placeholders on both databases.

    Parameters are passed as they are: callers convert datetimes with ``ts`` (which is
    dialect-specific) when they build a row, so no per-value type check is needed here.
    """

    def __init__(self, dbapi_connection: Any, pg: bool) -> None:
        self.pg = pg
        self.dbapi = dbapi_connection
        self.cur = dbapi_connection.cursor()
        self.ts: Callable[[datetime | None], Any] = pg_ts if pg else sqlite_ts
        self._texts: dict[str, str] = {}
        self._row_classes: dict[str, Any] = {}
        self.owner: Any = None  # the pool's wrapper, for connections kept outside the pool

    @classmethod
    def of(cls, conn: Connection) -> Raw:
        """On a SQLAlchemy connection (inside its transaction)."""
        return cls(conn.connection.dbapi_connection, conn.dialect.name == "postgresql")

    def pipeline(self) -> Any:
        """On PostgreSQL, send the following statements without waiting for each reply."""
        if self.pg:
            return self.dbapi.pipeline()
        return contextlib.nullcontext()

    def _sql(self, sql: str) -> str:
        if not self.pg:
            return sql
        text = self._texts.get(sql)
        if text is None:
            text = self._texts[sql] = sql.replace("?", "%s")
        return text

    def params(self, params: Sequence[Any]) -> list[Any]:
        """Convert datetimes in ad-hoc parameters (hot paths convert when building rows)."""
        return [self.ts(p) if isinstance(p, datetime) else p for p in params]

    def text(self, sql: str) -> str:
        """``sql`` with this driver's placeholders."""
        return self._sql(sql)

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Result rows as named tuples (``row.column`` and ``row[i]``)."""
        cur = self.cur
        cur.execute(self._sql(sql), params)
        return self.named(cur, sql)

    def named(self, cur: Any, sql: str) -> list[Any]:
        """A cursor's (remaining) result rows of statement ``sql`` as named tuples.

        The row class is built once per statement: reading ``cursor.description`` costs
        little on SQLite but builds a column object per column on psycopg. A row longer or
        shorter than the class (``SELECT *`` after a migration added a column) rebuilds it."""
        fetched = cur.fetchall()
        cls = self._row_classes.get(sql)
        if cls is None or (fetched and len(fetched[0]) != len(cls._fields)):
            cls = self._row_classes[sql] = row_type(tuple(d[0] for d in cur.description))
        return [cls._make(r) for r in fetched]

    def tuples(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Result rows as plain tuples."""
        self.cur.execute(self._sql(sql), params)
        return list(self.cur.fetchall())

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        self.cur.execute(self._sql(sql), params)
        return int(self.cur.rowcount)

    def many(self, sql: str, seq: Sequence[Sequence[Any]]) -> None:
        if seq:
            self.cur.executemany(self._sql(sql), seq)
