"""The names a model's FEEL texts may use, so the FEEL parser can read names with spaces.

FEEL allows ``Monthly Income * 12``; the parser needs the set of known multi-word names to split
such text. The set is computed once per model and passed to every compile, which also makes it a
stable cache key.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from civicflow.dmn.model import (
    Conditional,
    Context,
    Definitions,
    DrgElement,
    Expression,
    Filter,
    FunctionDefinition,
    Invocation,
    ItemDefinition,
    Iteration,
    ListExpression,
    Relation,
)
from civicflow.dmn.parse import DmnModel

_CACHE: dict[int, tuple[DmnModel, frozenset[str]]] = {}


def model_names(model: DmnModel) -> frozenset[str]:
    """Every name declared anywhere in the model and its imports (cached per model object)."""
    cached = _CACHE.get(id(model))
    if cached is not None and cached[0] is model:
        return cached[1]
    names: set[str] = set()
    for definitions in (model.main, *model.imported):
        names.update(_definitions_names(definitions))
    # A dotted name is known only inside the function that declares it (see boxed.py).
    result = frozenset(n for n in names if n and "." not in n)
    if len(_CACHE) > 256:
        _CACHE.clear()
    _CACHE[id(model)] = (model, result)
    return result


def _definitions_names(definitions: Definitions) -> Iterable[str]:
    for item in definitions.imports:
        yield item.name
    elements: list[DrgElement] = [*definitions.decisions, *definitions.input_data,
                                   *definitions.knowledge_models, *definitions.decision_services]
    for element in elements:
        yield element.name
    for item_definition in definitions.item_definitions:
        yield from _item_names(item_definition)
    for decision in definitions.decisions:
        yield from _expression_names(decision.expression)
    for bkm in definitions.knowledge_models:
        yield from _expression_names(bkm.logic)


def _item_names(item: ItemDefinition) -> Iterable[str]:
    yield item.name
    for component in item.components:
        yield from _item_names(component)


def _expression_names(expression: Expression | None) -> Iterable[str]:
    if expression is None:
        return
    children: list[Any] = []
    if isinstance(expression, Context):
        for entry in expression.entries:
            if entry.name:
                yield entry.name
            children.append(entry.expression)
    elif isinstance(expression, FunctionDefinition):
        for parameter in expression.parameters:
            yield parameter.name
        children.append(expression.body)
    elif isinstance(expression, Invocation):
        yield expression.callee
        for binding in expression.bindings:
            yield binding.parameter
            children.append(binding.expression)
    elif isinstance(expression, Relation):
        yield from expression.columns
        for row in expression.rows:
            children.extend(row)
    elif isinstance(expression, ListExpression):
        children.extend(expression.items)
    elif isinstance(expression, Conditional):
        children.extend((expression.condition, expression.then, expression.otherwise))
    elif isinstance(expression, Filter):
        children.extend((expression.source, expression.match))
    elif isinstance(expression, Iteration):
        yield expression.variable
        children.extend((expression.source, expression.body))
    for item in children:
        yield from _expression_names(item)
