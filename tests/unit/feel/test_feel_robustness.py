"""Whatever text arrives, FEEL either compiles it or raises FeelSyntaxError; whatever compiles
evaluates to a value (possibly null with warnings) or stops with FeelEvaluationLimitError."""

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicflow.feel import (
    FeelEvaluationLimitError,
    FeelSyntaxError,
    FeelWarning,
    compile_expression,
    compile_unary_tests,
)

TOKENS = [
    "1", "2.5", '"s"', "x", "y z", "true", "null", "+", "-", "*", "/", "**", "=", "!=", "<",
    ">=", "(", ")", "[", "]", "{", "}", ",", ":", "..", ".", "if", "then", "else", "for", "in",
    "return", "some", "every", "satisfies", "and", "or", "between", "instance of", "function",
    "?", "not", "date", "@\"2020-01-01\"", "sum", "item", "count", "string length",
]  # fmt: skip

token_soup = st.lists(st.sampled_from(TOKENS), max_size=14).map(" ".join)
raw_text = st.text(max_size=40)


def _evaluate_if_valid(text: str) -> None:
    offset = -1
    try:
        expr = compile_expression(text, frozenset({"x", "y z"}))
    except FeelSyntaxError as error:
        offset = error.position.offset
    if offset >= 0:
        assert offset <= len(text)
        return
    warnings: list[FeelWarning] = []
    with contextlib.suppress(FeelEvaluationLimitError):
        expr.evaluate({"x": [1, 2], "y z": {"a": 1}}, warnings)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(token_soup)
def test_token_soup_compiles_or_fails_cleanly(text: str) -> None:
    _evaluate_if_valid(text)


@settings(max_examples=150)
@given(raw_text)
def test_arbitrary_text_compiles_or_fails_cleanly(text: str) -> None:
    _evaluate_if_valid(text)


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(token_soup)
def test_unary_tests_compile_or_fail_cleanly(text: str) -> None:
    try:
        tests = compile_unary_tests(text, frozenset({"x"}))
    except FeelSyntaxError:
        return
    assert tests.matches(1, {"x": 2}) in (True, False)


def test_absurdly_deep_nesting_is_a_syntax_error_not_a_crash() -> None:
    with pytest.raises(FeelSyntaxError, match="too deep"):
        compile_expression("(" * 3000 + "1" + ")" * 3000)
    with pytest.raises(FeelSyntaxError, match="too deep"):
        compile_expression("1" + " + 1" * 5000)
