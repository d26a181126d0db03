"""Every OMG MIWG reference model imports, round-trips equal and exports XSD-valid XML."""

from __future__ import annotations

import collections
from functools import cache
from pathlib import Path

import pytest
from lxml import etree

from civicflow.model import parse_bpmn
from civicflow.model.export import export_bpmn

HERE = Path(__file__).resolve().parent
XSD = HERE.parent / "data" / "bpmn" / "xsd" / "BPMN20.xsd"
SHARED = HERE.parents[1] / ".." / "shared" / "data" / "bpmn"
MIWG = sorted((SHARED / "miwg-reference").glob("*.bpmn"))
LOCAL = sorted((HERE.parent / "data" / "bpmn").glob("*.bpmn"))
FILES = [*MIWG, SHARED / "reference_permit.bpmn", *LOCAL]


@cache
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD)))


def _ids_by_tag(root: etree._Element) -> collections.Counter[tuple[str, str | None]]:
    """Every element (tag, id), ignoring empty extensionElements, which carry nothing."""
    found: collections.Counter[tuple[str, str | None]] = collections.Counter()
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag.endswith("}extensionElements") and len(el) == 0:
            continue
        found[(el.tag, el.get("id"))] += 1
    return found


def test_the_reference_suite_is_present() -> None:
    if not MIWG:
        pytest.skip("../shared/data/bpmn/miwg-reference is not on this machine")
    assert len(MIWG) == 21


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_reference_file_round_trips_to_an_equal_model(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"{path} is not on this machine")
    model = parse_bpmn(path)
    again = parse_bpmn(export_bpmn(model))
    assert again == model
    assert again.diagrams == model.diagrams
    if path in MIWG:
        assert model.diagrams, "every reference file is drawn"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_exported_reference_file_is_valid_against_the_omg_schema(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"{path} is not on this machine")
    exported = etree.fromstring(export_bpmn(parse_bpmn(path)))
    schema = _schema()
    assert schema.validate(exported), [str(e) for e in schema.error_log][:5]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_export_keeps_every_element_the_modeler_wrote(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"{path} is not on this machine")
    original = etree.parse(str(path)).getroot()
    exported = etree.fromstring(export_bpmn(parse_bpmn(path)))
    lost = _ids_by_tag(original) - _ids_by_tag(exported)
    assert not lost, list(lost)[:5]
