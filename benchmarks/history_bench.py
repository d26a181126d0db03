"""Mining the engine's live history: 1M events in PostgreSQL, read and mined end to end.

Fills the ``cf_history`` table of a fresh PostgreSQL schema (migrated like an engine database)
with rows shaped as the engine writes them, then, in a child process, times what
``civicflow mine postgresql+psycopg://...`` does first: ``read_history(url)`` (COPY streamed into
polars) + ordering + DFG with performance + start/end activities + variants; and separately the
whole mining report (``build_report``: durations, rework, bottlenecks, hand-offs, trend).

The rows are receipt.xes.gz replicated with new case ids (uuid-shaped, as the engine's instance
ids) until ``--events`` activity events exist: each receipt event becomes a ``userTask`` history
row (``start``/``end`` kinds from its lifecycle), with its resource as actor and its group as
lane, and every case also gets start- and end-event rows (4 per case) that ``read_history``
leaves out, as the engine's history has them; every row carries a token id. Rows are inserted
in global time order, so cases interleave in id order as on a live engine.

    .venv/bin/python benchmarks/history_bench.py                      # 1M events, PostgreSQL
    .venv/bin/python benchmarks/history_bench.py --events 200000 --repeat 1
    .venv/bin/python benchmarks/history_bench.py --url postgresql+psycopg://u@host/db

The schema is dropped afterwards unless ``--keep``. CPU time is the mining process's own
(``time.process_time``; polars threads included, the PostgreSQL server's not), peak memory its
VmHWM. The machine is shared, so the load average is printed before and after.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

RECEIPT = Path(__file__).resolve().parents[2] / "shared" / "data" / "logs" / "receipt.xes.gz"
UUID_PREFIX = "6c1f0a2e-0000-4000-8000-"
DEFAULT_BASE = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
COPY_COLUMNS = ("instance_id", "process_id", "version", "business_key", "element_id", "name",
                "element_type", "kind", "at", "actor", "lane", "token_id")
TOKEN_PREFIX = "7a0b5c3d-0000-4000-8000-"


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    return math.nan


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# ------------------------------------------------------------------------------ filling

def history_rows(events: int) -> Any:
    """A polars frame of engine history rows with at least ``events`` activity rows."""
    import polars as pl

    from civicflow.insight.log import read_xes

    frame = read_xes(RECEIPT).frame
    group = (pl.col("org:group") if "org:group" in frame.columns
             else pl.lit(None, pl.String))
    base = frame.select(
        pl.col("case:concept:name").alias("case"),
        pl.col("concept:name").alias("name"),
        pl.col("time:timestamp").alias("at"),
        pl.col("org:resource").alias("actor"),
        group.alias("lane"),
        pl.when(pl.col("lifecycle:transition").str.to_lowercase() == "start")
        .then(pl.lit("start")).otherwise(pl.lit("end")).alias("kind"),
    ).with_columns(pl.col("case").rank("dense").cast(pl.Int64).alias("case_no"))
    cases = base["case_no"].n_unique()
    copies = math.ceil(events / base.height)
    replicas = pl.concat([base.with_columns((pl.col("case_no") + k * cases).alias("case_no"))
                          for k in range(copies)])
    activities = replicas.with_columns(
        pl.lit("userTask").alias("element_type"),
        pl.col("name").str.to_lowercase().str.replace_all(r"[^a-z0-9]+", "_").alias("element_id"),
    )
    bounds = activities.group_by("case_no").agg(
        pl.col("at").min().alias("first"), pl.col("at").max().alias("last"))
    around = pl.concat([
        bounds.select("case_no", pl.col(at).alias("at"), pl.lit(eid).alias("element_id"),
                      pl.lit(etype).alias("element_type"), pl.lit(kind).alias("kind"),
                      pl.lit(order).alias("_order"))
        for at, eid, etype, kind, order in (
            ("first", "received", "startEvent", "start", 0),
            ("first", "received", "startEvent", "end", 1),
            ("last", "done", "endEvent", "start", 3),
            ("last", "done", "endEvent", "end", 4),
        )
    ]).with_columns(pl.col("element_id").str.to_titlecase().alias("name"),
                    pl.lit(None, pl.String).alias("actor"), pl.lit(None, pl.String).alias("lane"))
    rows = pl.concat([activities.with_columns(pl.lit(2).alias("_order")).drop("case"), around],
                     how="diagonal_relaxed")
    return rows.with_row_index("_seq").sort("at", "case_no", "_order", "_seq").select(
        # uuid-shaped (36 characters), like the engine's instance ids
        (pl.lit(UUID_PREFIX) + pl.col("case_no").cast(pl.String).str.zfill(12))
        .alias("instance_id"),
        pl.lit("receipt").alias("process_id"),
        pl.lit(1).alias("version"),
        ("R-" + pl.col("case_no").cast(pl.String)).alias("business_key"),
        "element_id", "name", "element_type", "kind",
        pl.col("at").dt.strftime("%Y-%m-%d %H:%M:%S%.6f+00"),
        "actor", "lane",
        # one token per case: receipt's cases run their steps in sequence
        (pl.lit(TOKEN_PREFIX) + pl.col("case_no").cast(pl.String).str.zfill(12)).alias("token_id"),
    )


def fill(url: str, events: int) -> int:
    """Migrate the schema of ``url`` and COPY the history rows in; returns the row count."""
    from civicflow.store.db import connect
    from civicflow.store.migrate import upgrade

    rows = history_rows(events)
    engine = connect(url)
    upgrade(engine)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        statement = f"COPY cf_history ({', '.join(COPY_COLUMNS)}) FROM STDIN (FORMAT csv)"
        with cursor.copy(statement) as copy:
            for start in range(0, rows.height, 200_000):
                buffer = io.BytesIO()
                rows.slice(start, 200_000).write_csv(buffer, include_header=False)
                copy.write(buffer.getvalue())
        raw.commit()
        cursor.execute("ANALYZE cf_history")
        raw.commit()
    finally:
        raw.close()
        engine.dispose()
    return int(rows.height)


# ------------------------------------------------------------------------ measuring (child)

def _proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a local process so far, or NaN if it is not local."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _watch_server_cpu() -> dict[str, float]:
    """Add up the CPU time of each PostgreSQL backend the reader used, read just before its
    connection closes (the server runs on this machine in the benchmark's setting)."""
    from sqlalchemy import event
    from sqlalchemy.pool import Pool

    spent = {"server_cpu_s": 0.0}

    @event.listens_for(Pool, "close")
    def _closing(dbapi_connection: Any, _record: Any) -> None:
        spent["server_cpu_s"] += _proc_cpu(dbapi_connection.info.backend_pid)

    try:  # the ADBC reader's own connection: ask its backend pid just before it closes
        from adbc_driver_manager import dbapi
    except ImportError:
        return spent
    close = dbapi.Connection.close

    def _close(self: Any) -> None:
        with self.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            spent["server_cpu_s"] += _proc_cpu(cursor.fetchone()[0])
        close(self)

    dbapi.Connection.close = _close  # type: ignore[method-assign]
    return spent


def _child(url: str, reader: str) -> None:
    from civicflow.insight import history_arrow, mining
    from civicflow.insight.history import read_history
    from civicflow.insight.report import build_report

    if reader == "copy":  # the fallback when the ADBC driver is not installed
        history_arrow.DRIVER = None
    server = _watch_server_cpu()
    wall, cpu = time.perf_counter(), time.process_time()
    log = read_history(url)
    read_wall, read_cpu = time.perf_counter() - wall, time.process_time() - cpu
    ordered = mining.order(log)
    edges = mining.dfg(ordered)  # frequencies and waiting-time statistics in one pass
    starts, ends = mining.start_activities(ordered), mining.end_activities(ordered)
    found = mining.variants(ordered)
    core_wall, core_cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak_core = _peak_mb()
    wall2, cpu2 = time.perf_counter(), time.process_time()
    report = build_report(log)
    report_wall, report_cpu = time.perf_counter() - wall2, time.process_time() - cpu2
    result = {
        "events": log.events, "cases": log.cases, "edges": len(edges), "variants": len(found),
        "start_activities": len(starts), "end_activities": len(ends),
        "read_s": read_wall, "read_cpu_s": read_cpu, **server,
        "core_s": core_wall, "core_cpu_s": core_cpu, "peak_core_mb": peak_core,
        "report_s": report_wall, "report_cpu_s": report_cpu, "report_cases": report.cases,
        "peak_mb": _peak_mb(),
    }
    sys.stdout.write("RESULT " + json.dumps(result) + "\n")


def _measure(url: str, reader: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, "--child", url, "--reader", reader],
                          capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            parsed: dict[str, Any] = json.loads(line[len("RESULT "):])
            return parsed
    raise RuntimeError(f"mining child failed:\n{done.stderr[-3000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--url", default=DEFAULT_BASE, help="PostgreSQL database (base URL)")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="mining runs (best is kept)")
    parser.add_argument("--keep", action="store_true", help="keep the filled schema")
    parser.add_argument("--schema", help="use (and keep) this schema; filled only if it is new")
    parser.add_argument("--reader", choices=("arrow", "copy", "both"), default="arrow",
                        help="ADBC (Arrow), the text-COPY fallback, or both alternately")
    parser.add_argument("--child", metavar="URL")
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.reader)
        return
    import sqlalchemy as sa

    schema = args.schema or f"cf_bench_history_{os.getpid()}"
    admin = sa.create_engine(args.url)
    with admin.begin() as conn:
        exists = conn.exec_driver_sql(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = %(s)s "
            "AND table_name = 'cf_history'", {"s": schema}).first() is not None
        if not exists:
            conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    url = f"{args.url}?options=-csearch_path%3D{schema}"
    keep = args.keep or args.schema is not None
    try:
        if exists:
            print(f"reusing {schema}.cf_history; load average {_load()}", flush=True)
        else:
            began = time.perf_counter()
            total = fill(url, args.events)
            print(f"filled {schema}.cf_history with {total:,} rows in "
                  f"{time.perf_counter() - began:.1f} s; load average {_load()}", flush=True)
        readers = ("copy", "arrow") if args.reader == "both" else (args.reader,)
        best: dict[str, Any] = {}
        for run in range(args.repeat):
            for reader in readers:
                result = _measure(url, reader)
                print(f"run {run + 1} {reader}: read {result['read_s']:.2f} s (CPU "
                      f"{result['read_cpu_s']:.2f} s here + {result['server_cpu_s']:.2f} s "
                      f"server), read+DFG+perf+variants {result['core_s']:.2f} s (CPU "
                      f"{result['core_cpu_s']:.2f} s), full report {result['report_s']:.2f} s, "
                      f"peak {result['peak_mb']:.0f} MB; load {_load()}", flush=True)
                if reader == readers[-1] and (not best or result["core_s"] < best["core_s"]):
                    best = result
        print(json.dumps(best, indent=2))
    finally:
        if not keep:
            with admin.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


if __name__ == "__main__":
    main()
