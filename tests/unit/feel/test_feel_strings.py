"""String built-ins, checked against the examples of DMN 1.5 section 10.3.4.3."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civicflow.feel import evaluate


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('substring("foobar", 3)', "obar"),
        ('substring("foobar", -3, 2)', "ba"),
        ('substring("\U0001f40eab", 2)', "ab"),
        ('string length("foo")', 3),
        ('string length("\U0001f40eab")', 3),
        ('upper case("aBc4")', "ABC4"),
        ('lower case("aBc4")', "abc4"),
        ('substring before("foobar", "bar")', "foo"),
        ('substring before("foobar", "xyz")', ""),
        ('substring after("foobar", "ob")', "ar"),
        ('substring after("", "a")', ""),
        ('replace("abcd", "(ab)|(a)", "[1=$1][2=$2]")', "[1=ab][2=]cd"),
        ('replace("a.b.c", ".", "-", "q")', "a-b-c"),
        ('replace("Abc", "b", "X", "i")', "AXc"),
        ('contains("foobar", "of")', False),
        ('starts with("foobar", "fo")', True),
        ('ends with("foobar", "r")', True),
        ('matches("foobar", "^fo*b")', True),
        ('matches("FooBar", "^fo*b", "i")', True),
        ('split("John Doe", "\\\\s")', ["John", "Doe"]),
        ('split("a;b;c;;", ";")', ["a", "b", "c", "", ""]),
        ('string join(["a", "b", "c"], "_and_")', "a_and_b_and_c"),
        ('string join(["a", null, "c"])', "ac"),
        ('string join([], "x")', ""),
        ("string(1.10)", "1.1"),
        ('string(date("2020-01-02"))', "2020-01-02"),
    ],
)
def test_string_function_examples(expression: str, expected: object) -> None:
    assert evaluate(expression) == expected


def test_string_escapes_in_literals() -> None:
    assert evaluate('"a\\"b\\n\\u00e9\\U01F40E"') == 'a"b\né\U0001f40e'


def test_invalid_regex_is_null_with_a_warning() -> None:
    warnings: list[object] = []
    assert evaluate('matches("a", "(")', warnings=warnings) is None
    assert warnings


text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


@given(text)
def test_string_length_counts_code_points(value: str) -> None:
    assert evaluate("string length(s)", {"s": value}) == len(value)


@given(text, st.integers(min_value=1, max_value=40))
def test_substring_from_a_position_is_the_python_slice(value: str, start: int) -> None:
    assert evaluate("substring(s, n)", {"s": value, "n": start}) == value[start - 1 :]


@given(st.lists(st.text(alphabet="abc xyz", max_size=5), min_size=1, max_size=6))
def test_split_inverts_string_join(parts: list[str]) -> None:
    joined = evaluate('string join(p, ";")', {"p": parts})
    assert evaluate('split(s, ";")', {"s": joined}) == parts


@given(text)
def test_upper_and_lower_case_agree_with_unicode(value: str) -> None:
    assert evaluate("upper case(s)", {"s": value}) == value.upper()
    assert evaluate("lower case(s)", {"s": value}) == value.lower()
