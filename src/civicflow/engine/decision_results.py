"""Camunda 7's ``camunda:mapDecisionResult``: the shape of a decision's result in the process.

Camunda 7 sees a decision's result as a list of rule results, each a map from output name to
value (a literal expression gives one entry named after its decision), and a business rule task
maps that list to its result variable:

- ``resultList`` (the default): the list of maps, as is;
- ``singleResult``: the one map (null when no rule matched); several rules → incident;
- ``singleEntry``: the one value of the one map (null when no rule matched); several rules,
  or a rule with several outputs → incident;
- ``collectEntries``: the list of the one value of every map; a rule result with several
  outputs → incident.

Camunda 8 tasks (``zeebe:calledDecision``) keep the decision's value instead (no mapping).
"""

from __future__ import annotations

from typing import Any

from civicflow.engine.errors import DeploymentError
from civicflow.engine.runtime import IncidentError

MAPPINGS = ("singleEntry", "singleResult", "collectEntries", "resultList")
INCIDENT_KIND = "decision"


def checked_mapping(element: str, mapping: str | None) -> str:
    """The task's mapping (default ``resultList``, as in Camunda 7), or a refusal."""
    mapping = (mapping or "").strip() or "resultList"
    if mapping not in MAPPINGS:
        raise DeploymentError(
            f"{element}: camunda:mapDecisionResult {mapping!r} is not known; use "
            "'singleEntry', 'singleResult', 'collectEntries' or 'resultList'.")
    return mapping


def rule_results(decision: Any, value: Any) -> list[dict[str, Any]]:
    """The decision's value (plain Python) as Camunda 7's list of rule results.

    A decision table with a single-hit policy (or an aggregation) gives one rule result, none
    when its value is null (no rule matched); RULE ORDER, OUTPUT ORDER and COLLECT without
    aggregation give one per matched rule. A single output is keyed by its output name (the
    decision's name when it has none); several outputs are the table's own map. Any other
    decision logic gives one entry named after the decision, even when null.
    """
    from civicflow.dmn.model import DecisionTable, HitPolicy

    table = decision.expression
    if not isinstance(table, DecisionTable):
        return [{decision.name: value}]
    multiple = table.hit_policy in (HitPolicy.RULE_ORDER, HitPolicy.OUTPUT_ORDER) or (
        table.hit_policy is HitPolicy.COLLECT and table.aggregation is None)
    if multiple:
        items = list(value) if isinstance(value, list) else ([] if value is None else [value])
    else:
        items = [] if value is None else [value]
    if len(table.outputs) == 1:
        name = table.outputs[0].name or decision.name
        return [{name: item} for item in items]
    return [dict(item) if isinstance(item, dict) else {decision.name: item} for item in items]


def mapped(mapping: str, results: list[dict[str, Any]], where: str) -> Any:
    """The value the result variable receives; a result of the wrong shape is an incident
    saying which mapping would fit."""
    if mapping == "resultList":
        return results
    if mapping == "collectEntries":
        for result in results:
            _single_entry(result, where, mapping)
        return [next(iter(r.values())) for r in results]
    if len(results) > 1:
        raise IncidentError(
            INCIDENT_KIND,
            f"{where}: camunda:mapDecisionResult '{mapping}' expects at most one matched rule, "
            f"but {len(results)} matched. Use 'collectEntries' or 'resultList', or change the "
            "rules (or the hit policy) so that one rule matches; then retry this incident.")
    if not results:
        return None
    if mapping == "singleResult":
        return results[0]
    return _single_entry(results[0], where, mapping)


def _single_entry(result: dict[str, Any], where: str, mapping: str) -> Any:
    if len(result) != 1:
        raise IncidentError(
            INCIDENT_KIND,
            f"{where}: camunda:mapDecisionResult '{mapping}' expects one output per rule "
            f"result, but the result has {len(result)} ({', '.join(sorted(result))}). Use "
            "'singleResult' or 'resultList', then retry this incident.")
    return next(iter(result.values()))
