"""What an evaluation returns: values plus the audit of why (matched rules, warnings)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from civicflow.feel import to_python


@dataclass(frozen=True)
class MatchedRule:
    """A decision table rule that matched: its 1-based index, id and output values."""

    table_id: str
    index: int
    rule_id: str
    outputs: Mapping[str, Any]
    annotations: tuple[str, ...] = ()


@dataclass(frozen=True)
class DecisionOutcome:
    """One evaluated decision: its value, the rules that matched and what went wrong."""

    decision_id: str
    decision_name: str
    value: Any
    matched_rules: tuple[MatchedRule, ...] = ()
    warnings: tuple[str, ...] = ()
    namespace: str = ""


@dataclass(frozen=True)
class DecisionResult:
    """The requested decision's value and every decision evaluated on the way, in order."""

    decision_name: str
    value: Any
    outcomes: tuple[DecisionOutcome, ...] = field(default=())

    def python_value(self) -> Any:
        """The value as plain JSON-friendly Python (for process variables and HTTP)."""
        return to_python(self.value)

    @property
    def outcome(self) -> DecisionOutcome:
        """The outcome of the requested decision itself (the last one evaluated)."""
        return self.outcomes[-1]

    @property
    def matched_rules(self) -> tuple[MatchedRule, ...]:
        """Rules matched by the requested decision's own tables."""
        return self.outcome.matched_rules

    @property
    def warnings(self) -> tuple[str, ...]:
        """Every warning of every decision evaluated, prefixed by the decision's name."""
        return tuple(f"{o.decision_name}: {w}" for o in self.outcomes for w in o.warnings)

    def outcome_of(self, name: str) -> DecisionOutcome | None:
        """The outcome of the decision named ``name``, if it was evaluated."""
        for item in self.outcomes:
            if item.decision_name == name:
                return item
        return None
