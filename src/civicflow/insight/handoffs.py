"""Hand-offs: where a case passes from one department (or person) to another, and how long the
crossing waits. This is the handover-of-work network of process mining, measured on consecutive
events of a case whose ``org:group`` (or ``org:resource``) differs.
"""

from __future__ import annotations

import polars as pl

from civicflow.insight.frame import GROUP, EventLog
from civicflow.insight.mining import CASE_ID_KEY, WAIT, transitions


def handoffs(log: EventLog, by: str = GROUP) -> pl.DataFrame:
    """Crossings between values of ``by`` (``org:group`` or ``org:resource``), most waiting first.

    Columns: source, target (the two departments or resources), count, cases, total_wait_s,
    mean_s, median_s. Events without a value in ``by`` do not count as a crossing. Empty when the
    log has no such column.
    """
    schema = {"source": pl.String, "target": pl.String, "count": pl.UInt32, "cases": pl.UInt32,
              "total_wait_s": pl.Float64, "mean_s": pl.Float64, "median_s": pl.Float64}
    if by not in log.frame.columns:
        return pl.DataFrame(schema=schema)
    pairs = transitions(log, by).select(
        CASE_ID_KEY, WAIT, pl.col(by).cast(pl.String).alias("from"),
        pl.col(f"next:{by}").cast(pl.String).alias("to"),
    )
    crossing = pairs.filter(
        pl.col("from").is_not_null() & pl.col("to").is_not_null() & (pl.col("from") != pl.col("to"))
    )
    return (
        crossing.group_by([pl.col("from").alias("source"), pl.col("to").alias("target")])
        .agg(
            pl.len().alias("count"),
            pl.col(CASE_ID_KEY).n_unique().alias("cases"),
            pl.col(WAIT).sum().alias("total_wait_s"),
            pl.col(WAIT).mean().alias("mean_s"),
            pl.col(WAIT).median().alias("median_s"),
        )
        .sort(["total_wait_s", "count", "source", "target"],
              descending=[True, True, False, False])
        .cast(schema)  # type: ignore[arg-type]
    )
