"""Context built-ins: get value, get entries, context put, context merge."""

from __future__ import annotations

from typing import Any

from civicflow.feel.builtins.args import items, text
from civicflow.feel.builtins.registry import builtin
from civicflow.feel.functions import NullArgumentError
from civicflow.feel.scope import Run


def _ctx(value: Any) -> dict[str, Any]:
    if value is None:
        raise NullArgumentError
    if type(value) is not dict:
        raise TypeError("expected a context")
    return value


@builtin("get value", ["m", "key"])
def get_value(run: Run, m: Any, key: Any) -> Any:
    if type(key) is list:
        current: Any = _ctx(m)
        for k in key:
            if type(current) is not dict:
                return None
            current = current.get(text(k, "key"))
        return current
    return _ctx(m).get(text(key, "key"))


@builtin("get entries", ["m"])
def get_entries(run: Run, m: Any) -> Any:
    return [{"key": k, "value": v} for k, v in _ctx(m).items()]


@builtin("context put", ["context", "key|keys", "value"])
def context_put(run: Run, context: Any, key: Any, value: Any) -> Any:
    base = dict(_ctx(context))
    if type(key) is list:
        keys = [text(k, "key") for k in key]
        if not keys:
            raise ValueError("keys must not be empty")
        if len(keys) == 1:
            base[keys[0]] = value
            return base
        inner = base.get(keys[0])
        base[keys[0]] = context_put(run, inner if type(inner) is dict else {}, keys[1:], value)
        return base
    base[text(key, "key")] = value
    return base


@builtin("context merge", ["contexts"])
def context_merge(run: Run, contexts: Any) -> Any:
    result: dict[str, Any] = {}
    for c in items(contexts, "contexts"):
        result.update(_ctx(c))
    return result
