"""Decision table evaluation: match rules, apply the hit policy, record which rules matched."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from civicflow.dmn import feel_bridge
from civicflow.dmn.cells import Matcher
from civicflow.dmn.frame import Frame
from civicflow.dmn.model import Aggregation, DecisionTable, HitPolicy, Rule
from civicflow.dmn.results import MatchedRule
from civicflow.dmn.types import coerce

_SINGLE_HIT = frozenset({HitPolicy.UNIQUE, HitPolicy.ANY, HitPolicy.PRIORITY, HitPolicy.FIRST})


def evaluate_table(table: DecisionTable, scope: Mapping[str, Any], frame: Frame,
                   result_name: str = "result") -> Any:
    """The table's result in ``scope``; matched rules are appended to ``frame.matched``."""
    names = frame.names
    values = []
    for column in table.inputs:
        value = feel_bridge.evaluate(column.expression, scope, names, frame.warnings)
        if column.input_values and value is not None and not feel_bridge.unary_matches(
                column.input_values, value, scope, names):
            frame.warn(f"input '{column.label or column.expression}' of table {table.id} is"
                       f" {feel_bridge.show(value)}, not one of {column.input_values}")
            return None
        values.append(value)

    matched = []
    matchers = _compiled(table, names)
    warnings = frame.warnings
    first_only = table.hit_policy is HitPolicy.FIRST
    for rule, cells in zip(table.rules, matchers, strict=True):
        for test, value in zip(cells, values, strict=True):
            if not test(value, scope, warnings):
                break
        else:
            matched.append(rule)
            if first_only:
                break  # later rules cannot change a FIRST table's result
    rows = [_outputs(table, rule, scope, frame, result_name) for rule in matched]
    hits = list(range(len(matched)))
    results: list[Any] = [_row_value(table, row) for row in rows]
    try:
        return _apply_policy(table, matched, rows, results, hits, scope, frame, result_name)
    finally:
        for i in hits:
            frame.matched.append(MatchedRule(table.id, matched[i].index, matched[i].id,
                                             rows[i], matched[i].annotations))


def _apply_policy(table: DecisionTable, matched: list[Rule], rows: list[dict[str, Any]],
                  results: list[Any], hits: list[int], scope: Mapping[str, Any], frame: Frame,
                  result_name: str) -> Any:
    """The table result by hit policy; narrows ``hits`` to the rules that made the result."""
    if not matched:
        return _no_match(table, scope, frame, result_name)
    policy = table.hit_policy
    if policy is HitPolicy.UNIQUE:
        if len(matched) > 1:
            frame.warn(f"rules {_indexes(matched)} of UNIQUE table {table.id} all match;"
                       " a UNIQUE table allows one match, so the result is null")
            return None
        return results[0]
    if policy is HitPolicy.ANY:
        if any(r != results[0] for r in results[1:]):
            frame.warn(f"rules {_indexes(matched)} of ANY table {table.id} match with"
                       " different outputs, so the result is null")
            return None
        return results[0]
    if policy is HitPolicy.FIRST:
        return results[0]
    if policy is HitPolicy.RULE_ORDER:
        return results
    if policy in (HitPolicy.PRIORITY, HitPolicy.OUTPUT_ORDER):
        priorities = _priorities(table, scope, frame)
        ranked = sorted(range(len(rows)),
                        key=lambda i: _priority(table, rows[i], priorities, result_name))
        if policy is HitPolicy.PRIORITY:
            hits[:] = ranked[:1]
            return results[ranked[0]]
        hits[:] = ranked
        return [results[i] for i in ranked]
    return _collect(table, results, frame)


_COMPILED: dict[tuple[int, frozenset[str]],
                tuple[DecisionTable, list[list[Matcher]]]] = {}


def _compiled(table: DecisionTable, names: frozenset[str]) -> list[list[Matcher]]:
    """Each rule's input entries compiled once per table (and set of known names)."""
    key = (id(table), names)
    cached = _COMPILED.get(key)
    if cached is not None and cached[0] is table:
        return cached[1]
    compiled = [[feel_bridge.compile_tests(entry, names) for entry in rule.input_entries]
                for rule in table.rules]
    if len(_COMPILED) > 1024:
        _COMPILED.clear()
    _COMPILED[key] = (table, compiled)
    return compiled


def _output_name(table: DecisionTable, index: int, result_name: str) -> str:
    output = table.outputs[index]
    if len(table.outputs) == 1:
        return output.name or result_name
    return output.name or output.label or f"output{index + 1}"


def _outputs(table: DecisionTable, rule: Rule, scope: Mapping[str, Any], frame: Frame,
             result_name: str) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for index, entry in enumerate(rule.output_entries):
        value = None
        if entry.strip() not in ("", "-"):
            value = feel_bridge.evaluate(entry, scope, frame.names, frame.warnings)
        value = _check_output(table, index, value, scope, frame, f"rule {rule.index}")
        row[_output_name(table, index, result_name)] = value
    return row


def _check_output(table: DecisionTable, index: int, value: Any, scope: Mapping[str, Any],
                  frame: Frame, where: str) -> Any:
    column = table.outputs[index]
    coerced = coerce(value, column.type_ref, frame.resolve)
    if coerced.problem:
        frame.warn(f"{where} of table {table.id}: {coerced.problem}")
    value = coerced.value
    if column.output_values and value is not None and not feel_bridge.unary_matches(
            column.output_values, value, scope, frame.names):
        frame.warn(f"{where} of table {table.id} gives {feel_bridge.show(value)}, which is"
                   f" not among the output values {column.output_values}; using null")
        return None
    return value


def _row_value(table: DecisionTable, row: dict[str, Any]) -> Any:
    if len(table.outputs) == 1:
        return next(iter(row.values()))
    return row


def _no_match(table: DecisionTable, scope: Mapping[str, Any], frame: Frame,
              result_name: str) -> Any:
    if any(o.default_output_entry for o in table.outputs):
        row: dict[str, Any] = {}
        for index, column in enumerate(table.outputs):
            value = None
            if column.default_output_entry:
                value = feel_bridge.evaluate(column.default_output_entry, scope, frame.names,
                                             frame.warnings)
            value = _check_output(table, index, value, scope, frame, "the default output")
            row[_output_name(table, index, result_name)] = value
        return _row_value(table, row)
    if table.hit_policy in _SINGLE_HIT:
        return None
    if table.hit_policy is HitPolicy.COLLECT and table.aggregation is not None:
        return Decimal(0) if table.aggregation is Aggregation.COUNT else None
    return []


def _priorities(table: DecisionTable, scope: Mapping[str, Any],
                frame: Frame) -> list[list[Any] | None]:
    found: list[list[Any] | None] = []
    for column in table.outputs:
        if not column.output_values:
            found.append(None)
            continue
        values = feel_bridge.evaluate(f"[{column.output_values}]", scope, frame.names,
                                      frame.warnings)
        found.append(values if isinstance(values, list) else None)
    return found


def _priority(table: DecisionTable, row: dict[str, Any],
              priorities: list[list[Any] | None], result_name: str) -> tuple[int, ...]:
    ranks = []
    for index, values in enumerate(priorities):
        if values is None:
            continue
        value = row.get(_output_name(table, index, result_name))
        rank = next((i for i, candidate in enumerate(values) if candidate == value),
                    len(values))
        ranks.append(rank)
    return tuple(ranks)


def _collect(table: DecisionTable, results: list[Any], frame: Frame) -> Any:
    aggregation = table.aggregation
    if aggregation is None:
        return results
    if aggregation is Aggregation.COUNT:
        return Decimal(len(results))
    present = [r for r in results if r is not None]
    try:
        if aggregation is Aggregation.SUM:
            if not all(isinstance(r, Decimal) for r in present):
                raise TypeError("only numbers can be summed")
            return sum(present, Decimal(0)) if present else None
        if not present:
            return None
        return min(present) if aggregation is Aggregation.MIN else max(present)
    except TypeError as exc:
        frame.warn(f"cannot aggregate the outputs of COLLECT table {table.id} with"
                   f" {aggregation.value}: {exc}")
        return None


def _indexes(rules: Sequence[Rule]) -> str:
    return ", ".join(str(r.index) for r in rules)
