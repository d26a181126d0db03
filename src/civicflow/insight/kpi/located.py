"""Read plain parsed YAML/JSON while collecting problems located by file line and key path.

Reading goes on after a problem, so every problem of a file is reported at once and a civil
servant fixes them in one pass.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

import yaml

Key = str | int
KeyPath = tuple[Key, ...]
E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a definitions file."""

    key: str  #: where, as ``kpis[2].target``; empty for the whole file
    line: int | None  #: 1-based line in the file, when known
    message: str

    def __str__(self) -> str:
        where = ", ".join(
            part for part in (f"line {self.line}" if self.line else "", self.key) if part
        )
        return f"{where}: {self.message}" if where else self.message


class KpiDefinitionError(ValueError):
    """A definitions file could not be read or is not valid; lists every problem found."""

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = "\n".join(f"  {source}, {problem}" for problem in self.problems)
        super().__init__(
            f"{source}: {count} problem{'s' if count != 1 else ''} in the KPI definitions:\n{lines}"
        )


class Locator:
    """Finds the line of a key path by walking the YAML node tree (JSON is read as YAML here)."""

    def __init__(self, text: str) -> None:
        try:
            self._root: yaml.Node | None = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            self._root = None

    def line(self, path: KeyPath) -> int | None:
        node = self._root
        if node is None:
            return None
        line = node.start_mark.line + 1
        for key in path:
            child: yaml.Node | None = None
            if isinstance(node, yaml.MappingNode):
                for key_node, value_node in node.value:
                    if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(key):
                        line = key_node.start_mark.line + 1
                        child = value_node
                        break
            elif (
                isinstance(node, yaml.SequenceNode)
                and isinstance(key, int)
                and 0 <= key < len(node.value)
            ):
                child = node.value[key]
                line = child.start_mark.line + 1
            if child is None:
                return line
            node = child
        return line


def key_text(path: KeyPath) -> str:
    text = ""
    for key in path:
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else key)
    return text


def describe(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a yes/no value; quote it if you meant text)"
    return repr(value)


class FieldReader:
    """Checks values field by field; each check records a located problem and returns ``None``."""

    def __init__(self, locate: Locator) -> None:
        self.locate = locate
        self.problems: list[Problem] = []

    def problem(self, path: KeyPath, message: str) -> None:
        self.problems.append(Problem(key_text(path), self.locate.line(path), message))

    # -- primitives -------------------------------------------------------------------------

    def mapping(self, value: object, path: KeyPath, allowed: set[str]) -> dict[str, object] | None:
        if not isinstance(value, dict):
            self.problem(path, f"expected a mapping of keys to values, got {describe(value)}")
            return None
        result: dict[str, object] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                self.problem(path, f"key {describe(key)} must be text")
            elif key not in allowed:
                self.problem(
                    (*path, key), f"unknown key; expected one of: {', '.join(sorted(allowed))}"
                )
            else:
                result[key] = item
        return result

    def text(self, value: object, path: KeyPath) -> str | None:
        if isinstance(value, str) and value.strip():
            return value
        self.problem(path, f"expected text, got {describe(value)}")
        return None

    def number(self, value: object, path: KeyPath, *, minimum: float | None = None) -> float | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problem(path, f"expected a number, got {describe(value)}")
            return None
        if not math.isfinite(value):
            self.problem(path, f"expected a finite number, got {value}")
            return None
        if minimum is not None and value < minimum:
            self.problem(path, f"must be at least {minimum:g}, got {value:g}")
            return None
        return float(value)

    def choice(self, value: object, path: KeyPath, enum: type[E]) -> E | None:
        options = ", ".join(member.value for member in enum)
        if isinstance(value, str):
            try:
                return enum(value)
            except ValueError:
                pass
        self.problem(path, f"expected one of {options}; got {describe(value)}")
        return None

    def text_list(self, value: object, path: KeyPath) -> list[str] | None:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.problem(path, f"expected a list of text, got {describe(value)}")
            return None
        items = [self.text(item, (*path, index)) for index, item in enumerate(value)]
        return [item for item in items if item is not None]
