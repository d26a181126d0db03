"""Damaged but well-formed files never crash the importer, the checker or the exporter."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from civicflow.model import BpmnImportError, check, export_bpmn, parse_bpmn

SOURCE = (Path(__file__).parents[2] / "data" / "bpmn" / "constructs_default_ns.bpmn").read_bytes()
ELEMENT_COUNT = sum(1 for e in etree.fromstring(SOURCE).iter() if isinstance(e.tag, str))


def _damaged(removals: list[int], attribute_drops: list[int]) -> bytes:
    root = etree.fromstring(SOURCE)
    elements = [e for e in root.iter() if isinstance(e.tag, str)]
    for index in attribute_drops:
        element = elements[index % len(elements)]
        keys = list(element.attrib)
        if keys:
            del element.attrib[keys[index % len(keys)]]
    for index in sorted(set(removals), reverse=True):
        element = elements[index % len(elements)]
        parent = element.getparent()
        if parent is not None:
            parent.remove(element)
    return etree.tostring(root)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(1, ELEMENT_COUNT), max_size=6),
    st.lists(st.integers(0, 10_000), max_size=10),
)
def test_removing_elements_or_attributes_never_crashes_and_still_round_trips(
    removals: list[int], attribute_drops: list[int]
) -> None:
    damaged = _damaged(removals, attribute_drops)
    try:
        model = parse_bpmn(damaged)
    except BpmnImportError:
        return
    report = check(model)
    assert all(f.message for f in report.findings)
    assert parse_bpmn(export_bpmn(model)) == model
