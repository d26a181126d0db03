"""Type checking of values against DMN type references and item definitions.

DMN says a value that does not conform to its declared type becomes null (with a warning), after
two implicit conversions: a singleton list to its element, and an element to a singleton list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from civicflow.dmn import feel_bridge
from civicflow.dmn.model import Definitions, ItemDefinition
from civicflow.dmn.render import render

BUILTIN_TYPES = frozenset({
    "Any", "number", "string", "boolean", "date", "time", "date and time",
    "days and time duration", "years and months duration", "context", "list", "function",
    "range",
})

#: Resolves a (possibly import-qualified) type name to its item definition, or None.
TypeResolver = Callable[[str], ItemDefinition | None]


@dataclass(frozen=True)
class Coerced:
    """A value after type conversion, with the reason it became null if it did."""

    value: Any
    problem: str | None = None


def resolver_for(definitions: Definitions,
                 imported: Callable[[Definitions, str], Definitions | None]) -> TypeResolver:
    """A resolver for names in ``definitions``; ``prefix.name`` looks in the model imported
    as ``prefix`` (``imported(definitions, prefix)``)."""

    def resolve(name: str) -> ItemDefinition | None:
        found = definitions.item_definition(name)
        if found is not None:
            return found
        if "." in name:
            prefix, rest = name.split(".", 1)
            other = imported(definitions, prefix)
            if other is not None:
                return resolver_for(other, imported)(rest)
        return None

    return resolve


def coerce(value: Any, type_ref: str | None, resolve: TypeResolver) -> Coerced:
    """``value`` converted to ``type_ref`` as DMN prescribes, or null with the reason."""
    if type_ref is None or value is None or type_ref == "Any":
        return Coerced(value)
    if conforms(value, type_ref, resolve):
        return Coerced(value)
    is_list_type = _is_collection(type_ref, resolve)
    if isinstance(value, list) and len(value) == 1 and not is_list_type \
            and conforms(value[0], type_ref, resolve):
        return Coerced(value[0])
    if not isinstance(value, list) and is_list_type and conforms([value], type_ref, resolve):
        return Coerced([value])
    return Coerced(None, f"{_describe(value)} does not conform to type '{type_ref}'")


def result_type(type_ref: str | None, resolve: TypeResolver) -> str | None:
    """The type a function's result must have: a function item's output type, else as is."""
    if type_ref is None:
        return None
    item = resolve(type_ref)
    if item is not None and item.function_item:
        return item.function_output
    return type_ref


def _is_collection(type_ref: str, resolve: TypeResolver) -> bool:
    if type_ref == "list" or type_ref.startswith("list<"):
        return True
    item = resolve(type_ref)
    return item is not None and item.is_collection


def conforms(value: Any, type_ref: str, resolve: TypeResolver, _depth: int = 0) -> bool:
    """Whether ``value`` is an instance of the named type (null conforms to every type)."""
    if value is None or type_ref == "Any" or _depth > 50:
        return True
    if type_ref in BUILTIN_TYPES:
        return builtin_conforms(value, type_ref)
    if type_ref.startswith("list<") and type_ref.endswith(">"):
        inner = type_ref[5:-1].strip()
        return isinstance(value, list) and all(conforms(v, inner, resolve, _depth + 1)
                                               for v in value)
    item = resolve(type_ref)
    if item is None:
        return True  # an unknown type cannot be checked; the model checker reports it
    return item_conforms(value, item, resolve, _depth + 1)


def item_conforms(value: Any, item: ItemDefinition, resolve: TypeResolver,
                  _depth: int = 0) -> bool:
    """Whether ``value`` conforms to an item definition, its components and allowed values."""
    if value is None:
        return True
    if item.is_collection:
        if not isinstance(value, list):
            return False
        element = ItemDefinition(item.name, item.type_ref, False, item.components,
                                 item.allowed_values, item.type_constraint, item.function_item)
        return all(item_conforms(v, element, resolve, _depth + 1) for v in value)
    if item.function_item:
        return feel_bridge.is_function(value)
    if item.components:
        if not isinstance(value, dict):
            return False
        for component in item.components:
            if not item_conforms(value.get(component.name), component, resolve, _depth + 1):
                return False
    elif item.type_ref is not None and not conforms(value, item.type_ref, resolve, _depth + 1):
        return False
    for constraint in (item.allowed_values, item.type_constraint):
        if constraint is not None and constraint.strip() \
                and not feel_bridge.unary_matches(constraint, value):
            return False
    return True


def builtin_conforms(value: Any, name: str) -> bool:
    """Whether ``value`` is an instance of FEEL's built-in type ``name``."""
    if name == "Any":
        return True
    if name == "boolean":
        return isinstance(value, bool)
    if name == "number":
        return isinstance(value, Decimal | int) and not isinstance(value, bool)
    if name == "string":
        return isinstance(value, str)
    if name == "context":
        return isinstance(value, dict)
    if name == "list":
        return isinstance(value, list)
    if isinstance(value, bool | str | Decimal | int | list | dict):
        return False
    return feel_bridge.instance_of(value, name)


def _describe(value: Any) -> str:
    text = render(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"the value {text}"
