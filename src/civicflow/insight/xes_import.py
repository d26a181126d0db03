"""Streaming XES import (IEEE 1849-2016, plain or gzip) into an :class:`EventLog`.

The scanner (``xes_scan``, expat) streams the file; events are gathered into text columns that
become a typed polars frame every ``chunk_events`` events, so memory stays bounded by the
columnar result rather than by an XML tree. Parsing is safe for untrusted files: no DTD, no
entities, no network.

Trace-level attributes become columns prefixed ``case:`` on every event of the trace (as pm4py
does). Nested attributes (XES ``list``/``container``, or children of a keyed attribute) keep only
the parent's own value; ``<global>`` defaults are not filled in (as pm4py).
"""

from __future__ import annotations

import gzip
import pyexpat
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

import polars as pl

from civicflow.insight.frame import (
    ACTIVITY,
    CASE,
    CASE_PREFIX,
    TIMESTAMP,
    EventLog,
    ImportReport,
    LogError,
)
from civicflow.insight.timeparse import parse_timestamps
from civicflow.insight.xes_scan import UnsafeXmlError, scan

_LINE = "@@line"
_CASE_NO = "@@case"


def open_maybe_gzip(path: Path) -> IO[bytes]:
    """Open a file for reading bytes, transparently decompressing gzip (by magic number)."""
    with path.open("rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


@dataclass
class _Chunk:
    """Columns of the events read since the last flush, as raw text plus declared XES types."""

    values: dict[str, list[str | None]] = field(default_factory=dict)
    lines: list[int] = field(default_factory=list)
    case_no: list[int] = field(default_factory=list)
    cases: dict[int, dict[str, str]] = field(default_factory=dict)
    case_lines: dict[int, int] = field(default_factory=dict)

    def add_event(self, attrs: dict[str, str], line: int, case_no: int) -> None:
        rows = len(self.lines)
        for key, column in self.values.items():
            column.append(attrs.pop(key, None))
        for key, value in attrs.items():
            column = [None] * rows
            column.append(value)
            self.values[key] = column
        self.lines.append(line)
        self.case_no.append(case_no)


@dataclass
class _Reader:
    """The scanner's sink: builds chunks of columns, one trace at a time."""

    skip_bad: bool
    chunk_events: int
    types: dict[str, str] = field(default_factory=dict)
    case_types: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    skipped_lines: list[int] = field(default_factory=list)
    chunk: _Chunk = field(default_factory=_Chunk)
    done: list[_Chunk] = field(default_factory=list)
    case_no: int = 0
    first_event_in_trace: int = 0
    case_ids: set[str] = field(default_factory=set)
    repeated_case_id: bool = False  #: two traces share a case id (their events then merge)

    def bad(self, reason: str, line: int, count: int = 1) -> None:
        """Raise for a bad event, or count ``count`` skipped events when skipping is on."""
        if not self.skip_bad:
            raise LogError(f"line {line}: {reason}. Fix the file or import with skip-bad-rows.")
        self.skipped[reason] = self.skipped.get(reason, 0) + count
        if len(self.skipped_lines) < 10:
            self.skipped_lines.append(line)

    def event(self, attrs: dict[str, str], line: int) -> None:
        if ACTIVITY not in attrs:
            self.bad("event without concept:name (activity)", line)
        elif TIMESTAMP not in attrs:
            self.bad("event without time:timestamp", line)
        else:
            self.chunk.add_event(attrs, line, self.case_no)

    def trace(self, attrs: dict[str, str], line: int) -> bool:
        ok = _finish_trace(self.chunk, self, attrs, line, self.first_event_in_trace,
                           self.case_no)
        if ok:
            case_id = attrs["concept:name"]
            if case_id in self.case_ids:
                self.repeated_case_id = True
            self.case_ids.add(case_id)
        self.case_no += 1
        if ok and len(self.chunk.lines) >= self.chunk_events:
            self.done.append(self.chunk)
            self.chunk = _Chunk()
        self.first_event_in_trace = len(self.chunk.lines)
        return ok

    def ready(self) -> bool:
        return bool(self.done)


def read_xes(
    source: str | Path | IO[bytes], *, skip_bad: bool = False, chunk_events: int = 100_000
) -> EventLog:
    """Read an XES file (``.xes`` or gzip-compressed) into an :class:`EventLog`.

    A trace without ``concept:name``, or an event without ``concept:name`` or a readable
    ``time:timestamp``, raises :class:`LogError` naming the line, unless ``skip_bad`` is set:
    then the event (or the whole trace) is left out and counted in ``log.report``.
    """
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.is_file():
            raise LogError(f"No such log file: {path}")
        with open_maybe_gzip(path) as handle:
            return _read(handle, skip_bad, chunk_events)
    return _read(source, skip_bad, chunk_events)


def _read(handle: IO[bytes], skip_bad: bool, chunk_events: int) -> EventLog:
    reader = _Reader(skip_bad, chunk_events)
    frames: list[pl.DataFrame] = []
    log_attrs: dict[str, str] = {}
    try:
        for attrs in scan(handle, reader, reader.types, reader.case_types):
            log_attrs.update(attrs)
            frames.extend(_to_frame(chunk, reader) for chunk in reader.done if chunk.lines)
            reader.done.clear()
    except pyexpat.ExpatError as exc:
        message = pyexpat.ErrorString(exc.code) if exc.code else str(exc)
        raise LogError(f"line {exc.lineno}: the file is not well-formed XML ({message}).") from exc
    except UnsafeXmlError as exc:
        raise LogError(f"{exc}; remove the <!DOCTYPE> and entity declarations.") from exc
    except (OSError, EOFError) as exc:
        raise LogError(f"The log file could not be read: {exc}.") from exc
    if reader.chunk.lines:
        frames.append(_to_frame(reader.chunk, reader))
    if not frames:
        frame = pl.DataFrame(
            schema={CASE: pl.String, ACTIVITY: pl.String, TIMESTAMP: pl.Datetime("us", "UTC")},
        )
    else:
        frame = frames[0] if len(frames) == 1 else pl.concat(frames, how="diagonal_relaxed")
    report = ImportReport(
        sum(reader.skipped.values()), dict(reader.skipped), tuple(reader.skipped_lines)
    )
    return EventLog(frame, log_attrs, report, grouped=not reader.repeated_case_id)


def _finish_trace(chunk: _Chunk, reader: _Reader, attrs: dict[str, str], line: int,
                  first: int, case_no: int) -> bool:
    """Attach the trace's attributes; a trace without a case id is an error or skipped whole."""
    if "concept:name" not in attrs:
        reader.bad("trace without concept:name (case id)", line, len(chunk.lines) - first)
        for column in chunk.values.values():
            del column[first:]
        del chunk.lines[first:]
        del chunk.case_no[first:]
        return False
    chunk.cases[case_no] = attrs
    chunk.case_lines[case_no] = line
    return True


def _cast(column: pl.Series, kind: str, lines: pl.Series, reader: _Reader) -> pl.Series:
    """Cast raw text to the declared XES type; unreadable values are errors with a line."""
    if kind == "date":
        parsed = parse_timestamps(column)
    elif kind == "int":
        parsed = column.str.strip_chars().cast(pl.Int64, strict=False)
    elif kind == "float":
        parsed = column.str.strip_chars().cast(pl.Float64, strict=False)
    elif kind == "boolean":
        lowered = column.str.strip_chars().str.to_lowercase()
        parsed = pl.Series(column.name, lowered == "true").set(
            ~lowered.is_in(["true", "false"]), None
        )
    else:
        return column
    bad = parsed.is_null() & column.is_not_null()
    if bad.any():
        if column.name == TIMESTAMP and not reader.skip_bad:
            line = int(lines.filter(bad)[0])
            value = column.filter(bad)[0]
            raise LogError(
                f"line {line}: time:timestamp {value!r} is not a date and time in ISO 8601 "
                "(for example 2024-03-01T09:30:00+01:00). Fix the file or import with "
                "skip-bad-rows."
            )
        if column.name != TIMESTAMP:
            return column  # an unreadable optional attribute keeps its text rather than be lost
    return parsed


def _to_frame(chunk: _Chunk, reader: _Reader) -> pl.DataFrame:
    data: dict[str, Any] = dict(chunk.values)
    data[_LINE] = chunk.lines
    data[_CASE_NO] = chunk.case_no
    frame = pl.DataFrame(data, schema=dict.fromkeys(chunk.values, pl.String) | {
        _LINE: pl.Int64, _CASE_NO: pl.Int64})
    lines = frame.get_column(_LINE)
    frame = frame.with_columns(
        [_cast(frame.get_column(k), reader.types.get(k, "string"), lines, reader)
         for k in chunk.values]
    )
    if frame.get_column(TIMESTAMP).null_count():
        bad = frame.get_column(TIMESTAMP).is_null()
        for line in frame.get_column(_LINE).filter(bad).to_list():
            reader.bad("unreadable time:timestamp", int(line))
        frame = frame.filter(~bad)
    case_frame = _case_frame(chunk, reader)
    frame = frame.join(case_frame, on=_CASE_NO, how="left", maintain_order="left")
    ordered = [CASE, *[c for c in frame.columns if c not in (CASE, _LINE, _CASE_NO)]]
    return frame.select(ordered)


def _case_frame(chunk: _Chunk, reader: _Reader) -> pl.DataFrame:
    keys: dict[str, None] = {}
    for attrs in chunk.cases.values():
        keys.update(dict.fromkeys(attrs))
    data: dict[str, Any] = {
        CASE_PREFIX + k: [attrs.get(k) for attrs in chunk.cases.values()] for k in keys
    }
    data[_CASE_NO] = list(chunk.cases)
    frame = pl.DataFrame(
        data, schema={CASE_PREFIX + k: pl.String for k in keys} | {_CASE_NO: pl.Int64}
    )
    lines = pl.Series(_LINE, list(chunk.case_lines.values()), dtype=pl.Int64)
    return frame.with_columns(
        [_cast(frame.get_column(CASE_PREFIX + k), reader.case_types.get(k, "string"), lines,
               reader) for k in keys if k != "concept:name"]
    )
