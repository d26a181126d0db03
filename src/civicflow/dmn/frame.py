"""The mutable state of one decision's evaluation: warnings and the rules that matched."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from civicflow.dmn.results import MatchedRule
from civicflow.dmn.types import TypeResolver


@dataclass
class Frame:
    """Collects what one decision's evaluation observed, for its ``DecisionOutcome``."""

    resolve: TypeResolver
    names: frozenset[str]
    warnings: list[Any] = field(default_factory=list)
    matched: list[MatchedRule] = field(default_factory=list)

    def warn(self, message: str) -> None:
        """Record a problem that made part of the result null."""
        self.warnings.append(message)

    def warning_texts(self) -> tuple[str, ...]:
        """The warnings as text (FEEL warnings are objects with a readable ``str``)."""
        return tuple(str(w) for w in self.warnings)
