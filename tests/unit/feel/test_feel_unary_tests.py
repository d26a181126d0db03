"""Unary tests (decision table input entries) agree with the comparisons they abbreviate."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from civicflow.feel import compile_unary_tests

numbers = st.integers(min_value=-50, max_value=50).map(Decimal)


@given(numbers, numbers, numbers)
def test_ranges_match_their_bounds(x: Decimal, low: Decimal, high: Decimal) -> None:
    assert compile_unary_tests(f"[{low}..{high})").matches(x) is (low <= x < high)
    assert compile_unary_tests(f"]{low}..{high}]").matches(x) is (low < x <= high)
    assert compile_unary_tests(f"({low}..{high})").matches(x) is (low < x < high)


@given(numbers, numbers)
def test_comparison_tests_match_python_comparisons(x: Decimal, bound: Decimal) -> None:
    assert compile_unary_tests(f"< {bound}").matches(x) is (x < bound)
    assert compile_unary_tests(f"<= {bound}").matches(x) is (x <= bound)
    assert compile_unary_tests(f"> {bound}").matches(x) is (x > bound)
    assert compile_unary_tests(f">= {bound}").matches(x) is (x >= bound)
    assert compile_unary_tests(f"{bound}").matches(x) is (x == bound)


@given(numbers, st.lists(numbers, min_size=1, max_size=5))
def test_lists_and_negation_are_each_others_complement(x: Decimal, values: list[Decimal]) -> None:
    text = ", ".join(str(v) for v in values)
    assert compile_unary_tests(text).matches(x) is (x in values)
    assert compile_unary_tests(f"not({text})").matches(x) is (x not in values)


def test_string_and_boolean_cells() -> None:
    assert compile_unary_tests('"Approved", "Pending"').matches("Pending")
    assert compile_unary_tests("true").matches(True)
    assert not compile_unary_tests("true").matches(False)
    assert compile_unary_tests("false").matches(False)


def test_condition_cell_without_question_mark_uses_its_boolean() -> None:
    tests = compile_unary_tests("limit > 3", frozenset({"limit"}))
    assert tests.matches(Decimal(1), {"limit": Decimal(5)})
    assert not tests.matches(Decimal(1), {"limit": Decimal(2)})


def test_input_list_matches_a_list_cell_or_a_name_bound_to_a_list() -> None:
    symptoms = ["cough", "sore throat"]
    assert compile_unary_tests("Flu Symptoms").matches("cough", {"Flu Symptoms": symptoms})
    assert not compile_unary_tests("Flu Symptoms").matches("fever", {"Flu Symptoms": symptoms})
