"""Compilation rules for the textual expressions: if, for, some/every, function definitions.

Loops spend the run's work budget per iteration, so a runaway ``for`` over a huge range stops
with FeelEvaluationLimitError instead of hanging the caller.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from lark import Token

from civicflow.feel.functions import UserFunction
from civicflow.feel.scope import Scope
from civicflow.feel.values import Range

Fn = Callable[[Scope], Any]


class TextualRules:
    """Transformer methods for textual expressions; mixed into the Compiler."""

    # --- textual expressions ------------------------------------------------------------
    def if_expr(self, c: list[Any]) -> Fn:
        cond: Fn = c[1]
        then: Fn = c[3]
        other: Fn = c[5]

        def apply(scope: Scope) -> Any:
            return then(scope) if cond(scope) is True else other(scope)

        return apply

    def iteration_in(self, c: list[Any]) -> tuple[str, Callable[[Scope], Iterable[Any]]]:
        source: Fn = c[2]

        def domain(scope: Scope) -> Iterable[Any]:
            value = source(scope)
            if type(value) is list:
                return value
            if type(value) is Range:
                return _range_items(value, scope)
            return [value]

        return str(c[0].value), domain

    def iteration_range(self, c: list[Any]) -> tuple[str, Callable[[Scope], Iterable[Any]]]:
        lo: Fn = c[2]
        hi: Fn = c[4]

        def domain(scope: Scope) -> Iterable[Any]:
            return _int_steps(lo(scope), hi(scope), scope)

        return str(c[0].value), domain

    quant_in = iteration_in

    def for_expr(self, c: list[Any]) -> Fn:
        iterations = [x for x in c if isinstance(x, tuple)]
        body: Fn = c[-1]

        def apply(scope: Scope) -> Any:
            results: list[Any] = []

            def loop(depth: int, inner: Scope) -> None:
                if depth == len(iterations):
                    inner.run.spend()
                    results.append(body(inner.child({"partial": results})))
                    return
                name, domain = iterations[depth]
                for value in domain(inner):
                    loop(depth + 1, inner.child({name: value}))

            loop(0, scope)
            return results

        return apply

    def quantified(self, c: list[Any]) -> Fn:
        every = c[0].type == "EVERY"
        iterations = [x for x in c if isinstance(x, tuple)]
        body: Fn = c[-1]

        def apply(scope: Scope) -> Any:
            def bindings(depth: int, inner: Scope) -> Iterable[Scope]:
                if depth == len(iterations):
                    yield inner
                    return
                name, domain = iterations[depth]
                for value in domain(inner):
                    yield from bindings(depth + 1, inner.child({name: value}))

            for inner in bindings(0, scope):
                scope.run.spend()
                verdict = body(inner)
                if every and verdict is not True:
                    return False
                if not every and verdict is True:
                    return True
            return every

        return apply

    def param(self, c: list[Any]) -> str:
        return str(c[0].value)

    def function_def(self, c: list[Any]) -> Fn:
        params = tuple(p for p in c if isinstance(p, str) and not isinstance(p, Token))
        external = any(isinstance(t, Token) and t.type == "EXTERNAL" for t in c)
        body: Fn = c[-1]
        if external:

            def unsupported(scope: Scope) -> Any:
                scope.run.warn("external (Java/PMML) functions are not supported; null")
                return None

            return unsupported

        def make(scope: Scope) -> Any:
            return UserFunction(params, body, scope)

        return make


def _int_steps(lo: Any, hi: Any, scope: Scope) -> Iterable[Decimal]:
    """The integers from lo to hi inclusive, counting down when hi < lo."""
    if type(lo) is not Decimal or type(hi) is not Decimal:
        scope.run.warn("a `for` range needs two numbers; nothing to iterate")
        return []
    a, b = int(lo), int(hi)
    step = 1 if b >= a else -1
    return (Decimal(i) for i in range(a, b + step, step))


def _range_items(rng: Range, scope: Scope) -> Iterable[Any]:
    if type(rng.start) is not Decimal or type(rng.end) is not Decimal:
        scope.run.warn("only ranges of numbers can be iterated; nothing to iterate")
        return []
    lo = int(rng.start) + (0 if rng.start_included else 1)
    hi = int(rng.end) - (0 if rng.end_included else 1)
    return (Decimal(i) for i in itertools.islice(itertools.count(lo), max(0, hi - lo + 1)))
