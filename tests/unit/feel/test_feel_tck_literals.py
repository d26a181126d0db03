"""FEEL conformance against the DMN TCK: every literal-expression decision of the kit.

This is a private check of the expression language only (decisions whose logic is one FEEL
literal expression, depending on input data and other such decisions). The full TCK runner,
with decision tables, BKMs and services, belongs to civicflow.dmn.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from civicflow.feel import FeelError, compile_expression, to_python
from civicflow.feel.ops import equal, kind
from civicflow.feel.temporal import parse_date, parse_date_time, parse_duration, parse_time

TCK = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "dmn-tck"
XSI = "{http://www.w3.org/2001/XMLSchema-instance}"
FIXED_NOW = dt.datetime(2026, 11, 29, 12, 0, 0, tzinfo=dt.UTC)

_DMN_COERCION = "singleton list to the decision's typeRef: done by civicflow.dmn, not FEEL"

#: Results we do not reproduce here, with the reason.
KNOWN_FAILURES: dict[str, str] = {
    "0021-singleton-list:001:decision2": _DMN_COERCION,
    "0021-singleton-list:001:decision4": _DMN_COERCION,
}


@dataclass(frozen=True)
class Case:
    folder: str
    case_id: str
    result: str
    model: Path
    inputs: dict[str, Any]
    expected: Any
    error_result: bool


def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _value(node: Any) -> Any:
    """A TCK value element (value, list, component) as a FEEL value."""
    for child in node:
        name = _local(child.tag)
        if name == "list":
            return [_value(item) for item in child if _local(item.tag) == "item"]
        if name == "component":
            return {c.get("name"): _value(c) for c in node if _local(c.tag) == "component"}
        if name == "value":
            return _scalar(child)
    if _local(node.tag) == "value":
        return _scalar(node)
    return None


def _scalar(node: Any) -> Any:
    if node.get(f"{XSI}nil") == "true":
        return None
    if len(node):
        return _value(node)
    text = node.text or ""
    xsd = (node.get(f"{XSI}type") or "").split(":")[-1]
    if xsd in ("decimal", "double", "int", "integer", "long", "float"):
        return Decimal(text) if text not in ("NaN", "INF", "-INF") else None
    if xsd == "boolean":
        return text.strip() == "true"
    if xsd == "date":
        return parse_date(text.strip())
    if xsd == "dateTime":
        return parse_date_time(text.strip())
    if xsd == "time":
        return parse_time(text.strip())
    if xsd == "duration":
        return parse_duration(text.strip())
    return text


def _cases() -> Iterator[Case]:
    for model in sorted(TCK.glob("compliance-level-*/*/*.dmn")):
        for test_file in sorted(model.parent.glob("*test*.xml")):
            root = etree.parse(str(test_file)).getroot()
            for case in root:
                if _local(case.tag) != "testCase" or case.get("type") not in (None, "decision"):
                    continue
                inputs = {
                    n.get("name"): _value(n) for n in case if _local(n.tag) == "inputNode"
                }
                for res in case:
                    if _local(res.tag) != "resultNode":
                        continue
                    expected = res.find("{*}expected")
                    yield Case(
                        model.parent.name,
                        case.get("id") or "",
                        res.get("name") or "",
                        model,
                        inputs,
                        _value(expected) if expected is not None else None,
                        res.get("errorResult") == "true",
                    )


class _Model:
    """The literal-expression decisions of one DMN file and their requirements."""

    def __init__(self, path: Path):
        root = etree.parse(str(path)).getroot()
        self.literal: dict[str, tuple[str, list[str]]] = {}
        self.other: set[str] = set()
        self.inputs = {str(i.get("name")) for i in root.iter("{*}inputData")}
        for decision in root.iter("{*}decision", "{*}businessKnowledgeModel", "{*}decisionService"):
            name = decision.get("name") or ""
            text = decision.find("{*}literalExpression/{*}text")
            if _local(decision.tag) != "decision" or text is None:
                self.other.add(name)
                continue
            requires = []
            for req in decision.iter(
                "{*}requiredInput", "{*}requiredDecision", "{*}requiredKnowledge"
            ):
                ref = (req.get("href") or "").lstrip("#")
                requires.append(self._name_of(root, ref))
            self.literal[name] = (text.text or "", requires)

    @staticmethod
    def _name_of(root: Any, element_id: str) -> str:
        for el in root.iter():
            if el.get("id") == element_id:
                return str(el.get("name"))
        return element_id


_MODELS: dict[Path, _Model] = {}


def _evaluate(model: _Model, name: str, inputs: dict[str, Any], memo: dict[str, Any]) -> Any:
    if name in memo:
        return memo[name]
    if name in inputs:
        return inputs[name]
    text, requires = model.literal[name]
    context = {r: _evaluate(model, r, inputs, memo) for r in requires}
    expr = compile_expression(text, frozenset(context))
    memo[name] = expr.evaluate(context, [], clock=lambda: FIXED_NOW)
    return memo[name]


def _literal_cases() -> list[Case]:
    selected = []
    for case in _cases():
        model = _MODELS.setdefault(case.model, _Model(case.model))
        if case.result not in model.literal:
            continue
        if _depends_on_other(model, case.result, set()):
            continue
        selected.append(case)
    return selected


def _depends_on_other(model: _Model, name: str, seen: set[str]) -> bool:
    if name in model.other:
        return True
    if name in seen:
        return False
    if name not in model.literal:
        return name not in model.inputs
    seen.add(name)
    return any(_depends_on_other(model, r, seen) for r in model.literal[name][1])


def same(actual: Any, expected: Any) -> bool:
    """TCK comparison: same FEEL type and value (numbers to DECIMAL128 precision)."""
    if expected is None or actual is None:
        return actual is None and expected is None
    if type(expected) is Decimal and type(actual) is Decimal:
        # The kit prints many results rounded (log(4) as 1.38629436): compare to 8 digits.
        return actual == expected or abs(actual - expected) <= Decimal("1e-8") * max(
            Decimal(1), abs(expected)
        )
    if type(expected) is list and type(actual) is list:
        return len(actual) == len(expected) and all(
            same(a, e) for a, e in zip(actual, expected, strict=True)
        )
    if type(expected) is dict and type(actual) is dict:
        return set(actual) == set(expected) and all(same(actual[k], expected[k]) for k in actual)
    if kind(actual) != kind(expected):
        return False
    if isinstance(actual, (dt.time, dt.datetime)):
        return to_python(actual) == to_python(expected)
    return equal(actual, expected) is True


CASES = _literal_cases() if TCK.exists() else []


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.folder}:{c.case_id}:{c.result}")
def test_literal_expression_decision_gives_the_tck_expected_result(case: Case) -> None:
    key = f"{case.folder}:{case.case_id}:{case.result}"
    model = _MODELS[case.model]
    if key in KNOWN_FAILURES:
        pytest.xfail(KNOWN_FAILURES[key])
    error = ""
    try:
        actual = _evaluate(model, case.result, case.inputs, {})
    except FeelError as exc:
        actual, error = None, str(exc)
    text = model.literal[case.result][0]
    assert not error or case.error_result or case.expected is None, error
    assert same(actual, case.expected), (
        f"{text!r}: expected {case.expected!r}, got {actual!r}"
    )
