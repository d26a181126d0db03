"""The mining report: every figure ``civicflow mine`` shows, computed once, as plain values.

The CLI's text output, the HTML page and the ``--json`` contract (docs/mining-json.md) are all
views of one :class:`MiningReport`, so they never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl

from civicflow.insight import mining
from civicflow.insight.bottlenecks import (
    activity_bottlenecks,
    edge_bottlenecks,
    edge_bottlenecks_by_window,
)
from civicflow.insight.frame import GROUP, RESOURCE, TIMESTAMP, EventLog
from civicflow.insight.handoffs import handoffs
from civicflow.insight.units import human_duration

__all__ = ["JSON_VERSION", "MiningReport", "build_report", "human_duration"]

JSON_VERSION = 1  #: bumped only when a field of the --json contract changes meaning or goes


@dataclass(frozen=True)
class MiningReport:
    """Key figures, DFG, variants, bottlenecks and hand-offs of one log."""

    cases: int
    events: int
    activities: int
    first_event: str | None  #: ISO 8601 UTC, or None for an empty log
    last_event: str | None
    skipped_events: int
    activity_counts: dict[str, int]  #: events per activity, most frequent first
    start_activities: dict[str, int]
    end_activities: dict[str, int]
    dfg: tuple[mining.Edge, ...]
    variants: tuple[mining.Variant, ...]
    case_duration: mining.Summary
    edge_bottlenecks: tuple[dict[str, Any], ...]  #: rows of bottlenecks.edge_bottlenecks
    activity_bottlenecks: tuple[dict[str, Any], ...]
    department_handoffs: tuple[dict[str, Any], ...]  #: rows of handoffs.handoffs by org:group
    resource_handoffs: tuple[dict[str, Any], ...]
    rework_cases: int  #: cases that repeat at least one activity
    service_times: tuple[dict[str, Any], ...] = ()  #: mining.activity_durations rows, if any
    window: str = "1mo"  #: period of ``bottleneck_trend`` (polars duration string)
    #: the three worst edges' waiting per window: rows of window, source, target, count, mean_s
    bottleneck_trend: tuple[dict[str, Any], ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The documented ``--json`` contract (docs/mining-json.md)."""
        return {
            "version": JSON_VERSION,
            "cases": self.cases,
            "events": self.events,
            "skipped_events": self.skipped_events,
            "start_activities": self.start_activities,
            "end_activities": self.end_activities,
            "dfg": [
                {"source": e.source, "target": e.target, "count": e.count, "mean_s": e.mean_s,
                 "median_s": e.median_s, "p90_s": e.p90_s}
                for e in self.dfg
            ],
            "variants": [
                {"activities": list(v.activities), "count": v.count, "share": v.share}
                for v in self.variants
            ],
            "case_duration_s": {
                "mean": self.case_duration.mean,
                "median": self.case_duration.median,
                "p90": self.case_duration.p90,
            },
            "bottlenecks": [
                {"source": r["source"], "target": r["target"], "count": r["count"],
                 "cases": r["cases"], "total_wait_s": r["total_wait_s"],
                 "per_case_wait_s": r["per_case_wait_s"]}
                for r in self.edge_bottlenecks
            ],
            "handoffs": [
                {"source": r["source"], "target": r["target"], "count": r["count"],
                 "cases": r["cases"], "total_wait_s": r["total_wait_s"],
                 "mean_s": r["mean_s"], "median_s": r["median_s"]}
                for r in self.department_handoffs
            ],
        }


def _iso(value: object) -> str | None:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return None


def _rows(frame: pl.DataFrame) -> tuple[dict[str, Any], ...]:
    return tuple(frame.iter_rows(named=True))


def _trend(log: EventLog, worst: pl.DataFrame, window: str) -> tuple[dict[str, Any], ...]:
    top = worst.head(3).select("source", "target")
    if top.height == 0:
        return ()
    per_window = edge_bottlenecks_by_window(log, window).join(
        top, on=["source", "target"], how="semi")
    return _rows(per_window.select("window", "source", "target", "count", "mean_s",
                                   "total_wait_s").sort(["source", "target", "window"]))


def build_report(log: EventLog, *, window: str = "1mo") -> MiningReport:
    """Compute every figure of the report from ``log`` (sorted once, reused throughout).

    ``window`` is the period (``1w``, ``1mo``, ``1q``, ``1y``) over which the worst bottlenecks
    are followed, so a department can see whether a change helped.
    """
    log = mining.order(log)
    worst = edge_bottlenecks(log)
    stamps = log.frame.get_column(TIMESTAMP)
    durations = mining.case_durations(log).get_column("duration_s")
    rework = mining.rework(log)
    return MiningReport(
        cases=log.cases,
        events=log.events,
        activities=int(log.frame.get_column("concept:name").n_unique()) if log.events else 0,
        first_event=_iso(stamps.min()) if log.events else None,
        last_event=_iso(stamps.max()) if log.events else None,
        skipped_events=log.report.skipped,
        activity_counts=mining.activity_counts(log),
        start_activities=mining.start_activities(log),
        end_activities=mining.end_activities(log),
        dfg=tuple(mining.dfg(log)),
        variants=tuple(mining.variants(log)),
        case_duration=mining.summarize(durations),
        edge_bottlenecks=_rows(worst),
        activity_bottlenecks=_rows(activity_bottlenecks(log)),
        department_handoffs=_rows(handoffs(log, GROUP)),
        resource_handoffs=_rows(handoffs(log, RESOURCE)),
        rework_cases=int((rework.get_column("repeats") > 0).sum()) if rework.height else 0,
        service_times=_rows(mining.activity_durations(log)),
        window=window,
        bottleneck_trend=_trend(log, worst, window),
    )

