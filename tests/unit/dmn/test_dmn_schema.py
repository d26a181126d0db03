"""DMN 1.3 schema checking with the OMG XSDs in ../shared/standards/dmn-1.3-xsd."""

from __future__ import annotations

from pathlib import Path

import pytest

from civicflow.dmn.schema import schema_errors

XSD = Path(__file__).resolve().parents[3].parent / "shared" / "standards" / "dmn-1.3-xsd"
MODEL = Path(__file__).parent / "data" / "permit_fee.dmn"

pytestmark = pytest.mark.skipif(not (XSD / "DMN13.xsd").is_file(),
                                reason="the shared DMN 1.3 schemas are absent")


def test_the_example_model_is_valid_dmn_13() -> None:
    assert schema_errors(MODEL.read_bytes(), XSD, "permit_fee.dmn") == []


def test_an_invalid_element_is_reported_with_its_line() -> None:
    broken = MODEL.read_text().replace("<rule id=\"youth\">", "<rule id=\"youth\"><oops/>")
    errors = schema_errors(broken.encode(), XSD, "broken.dmn")
    assert errors
    assert "oops" in errors[0]
    assert "line" in errors[0]


def test_other_dmn_versions_are_not_judged_by_the_13_schema() -> None:
    data = b'<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/"/>'
    assert "not DMN 1.3" in schema_errors(data, XSD)[0]
