"""Property: whatever the log, the inductive miner's model replays it with fitness 1.0."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from civicflow.insight.discovery import mine_traces
from civicflow.insight.discovery_bpmn import tree_to_bpmn
from civicflow.insight.petri import workflow_net
from civicflow.insight.replay import Replayer

traces = st.lists(
    st.lists(st.sampled_from("abcde"), min_size=0, max_size=7).map(tuple),
    min_size=1, max_size=8,
)


@settings(max_examples=80, deadline=None)
@given(traces)
def test_the_discovered_model_replays_every_trace_of_its_log(log: list[tuple[str, ...]]) -> None:
    model = tree_to_bpmn(mine_traces(Counter(log)))
    replayer = Replayer(workflow_net(model))
    for trace in set(log):
        result = replayer.replay(trace)
        assert (result.missing, result.remaining) == (0, 0), trace
