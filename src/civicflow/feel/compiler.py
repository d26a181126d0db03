"""Turn a FEEL parse tree into nested Python closures: parse once, evaluate many times fast.

Each expression node becomes ``fn(scope) -> value``; each unary test ``test(input, scope) ->
True/False/None``. Closures only call civicflow.feel.ops and FEEL function objects, so an
expression can reach nothing but the values in its scope (the sandbox is the construction).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from lark import Token, Transformer

from civicflow.feel import ops, temporal
from civicflow.feel.builtins import BUILTINS
from civicflow.feel.compile_tests import Test, UnaryTestRules
from civicflow.feel.compile_textual import TextualRules
from civicflow.feel.errors import FeelError, FeelWarning
from civicflow.feel.properties import get_property
from civicflow.feel.scope import MISSING, Run, Scope
from civicflow.feel.values import DECIMAL128, FeelFunction, Range, from_python

Fn = Callable[[Scope], Any]


def _fns(children: Iterable[Any]) -> list[Any]:
    """The compiled children, without punctuation tokens and absent optionals."""
    return [c for c in children if c is not None and not isinstance(c, Token)]


_PYTHON_NUMBERS = (int, float)
#: Types whose Python ordering is FEEL's ordering (the fast path of comparisons).
_FAST_ORDER = frozenset({Decimal, str})
_CONST_ATTR = "feel_constant"  # set on closures that return a literal value


def _const(value: Any) -> Fn:
    def fn(scope: Scope) -> Any:
        return value

    setattr(fn, _CONST_ATTR, value)
    return fn


_BUILTIN_ATTR = "feel_builtin"  # set on name lookups that certainly find a pure built-in
_IMPURE = frozenset({"now", "today"})
#: Immutable result types that can be shared between evaluations.
_FOLDABLE = (Decimal, str, bool, type(None), Range, *ops.TEMPORAL_TYPES)


def _folded(fn: Fn, *parts: Fn) -> Fn:
    """``fn`` itself, or a constant when all its parts are constants and it evaluates cleanly."""
    if not all(hasattr(p, _CONST_ATTR) for p in parts):
        return fn
    warnings: list[FeelWarning] = []
    try:
        value = fn(Scope({}, None, Run(warnings)))
    except FeelError:
        return fn
    if warnings or not isinstance(value, _FOLDABLE):
        return fn
    return _const(value)


def _compare_rule(a: Fn, b: Fn, op: Callable[[Any, Any], bool], slow: Callable[..., Any]) -> Fn:
    """A comparison closure with a fast path for numbers and strings (and constant right side)."""
    right = getattr(b, _CONST_ATTR, MISSING)
    if type(right) in _FAST_ORDER:
        right_type = type(right)

        def against_constant(scope: Scope) -> Any:
            left = a(scope)
            if type(left) is right_type:
                return op(left, right)
            return slow(left, right, scope.run)

        return against_constant

    def apply(scope: Scope) -> Any:
        left = a(scope)
        right = b(scope)
        if type(left) is type(right) and type(left) in _FAST_ORDER:
            return op(left, right)
        return slow(left, right, scope.run)

    return apply


class Compiler(UnaryTestRules, TextualRules, Transformer[Token, Any]):
    """lark Transformer from the grammar's tree to closures; one instance per compilation."""

    def __init__(self, uses_question_mark: bool, shadowed: frozenset[str] = frozenset()):
        super().__init__()
        self.uses_q = uses_question_mark
        #: Names that may hide a built-in at run time (caller's names, locally declared ones);
        #: calls of other built-ins with constant arguments are folded at compile time.
        self.shadowed = shadowed

    # --- entry points ------------------------------------------------------------------
    def start(self, c: list[Any]) -> Fn:
        fn: Fn = c[0]
        return fn

    def tests(self, c: list[Any]) -> list[Test]:
        return _fns(c)

    # --- literals -------------------------------------------------------------------------
    def number(self, c: list[Token]) -> Fn:
        return _const(DECIMAL128.create_decimal(c[0].value))

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
            current: Scope | None = scope
            while current is not None:
                value = current.vars.get(name, MISSING)
                if value is not MISSING:
                    if type(value) in _PYTHON_NUMBERS:
                        return from_python(value)
                    return value
                current = current.parent
            if builtin is not MISSING:
                return builtin
            scope.run.warn(f"no variable or function named {name!r}; the result is null")
            return None

        if builtin is not MISSING and name not in self.shadowed and name not in _IMPURE:
            setattr(lookup, _BUILTIN_ATTR, builtin)
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
        keys = [k for k, _ in entries]
        if len(set(keys)) != len(keys):
            duplicate = next(k for k in keys if keys.count(k) > 1)

            def invalid(scope: Scope) -> Any:
                scope.run.warn(f"context has the key {duplicate!r} twice; the result is null")
                return None

            return invalid

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

        return _folded(make, lo, hi)

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
        return _compare_rule(c[0], c[2], operator.lt, ops.less)

    def le(self, c: list[Any]) -> Fn:
        return _compare_rule(c[0], c[2], operator.le, ops.less_equal)

    def gt(self, c: list[Any]) -> Fn:
        return _compare_rule(c[0], c[2], operator.gt, ops.greater)

    def ge(self, c: list[Any]) -> Fn:
        return _compare_rule(c[0], c[2], operator.ge, ops.greater_equal)

    def eq(self, c: list[Any]) -> Fn:
        a: Fn = c[0]
        b: Fn = c[2]

        def apply(scope: Scope) -> Any:
            left = a(scope)
            right = b(scope)
            if type(left) is type(right) and type(left) in _FAST_ORDER:
                return left == right
            return ops.equal(left, right)

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

        return _folded(apply, a)

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

    # --- postfix ------------------------------------------------------------------------
    def path(self, c: list[Any]) -> Fn:
        target: Fn = c[0]
        key = str(c[2].value)

        def apply(scope: Scope) -> Any:
            return get_property(target(scope), key, scope.run)

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
                bindings = {"item": item}
                if type(item) is dict:
                    bindings.update(item)
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
        fn = self._call_uncached(target, args, named)
        if getattr(target, _BUILTIN_ATTR, None) is None:
            return fn
        return _folded(fn, *args, *(a for _, a in named or []))

    def _call_uncached(
        self, target: Fn, args: list[Fn], named: list[tuple[str, Fn]] | None
    ) -> Fn:
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
