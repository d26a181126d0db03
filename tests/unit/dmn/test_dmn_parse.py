"""Importing DMN XML: every version's namespace, every element kind, and unsafe input refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from civicflow.dmn.errors import DmnImportError
from civicflow.dmn.model import (
    Aggregation,
    Context,
    DecisionTable,
    Filter,
    HitPolicy,
    Invocation,
    Iteration,
    LiteralExpression,
    Relation,
)
from civicflow.dmn.parse import load_model, parse_definitions
from civicflow.dmn.xmlnames import DMN_NAMESPACES

TCK = Path(__file__).parents[3] / ".." / "shared" / "data" / "dmn-tck"


@pytest.mark.parametrize("namespace", sorted(DMN_NAMESPACES))
def test_every_dmn_version_namespace_is_accepted(namespace: str) -> None:
    data = f"""<definitions xmlns="{namespace}" id="d" name="N" namespace="http://n">
      <decision id="x" name="X"><literalExpression><text>1</text></literalExpression>
      </decision></definitions>"""
    definitions = parse_definitions(data.encode())
    assert definitions.dmn_version == DMN_NAMESPACES[namespace]
    assert definitions.decisions[0].expression == LiteralExpression(
        definitions.decisions[0].expression.id, "1")  # type: ignore[union-attr]


def test_dmn_11_typeref_elements_and_prefixes_are_read() -> None:
    data = b"""<definitions xmlns="http://www.omg.org/spec/DMN/20151101/dmn.xsd"
      xmlns:feel="http://www.omg.org/spec/FEEL/20140401" id="d" name="N" namespace="http://n">
      <itemDefinition name="tWhen"><typeRef>feel:dateTime</typeRef></itemDefinition>
      <inputData id="i" name="I"><variable name="I" typeRef="feel:number"/></inputData>
    </definitions>"""
    definitions = parse_definitions(data)
    assert definitions.item_definitions[0].type_ref == "date and time"
    assert definitions.input_data[0].type_ref == "number"


def test_a_file_that_is_not_dmn_is_refused_with_its_root_element_named() -> None:
    with pytest.raises(DmnImportError, match="<process>"):
        parse_definitions(b'<process xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"/>')


def test_entity_declarations_are_refused() -> None:
    bomb = b"""<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">
      <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>
      <definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/">&b;</definitions>"""
    with pytest.raises(DmnImportError, match="DTD"):
        parse_definitions(bomb)


def test_malformed_xml_is_reported_with_a_line_number() -> None:
    with pytest.raises(DmnImportError, match="line 2"):
        parse_definitions(b'<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/">\n'
                          b"<decision></definitions>")


def test_excessive_nesting_is_refused() -> None:
    deep = (b'<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/">'
            + b"<a>" * 220 + b"</a>" * 220 + b"</definitions>")
    with pytest.raises(DmnImportError, match="deeper than"):
        parse_definitions(deep)


def test_a_rule_with_the_wrong_number_of_entries_is_reported_with_its_line() -> None:
    data = b"""<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" id="d"
      name="N" namespace="http://n"><decision id="x" name="X"><decisionTable>
      <input><inputExpression><text>a</text></inputExpression></input><output name="o"/>
      <rule><outputEntry><text>1</text></outputEntry></rule>
      </decisionTable></decision></definitions>"""
    with pytest.raises(DmnImportError, match="rule 1 has 0 input"):
        parse_definitions(data)


def test_boxed_expressions_are_read_into_their_own_kinds() -> None:
    data = b"""<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" id="d"
      name="N" namespace="http://n">
      <decision id="c" name="C"><context><contextEntry><variable name="a"/>
        <literalExpression><text>1</text></literalExpression></contextEntry></context>
      </decision>
      <decision id="r" name="R"><relation><column name="x"/><column name="y"/>
        <row><literalExpression><text>1</text></literalExpression>
        <literalExpression><text>2</text></literalExpression></row></relation></decision>
      <decision id="f" name="F"><filter><in><literalExpression><text>[1,2]</text>
        </literalExpression></in><match><literalExpression><text>item &gt; 1</text>
        </literalExpression></match></filter></decision>
      <decision id="s" name="S"><some iteratorVariable="v"><in><literalExpression>
        <text>[1]</text></literalExpression></in><satisfies><literalExpression>
        <text>v = 1</text></literalExpression></satisfies></some></decision>
      <decision id="i" name="I"><invocation><literalExpression><text>fn</text>
        </literalExpression><binding><parameter name="p"/></binding></invocation></decision>
      <decision id="t" name="T"><decisionTable hitPolicy="COLLECT" aggregation="SUM">
        <input><inputExpression><text>a</text></inputExpression></input><output name="o"/>
        </decisionTable></decision>
    </definitions>"""
    kinds = {d.name: d.expression for d in parse_definitions(data).decisions}
    assert isinstance(kinds["C"], Context)
    assert kinds["C"].entries[0].name == "a"
    assert isinstance(kinds["R"], Relation)
    assert kinds["R"].columns == ("x", "y")
    assert isinstance(kinds["F"], Filter)
    assert isinstance(kinds["S"], Iteration)
    assert kinds["S"].variable == "v"
    assert isinstance(kinds["I"], Invocation)
    assert kinds["I"].bindings[0].expression is None
    table = kinds["T"]
    assert isinstance(table, DecisionTable)
    assert (table.hit_policy, table.aggregation) == (HitPolicy.COLLECT, Aggregation.SUM)


@pytest.mark.skipif(not TCK.is_dir(), reason="the shared DMN TCK data is not present")
def test_every_tck_model_loads_with_its_imports() -> None:
    models = sorted(TCK.rglob("*.dmn"))
    assert len(models) > 80
    for path in models:
        assert load_model(path).main.namespace
    nested = load_model(TCK / "compliance-level-3" / "0089-nested-inputdata-imports"
                        / "0089-nested-inputdata-imports.dmn")
    assert len(nested.imported) == 3


def test_elements_in_the_model_namespace_are_read_when_a_dmn_namespace_is_declared() -> None:
    data = b"""<definitions xmlns="http://example.org/model" namespace="http://example.org/model"
      xmlns:semantic="http://www.omg.org/spec/DMN/20180521/MODEL/" id="d" name="N">
      <decision id="x" name="X"><literalExpression><text>1</text></literalExpression>
      </decision></definitions>"""
    definitions = parse_definitions(data)
    assert definitions.dmn_version == "1.2"
    assert [d.name for d in definitions.decisions] == ["X"]
