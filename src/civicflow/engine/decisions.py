"""Business rule tasks that call a DMN decision (``zeebe:calledDecision``, Camunda 7
``camunda:decisionRef``): evaluated in the command itself, like a script task, and audited.

The version of the decision the task's binding picks (latest, deployed together, version tag;
Camunda 7 also a version number) is evaluated with the variables the task sees as inputs; its
value (for Camunda 7 tasks shaped by ``camunda:mapDecisionResult``) goes to the result variable
(then output mappings apply) and the matched rules are recorded as a ``DecisionEvaluationRow``
so a case can later be explained.
"""

from __future__ import annotations

from typing import Any

from civicflow.engine import binding, decision_results
from civicflow.engine.graph import Node
from civicflow.engine.rows import (
    DecisionEvaluationRow,
    DecisionVersion,
    DeployedDecision,
    TokenRow,
)
from civicflow.engine.runtime import IncidentError, Runtime

INCIDENT_KIND = "decision"


def evaluate_business_rule(rt: Runtime, token: TokenRow, node: Node) -> None:
    """Evaluate the task's decision and leave; a missing decision or a failed evaluation stops
    the token with a ``decision`` incident that can be retried once the cause is fixed."""
    assert node.called_decision is not None
    decision_id = str(rt.eval_in(token, node.called_decision))
    deployed = _bound_version(rt, token, node, decision_id)
    variables = rt.context(rt.var_scope(token))
    value, row = _evaluate(rt, token, node, deployed, variables)
    if node.decision_result_mapping is not None:
        value = _camunda7_result(node, deployed, value)
    rt.work.decision_evaluations.append(row)
    if node.result_variable:
        rt.apply_result(token, node, {node.result_variable: value})
    rt.leave(token, node)


def _bound_version(rt: Runtime, token: TokenRow, node: Node,
                   decision_id: str) -> DeployedDecision:
    """The deployed version the task's binding picks (``civicflow.engine.binding``, the rule
    call activities follow too)."""
    port = rt.work.port
    chosen = binding.choose(
        node.called_binding, lambda: port.decision_versions(decision_id),
        together=lambda: _deployed_together(rt, token, decision_id),
        tag=node.called_version_tag, tag_of=lambda v: v.version_tag,
        version=node.called_version, version_of=lambda v: v.version)
    if chosen is None:
        raise IncidentError(INCIDENT_KIND, binding.not_found(
            f"Business rule task '{node.id}'", "business rule task",
            f"decision '{decision_id}'", node.called_binding,
            deployed=bool(port.decision_versions(decision_id)), tag=node.called_version_tag,
            version=node.called_version,
            deploy_hint="Deploy the DMN model that defines it (civicflow deploy FILE.dmn)"))
    return port.load_decision(decision_id, chosen)


def _deployed_together(rt: Runtime, token: TokenRow, decision_id: str) -> DecisionVersion | None:
    """The version of the decision deployed by the same ``engine.deploy`` call as the
    instance's process version (its bundle, decision 0311)."""
    port = rt.work.port
    bundle = port.deployment_bundle(rt.instance_of(token).deployment_id)
    if bundle is None:
        return None
    return next((v for v in port.decision_versions(decision_id) if v.bundle_id == bundle), None)


def _camunda7_result(node: Node, deployed: DeployedDecision, value: Any) -> Any:
    """Camunda 7 ``camunda:mapDecisionResult`` applied to the decision's value."""
    assert node.decision_result_mapping is not None
    decision = next(d for d in deployed.model.main.decisions if d.id == deployed.decision_id)
    where = (f"Business rule task '{node.id}': decision '{deployed.decision_id}' "
             f"(version {deployed.version})")
    return decision_results.mapped(node.decision_result_mapping,
                                   decision_results.rule_results(decision, value), where)


def _evaluate(rt: Runtime, token: TokenRow, node: Node, deployed: DeployedDecision,
              variables: dict[str, Any]) -> tuple[Any, DecisionEvaluationRow]:
    from dataclasses import replace

    from civicflow.dmn import DmnError, evaluate_decision, inputs_from_json

    where = (f"Business rule task '{node.id}': decision '{deployed.decision_id}' "
             f"(version {deployed.version})")
    try:
        model = variables_as_inputs(deployed.model, variables)
        inputs = inputs_from_json(model, variables)
        imported = {d.namespace: inputs_from_json(replace(model, main=d), variables)
                    for d in model.imported}  # imported models see the variables too
        result = evaluate_decision(model, deployed.decision_id, inputs,
                                   imported_inputs=imported)
        value = result.python_value()
    except DmnError as exc:
        raise IncidentError(
            INCIDENT_KIND, f"{where} could not be evaluated: {exc} Fix the model or the "
            "variables (set_variables), then retry this incident.") from exc
    except (TypeError, ValueError) as exc:  # a value FEEL cannot represent
        raise IncidentError(
            INCIDENT_KIND, f"{where}: an input cannot be used in the decision ({exc}). Fix "
            "the variables, then retry this incident.") from exc
    warnings = result.warnings
    if value is None and warnings:
        raise IncidentError(
            INCIDENT_KIND, f"{where} gave no result: {'; '.join(warnings)}. Fix the variables "
            "(or the model and deploy it again), then retry this incident.")
    matched = tuple(  # required decisions first, in evaluation order, then the called one
        {"decision_id": o.decision_id, "table_id": m.table_id, "index": m.index,
         "rule_id": m.rule_id, "outputs": _plain(m.outputs), "annotations": list(m.annotations)}
        for o in result.outcomes for m in o.matched_rules
    )
    row = DecisionEvaluationRow(
        instance_id=token.instance_id,
        token_id=token.id,
        element_id=node.id,
        decision_id=deployed.decision_id,
        decision_name=result.outcome.decision_name,
        version=deployed.version,
        deployment_id=deployed.deployment_id,
        matched_rules=matched,
        result=value,
        warnings=tuple(warnings),
        at=rt.now,
    )
    return value, row


def variables_as_inputs(model: Any, variables: dict[str, Any]) -> Any:
    """The model as Camunda 8 evaluates it: every process variable is visible to every decision
    of the deployed file and of the files it imports, as if each were an input data element
    it requires.

    DMN itself shows a decision only what it requires; models drawn in Camunda Modeler usually
    declare no input data and name variables in their input expressions directly. A declared
    input data element of the same name is required instead (so its type still converts the
    value); a name that is already a decision, knowledge model, decision service or import of
    the file is left alone (an import's name is how the file reaches the imported elements).
    """
    from dataclasses import replace

    main = _with_variables(model.main, variables)
    imported = tuple(_with_variables(d, variables) for d in model.imported)
    return replace(model, main=main, imported=imported)


def _with_variables(definitions: Any, variables: dict[str, Any]) -> Any:
    from dataclasses import replace

    from civicflow.dmn.model import InputData, Reference

    taken = {d.name for d in definitions.decisions} \
        | {k.name for k in definitions.knowledge_models} \
        | {s.name for s in definitions.decision_services} | {i.name for i in definitions.imports}
    declared = {item.name: item for item in definitions.input_data}
    added: list[Any] = []
    refs: list[Any] = []
    for index, name in enumerate(sorted(variables)):
        if name in taken:
            continue
        item = declared.get(name)
        if item is None:
            item = InputData(id=f"cf-variable-{index}", name=name)
            added.append(item)
        refs.append(Reference(definitions.namespace, item.id))
    if not refs:
        return definitions
    decisions = tuple(
        replace(d, required_inputs=d.required_inputs + tuple(
            r for r in refs if r not in d.required_inputs))
        for d in definitions.decisions)
    return replace(definitions, decisions=decisions,
                   input_data=definitions.input_data + tuple(added))


def _plain(outputs: Any) -> dict[str, Any]:
    from civicflow.feel import to_python

    return {str(k): to_python(v) for k, v in dict(outputs).items()}
