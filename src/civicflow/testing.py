"""Helpers for tests (ours and users'): a clock that only moves when told to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise


class FixedClock:
    """A clock standing still at ``start`` until ``advance`` moves it. Never sleeps."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        self._now = start if start.tzinfo is not None else start.replace(tzinfo=UTC)

    def now(self) -> datetime:
        """The clock's current instant."""
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward (a negative delta is refused) and return the new instant."""
        if delta < timedelta(0):
            raise ValueError("a FixedClock only moves forward")
        self._now = self._now + delta
        return self._now

    def set(self, instant: datetime) -> None:
        """Jump to an instant (not before the current one)."""
        instant = instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)
        if instant < self._now:
            raise ValueError("a FixedClock only moves forward")
        self._now = instant


BPMN_NAMESPACES = (
    'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
)


def bpmn(body: str, process_id: str = "p", *, extra: str = "") -> str:
    """A BPMN file around ``body`` (the process's flow elements, ``bpmn:`` prefixed).

    ``extra`` goes beside the process (messages, errors, signals, other processes).
    """
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<bpmn:definitions {BPMN_NAMESPACES} id="defs" targetNamespace="http://example.org/t">'
        f'<bpmn:process id="{process_id}" isExecutable="true">{body}</bpmn:process>{extra}'
        "</bpmn:definitions>"
    )


def flow(source: str, target: str, condition: str | None = None, flow_id: str | None = None
         ) -> str:
    """A sequence flow element, optionally with a FEEL condition (``=``-prefixed)."""
    fid = flow_id or f"f_{source}_{target}"
    if condition is None:
        return f'<bpmn:sequenceFlow id="{fid}" sourceRef="{source}" targetRef="{target}"/>'
    cond = condition.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (
        f'<bpmn:sequenceFlow id="{fid}" sourceRef="{source}" targetRef="{target}">'
        f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{cond}'
        "</bpmn:conditionExpression></bpmn:sequenceFlow>"
    )


def chain(*ids: str) -> str:
    """Sequence flows connecting ``ids`` in order."""
    return "".join(flow(a, b) for a, b in pairwise(ids))


def compensable(task_id: str, handler_id: str) -> str:
    """A plain task with a compensation boundary event associated to a user-task handler
    (``handler_id``), so a test can see the handler open when compensation reaches the task."""
    return (
        f'<bpmn:task id="{task_id}"/>'
        f'<bpmn:boundaryEvent id="{task_id}_comp" attachedToRef="{task_id}">'
        "<bpmn:compensateEventDefinition/></bpmn:boundaryEvent>"
        f'<bpmn:userTask id="{handler_id}" isForCompensation="true"/>'
        f'<bpmn:association id="{task_id}_assoc" sourceRef="{task_id}_comp" '
        f'targetRef="{handler_id}"/>'
    )
