"""DMN decisions: import and evaluation, with an audit of matched rules. Pure.

    model = load_model("permit_fee.dmn")
    result = evaluate_decision(model, "Permit Fee", {"Applicant Age": Decimal(17)})
    result.value, result.matched_rules, result.warnings
"""

from civicflow.dmn.check import Finding, check_model
from civicflow.dmn.errors import (
    DecisionNotFoundError,
    DmnError,
    DmnEvaluationError,
    DmnImportError,
)
from civicflow.dmn.evaluate import evaluate_decision, invoke_decision_service
from civicflow.dmn.inputs import inputs_from_json
from civicflow.dmn.parse import DmnModel, load_model, model_from_bytes, parse_definitions
from civicflow.dmn.results import DecisionOutcome, DecisionResult, MatchedRule

__all__ = [
    "DecisionNotFoundError",
    "DecisionOutcome",
    "DecisionResult",
    "DmnError",
    "DmnEvaluationError",
    "DmnImportError",
    "DmnModel",
    "Finding",
    "MatchedRule",
    "check_model",
    "evaluate_decision",
    "inputs_from_json",
    "invoke_decision_service",
    "load_model",
    "model_from_bytes",
    "parse_definitions",
]
