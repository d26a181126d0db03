"""Writing an :class:`EventLog` as XES (IEEE 1849-2016) or OCEL 2.0 JSON, both readable by pm4py.

XES is written incrementally with ``lxml.etree.xmlfile`` so a large log never becomes one tree.
In OCEL 2.0 each case becomes an object of type ``case`` (and each resource one of type
``resource``) that its events relate to, which is how a case-centric log is usually lifted.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import IO, Any

import polars as pl
from lxml import etree

from civicflow.insight.frame import ACTIVITY, CASE, CASE_PREFIX, RESOURCE, TIMESTAMP, EventLog

_XES_NS = "http://www.xes-standard.org/"
_EXTENSIONS = (
    ("Concept", "concept", "http://www.xes-standard.org/concept.xesext"),
    ("Time", "time", "http://www.xes-standard.org/time.xesext"),
    ("Organizational", "org", "http://www.xes-standard.org/org.xesext"),
    ("Lifecycle", "lifecycle", "http://www.xes-standard.org/lifecycle.xesext"),
)
_ISO = "%Y-%m-%dT%H:%M:%S%.3f+00:00"


def _xes_type(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.Datetime):
        return "date"
    if dtype == pl.Boolean:
        return "boolean"
    if dtype.is_integer():
        return "int"
    if dtype.is_float():
        return "float"
    return "string"


def _as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Every column as the text XES writes (dates ISO 8601 in UTC, booleans lower case)."""
    exprs = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if isinstance(dtype, pl.Datetime):
            exprs.append(col.dt.convert_time_zone("UTC").dt.strftime(_ISO)
                         if dtype.time_zone else col.dt.strftime(_ISO))
        elif dtype == pl.Boolean:
            exprs.append(col.cast(pl.String).str.to_lowercase())
        else:
            exprs.append(col.cast(pl.String))
    return frame.select(exprs)


def _public(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame without internal ``@@`` columns (such as mining's case key)."""
    return frame.select([c for c in frame.columns if not c.startswith("@@")])


def _case_ordered(frame: pl.DataFrame) -> pl.DataFrame:
    """Events grouped by case in order of each case's first event, file order within a case."""
    return (
        frame.with_row_index("@@row")
        .with_columns(pl.col("@@row").min().over(CASE).alias("@@first"))
        .sort(["@@first", "@@row"])
        .drop("@@row", "@@first")
    )


def write_xes(log: EventLog, target: str | Path) -> None:
    """Write ``log`` as XES; a ``.gz`` suffix compresses it. Case attributes go on the trace."""
    path = Path(target)
    frame = _case_ordered(_public(log.frame))
    case_cols = [c for c in frame.columns if c.startswith(CASE_PREFIX)]
    event_cols = [c for c in frame.columns if not c.startswith(CASE_PREFIX)]
    kinds = {c: _xes_type(t) for c, t in frame.schema.items()}
    text = _as_text(frame)
    opener: Any = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wb") as raw:
        _write_xes_stream(raw, text, case_cols, event_cols, kinds)


def _write_xes_stream(raw: IO[bytes], text: pl.DataFrame, case_cols: list[str],
                      event_cols: list[str], kinds: dict[str, str]) -> None:
    with etree.xmlfile(raw, encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element("log", {"xes.version": "1849-2016", "xes.features": "",
                                "xmlns": _XES_NS}):
            for name, prefix, uri in _EXTENSIONS:
                xf.write(etree.Element("extension", name=name, prefix=prefix, uri=uri))
            current: object = object()
            trace_ctx: Any = None
            names = text.columns
            case_idx = names.index(CASE)
            for row in text.iter_rows():
                if row[case_idx] != current:
                    if trace_ctx is not None:
                        trace_ctx.__exit__(None, None, None)
                    current = row[case_idx]
                    trace_ctx = xf.element("trace")
                    trace_ctx.__enter__()
                    for col in case_cols:
                        value = row[names.index(col)]
                        if value is not None:
                            xf.write(etree.Element(kinds[col], key=col[len(CASE_PREFIX):],
                                                   value=value))
                event = etree.Element("event")
                for col in event_cols:
                    value = row[names.index(col)]
                    if value is not None:
                        etree.SubElement(event, kinds[col], key=col, value=value)
                xf.write(event)
            if trace_ctx is not None:
                trace_ctx.__exit__(None, None, None)


_OCEL_TYPES = {"date": "time", "int": "integer", "float": "float", "boolean": "boolean",
               "string": "string"}


def write_ocel2_json(log: EventLog, target: str | Path) -> None:
    """Write ``log`` as OCEL 2.0 JSON: events relate to their ``case`` (and ``resource``) object."""
    frame = _public(log.frame)
    kinds = {c: _xes_type(t) for c, t in frame.schema.items()}
    case_cols = [c for c in frame.columns if c.startswith(CASE_PREFIX) and c != CASE]
    event_cols = [c for c in frame.columns if not c.startswith(CASE_PREFIX)
                  and c not in (ACTIVITY, TIMESTAMP, RESOURCE)]
    text = _as_text(frame)
    has_resource = RESOURCE in frame.columns
    attr_types = [{"name": c, "type": _OCEL_TYPES[kinds[c]]} for c in event_cols]
    activities = text.get_column(ACTIVITY).unique(maintain_order=True).to_list()
    document: dict[str, Any] = {
        "objectTypes": [{"name": "case", "attributes": [
            {"name": c[len(CASE_PREFIX):], "type": _OCEL_TYPES[kinds[c]]} for c in case_cols]}],
        "eventTypes": [{"name": a, "attributes": attr_types} for a in activities],
        "objects": [],
        "events": [],
    }
    if has_resource:
        document["objectTypes"].append({"name": "resource", "attributes": []})
    cases = text.unique(CASE, keep="first", maintain_order=True)
    first_times = text.group_by(CASE, maintain_order=True).agg(pl.col(TIMESTAMP).min())
    times = dict(first_times.iter_rows())
    for row in cases.select([CASE, *case_cols]).iter_rows(named=True):
        document["objects"].append({
            "id": f"case:{row[CASE]}", "type": "case",
            "attributes": [{"name": c[len(CASE_PREFIX):], "time": times[row[CASE]],
                            "value": row[c]} for c in case_cols if row[c] is not None],
            "relationships": [],
        })
    if has_resource:
        for resource in text.get_column(RESOURCE).drop_nulls().unique(maintain_order=True):
            document["objects"].append({"id": f"resource:{resource}", "type": "resource",
                                        "attributes": [], "relationships": []})
    for number, row in enumerate(text.iter_rows(named=True)):
        relationships = [{"objectId": f"case:{row[CASE]}", "qualifier": "case"}]
        if has_resource and row[RESOURCE] is not None:
            relationships.append({"objectId": f"resource:{row[RESOURCE]}",
                                  "qualifier": "resource"})
        document["events"].append({
            "id": f"e{number + 1}", "type": row[ACTIVITY], "time": row[TIMESTAMP],
            "attributes": [{"name": c, "value": row[c]} for c in event_cols
                           if row[c] is not None],
            "relationships": relationships,
        })
    Path(target).write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
