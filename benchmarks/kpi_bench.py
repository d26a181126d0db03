"""KPI computation vs pm4py on receipt and on receipt replicated with new case ids.

Measures the figures both can produce: case durations (cycle-time percentiles) and the share of
cases without a repeated activity (first-time-right, from pm4py's variants). pm4py is the peer
(AGPL, benchmark-only). Run: ``.venv/bin/python benchmarks/kpi_bench.py [copies ...]``.
"""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from civicflow.calendar import BusinessCalendar
from civicflow.insight.kpi import (
    Direction,
    KpiDefinition,
    KpiKind,
    KpiSet,
    Statistic,
    TimeUnit,
    compute_kpis,
    prepare_event_frame,
)

RECEIPT = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "logs" / "receipt.xes.gz"
COLUMNS = ("case:concept:name", "concept:name", "time:timestamp", "org:group", "case:department")

KPIS = KpiSet(
    kpis=(
        KpiDefinition(
            "ct50",
            "ct50",
            KpiKind.CYCLE_TIME,
            Direction.LOWER,
            None,
            TimeUnit.HOURS,
            Statistic(50),
        ),
        KpiDefinition(
            "ct90",
            "ct90",
            KpiKind.CYCLE_TIME,
            Direction.LOWER,
            None,
            TimeUnit.HOURS,
            Statistic(90),
        ),
        KpiDefinition("ftr", "ftr", KpiKind.FIRST_TIME_RIGHT, Direction.HIGHER),
    ),
    calendar=BusinessCalendar(timezone="Europe/Amsterdam", country="NL"),
)


def timed(action: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - started)
    return best, result


def replicate(log: Any, copies: int) -> Any:
    import pandas as pd

    parts = []
    for copy in range(copies):
        part = log.copy()
        part["case:concept:name"] = part["case:concept:name"] + f"#{copy}"
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def to_frame(log: Any) -> pl.DataFrame:
    data: dict[str, list[Any]] = {}
    for column in COLUMNS:
        series = log[column]
        if column == "time:timestamp":
            data[column] = list(series.dt.to_pydatetime())
        else:
            data[column] = [None if value != value else value for value in series.tolist()]
    return prepare_event_frame(pl.DataFrame(data))


def ours(frame: pl.DataFrame) -> tuple[float, float, float]:
    values = [r.value for r in compute_kpis(frame, KPIS).results]
    return values[0], values[1], values[2]


def peer(pm4py: Any, log: Any) -> tuple[float, float, float]:
    seconds = np.asarray(pm4py.get_all_case_durations(log), dtype=float) / 3600
    variants = pm4py.get_variants(log)
    clean = sum(n for trace, n in variants.items() if len(set(trace)) == len(trace))
    p50, p90 = np.percentile(seconds, [50, 90])
    return float(p50), float(p90), clean / sum(variants.values())


def main(copies_list: list[int]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pm4py

        base = pm4py.read_xes(str(RECEIPT))
    print(f"{'log':>22} {'events':>9} {'civicflow s':>12} {'pm4py s':>9} {'ratio':>7}")
    for copies in copies_list:
        log = replicate(base, copies) if copies > 1 else base
        frame = to_frame(log)
        ours_s, ours_values = timed(lambda frame=frame: ours(frame))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            peer_s, peer_values = timed(lambda log=log: peer(pm4py, log))
        assert np.allclose(ours_values, peer_values, rtol=1e-9), (ours_values, peer_values)
        name = "receipt" if copies == 1 else f"receipt x{copies}"
        print(
            f"{name:>22} {frame.height:>9} {ours_s:>12.3f} {peer_s:>9.3f} {peer_s / ours_s:>6.1f}x"
        )


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [1, 10, 100])
