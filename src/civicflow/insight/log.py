"""Event logs: the columnar :class:`EventLog` frame and its readers and writers.

This is the public entry point for logs; the work is done in small modules beside it
(``frame``, ``xes_import``, ``csv_import``, ``export``). :func:`read_log` picks a reader by the
file's suffix.
"""

from __future__ import annotations

from pathlib import Path

from civicflow.insight.csv_import import CsvMapping, read_csv
from civicflow.insight.export import write_ocel2_json, write_xes
from civicflow.insight.frame import (
    ACTIVITY,
    CASE,
    CASE_PREFIX,
    GROUP,
    LIFECYCLE,
    RESOURCE,
    TIMESTAMP,
    EventLog,
    ImportReport,
    LogError,
)
from civicflow.insight.ocel_import import read_ocel2_json
from civicflow.insight.xes_import import read_xes

__all__ = [
    "ACTIVITY",
    "CASE",
    "CASE_PREFIX",
    "GROUP",
    "LIFECYCLE",
    "RESOURCE",
    "TIMESTAMP",
    "CsvMapping",
    "EventLog",
    "ImportReport",
    "LogError",
    "read_csv",
    "read_log",
    "read_ocel2_json",
    "read_xes",
    "write_ocel2_json",
    "write_xes",
]


def read_log(
    source: str | Path,
    *,
    mapping: CsvMapping | None = None,
    skip_bad: bool = False,
    object_type: str | None = None,
) -> EventLog:
    """Read a log file by its suffix: ``.xes``, ``.xes.gz``, ``.csv`` (with ``mapping``) or
    OCEL 2.0 ``.jsonocel``/``.json`` (flattened on ``object_type``)."""
    path = Path(source)
    name = path.name.lower()
    if name.endswith((".xes", ".xes.gz", ".xml", ".xml.gz")):
        return read_xes(path, skip_bad=skip_bad)
    if name.endswith((".csv", ".tsv", ".txt")):
        return read_csv(path, mapping, skip_bad=skip_bad)
    if name.endswith((".jsonocel", ".json")):
        return read_ocel2_json(path, object_type=object_type)
    raise LogError(
        f"{path.name}: unknown log format; give an .xes, .xes.gz, .csv or OCEL 2.0 "
        ".jsonocel/.json file."
    )
