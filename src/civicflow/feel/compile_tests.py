"""Compilation rules for unary tests (decision table cells), ``in`` and ``instance of``.

A test is ``test(input, scope) -> True/False/None``. An expression used as a test matches when
the input equals its value, lies in its range, is in its list, or (with ``?`` or a boolean
condition) when it evaluates to true; see docs/decisions/0203-feel-unary-test-semantics.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from lark import Token

from civicflow.feel import ops
from civicflow.feel.scope import Scope
from civicflow.feel.values import FeelFunction, Range

Fn = Callable[[Scope], Any]
Test = Callable[[Any, Scope], "bool | None"]
TypeCheck = Callable[[Any], bool]


_NOT_CONSTANT = object()


def _fns(children: Iterable[Any]) -> list[Any]:
    return [c for c in children if c is not None and not isinstance(c, Token)]


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


class UnaryTestRules:
    """Transformer methods for tests; mixed into civicflow.feel.compiler.Compiler."""

    uses_q: bool

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
        constant = getattr(fn, "feel_constant", _NOT_CONSTANT)
        if type(constant) in (str, Decimal):
            constant_type = type(constant)

            def equals_constant(value: Any, scope: Scope) -> bool | None:
                if type(value) is constant_type:
                    return bool(value == constant)
                return ops.equal(value, constant)

            return equals_constant
        if type(constant) is Range:
            rng: Range = constant
            return lambda value, scope: ops.in_range(value, rng)
        if not self.uses_q:

            def plain(value: Any, scope: Scope) -> bool | None:
                result = fn(scope)
                if type(result) is bool and type(value) is not bool:
                    return result  # a condition such as `a > 3` (Camunda does the same)
                return matches_value(value, result)

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
