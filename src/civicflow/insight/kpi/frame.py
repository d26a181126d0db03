"""The event frame KPIs read: XES-named columns, UTC timestamps, events ordered within a case.

``read_event_frame`` is the one place the ``kpi`` command loads a log: XES files through
``civicflow.insight.log``, parquet and CSV files with XES column names, and database URLs (the
engine's history, through ``civicflow.insight.history``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from civicflow.insight.csv_import import CsvMapping

CASE = "case:concept:name"
ACTIVITY = "concept:name"
TIMESTAMP = "time:timestamp"
RESOURCE = "org:resource"
GROUP = "org:group"
LIFECYCLE = "lifecycle:transition"
REQUIRED_COLUMNS = (CASE, ACTIVITY, TIMESTAMP)


class EventFrameError(ValueError):
    """An event log cannot be used for KPIs; the message says which file, row or column."""


def read_event_frame(
    path: str | Path, *, mapping: CsvMapping | None = None, object_type: str | None = None
) -> pl.DataFrame:
    """Load an event log for KPIs: an XES, CSV, parquet or OCEL 2.0 JSON file (flattened on
    ``object_type``), or a database URL.

    A CSV file with XES column names is read as it is; with a ``mapping`` (or when those names
    are missing) it goes through the CSV importer of ``civicflow mine``, which maps or guesses
    the case, activity, timestamp, resource, group and lifecycle columns and reads timestamp
    formats and zones.
    """
    from civicflow.insight.history import is_database_url, read_history
    from civicflow.insight.log import LogError, read_log

    if isinstance(path, str) and is_database_url(path):
        try:
            return prepare_event_frame(read_history(path).frame, source=path)
        except LogError as exc:
            raise EventFrameError(str(exc)) from exc
    file = Path(path)
    suffix = "".join(file.suffixes[-2:]).lower() if file.suffix == ".gz" else file.suffix.lower()
    if object_type is not None and suffix not in (".json", ".jsonocel"):
        raise EventFrameError(f"{file}: only OCEL 2.0 logs (.jsonocel, .json) have object "
                              "types; leave out the object type")
    if suffix in (".xes", ".xes.gz", ".json", ".jsonocel") and file.is_file():
        try:
            frame = read_log(file, object_type=object_type).frame
        except LogError as exc:
            raise EventFrameError(str(exc)) from exc
    elif suffix not in (".parquet", ".csv") and file.is_file():
        raise EventFrameError(
            f"{file}: cannot read {suffix or 'files without an extension'}; give a parquet or "
            "CSV file with XES column names (case:concept:name, concept:name, time:timestamp, "
            "...), an .xes, .xes.gz or OCEL 2.0 .jsonocel file, or a database URL."
        )
    elif suffix == ".csv" and mapping is not None and file.is_file():
        frame = _import_csv(file, mapping)
    else:
        frame = read_table(file, "event log")
        if suffix == ".csv" and _lacks_xes_names(frame) and frame.width > 1:
            frame = _import_csv(file, mapping)
    return prepare_event_frame(
        frame, source=str(file), header_lines=1 if suffix == ".csv" else None
    )


def _lacks_xes_names(frame: pl.DataFrame) -> bool:
    return any(column not in frame.columns for column in REQUIRED_COLUMNS)


def _import_csv(file: Path, mapping: CsvMapping | None) -> pl.DataFrame:
    from civicflow.insight.csv_import import CsvMapping, read_csv
    from civicflow.insight.frame import LogError

    try:
        return read_csv(file, mapping or CsvMapping()).frame
    except LogError as exc:
        raise EventFrameError(f"{file}: {exc}") from exc


def read_survey_frame(path: str | Path) -> pl.DataFrame:
    """Load satisfaction scores (``case:concept:name``, ``score``) from a CSV or parquet file."""
    file = Path(path)
    frame = read_table(file, "survey file")
    missing = [column for column in (CASE, "score") if column not in frame.columns]
    if missing:
        raise EventFrameError(
            f"{file}: missing column(s) {', '.join(missing)}; a survey file needs "
            f"{CASE} and score (found: {_columns(frame)})"
        )
    return frame


def read_table(file: Path, what: str) -> pl.DataFrame:
    """A CSV (all columns as text) or parquet file, with errors a person can act on."""
    if file.is_dir():
        raise EventFrameError(f"{file}: is a folder; give the {what} file in it")
    if not file.is_file():
        raise EventFrameError(f"{file}: no such file")
    parquet = file.suffix.lower() == ".parquet"
    try:
        if parquet:
            return pl.read_parquet(file)
        with file.open("rb") as handle:
            head = handle.read(4)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise EventFrameError(f"{file}: is UTF-16 text; save it as UTF-8 CSV")
        return pl.read_csv(file, infer_schema=False)
    except (pl.exceptions.PolarsError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        hint = (
            "it is not a parquet file (or it is damaged)"
            if parquet
            else "save it as comma-separated UTF-8 text with one header line, quotes closed "
            "and the same number of fields on every line"
        )
        raise EventFrameError(f"{file}: cannot read the {what}: {first}; {hint}") from exc


def _columns(frame: pl.DataFrame) -> str:
    shown = ", ".join(frame.columns[:8]) + (", ..." if frame.width > 8 else "")
    return shown or "no columns"


def prepare_event_frame(
    frame: pl.DataFrame, *, source: str = "event log", header_lines: int | None = None
) -> pl.DataFrame:
    """Check the shared event-log contract and normalise types and order.

    Case ids and activities become text, timestamps UTC (text without an offset is read as UTC),
    and events are ordered by timestamp within their case with ties kept in the given order.
    Problems name the event's position, or its file line when ``header_lines`` is given.
    """
    where = _Where(header_lines)
    missing = [column for column in REQUIRED_COLUMNS if column not in frame.columns]
    if missing:
        separator = next(
            (
                name
                for sep, name in _SEPARATORS.items()
                if frame.width == 1 and sep in frame.columns[0]
            ),
            None,
        )
        hint = (
            f"; the file seems separated by {separator}: save it comma-separated"
            if separator
            else ""
        )
        raise EventFrameError(
            f"{source}: missing column(s) {', '.join(missing)}; an event log needs "
            f"{', '.join(REQUIRED_COLUMNS)} (XES names); found: {_columns(frame)}{hint}"
        )
    frame = frame.with_columns(
        pl.col(CASE).cast(pl.String), pl.col(ACTIVITY).cast(pl.String)
    ).with_row_index("__row")
    frame = frame.with_columns(_utc_timestamps(frame, source, where))
    for column in (CASE, ACTIVITY):
        empty = frame.filter(pl.col(column).is_null())
        if empty.height:
            raise EventFrameError(
                f"{source}: {empty.height} event(s) without {column}, first at "
                f"{where(empty['__row'][0])}; every event needs a case id and an activity"
            )
    for column in (RESOURCE, GROUP, LIFECYCLE):
        if column in frame.columns:
            frame = frame.with_columns(pl.col(column).cast(pl.String))
        else:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(column))
    return frame.sort([CASE, TIMESTAMP, "__row"]).drop("__row")


_SEPARATORS = {";": "semicolons", "\t": "tabs", "|": "bars"}


class _Where:
    """Names an event by its position, or by its line in a file with a header."""

    def __init__(self, header_lines: int | None) -> None:
        self.header_lines = header_lines

    def __call__(self, row: object) -> str:
        index = int(str(row))
        if self.header_lines is None:
            return f"event {index + 1}"
        return f"line {index + 1 + self.header_lines}"


def _utc_timestamps(frame: pl.DataFrame, source: str, where: _Where) -> pl.Series:
    column = frame[TIMESTAMP]
    if column.dtype == pl.String:
        parsed = column.str.to_datetime(time_zone="UTC", strict=False, time_unit="us")
        bad = frame.filter(parsed.is_null())
        if bad.height:
            raise EventFrameError(
                f"{source}: {bad.height} timestamp(s) cannot be read, first at "
                f"{where(bad['__row'][0])}: "
                f"{bad[TIMESTAMP][0]!r}; use ISO 8601 such as 2026-03-27T10:00:00+01:00"
            )
        return parsed
    if isinstance(column.dtype, pl.Datetime):
        if column.dtype.time_zone is None:
            raise EventFrameError(
                f"{source}: {TIMESTAMP} has no time zone; store timezone-aware (UTC) timestamps"
            )
        if column.null_count():
            raise EventFrameError(f"{source}: {column.null_count()} event(s) without a timestamp")
        return column.dt.convert_time_zone("UTC").dt.cast_time_unit("us")
    raise EventFrameError(
        f"{source}: {TIMESTAMP} holds {column.dtype}, not timestamps; use ISO 8601 text or "
        "timezone-aware datetimes"
    )
