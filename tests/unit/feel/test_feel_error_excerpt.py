"""Syntax errors quote a readable piece of a long expression, with the caret under the fault."""

import pytest

from civicflow.feel import FeelSyntaxError, compile_expression


def test_a_syntax_error_in_a_very_long_expression_quotes_only_the_part_around_it() -> None:
    text = "[" + ", ".join(str(i) for i in range(20_000)) + "] * * 2"
    with pytest.raises(FeelSyntaxError) as caught:
        compile_expression(text)
    message = str(caught.value)
    assert len(message) < 1_000
    excerpt, caret = message.splitlines()[-2:]
    assert excerpt.strip().startswith("...")
    assert excerpt[caret.index("^") :] == "* 2"


def test_a_short_expression_is_quoted_whole_with_the_caret_under_the_fault() -> None:
    with pytest.raises(FeelSyntaxError) as caught:
        compile_expression("1 + * 2")
    excerpt, caret = str(caught.value).splitlines()[-2:]
    assert excerpt == "  1 + * 2"
    assert excerpt[caret.index("^")] == "*"
