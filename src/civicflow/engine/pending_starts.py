"""Parallel multiple start events of a process (BPMN 2.0.2, 10.5.2): the process starts only
once *every* trigger of the start event has occurred.

Before an instance exists the triggers seen so far need a home: a *pending start*
(``cf_pending_starts``), one per process version, start event and correlation key. Rules
(decision 0303):

- A **message** counts for the pending start of its correlation key (the key it was published
  with; none is a key of its own). When there is none yet, it takes over the oldest keyless
  pending start that holds only signals and timers (the key is then set), else it opens one.
  A message whose part that pending start already has is not taken (it may be buffered, as any
  message nobody received).
- A **signal** or **timer** carries no key: like a broadcast to catch events, it counts for
  every pending start of the event open at that moment, and opens the keyless one if there is
  none (so "signal first, then the messages" starts an instance too).
- When a pending start has every part, it is deleted and the instance starts at that start
  event: its variables are the parts' variables merged in arrival order (a later part wins on
  a name), its business key is the correlation key (as for a message start event).
- A pending start **expires** at the earliest time to live of the messages it took (a message
  published with a time to live says how long it stays relevant; one published without,
  and signals and timers, set no limit). An expired pending start is gone:
  it is removed when a trigger next reaches it (and then opened afresh), and no read shows it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from civicflow.engine.graph import Node
from civicflow.engine.multiple import part_key
from civicflow.engine.rows import PendingStartRow
from civicflow.engine.runtime import Runtime


def is_parallel_start(node: Node) -> bool:
    """A parallel multiple start event: it waits for all of its triggers."""
    ev = node.event
    return ev is not None and ev.kind == "multiple" and ev.parallel


def pending_id(deployment_id: str, element_id: str, key: str | None) -> str:
    """One row per (version, start event, key): two commands opening the same pending start
    at once collide on the primary key, and the loser runs again on fresh state."""
    text = json.dumps([deployment_id, element_id, key])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def expired(row: PendingStartRow, now: datetime) -> bool:
    """Whether a pending start outlived the earliest time to live of its messages."""
    return row.expires_at is not None and row.expires_at <= now


def _open_rows(rt: Runtime, deployment_id: str, start_id: str,
               keys: tuple[str | None, ...] | None) -> list[PendingStartRow]:
    """The pending starts of the event that have not expired; expired ones are deleted here,
    the first time a trigger reaches them after their time ran out."""
    rows = rt.work.pending_starts_of(deployment_id, start_id, keys)
    for row in rows:
        if expired(row, rt.now):
            rt.work.pending_starts.delete(row)
    return [r for r in rows if not expired(r, rt.now)]


def offer_message(rt: Runtime, deployment_id: str, start_id: str, name: str, key: str | None,
                  variables: Mapping[str, Any], ttl: timedelta = timedelta(0)) -> bool:
    """A message arrived for a parallel multiple start event; True if a pending start took it
    (the instance starts when it was the last part). A positive ``ttl`` (the message's time
    to live) bounds how long the pending start waits for its other parts."""
    node = rt.graphs(deployment_id).node(start_id)
    part = f"message:{name}"
    keys: tuple[str | None, ...] = (key, None) if key is not None else (None,)
    rows = _open_rows(rt, deployment_id, start_id, keys)
    mine = next((r for r in rows if r.correlation_key == key), None)
    if mine is not None:
        if part in mine.parts:
            return False
    else:
        keyless = next((r for r in rows if r.correlation_key is None
                        and not any(p.startswith("message:") for p in r.parts)), None)
        mine = _new(rt, deployment_id, start_id, key)
        if keyless is not None:  # signals and timers seen before the first keyed message
            rt.work.pending_starts.delete(keyless)
            mine.parts, mine.variables = list(keyless.parts), dict(keyless.variables)
            mine.created_at, mine.expires_at = keyless.created_at, keyless.expires_at
    if ttl > timedelta(0):
        until = rt.now + ttl
        mine.expires_at = until if mine.expires_at is None else min(mine.expires_at, until)
    _add(rt, node, deployment_id, mine, part, variables)
    return True


def offer_broadcast(rt: Runtime, deployment_id: str, start_id: str, part: str,
                    variables: Mapping[str, Any]) -> int:
    """A signal or timer (``part``) occurred for a parallel multiple start event; returns how
    many instances it started."""
    node = rt.graphs(deployment_id).node(start_id)
    rows = _open_rows(rt, deployment_id, start_id, None)
    targets = [r for r in rows if part not in r.parts]
    if not any(r.correlation_key is None for r in rows):
        targets.append(_new(rt, deployment_id, start_id, None))
    return sum(_add(rt, node, deployment_id, r, part, variables) for r in targets)


def _new(rt: Runtime, deployment_id: str, start_id: str, key: str | None) -> PendingStartRow:
    return PendingStartRow(id=pending_id(deployment_id, start_id, key),
                           deployment_id=deployment_id, element_id=start_id,
                           correlation_key=key, parts=[], variables={}, created_at=rt.now)


def _add(rt: Runtime, node: Node, deployment_id: str, row: PendingStartRow, part: str,
         variables: Mapping[str, Any]) -> int:
    """Record ``part`` in ``row``; start the instance when it was the last one missing."""
    from civicflow.engine.call_activity import create_instance

    ev = node.event
    assert ev is not None
    row.parts = [*row.parts, part]
    row.variables = {**row.variables, **variables}
    required = {part_key(p, i) for i, p in enumerate(ev.parts)}
    if not required <= set(row.parts):
        rt.work.save_pending_start(row)
        return 0
    if row.id in rt.work.pending_starts.rows:
        rt.work.pending_starts.delete(row)
    create_instance(rt, deployment_id, dict(row.variables), row.correlation_key, None, node.id)
    return 1
