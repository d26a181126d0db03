"""Every process of the shared reference models becomes a workflow net that can be replayed."""

from __future__ import annotations

from pathlib import Path

import pytest

from civicflow.insight.petri import activity_key, workflow_net
from civicflow.insight.replay import Replayer
from civicflow.model import Activity, parse_bpmn

BPMN = Path(__file__).resolve().parents[4] / "shared" / "data" / "bpmn"
FILES = sorted(BPMN.rglob("*.bpmn")) if BPMN.is_dir() else []


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_each_process_translates_and_replays_its_first_activity(path: Path) -> None:
    definitions = parse_bpmn(path)
    for process in definitions.processes:
        net = workflow_net(definitions, process.id)
        tasks = {activity_key(n.name or n.id) for n in process.walk() if isinstance(n, Activity)}
        assert net.labels <= tasks
        assert net.places[net.source] == "source"
        for label in sorted(net.labels)[:1]:
            result = Replayer(net).replay([label])
            assert 0.0 <= result.fitness <= 1.0
            assert result.produced > 0


def test_the_reference_permit_process_replays_both_routes_and_both_orders() -> None:
    path = BPMN / "reference_permit.bpmn"
    if not path.is_file():
        pytest.skip("shared data not present")
    replayer = Replayer(workflow_net(parse_bpmn(path)))
    fitting = [
        ["Register application", "Review application", "Calculate fee", "Prepare notice",
         "Approve permit"],
        ["Register application", "Check registry (service)", "Prepare notice", "Calculate fee",
         "Approve permit"],
    ]
    for trace in fitting:
        assert replayer.replay(trace).fitness == 1.0
    both_routes = ["Register application", "Review application", "Check registry (service)",
                   "Calculate fee", "Prepare notice", "Approve permit"]
    assert replayer.replay(both_routes).fitness < 1.0
