"""Parse time per BPMN file: CivicFlow's importer vs SpiffWorkflow's BPMN parser, same run.

CivicFlow: ``parse_bpmn`` imports the whole file (processes, collaborations, DI, extensions);
the "no DI" column is ``parse_bpmn(..., include_diagrams=False)``, what an engine's deploy
needs (SpiffWorkflow does not read DI either).
SpiffWorkflow 3.2.0 (benchmark-only dependency, LGPL): ``BpmnParser.add_bpmn_str`` then
``find_all_specs``, what an application calls before it can run anything. Spiff skips processes
marked non-executable and refuses many descriptive models; such rows are marked, and for a file
Spiff refuses only its loading step is timed (it does far less work than our full import).

Because the largest reference files are ones Spiff refuses, the benchmark adds a fair large
file: the Spiff variant of the reference permit process repeated 24 times (240 KB, 24 processes,
24 diagrams), which Spiff parses completely.

Runs are interleaved (CivicFlow, Spiff, CivicFlow, ...) so that load on a shared machine hits
both alike; times are medians of CPU time per parse.

Run: make bench, or .venv/bin/python benchmarks/parse_bench.py [--repeat N]
"""

from __future__ import annotations

import argparse
import gc
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from civicflow.model import parse_bpmn

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "bpmn"
COPIES = 24  #: copies of the permit process in the synthetic large file

_REF_ATTR = re.compile(r'\b(id|sourceRef|targetRef|bpmnElement|default|attachedToRef)="([^"]+)"')
_REF_TEXT = re.compile(r"(<bpmn:(?:incoming|outgoing)>)([^<]+)(</bpmn:(?:incoming|outgoing)>)")


def _suffixed(block: str, suffix: str) -> str:
    block = _REF_ATTR.sub(lambda m: f'{m.group(1)}="{m.group(2)}{suffix}"', block)
    return _REF_TEXT.sub(lambda m: f"{m.group(1)}{m.group(2)}{suffix}{m.group(3)}", block)


def synthetic_large(spiff_permit: str, copies: int = COPIES) -> bytes:
    """The Spiff reference permit process repeated ``copies`` times, each with its diagram."""
    process = re.search(r"  <bpmn:process .*?</bpmn:process>\n", spiff_permit, re.S)
    diagram = re.search(r"  <bpmndi:BPMNDiagram .*?</bpmndi:BPMNDiagram>\n", spiff_permit, re.S)
    assert process is not None
    assert diagram is not None
    head = spiff_permit[: process.start()]
    body = "".join(_suffixed(process.group(0), f"_{k}") for k in range(copies))
    drawings = "".join(_suffixed(diagram.group(0), f"_{k}") for k in range(copies))
    return (head + body + drawings + "</bpmn:definitions>\n").encode()


@dataclass
class Row:
    name: str
    size: int
    ours_ms: float
    ours_no_di_ms: float
    spiff_ms: float
    note: str

    @property
    def ratio(self) -> float:
        return self.spiff_ms / self.ours_ms


def _spiff_call(data: bytes, name: str) -> tuple[Callable[[], object], str]:
    """The SpiffWorkflow call to time for this file, and a note on what Spiff could do."""
    from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser

    def full() -> object:
        parser = BpmnParser()
        parser.add_bpmn_str(data, name)
        return parser.find_all_specs()

    def load_only() -> object:
        parser = BpmnParser()
        parser.add_bpmn_str(data, name)
        return parser

    try:
        specs = full()
    except Exception as exc:  # Spiff refuses many descriptive models; say so, time what it can
        try:
            load_only()
        except Exception as load_exc:
            return (lambda: None), f"Spiff cannot load it ({type(load_exc).__name__})"
        return load_only, f"Spiff builds no spec ({type(exc).__name__}); load step only"
    if not specs:
        return full, "Spiff skips it (no executable process)"
    return full, f"Spiff builds {len(specs)} spec(s)"


def _measure(name: str, data: bytes, repeat: int) -> Row:
    spiff, note = _spiff_call(data, name)
    parse_bpmn(data)
    ours: list[float] = []
    lean: list[float] = []
    theirs: list[float] = []
    gc.collect()
    for _ in range(repeat):
        start = time.process_time()
        parse_bpmn(data)
        ours.append(time.process_time() - start)
        start = time.process_time()
        parse_bpmn(data, include_diagrams=False)
        lean.append(time.process_time() - start)
        start = time.process_time()
        spiff()
        theirs.append(time.process_time() - start)
    if note.startswith("Spiff cannot"):
        theirs = [float("nan")]
    ms = [statistics.median(times) * 1000 for times in (ours, lean, theirs)]
    return Row(name, len(data), ms[0], ms[1], ms[2], note)


def main() -> int:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--repeat", type=int, default=40, help="timed runs per file")
    args = arguments.parse_args()
    permit_spiff = SHARED / "reference_permit_spiff.bpmn"
    if not permit_spiff.exists():
        print(f"{SHARED} not found; nothing to measure")
        return 0
    files = [*sorted((SHARED / "miwg-reference").glob("*.bpmn"))]
    files += [SHARED / "reference_permit.bpmn", permit_spiff]
    inputs = [(p.name, p.read_bytes()) for p in files]
    inputs.append((f"permit_spiff x{COPIES}", synthetic_large(permit_spiff.read_text())))

    print(
        f"{'file':24}{'KB':>7}{'CivicFlow':>11}{'no DI':>10}{'Spiff':>10}"
        f"{'Spiff/CF':>10}{'/no DI':>8}  what Spiff did"
    )
    rows = []
    for name, data in inputs:
        row = _measure(name, data, args.repeat)
        rows.append(row)
        print(
            f"{row.name:24}{row.size / 1024:7.1f}{row.ours_ms:9.2f}ms{row.ours_no_di_ms:8.2f}ms"
            f"{row.spiff_ms:8.2f}ms{row.ratio:9.1f}x{row.spiff_ms / row.ours_no_di_ms:7.1f}x"
            f"  {row.note}"
        )

    full = [r for r in rows if "builds" in r.note and "no spec" not in r.note]
    print(f"\nFiles Spiff parses completely: {len(full)}")
    for row in full:
        print(
            f"  {row.name}: {row.ratio:.1f}x faster ({row.ours_ms:.2f} ms vs "
            f"{row.spiff_ms:.2f} ms); without DI {row.spiff_ms / row.ours_no_di_ms:.1f}x"
        )
    large = rows[-1]
    verdict = "meets" if large.ratio >= 3 else "MISSES"
    print(
        f"Largest file Spiff parses ({large.name}, {large.size / 1024:.0f} KB): "
        f"{large.ratio:.1f}x with DI, {large.spiff_ms / large.ours_no_di_ms:.1f}x without; "
        f"full import {verdict} the 3x aim"
    )
    c80 = next(r for r in rows if r.name == "C.8.0.bpmn")
    verdict = "meets" if c80.ours_ms < 50 else "MISSES"
    print(
        f"C.8.0 ({c80.size / 1024:.0f} KB) imported in {c80.ours_ms:.1f} ms: "
        f"{verdict} the 50 ms aim"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
