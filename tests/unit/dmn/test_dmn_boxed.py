"""Boxed expressions other than tables: context, relation, list, function, invocation,
conditional, filter and iterators (DMN 1.4+)."""

from __future__ import annotations

from decimal import Decimal

from civicflow.dmn.evaluate import evaluate_decision
from civicflow.dmn.parse import model_from_bytes

NS = "https://www.omg.org/spec/DMN/20230324/MODEL/"


def _lit(text: str) -> str:
    return f"<literalExpression><text>{text}</text></literalExpression>"


def _decide(body: str, extra: str = "") -> object:
    data = f"""<definitions xmlns="{NS}" id="b" name="Boxed" namespace="http://b">{extra}
      <decision id="d" name="D"><variable name="D"/>{body}</decision></definitions>"""
    return evaluate_decision(model_from_bytes(data.encode()), "D", {}).value


def test_context_entries_see_earlier_entries_and_make_a_context() -> None:
    body = f"""<context>
      <contextEntry><variable name="Rate"/>{_lit("0.5")}</contextEntry>
      <contextEntry><variable name="Fee"/>{_lit("Rate * 100")}</contextEntry>
    </context>"""
    assert _decide(body) == {"Rate": Decimal("0.5"), "Fee": Decimal(50)}


def test_context_with_a_final_result_entry_returns_only_that_value() -> None:
    body = f"""<context>
      <contextEntry><variable name="a"/>{_lit("2")}</contextEntry>
      <contextEntry>{_lit("a * a")}</contextEntry>
    </context>"""
    assert _decide(body) == Decimal(4)


def test_relation_is_a_list_of_contexts_by_column() -> None:
    body = f"""<relation><column name="Desk"/><column name="Floor"/>
      <row>{_lit('"permits"')}{_lit("1")}</row>
      <row>{_lit('"taxes"')}{_lit("2")}</row></relation>"""
    assert _decide(body) == [{"Desk": "permits", "Floor": Decimal(1)},
                             {"Desk": "taxes", "Floor": Decimal(2)}]


def test_list_evaluates_each_item() -> None:
    quoted = _lit('"x"')
    assert _decide(f"<list>{_lit('1 + 1')}{quoted}</list>") == [Decimal(2), "x"]


def test_function_in_a_context_can_be_invoked_by_later_entries() -> None:
    body = f"""<context>
      <contextEntry><variable name="double"/>
        <functionDefinition><formalParameter name="x" typeRef="number"/>{_lit("x * 2")}
        </functionDefinition></contextEntry>
      <contextEntry>{_lit("double(21)")}</contextEntry>
    </context>"""
    assert _decide(body) == Decimal(42)


def test_invocation_binds_parameters_by_name_and_missing_ones_to_null() -> None:
    bkm = f"""<businessKnowledgeModel id="k" name="Describe"><variable name="Describe"/>
      <encapsulatedLogic><formalParameter name="a"/><formalParameter name="b"/>
      {_lit('if b = null then "no b" else a + b')}</encapsulatedLogic>
    </businessKnowledgeModel>"""
    body = f"""<knowledgeRequirement><requiredKnowledge href="#k"/></knowledgeRequirement>
      <invocation>{_lit("Describe")}
        <binding><parameter name="a"/>{_lit('"x"')}</binding></invocation>"""
    assert _decide(body, bkm) == "no b"


def test_a_knowledge_model_with_the_wrong_number_of_arguments_gives_null() -> None:
    bkm = f"""<businessKnowledgeModel id="k" name="Twice"><variable name="Twice"/>
      <encapsulatedLogic><formalParameter name="x"/>{_lit("x * 2")}</encapsulatedLogic>
    </businessKnowledgeModel>"""
    body = f"""<knowledgeRequirement><requiredKnowledge href="#k"/></knowledgeRequirement>
      {_lit("Twice(1, 2)")}"""
    assert _decide(body, bkm) is None


def test_conditional_takes_the_else_branch_unless_the_condition_is_true() -> None:
    body = (f"<conditional><if>{_lit('null')}</if><then>{_lit('1')}</then>"
            f"<else>{_lit('2')}</else></conditional>")
    assert _decide(body) == Decimal(2)


def test_filter_keeps_items_matching_and_sees_context_entries_by_name() -> None:
    body = (f"<filter><in>{_lit('[{a: 1}, {a: 5}, {a: 9}]')}</in>"
            f"<match>{_lit('a &gt; 3')}</match></filter>")
    assert _decide(body) == [{"a": Decimal(5)}, {"a": Decimal(9)}]


def test_for_some_and_every_iterate_with_the_named_variable() -> None:
    source = f"<in>{_lit('[1, 2, 3]')}</in>"
    assert _decide(f'<for iteratorVariable="n">{source}<return>{_lit("n * n")}</return>'
                   "</for>") == [Decimal(1), Decimal(4), Decimal(9)]
    assert _decide(f'<some iteratorVariable="n">{source}<satisfies>{_lit("n &gt; 2")}'
                   "</satisfies></some>") is True
    assert _decide(f'<every iteratorVariable="n">{source}<satisfies>{_lit("n &gt; 2")}'
                   "</satisfies></every>") is False
