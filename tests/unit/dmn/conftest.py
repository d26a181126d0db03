"""Builders of small DMN models for the DMN unit tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape, quoteattr

import pytest

DMN15 = "https://www.omg.org/spec/DMN/20230324/MODEL/"

Column = tuple[str, str | None]  # (name, typeRef)


def build_table_dmn(
    hit_policy: str,
    inputs: Sequence[Column],
    outputs: Sequence[tuple[str, str | None, str | None, str | None]],
    rules: Sequence[tuple[Sequence[str], Sequence[str]]],
    aggregation: str | None = None,
    namespace: str = DMN15,
    item_definitions: str = "",
    decision_type: str | None = None,
) -> bytes:
    """A model with input data ``inputs`` and one decision table decision named ``Result``.

    ``outputs`` are (name, typeRef, outputValues, defaultOutputEntry).
    """
    aggregation_attr = f" aggregation={quoteattr(aggregation)}" if aggregation else ""
    input_data = "".join(
        f'<inputData id="in{i}" name={quoteattr(name)}>'
        f'<variable name={quoteattr(name)}{_type(type_ref)}/></inputData>'
        for i, (name, type_ref) in enumerate(inputs)
    )
    requirements = "".join(
        f'<informationRequirement><requiredInput href="#in{i}"/></informationRequirement>'
        for i in range(len(inputs))
    )
    columns = "".join(
        f'<input id="ic{i}" label={quoteattr(name)}><inputExpression{_type(type_ref)}>'
        f"<text>{escape(name)}</text></inputExpression></input>"
        for i, (name, type_ref) in enumerate(inputs)
    )
    output_columns = ""
    for i, (name, type_ref, values, default) in enumerate(outputs):
        output_columns += f'<output id="oc{i}" name={quoteattr(name)}{_type(type_ref)}>'
        if values:
            output_columns += f"<outputValues><text>{escape(values)}</text></outputValues>"
        if default:
            output_columns += (f"<defaultOutputEntry><text>{escape(default)}</text>"
                               "</defaultOutputEntry>")
        output_columns += "</output>"
    rule_xml = ""
    for r, (ins, outs) in enumerate(rules, start=1):
        rule_xml += f'<rule id="r{r}">'
        rule_xml += "".join(f"<inputEntry><text>{escape(t)}</text></inputEntry>" for t in ins)
        rule_xml += "".join(f"<outputEntry><text>{escape(t)}</text></outputEntry>"
                            for t in outs)
        rule_xml += "</rule>"
    return (
        f'<definitions xmlns="{namespace}" id="defs" name="Test" namespace="http://test/t">'
        f"{item_definitions}{input_data}"
        f'<decision id="result" name="Result"><variable name="Result"{_type(decision_type)}/>'
        f"{requirements}"
        f'<decisionTable id="table" hitPolicy="{hit_policy}"{aggregation_attr}>'
        f"{columns}{output_columns}{rule_xml}</decisionTable></decision></definitions>"
    ).encode()


def _type(type_ref: str | None) -> str:
    return f" typeRef={quoteattr(type_ref)}" if type_ref else ""


@pytest.fixture
def table_dmn() -> Callable[..., bytes]:
    """The ``build_table_dmn`` builder."""
    return build_table_dmn
