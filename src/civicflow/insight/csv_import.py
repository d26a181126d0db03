"""CSV import with a column mapping onto XES names, for logs exported from legacy systems.

Every column is read as text, then the mapped ones are checked: a row without a case id or
activity, or with a timestamp that fits no format, is an error naming its line, or is skipped and
counted when the caller asks to skip bad rows. Unmapped columns are kept as text attributes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from civicflow.insight.frame import (
    ACTIVITY,
    CASE,
    GROUP,
    LIFECYCLE,
    RESOURCE,
    TIMESTAMP,
    EventLog,
    ImportReport,
    LogError,
)
from civicflow.insight.timeparse import parse_timestamps

# Column names tried, case-insensitively, when the caller does not name the column.
_GUESSES: dict[str, tuple[str, ...]] = {
    CASE: (CASE, "case_id", "caseid", "case id", "case"),
    ACTIVITY: (ACTIVITY, "activity", "activity_name", "task", "event"),
    TIMESTAMP: (TIMESTAMP, "timestamp", "time", "end_time", "complete_timestamp", "date"),
    RESOURCE: (RESOURCE, "resource", "user", "actor"),
    GROUP: (GROUP, "group", "department", "lane"),
    LIFECYCLE: (LIFECYCLE, "lifecycle", "transition", "status"),
}
_HEADER_LINES = 1


@dataclass(frozen=True)
class CsvMapping:
    """Which CSV column holds what; ``None`` means guess from common names.

    ``timestamp_format`` is a strftime format (``%d/%m/%Y %H:%M``); without it ISO 8601 is read.
    Timestamps without a zone are read in ``timezone`` (IANA name, default UTC).
    """

    case: str | None = None
    activity: str | None = None
    timestamp: str | None = None
    resource: str | None = None
    group: str | None = None
    lifecycle: str | None = None
    timestamp_format: str | None = None
    timezone: str = "UTC"
    separator: str = ","


def _pick(columns: list[str], target: str, named: str | None, required: bool) -> str | None:
    if named is not None:
        if named not in columns:
            raise LogError(
                f"The CSV has no column {named!r} (asked for as {target}); its columns are: "
                f"{', '.join(columns)}."
            )
        return named
    lowered = {c.lower(): c for c in columns}
    for guess in _GUESSES[target]:
        if guess.lower() in lowered:
            return lowered[guess.lower()]
    if required:
        raise LogError(
            f"No column for {target} was named and none of {', '.join(_GUESSES[target])} exists; "
            f"name it with the mapping option. The CSV's columns are: {', '.join(columns)}."
        )
    return None


def read_csv(
    source: str | Path, mapping: CsvMapping | None = None, *, skip_bad: bool = False
) -> EventLog:
    """Read a CSV event log; see :class:`CsvMapping` for how columns map onto XES names."""
    mapping = mapping or CsvMapping()
    path = Path(source)
    if not path.is_file():
        raise LogError(f"No such log file: {path}")
    try:
        raw = pl.read_csv(path, infer_schema=False, separator=mapping.separator)
    except (pl.exceptions.PolarsError, UnicodeDecodeError) as exc:
        raise LogError(f"{path} could not be read as CSV: {exc}") from exc
    columns = raw.columns
    chosen: dict[str, str] = {}
    for target, named, required in (
        (CASE, mapping.case, True),
        (ACTIVITY, mapping.activity, True),
        (TIMESTAMP, mapping.timestamp, True),
        (RESOURCE, mapping.resource, False),
        (GROUP, mapping.group, False),
        (LIFECYCLE, mapping.lifecycle, False),
    ):
        column = _pick(columns, target, named, required)
        if column is not None and column not in chosen.values():
            chosen[target] = column
    renamed = raw.rename({source_name: target for target, source_name in chosen.items()})
    line = pl.int_range(0, raw.height, dtype=pl.Int64, eager=True) + 1 + _HEADER_LINES
    stamps = parse_timestamps(
        renamed.get_column(TIMESTAMP), fmt=mapping.timestamp_format, naive_zone=mapping.timezone
    )
    problems = [
        ("missing case id", renamed.get_column(CASE).str.strip_chars().fill_null("") == ""),
        ("missing activity", renamed.get_column(ACTIVITY).str.strip_chars().fill_null("") == ""),
        ("unreadable timestamp", stamps.is_null()),
    ]
    keep = pl.Series([True] * raw.height, dtype=pl.Boolean)
    reasons: dict[str, int] = {}
    first_lines: list[int] = []
    for reason, bad in problems:
        bad = bad & keep
        if not bad.any():
            continue
        bad_lines = line.filter(bad)
        if not skip_bad:
            where = int(bad_lines[0])
            detail = ""
            if reason == "unreadable timestamp":
                value = renamed.get_column(TIMESTAMP).filter(bad)[0]
                hint = mapping.timestamp_format or "ISO 8601, e.g. 2024-03-01T09:30:00+01:00"
                detail = f" ({value!r} does not match {hint})"
            raise LogError(
                f"line {where}: {reason}{detail}. Fix the file, map the right column or format, "
                "or import with skip-bad-rows."
            )
        reasons[reason] = int(bad.sum())
        first_lines.extend(int(x) for x in bad_lines.head(10))
        keep = keep & ~bad
    frame = renamed.with_columns(stamps.alias(TIMESTAMP)).filter(keep)
    ordered = [CASE, ACTIVITY, TIMESTAMP, *[c for c in frame.columns
                                            if c not in (CASE, ACTIVITY, TIMESTAMP)]]
    report = ImportReport(sum(reasons.values()), reasons, tuple(sorted(first_lines)[:10]))
    return EventLog(frame.select(ordered), {}, report)
