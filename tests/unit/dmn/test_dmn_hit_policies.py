"""Decision table hit policies (DMN 1.5, 8.2.11), checked through ``evaluate_decision``."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from civicflow.dmn.evaluate import evaluate_decision
from civicflow.dmn.parse import model_from_bytes
from civicflow.dmn.results import DecisionResult

Builder = Callable[..., bytes]

AGE = [("Age", "number")]
# Three overlapping rules on Age: <18, <65, >=0
OVERLAP = [(["<18"], ['"minor"']), (["<65"], ['"adult"']), ([">=0"], ['"person"'])]


def _decide(data: bytes, **inputs: object) -> DecisionResult:
    return evaluate_decision(model_from_bytes(data), "Result", dict(inputs))


def test_unique_table_returns_the_single_matching_rule_and_reports_it(table_dmn: Builder) -> None:
    data = table_dmn("UNIQUE", AGE, [("r", "string", None, None)],
                     [(["<18"], ['"minor"']), ([">=18"], ['"adult"'])])
    result = evaluate_decision(model_from_bytes(data), "Result", {"Age": Decimal(17)})
    assert result.value == "minor"
    assert [(r.index, r.rule_id) for r in result.matched_rules] == [(1, "r1")]
    assert result.warnings == ()


def test_unique_table_with_two_matches_is_null_with_a_warning_naming_the_rules(
        table_dmn: Builder) -> None:
    data = table_dmn("UNIQUE", AGE, [("r", "string", None, None)], OVERLAP)
    result = evaluate_decision(model_from_bytes(data), "Result", {"Age": Decimal(10)})
    assert result.value is None
    assert any("1, 2, 3" in w and "UNIQUE" in w for w in result.warnings)


def test_any_table_accepts_several_matches_with_equal_outputs(table_dmn: Builder) -> None:
    data = table_dmn("ANY", AGE, [("r", "string", None, None)],
                     [(["<18"], ['"low"']), (["<10"], ['"low"']), ([">=18"], ['"high"'])])
    assert _decide(data, Age=Decimal(5)).value == "low"


def test_any_table_with_differing_outputs_is_null(table_dmn: Builder) -> None:
    data = table_dmn("ANY", AGE, [("r", "string", None, None)], OVERLAP)
    result = evaluate_decision(model_from_bytes(data), "Result", {"Age": Decimal(5)})
    assert result.value is None
    assert result.warnings


def test_priority_table_picks_the_output_listed_first_in_output_values(
        table_dmn: Builder) -> None:
    data = table_dmn("PRIORITY", AGE,
                     [("r", "string", '"person","adult","minor"', None)], OVERLAP)
    assert _decide(data, Age=Decimal(5)).value == "person"
    data = table_dmn("PRIORITY", AGE,
                     [("r", "string", '"adult","minor","person"', None)], OVERLAP)
    assert _decide(data, Age=Decimal(5)).value == "adult"


def test_first_table_returns_the_first_match_in_rule_order(table_dmn: Builder) -> None:
    data = table_dmn("FIRST", AGE, [("r", "string", None, None)], OVERLAP)
    assert _decide(data, Age=Decimal(30)).value == "adult"


def test_rule_order_table_lists_every_match_in_rule_order(table_dmn: Builder) -> None:
    data = table_dmn("RULE ORDER", AGE, [("r", "string", None, None)], OVERLAP)
    result = evaluate_decision(model_from_bytes(data), "Result", {"Age": Decimal(5)})
    assert result.value == ["minor", "adult", "person"]
    assert [r.index for r in result.matched_rules] == [1, 2, 3]


def test_output_order_table_sorts_matches_by_output_value_priority(table_dmn: Builder) -> None:
    data = table_dmn("OUTPUT ORDER", AGE,
                     [("r", "string", '"person","minor","adult"', None)], OVERLAP)
    assert _decide(data, Age=Decimal(5)).value == ["person", "minor", "adult"]


def test_collect_table_without_aggregation_lists_the_outputs(table_dmn: Builder) -> None:
    data = table_dmn("COLLECT", AGE, [("r", "string", None, None)], OVERLAP)
    assert sorted(_decide(data, Age=Decimal(30)).value) == ["adult", "person"]


NUMBERS = [(["<18"], ["10"]), (["<65"], ["25"]), ([">=0"], ["5"])]


def test_collect_sum_adds_the_outputs_of_the_matching_rules(table_dmn: Builder) -> None:
    data = table_dmn("COLLECT", AGE, [("r", "number", None, None)], NUMBERS, aggregation="SUM")
    assert _decide(data, Age=Decimal(5)).value == Decimal(40)
    assert _decide(data, Age=Decimal(70)).value == Decimal(5)


def test_collect_min_max_and_count_aggregate_the_outputs(table_dmn: Builder) -> None:
    low = table_dmn("COLLECT", AGE, [("r", "number", None, None)], NUMBERS, aggregation="MIN")
    high = table_dmn("COLLECT", AGE, [("r", "number", None, None)], NUMBERS, aggregation="MAX")
    count = table_dmn("COLLECT", AGE, [("r", "number", None, None)], NUMBERS,
                      aggregation="COUNT")
    assert _decide(low, Age=Decimal(5)).value == Decimal(5)
    assert _decide(high, Age=Decimal(5)).value == Decimal(25)
    assert _decide(count, Age=Decimal(30)).value == Decimal(2)
    assert _decide(count, Age=None).value == Decimal(0)  # null matches no rule


def test_no_match_gives_the_default_output_entry(table_dmn: Builder) -> None:
    data = table_dmn("UNIQUE", AGE, [("r", "string", None, '"unknown"')],
                     [(["<18"], ['"minor"'])])
    result = evaluate_decision(model_from_bytes(data), "Result", {"Age": Decimal(40)})
    assert result.value == "unknown"
    assert result.matched_rules == ()


def test_no_match_without_default_is_null(table_dmn: Builder) -> None:
    data = table_dmn("UNIQUE", AGE, [("r", "string", None, None)], [(["<18"], ['"minor"'])])
    assert _decide(data, Age=Decimal(40)).value is None


def test_multiple_outputs_make_a_context_per_rule(table_dmn: Builder) -> None:
    data = table_dmn("RULE ORDER", AGE,
                     [("Fee", "number", None, None), ("Desk", "string", None, None)],
                     [(["<18"], ["0", '"youth"']), (["-"], ["12.50", '"general"'])])
    result = evaluate_decision(model_from_bytes(data), "Result", {"Age": Decimal(12)})
    assert result.value == [{"Fee": Decimal(0), "Desk": "youth"},
                            {"Fee": Decimal("12.50"), "Desk": "general"}]
    assert result.matched_rules[1].outputs == {"Fee": Decimal("12.50"), "Desk": "general"}


def test_input_entries_with_ranges_lists_and_negation_match_as_unary_tests(
        table_dmn: Builder) -> None:
    inputs = [("Age", "number"), ("Zone", "string")]
    data = table_dmn("FIRST", inputs, [("r", "string", None, None)], [
        (["[18..65)", '"north","south"'], ['"a"']),
        (["-", 'not("east")'], ['"b"']),
        (["-", "-"], ['"c"']),
    ])
    model = model_from_bytes(data)
    assert evaluate_decision(model, "Result", {"Age": Decimal(20), "Zone": "south"}).value == "a"
    assert evaluate_decision(model, "Result", {"Age": Decimal(65), "Zone": "south"}).value == "b"
    assert evaluate_decision(model, "Result", {"Age": Decimal(65), "Zone": "east"}).value == "c"


def test_output_outside_the_output_values_becomes_null_with_a_warning(
        table_dmn: Builder) -> None:
    data = table_dmn("UNIQUE", AGE, [("r", "string", '"yes","no"', None)],
                     [(["-"], ['"maybe"'])])
    result = evaluate_decision(model_from_bytes(data), "Result", {"Age": Decimal(1)})
    assert result.value is None
    assert any("maybe" in w for w in result.warnings)
