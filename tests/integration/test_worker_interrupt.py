"""Ctrl-C on ``civicflow worker --concurrency 2`` stops every worker process quietly, exit 0.

The terminal sends SIGINT to the whole process group: the parent and each worker process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def test_ctrl_c_stops_all_worker_processes_without_a_traceback(tmp_path: Path) -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(__file__).parent) + os.pathsep + env.get("PYTHONPATH", "")
    env["READY_MARKER_DIR"] = str(tmp_path)
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "civicflow"), "worker", "--concurrency", "2",
         "--handlers", "ready_marker_handlers", "--database", f"sqlite:///{tmp_path / 'w.db'}"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while len(list(tmp_path.glob("*.ready"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(list(tmp_path.glob("*.ready"))) == 2
        os.killpg(proc.pid, signal.SIGINT)
        output, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 0
    assert b"Traceback" not in output
    assert b"KeyboardInterrupt" not in output
