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
            bound = self._bind_named(named, run)
            if bound is None:
                return None
            args = bound
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


    def _bind_named(self, named: Mapping[str, Any], run: Any) -> list[Any] | None:
        """Positional arguments from named ones; a parameter may have aliases ("from|year").

        Missing required parameters are null (as the specification says for named
        invocation); missing optional ones are left out.
        """
        used: set[str] = set()
        args: list[Any] = []
        for param in self.params:
            value = MISSING
            for alias in param.split("|"):
                if alias in named and alias not in used:
                    used.add(alias)
                    value = named[alias]
                    break
            args.append(value)
        unknown = set(named) - used
        if unknown:
            run.warn(f"{self.name}() has no parameter {sorted(unknown)[0]!r}")
            return None
        while args and args[-1] is MISSING and len(args) > self.required:
            args.pop()
        return [None if (a is MISSING and i < self.required) else a for i, a in enumerate(args)]


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


class NativeFunction(BuiltinFunction):
    """A host-provided function on FEEL values (DMN business knowledge models, services).

    ``fn`` receives FEEL values positionally in ``params`` order (named invocation is mapped
    by parameter name; a missing argument is null) and returns a FEEL value. With
    ``with_run=True`` it also receives the run first, to pass ``run.warnings`` on to nested
    evaluations. Exceptions become null plus a warning, like built-ins.
    """

    def __init__(
        self,
        name: str,
        params: Sequence[str],
        fn: Callable[..., Any],
        *,
        with_run: bool = False,
    ):
        impl = fn if with_run else (lambda run, *args: fn(*args))
        super().__init__(name, params, impl, required=len(params))

    def invoke(self, args: Sequence[Any], named: Mapping[str, Any] | None, run: Any) -> Any:
        if named is None and len(args) < len(self.params):
            args = [*args, *([None] * (len(self.params) - len(args)))]
        return super().invoke(args, named, run)
