"""Simulated events as a polars frame with the XES column names the rest of ``insight`` reads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import polars as pl

from civicflow.insight.simulation.results import LogEvent

#: Column order of the frame; names follow the XES standard extensions (concept, time, org...).
COLUMNS = (
    "case:concept:name",
    "concept:name",
    "time:timestamp",
    "lifecycle:transition",
    "org:resource",
    "org:group",
)


def to_frame(
    events: Sequence[LogEvent], origin: datetime, *, case_prefix: str = ""
) -> pl.DataFrame:
    """Events sorted by time within case; a naive ``origin`` is read as UTC.

    Timestamps have microsecond precision in UTC, so logs from several runs or from the engine
    can be concatenated.
    """
    start = origin if origin.tzinfo is not None else origin.replace(tzinfo=UTC)
    start = start.astimezone(UTC)
    # Stable sort: at equal times events keep the order they happened in the run.
    ordered = sorted(events, key=lambda e: (e.case, e.time_s))
    return pl.DataFrame(
        {
            "case:concept:name": [case_prefix + e.case for e in ordered],
            "concept:name": [e.activity for e in ordered],
            "time:timestamp": [start + timedelta(seconds=e.time_s) for e in ordered],
            "lifecycle:transition": [e.lifecycle for e in ordered],
            "org:resource": [e.resource for e in ordered],
            "org:group": [e.group for e in ordered],
        },
        schema={
            "case:concept:name": pl.String,
            "concept:name": pl.String,
            "time:timestamp": pl.Datetime("us", "UTC"),
            "lifecycle:transition": pl.String,
            "org:resource": pl.String,
            "org:group": pl.String,
        },
    )
