"""The table of built-in functions and the decorator that fills it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from civicflow.feel.functions import BuiltinFunction

BUILTINS: dict[str, BuiltinFunction] = {}

F = TypeVar("F", bound=Callable[..., Any])


def builtin(
    name: str, params: Sequence[str], required: int | None = None, variadic: bool = False
) -> Callable[[F], F]:
    """Register ``impl(run, *args)`` as the FEEL built-in ``name`` with the spec's parameters."""

    def register(impl: F) -> F:
        BUILTINS[name] = BuiltinFunction(name, params, impl, required, variadic)
        return impl

    return register
