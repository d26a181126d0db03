"""The public API of civicflow.feel: compile once, evaluate many, errors as values."""

from decimal import Decimal

import pytest

from civicflow.feel import (
    FeelEvaluationLimitError,
    FeelSyntaxError,
    FeelWarning,
    compile_expression,
    compile_unary_tests,
    evaluate,
    from_python,
    to_python,
)


def test_condition_with_multi_word_known_name_evaluates_to_boolean() -> None:
    expr = compile_expression("applicant age >= 18", known_names=frozenset({"applicant age"}))
    assert expr.evaluate({"applicant age": Decimal(20)}) is True
    assert expr.evaluate({"applicant age": Decimal(17)}) is False


def test_known_names_may_contain_operators_and_apostrophes() -> None:
    names = frozenset({"Loan Amount - Fees", "applicant's income/month", "a+b"})
    expr = compile_expression("Loan Amount - Fees + applicant's income/month * a+b", names)
    context = {"Loan Amount - Fees": Decimal(100), "applicant's income/month": Decimal(3)}
    context["a+b"] = Decimal(2)
    assert expr.evaluate(context) == Decimal(106)


def test_unknown_multi_word_names_are_joined_without_declaration() -> None:
    assert evaluate("monthly income * 12", {"monthly income": 1000}) == Decimal(12000)


def test_compiling_the_same_text_twice_returns_the_cached_expression() -> None:
    first = compile_expression("x + 1", frozenset({"x"}))
    assert compile_expression("x + 1", frozenset({"x"})) is first
    assert compile_expression("x + 1") is not first


def test_unary_tests_match_decision_table_cells() -> None:
    tests = compile_unary_tests("<10, [20..30)")
    assert tests.matches(Decimal(5))
    assert tests.matches(Decimal(20))
    assert not tests.matches(Decimal(30))
    assert not tests.matches(Decimal(15))


def test_dash_matches_anything_and_not_negates() -> None:
    assert compile_unary_tests("-").matches(None)
    negated = compile_unary_tests('not("a", "b")')
    assert negated.matches("c")
    assert not negated.matches("a")


def test_null_input_matches_only_null_test() -> None:
    assert not compile_unary_tests("<10").matches(None)
    assert compile_unary_tests("null").matches(None)


def test_question_mark_names_the_input_in_unary_tests() -> None:
    tests = compile_unary_tests("? > limit", frozenset({"limit"}))
    assert tests.matches(Decimal(8), {"limit": Decimal(5)})
    assert not tests.matches(Decimal(2), {"limit": Decimal(5)})


def test_syntax_error_reports_line_column_and_expected_tokens() -> None:
    with pytest.raises(FeelSyntaxError) as info:
        compile_expression("1 +\n  * 2")
    error = info.value
    assert (error.position.line, error.position.column) == (2, 3)
    assert error.position.offset == 6
    assert "a number" in error.expected
    assert "line 2, column 3" in str(error)


def test_type_mismatch_gives_null_and_a_warning_not_an_exception() -> None:
    warnings: list[FeelWarning] = []
    assert evaluate('1 + "a"', warnings=warnings) is None
    assert len(warnings) == 1
    assert "number" in warnings[0].message


def test_runaway_loop_stops_with_a_clear_error() -> None:
    with pytest.raises(FeelEvaluationLimitError, match="more than 10,000 steps"):
        evaluate("for i in 1..1000000000 return i", max_steps=10_000)
    assert len(evaluate("for i in 1..9000 return i", max_steps=10_000)) == 9000


def test_endless_recursion_stops_with_a_clear_error() -> None:
    with pytest.raises(FeelEvaluationLimitError, match="recursion"):
        evaluate("{f: function(n) f(n + 1), r: f(1)}.r")


def test_python_attributes_are_not_reachable() -> None:
    warnings: list[FeelWarning] = []
    assert evaluate('"abc".__class__', warnings=warnings) is None
    assert warnings


def test_from_python_converts_numbers_to_decimal_and_to_python_back() -> None:
    value = from_python({"n": 3, "f": 0.1, "l": [1.5, True, None]})
    assert value == {"n": Decimal(3), "f": Decimal("0.1"), "l": [Decimal("1.5"), True, None]}
    assert to_python(value) == {"n": 3, "f": 0.1, "l": [1.5, True, None]}


def test_to_python_keeps_exact_decimals_that_a_float_cannot_hold_as_strings() -> None:
    third = evaluate("1/3")
    assert to_python(third) == "0.3333333333333333333333333333333333"
    assert to_python(evaluate('date("2024-02-29")')) == "2024-02-29"
    assert to_python(evaluate('duration("P1DT2H")')) == "P1DT2H"


def test_injected_clock_drives_now_and_today() -> None:
    import datetime as dt

    fixed = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    assert evaluate("today()", clock=lambda: fixed) == dt.date(2026, 1, 2)
    assert evaluate("now().hour", clock=lambda: fixed) == Decimal(3)


def test_native_functions_receive_feel_values_positionally_or_by_name() -> None:
    from civicflow.feel import NativeFunction

    fee = NativeFunction("fee", ["amount", "rate"], lambda a, r: a * r if r is not None else a)
    context = {"fee": fee}
    assert evaluate("fee(100, 0.5)", context) == Decimal(50)
    assert evaluate("fee(rate: 0.5, amount: 10)", context) == Decimal(5)
    assert evaluate("fee(7)", context) == Decimal(7)
    warnings: list[FeelWarning] = []
    assert evaluate("fee({}, 2)", context, warnings) is None
    assert "fee()" in warnings[0].message


def test_known_names_may_be_any_iterable_of_names() -> None:
    expr = compile_expression("a b + 1", ["a b"])
    assert expr.evaluate({"a b": Decimal(1)}) == Decimal(2)
    assert compile_unary_tests("< a b", {"a b"}).matches(Decimal(0), {"a b": Decimal(1)})
