"""Turn a FEEL parse tree into nested Python closures: parse once, evaluate many times fast.

Each expression node becomes ``fn(scope) -> value``; each unary test ``test(input, scope) ->
True/False/None``. Closures only call civicflow.feel.ops and FEEL function objects, so an
expression can reach nothing but the values in its scope (the sandbox is the construction).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from lark import Token, Transformer

from civicflow.feel import ops, temporal
from civicflow.feel.builtins import BUILTINS
from civicflow.feel.functions import UserFunction
from civicflow.feel.scope import MISSING, Scope
from civicflow.feel.values import FeelFunction, Range

Fn = Callable[[Scope], Any]
Test = Callable[[Any, Scope], "bool | None"]
TypeCheck = Callable[[Any], bool]


def _fns(children: Iterable[Any]) -> list[Any]:
    """The compiled children, without punctuation tokens and absent optionals."""
    return [c for c in children if c is not None and not isinstance(c, Token)]


def _const(value: Any) -> Fn:
    def fn(scope: Scope) -> Any:
        return value

    return fn


def matches_value(value: Any, test_value: Any) -> bool | None:
    """Whether an input satisfies a unary test whose expression evaluated to ``test_value``."""
    if type(test_value) is Range:
        return ops.in_range(value, test_value)
    if type(test_value) is list:
        if type(value) is list and ops.equal(value, test_value) is True:
            return True
        return any(matches_value(value, item) is True for item in test_value)
    return ops.equal(value, test_value)


def any_of(results: Iterable[bool | None]) -> bool | None:
    """FEEL disjunction of test results: True if one holds, null if none holds but one is null."""
    saw_null = False
    for r in results:
        if r is True:
            return True
        if r is None:
            saw_null = True
    return None if saw_null else False


class Compiler(Transformer[Token, Any]):
    """lark Transformer from the grammar's tree to closures; one instance per compilation."""

    def __init__(self, uses_question_mark: bool):
        super().__init__()
        self.uses_q = uses_question_mark

    # --- entry points ------------------------------------------------------------------
    def start(self, c: list[Any]) -> Fn:
        fn: Fn = c[0]
        return fn

    def tests(self, c: list[Any]) -> list[Test]:
        return _fns(c)

    # --- literals -------------------------------------------------------------------------
    def number(self, c: list[Token]) -> Fn:
        return _const(Decimal(c[0].value))

    def string(self, c: list[Token]) -> Fn:
        return _const(c[0].value)

    def true(self, c: list[Token]) -> Fn:
        return _const(True)

    def false(self, c: list[Token]) -> Fn:
        return _const(False)

    def null(self, c: list[Token]) -> Fn:
        return _const(None)

    def at_literal(self, c: list[Token]) -> Fn:
        text = c[0].value
        value = temporal.parse_any(text)
        if value is not None:
            return _const(value)

        def bad(scope: Scope) -> Any:
            scope.run.warn(f'@"{text}" is not a valid date, time or duration; the result is null')
            return None

        return bad

    def name(self, c: list[Token]) -> Fn:
        name = str(c[0].value)
        builtin = BUILTINS.get(name, MISSING)

        def lookup(scope: Scope) -> Any:
            value = scope.lookup(name)
            if value is MISSING:
                if builtin is not MISSING:
                    return builtin
                scope.run.warn(f"no variable or function named {name!r}; the result is null")
                return None
            return value

        return lookup

    def primary(self, c: list[Any]) -> Fn:
        fn: Fn = c[1]
        return fn

    def list_(self, c: list[Any]) -> Fn:
        items = _fns(c)

        def make(scope: Scope) -> Any:
            return [item(scope) for item in items]

        return make

    def entry(self, c: list[Any]) -> tuple[str, Fn]:
        return str(c[0].value), c[2]

    def context(self, c: list[Any]) -> Fn:
        entries: list[tuple[str, Fn]] = [e for e in c if isinstance(e, tuple)]

        def make(scope: Scope) -> Any:
            result: dict[str, Any] = {}
            inner = scope.child(result)
            for key, fn in entries:
                result[key] = fn(inner)
            return result

        return make

    def range_end(self, c: list[Token]) -> Token:
        return c[0]

    def range_(self, c: list[Any]) -> Fn:
        start_incl = c[0].type == "LSQB"
        end_incl = c[4].type == "RSQB"
        lo: Fn = c[1]
        hi: Fn = c[3]

        def make(scope: Scope) -> Any:
            return Range(lo(scope), hi(scope), start_incl, end_incl)

        return make

    # --- operators ----------------------------------------------------------------------
    def _binary(self, c: list[Any], op: Callable[[Any, Any, Any], Any]) -> Fn:
        a: Fn = c[0]
        b: Fn = c[2]

        def apply(scope: Scope) -> Any:
            return op(a(scope), b(scope), scope.run)

        return apply

    def add(self, c: list[Any]) -> Fn:
        return self._binary(c, ops.add)

    def sub(self, c: list[Any]) -> Fn:
        return self._binary(c, ops.sub)

    def mul(self, c: list[Any]) -> Fn:
        return self._binary(c, ops.mul)

    def div(self, c: list[Any]) -> Fn:
        return self._binary(c, ops.div)

    def pow(self, c: list[Any]) -> Fn:
        return self._binary(c, ops.power)

    def lt(self, c: list[Any]) -> Fn:
        return self._binary(c, ops.less)

    def le(self, c: list[Any]) -> Fn:
        return self._binary(c, ops.less_equal)

    def gt(self, c: list[Any]) -> Fn:
        return self._binary(c, ops.greater)

    def ge(self, c: list[Any]) -> Fn:
        return self._binary(c, ops.greater_equal)

    def eq(self, c: list[Any]) -> Fn:
        a: Fn = c[0]
        b: Fn = c[2]

        def apply(scope: Scope) -> Any:
            return ops.equal(a(scope), b(scope))

        return apply

    def ne(self, c: list[Any]) -> Fn:
        a: Fn = c[0]
        b: Fn = c[2]

        def apply(scope: Scope) -> Any:
            same = ops.equal(a(scope), b(scope))
            return None if same is None else not same

        return apply

    def neg(self, c: list[Any]) -> Fn:
        a: Fn = c[1]

        def apply(scope: Scope) -> Any:
            return ops.neg(a(scope), scope.run)

        return apply

    def and_(self, c: list[Any]) -> Fn:
        a: Fn = c[0]
        b: Fn = c[2]

        def apply(scope: Scope) -> Any:
            va = a(scope)
            if va is False:
                return False
            vb = b(scope)
            if vb is False:
                return False
            if va is True and vb is True:
                return True
            return None

        return apply

    def or_(self, c: list[Any]) -> Fn:
        a: Fn = c[0]
        b: Fn = c[2]

        def apply(scope: Scope) -> Any:
            va = a(scope)
            if va is True:
                return True
            vb = b(scope)
            if vb is True:
                return True
            if va is False and vb is False:
                return False
            return None

        return apply

    def between(self, c: list[Any]) -> Fn:
        x: Fn = c[0]
        lo: Fn = c[2]
        hi: Fn = c[4]

        def apply(scope: Scope) -> Any:
            value = x(scope)
            low = ops.greater_equal(value, lo(scope), scope.run)
            high = ops.less_equal(value, hi(scope), scope.run)
            if low is False or high is False:
                return False
            if low is True and high is True:
                return True
            return None

        return apply

    def in_(self, c: list[Any]) -> Fn:
        x: Fn = c[0]
        test: Test = c[2]

        def apply(scope: Scope) -> Any:
            return test(x(scope), scope)

        return apply

    def instance_of(self, c: list[Any]) -> Fn:
        x: Fn = c[0]
        check: TypeCheck = c[2]

        def apply(scope: Scope) -> Any:
            return check(x(scope))

        return apply

    # --- unary tests --------------------------------------------------------------------
    def in_rhs(self, c: list[Any]) -> Test:
        test: Test = c[1] if len(c) == 3 else c[0]
        return test

    def put(self, c: list[Any]) -> Test:
        test: Test = c[0]
        return test

    def put_list(self, c: list[Any]) -> Test:
        tests: list[Test] = _fns(c)

        def apply(value: Any, scope: Scope) -> bool | None:
            return any_of(t(value, scope) for t in tests)

        return apply

    def put_expr(self, c: list[Any]) -> Test:
        fn: Fn = c[0]
        if not self.uses_q:

            def plain(value: Any, scope: Scope) -> bool | None:
                return matches_value(value, fn(scope))

            return plain

        def with_q(value: Any, scope: Scope) -> bool | None:
            result = fn(scope.child({"?": value}))
            if type(result) is bool:
                return result
            return matches_value(value, result)

        return with_q

    def _put_compare(self, c: list[Any], op: Callable[[Any, Any, Any], Any]) -> Test:
        bound: Fn = c[1]

        def apply(value: Any, scope: Scope) -> bool | None:
            result: bool | None = op(value, bound(scope), scope.run)
            return result

        return apply

    def put_lt(self, c: list[Any]) -> Test:
        return self._put_compare(c, ops.less)

    def put_le(self, c: list[Any]) -> Test:
        return self._put_compare(c, ops.less_equal)

    def put_gt(self, c: list[Any]) -> Test:
        return self._put_compare(c, ops.greater)

    def put_ge(self, c: list[Any]) -> Test:
        return self._put_compare(c, ops.greater_equal)

    def put_eq(self, c: list[Any]) -> Test:
        return self._put_compare(c, lambda a, b, run: ops.equal(a, b))

    def put_ne(self, c: list[Any]) -> Test:
        def ne(a: Any, b: Any, run: Any) -> bool | None:
            same = ops.equal(a, b)
            return None if same is None else not same

        return self._put_compare(c, ne)

    # --- postfix ------------------------------------------------------------------------
    def path(self, c: list[Any]) -> Fn:
        target: Fn = c[0]
        key = str(c[2].value)

        def apply(scope: Scope) -> Any:
            return ops.get_property(target(scope), key, scope.run)

        return apply

    def filter(self, c: list[Any]) -> Fn:
        target: Fn = c[0]
        cond: Fn = c[2]

        def apply(scope: Scope) -> Any:
            items = target(scope)
            if items is None:
                return None
            if type(items) is not list:
                items = [items]
            result = []
            for index, item in enumerate(items):
                scope.run.spend()
                bindings = dict(item) if type(item) is dict else {}
                bindings["item"] = item
                verdict = cond(scope.child(bindings))
                if type(verdict) is Decimal and index == 0:
                    return _index(items, verdict, scope)
                if verdict is True:
                    result.append(item)
            return result

        return apply

    def named_arg(self, c: list[Any]) -> tuple[str, Fn]:
        return str(c[0].value), c[2]

    def call_none(self, c: list[Any]) -> Fn:
        return self._call(c[0], [], None)

    def call_positional(self, c: list[Any]) -> Fn:
        return self._call(c[0], _fns(c[1:]), None)

    def call_named(self, c: list[Any]) -> Fn:
        return self._call(c[0], [], [a for a in c if isinstance(a, tuple)])

    def _call(self, target: Fn, args: list[Fn], named: list[tuple[str, Fn]] | None) -> Fn:
        def apply(scope: Scope) -> Any:
            fn = target(scope)
            if not isinstance(fn, FeelFunction):
                if fn is not None:
                    scope.run.warn(f"cannot call a {ops.kind(fn)}; the result is null")
                return None
            if named is None:
                return fn.invoke([a(scope) for a in args], None, scope.run)
            return fn.invoke([], {k: a(scope) for k, a in named}, scope.run)

        return apply

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

    # --- types (for `instance of`) ------------------------------------------------------
    def type_name(self, c: list[Token]) -> TypeCheck:
        name = str(c[0].value)
        if name == "Any":
            return lambda v: v is not None
        if name == "Null":
            return lambda v: v is None
        if name == "function":
            return lambda v: isinstance(v, FeelFunction)
        return lambda v: v is not None and ops.kind(v) == name

    def type_null(self, c: list[Token]) -> TypeCheck:
        return lambda v: v is None

    def type_of(self, c: list[Any]) -> TypeCheck:
        outer = str(c[0].value)
        inner: TypeCheck = c[2]
        if outer == "list":
            return lambda v: type(v) is list and all(inner(x) for x in v)
        if outer == "range":
            return lambda v: type(v) is Range and all(
                x is None or inner(x) for x in (v.start, v.end)
            )
        return lambda v: False

    def type_field(self, c: list[Any]) -> tuple[str, TypeCheck]:
        return str(c[0].value), c[2]

    def type_context(self, c: list[Any]) -> TypeCheck:
        fields = [f for f in c if isinstance(f, tuple)]
        return lambda v: type(v) is dict and all(k in v and t(v[k]) for k, t in fields)

    def type_function(self, c: list[Any]) -> TypeCheck:
        return lambda v: isinstance(v, FeelFunction)


def _index(items: list[Any], position: Decimal, scope: Scope) -> Any:
    """``list[n]``: 1-based, negative counts from the end; out of range is null."""
    if position != position.to_integral_value():
        scope.run.warn(f"list index {position} is not an integer; the result is null")
        return None
    n = int(position)
    if n > 0 and n <= len(items):
        return items[n - 1]
    if n < 0 and -n <= len(items):
        return items[n]
    return None


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
