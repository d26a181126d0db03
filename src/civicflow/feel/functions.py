"""FEEL function values: built-ins (Python implementations) and user-defined ``function(...)``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from civicflow.feel.errors import FeelError
from civicflow.feel.scope import MISSING, Run, Scope
from civicflow.feel.values import FeelFunction


class NullArgumentError(Exception):
    """Raised by a built-in when an argument is null: the result is null without a warning."""


class BuiltinFunction(FeelFunction):
    """A built-in function with the specification's parameter names (for named invocation).

    ``impl`` receives the run first, then the arguments in parameter order; missing optional
    arguments are MISSING. Any exception other than FeelError becomes null plus a warning.
    """

    def __init__(
        self,
        name: str,
        params: Sequence[str],
        impl: Callable[..., Any],
        required: int | None = None,
        variadic: bool = False,
    ):
        self.name = name
        self.params = tuple(params)
        self.impl = impl
        self.required = len(self.params) if required is None else required
        self.variadic = variadic

    def invoke(self, args: Sequence[Any], named: Mapping[str, Any] | None, run: Any) -> Any:
        if named is not None:
            unknown = set(named) - set(self.params)
            if unknown:
                run.warn(f"{self.name}() has no parameter {sorted(unknown)[0]!r}")
                return None
            args = [named.get(p, MISSING) for p in self.params]
            while args and args[-1] is MISSING:
                args.pop()
            if MISSING in args[: self.required]:
                run.warn(f"{self.name}() is missing a required argument")
                return None
        if len(args) < self.required or (len(args) > len(self.params) and not self.variadic):
            run.warn(
                f"{self.name}() takes {self.required}"
                + (f"-{len(self.params)}" if len(self.params) != self.required else "")
                + f" arguments, got {len(args)}"
            )
            return None
        try:
            return self.impl(run, *args)
        except NullArgumentError:
            return None
        except FeelError:
            raise
        except RecursionError:
            raise
        except Exception as exc:  # builtins never kill the caller: null plus a warning
            run.warn(f"{self.name}() failed: {exc}; the result is null")
            return None


class UserFunction(FeelFunction):
    """A function defined in FEEL; it closes over the scope where it was defined."""

    def __init__(self, params: tuple[str, ...], body: Callable[[Scope], Any], scope: Scope):
        self.params = params
        self.body = body
        self.scope = scope
        self.name = "anonymous"

    def invoke(self, args: Sequence[Any], named: Mapping[str, Any] | None, run: Any) -> Any:
        assert isinstance(run, Run)
        if named is not None:
            unknown = set(named) - set(self.params)
            if unknown:
                run.warn(f"function has no parameter {sorted(unknown)[0]!r}")
                return None
            bound = {p: named.get(p) for p in self.params}
        else:
            if len(args) != len(self.params):
                run.warn(f"function takes {len(self.params)} arguments, got {len(args)}")
                return None
            bound = dict(zip(self.params, args, strict=True))
        run.spend()
        return self.body(Scope(bound, self.scope, run))
