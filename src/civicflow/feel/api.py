"""The public entry points: compile once (cached), evaluate many times."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from lark import Token

from civicflow.feel.compile_tests import Test
from civicflow.feel.compiler import Compiler, Fn
from civicflow.feel.errors import FeelEvaluationLimitError, FeelSyntaxError, FeelWarning, Position
from civicflow.feel.lexer import tokenize
from civicflow.feel.parser import parse_tokens
from civicflow.feel.scope import DEFAULT_BUDGET, Run, Scope
from civicflow.feel.values import from_python

Clock = Callable[[], dt.datetime]
_EMPTY: frozenset[str] = frozenset()


def _too_deep() -> FeelEvaluationLimitError:
    return FeelEvaluationLimitError(
        "FEEL evaluation stopped: functions call each other too deeply (endless recursion?)"
    )


@dataclass(frozen=True, eq=False)
class CompiledExpression:
    """A parsed FEEL expression; evaluate it against any number of contexts."""

    text: str
    known_names: frozenset[str]
    _fn: Fn = field(repr=False)

    def evaluate(
        self,
        context: Mapping[str, Any] | None = None,
        warnings: list[FeelWarning] | None = None,
        *,
        clock: Clock | None = None,
        max_steps: int = DEFAULT_BUDGET,
    ) -> Any:
        """The value of the expression; problems become null plus entries in ``warnings``.

        ``context`` holds FEEL values (see ``from_python``); Python ints and floats found by
        name are converted on the fly. Raises FeelEvaluationLimitError only when loops, filters
        and calls need more than ``max_steps`` steps or recursion is too deep.
        """
        run = Run(warnings, max_steps, clock)
        scope = Scope(context if context is not None else {}, None, run)
        try:
            return self._fn(scope)
        except RecursionError:
            raise _too_deep() from None


@dataclass(frozen=True, eq=False)
class CompiledUnaryTests:
    """Parsed unary tests (a decision table input entry such as ``<10, [20..30)``)."""

    text: str
    known_names: frozenset[str]
    _tests: tuple[Test, ...] = field(repr=False)
    negated: bool = False
    any_value: bool = False

    def matches(
        self,
        input_value: Any,
        context: Mapping[str, Any] | None = None,
        warnings: list[FeelWarning] | None = None,
        *,
        clock: Clock | None = None,
        max_steps: int = DEFAULT_BUDGET,
    ) -> bool:
        """Whether ``input_value`` satisfies the tests (``?`` is bound to it)."""
        if self.any_value:
            return True
        run = Run(warnings, max_steps, clock)
        scope = Scope(context if context is not None else {}, None, run)
        value = from_python(input_value) if type(input_value) in (int, float) else input_value
        saw_null = False
        try:
            for test in self._tests:
                result = test(value, scope)
                if result is True:
                    return not self.negated
                if result is None:
                    saw_null = True
        except RecursionError:
            raise _too_deep() from None
        return self.negated and not saw_null


def compile_expression(
    text: str, known_names: Iterable[str] | None = None
) -> CompiledExpression:
    """Parse ``text`` once (LRU-cached by text and known names); raises FeelSyntaxError."""
    return _compile_expression(text, _names(known_names))


def _names(known_names: Iterable[str] | None) -> frozenset[str]:
    if known_names is None:
        return _EMPTY
    if isinstance(known_names, frozenset):
        return known_names
    return frozenset(known_names)


@lru_cache(maxsize=4096)
def _compile_expression(text: str, known_names: frozenset[str]) -> CompiledExpression:
    tokens = tokenize(text, known_names)
    tree, uses_q = parse_tokens(text, tokens, "start")
    try:
        fn: Fn = Compiler(uses_q, known_names | _declared(tokens)).transform(tree)
    except RecursionError:
        raise _too_nested(text) from None
    return CompiledExpression(text, known_names, fn)


def compile_unary_tests(
    text: str, known_names: Iterable[str] | None = None
) -> CompiledUnaryTests:
    """Parse decision-table unary tests (``-``, ``not(...)``, comma lists); LRU-cached."""
    return _compile_unary_tests(text, _names(known_names))


@lru_cache(maxsize=16384)
def _compile_unary_tests(text: str, known_names: frozenset[str]) -> CompiledUnaryTests:
    if text.strip() in ("-", ""):
        return CompiledUnaryTests(text, known_names, (), any_value=True)
    tokens = tokenize(text, known_names)
    negated = _is_negation(tokens)
    if negated:
        tokens = tokens[2:-1]
    tree, uses_q = parse_tokens(text, tokens, "tests")
    try:
        tests: list[Test] = Compiler(uses_q, known_names | _declared(tokens)).transform(tree)
    except RecursionError:
        raise _too_nested(text) from None
    return CompiledUnaryTests(text, known_names, tuple(tests), negated=negated)


def _too_nested(text: str) -> FeelSyntaxError:
    expected = ("a shorter or flatter expression",)
    return FeelSyntaxError(text, Position.at(text, 0), expected, "nesting too deep to compile")


def _declared(tokens: list[Token]) -> frozenset[str]:
    """Names the expression itself binds (context keys, loop variables, parameters)."""
    names = set()
    in_params = False
    for i, tok in enumerate(tokens):
        if tok.type == "FUNCTION":
            in_params = True
        elif tok.type == "RPAR":
            in_params = False
        elif tok.type == "NAME" and (
            in_params or (i + 1 < len(tokens) and tokens[i + 1].type in ("COLON", "IN"))
        ):
            names.add(str(tok.value))
    return frozenset(names)


def _is_negation(tokens: list[Token]) -> bool:
    """Whether the tokens are ``not( ... )`` with the parentheses enclosing everything."""
    if len(tokens) < 4 or tokens[0].type != "NAME" or tokens[0].value != "not":
        return False
    if tokens[1].type != "LPAR" or tokens[-1].type != "RPAR":
        return False
    depth = 0
    for i, tok in enumerate(tokens[1:], start=1):
        if tok.type == "LPAR":
            depth += 1
        elif tok.type == "RPAR":
            depth -= 1
            if depth == 0 and i != len(tokens) - 1:
                return False
    return True


def evaluate(
    text: str,
    context: Mapping[str, Any] | None = None,
    warnings: list[FeelWarning] | None = None,
    *,
    clock: Clock | None = None,
    max_steps: int = DEFAULT_BUDGET,
) -> Any:
    """Compile (cached) and evaluate ``text``; context values are converted with from_python."""
    values = {k: from_python(v) for k, v in (context or {}).items()}
    expr = compile_expression(text, frozenset(values))
    return expr.evaluate(values, warnings, clock=clock, max_steps=max_steps)
