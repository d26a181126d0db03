"""The mutable state of a case during a run: its tokens, scope by scope (internal)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from civicflow.insight.simulation.graph import Node, ProcessGraph


@dataclass(slots=True)
class Case:
    """A simulated case: its id, when it arrived, and whether it counts in the figures."""

    id: str
    arrival: float
    measured: bool


@dataclass
class Frame:
    """The tokens of one case in one scope (the process, or one subprocess instance)."""

    graph: ProcessGraph
    case: Case
    parent: Frame | None = None
    node: Node | None = None  #: the subprocess node in the parent scope
    tokens: int = 0
    #: token positions are kept only where an inclusive join needs them (they cost time).
    track: bool = False
    positions: Counter[str] = field(default_factory=Counter)
    joins: dict[str, Counter[str]] = field(default_factory=dict)
