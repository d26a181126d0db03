"""Compensation (BPMN 13.5.5): not implemented yet; a throw raises a clear incident."""

from __future__ import annotations

from civicflow.engine.graph import Node
from civicflow.engine.rows import TokenRow
from civicflow.engine.runtime import IncidentError, Runtime


def compensate(rt: Runtime, token: TokenRow, node: Node) -> None:
    """Throwing compensation is not supported yet: stop with an incident instead of guessing."""
    raise IncidentError(
        "unsupported",
        f"Element '{node.id}': compensation is not supported by this engine version yet.",
    )
