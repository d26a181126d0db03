"""FEEL language constructs: names, paths, filters, loops, quantifiers, functions, types."""

from decimal import Decimal
from typing import Any

import pytest

from civicflow.feel import FeelSyntaxError, Range, compile_expression, evaluate


def d(*values: int) -> list[Decimal]:
    return [Decimal(v) for v in values]


def test_for_iterates_lists_ranges_and_nested_contexts() -> None:
    assert evaluate("for x in [1, 2, 3] return x * x") == d(1, 4, 9)
    assert evaluate("for i in 3..1 return i") == d(3, 2, 1)
    assert evaluate("for i in 1..2, j in [10, 20] return i + j") == d(11, 21, 12, 22)


def test_for_exposes_partial_results() -> None:
    text = "for i in 1..5 return if i = 1 then 1 else i * partial[-1]"
    assert evaluate(text) == d(1, 2, 6, 24, 120)


def test_some_and_every_quantifiers() -> None:
    assert evaluate("some x in [1, 5, 9] satisfies x > 8") is True
    assert evaluate("every x in [1, 5, 9] satisfies x > 0") is True
    assert evaluate("every x in [1, 5, 9] satisfies x > 1") is False
    assert evaluate("some x in [] satisfies x > 1") is False


def test_filter_by_condition_and_by_index() -> None:
    assert evaluate("[1, 2, 3, 4][item > 2]") == d(3, 4)
    assert evaluate("[1, 2, 3, 4][2]") == Decimal(2)
    assert evaluate("[1, 2, 3, 4][-1]") == Decimal(4)
    assert evaluate("[1, 2, 3, 4][5]") is None


def test_filter_on_contexts_sees_their_entries() -> None:
    people = [{"name": "Ana", "age": 30}, {"name": "Bo", "age": 12}]
    assert evaluate("people[age >= 18].name", {"people": people}) == ["Ana"]


def test_path_on_list_of_contexts_maps_the_key() -> None:
    assert evaluate("[{a: 1}, {a: 2}].a") == d(1, 2)


def test_context_entries_see_earlier_entries() -> None:
    assert evaluate("{a: 2, b: a * 3, c: {d: b + 1}}.c.d") == Decimal(7)


def test_user_function_with_positional_and_named_arguments() -> None:
    assert evaluate("{f: function(a, b) a - b, r: f(5, 3)}.r") == Decimal(2)
    assert evaluate("{f: function(a, b) a - b, r: f(b: 5, a: 3)}.r") == Decimal(-2)


def test_recursive_function_through_its_context() -> None:
    text = "{fact: function(n) if n <= 1 then 1 else n * fact(n - 1), r: fact(10)}.r"
    assert evaluate(text) == Decimal(3628800)


def test_builtins_accept_named_parameters() -> None:
    assert evaluate('substring(string: "foobar", start position: 3)') == "obar"
    assert evaluate("date(year: 2017, month: 8, day: 30)").isoformat() == "2017-08-30"


def test_between_and_in() -> None:
    assert evaluate("5 between 1 and 10") is True
    assert evaluate("5 in [1..5)") is False
    assert evaluate("5 in (1, 5, 9)") is True
    assert evaluate("5 in >= 5") is True
    assert evaluate('"b" in ["a", "b"]') is True


def test_ranges_in_all_notations() -> None:
    assert evaluate("[1..10]") == Range(Decimal(1), Decimal(10), True, True)
    assert evaluate("]1..10[") == Range(Decimal(1), Decimal(10), False, False)
    assert evaluate("(1..10]") == Range(Decimal(1), Decimal(10), False, True)
    assert evaluate("[1..10[") == Range(Decimal(1), Decimal(10), True, False)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("1 instance of number", True),
        ('"a" instance of number', False),
        ('@"2020-01-01T00:00:00" instance of date and time', True),
        ('@"P1D" instance of days and time duration', True),
        ('@"P1Y" instance of years and months duration', True),
        ("[1, 2] instance of list<number>", True),
        ('[1, "a"] instance of list<number>', False),
        ("{a: 1} instance of context<a: number>", True),
        ("(function(x) x) instance of function<Any>->Any", True),
        ("null instance of number", False),
        ("null instance of Any", False),
        ("(function(x) x) instance of function", True),
        ("1 instance of function", False),
        ("{a: 1} instance of context", True),
        ("[1..2] instance of range", True),
    ],
)
def test_instance_of(expression: str, expected: bool) -> None:
    assert evaluate(expression) is expected


def test_comments_are_ignored() -> None:
    assert evaluate("1 + /* two */ 2 // three\n") == Decimal(3)


def test_keywords_end_multi_word_names() -> None:
    context: dict[str, Any] = {"order total": 120, "discount rate": 0.1}
    assert evaluate("if order total > 100 then order total * discount rate else 0", context) == (
        Decimal(12)
    )


def test_builtin_multi_word_names_win_over_word_joining() -> None:
    assert evaluate('date and time("2020-01-01T00:00:00").year') == Decimal(2020)
    assert evaluate("day of week(date(2024, 1, 1))") == "Monday"


@pytest.mark.parametrize("text", ["1 +", "if x then 1", "[1, 2", '"open', "f(,)", "a ! b"])
def test_malformed_expressions_raise_syntax_errors(text: str) -> None:
    with pytest.raises(FeelSyntaxError):
        compile_expression(text)


def test_constant_builtin_calls_still_yield_their_values_and_stay_shadowable() -> None:
    from civicflow.feel import NativeFunction

    assert evaluate('date("2016-10-01") < date("2016-10-02")') is True
    assert evaluate("[-5..-1] = [-5..-1]") is True
    fake = NativeFunction("date", ["x"], lambda x: "shadowed")
    assert evaluate('date("2016-10-01")', {"date": fake}) == "shadowed"
    assert evaluate('{date: function(x) "local", r: date("2016-10-01")}.r') == "local"


def test_constant_call_with_an_error_still_warns_at_each_evaluation() -> None:
    expr = compile_expression('date("not a date")')
    for _ in range(2):
        warnings: list[Any] = []
        assert expr.evaluate({}, warnings) is None
        assert warnings
