"""Evaluate decisions through the decision requirements graph (DRG).

``evaluate_decision(model, "Eligibility", {"Age": 17})`` evaluates the required decisions first,
each in a scope holding exactly what it requires (inputs, decisions, knowledge), and returns the
value with an audit: every decision evaluated, the rules each table matched, and the warnings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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

Key = tuple[tuple[str, ...], str]
_MAX_DEPTH = 200


def evaluate_decision(model: DmnModel, decision: str, inputs: Mapping[str, Any] | None = None,
                      *, imported_inputs: Mapping[str, Mapping[str, Any]] | None = None
                      ) -> DecisionResult:
    """Evaluate ``decision`` (name or id) of the model's main definitions with ``inputs``.

    ``inputs`` maps input data names to values: FEEL values, or plain Python ones (ints and
    floats become decimals, tuples lists; see ``civicflow.feel.from_python``). Inputs of
    imported models can be given by namespace in ``imported_inputs``.
    Raises ``DecisionNotFoundError`` when the decision does not exist and
    ``DmnEvaluationError`` when FEEL stops a runaway evaluation; every other runtime problem
    becomes a null value plus a warning in the result.
    """
    given = _feel_values(inputs or {})
    imported = {ns: _feel_values(values) for ns, values in (imported_inputs or {}).items()}
    return Session(model, given, imported).decide(decision)


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
    value = session.run_service(session.main, found, _feel_values(arguments or {}))
    return DecisionResult(found.name, value, tuple(session.outcomes))


def _feel_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """Plain Python inputs as FEEL values (FEEL values pass through unchanged)."""
    return {name: feel_bridge.from_python(value) for name, value in values.items()}


def _find(items: tuple[Any, ...], wanted: str) -> Any:
    for item in items:
        if item.name == wanted or item.id == wanted:
            return item
    return None


def _names(items: tuple[Any, ...]) -> str:
    return ", ".join(repr(i.name) for i in items) or "(none)"


@dataclass(frozen=True)
class Instance:
    """One use of a model file: the main model has path (), a model imported as ``i`` by it
    has ("i",), and so on. A file imported along two paths is two instances with their own
    inputs (TCK 0086a)."""

    definitions: Definitions
    path: tuple[str, ...] = ()

    def key(self, element_id: str) -> Key:
        """The memo key of an element of this instance."""
        return (self.path, element_id)


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
        self._resolvers: dict[int, TypeResolver] = {}
        self.main = Instance(model.main)

    def decide(self, decision: str) -> DecisionResult:
        """Evaluate a decision of the main model by name or id."""
        definitions = self.model.main
        found = _find(definitions.decisions, decision)
        if found is None:
            raise DecisionNotFoundError(
                f"The model '{definitions.name}' has no decision '{decision}'. Its decisions are:"
                f" {_names(definitions.decisions)}."
            )
        value = self.decision_value(self.main, found)
        ordered = [o for o in self.outcomes if o.decision_id != found.id
                   or o.namespace != definitions.namespace]
        own = [o for o in self.outcomes if o.decision_id == found.id
               and o.namespace == definitions.namespace]
        return DecisionResult(found.name, value, tuple(ordered + own))

    # ------------------------------------------------------------------ DRG elements

    def resolver(self, definitions: Definitions) -> TypeResolver:
        """Type lookup for ``definitions`` (cached per file)."""
        found = self._resolvers.get(id(definitions))
        if found is None:
            found = resolver_for(definitions, self.model.import_target)
            self._resolvers[id(definitions)] = found
        return found

    def _element(self, instance: Instance, ref: Reference) -> tuple[Instance, DrgElement] | None:
        """The element a requirement of ``instance`` points to, and the instance it lives in:
        the model itself, or the model its import with that namespace resolved to."""
        definitions = instance.definitions
        if ref.namespace == definitions.namespace:
            element = definitions.element(ref.id)
            if element is not None:
                return instance, element
        for item in definitions.imports:
            if item.namespace != ref.namespace:
                continue
            target = self.model.import_target(definitions, item.name)
            element = target.element(ref.id) if target is not None else None
            if target is not None and element is not None:
                return Instance(target, (*instance.path, item.name)), element
        return None

    def decision_value(self, instance: Instance, decision: Decision) -> Any:
        """The value of ``decision``, evaluating its requirements first (memoised)."""
        key = instance.key(decision.id)
        if key in self.values:
            return self.values[key]
        definitions = instance.definitions
        frame = Frame(self.resolver(definitions), self.names)
        if key in self._active or len(self._active) > _MAX_DEPTH:
            frame.warn(f"decision '{decision.name}' requires itself (a cycle in the DRG)")
            return None
        self._active.add(key)
        try:
            scope = self.scope_for(instance, decision.required_inputs
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

    def input_value(self, instance: Instance, item: InputData, frame: Frame) -> Any:
        """The given value of an input data element, converted to its declared type."""
        key = instance.key(item.id)
        if key in self.values:
            return self.values[key]
        raw = self._given(instance, item.name)
        coerced = coerce(raw, item.type_ref, frame.resolve)
        if coerced.problem:
            frame.warn(f"input '{item.name}': {coerced.problem}")
        self.values[key] = coerced.value
        return coerced.value

    def _given(self, instance: Instance, name: str) -> Any:
        """An input's value. For the main model: by name. For an imported instance: by its
        namespace (``imported_inputs``), by dotted import path (``"i.i.input_001"``), or
        nested under the import names as FEEL sees them (``{"Model B": {"name": ...}}``)."""
        if not instance.path:
            return self.inputs.get(name)
        source = self.imported_inputs.get(instance.definitions.namespace)
        if source is not None and name in source:
            return source[name]
        dotted = ".".join((*instance.path, name))
        if dotted in self.inputs:
            return self.inputs[dotted]
        nested: Any = self.inputs
        for import_name in instance.path:
            nested = nested.get(import_name) if isinstance(nested, Mapping) else None
        if isinstance(nested, Mapping):
            return nested.get(name)
        return None

    def scope_for(self, instance: Instance, information: tuple[Reference, ...],
                  knowledge: tuple[Reference, ...], frame: Frame) -> dict[str, Any]:
        """The names a decision (or knowledge model) sees: exactly what it requires."""
        scope: dict[str, Any] = {}
        for ref in information:
            found = self._element(instance, ref)
            if found is None:
                frame.warn(f"requirement {ref.namespace}#{ref.id} is not in the model")
                continue
            owner, element = found
            value: Any = None
            if isinstance(element, InputData):
                value = self.input_value(owner, element, frame)
            elif isinstance(element, Decision):
                value = self.decision_value(owner, element)
            _put(scope, instance, owner, element.name, value)
        functions: dict[Key, Any] = {}
        for ref in knowledge:
            found = self._element(instance, ref)
            if found is None:
                frame.warn(f"knowledge requirement {ref.namespace}#{ref.id} is not in the model")
                continue
            owner, element = found
            _put(scope, instance, owner, element.name,
                 self.function_for(owner, element, frame, functions))
        return scope

    def function_for(self, instance: Instance, element: DrgElement, frame: Frame,
                     made: dict[Key, Any]) -> Any:
        """A FEEL function for a business knowledge model or decision service."""
        key = instance.key(element.id)
        if key in made:
            return made[key]
        if isinstance(element, BusinessKnowledgeModel):
            scope: dict[str, Any] = {}
            logic = element.logic or FunctionDefinition(element.id, (), None)
            bkm_frame = Frame(self.resolver(instance.definitions), frame.names, frame.warnings,
                              frame.matched)
            function = make_function(logic, element.name, scope, bkm_frame,
                                     result_type(element.type_ref, bkm_frame.resolve))
            made[key] = function
            for ref in element.required_knowledge:
                found = self._element(instance, ref)
                if found is not None:
                    owner, inner = found
                    _put(scope, instance, owner, inner.name,
                         self.function_for(owner, inner, frame, made))
            return function
        if isinstance(element, DecisionService):
            service = element
            parameters = tuple(self._parameter_names(instance, service))

            def body(arguments: dict[str, Any]) -> Any:
                return self.run_service(instance, service, arguments, frame=frame)

            function = feel_bridge.make_function(service.name, parameters, body)
            made[key] = function
            return function
        frame.warn(f"'{element.name}' is not a business knowledge model or decision service")
        return None

    def _parameter_names(self, instance: Instance, service: DecisionService) -> list[str]:
        names = []
        for ref in service.input_data + service.input_decisions:
            found = self._element(instance, ref)
            names.append(found[1].name if found is not None else ref.id)
        return names

    def run_service(self, instance: Instance, service: DecisionService,
                    arguments: dict[str, Any], frame: Frame | None = None) -> Any:
        """Evaluate a decision service's outputs with its parameters (by name) as inputs."""
        resolve = self.resolver(instance.definitions)
        frame = frame or Frame(resolve, self.names)
        overrides: dict[Key, Any] = {}
        for ref in service.input_data + service.input_decisions:
            found = self._element(instance, ref)
            if found is None:
                continue
            owner, element = found
            type_ref = element.type_ref if isinstance(element, InputData | Decision) else None
            coerced = coerce(arguments.get(element.name), type_ref, resolve)
            if coerced.problem:
                frame.warn(f"parameter '{element.name}' of decision service '{service.name}':"
                           f" {coerced.problem}; the service is not invoked")
                return None
            overrides[owner.key(element.id)] = coerced.value
        inner = Session(self.model, self.inputs, self.imported_inputs, overrides)
        results: dict[str, Any] = {}
        for ref in service.output_decisions:
            found = self._element(instance, ref)
            decision = found[1] if found is not None else None
            if found is None or not isinstance(decision, Decision):
                frame.warn(f"output decision {ref.id} of '{service.name}' is not in the model")
                continue
            results[decision.name] = inner.decision_value(found[0], decision)
        self.outcomes.extend(inner.outcomes)
        value: Any = results
        if len(service.output_decisions) == 1:
            value = next(iter(results.values()), None)
        coerced_result = coerce(value, result_type(service.type_ref, resolve), resolve)
        if coerced_result.problem:
            frame.warn(f"result of decision service '{service.name}': {coerced_result.problem}")
        return coerced_result.value


def _put(scope: dict[str, Any], instance: Instance, owner: Instance, name: str,
         value: Any) -> None:
    """Place ``name`` in ``scope``; elements of imported models go under the import's name."""
    if owner.path == instance.path:
        scope[name] = value
        return
    import_name = owner.path[len(instance.path)]
    inner = scope.setdefault(import_name, {})
    if isinstance(inner, dict):
        inner[name] = value


def _input_names(inputs: Mapping[str, Any]) -> frozenset[str]:
    names: set[str] = set()
    stack: list[Any] = [inputs]
    while stack and len(names) < 10_000:
        current = stack.pop()
        if isinstance(current, Mapping):
            # dotted keys address imported inputs ("i.input_001"); in FEEL they are paths
            names.update(k for k in current if isinstance(k, str) and "." not in k)
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
    return frozenset(names)
