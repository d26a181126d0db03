"""Throwing BPMN errors, escalations and signals: the nearest boundary event or event
subprocess that catches an error or escalation, searched outwards through subprocesses and
calling processes (an uncaught error is an incident, an uncaught escalation is ignored)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from civicflow.engine.events import inner_instance, start_event_subprocess, trigger_boundary
from civicflow.engine.graph import EventDef, Node
from civicflow.engine.rows import ScopeRow, TokenRow
from civicflow.engine.runtime import IncidentError, Runtime


@dataclass(frozen=True)
class _Catch:
    token: TokenRow | None  # activity token whose boundary catches
    boundary: Node | None
    scope: ScopeRow | None  # scope whose event subprocess catches
    start: Node | None


def _matches(ev: EventDef | None, kind: str, code: str | None) -> bool:
    return ev is not None and ev.kind == kind and (ev.code is None or ev.code == code)


def _find_catch(rt: Runtime, token: TokenRow, kind: str, code: str | None,
                from_activity: bool) -> _Catch | None:
    graph = rt.graph_of(rt.instance_of(token))
    if from_activity and not inner_instance(rt, token):  # an item: the body's token catches
        for b in rt.node_of(token).boundaries:
            if _matches(graph.node(b).event, kind, code):
                return _Catch(token, graph.node(b), None, None)
    scope_id: str | None = token.scope_id
    while scope_id is not None:
        scope = rt.work.scope(scope_id)
        if scope is None:
            return None
        container = graph.nodes.get(scope.element_id)
        esps = container.event_subprocesses if container is not None else (
            graph.event_subprocesses if scope.kind == "process" else ()
        )
        for esp_id in esps:
            for start_id in graph.node(esp_id).starts:
                if _matches(graph.node(start_id).event, kind, code):
                    return _Catch(None, None, scope, graph.node(start_id))
        if scope.kind == "process":
            inst = rt.work.instance(scope.instance_id)
            if inst is not None and inst.parent_token_id is not None:
                parent = rt.work.token(inst.parent_token_id)
                if parent is not None:
                    return _find_catch(rt, parent, kind, code, True)
            return None
        if scope.token_id is not None and scope.kind in ("subprocess", "mi_body"):
            owner = rt.work.token(scope.token_id)
            if owner is not None and not inner_instance(rt, owner):
                for b in rt.node_of(owner).boundaries:
                    if _matches(graph.node(b).event, kind, code):
                        return _Catch(owner, graph.node(b), None, None)
        scope_id = scope.parent_id
    return None


def _run_catch(rt: Runtime, catch: _Catch, variables: Mapping[str, Any]) -> None:
    if catch.token is not None and catch.boundary is not None:
        trigger_boundary(rt, catch.token, catch.boundary, variables)
    elif catch.scope is not None and catch.start is not None:
        start_event_subprocess(rt, catch.scope, catch.start, variables)


def throw_error(rt: Runtime, token: TokenRow, code: str | None, message: str,
                *, from_activity: bool = False) -> None:
    """Throw a BPMN error from ``token``; uncaught, it becomes an incident."""
    catch = _find_catch(rt, token, "error", code, from_activity)
    if catch is None:
        raise IncidentError(
            "unhandled_error",
            f"Element '{token.element_id}' threw the BPMN error {code!r}"
            f"{': ' + message if message else ''}, but no boundary or event subprocess "
            "catches it. Fix the cause and retry, or add an error boundary event.",
        )
    if not from_activity:
        rt.work.tokens.delete(token)
    _run_catch(rt, catch, {})


def throw_escalation(rt: Runtime, token: TokenRow, node: Node,
                     definition: EventDef | None = None) -> None:
    """Escalations are caught like errors, but an uncaught one is simply ignored.
    ``definition`` is the escalation part of a multiple event (default: the node's event)."""
    ev = definition or node.event
    code = ev.code if ev is not None else None
    catch = _find_catch(rt, token, "escalation", code, False)
    end = node.type == "endEvent"
    if catch is None:
        if end:
            rt.consume(token)
        return
    interrupting = (catch.boundary or catch.start) is not None and bool(
        (catch.boundary or catch.start).cancel_activity  # type: ignore[union-attr]
    )
    if end and not interrupting:
        rt.consume(token)
    elif end:
        rt.work.tokens.delete(token)
    _run_catch(rt, catch, {})
