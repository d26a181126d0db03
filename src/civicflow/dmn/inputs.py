"""Turning plain JSON input (CLI, HTTP, process variables) into FEEL values for a model.

JSON has no dates or durations, so a string given for an input declared as ``date``, ``time``,
``date and time`` or a duration is converted with FEEL's own conversion function.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from civicflow.dmn import feel_bridge
from civicflow.dmn.parse import DmnModel
from civicflow.dmn.types import resolver_for

_CONVERSIONS = {
    "date": "date",
    "time": "time",
    "date and time": "date and time",
    "days and time duration": "duration",
    "years and months duration": "duration",
}


def inputs_from_json(model: DmnModel, data: Mapping[str, Any]) -> dict[str, Any]:
    """FEEL values for JSON ``data`` keyed by input data name, converting temporal strings."""
    resolve = resolver_for(model.main, model.import_target)
    declared = {item.name: item.type_ref for item in model.main.input_data}
    converted: dict[str, Any] = {}
    for name, raw in data.items():
        value = feel_bridge.from_python(raw)
        type_ref = declared.get(name)
        seen = 0
        while type_ref is not None and type_ref not in _CONVERSIONS and seen < 20:
            item = resolve(type_ref)
            type_ref = item.type_ref if item is not None and not item.is_collection else None
            seen += 1
        if isinstance(raw, str) and type_ref in _CONVERSIONS:
            parsed = feel_bridge.from_text(_CONVERSIONS[type_ref], raw)
            if parsed is not None:
                value = parsed
        converted[name] = value
    return converted
