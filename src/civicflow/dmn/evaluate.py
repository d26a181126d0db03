"""Evaluate decisions through the decision requirements graph (DRG).

``evaluate_decision(model, "Eligibility", {"Age": 17})`` evaluates the required decisions first,
each in a scope holding exactly what it requires (inputs, decisions, knowledge), and returns the
value with an audit: every decision evaluated, the rules each table matched, and the warnings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from civicflow import feel
from civicflow.dmn import feel_bridge
from civicflow.dmn.boxed import evaluate_expression, make_function
from civicflow.dmn.errors import DecisionNotFoundError, DmnEvaluationError
from civicflow.dmn.frame import Frame
from civicflow.dmn.model import (
    BusinessKnowledgeModel,
    Decision,
    DecisionService,
    Definitions,
    DrgElement,
    FunctionDefinition,
    InputData,
    Reference,
)
from civicflow.dmn.names import model_names
from civicflow.dmn.parse import DmnModel
from civicflow.dmn.results import DecisionOutcome, DecisionResult
from civicflow.dmn.types import TypeResolver, coerce, resolver_for, result_type

Key = tuple[str, str]
_MAX_DEPTH = 200


def evaluate_decision(model: DmnModel, decision: str, inputs: Mapping[str, Any] | None = None,
                      *, imported_inputs: Mapping[str, Mapping[str, Any]] | None = None
                      ) -> DecisionResult:
    """Evaluate ``decision`` (name or id) of the model's main definitions with ``inputs``.

    ``inputs`` maps input data names to FEEL values (use ``civicflow.feel.from_python`` for
    plain JSON). Inputs of imported models can be given by namespace in ``imported_inputs``.
    Raises ``DecisionNotFoundError`` when the decision does not exist and
    ``DmnEvaluationError`` when FEEL stops a runaway evaluation; every other runtime problem
    becomes a null value plus a warning in the result.
    """
    return Session(model, inputs or {}, imported_inputs or {}).decide(decision)


def invoke_decision_service(model: DmnModel, service: str,
                            arguments: Mapping[str, Any] | None = None) -> DecisionResult:
    """Invoke a decision service (name or id) with its parameters given by name."""
    session = Session(model, {}, {})
    definitions = model.main
    found = _find(definitions.decision_services, service)
    if found is None:
        raise DecisionNotFoundError(
            f"The model '{definitions.name}' has no decision service '{service}'. Its decision"
            f" services are: {_names(definitions.decision_services)}."
        )
    value = session.run_service(definitions, found, dict(arguments or {}), by_name=True)
    return DecisionResult(found.name, value, tuple(session.outcomes))


def _find(items: tuple[Any, ...], wanted: str) -> Any:
    for item in items:
        if item.name == wanted or item.id == wanted:
            return item
    return None


def _names(items: tuple[Any, ...]) -> str:
    return ", ".join(repr(i.name) for i in items) or "(none)"


class Session:
    """One evaluation: memoises each decision's value so shared requirements run once."""

    def __init__(self, model: DmnModel, inputs: Mapping[str, Any],
                 imported_inputs: Mapping[str, Mapping[str, Any]],
                 overrides: Mapping[Key, Any] | None = None) -> None:
        self.model = model
        self.inputs = inputs
        self.imported_inputs = imported_inputs
        self.values: dict[Key, Any] = dict(overrides or {})
        self.outcomes: list[DecisionOutcome] = []
        self.names = model_names(model) | _input_names(inputs)
        self._active: set[Key] = set()
        self._resolvers: dict[str, TypeResolver] = {}

    def decide(self, decision: str) -> DecisionResult:
        """Evaluate a decision of the main model by name or id."""
        definitions = self.model.main
        found = _find(definitions.decisions, decision)
        if found is None:
            raise DecisionNotFoundError(
                f"The model '{definitions.name}' has no decision '{decision}'. Its decisions are:"
                f" {_names(definitions.decisions)}."
            )
        value = self.decision_value(definitions, found)
        ordered = [o for o in self.outcomes if o.decision_id != found.id
                   or o.namespace != definitions.namespace]
        own = [o for o in self.outcomes if o.decision_id == found.id
               and o.namespace == definitions.namespace]
        return DecisionResult(found.name, value, tuple(ordered + own))

    # ------------------------------------------------------------------ DRG elements

    def resolver(self, definitions: Definitions) -> TypeResolver:
        """Type lookup for ``definitions`` (cached per namespace)."""
        found = self._resolvers.get(definitions.namespace)
        if found is None:
            found = resolver_for(definitions, self.model.by_namespace)
            self._resolvers[definitions.namespace] = found
        return found

    def _element(self, ref: Reference) -> tuple[Definitions, DrgElement] | None:
        definitions = self.model.by_namespace(ref.namespace)
        if definitions is None:
            return None
        element = definitions.element(ref.id)
        return (definitions, element) if element is not None else None

    def decision_value(self, definitions: Definitions, decision: Decision) -> Any:
        """The value of ``decision``, evaluating its requirements first (memoised)."""
        key = (definitions.namespace, decision.id)
        if key in self.values:
            return self.values[key]
        frame = Frame(self.resolver(definitions), self.names)
        if key in self._active or len(self._active) > _MAX_DEPTH:
            frame.warn(f"decision '{decision.name}' requires itself (a cycle in the DRG)")
            return None
        self._active.add(key)
        try:
            scope = self.scope_for(definitions, decision.required_inputs
                                   + decision.required_decisions, decision.required_knowledge,
                                   frame)
            try:
                value = evaluate_expression(decision.expression, scope, frame, decision.name)
            except feel.FeelEvaluationLimitError as exc:
                raise DmnEvaluationError(f"Decision '{decision.name}' ({decision.id}) was"
                                         f" stopped: {exc}.") from exc
            coerced = coerce(value, decision.type_ref, frame.resolve)
            if coerced.problem:
                frame.warn(f"result: {coerced.problem}")
        finally:
            self._active.discard(key)
        self.values[key] = coerced.value
        self.outcomes.append(DecisionOutcome(decision.id, decision.name, coerced.value,
                                             tuple(frame.matched), frame.warning_texts(),
                                             definitions.namespace))
        return coerced.value

    def input_value(self, definitions: Definitions, item: InputData, frame: Frame) -> Any:
        """The given value of an input data element, converted to its declared type."""
        key = (definitions.namespace, item.id)
        if key in self.values:
            return self.values[key]
        raw = self._given(definitions, item.name)
        coerced = coerce(raw, item.type_ref, frame.resolve)
        if coerced.problem:
            frame.warn(f"input '{item.name}': {coerced.problem}")
        self.values[key] = coerced.value
        return coerced.value

    def _given(self, definitions: Definitions, name: str) -> Any:
        """An input's value: by namespace, else nested under import names as FEEL sees it
        (``{"Model B": {"Person name": ...}}``), else by plain name."""
        source = self.imported_inputs.get(definitions.namespace)
        if source is not None and name in source:
            return source[name]
        if definitions.namespace != self.model.main.namespace:
            nested: Any = self.inputs
            for import_name in self._import_path(definitions.namespace):
                nested = nested.get(import_name) if isinstance(nested, Mapping) else None
            if isinstance(nested, Mapping) and name in nested:
                return nested[name]
        return self.inputs.get(name)

    def _import_path(self, namespace: str) -> list[str]:
        """Import names leading from the main model to ``namespace`` (breadth first)."""
        paths: dict[str, list[str]] = {self.model.main.namespace: []}
        queue = [self.model.main]
        while queue:
            current = queue.pop(0)
            for item in current.imports:
                target = self.model.by_namespace(item.namespace)
                if target is None or item.namespace in paths:
                    continue
                paths[item.namespace] = [*paths[current.namespace], item.name]
                if item.namespace == namespace:
                    return paths[namespace]
                queue.append(target)
        return paths.get(namespace, [])

    def scope_for(self, definitions: Definitions, information: tuple[Reference, ...],
                  knowledge: tuple[Reference, ...], frame: Frame) -> dict[str, Any]:
        """The names a decision (or knowledge model) sees: exactly what it requires."""
        scope: dict[str, Any] = {}
        for ref in information:
            found = self._element(ref)
            if found is None:
                frame.warn(f"requirement {ref.namespace}#{ref.id} is not in the model")
                continue
            owner, element = found
            value: Any = None
            if isinstance(element, InputData):
                value = self.input_value(owner, element, frame)
            elif isinstance(element, Decision):
                value = self.decision_value(owner, element)
            _put(scope, definitions, owner, element.name, value)
        functions: dict[Key, Any] = {}
        for ref in knowledge:
            found = self._element(ref)
            if found is None:
                frame.warn(f"knowledge requirement {ref.namespace}#{ref.id} is not in the model")
                continue
            owner, element = found
            _put(scope, definitions, owner, element.name,
                 self.function_for(owner, element, frame, functions))
        return scope

    def function_for(self, definitions: Definitions, element: DrgElement, frame: Frame,
                     made: dict[Key, Any]) -> Any:
        """A FEEL function for a business knowledge model or decision service."""
        key = (definitions.namespace, element.id)
        if key in made:
            return made[key]
        if isinstance(element, BusinessKnowledgeModel):
            scope: dict[str, Any] = {}
            logic = element.logic or FunctionDefinition(element.id, (), None)
            bkm_frame = Frame(self.resolver(definitions), frame.names, frame.warnings,
                              frame.matched)
            function = make_function(logic, element.name, scope, bkm_frame,
                                     result_type(element.type_ref, bkm_frame.resolve))
            made[key] = function
            for ref in element.required_knowledge:
                found = self._element(ref)
                if found is not None:
                    owner, inner = found
                    _put(scope, definitions, owner, inner.name,
                         self.function_for(owner, inner, frame, made))
            return function
        if isinstance(element, DecisionService):
            parameters = tuple(self._parameter_names(element))

            def body(arguments: dict[str, Any]) -> Any:
                return self.run_service(definitions, element, arguments, by_name=True,
                                        frame=frame)

            function = feel_bridge.make_function(element.name, parameters, body)
            made[key] = function
            return function
        frame.warn(f"'{element.name}' is not a business knowledge model or decision service")
        return None

    def _parameter_names(self, service: DecisionService) -> list[str]:
        names = []
        for ref in service.input_data + service.input_decisions:
            found = self._element(ref)
            names.append(found[1].name if found is not None else ref.id)
        return names

    def run_service(self, definitions: Definitions, service: DecisionService,
                    arguments: dict[str, Any], *, by_name: bool,
                    frame: Frame | None = None) -> Any:
        """Evaluate a decision service's outputs with its parameters as inputs."""
        frame = frame or Frame(self.resolver(definitions), self.names)
        overrides: dict[Key, Any] = {}
        resolve = self.resolver(definitions)
        for ref in service.input_data + service.input_decisions:
            found = self._element(ref)
            if found is None:
                continue
            owner, element = found
            type_ref = element.type_ref if isinstance(element, InputData | Decision) else None
            coerced = coerce(arguments.get(element.name), type_ref, resolve)
            if coerced.problem:
                frame.warn(f"parameter '{element.name}' of decision service '{service.name}':"
                           f" {coerced.problem}; the service is not invoked")
                return None
            overrides[(owner.namespace, element.id)] = coerced.value
        inner = Session(self.model, self.inputs, self.imported_inputs, overrides)
        results: dict[str, Any] = {}
        for ref in service.output_decisions:
            found = self._element(ref)
            decision = found[1] if found is not None else None
            if found is None or not isinstance(decision, Decision):
                frame.warn(f"output decision {ref.id} of '{service.name}' is not in the model")
                continue
            owner = found[0]
            results[decision.name] = inner.decision_value(owner, decision)
        self.outcomes.extend(inner.outcomes)
        value: Any = results
        if len(service.output_decisions) == 1:
            value = next(iter(results.values()), None)
        coerced_result = coerce(value, result_type(service.type_ref, resolve), resolve)
        if coerced_result.problem:
            frame.warn(f"result of decision service '{service.name}': {coerced_result.problem}")
        return coerced_result.value


def _put(scope: dict[str, Any], definitions: Definitions, owner: Definitions, name: str,
         value: Any) -> None:
    """Place ``name`` in ``scope``; elements of imported models go under the import's name."""
    if owner.namespace == definitions.namespace:
        scope[name] = value
        return
    for item in definitions.imports:
        if item.namespace == owner.namespace:
            inner = scope.setdefault(item.name, {})
            if isinstance(inner, dict):
                inner[name] = value
            return
    scope[name] = value


def _input_names(inputs: Mapping[str, Any]) -> frozenset[str]:
    names: set[str] = set()
    stack: list[Any] = [inputs]
    while stack and len(names) < 10_000:
        current = stack.pop()
        if isinstance(current, Mapping):
            names.update(k for k in current if isinstance(k, str))
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
    return frozenset(names)
