"""Parse time per BPMN reference file: CivicFlow's importer (SpiffWorkflow comparison to follow).

Run: .venv/bin/python benchmarks/parse_bench.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from civicflow.model import parse_bpmn

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "bpmn"


def _median_ms(path: Path, repeat: int = 20) -> float:
    data = path.read_bytes()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        parse_bpmn(data)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> int:
    files = [*sorted((SHARED / "miwg-reference").glob("*.bpmn")), SHARED / "reference_permit.bpmn"]
    if not files[0].exists():
        print("../shared/data/bpmn not found; nothing to measure")
        return 0
    for path in files:
        print(f"{path.name:28} {path.stat().st_size / 1024:8.1f} KB {_median_ms(path):8.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
