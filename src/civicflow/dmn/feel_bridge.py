"""The one place where the DMN layer talks to ``civicflow.feel``.

Keeping every FEEL call here means a change in the FEEL API touches one module, and the DMN code
reads as DMN: evaluate this text in this scope, does this cell match, is this a date.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from civicflow import feel
from civicflow.dmn.cells import Matcher, fast_matcher

Warnings = list[Any] | None
EMPTY: frozenset[str] = frozenset()


def evaluate(text: str, scope: Mapping[str, Any], names: frozenset[str] = EMPTY,
             warnings: Warnings = None) -> Any:
    """Evaluate the FEEL expression ``text`` in ``scope``; a syntax error is reported as null."""
    try:
        compiled = feel.compile_expression(text, known_names=names)
    except feel.FeelSyntaxError as exc:
        if warnings is not None:
            warnings.append(f"FEEL syntax error in {text!r}: {exc}")
        return None
    return compiled.evaluate(dict(scope), warnings=warnings)


def unary_matches(text: str, value: Any, scope: Mapping[str, Any] | None = None,
                  names: frozenset[str] = EMPTY, warnings: Warnings = None) -> bool:
    """Whether ``value`` satisfies the unary tests ``text`` (a decision table input entry)."""
    stripped = text.strip()
    if stripped in ("-", ""):
        return True
    try:
        tests = feel.compile_unary_tests(stripped, known_names=names)
    except feel.FeelSyntaxError as exc:
        if warnings is not None:
            warnings.append(f"FEEL syntax error in unary tests {text!r}: {exc}")
        return False
    return tests.matches(value, scope if scope is not None else {}, warnings)


def _always(value: Any, scope: Mapping[str, Any], warnings: Warnings) -> bool:
    return True


def compile_tests(text: str, names: frozenset[str] = EMPTY) -> Matcher:
    """A reusable matcher for unary tests (decision tables compile each cell once)."""
    stripped = text.strip()
    if stripped in ("-", ""):
        return _always
    try:
        tests = feel.compile_unary_tests(stripped, known_names=names)
    except feel.FeelSyntaxError as exc:
        message = f"FEEL syntax error in unary tests {text!r}: {exc}"

        def _broken(value: Any, scope: Mapping[str, Any], warnings: Warnings) -> bool:
            if warnings is not None:
                warnings.append(message)
            return False

        return _broken
    return fast_matcher(stripped, tests.matches) or tests.matches


@lru_cache(maxsize=64)
def _instance_test(type_name: str) -> Any:
    return feel.compile_expression(f"value instance of {type_name}",
                                   known_names=frozenset({"value"}))


def instance_of(value: Any, type_name: str) -> bool:
    """FEEL's ``instance of`` for a built-in type name (date, time, durations, function...)."""
    try:
        test = _instance_test(type_name)
    except feel.FeelSyntaxError:
        return True
    return test.evaluate({"value": value}, warnings=None) is True


def is_function(value: Any) -> bool:
    """Whether ``value`` is a FEEL function (built-in, user-defined or a DMN invocable)."""
    return isinstance(value, feel.FeelFunction)


def show(value: Any) -> str:
    """A short FEEL-like rendering of ``value`` for messages (what FEEL's ``string()`` gives)."""
    rendered = evaluate("string(value)", {"value": value}, frozenset({"value"}))
    if isinstance(rendered, str):
        return rendered
    return repr(value)


def from_text(function: str, text: str) -> Any:
    """Build a FEEL value with a conversion function (``date``, ``duration``...) from text."""
    return evaluate(f"{function}(text)", {"text": text}, frozenset({"text"}))


def equal(left: Any, right: Any) -> bool | None:
    """FEEL's ``=`` (null when the values are not comparable)."""
    result = evaluate("left = right", {"left": left, "right": right},
                      frozenset({"left", "right"}))
    return result if isinstance(result, bool) else None


class DmnFunction(feel.FeelFunction):
    """A business knowledge model, boxed function or decision service, callable from FEEL."""

    def __init__(self, name: str, parameters: tuple[str, ...],
                 body: Callable[[dict[str, Any]], Any]) -> None:
        self.name = name
        self.params = parameters
        self.body = body

    def invoke(self, args: Sequence[Any], named: Mapping[str, Any] | None, run: Any) -> Any:
        """Bind positional or named arguments to the parameters, then run the body."""
        if named is not None:
            unknown = sorted(set(named) - set(self.params))
            if unknown:
                _warn(run, f"'{self.name}' has no parameter {unknown[0]!r}; the result is null")
                return None
            bound = {p: named.get(p) for p in self.params}
        else:
            if len(args) != len(self.params):
                _warn(run, f"'{self.name}' takes {len(self.params)} arguments, got {len(args)};"
                      " the result is null")
                return None
            bound = dict(zip(self.params, args, strict=True))
        return self.body(bound)


def _warn(run: Any, message: str) -> None:
    warn = getattr(run, "warn", None)
    if callable(warn):
        warn(message)


def make_function(name: str, parameters: tuple[str, ...],
                  body: Callable[[dict[str, Any]], Any]) -> Any:
    """A FEEL function value that runs ``body`` with the arguments bound by parameter name."""
    return DmnFunction(name, parameters, body)


def call(function: Any, args: list[Any] | dict[str, Any], warnings: Warnings = None) -> Any:
    """Invoke a FEEL function value with positional (list) or named (dict) arguments."""
    names = frozenset({"fn"})
    if isinstance(args, dict):
        scope: dict[str, Any] = {"fn": function}
        parts = []
        for index, (key, item) in enumerate(args.items()):
            scope[f"arg{index}"] = item
            parts.append(f"{key}: arg{index}")
        names = frozenset(scope) | frozenset(args)
        return evaluate(f"fn({', '.join(parts)})", scope, names, warnings)
    scope = {"fn": function} | {f"arg{i}": item for i, item in enumerate(args)}
    text = "fn(" + ", ".join(f"arg{i}" for i in range(len(args))) + ")"
    return evaluate(text, scope, frozenset(scope), warnings)


def to_python(value: Any) -> Any:
    """A JSON-friendly Python value for ``value``."""
    return feel.to_python(value)


def from_python(value: Any) -> Any:
    """The FEEL value for a plain Python (JSON) value."""
    return feel.from_python(value)
