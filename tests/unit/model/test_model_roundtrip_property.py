"""Property: any process graph we can build exports to valid BPMN and imports back unchanged."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from civicflow.model import (
    Bounds,
    Definitions,
    Diagram,
    Documentation,
    Edge,
    EndEvent,
    ExclusiveGateway,
    Expression,
    FlowElement,
    FlowNode,
    IntermediateCatchEvent,
    Lane,
    LaneSet,
    MultiInstanceLoopCharacteristics,
    ParallelGateway,
    Plane,
    Point,
    Process,
    SequenceFlow,
    ServiceTask,
    Shape,
    StartEvent,
    SubProcess,
    Task,
    TimerEventDefinition,
    UserTask,
    XmlNode,
    export_bpmn,
    parse_bpmn,
)

XSD = Path(__file__).parents[2] / "data" / "bpmn" / "xsd" / "BPMN20.xsd"
ZEEBE = "{http://camunda.org/schema/zeebe/1.0}"

# Printable text without characters XML cannot carry or normalises (\r, control characters).
TEXT = st.text(
    st.characters(categories=("L", "N", "P", "S", "Zs"), exclude_characters="\r"), max_size=20
)
NAMES = st.none() | TEXT
IDENT = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
COORD = st.integers(-2000, 5000).map(float) | st.floats(-1e6, 1e6, allow_nan=False)


@cache
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD)))


def _feel(name: str) -> Expression:
    return Expression(body=f"={name}")


NodeFactory = Callable[[st.DrawFn, str], FlowNode]


def _start(draw: st.DrawFn, node_id: str) -> FlowNode:
    return StartEvent(id=node_id, name=draw(NAMES))


def _end(draw: st.DrawFn, node_id: str) -> FlowNode:
    return EndEvent(id=node_id, name=draw(NAMES))


def _task(draw: st.DrawFn, node_id: str) -> FlowNode:
    docs = tuple(Documentation(text=t) for t in draw(st.lists(TEXT, max_size=2)))
    return Task(id=node_id, name=draw(NAMES), documentation=docs)


def _user_task(draw: st.DrawFn, node_id: str) -> FlowNode:
    loop = None
    if draw(st.booleans()):
        loop = MultiInstanceLoopCharacteristics(
            is_sequential=draw(st.booleans()), loop_cardinality=_feel(draw(IDENT))
        )
    return UserTask(id=node_id, name=draw(NAMES), loop=loop)


def _service_task(draw: st.DrawFn, node_id: str) -> FlowNode:
    definition = XmlNode(tag=f"{ZEEBE}taskDefinition", attributes=(("type", draw(IDENT)),))
    return ServiceTask(id=node_id, name=draw(NAMES), extension_elements=(definition,))


def _timer(draw: st.DrawFn, node_id: str) -> FlowNode:
    timer = TimerEventDefinition(time_duration=Expression(body=f"PT{draw(st.integers(1, 99))}M"))
    return IntermediateCatchEvent(id=node_id, name=draw(NAMES), event_definitions=(timer,))


def _exclusive(draw: st.DrawFn, node_id: str) -> FlowNode:
    return ExclusiveGateway(id=node_id, name=draw(NAMES))


def _parallel(draw: st.DrawFn, node_id: str) -> FlowNode:
    return ParallelGateway(id=node_id)


FACTORIES: tuple[NodeFactory, ...] = (
    _start,
    _end,
    _task,
    _user_task,
    _service_task,
    _timer,
    _exclusive,
    _parallel,
)


def _graph(draw: st.DrawFn, prefix: str, depth: int) -> tuple[FlowElement, ...]:
    count = draw(st.integers(1, 8))
    nodes: list[FlowElement] = []
    for index in range(count):
        node_id = f"{prefix}n{index}"
        if depth > 0 and draw(st.integers(0, 9)) == 0:
            inner = _graph(draw, f"{node_id}_", depth - 1)
            nodes.append(
                SubProcess(
                    id=node_id,
                    name=draw(NAMES),
                    triggered_by_event=draw(st.booleans()),
                    flow_elements=inner,
                )
            )
        else:
            nodes.append(draw(st.sampled_from(FACTORIES))(draw, node_id))
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, count - 1), st.integers(0, count - 1)),
            max_size=2 * count,
            unique=True,
        )
    )
    flows = [
        SequenceFlow(
            id=f"{prefix}f{k}",
            name=draw(NAMES),
            source_ref=f"{prefix}n{a}",
            target_ref=f"{prefix}n{b}",
            condition=draw(st.none() | IDENT.map(_feel)),
        )
        for k, (a, b) in enumerate(pairs)
    ]
    return tuple(nodes) + tuple(flows)


@st.composite
def definitions_graphs(draw: st.DrawFn) -> Definitions:
    elements = _graph(draw, "", depth=2)
    node_ids = [e.id for e in elements if isinstance(e, FlowNode)]
    lanes: tuple[LaneSet, ...] = ()
    if draw(st.booleans()):
        members = draw(st.lists(st.sampled_from(node_ids), unique=True))
        lanes = (
            LaneSet(
                id="ls", lanes=(Lane(id="lane", name=draw(NAMES), flow_node_refs=tuple(members)),)
            ),
        )
    process = Process(
        id="p",
        name=draw(NAMES),
        is_executable=draw(st.sampled_from([None, True, False])),
        flow_elements=elements,
        lane_sets=lanes,
    )
    shapes: list[Shape | Edge] = [
        Shape(
            id=f"{node_id}_di",
            bpmn_element=node_id,
            bounds=Bounds(x=draw(COORD), y=draw(COORD), width=100, height=80),
        )
        for node_id in draw(st.lists(st.sampled_from(node_ids), unique=True))
    ]
    shapes += [
        Edge(
            id=f"{flow.id}_di",
            bpmn_element=flow.id,
            waypoints=tuple(
                Point(x=draw(COORD), y=draw(COORD)) for _ in range(draw(st.integers(2, 4)))
            ),
        )
        for flow in elements
        if isinstance(flow, SequenceFlow) and draw(st.booleans())
    ]
    diagram = Diagram(
        id="diagram", plane=Plane(id="plane", bpmn_element="p", elements=tuple(shapes))
    )
    return Definitions(
        id="defs",
        target_namespace="http://example.org/generated",
        root_elements=(process,),
        diagrams=(diagram,),
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(definitions_graphs())
def test_generated_process_graph_exports_and_imports_back_unchanged(
    definitions: Definitions,
) -> None:
    exported = export_bpmn(definitions)
    assert parse_bpmn(exported) == definitions
    schema = _schema()
    assert schema.validate(etree.fromstring(exported)), str(schema.error_log)
