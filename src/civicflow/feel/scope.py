"""The evaluation state: name scopes, collected warnings and the work budget of one evaluation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from civicflow.feel.errors import FeelEvaluationLimitError, FeelWarning

#: How many loop iterations / generated list items one evaluation may perform.
DEFAULT_BUDGET = 1_000_000

MISSING: Any = object()


class Run:
    """Per-evaluation state shared by all scopes: where warnings go and how much work is left."""

    __slots__ = ("budget", "clock", "limit", "warnings")

    def __init__(
        self,
        warnings: list[FeelWarning] | None,
        budget: int = DEFAULT_BUDGET,
        clock: Callable[[], dt.datetime] | None = None,
    ):
        self.warnings = warnings
        self.budget = budget
        self.limit = budget
        self.clock = clock

    def now(self) -> dt.datetime:
        """The current date and time: the injected clock's, else the system's in UTC."""
        return self.clock() if self.clock is not None else dt.datetime.now(dt.UTC)

    def warn(self, message: str) -> None:
        if self.warnings is not None:
            self.warnings.append(FeelWarning(message))

    def spend(self, amount: int = 1) -> None:
        """Consume work; stop the evaluation with a clear error when the budget is exhausted."""
        self.budget -= amount
        if self.budget < 0:
            raise FeelEvaluationLimitError(
                f"FEEL evaluation stopped: it needed more than {self.limit:,} steps "
                "(a loop, range or list is too large); simplify the expression"
            )


class Scope:
    """A chain of name -> value mappings; inner scopes shadow outer ones."""

    __slots__ = ("parent", "run", "vars")

    def __init__(self, variables: Mapping[str, Any], parent: Scope | None, run: Run):
        self.vars = variables
        self.parent = parent
        self.run = run

    def child(self, variables: Mapping[str, Any]) -> Scope:
        return Scope(variables, self, self.run)
