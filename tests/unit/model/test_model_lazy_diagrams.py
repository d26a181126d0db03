"""Diagram interchange is imported on first read; nobody may be able to tell (decision 0104).

Each test compares a model fresh from ``parse_bpmn`` (diagrams not yet read) with one whose
diagrams were read first, through public behaviour only: equality, hashing, repr, pickling,
copying, ``dataclasses.replace`` and export.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
import re
import threading
from pathlib import Path

import pytest

from civicflow.model import Definitions, Diagram, Edge, Shape, export_bpmn, parse_bpmn, validate

HERE = Path(__file__).resolve()
DATA = HERE.parents[2] / "data" / "bpmn"
MIWG = HERE.parents[3] / ".." / "shared" / "data" / "bpmn" / "miwg-reference"
FILES = [
    DATA / "constructs_default_ns.bpmn",
    *(p for p in (MIWG / "A.2.1.bpmn", MIWG / "C.1.0.bpmn", MIWG / "C.3.0.bpmn") if p.exists()),
]


def _fresh(path: Path) -> Definitions:
    return parse_bpmn(path.read_bytes(), name=path.name)


def _read(path: Path) -> Definitions:
    """A model whose diagrams have been read (so built) right after import."""
    model = _fresh(path)
    assert model.diagrams  # every file here is drawn
    return model


@pytest.fixture(params=FILES, ids=[p.name for p in FILES])
def path(request: pytest.FixtureRequest) -> Path:
    return Path(request.param)


def test_a_model_whose_diagrams_were_not_read_equals_one_whose_diagrams_were(path: Path) -> None:
    read = _read(path)
    assert _fresh(path) == read
    assert read == _fresh(path)
    assert hash(_fresh(path)) == hash(read)
    assert repr(_fresh(path)) == repr(read)


def test_a_model_differing_only_in_its_diagrams_is_not_equal(path: Path) -> None:
    read = _read(path)
    diagram = read.diagrams[0]
    moved = dataclasses.replace(
        diagram, plane=dataclasses.replace(diagram.plane, elements=diagram.plane.elements[1:])
    )
    changed = dataclasses.replace(read, diagrams=(moved, *read.diagrams[1:]))
    assert _fresh(path) != changed
    assert changed != _fresh(path)


def test_a_model_pickled_before_its_diagrams_were_read_keeps_them(path: Path) -> None:
    restored = pickle.loads(pickle.dumps(_fresh(path)))
    read = _read(path)
    assert restored == read
    assert restored.diagrams == read.diagrams
    assert [d.line for d in restored.diagrams] == [d.line for d in read.diagrams]


def test_copies_and_replacements_of_a_fresh_model_keep_its_diagrams(path: Path) -> None:
    read = _read(path)
    assert copy.deepcopy(_fresh(path)).diagrams == read.diagrams
    assert copy.copy(_fresh(path)).diagrams == read.diagrams
    assert dataclasses.replace(_fresh(path), name="renamed").diagrams == read.diagrams
    assert dataclasses.asdict(_fresh(path))["diagrams"] == dataclasses.asdict(read)["diagrams"]


def test_a_fresh_model_exports_the_same_xml_as_one_whose_diagrams_were_read(path: Path) -> None:
    exported = export_bpmn(_fresh(path))
    assert exported == export_bpmn(_read(path))
    assert b"BPMNDiagram" in exported
    assert parse_bpmn(exported) == _read(path)


def test_diagram_elements_carry_the_line_they_start_on_in_the_file(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    checked = 0
    for diagram in _fresh(path).diagrams:
        for element in diagram.plane.elements:
            assert element.line is not None
            tag = "BPMNShape" if isinstance(element, Shape) else "BPMNEdge"
            assert tag in lines[element.line - 1]
            if element.id is not None:
                assert re.search(rf'\bid="{re.escape(element.id)}"', lines[element.line - 1])
                checked += 1
    assert checked > 0


def test_two_threads_reading_diagrams_at_once_see_equal_values(path: Path) -> None:
    model = _fresh(path)
    seen: list[tuple[Diagram, ...]] = []
    threads = [threading.Thread(target=lambda: seen.append(model.diagrams)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 4
    assert all(value == _read(path).diagrams for value in seen)
    assert all(type(value) is tuple for value in seen)


def test_diagrams_read_back_are_tuples_of_diagrams_with_shapes_and_edges(path: Path) -> None:
    diagrams = _fresh(path).diagrams
    assert type(diagrams) is tuple
    assert all(isinstance(d, Diagram) for d in diagrams)
    kinds = {type(e) for d in diagrams for e in d.plane.elements}
    assert Shape in kinds
    assert Edge in kinds or all(not d.edges for d in diagrams)


def test_a_model_built_by_hand_keeps_the_diagrams_it_was_given() -> None:
    drawn = _read(DATA / "constructs_default_ns.bpmn")
    by_hand = Definitions(diagrams=drawn.diagrams)
    assert by_hand.diagrams == drawn.diagrams
    assert Definitions() != by_hand
    assert Definitions().diagrams == ()


def test_skipping_diagrams_still_gives_a_model_without_them(path: Path) -> None:
    lean = parse_bpmn(path.read_bytes(), include_diagrams=False)
    assert lean.diagrams == ()
    assert lean.root_elements == _read(path).root_elements


def test_a_finding_about_a_drawn_shape_names_the_line_of_that_shape() -> None:
    lines = (DATA / "constructs_default_ns.bpmn").read_text(encoding="utf-8").splitlines()
    plane = next(i for i, text in enumerate(lines) if "<bpmndi:BPMNPlane" in text)
    ghost = (
        '      <bpmndi:BPMNShape id="ghost_di" bpmnElement="ghost">'
        '<Bounds xmlns="http://www.omg.org/spec/DD/20100524/DC" x="1" y="2" width="3" '
        'height="4"/></bpmndi:BPMNShape>'
    )
    lines.insert(plane + 1, ghost)
    model = parse_bpmn("\n".join(lines))
    found = [f for f in validate(model) if f.element_id == "ghost_di"]
    assert [f.code for f in found] == ["diagram-dangling-reference"]
    assert found[0].line == plane + 2  # 1-based line of the inserted shape
