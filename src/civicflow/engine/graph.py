"""The executable form of one process: flow nodes and sequence flows with expressions compiled.

Built once per deployment from the model layer's dataclasses (see ``civicflow.engine.compile``)
and cached; every command only looks things up here by id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Expr:
    """A FEEL expression (``=``-prefixed in Camunda 8 models) or a static text value."""

    text: str
    compiled: Any  # civicflow.feel compiled expression, or None for a static value
    element_id: str

    @property
    def is_static(self) -> bool:
        return self.compiled is None


@dataclass(frozen=True, slots=True)
class Mapping:
    """One ``zeebe:input`` / ``zeebe:output``: evaluate ``source``, store under ``target``."""

    source: Expr
    target: str


@dataclass(frozen=True, slots=True)
class EventDef:
    """What an event waits for or throws."""

    kind: str  # none, timer, message, error, signal, escalation, terminate, link, conditional,
    # compensate
    timer_kind: str | None = None  # date, duration, cycle
    timer: Expr | None = None
    name: str | None = None  # message / signal / escalation name, link name
    code: str | None = None  # error / escalation code (None catches all)
    correlation_key: Expr | None = None
    condition: Expr | None = None
    activity_ref: str | None = None  # compensation target
    wait_for_completion: bool = True  # compensation throw: go on only when handlers ended
    parts: tuple[EventDef, ...] = ()  # kind "multiple": one EventDef per event definition
    parallel: bool = False  # "parallel multiple": every part must occur, not just one

    def triggers(self) -> tuple[EventDef, ...]:
        """The single definitions this event consists of (itself unless it is multiple)."""
        return self.parts if self.kind == "multiple" else (self,)


@dataclass(frozen=True, slots=True)
class MultiInstance:
    """Multi-instance characteristics (Camunda 8 ``zeebe:loopCharacteristics``)."""

    sequential: bool
    input_collection: Expr | None
    input_element: str | None
    output_collection: str | None
    output_element: Expr | None
    cardinality: Expr | None
    completion_condition: Expr | None
    loop_condition: Expr | None = None  # standard loop: repeat while this holds
    test_before: bool = False
    loop_maximum: int | None = None


@dataclass(frozen=True, slots=True)
class Node:
    """A flow node: event, activity or gateway."""

    id: str
    name: str | None
    type: str  # BPMN local name: startEvent, userTask, exclusiveGateway, subProcess, ...
    container: str  # id of the process or subprocess that holds it
    incoming: tuple[str, ...] = ()
    outgoing: tuple[str, ...] = ()
    lane: str | None = None
    event: EventDef | None = None
    attached_to: str | None = None
    cancel_activity: bool = True
    boundaries: tuple[str, ...] = ()
    default_flow: str | None = None
    task_type: Expr | None = None
    retries: Expr | None = None
    headers: tuple[tuple[str, str], ...] = ()
    script: Expr | None = None
    result_variable: str | None = None
    inputs: tuple[Mapping, ...] = ()
    outputs: tuple[Mapping, ...] = ()
    assignee: Expr | None = None
    candidate_groups: Expr | None = None
    due_date: Expr | None = None
    form_key: str | None = None
    multi_instance: MultiInstance | None = None
    called_element: Expr | None = None
    called_binding: str = "latest"  # or "deployment", "versionTag", "version" (engine.binding)
    called_version_tag: str | None = None  # bindingType "versionTag": the tag to call
    called_version: int | None = None  # Camunda 7 decisionRefBinding "version": the number
    called_decision: Expr | None = None  # business rule task: DMN decision id to evaluate
    decision_result_mapping: str | None = None  # Camunda 7 mapDecisionResult (None: Camunda 8)
    propagate_all_child: bool = True
    propagate_all_parent: bool = True
    triggered_by_event: bool = False
    is_for_compensation: bool = False
    compensation_handler: str | None = None  # activity run to undo this one once completed
    starts: tuple[str, ...] = ()  # for subprocesses: their start events
    event_subprocesses: tuple[str, ...] = ()  # for containers: event subprocesses inside
    activation_condition: Expr | None = None  # complex gateway: when it fires


@dataclass(frozen=True, slots=True)
class Flow:
    """A sequence flow, with its FEEL condition if any."""

    id: str
    source: str
    target: str
    condition: Expr | None = None


@dataclass(frozen=True)
class ProcessGraph:
    """One executable process: nodes and flows by id, plus precomputed reachability."""

    process_id: str
    name: str | None
    nodes: dict[str, Node]
    flows: dict[str, Flow]
    starts: tuple[str, ...]  # top-level start events
    event_subprocesses: tuple[str, ...]
    upstream: dict[str, frozenset[str]] = field(default_factory=dict)
    has_conditional_events: bool = False
    has_compensation: bool = False
    version_tag: str | None = None  # ``zeebe:versionTag value`` of the process
    #: per node id: whether a token on it may own user tasks, jobs and subscriptions
    attachments: dict[str, tuple[bool, bool, bool]] = field(init=False, compare=False)
    #: node ids whose token leaves along every outgoing flow without evaluating conditions
    unconditional_exits: frozenset[str] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        # derived once per deployment so that every step of every command skips the work
        object.__setattr__(self, "attachments",
                           {n.id: attachment_kinds(n) for n in self.nodes.values()})
        object.__setattr__(self, "unconditional_exits", frozenset(
            n.id for n in self.nodes.values()
            if n.type in GATEWAYS or all(self.flows[f].condition is None for f in n.outgoing)))

    def node(self, node_id: str) -> Node:
        return self.nodes[node_id]

    def flow(self, flow_id: str) -> Flow:
        return self.flows[flow_id]

    def can_reach(self, src: str, join: str) -> bool:
        """Whether a token on ``src`` can still arrive at the inclusive join ``join``."""
        return src in self.upstream.get(join, frozenset())


GATEWAYS = frozenset(
    {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
     "complexGateway"}
)


def attachment_kinds(node: Node) -> tuple[bool, bool, bool]:
    """Whether a token on ``node`` may own user tasks, jobs and subscriptions."""
    ev = node.event.kind if node.event is not None else None
    tasks = node.type in ("userTask", "manualTask")
    jobs = (bool(node.boundaries) or node.task_type is not None or ev in ("timer", "multiple")
            or node.type == "eventBasedGateway")
    subs = (bool(node.boundaries) or node.type in ("receiveTask", "eventBasedGateway")
            or ev in ("message", "signal", "multiple"))
    return tasks, jobs, subs


def compute_upstream(
    nodes: dict[str, Node], flows: dict[str, Flow], joins: list[str]
) -> dict[str, frozenset[str]]:
    """For each inclusive join, the nodes from which it can be reached without passing it.

    Boundary events count as successors of their activity, so a token on an activity with an
    error boundary that leads to the join is still expected.
    """
    pred: dict[str, list[str]] = {n: [] for n in nodes}
    for f in flows.values():
        if f.target in pred:
            pred[f.target].append(f.source)
    for n in nodes.values():
        if n.attached_to is not None:
            pred[n.id].append(n.attached_to)
    out: dict[str, frozenset[str]] = {}
    for join in joins:
        seen: set[str] = set()
        stack = list(pred[join])
        while stack:
            cur = stack.pop()
            if cur in seen or cur == join:
                continue
            seen.add(cur)
            stack.extend(pred.get(cur, ()))
        out[join] = frozenset(seen)
    return out
