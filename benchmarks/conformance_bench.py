"""Conformance and discovery benchmark: CivicFlow against pm4py 2.7.23 in the same run.

On receipt.xes.gz and on receipt replicated with new case ids (``--copies``):
- discovery: CivicFlow's inductive miner to BPMN vs ``pm4py.discover_bpmn_inductive``;
- replay: token-based replay fitness of the log on one BPMN file (the model discovered from
  receipt's ten most frequent variants, so deviations occur), each side reading the file with its
  own importer and translation: ``parse_bpmn`` + ``replay`` vs ``read_bpmn`` +
  ``convert_to_petri_net`` + ``fitness_token_based_replay``.

    .venv/bin/python benchmarks/conformance_bench.py            # receipt and receipt x10
    .venv/bin/python benchmarks/conformance_bench.py --copies 1 --repeat 5

Logs are loaded before timing (import is mining_bench.py's subject). Times are the best of
``--repeat`` runs. pm4py is AGPL-3.0 and only ever imported here and in tests, never by src/.
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

RECEIPT = Path(__file__).resolve().parents[2] / "shared" / "data" / "logs" / "receipt.xes.gz"


def _best(fn: Any, repeat: int) -> tuple[float, Any]:
    best, result = math.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, nargs="*", default=[1, 10],
                        help="log sizes as copies of receipt (1 = receipt itself)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import polars as pl

    from civicflow.insight import filters, mining
    from civicflow.insight.conformance import replay
    from civicflow.insight.discovery import discover_bpmn
    from civicflow.insight.log import EventLog, read_xes
    from civicflow.model import parse_bpmn, write_bpmn

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pandas as pd
        import pm4py

    receipt = read_xes(RECEIPT)
    top = [v.activities for v in mining.variants(receipt)[:10]]
    model = Path(tempfile.mkdtemp()) / "receipt-top10.bpmn"
    write_bpmn(discover_bpmn(filters.variants(receipt, top)), model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        receipt_df = pm4py.read_xes(str(RECEIPT), show_progress_bar=False)

    print(f"{'log':<14}{'events':>9}  {'task':<10}{'CivicFlow s':>12}{'pm4py s':>10}"
          f"{'ratio':>8}  fitness (ours / pm4py)")
    for copies in args.copies:
        frame = receipt.frame
        df = receipt_df
        if copies > 1:
            frame = pl.concat([frame.with_columns(pl.col("case:concept:name") + f"-r{k}")
                               for k in range(copies)], rechunk=True)
            df = pd.concat([receipt_df.assign(**{"case:concept:name":
                                                 receipt_df["case:concept:name"] + f"-r{k}"})
                            for k in range(copies)], ignore_index=True)
        log = EventLog(frame)
        name = "receipt" if copies == 1 else f"receipt x{copies}"

        ours_d, _ = _best(lambda log=log: discover_bpmn(log), args.repeat)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs_d, _ = _best(lambda df=df: pm4py.discover_bpmn_inductive(df), args.repeat)
        print(f"{name:<14}{log.events:>9,}  {'discovery':<10}{ours_d:>12.3f}{theirs_d:>10.3f}"
              f"{theirs_d / ours_d:>7.1f}x")

        ours_r, result = _best(lambda log=log: replay(log, parse_bpmn(model)), args.repeat)

        def pm4py_replay(df: Any = df) -> float:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                net, im, fm = pm4py.convert_to_petri_net(pm4py.read_bpmn(str(model)))
                return float(pm4py.fitness_token_based_replay(df, net, im, fm)["log_fitness"])

        theirs_r, fitness = _best(pm4py_replay, args.repeat)
        print(f"{name:<14}{log.events:>9,}  {'replay':<10}{ours_r:>12.3f}{theirs_r:>10.3f}"
              f"{theirs_r / ours_r:>7.1f}x  {result.fitness:.4f} / {fitness:.4f}")


if __name__ == "__main__":
    main()
