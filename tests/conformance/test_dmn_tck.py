"""The DMN TCK (compliance levels 2 and 3 in ../shared/data/dmn-tck) as a ratchet.

The pass count may only go up: raise ``PASSED_AT_LEAST`` when conformance improves. Every
failing result is listed with its reason in docs/dmn-conformance.md.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from civicflow.dmn.tck import run

TCK = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "dmn-tck"
PASSED_AT_LEAST = 978
RESULTS_AT_LEAST = 978  # result nodes in the kit; fewer means cases were not found

pytestmark = pytest.mark.skipif(not TCK.is_dir(), reason="the shared DMN TCK data is absent")


def test_tck_pass_count_does_not_drop_below_the_recorded_level() -> None:
    report = run([TCK])
    assert len(report.outcomes) >= RESULTS_AT_LEAST
    assert report.passed >= PASSED_AT_LEAST, (
        f"{report.summary()}: conformance dropped below {PASSED_AT_LEAST}; first failures:\n"
        + "\n".join(f"{o.file} {o.case} {o.result}: expected {o.expected}, actual {o.actual}"
                    f" {o.note}" for o in report.outcomes if not o.passed)[:4000]
    )


def test_tck_runner_command_ends_with_the_summary_line() -> None:
    folder = TCK / "compliance-level-2" / "0004-simpletable-U"
    completed = subprocess.run(
        [sys.executable, "-m", "civicflow.dmn.tck", str(folder)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    last = completed.stdout.strip().splitlines()[-1]
    match = re.fullmatch(r"(\d+) passed, (\d+) failed", last)
    assert match is not None, last
    assert int(match[1]) + int(match[2]) == 3  # the folder's three expected results


def test_tck_runner_without_paths_is_a_usage_error() -> None:
    completed = subprocess.run([sys.executable, "-m", "civicflow.dmn.tck"],
                               capture_output=True, text=True, timeout=60, check=False)
    assert completed.returncode == 2
    assert "usage" in completed.stderr
