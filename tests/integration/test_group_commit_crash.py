"""A process whose threads share one ``Engine`` (and so share commits) is killed with SIGKILL:
every command it acknowledged (the call returned) is in the database afterwards."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

import pytest

from civicflow.testing import bpmn, chain

pytestmark = pytest.mark.slow

USER_TASK = bpmn('<bpmn:startEvent id="s"/><bpmn:userTask id="t"/><bpmn:endEvent id="e"/>'
                 + chain("s", "t", "e"))

CHILD = """
import sys, threading
from civicflow import Engine

engine = Engine.open(sys.argv[1], migrate=False)
out = threading.Lock()

def say(line):
    with out:
        sys.stdout.write(line + "\\n")
        sys.stdout.flush()

def drive(worker):
    for n in range(100000):
        inst = engine.start("p", business_key=f"{worker}-{n}")
        say(f"started {inst.id}")
        task = engine.tasks(instance_id=inst.id)[0]
        engine.complete(task.id, actor="clerk")
        say(f"completed {inst.id}")

for w in range(8):
    threading.Thread(target=drive, args=(w,), daemon=True).start()
threading.Event().wait()
"""


def test_a_killed_process_loses_no_acknowledged_command(database_url: str, clock: Any) -> None:
    from civicflow import Engine

    engine = Engine.open(database_url, clock=clock, migrate=False)
    engine.deploy(USER_TASK)
    child = subprocess.Popen([sys.executable, "-c", CHILD, database_url],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    acknowledged: list[str] = []
    try:
        assert child.stdout is not None
        deadline = time.monotonic() + 120
        while len(acknowledged) < 60 and time.monotonic() < deadline:
            line = child.stdout.readline().decode()
            if not line:
                break
            acknowledged.append(line.strip())
        os.kill(child.pid, signal.SIGKILL)
        rest, err = child.communicate(timeout=30)
        acknowledged += [line for line in rest.decode().splitlines() if line]
        assert len(acknowledged) >= 60, err.decode()[-2000:]
        started = {line.split()[1] for line in acknowledged if line.startswith("started")}
        completed = {line.split()[1] for line in acknowledged if line.startswith("completed")}
        assert len(started) >= 30
        for inst_id in started:  # NotFoundError if an acknowledged start was lost
            assert engine.instance(inst_id).id == inst_id
        for inst_id in completed:
            assert engine.instance(inst_id).state == "completed"
            ends = [h for h in engine.history(inst_id) if h.element_id == "t"
                    and h.kind == "end"]
            assert len(ends) == 1
    finally:
        if child.poll() is None:
            child.kill()
        engine.close()
