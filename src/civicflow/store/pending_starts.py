"""Operators' view of pending starts (parallel multiple start events whose triggers have not
all occurred, decision 0303): list them, withdraw one.

An expired pending start (its earliest message time to live passed) is gone for every read
here, as an expired buffered message is; its row is deleted when a trigger next reaches it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection, delete, or_, select

from civicflow.engine.errors import NotFoundError
from civicflow.engine.graph import ProcessGraph
from civicflow.engine.multiple import part_key
from civicflow.engine.views import PendingStart
from civicflow.store import tables as t
from civicflow.store.convert import loads, to_db, utc


def pending_starts(conn: Connection, graph: Callable[[str], ProcessGraph], now: datetime, *,
                   process_id: str | None = None,
                   pending_id: str | None = None) -> list[PendingStart]:
    """Open pending starts, oldest first (``process_id``: of that process only)."""
    p, d = t.pending_starts.c, t.deployments.c
    q = (select(p.id, p.deployment_id, p.element_id, p.correlation_key, p.parts, p.created_at,
                p.expires_at, d.process_id, d.version)
         .join_from(t.pending_starts, t.deployments, p.deployment_id == d.id)
         .where(or_(p.expires_at.is_(None), p.expires_at > to_db(now)))
         .order_by(p.created_at, p.id))
    if process_id is not None:
        q = q.where(d.process_id == process_id)
    if pending_id is not None:
        q = q.where(p.id == pending_id)
    out: list[PendingStart] = []
    for r in conn.execute(q):
        seen = tuple(loads(r.parts) or [])
        ev = graph(r.deployment_id).node(r.element_id).event
        required = [part_key(part, i) for i, part in enumerate(ev.parts)] if ev else []
        missing = tuple(k for k in required if k not in seen)
        created, expires = utc(r.created_at), utc(r.expires_at)
        assert created is not None
        out.append(PendingStart(r.id, r.process_id, r.version, r.element_id, r.correlation_key,
                                seen, missing, created, expires))
    return out


def withdraw(conn: Connection, graph: Callable[[str], ProcessGraph], now: datetime,
             pending_id: str) -> PendingStart:
    """Delete one open pending start; its triggers are forgotten (no instance starts)."""
    found = pending_starts(conn, graph, now, pending_id=pending_id)
    if not found:
        raise NotFoundError(
            f"There is no pending start {pending_id} (it may have started its instance or "
            "expired). List them with civicflow pending-starts.")
    gone = conn.execute(delete(t.pending_starts).where(t.pending_starts.c.id == pending_id))
    if gone.rowcount != 1:  # started its instance meanwhile
        raise NotFoundError(f"There is no pending start {pending_id} any more.")
    return found[0]
