"""Process-mining benchmark: CivicFlow against pm4py 2.7.23 in the same run.

Measures, on receipt.xes.gz and on synthetic logs made by replicating receipt with new case ids:
- XES import (receipt, and a written XES file of ~1M events);
- DFG + performance DFG + start/end activities + variants, from a loaded log (our sort included).
Each measurement runs in a fresh child process so its peak memory (ru_maxrss) is its own.

    .venv/bin/python benchmarks/mining_bench.py                      # receipt, 1M, 5M
    .venv/bin/python benchmarks/mining_bench.py --sizes receipt,1M --import-sizes receipt

Times are the best of ``--repeat`` runs inside a child, over ``--rounds`` children that
alternate between CivicFlow and pm4py; peak memory is the highest seen.

pm4py is AGPL-3.0 and only ever imported here and in tests, never by src/.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

RECEIPT = Path(__file__).resolve().parents[2] / "shared" / "data" / "logs" / "receipt.xes.gz"
COLUMNS = ["case:concept:name", "concept:name", "time:timestamp", "org:resource", "org:group",
           "lifecycle:transition"]
SIZES = {"receipt": 0, "1M": 1_000_000, "5M": 5_000_000}


def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM, which, unlike ru_maxrss, starts afresh at
    exec rather than at the parent's size)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _best(fn: Any, repeat: int) -> tuple[float, Any]:
    best, result = math.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


# ---------------------------------------------------------------- CivicFlow side (child process)

def _ours_log(size: str) -> Any:
    import polars as pl

    from civicflow.insight.log import EventLog, read_xes

    frame = read_xes(RECEIPT).frame.select(COLUMNS)
    target = SIZES[size]
    if target:
        copies = math.ceil(target / frame.height)
        frame = pl.concat([
            frame.with_columns(pl.col("case:concept:name") + f"-r{k}") for k in range(copies)
        ], rechunk=True)
    # Replicas keep each case's events together, as an XES import of the same log would report.
    return EventLog(frame, grouped=True)


def _ours_mine(size: str, repeat: int) -> dict[str, Any]:
    from civicflow.insight import mining

    log = _ours_log(size)

    def run() -> int:
        ordered = mining.order(log)
        edges = mining.dfg(ordered)  # frequencies and performance in one pass
        mining.start_activities(ordered)
        mining.end_activities(ordered)
        found = mining.variants(ordered)
        return len(edges) + len(found)

    def dfg_only() -> int:
        return len(mining.dfg(log))

    def variants_only() -> int:
        return len(mining.variants(log))

    total, _ = _best(run, repeat)
    dfg_s, _ = _best(dfg_only, repeat)
    var_s, _ = _best(variants_only, repeat)
    return {"events": log.events, "total_s": total, "dfg_perf_s": dfg_s, "variants_s": var_s}


def _ours_import(path: str, repeat: int) -> dict[str, Any]:
    from civicflow.insight.log import read_xes

    seconds, log = _best(lambda: read_xes(path), repeat)
    return {"events": log.events, "import_s": seconds}


# ------------------------------------------------------------------- pm4py side (child process)

def _pm4py() -> Any:
    os.environ.setdefault("TQDM_DISABLE", "1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pm4py
    warnings.simplefilter("ignore")
    return pm4py


def _pm4py_frame(size: str) -> Any:
    import pandas as pd

    pm4py = _pm4py()
    df = pm4py.read_xes(str(RECEIPT), show_progress_bar=False)[COLUMNS]
    target = SIZES[size]
    if target:
        copies = math.ceil(target / len(df))
        df = pd.concat([df.assign(**{"case:concept:name": df["case:concept:name"] + f"-r{k}"})
                        for k in range(copies)], ignore_index=True)
    return df


def _pm4py_mine(size: str, repeat: int) -> dict[str, Any]:
    pm4py = _pm4py()
    df = _pm4py_frame(size)

    def dfg_only() -> int:
        dfg, _, _ = pm4py.discover_dfg(df)
        perf, _, _ = pm4py.discover_performance_dfg(df)
        return len(dfg) + len(perf)

    def variants_only() -> int:
        return len(pm4py.get_variants(df))

    dfg_s, _ = _best(dfg_only, repeat)
    var_s, _ = _best(variants_only, repeat)
    return {"events": len(df), "total_s": dfg_s + var_s, "dfg_perf_s": dfg_s,
            "variants_s": var_s}


def _pm4py_import(path: str, repeat: int) -> dict[str, Any]:
    pm4py = _pm4py()
    seconds, df = _best(lambda: pm4py.read_xes(path, show_progress_bar=False), repeat)
    return {"events": len(df), "import_s": seconds}


# ----------------------------------------------------------------------------- orchestration

def _child(tool: str, task: str, arg: str, repeat: int) -> None:
    table = {("ours", "mine"): _ours_mine, ("pm4py", "mine"): _pm4py_mine,
             ("ours", "import"): _ours_import, ("pm4py", "import"): _pm4py_import}
    result = table[(tool, task)](arg, repeat)
    result["peak_mb"] = _peak_mb()
    sys.stdout.write("RESULT " + json.dumps(result) + "\n")


def _pair(task: str, arg: str, repeat: int, rounds: int) -> tuple[dict[str, Any], ...]:
    """Run CivicFlow and pm4py alternately ``rounds`` times; keep each one's best times.

    Alternating keeps a busy machine from favouring whichever side ran in a quiet moment.
    """
    best: dict[str, dict[str, Any]] = {}
    for _ in range(rounds):
        for tool in ("ours", "pm4py"):
            result = _spawn(tool, task, arg, repeat)
            kept = best.setdefault(tool, result)
            for key, value in result.items():
                if key.endswith("_s"):
                    kept[key] = min(kept[key], value)
                elif key == "peak_mb":
                    kept[key] = max(kept[key], value)
    return best["ours"], best["pm4py"]


def _spawn(tool: str, task: str, arg: str, repeat: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", tool, task, arg, "--repeat", str(repeat)],
        capture_output=True, text=True, check=False,
        env={**os.environ, "TQDM_DISABLE": "1", "PYTHONWARNINGS": "ignore"},
    )
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            parsed: dict[str, Any] = json.loads(line[len("RESULT "):])
            return parsed
    raise RuntimeError(f"{tool} {task} {arg} failed:\n{done.stderr[-3000:]}")


def _write_big_xes(size: str, folder: Path) -> Path:
    import polars as pl

    from civicflow.insight.log import EventLog, read_xes, write_xes

    frame = read_xes(RECEIPT).frame
    copies = math.ceil(SIZES[size] / frame.height)
    big = pl.concat([frame.with_columns(pl.col("case:concept:name") + f"-r{k}")
                     for k in range(copies)])
    path = folder / f"receipt-{size}.xes"
    write_xes(EventLog(big), path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="receipt,1M,5M")
    parser.add_argument("--import-sizes", default="receipt,1M")
    parser.add_argument("--repeat", type=int, default=0, help="best of N (default: by size)")
    parser.add_argument("--rounds", type=int, default=0,
                        help="alternate the two sides N times (default: 3 on receipt, else 1)")
    parser.add_argument("--child", nargs=3, metavar=("TOOL", "TASK", "ARG"))
    args = parser.parse_args()
    if args.child:
        tool, task, arg = args.child
        _child(tool, task, arg, max(1, args.repeat))
        return
    print(f"receipt: {RECEIPT}")
    print(f"{'task':<34}{'events':>10}{'CivicFlow s':>13}{'pm4py s':>10}{'ratio':>8}"
          f"{'CF peak MB':>12}{'pm4py MB':>10}")
    with tempfile.TemporaryDirectory(prefix="civicflow-bench-") as tmp:
        for size in [s for s in args.import_sizes.split(",") if s]:
            path = str(RECEIPT) if size == "receipt" else str(_write_big_xes(size, Path(tmp)))
            repeat = args.repeat or (3 if size == "receipt" else 1)
            rounds = args.rounds or (3 if size == "receipt" else 1)
            ours, peer = _pair("import", path, repeat, rounds)
            _row(f"XES import ({size})", ours, peer, "import_s")
        for size in [s for s in args.sizes.split(",") if s]:
            repeat = args.repeat or (5 if size == "receipt" else 2)
            rounds = args.rounds or (3 if size == "receipt" else 1)
            ours, peer = _pair("mine", size, repeat, rounds)
            _row(f"DFG+perf DFG ({size})", ours, peer, "dfg_perf_s")
            _row(f"variants ({size})", ours, peer, "variants_s")
            _row(f"DFG+perf+start/end+variants ({size})", ours, peer, "total_s")


def _row(name: str, ours: dict[str, Any], peer: dict[str, Any], key: str) -> None:
    ratio = peer[key] / ours[key] if ours[key] else math.inf
    print(f"{name:<34}{ours['events']:>10,}{ours[key]:>13.3f}{peer[key]:>10.3f}{ratio:>7.1f}x"
          f"{ours['peak_mb']:>12.0f}{peer['peak_mb']:>10.0f}", flush=True)


if __name__ == "__main__":
    main()
