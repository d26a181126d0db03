"""Decision table cells: the fast paths must agree with FEEL's unary tests exactly."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from civicflow import feel
from civicflow.dmn.cells import fast_matcher
from civicflow.dmn.feel_bridge import compile_tests

numbers = st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False)
words = st.text(alphabet="abcxyz ", max_size=5)
values: st.SearchStrategy[Any] = st.one_of(st.none(), st.booleans(), numbers, words,
                                           st.lists(numbers, max_size=2))


def _number(n: Decimal) -> str:
    return str(n)


cells = st.one_of(
    numbers.map(_number),
    words.map(lambda w: f'"{w}"'),
    st.lists(words, min_size=2, max_size=4).map(lambda ws: ", ".join(f'"{w}"' for w in ws)),
    st.lists(numbers, min_size=2, max_size=4).map(lambda ns: ", ".join(map(_number, ns))),
    st.tuples(st.sampled_from(["<", "<=", ">", ">="]), numbers).map(
        lambda t: f"{t[0]} {_number(t[1])}"),
    st.tuples(st.sampled_from("[(]"), numbers, numbers, st.sampled_from("])[")).map(
        lambda t: f"{t[0]}{_number(min(t[1], t[2]))}..{_number(max(t[1], t[2]))}{t[3]}"),
)


@given(cell=cells, value=values)
def test_fast_cells_match_exactly_like_feel(cell: str, value: Any) -> None:
    feel_warnings: list[Any] = []
    our_warnings: list[Any] = []
    expected = feel.compile_unary_tests(cell).matches(value, {}, feel_warnings)
    assert compile_tests(cell)(value, {}, our_warnings) is expected
    assert len(our_warnings) == len(feel_warnings)


@given(cell=cells)
def test_every_generated_cell_shape_takes_a_fast_path(cell: str) -> None:
    def fallback(value: Any, scope: Any, warnings: Any) -> bool:
        raise AssertionError("a number value must not reach FEEL")

    matcher = fast_matcher(cell, fallback)
    assert matcher is not None
    if any(c.isdigit() for c in cell) and '"' not in cell:
        matcher(Decimal(1), {}, None)


def test_dash_matches_anything_and_other_cells_go_through_feel() -> None:
    assert compile_tests("-")(None, {}, None) is True
    assert compile_tests("< 10")(Decimal(3), {}, None) is True
    assert compile_tests('"a", "b"')("b", {}, None) is True
    assert compile_tests("10")(Decimal("10.00"), {}, None) is True
    assert compile_tests("10")("10", {}, None) is False
    assert compile_tests('not("a")')("b", {}, None) is True


def test_a_cell_with_a_syntax_error_never_matches_and_warns() -> None:
    warnings: list[Any] = []
    assert compile_tests("< < 1")(Decimal(0), {}, warnings) is False
    assert warnings
    assert "syntax" in str(warnings[0])
