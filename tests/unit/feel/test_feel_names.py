"""Names: multi-word names need no declaration; names with operators inside need known_names."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from civicflow.feel import compile_expression
from civicflow.feel.lexer import BUILTIN_MULTIWORD_NAMES, KEYWORDS

words = st.from_regex(r"[A-Za-z][a-z0-9_]{0,6}", fullmatch=True).filter(
    lambda w: w not in KEYWORDS and w != "instance"
)
plain_names = st.lists(words, min_size=1, max_size=4).map(" ".join).filter(
    lambda n: n not in BUILTIN_MULTIWORD_NAMES
)
symbols = st.sampled_from(["-", "+", "/", "*", "'", "."])


@given(plain_names, st.integers(min_value=-1000, max_value=1000))
def test_multi_word_names_resolve_without_declaration(name: str, value: int) -> None:
    assert compile_expression(f"{name} + 1").evaluate({name: Decimal(value)}) == value + 1


@given(words, symbols, words, st.integers(min_value=0, max_value=1000))
def test_declared_names_may_contain_operator_symbols(
    first: str, symbol: str, second: str, value: int
) -> None:
    name = f"{first} {symbol} {second}"
    expr = compile_expression(f"{name} * 2", frozenset({name}))
    assert expr.evaluate({name: Decimal(value)}) == 2 * value


def test_undeclared_name_with_minus_is_a_subtraction() -> None:
    expr = compile_expression("income - costs")
    assert expr.evaluate({"income": Decimal(10), "costs": Decimal(4)}) == Decimal(6)
