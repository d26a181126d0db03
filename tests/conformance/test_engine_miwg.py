"""The OMG MIWG reference models on the engine: each deploys, or is refused with a message that
names the element to change; the executable ones start and run."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from civicflow import Engine
from civicflow.engine.errors import DeploymentError

MIWG = Path(__file__).parents[2].parent / "shared" / "data" / "bpmn" / "miwg-reference"
FILES = sorted(MIWG.glob("*.bpmn"))


@pytest.fixture(scope="module")
def shared_engine() -> Iterator[Any]:
    engine = Engine.open()
    yield engine
    engine.close()


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_miwg_model_deploys_or_is_refused_naming_what_to_change(path: Path,
                                                                shared_engine: Any) -> None:
    try:
        deployed = shared_engine.deploy(path)
    except DeploymentError as exc:
        message = str(exc)
        quoted = re.findall(r"'([^']+)'", message)
        names_an_element = any(f'id="{q}"' in path.read_text(encoding="utf-8") for q in quoted)
        assert names_an_element or "no executable process" in message, message
        return
    assert deployed
    assert all(d.process_id for d in deployed)


def _drive(engine: Any, instance_id: str) -> None:
    for _ in range(50):
        for job in engine.jobs(instance_id=instance_id):
            if job.type != "timer":
                engine.register_handler(job.type, lambda job: {})
        engine.run_due_jobs()
        tasks = engine.tasks(instance_id=instance_id)
        if not tasks:
            return
        engine.complete(tasks[0].id, {})


@pytest.mark.skipif(not FILES, reason="MIWG reference models not present")
def test_executable_miwg_collaboration_c_5_0_runs_its_processes() -> None:
    engine = Engine.open()
    deployed = engine.deploy(MIWG / "C.5.0.bpmn")
    assert len(deployed) == 2
    states = []
    for d in deployed:
        inst = engine.start(d.process_id)
        _drive(engine, inst.id)
        after = engine.instance(inst.id)
        assert after.incidents == ()
        states.append(after.state)
        assert len(engine.history(inst.id)) > 2
    assert "completed" in states
    engine.close()
