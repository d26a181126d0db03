"""What a version migration will do, worked out before anything moves: the element ids to
rewrite, where tokens go, and what stands in the way (``engine.migration``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from civicflow.engine.graph import Node, ProcessGraph
from civicflow.engine.rows import ScopeRow


class Plan:
    """The element ids to rewrite, and what stands in the way."""

    def __init__(self, source: ProcessGraph, target: ProcessGraph,
                 mappings: Mapping[str, str]) -> None:
        self.source = source
        self.target = target
        self.mappings = dict(mappings)
        self.problems: list[str] = []
        #: token id -> embedded subprocesses (outermost first) it moves into
        self.moves: dict[str, tuple[str, ...]] = {}
        #: token id -> where it goes when it leaves its (sub)process
        self.routes: dict[str, Route] = {}
        #: subprocess scopes a moved token joins (they stay, whoever leaves them)
        self.joined: set[str] = set()
        #: subprocess scopes withdrawn because every token left them, innermost first
        self.withdrawn: list[ScopeRow] = []
        #: scopes and tokens that go with the withdrawn subprocesses (not checked or rewritten)
        self.dropped_scopes: set[str] = set()
        self.dropped_tokens: set[str] = set()

    def new(self, old: str) -> str:
        return self.mappings.get(old, old)

    def check(self, old: str, what: str = "") -> Node | None:
        """The target node for ``old``, or None (a problem is recorded)."""
        new = self.new(old)
        target = self.target.nodes.get(new)
        arrow = f"'{old}'" if new == old else f"'{old}' (mapped to '{new}')"
        if target is None:
            self.problems.append(f"{arrow}{what} does not exist there")
            return None
        source = self.source.nodes.get(old)
        if source is not None and not compatible(source, target):
            self.problems.append(
                f"{arrow}{what} is a {describe(source)} but '{new}' is a {describe(target)}")
            return None
        return target


@dataclass
class Route:
    """A token that leaves embedded subprocesses: the scopes it leaves (innermost first), the
    scope it lands in, and the variables it takes along (copied into its own local scope)."""

    left: tuple[ScopeRow, ...]
    scope_id: str
    takes: dict[str, Any] = field(default_factory=dict)


def describe(node: Node) -> str:
    kind = node.event.kind if node.event is not None and node.event.kind != "none" else ""
    mi = " (multi-instance)" if node.multi_instance is not None else ""
    return f"{kind + ' ' if kind else ''}{node.type}{mi}"


def compatible(a: Node, b: Node) -> bool:
    """Whether something waiting on ``a`` can wait on ``b`` instead."""
    if a.type != b.type or (a.multi_instance is None) != (b.multi_instance is None):
        return False
    a_kinds = tuple(p.kind for p in a.event.triggers()) if a.event is not None else ()
    b_kinds = tuple(p.kind for p in b.event.triggers()) if b.event is not None else ()
    return a_kinds == b_kinds
