"""CivicFlow's mining figures agree with pm4py 2.7.23 (the test-time oracle) on public logs.

pm4py is AGPL-3.0: it is imported here, in tests, and never by ``src/``. It prints a licence
banner and warns on import; those warnings are silenced for this module only.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest

from civicflow.insight import mining
from civicflow.insight.log import EventLog, read_xes, write_ocel2_json, write_xes

pytestmark = [
    pytest.mark.filterwarnings("ignore::UserWarning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
]

LOGS = Path(__file__).resolve().parents[3] / "shared" / "data" / "logs"
NAMES = ["running-example.xes", "receipt.xes.gz", "roadtraffic100traces.xes"]


@pytest.fixture(scope="module")
def pm4py() -> Any:
    """The oracle, imported quietly."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pytest.importorskip("pm4py")


@pytest.fixture(scope="module", params=NAMES)
def pair(request: pytest.FixtureRequest, pm4py: Any) -> tuple[EventLog, Any]:
    """The same log read by CivicFlow and by pm4py."""
    path = LOGS / request.param
    if not path.is_file():
        pytest.skip(f"{path} not present")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = pm4py.read_xes(str(path), show_progress_bar=False)
    return read_xes(path), frame


def test_dfg_edge_counts_match_pm4py(pair: tuple[EventLog, Any], pm4py: Any) -> None:
    log, df = pair
    dfg, _, _ = pm4py.discover_dfg(df)
    assert {(e.source, e.target): e.count for e in mining.dfg(log)} == dict(dfg)


def test_start_and_end_activities_match_pm4py(pair: tuple[EventLog, Any], pm4py: Any) -> None:
    log, df = pair
    _, starts, ends = pm4py.discover_dfg(df)
    assert mining.start_activities(log) == dict(starts)
    assert mining.end_activities(log) == dict(ends)


def test_performance_dfg_matches_pm4py_within_1e_9(
    pair: tuple[EventLog, Any], pm4py: Any
) -> None:
    log, df = pair
    perf, _, _ = pm4py.discover_performance_dfg(df)
    edges = mining.dfg(log)
    assert {(e.source, e.target) for e in edges} == set(perf)
    for edge in edges:
        expected = perf[(edge.source, edge.target)]
        assert edge.mean_s == pytest.approx(expected["mean"], rel=1e-9, abs=1e-9)
        assert edge.median_s == pytest.approx(expected["median"], rel=1e-9, abs=1e-9)


def test_variant_counts_match_pm4py(pair: tuple[EventLog, Any], pm4py: Any) -> None:
    log, df = pair
    expected = {tuple(k): v for k, v in pm4py.get_variants(df).items()}
    ours = mining.variants(log)
    assert {v.activities: v.count for v in ours} == expected
    assert [v.count for v in ours] == sorted((v.count for v in ours), reverse=True)


def test_case_durations_match_pm4py(pair: tuple[EventLog, Any], pm4py: Any) -> None:
    log, df = pair
    expected = sorted(pm4py.get_all_case_durations(df))
    ours = sorted(mining.case_durations(log).get_column("duration_s").to_list())
    assert ours == pytest.approx(expected, rel=1e-12, abs=1e-6)


def test_pm4py_reads_our_xes_export_with_the_same_dfg(
    pair: tuple[EventLog, Any], pm4py: Any, tmp_path: Path
) -> None:
    log, df = pair
    target = tmp_path / "export.xes"
    write_xes(log, target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again = pm4py.read_xes(str(target), show_progress_bar=False)
    assert len(again) == len(df)
    assert dict(pm4py.discover_dfg(again)[0]) == dict(pm4py.discover_dfg(df)[0])
    assert set(again.columns) == set(df.columns)


def test_pm4py_reads_our_ocel2_export_with_every_event_and_case(
    pair: tuple[EventLog, Any], pm4py: Any, tmp_path: Path
) -> None:
    log, _ = pair
    target = tmp_path / "export.jsonocel"
    write_ocel2_json(log, target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ocel = pm4py.read_ocel2_json(str(target))
    assert len(ocel.events) == log.events
    cases = ocel.objects[ocel.objects["ocel:type"] == "case"]
    assert len(cases) == log.cases
    assert sorted(ocel.events["ocel:activity"].unique()) == sorted(
        log.frame.get_column("concept:name").unique().to_list())
