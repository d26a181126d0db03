"""The bridge to FEEL: compile once at deployment, evaluate against a scope's variables.

Variables are stored as JSON values; FEEL works on its own values (decimals, contexts...).
``civicflow.feel.from_python`` / ``to_python`` convert at this boundary and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from civicflow.engine.graph import Expr
from civicflow.feel import from_python, to_python

#: the advice ending an expression incident; commands other than a retry (migration) drop it
RETRY_ADVICE = " Set the missing variables, then retry."


class ExpressionError(Exception):
    """An expression could not be evaluated; becomes an incident on the element."""


def compile_expr(text: str | None, element_id: str, *, feel_only: bool = False) -> Expr | None:
    """Compile ``=``-prefixed text as FEEL; other text is a static value (Camunda 8 rule).

    ``feel_only`` treats unprefixed text as FEEL too (conditions, scripts, mappings' sources).
    """
    if text is None:
        return None
    stripped = text.strip()
    if stripped.startswith("="):
        body = stripped[1:]
    elif feel_only:
        body = stripped
    else:
        return Expr(text=text, compiled=None, element_id=element_id)
    from civicflow.feel import compile_expression

    try:
        compiled = compile_expression(body)
    except Exception as exc:  # FeelSyntaxError and friends: report with the element id
        from civicflow.engine.errors import DeploymentError

        raise DeploymentError(
            f"Element '{element_id}': the expression {stripped!r} is not valid FEEL: {exc}. "
            "Correct it in the model and deploy again."
        ) from exc
    return Expr(text=text, compiled=compiled, element_id=element_id)


def evaluate(expr: Expr, variables: Mapping[str, Any]) -> Any:
    """Evaluate against JSON variables and return a JSON value (``None`` for FEEL null)."""
    if expr.compiled is None:
        return expr.text
    context = _LazyFeelContext(variables, from_python)
    warnings: list[Any] = []
    try:
        result = expr.compiled.evaluate(context, warnings=warnings)
    except Exception as exc:
        raise ExpressionError(
            f"Element '{expr.element_id}': evaluating {expr.text.strip()!r} failed: {exc}"
        ) from exc
    if result is None and warnings:
        # Camunda 8 raises an incident here too (e.g. a variable that does not exist)
        detail = "; ".join(str(w) for w in warnings[:3])
        raise ExpressionError(
            f"Element '{expr.element_id}': {expr.text.strip()!r} could not be evaluated: "
            f"{detail}.{RETRY_ADVICE}"
        )
    return to_python(result)


_MISSING: Any = object()


class _LazyFeelContext(Mapping[str, Any]):
    """Converts a variable to a FEEL value only when the expression reads it, so a large list
    in scope costs nothing to expressions that do not use it (flat multi-instance cost)."""

    __slots__ = ("_convert", "_done", "_raw")

    def __init__(self, raw: Mapping[str, Any], convert: Any) -> None:
        self._raw = raw
        self._convert = convert
        self._done: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        try:
            return self._done[name]
        except KeyError:
            value = self._convert(self._raw[name])
            self._done[name] = value
            return value

    def get(self, name: str, default: Any = None) -> Any:
        # FEEL looks every name up with ``get``; the generic ``Mapping.get`` goes through
        # ``__getitem__`` and a KeyError for each miss
        done = self._done.get(name, _MISSING)
        if done is not _MISSING:
            return done
        raw = self._raw.get(name, _MISSING)
        if raw is _MISSING:
            return default
        value = self._done[name] = self._convert(raw)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


def evaluate_condition(expr: Expr, variables: Mapping[str, Any]) -> bool:
    """A sequence-flow condition. Like Camunda 8, a non-boolean result (also null) is an error:
    it becomes an incident rather than silently taking another path."""
    value = evaluate(expr, variables)
    if not isinstance(value, bool):
        raise ExpressionError(
            f"Element '{expr.element_id}': the condition {expr.text.strip()!r} gave {value!r}, "
            "not true or false. Check that the variables it uses are set."
        )
    return value
