"""Kept reader connections: a read takes one, no pool checkout per read (``CommandRunner``)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from civicflow.store.dbapi import Raw


class ReaderPool:
    """Reader connections, opened on demand up to a cap and reused.

    PostgreSQL connections are a server resource: a few readers, shared; SQLite's are file
    handles. ``turns``: for an in-memory database, the lock that reads and command
    transactions take turns with (it is one connection for everything).
    """

    def __init__(self, sql: Any, pg: bool, turns: threading.RLock | None) -> None:
        self._sql = sql
        self._pg = pg
        self._turns = turns
        self._idle: list[Raw] = []
        self._cv = threading.Condition()
        self._count = 0
        self._cap = 4 if pg else 64

    def close(self) -> None:
        with self._cv:
            idle, self._idle = self._idle, []
            self._count -= len(idle)
        for raw in idle:
            if self._pg:
                raw.dbapi.autocommit = False  # as the pool handed it out
            raw.owner.close()

    @contextlib.contextmanager
    def reading(self, *, snapshot: bool = True) -> Iterator[Raw]:
        """A kept connection for a read. With ``snapshot`` (a read of several statements) the
        read runs in one read transaction: on SQLite a deferred BEGIN, which takes no write
        lock (a SQLAlchemy transaction here would BEGIN IMMEDIATE), on PostgreSQL REPEATABLE
        READ. Without it (one statement) there is no BEGIN and no ROLLBACK: one round trip
        less."""
        raw = self._take()
        turn = self._turns if self._turns is not None else contextlib.nullcontext()
        with turn:
            try:
                if snapshot:
                    raw.cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ" if self._pg
                                    else "BEGIN")
                yield raw
            finally:
                self._give_back(raw, snapshot)

    def _take(self) -> Raw:
        with self._cv:
            while not self._idle and self._count >= self._cap:
                self._cv.wait()
            raw = self._idle.pop() if self._idle else None
            if raw is None:
                self._count += 1
        if raw is not None:
            return raw
        try:
            fairy = self._sql.raw_connection()
        except BaseException:
            self._gone()
            raise
        raw = Raw(fairy.dbapi_connection, self._pg)
        raw.owner = fairy
        if self._pg:
            raw.dbapi.autocommit = True  # transactions only where a read asks for one
        return raw

    def _give_back(self, raw: Raw, snapshot: bool) -> None:
        try:
            if snapshot:
                raw.cur.execute("ROLLBACK")  # ends the read transaction
        except Exception:
            with contextlib.suppress(Exception):
                raw.owner.invalidate()
            self._gone()
        else:
            with self._cv:
                self._idle.append(raw)
                self._cv.notify()

    def _gone(self) -> None:
        with self._cv:
            self._count -= 1
            self._cv.notify()
