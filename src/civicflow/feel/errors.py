"""Errors and warnings of FEEL: syntax errors raise, runtime problems become null plus a warning."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Position:
    """Where in the expression text a problem was found (offset from 0, line and column from 1)."""

    offset: int
    line: int
    column: int

    @staticmethod
    def at(text: str, offset: int) -> Position:
        """The position of character ``offset`` in ``text``."""
        offset = max(0, min(offset, len(text)))
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        return Position(offset, line, column)


class FeelError(Exception):
    """Base of every exception raised by civicflow.feel."""


class FeelSyntaxError(FeelError):
    """The expression text is not valid FEEL; says where and what was expected there."""

    def __init__(self, text: str, position: Position, expected: tuple[str, ...], found: str):
        self.text = text
        self.position = position
        self.expected = expected
        self.found = found
        where = f"line {position.line}, column {position.column}"
        wanted = ", ".join(expected[:8]) + (", ..." if len(expected) > 8 else "")
        message = f"FEEL syntax error at {where}: unexpected {found}"
        if wanted:
            message += f"; expected {wanted}"
        line_text = text.splitlines()[position.line - 1] if text.strip() else ""
        excerpt, caret = _excerpt(line_text, position.column - 1)
        message += f"\n  {excerpt}\n  {' ' * caret}^"
        super().__init__(message)


_EXCERPT = 76  #: characters of the offending line shown; a whole 100 KB line helps nobody


def _excerpt(line: str, column: int) -> tuple[str, int]:
    """The part of ``line`` around ``column`` (0-based) and the caret's place in it."""
    if len(line) <= _EXCERPT:
        return line, column
    start = max(0, min(column - _EXCERPT // 2, len(line) - _EXCERPT))
    end = start + _EXCERPT
    prefix = "..." if start > 0 else ""
    suffix = "..." if end < len(line) else ""
    return f"{prefix}{line[start:end]}{suffix}", column - start + len(prefix)


class FeelEvaluationLimitError(FeelError):
    """Evaluation exceeded a safety bound (e.g. a `for` over a huge range); no usable result."""


@dataclass(frozen=True)
class FeelWarning:
    """A runtime problem that made (part of) the result null, as the specification prescribes."""

    message: str

    def __str__(self) -> str:
        return self.message
