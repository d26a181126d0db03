"""Decision table cells: the literal fast path must agree with FEEL's unary tests exactly."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from civicflow import feel
from civicflow.dmn.feel_bridge import compile_tests

numbers = st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False)
texts = st.text(alphabet="abcxyz ", max_size=5)
values: st.SearchStrategy[Any] = st.one_of(st.none(), st.booleans(), numbers, texts)


@given(literal=numbers, value=values)
def test_number_cell_matches_like_feel(literal: Decimal, value: Any) -> None:
    cell = str(literal)
    expected = feel.compile_unary_tests(cell).matches(value, {})
    assert compile_tests(cell)(value, {}, None) is expected


@given(literal=texts, value=values)
def test_string_cell_matches_like_feel(literal: str, value: Any) -> None:
    cell = f'"{literal}"'
    expected = feel.compile_unary_tests(cell).matches(value, {})
    assert compile_tests(cell)(value, {}, None) is expected


def test_dash_matches_anything_and_other_cells_go_through_feel() -> None:
    assert compile_tests("-")(None, {}, None) is True
    assert compile_tests("< 10")(Decimal(3), {}, None) is True
    assert compile_tests('"a", "b"')("b", {}, None) is True
    assert compile_tests("10")(Decimal("10.00"), {}, None) is True
    assert compile_tests("10")("10", {}, None) is False


def test_a_cell_with_a_syntax_error_never_matches_and_warns() -> None:
    warnings: list[Any] = []
    assert compile_tests("< < 1")(Decimal(0), {}, warnings) is False
    assert warnings
    assert "syntax" in str(warnings[0])
