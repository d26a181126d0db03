"""Malformed or truncated DMN never crashes the importer: it parses or says what is wrong."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from civicflow.dmn.errors import DmnImportError
from civicflow.dmn.evaluate import evaluate_decision
from civicflow.dmn.parse import DmnModel, parse_definitions

MODEL = (Path(__file__).parent / "data" / "permit_fee.dmn").read_bytes()


@settings(max_examples=150, deadline=None)
@given(start=st.integers(0, len(MODEL)), length=st.integers(1, 40),
       insert=st.sampled_from([b"", b"<", b">", b'"', b"<rule>", b"</input>", b"&amp;",
                               b'hitPolicy="NOPE"', b'aggregation="SUM"', b"x"]))
def test_a_damaged_model_either_parses_or_raises_an_import_error(
        start: int, length: int, insert: bytes) -> None:
    damaged = MODEL[:start] + insert + MODEL[start + length:]
    message = ""
    try:
        definitions = parse_definitions(damaged, "damaged.dmn")
    except DmnImportError as exc:  # any other exception fails the test
        message = str(exc)
    assert message == "" or message.startswith("damaged.dmn")
    if not message:  # what parses also evaluates: null and warnings, never a crash
        model = DmnModel(definitions)
        for decision in definitions.decisions:
            result = evaluate_decision(model, decision.id,
                                       {"Applicant Age": 30, "Permit Kind": "building"})
            assert result.outcome.decision_id == decision.id
