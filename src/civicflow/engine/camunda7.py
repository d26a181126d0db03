"""Camunda 7 ``camunda:inputOutput`` mappings, run where they are simple, refused otherwise.

Camunda 7 writes parameter values as text (a constant string), as JUEL ``${...}``, or as a
``camunda:list`` / ``camunda:map`` / ``camunda:script`` child. The engine evaluates FEEL, not
JUEL, so it translates only what means the same in both: a constant text, ``${name}`` or
``${name.property}`` (a variable or a property of it), ``${true}``/``${false}``/``${null}`` and
``${42}``, and lists and maps built from those. Anything else (operators, method calls, text
mixed with expressions, scripts) is refused at deployment with the element and parameter
named, so a model never runs with a silently different value.
"""

from __future__ import annotations

import json
import re
from typing import Any

from civicflow.engine.errors import DeploymentError
from civicflow.engine.expressions import compile_expr
from civicflow.engine.graph import Mapping

_JUEL = re.compile(r"^\s*[$#]\{\s*(?P<body>.*?)\s*\}\s*$", re.DOTALL)
_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_LITERAL = re.compile(r"^(true|false|null|-?\d+(\.\d+)?)$")


class _RefusedError(Exception):
    """A value the engine cannot translate faithfully."""


def mappings(parameters: tuple[Any, ...], element_id: str, direction: str) -> tuple[Mapping, ...]:
    """``camunda:inputParameter``s or ``outputParameter``s as engine mappings (FEEL sources).

    ``direction`` is ``input`` or ``output`` (for the error message)."""
    out = []
    for p in parameters:
        try:
            feel = _feel_of_node(p.raw) if p.raw is not None else _feel_of_text(p.value)
        except _RefusedError as exc:
            raise DeploymentError(
                f"Element '{element_id}': the Camunda 7 {direction} parameter '{p.name}' "
                f"cannot be run: {exc}. Write it as a Camunda 8 zeebe:ioMapping with a FEEL "
                "expression (e.g. source=\"=amount * 2\"), or use a plain value or ${name}."
            ) from None
        expr = compile_expr("=" + feel, element_id)
        assert expr is not None
        out.append(Mapping(source=expr, target=p.name))
    return tuple(out)


def _feel_of_text(text: str | None) -> str:
    if text is None or not text.strip():
        return "null" if text is None else json.dumps(text, ensure_ascii=False)
    match = _JUEL.match(text)
    if match is None:
        if "${" in text or "#{" in text:
            raise _RefusedError(f"{text.strip()!r} mixes text with a JUEL expression")
        # a constant string: FEEL string literals read like JSON ones
        return json.dumps(text, ensure_ascii=False)
    body = match.group("body")
    if _LITERAL.match(body) or _PATH.match(body):
        return body
    raise _RefusedError(f"the JUEL expression {text.strip()!r} is not a plain variable or constant")


def _feel_of_node(node: Any) -> str:
    local = node.local_name
    if local == "list":
        items = [_feel_of_node(c) if c.children else _feel_of_text(c.text or "")
                 for c in node.children]
        return "[" + ", ".join(items) + "]"
    if local == "map":
        entries = []
        for entry in node.children:
            key = entry.get("key")
            if key is None:
                raise _RefusedError("a camunda:map entry has no key")
            value = (_feel_of_node(entry.children[0]) if entry.children
                     else _feel_of_text(entry.text or ""))
            entries.append(f"{json.dumps(key)}: {value}")
        return "{" + ", ".join(entries) + "}"
    if local == "script":
        fmt = (node.get("scriptFormat") or "").lower()
        if fmt in ("feel", "text/feel", "application/feel") and (node.text or "").strip():
            return f"({node.text_content().strip()})"
        raise _RefusedError(f"scripts in {fmt or 'an unnamed language'!r} are not run (only FEEL)")
    raise _RefusedError(f"camunda:{local} values are not supported")
