"""Read-only questions answered through the port (no command, no changes)."""

from __future__ import annotations

from typing import Any

from civicflow.engine.ports import StatePort


def visible_variables(port: StatePort, token_id: str) -> dict[str, Any]:
    """The variables a job's handler sees: every scope from the token's outwards."""
    token = port.load_token(token_id)
    if token is None:
        return {}
    chain: list[str] = []
    cur: str | None = token.local_scope_id or token.scope_id
    while cur is not None:
        chain.append(cur)
        scope = port.load_scope(cur)
        cur = scope.parent_id if scope is not None else None
    merged: dict[str, Any] = {}
    for sid in reversed(chain):
        merged.update(port.load_variables(sid))
    return merged
