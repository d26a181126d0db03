"""Activity instances from lifecycle events: one row per performed activity, with the time its
work started and the time it completed (an *interval log*, as pm4py calls it).

A log with ``schedule``/``start``/``complete`` events per activity (the engine's history, and
many exports) mined event by event puts an edge from every activity to itself, whose waiting
time is the activity's own queue and work. Folded into activity instances, the directly-follows
graph links one activity to the next and an edge's waiting time is from the completion of one to
the start of work on the next: the time a case waited in the receiving department's queue.
``civicflow mine`` reads an engine database this way by default (decision 0304).
"""

from __future__ import annotations

import polars as pl

from civicflow.insight.frame import ACTIVITY, CASE, LIFECYCLE, TIMESTAMP, EventLog

START = "start_timestamp"  #: when work on the activity instance started (pm4py's column name)
SCHEDULED = "cf:schedule_timestamp"  #: its first event: when it was scheduled (queued)

#: XES lifecycle transitions that end an activity instance.
TERMINAL = ("complete", "ate_abort", "pi_abort", "withdraw", "manualskip", "autoskip")
#: The column that tells apart parallel instances of one activity in a case, when the log has it.
INSTANCE_COLUMNS = ("cf:token_id",)


def is_interval_log(log: EventLog) -> bool:
    """True when each row is an activity instance with a work start (``start_timestamp``)."""
    return START in log.frame.columns


def to_intervals(log: EventLog) -> EventLog:
    """One row per activity instance that ended; instances still open are left out.

    The events of an activity in a case (and engine token, when known) up to and including a
    terminal event (``complete``, ``ate_abort``...) form one instance. The row keeps the terminal
    event's columns (``time:timestamp`` is the completion, ``org:resource`` who completed it)
    and adds ``start_timestamp``, the first ``start`` event (work started; for a task nobody
    claimed, its first event, so queue and work count as the activity's own time) and
    ``cf:schedule_timestamp``, its first event. Rows are ordered by case, then work start.
    Events without a lifecycle count as complete (a log of completions stays as it is).
    """
    frame = log.frame
    if is_interval_log(log):
        return log
    life = (pl.col(LIFECYCLE).cast(pl.String).str.to_lowercase().fill_null("complete")
            if LIFECYCLE in frame.columns else pl.lit("complete"))
    # integer keys hash and sort faster than strings: the run number of a case whose events
    # are together (the engine's history, XES files), else a categorical code
    case_key = (pl.col(CASE).rle_id() if log.grouped
                else pl.col(CASE).cast(pl.Categorical).to_physical()).alias("@@case")
    keys = {"@@case": case_key}
    for name in (ACTIVITY, *[c for c in INSTANCE_COLUMNS if c in frame.columns]):
        keys[f"@@{name}"] = pl.col(name).cast(pl.Categorical).to_physical().alias(f"@@{name}")
    # each activity's events in a row, in time order: an instance runs up to a terminal event
    marked = (
        frame.with_row_index("@@row")
        .with_columns(*keys.values(), life.is_in(TERMINAL).alias("@@end"),
                      (life == "start").alias("@@start"))
        .sort([*keys, TIMESTAMP, "@@row"])
    )
    changed = pl.any_horizontal(pl.col(k).ne_missing(pl.col(k).shift(1)) for k in keys)
    begins = (changed | pl.col("@@end").shift(1)).fill_null(True)
    grouped = (
        marked.with_columns(begins.cum_sum().alias("@@instance"))
        .group_by("@@instance", maintain_order=True)
        .agg(
            pl.col("@@end").last().alias("@@ended"),
            pl.col(TIMESTAMP).filter(pl.col("@@start")).first()
            .fill_null(pl.col(TIMESTAMP).first()).alias(START),
            pl.col(TIMESTAMP).first().alias(SCHEDULED),
            pl.col("@@case").first(),
            pl.col("@@row").last(),
            *[pl.col(c).last() for c in frame.columns],
        )
        .filter(pl.col("@@ended"))
        .sort(["@@case", START, TIMESTAMP, "@@row"])  # ties: in the order they were logged
        .select(*frame.columns, START, SCHEDULED)
    )
    return EventLog(grouped, log.attributes, log.report, grouped=True)
