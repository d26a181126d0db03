"""Running one engine command: one database transaction around one pure ``advance``.

This is the engine's transaction boundary. A version conflict (or a PostgreSQL serialization
failure) re-runs the command on fresh state, so the loser of a race gets the precise domain
error of the second attempt ("already completed by ...") rather than a generic conflict.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.pool import StaticPool

from civicflow.engine import commands as cmds
from civicflow.engine.clock import Clock
from civicflow.engine.errors import ConflictError, NotFoundError
from civicflow.engine.graph import ProcessGraph
from civicflow.engine.work import Changes
from civicflow.store import db
from civicflow.store.dbapi import Raw
from civicflow.store.instance_cache import InstanceCache
from civicflow.store.readers import ReaderPool
from civicflow.store.state import SqlPort
from civicflow.store.writes import apply_changes

T = TypeVar("T")

CONFLICT_ATTEMPTS = 8
MAX_GROUP = 64  # commands per shared commit: bounds the time a transaction holds locks
CACHE_CAPACITY = 4096  # instances whose rows are kept between commands (PostgreSQL)


class CommandRunner:
    """Owns what every command needs besides the database: compiled process graphs, cached
    deployment versions and parsed decision models (all immutable once deployed), and one
    long-lived DBAPI connection on which every command of this engine runs.

    Keeping the connection (instead of a pool checkout, reset and SQLAlchemy transaction
    events per command) saves about a third of the CPU of a small command; commands of
    concurrent callers take turns on it.
    """

    def __init__(self, sql: Any, clock: Clock) -> None:
        self.sql = sql
        self.clock = clock
        self.graphs: dict[str, ProcessGraph] = {}
        self.versions: dict[str, int] = {}
        self.decision_models: dict[str, Any] = {}  # decision deployment id -> DmnModel
        self._pg = sql.dialect.name == "postgresql"
        self._fairy: Any = None  # the pool's wrapper of our DBAPI connection
        self._raw: Raw | None = None
        self._mutex = threading.Lock()  # guards the queue and the lead
        self._queue: list[_Pending] = []
        self._leading = False
        # an in-memory database is one connection for everything: reads and command
        # transactions must then take turns (a read's BEGIN inside a command's would fail)
        self._one_connection = isinstance(sql.pool, StaticPool)
        self._turns = threading.RLock()
        self._readers = ReaderPool(sql, self._pg, self._turns if self._one_connection else None)
        # rows of the instances this engine started, kept between commands (read your writes):
        # on PostgreSQL a command's first reads are a round trip; on SQLite they cost about
        # what keeping the rows costs (measured: same instructions per instance), so no
        self._cache = InstanceCache(capacity=CACHE_CAPACITY if self._pg else 0)

    # -- the connection ------------------------------------------------------------------------
    def _connection(self) -> Raw:
        if self._raw is None:
            self._fairy = self.sql.raw_connection()  # pool "connect" events set the pragmas
            self._raw = Raw(self._fairy.dbapi_connection, self._pg)
        return self._raw

    def _discard(self) -> None:
        """Drop a connection in an unknown state (failed rollback, lost server)."""
        fairy, self._fairy, self._raw = self._fairy, None, None
        if fairy is not None:
            with contextlib.suppress(Exception):
                fairy.invalidate()

    def close(self) -> None:
        with self._mutex:
            fairy, self._fairy, self._raw = self._fairy, None, None
            if fairy is not None:
                fairy.close()
        self._readers.close()

    def reading(self, *, snapshot: bool = True) -> contextlib.AbstractContextManager[Raw]:
        """A kept reader connection (``ReaderPool.reading``)."""
        return self._readers.reading(snapshot=snapshot)

    def _begin(self, raw: Raw) -> None:
        # SQLite: take the write lock up front (no deadlock upgrading a read lock).
        # psycopg opens the transaction (REPEATABLE READ) at the first statement itself.
        if not self._pg:
            raw.cur.execute("BEGIN IMMEDIATE")

    def _rollback(self, raw: Raw) -> None:
        try:
            raw.dbapi.rollback()
        except Exception:
            self._discard()

    # -- graphs and start events ---------------------------------------------------------------
    def graph(self, deployment_id: str, raw: Raw | None = None) -> ProcessGraph:
        """The compiled graph of a deployment, compiled once per engine."""
        graph = self.graphs.get(deployment_id)
        if graph is not None:
            return graph
        from civicflow.engine.compile import compile_source

        sql = "SELECT process_id, source FROM cf_deployments WHERE id = ?"
        if raw is not None:
            rows = raw.tuples(sql, (deployment_id,))
        else:
            with self.sql.connect() as c:
                rows = Raw.of(c).tuples(sql, (deployment_id,))
        if not rows:
            raise NotFoundError(f"There is no deployment {deployment_id}.")
        process_id, source = rows[0]
        for g in compile_source(source):
            if g.process_id == process_id:
                self.graphs[deployment_id] = g
                return g
        raise NotFoundError(f"Deployment {deployment_id} no longer contains {process_id}.")

    def start_events(self, kind: str, name: str, port: SqlPort) -> list[tuple[str, str]]:
        """(deployment id, start event id) of the latest versions started by a message or
        signal called ``name``."""
        seen: set[str] = set()
        out: list[tuple[str, str]] = []
        for process_id, dep_id, _version in port.raw.tuples(
                "SELECT process_id, id, version FROM cf_deployments "
                "ORDER BY process_id, version DESC"):
            if process_id in seen:
                continue
            seen.add(process_id)
            graph = self.graph(dep_id, port.raw)
            for s in graph.starts:
                ev = graph.node(s).event
                if ev is not None and any(p.kind == kind and p.name == name
                                          for p in ev.triggers()):
                    out.append((dep_id, s))
        return out

    # -- commands ----------------------------------------------------------------------------
    def execute(self, command: cmds.Command) -> tuple[cmds.Outcome, Changes]:
        """Run ``command`` in a transaction; committed durably when this returns.

        Concurrent callers share commits (see ``execute_many``).
        """
        [pending] = self._submit([command])
        if pending.error is not None:
            raise pending.error
        assert pending.result is not None
        return pending.result  # type: ignore[no-any-return]

    def execute_many(self, commands: list[cmds.Command]) -> list[Result | BaseException]:
        """Run several independent commands, each as if alone (its own savepoint), sharing
        durable commits; returns each one's result or the exception it raised."""
        out: list[Result | BaseException] = []
        for p in self._submit(commands):
            if p.error is not None:
                out.append(p.error)
            else:
                assert p.result is not None
                out.append(p.result)
        return out

    def read(self, fn: Callable[[Raw], T]) -> T:
        """Run a one-statement read ``fn(raw)`` on a reader connection (no snapshot).

        It joins the group-commit queue: while another caller leads, the leader runs it
        after the current group, so with many concurrent callers one thread does the
        database work and the others only hand requests over and wait (each hand-over of the
        GIL between threads on different cores costs more than the read itself). With no
        leader at work, the caller reads at once, itself."""
        if not self._leading:  # unlocked peek: at worst it reads beside a new leader
            with self.reading(snapshot=False) as raw:
                return fn(raw)
        [pending] = self._submit([_Read(fn)])
        if pending.error is not None:
            raise pending.error
        return pending.result  # type: ignore[no-any-return]

    def _submit(self, commands: Sequence[cmds.Command | _Read]) -> list[_Pending]:
        """Group commit, leader/follower: the first caller to find no leader runs every
        queued command in one transaction and commits once; the others sleep until the commit
        that holds their commands, each on its own lock, so a commit wakes only the callers it
        finished (not every waiting thread). A caller leads until its own commands are done,
        then hands the lead to the caller of the oldest queued command."""
        batch = _Batch(len(commands))
        mine = [_Pending(c, batch) for c in commands]
        with self._mutex:
            self._queue.extend(mine)
            lead = not self._leading
            self._leading = True
        if not lead:
            batch.wake.acquire()  # released when all are done, or when asked to lead
            if batch.remaining == 0:
                return mine
        batch.leading = True
        try:
            while batch.remaining:
                with self._mutex:
                    group = self._queue[:MAX_GROUP]
                    del self._queue[:MAX_GROUP]
                self._run_group(group)
        finally:
            batch.leading = False
            with self._mutex:
                if batch.remaining:  # leaving on an exception: its own commands are dropped
                    self._queue[:] = [p for p in self._queue if p.batch is not batch]
                if self._queue:
                    self._queue[0].batch.wake.release()  # the next leader
                else:
                    self._leading = False
        return mine

    def _run_group(self, group: list[_Pending]) -> None:
        """The queued commands in one transaction, then the queued reads."""
        commands = [p for p in group if not isinstance(p.command, _Read)]
        if commands:
            self._run_commands(commands)
        reads = [p for p in group if isinstance(p.command, _Read)]
        if reads:
            self._run_reads(reads)

    def _run_reads(self, group: list[_Pending]) -> None:
        settled: list[tuple[_Pending, Any, BaseException | None]] = []
        for p in group:
            assert isinstance(p.command, _Read)
            try:
                with self.reading(snapshot=False) as raw:
                    settled.append((p, p.command.fn(raw), None))
            except Exception as exc:  # the caller gets it, as if it had read itself
                settled.append((p, None, exc))
        self._settle(settled, [])

    def _run_commands(self, group: list[_Pending]) -> None:
        """One transaction: each command in its own savepoint (when not alone), so a failing
        command is undone without undoing the others; one durable commit for all."""
        settled: list[tuple[_Pending, Any, BaseException | None]] = []
        retry: list[_Pending] = []
        turn = self._turns if self._one_connection else contextlib.nullcontext()
        try:
            with turn:
                self._group_transaction(group, settled, retry)
        except BaseException as exc:  # BEGIN or COMMIT failed: nothing of the group is kept
            self._cache.clear()  # the group's commands updated it as if they had committed
            failed = [item for item in settled if item[2] is not None]
            settled = list(failed)
            for p in group:
                if p in retry or any(p is f[0] for f in failed):
                    continue
                error = self._failure(p, exc) if isinstance(exc, Exception) else exc
                if error is None:
                    retry.append(p)
                else:
                    settled.append((p, None, error))
        self._settle(settled, retry)

    def _settle(self, settled: list[tuple[_Pending, Any, BaseException | None]],
                retry: list[_Pending]) -> None:
        """Hand results to their callers, waking each caller whose last one this is."""
        with self._mutex:
            for p, result, error in settled:
                p.result, p.error = result, error
                batch = p.batch
                batch.remaining -= 1
                if batch.remaining == 0 and not batch.leading:
                    batch.wake.release()
            self._queue[:0] = retry  # conflicts re-run first, on fresh state

    def _group_transaction(self, group: list[_Pending],
                           settled: list[tuple[_Pending, Any, BaseException | None]],
                           retry: list[_Pending]) -> None:
        raw = self._connection()
        alone = len(group) == 1
        try:
            self._begin(raw)
            for p in group:
                if not alone:
                    raw.cur.execute("SAVEPOINT cf_command")
                try:
                    assert not isinstance(p.command, _Read)
                    result = self._advance(raw, p.command)
                except Exception as exc:
                    if alone:
                        self._rollback(raw)
                    else:
                        raw.cur.execute("ROLLBACK TO SAVEPOINT cf_command")
                        raw.cur.execute("RELEASE SAVEPOINT cf_command")
                    error = self._failure(p, exc)
                    if error is None:
                        retry.append(p)
                    else:
                        settled.append((p, None, error))
                    continue
                if not alone:
                    raw.cur.execute("RELEASE SAVEPOINT cf_command")
                settled.append((p, result, None))
            if alone and settled and settled[0][2] is not None:
                return  # already rolled back
            if alone and retry:
                return
            raw.dbapi.commit()
        except BaseException:
            self._rollback(raw)
            raise

    @staticmethod
    def _failure(p: _Pending, exc: Exception) -> BaseException | None:
        """The error to give the caller, or None to run the command again on fresh state
        (a version conflict or a PostgreSQL serialization failure)."""
        if type(exc) is ConflictError:  # a stale version; subclasses are final answers
            conflict = exc
        elif db.is_retryable(exc):
            conflict = ConflictError("Someone else changed the same case at the same moment; "
                                     "reload it and try again.")
        else:
            return exc
        p.attempts += 1
        return conflict if p.attempts >= CONFLICT_ATTEMPTS else None

    def _advance(self, raw: Raw, command: cmds.Command) -> Result:
        port = SqlPort(raw, self.start_events, self.versions, self.decision_models,
                       prefetch=self._pg, cache=self._cache if self._cache.capacity else None)
        try:
            changes, outcome = cmds.advance(port, lambda d: self.graph(d, raw), command,
                                            self.clock.now())
            apply_changes(raw, changes, port.loaded)
        except BaseException:
            # a stale kept copy shows as a version conflict: the re-run reads the database
            self._cache.forget(port.from_cache | port.seen)
            raise
        self._cache.absorb(changes, port.from_cache, port.seen, raw.ts)
        return outcome, changes


Result = tuple[cmds.Outcome, Changes]


@dataclass(frozen=True)
class _Read:
    """A read queued like a command (``CommandRunner.read``)."""

    fn: Callable[[Raw], Any]


class _Batch:
    """The commands of one ``_submit`` call: its caller sleeps on ``wake`` (a lock taken at
    creation) until the leader releases it, when the last command is done or when the caller
    is to lead."""

    __slots__ = ("leading", "remaining", "wake")

    def __init__(self, size: int) -> None:
        self.remaining = size
        self.leading = False
        self.wake = threading.Lock()
        self.wake.acquire()


@dataclass(eq=False)
class _Pending:
    """A submitted command (or read), until the commit that holds it (or its error) is
    known."""

    command: cmds.Command | _Read
    batch: _Batch
    attempts: int = 0
    result: Any = None
    error: BaseException | None = None
