"""Running one engine command: one database transaction around one pure ``advance``.

This is the engine's transaction boundary. A version conflict (or a PostgreSQL serialization
failure) re-runs the command on fresh state, so the loser of a race gets the precise domain
error of the second attempt ("already completed by ...") rather than a generic conflict.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from civicflow.engine import commands as cmds
from civicflow.engine.clock import Clock
from civicflow.engine.errors import ConflictError, NotFoundError
from civicflow.engine.graph import ProcessGraph
from civicflow.engine.work import Changes
from civicflow.store import db
from civicflow.store import tables as t
from civicflow.store.state import SqlPort, apply_changes

CONFLICT_ATTEMPTS = 8


class CommandRunner:
    """Owns what every command needs besides the database: compiled process graphs, cached
    deployment versions and parsed decision models (all immutable once deployed)."""

    def __init__(self, sql: Any, clock: Clock) -> None:
        self.sql = sql
        self.clock = clock
        self.graphs: dict[str, ProcessGraph] = {}
        self.versions: dict[str, int] = {}
        self.decision_models: dict[str, Any] = {}  # decision deployment id -> DmnModel

    def graph(self, deployment_id: str, conn: Connection | None = None) -> ProcessGraph:
        """The compiled graph of a deployment, compiled once per engine."""
        graph = self.graphs.get(deployment_id)
        if graph is not None:
            return graph
        from civicflow.engine.compile import compile_source

        def load(c: Connection) -> Any:
            return c.execute(select(t.deployments).where(t.deployments.c.id == deployment_id)
                             ).first()

        if conn is not None:
            row = load(conn)
        else:
            with self.sql.connect() as c:
                row = load(c)
        if row is None:
            raise NotFoundError(f"There is no deployment {deployment_id}.")
        for g in compile_source(row.source):
            if g.process_id == row.process_id:
                self.graphs[deployment_id] = g
                return g
        raise NotFoundError(f"Deployment {deployment_id} no longer contains {row.process_id}.")

    def start_events(self, kind: str, name: str, port: SqlPort) -> list[tuple[str, str]]:
        """(deployment id, start event id) of the latest versions started by a message or
        signal called ``name``."""
        c = t.deployments.c
        latest = select(c.process_id, c.id, c.version).order_by(c.process_id, c.version.desc())
        seen: set[str] = set()
        out: list[tuple[str, str]] = []
        for row in port.conn.execute(latest):
            if row.process_id in seen:
                continue
            seen.add(row.process_id)
            graph = self.graph(row.id, port.conn)
            for s in graph.starts:
                ev = graph.node(s).event
                if ev is not None and ev.kind == kind and ev.name == name:
                    out.append((row.id, s))
        return out

    def execute(self, command: cmds.Command) -> tuple[cmds.Outcome, Changes]:
        """Run ``command`` in its own transaction; committed when this returns."""
        last: ConflictError | None = None
        for _ in range(CONFLICT_ATTEMPTS):
            try:
                with self.sql.begin() as conn:
                    port = SqlPort(conn, self.start_events, self.versions,
                                   self.decision_models)
                    changes, outcome = cmds.advance(
                        port, lambda d: self.graph(d, conn), command, self.clock.now()
                    )
                    apply_changes(conn, changes)
                return outcome, changes
            except ConflictError as exc:
                last = exc
            except Exception as exc:  # serialization failures come raw from the driver too
                if not db.is_retryable(exc):
                    raise
                last = ConflictError(
                    "Someone else changed the same case at the same moment; reload it and "
                    "try again.")
        assert last is not None
        raise last
