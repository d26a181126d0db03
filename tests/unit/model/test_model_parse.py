"""Importing BPMN files into the typed model: constructs, lookups, extensions, line numbers."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from civicflow.model import (
    BoundaryEvent,
    CallActivity,
    Definitions,
    EndEvent,
    ErrorEventDefinition,
    ExclusiveGateway,
    IntermediateCatchEvent,
    MessageEventDefinition,
    MultiInstanceLoopCharacteristics,
    Process,
    ScriptTask,
    ServiceTask,
    StartEvent,
    SubProcess,
    TimerEventDefinition,
    UserTask,
    parse_bpmn,
)

DATA = Path(__file__).parents[2] / "data" / "bpmn"
SHARED = Path(__file__).parents[3] / ".." / "shared" / "data" / "bpmn"


@pytest.fixture(scope="module")
def constructs() -> Definitions:
    return parse_bpmn(DATA / "constructs_default_ns.bpmn")


@pytest.fixture(scope="module")
def main(constructs: Definitions) -> Process:
    return constructs.process("proc_main")


def test_default_namespace_file_yields_its_process_and_root_elements(
    constructs: Definitions,
) -> None:
    assert [p.id for p in constructs.processes] == ["proc_main"]
    assert [m.name for m in constructs.messages] == ["PaymentReceived"]
    assert constructs.errors[0].error_code == "INVALID"
    assert constructs.escalations[0].escalation_code == "LATE"
    assert constructs.signals[0].name == "CloseAll"
    collaboration = constructs.collaborations[0]
    assert [p.process_ref for p in collaboration.participants] == ["proc_main", None]
    assert collaboration.message_flows[0].message_ref == "msg_paid"


def test_sequence_flows_are_navigable_from_each_node(main: Process) -> None:
    assert [f.target_ref for f in main.outgoing("gw")] == ["notify", "end_no"]
    assert [f.source_ref for f in main.incoming("review")] == ["start"]
    gateway = main.node("gw")
    assert isinstance(gateway, ExclusiveGateway)
    assert gateway.default == "f_no"
    flow_yes = main.outgoing("gw")[0]
    assert flow_yes.condition is not None
    assert flow_yes.condition.body == "=approved"
    assert flow_yes.condition.formal


def test_boundary_events_are_found_by_the_activity_they_hang_on(main: Process) -> None:
    boundary = main.boundary_events("review")
    assert [b.id for b in boundary] == ["b_timer", "b_error"]
    timer = boundary[0]
    assert isinstance(timer, BoundaryEvent)
    assert timer.cancel_activity is False
    assert isinstance(timer.definition, TimerEventDefinition)
    assert timer.definition.time_duration is not None
    assert timer.definition.time_duration.body == "PT2H"
    assert isinstance(boundary[1].definition, ErrorEventDefinition)
    assert boundary[1].definition.error_ref == "err_invalid"


def test_subprocess_is_a_scope_with_its_own_children(main: Process) -> None:
    sub = main.node("sub")
    assert isinstance(sub, SubProcess)
    assert [s.id for s in sub.start_events] == ["sub_start"]
    catch = sub.node("catch_paid")
    assert isinstance(catch, IntermediateCatchEvent)
    assert isinstance(catch.definition, MessageEventDefinition)
    assert catch.definition.message_ref == "msg_paid"
    assert [e.id for e in sub.event_subprocesses] == ["evsub"]
    event_start = sub.event_subprocesses[0].node("ev_start")
    assert isinstance(event_start, StartEvent)
    assert event_start.is_interrupting is False
    assert event_start.trigger == "escalation"
    assert main.find("ev_end") is not None
    assert main.scope_of("ev_end") is sub.event_subprocesses[0]
    assert main.get("catch_paid") is None


def test_lanes_tell_which_department_holds_a_node(main: Process) -> None:
    lane = main.lane_of("notify")
    assert lane is not None
    assert lane.name == "System"
    assert main.lane_of("end_ok") is None


def test_zeebe_extensions_are_readable_as_typed_values(main: Process) -> None:
    review = main.node("review")
    assert isinstance(review, UserTask)
    zeebe = review.zeebe
    assert zeebe.assignment is not None
    assert zeebe.assignment.assignee == "=owner"
    assert zeebe.assignment.candidate_groups == "clerks, seniors"
    assert zeebe.form is not None
    assert zeebe.form.form_key == "camunda-forms:bpmn:review_form"
    assert [(i.source, i.target) for i in zeebe.inputs] == [("=amount", "amount")]
    assert [(o.source, o.target) for o in zeebe.outputs] == [("=approved", "approved")]
    notify = main.node("notify")
    assert isinstance(notify, ServiceTask)
    assert notify.zeebe.task_definition is not None
    assert notify.zeebe.task_definition.type == "notify"
    assert [(h.key, h.value) for h in notify.zeebe.task_headers] == [("channel", "email")]
    assert notify.zeebe.loop is not None
    assert notify.zeebe.loop.input_collection == "=recipients"
    assert isinstance(notify.loop, MultiInstanceLoopCharacteristics)
    assert notify.loop.is_sequential
    call = main.node("call")
    assert isinstance(call, CallActivity)
    assert call.zeebe.called_element is not None
    assert call.zeebe.called_element.propagate_all_child_variables is False
    assert call.zeebe.called_element.propagate_all_parent_variables is True
    score = main.node("score")
    assert isinstance(score, ScriptTask)
    assert score.zeebe.script is not None
    assert score.zeebe.script.result_variable == "score"


def test_message_subscription_correlation_key_is_read(constructs: Definitions) -> None:
    assert constructs.messages[0].zeebe.correlation_key == "=case_id"


def test_unknown_extensions_and_attributes_are_kept_verbatim(main: Process) -> None:
    review = main.node("review")
    note = next(n for n in review.extension_elements if n.local_name == "note")
    assert note.namespace == "http://example.org/acme"
    assert note.get("level") == "3"
    assert note.text_content == "keep me verbatim"
    start = main.node("start")
    assert start.attribute("{http://example.org/acme}color") == "red"


def test_elements_remember_their_source_line(main: Process) -> None:
    source = (DATA / "constructs_default_ns.bpmn").read_text().splitlines()
    review = main.node("review")
    assert review.line is not None
    assert 'id="review"' in source[review.line - 1]


def test_several_diagrams_keep_shapes_edges_and_labels(constructs: Definitions) -> None:
    assert [d.name for d in constructs.diagrams] == ["Overview", "Payment detail"]
    overview = constructs.diagrams[0]
    start_shape = next(s for s in overview.shapes if s.bpmn_element == "start")
    assert start_shape.bounds.x == 150.5
    assert start_shape.label is not None
    assert start_shape.label.bounds is not None
    assert [(p.x, p.y) for p in overview.edges[0].waypoints] == [(186.5, 118), (240, 118)]
    assert constructs.diagrams[1].plane.bpmn_element == "sub"


def test_model_objects_are_immutable(main: Process) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        main.name = "changed"  # type: ignore[misc]


def test_definitions_finds_any_element_by_id(constructs: Definitions) -> None:
    element = constructs.element("ev_end")
    assert isinstance(element, EndEvent)
    assert constructs.element("lane_clerk") is not None
    assert constructs.element("nope") is None


def test_reference_permit_process_parses_with_its_zeebe_scripts() -> None:
    definitions = parse_bpmn(SHARED / "reference_permit.bpmn")
    process = definitions.process("permit_application")
    assert process.is_executable is True
    intake = process.node("intake")
    assert isinstance(intake, ScriptTask)
    assert intake.zeebe.script is not None
    assert intake.zeebe.script.result_variable == "intake"
    assert len(intake.zeebe.outputs) == 4
    assert len(process.outgoing("split")) == 2


def test_xml_given_as_text_parses_like_a_file() -> None:
    text = (DATA / "constructs_default_ns.bpmn").read_text()
    assert parse_bpmn(text) == parse_bpmn(DATA / "constructs_default_ns.bpmn")


def test_engine_can_skip_diagrams_and_still_get_the_same_process() -> None:
    full = parse_bpmn(DATA / "constructs_default_ns.bpmn")
    lean = parse_bpmn(DATA / "constructs_default_ns.bpmn", include_diagrams=False)
    assert lean.diagrams == ()
    assert lean.root_elements == full.root_elements


def test_camunda8_embedded_form_is_found_from_the_user_task_form_key() -> None:
    path = SHARED / "miwg-reference" / "C.8.1.bpmn"
    if not path.exists():
        pytest.skip("../shared is not on this machine")
    process = parse_bpmn(path).process("VacationRequestProcess")
    forms = dict(process.zeebe.user_task_forms)
    task = process.node("_79523269-7444-4b01-90e9-e23957a9d020")
    assert task.zeebe.form is not None
    key = task.zeebe.form.form_key
    assert key == "camunda-forms:bpmn:userTaskForm_1m306cp"
    assert forms[key.rpartition(":")[2]].lstrip().startswith("{")


def test_xml_text_with_a_byte_order_mark_is_read_as_xml_not_as_a_path() -> None:
    text = "\ufeff" + (DATA / "constructs_default_ns.bpmn").read_text()
    assert parse_bpmn(text).process("proc_main").name == "Main"


def test_models_survive_pickling_for_worker_processes(constructs: Definitions) -> None:
    import pickle

    constructs.process("proc_main").outgoing("gw")  # build an index first: it must pickle too
    copy = pickle.loads(pickle.dumps(constructs))
    assert copy == constructs
    assert hash(copy) == hash(constructs)
    assert [f.id for f in copy.process("proc_main").outgoing("gw")] == ["f_yes", "f_no"]
