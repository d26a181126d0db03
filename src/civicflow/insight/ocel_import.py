"""OCEL 2.0 (JSON) import, flattened on one object type into the case-centric event log.

An object-centric log relates each event to any number of objects of several types (an
application, its documents, the officers). Mining as elsewhere in CivicFlow needs one case
notion, so the log is *flattened*: every object of the chosen type becomes a case, and an event
appears once in each case whose object it relates to (the usual flattening, as pm4py's
``ocel_flattening`` does). The default type is the one most events relate to.

The rest maps onto XES names: event type -> ``concept:name``, time -> ``time:timestamp``, a
related object of type ``resource`` -> ``org:resource``, event attributes -> columns, and the
case object's attributes -> ``case:<name>`` (its last value in time). Object ids written as
``<type>:<id>`` (as our OCEL export writes them) lose the ``<type>:`` prefix, so an exported
log reads back with its own case ids.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from civicflow.insight.frame import (
    ACTIVITY,
    CASE,
    CASE_PREFIX,
    RESOURCE,
    TIMESTAMP,
    EventLog,
    LogError,
)
from civicflow.insight.timeparse import parse_timestamps

RESOURCE_TYPE = "resource"
_EVENT_KEYS = ("id", "type", "time")


def read_ocel2_json(source: str | Path, *, object_type: str | None = None) -> EventLog:
    """Read an OCEL 2.0 JSON file flattened on ``object_type`` (default: the type most events
    relate to). Raises :class:`LogError` naming the file and the problem."""
    path = Path(source)
    document = _load(path)
    objects = _objects(path, document)
    events = _events(path, document)
    chosen = _choose_type(path, events, objects, object_type)
    ids = _short_ids(objects, chosen)
    resources = _short_ids(objects, RESOURCE_TYPE) if chosen != RESOURCE_TYPE else {}
    rows: list[dict[str, Any]] = []
    for number, event in enumerate(events, 1):
        related = _relationships(path, event, f"event {number}")
        cases = [ids[ref] for ref in related if ref in ids]
        people = [resources[ref] for ref in related if ref in resources]
        attributes = _attributes(path, event, f"event {number}")
        for case in dict.fromkeys(cases):  # an event relating twice to an object counts once
            rows.append({CASE: case, ACTIVITY: str(event["type"]), TIMESTAMP: str(event["time"]),
                         RESOURCE: people[0] if people else None, "@@event": number,
                         **{name: _text(value) for name, value in attributes.items()}})
    if not rows:
        raise LogError(f"{path.name}: no event relates to an object of type {chosen!r}; "
                       "choose another object type.")
    frame = pl.DataFrame(rows, infer_schema_length=None)
    stamps = parse_timestamps(frame.get_column(TIMESTAMP))
    if stamps.null_count():
        bad = frame.filter(stamps.is_null()).row(0, named=True)
        raise LogError(f"{path.name}: event {bad['@@event']} has a time that is not ISO 8601: "
                       f"{bad[TIMESTAMP]!r} (expected e.g. 2026-03-01T09:30:00Z).")
    frame = frame.with_columns(stamps.alias(TIMESTAMP))
    if frame.get_column(RESOURCE).null_count() == frame.height:
        frame = frame.drop(RESOURCE)
    frame = _with_case_attributes(frame, objects, chosen, ids)
    frame = frame.sort([CASE, TIMESTAMP, "@@event"], maintain_order=True).drop("@@event")
    return EventLog(frame, {"source": path.name, "ocel:object_type": chosen},
                    grouped=True)


def _load(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise LogError(f"No such log file: {path}")
    try:
        with path.open("rb") as handle:
            document = json.load(handle)
    except json.JSONDecodeError as exc:
        raise LogError(f"{path.name}: not JSON (line {exc.lineno}, column {exc.colno}: "
                       f"{exc.msg}).") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise LogError(f"{path.name}: cannot be read ({exc}).") from exc
    if not isinstance(document, dict) or "events" not in document or "objects" not in document:
        raise LogError(f"{path.name}: not an OCEL 2.0 JSON log (it needs top-level 'events' "
                       "and 'objects' lists); give an .xes, .xes.gz or .csv file otherwise.")
    return document


def _objects(path: Path, document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    objects = document["objects"]
    if not isinstance(objects, list):
        raise LogError(f"{path.name}: 'objects' must be a list.")
    for number, item in enumerate(objects, 1):
        if not isinstance(item, dict) or "id" not in item or "type" not in item:
            raise LogError(f"{path.name}: object {number} needs an 'id' and a 'type'.")
    return objects


def _events(path: Path, document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    events = document["events"]
    if not isinstance(events, list):
        raise LogError(f"{path.name}: 'events' must be a list.")
    for number, item in enumerate(events, 1):
        missing = [key for key in _EVENT_KEYS if not isinstance(item, dict) or key not in item]
        if missing:
            raise LogError(f"{path.name}: event {number} has no {', '.join(missing)}; every "
                           "OCEL event needs an id, a type and a time.")
    return events


def _relationships(path: Path, event: Mapping[str, Any], where: str) -> list[str]:
    links = event.get("relationships") or []
    if not isinstance(links, list) or not all(
            isinstance(link, dict) and "objectId" in link for link in links):
        raise LogError(f"{path.name}: {where}: 'relationships' must be a list of "
                       "{objectId, qualifier} objects.")
    return [str(link["objectId"]) for link in links]


def _attributes(path: Path, item: Mapping[str, Any], where: str) -> dict[str, Any]:
    values = item.get("attributes") or []
    if not isinstance(values, list) or not all(
            isinstance(value, dict) and "name" in value for value in values):
        raise LogError(f"{path.name}: {where}: 'attributes' must be a list of "
                       "{name, value} objects.")
    reserved = {CASE, ACTIVITY, TIMESTAMP, RESOURCE}
    return {str(v["name"]): v.get("value") for v in values if str(v["name"]) not in reserved}


def _choose_type(path: Path, events: list[Mapping[str, Any]], objects: list[Mapping[str, Any]],
                 wanted: str | None) -> str:
    type_of = {str(item["id"]): str(item["type"]) for item in objects}
    counts: Counter[str] = Counter()
    for number, event in enumerate(events, 1):
        related = _relationships(path, event, f"event {number}")
        counts.update({type_of[ref] for ref in related if ref in type_of})
    known = sorted(set(type_of.values()))
    if wanted is not None:
        if wanted not in known:
            raise LogError(f"{path.name}: no object type {wanted!r}; its object types are: "
                           f"{', '.join(known) or 'none'}.")
        return wanted
    if not counts:
        raise LogError(f"{path.name}: no event relates to any object, so there is no case "
                       "to flatten on.")
    # most events first, then by name so the choice never depends on file order
    return min(counts, key=lambda name: (-counts[name], name))


def _short_ids(objects: list[Mapping[str, Any]], object_type: str) -> dict[str, str]:
    """Object id -> case id for the objects of ``object_type``, ``<type>:`` prefix removed
    when every one of them has it (as our export writes them)."""
    ids = [str(item["id"]) for item in objects if str(item["type"]) == object_type]
    prefix = f"{object_type}:"
    strip = bool(ids) and all(i.startswith(prefix) and len(i) > len(prefix) for i in ids)
    return {i: i[len(prefix):] if strip else i for i in ids}


def _with_case_attributes(frame: pl.DataFrame, objects: list[Mapping[str, Any]],
                          object_type: str, ids: Mapping[str, str]) -> pl.DataFrame:
    rows: list[dict[str, Any]] = []
    for item in objects:
        if str(item["type"]) != object_type:
            continue
        values = item.get("attributes") or []
        latest: dict[str, tuple[str, Any]] = {}
        for value in values if isinstance(values, list) else []:
            if isinstance(value, dict) and "name" in value:
                moment = str(value.get("time") or "")
                name = str(value["name"])
                if name not in latest or moment >= latest[name][0]:
                    latest[name] = (moment, value.get("value"))
        if latest:
            rows.append({CASE: ids[str(item["id"])],
                         **{f"{CASE_PREFIX}{k}": _text(v) for k, (_, v) in latest.items()}})
    if not rows:
        return frame
    attributes = pl.DataFrame(rows, infer_schema_length=None)
    clash = [c for c in attributes.columns if c != CASE and c in frame.columns]
    return frame.join(attributes.drop(clash), on=CASE, how="left")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
