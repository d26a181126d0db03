"""String built-ins (positions count Unicode code points, from 1; negative from the end)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from civicflow.feel.builtins.args import given, integer, items, text
from civicflow.feel.builtins.registry import builtin
from civicflow.feel.builtins.xpath_regex import compile_xpath, xpath_replacement
from civicflow.feel.scope import MISSING, Run


@builtin("substring", ["string", "start position", "length"], required=2)
def substring(run: Run, string: Any, start: Any, length: Any = MISSING) -> Any:
    s = text(string, "string")
    begin = integer(start, "start position")
    if begin > 0:
        index = begin - 1
    elif begin < 0:
        index = max(0, len(s) + begin)
    else:
        index = 0
    if given(length):
        count = integer(length, "length")
        if count < 0:
            raise ValueError("length must not be negative")
        return s[index : index + count]
    return s[index:]


@builtin("string length", ["string"])
def string_length(run: Run, string: Any) -> Any:
    return Decimal(len(text(string, "string")))


@builtin("upper case", ["string"])
def upper_case(run: Run, string: Any) -> Any:
    return text(string, "string").upper()


@builtin("lower case", ["string"])
def lower_case(run: Run, string: Any) -> Any:
    return text(string, "string").lower()


@builtin("substring before", ["string", "match"])
def substring_before(run: Run, string: Any, match: Any) -> Any:
    s, m = text(string, "string"), text(match, "match")
    index = s.find(m)
    return s[:index] if index >= 0 else ""


@builtin("substring after", ["string", "match"])
def substring_after(run: Run, string: Any, match: Any) -> Any:
    s, m = text(string, "string"), text(match, "match")
    index = s.find(m)
    return s[index + len(m) :] if index >= 0 else ""


@builtin("contains", ["string", "match"])
def contains(run: Run, string: Any, match: Any) -> Any:
    return text(match, "match") in text(string, "string")


@builtin("starts with", ["string", "match"])
def starts_with(run: Run, string: Any, match: Any) -> Any:
    return text(string, "string").startswith(text(match, "match"))


@builtin("ends with", ["string", "match"])
def ends_with(run: Run, string: Any, match: Any) -> Any:
    return text(string, "string").endswith(text(match, "match"))


def _flags(flags: Any) -> str:
    return text(flags, "flags") if given(flags) else ""


@builtin("matches", ["input", "pattern", "flags"], required=2)
def matches(run: Run, string: Any, pattern: Any, flags: Any = MISSING) -> Any:
    regex = compile_xpath(text(pattern, "pattern"), _flags(flags))
    return regex.search(text(string, "input")) is not None


@builtin("replace", ["input", "pattern", "replacement", "flags"], required=3)
def replace(run: Run, string: Any, pattern: Any, replacement: Any, flags: Any = MISSING) -> Any:
    f = _flags(flags)
    regex = compile_xpath(text(pattern, "pattern"), f)
    if regex.fullmatch(""):
        raise ValueError("the pattern matches an empty string")
    return regex.sub(xpath_replacement(text(replacement, "replacement"), f), text(string, "input"))


@builtin("split", ["string", "delimiter", "flags"], required=2)
def split(run: Run, string: Any, delimiter: Any, flags: Any = MISSING) -> Any:
    regex = compile_xpath(text(delimiter, "delimiter"), _flags(flags))
    if regex.fullmatch(""):
        raise ValueError("the delimiter matches an empty string")
    return regex.split(text(string, "string"))


@builtin("string join", ["list", "delimiter", "prefix", "suffix"], required=1)
def string_join(
    run: Run, values: Any, delimiter: Any = MISSING, prefix: Any = MISSING, suffix: Any = MISSING
) -> Any:
    parts = items(values, "list")
    if any(type(p) is not str and p is not None for p in parts):
        raise TypeError("string join() needs a list of strings")
    sep = text(delimiter, "delimiter") if given(delimiter) else ""
    joined = sep.join(p for p in parts if p is not None)
    if given(prefix) or given(suffix):
        joined = (prefix if given(prefix) else "") + joined + (suffix if given(suffix) else "")
    return joined


@builtin("extract", ["string", "pattern"])
def extract(run: Run, string: Any, pattern: Any) -> Any:
    regex = compile_xpath(text(pattern, "pattern"))
    return [m.group() for m in regex.finditer(text(string, "string"))]

