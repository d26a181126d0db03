"""The event log as a columnar frame: one row per event, XES attribute names as column names.

The engine's append-only history uses the same names (``case:concept:name``, ``concept:name``,
``time:timestamp``, ``org:resource``, ``org:group``, ``lifecycle:transition``), so an engine
history table becomes an :class:`EventLog` with a plain ``SELECT`` and no renaming.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

CASE = "case:concept:name"  #: the case (process instance) an event belongs to
ACTIVITY = "concept:name"  #: the activity name of the event
TIMESTAMP = "time:timestamp"  #: when the event happened (UTC, microseconds)
RESOURCE = "org:resource"  #: who did it (person or system)
GROUP = "org:group"  #: the department or team (lane) that did it
LIFECYCLE = "lifecycle:transition"  #: start, complete, ... (XES lifecycle extension)
CASE_PREFIX = "case:"  #: prefix of trace-level attributes copied onto each event (as pm4py)

TIME_DTYPE = pl.Datetime("us", "UTC")
REQUIRED = (CASE, ACTIVITY, TIMESTAMP)


class LogError(ValueError):
    """A log that cannot be read or is not an event log; the message says where and what to do."""


@dataclass(frozen=True)
class ImportReport:
    """What an import skipped when asked to skip bad rows, so nobody loses events silently."""

    skipped: int = 0  #: number of events (rows) left out
    reasons: Mapping[str, int] = field(default_factory=dict)  #: reason -> count
    first_lines: tuple[int, ...] = ()  #: line numbers of the first skipped rows (up to 10)


@dataclass(frozen=True)
class EventLog:
    """An event log: ``frame`` holds one row per event in file order.

    Required columns are ``case:concept:name`` (string), ``concept:name`` (string) and
    ``time:timestamp`` (UTC datetime); any other XES attribute is an extra column, trace-level
    ones prefixed ``case:``. ``attributes`` keeps the log-level attributes of an XES file.
    """

    frame: pl.DataFrame
    attributes: Mapping[str, Any] = field(default_factory=dict)
    report: ImportReport = field(default_factory=ImportReport)
    ordered: bool = False  #: rows already sorted by case, then timestamp, ties in file order
    grouped: bool = False  #: each case's events are adjacent rows (true of XES files)

    def __post_init__(self) -> None:
        missing = [name for name in REQUIRED if name not in self.frame.columns]
        if missing:
            raise LogError(
                f"The event log has no column {', '.join(missing)}; every event needs a case id, "
                "an activity and a timestamp."
            )
        if self.frame.schema[TIMESTAMP] != TIME_DTYPE:
            raise LogError(f"Column {TIMESTAMP} must hold UTC datetimes (microseconds).")

    @classmethod
    def from_frame(cls, frame: pl.DataFrame, **kwargs: Any) -> EventLog:
        """Wrap a frame (for example the engine's history), normalising the timestamp to UTC."""
        if TIMESTAMP in frame.columns:
            frame = frame.with_columns(to_utc(frame.schema[TIMESTAMP], pl.col(TIMESTAMP)))
        for name in (CASE, ACTIVITY):
            if name in frame.columns and frame.schema[name] != pl.String:
                frame = frame.with_columns(pl.col(name).cast(pl.String))
        return cls(frame, **kwargs)

    @property
    def events(self) -> int:
        """Number of events."""
        return self.frame.height

    @property
    def cases(self) -> int:
        """Number of distinct cases."""
        return int(self.frame.get_column(CASE).n_unique()) if self.frame.height else 0

    def with_frame(self, frame: pl.DataFrame, *, ordered: bool | None = None) -> EventLog:
        """The same log (attributes, report) over a filtered or derived frame.

        Filtering rows keeps an ordered frame ordered and a grouped one grouped, so both carry
        over unless ``ordered`` says otherwise.
        """
        keep = self.ordered if ordered is None else ordered
        return EventLog(frame, self.attributes, self.report, keep, self.grouped or keep)


def to_utc(dtype: pl.DataType, expr: pl.Expr) -> pl.Expr:
    """Convert a datetime expression to UTC microseconds; naive times are taken as UTC."""
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is None:
            expr = expr.dt.replace_time_zone("UTC")
        return expr.dt.convert_time_zone("UTC").dt.cast_time_unit("us")
    if dtype == pl.Null:
        return expr.cast(TIME_DTYPE)
    return expr
