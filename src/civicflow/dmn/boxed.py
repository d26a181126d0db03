"""Evaluation of boxed expressions: literal, table, context, invocation, relation, list, function,
conditional, filter and iterators. Each turns into FEEL values in a scope of names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from civicflow.dmn import feel_bridge
from civicflow.dmn.frame import Frame
from civicflow.dmn.model import (
    Conditional,
    Context,
    DecisionTable,
    Expression,
    Filter,
    FunctionDefinition,
    Invocation,
    Iteration,
    ListExpression,
    LiteralExpression,
    Relation,
)
from civicflow.dmn.tables import evaluate_table
from civicflow.dmn.types import coerce


def evaluate_expression(expression: Expression | None, scope: Mapping[str, Any], frame: Frame,
                        name: str = "result") -> Any:
    """The value of a boxed expression in ``scope`` (null, with a warning, when it fails).

    An expression's own ``typeRef`` converts its value like a variable's does (a function
    definition's ``typeRef`` is its result type, applied inside the function instead).
    """
    if expression is None:
        return None
    value = _evaluate(expression, scope, frame, name)
    if expression.type_ref is None or isinstance(expression, FunctionDefinition):
        return value
    coerced = coerce(value, expression.type_ref, frame.resolve)
    if coerced.problem:
        frame.warn(f"{type(expression).__name__} {expression.id}: {coerced.problem}")
    return coerced.value


def _evaluate(expression: Expression, scope: Mapping[str, Any], frame: Frame,
              name: str) -> Any:
    if isinstance(expression, LiteralExpression):
        if not expression.text.strip():
            return None
        return feel_bridge.evaluate(expression.text, scope, frame.names, frame.warnings)
    if isinstance(expression, DecisionTable):
        return evaluate_table(expression, scope, frame, name)
    if isinstance(expression, Context):
        return _context(expression, scope, frame)
    if isinstance(expression, Invocation):
        return _invocation(expression, scope, frame)
    if isinstance(expression, Relation):
        return [
            {column: evaluate_expression(cell, scope, frame)
             for column, cell in zip(expression.columns, row, strict=True)}
            for row in expression.rows
        ]
    if isinstance(expression, ListExpression):
        return [evaluate_expression(item, scope, frame) for item in expression.items]
    if isinstance(expression, FunctionDefinition):
        return make_function(expression, name, scope, frame)
    if isinstance(expression, Conditional):
        condition = evaluate_expression(expression.condition, scope, frame)
        branch = expression.then if condition is True else expression.otherwise
        return evaluate_expression(branch, scope, frame)
    if isinstance(expression, Filter):
        return _filter(expression, scope, frame)
    return _iteration(expression, scope, frame)


def _context(expression: Context, scope: Mapping[str, Any], frame: Frame) -> Any:
    local = dict(scope)
    result: dict[str, Any] = {}
    for entry in expression.entries:
        value = evaluate_expression(entry.expression, local, frame, entry.name or "result")
        coerced = coerce(value, entry.type_ref, frame.resolve)
        if coerced.problem:
            frame.warn(f"context entry '{entry.name or 'result'}': {coerced.problem}")
        if entry.name is None:
            return coerced.value
        result[entry.name] = coerced.value
        local[entry.name] = coerced.value
    return result


def lookup(scope: Mapping[str, Any], name: str) -> Any:
    """A name's value; ``a.b`` also finds entry ``b`` of context ``a`` (imported elements)."""
    if name in scope:
        return scope[name]
    if "." in name:
        head, rest = name.split(".", 1)
        inner = scope.get(head.strip())
        if isinstance(inner, Mapping):
            return lookup(inner, rest.strip())
    return None


def _invocation(expression: Invocation, scope: Mapping[str, Any], frame: Frame) -> Any:
    function = lookup(scope, expression.callee)
    if function is None:
        frame.warn(f"invocation {expression.id} calls '{expression.callee}', which is not a"
                   " function in scope; add a knowledge requirement for it")
        return None
    arguments = {binding.parameter: evaluate_expression(binding.expression, scope, frame)
                 for binding in expression.bindings}
    return feel_bridge.call(function, arguments, frame.warnings)


def make_function(definition: FunctionDefinition, name: str, scope: Mapping[str, Any],
                  frame: Frame, declared_type: str | None = None) -> Any:
    """A FEEL function value for a boxed function definition, closing over ``scope``.

    Its result is converted to the definition's ``typeRef`` and to ``declared_type`` (the
    output type of the business knowledge model's function item, if any).
    """
    parameters = tuple(p.name for p in definition.parameters)
    # Names with dots ("Person.Gender") are names only where they are parameters; elsewhere
    # the same text is a path, so they join the known names just inside the body.
    dotted = frozenset(p for p in parameters if "." in p)
    if definition.kind.upper() != "FEEL":
        frame.warn(f"function '{name}' is implemented in {definition.kind}, which CivicFlow"
                   " does not run; its result is null")

    def body(arguments: dict[str, Any]) -> Any:
        if definition.kind.upper() != "FEEL":
            return None
        local = dict(scope)
        inner = frame if not dotted else Frame(frame.resolve, frame.names | dotted,
                                                frame.warnings, frame.matched)
        for parameter in definition.parameters:
            coerced = coerce(arguments.get(parameter.name), parameter.type_ref, frame.resolve)
            if coerced.problem:
                frame.warn(f"argument '{parameter.name}' of '{name}': {coerced.problem}")
            local[parameter.name] = coerced.value
        value = evaluate_expression(definition.body, local, inner, name)
        for type_ref in (definition.type_ref, declared_type):
            coerced = coerce(value, type_ref, frame.resolve)
            if coerced.problem:
                frame.warn(f"result of '{name}': {coerced.problem}")
            value = coerced.value
        return value

    return feel_bridge.make_function(name, parameters, body)


def _filter(expression: Filter, scope: Mapping[str, Any], frame: Frame) -> Any:
    source = evaluate_expression(expression.source, scope, frame)
    if source is None:
        return None
    items = source if isinstance(source, list) else [source]
    kept = []
    for item in items:
        local = dict(scope)
        if isinstance(item, dict):
            local.update(item)
        local["item"] = item
        matched = evaluate_expression(expression.match, local, frame)
        if matched is not None and not isinstance(matched, bool):
            frame.warn(f"filter {expression.id}: the match expression gave"
                       f" {feel_bridge.show(matched)}, not true or false; the result is null")
            return None
        if matched is True:
            kept.append(item)
    return kept


def _iteration(expression: Iteration, scope: Mapping[str, Any], frame: Frame) -> Any:
    source = evaluate_expression(expression.source, scope, frame)
    if source is None:
        return None
    items = source if isinstance(source, list) else [source]
    results = []
    for item in items:
        local = dict(scope)
        local[expression.variable] = item
        results.append(evaluate_expression(expression.body, local, frame))
    if expression.kind == "for":
        return results
    if any(r is not None and not isinstance(r, bool) for r in results):
        frame.warn(f"{expression.kind} {expression.id}: the satisfies expression must give"
                   " true or false; the result is null")
        return None
    if expression.kind == "some":
        if any(r is True for r in results):
            return True
        return False if all(r is False for r in results) else None
    if all(r is True for r in results):
        return True
    return False if any(r is False for r in results) else None
