"""OCEL 2.0 JSON import: flattened on one object type, exports read back, clear errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from civicflow.cli import app
from civicflow.insight import mining
from civicflow.insight.log import (
    ACTIVITY,
    CASE,
    RESOURCE,
    LogError,
    read_log,
    read_ocel2_json,
    read_xes,
    write_ocel2_json,
)


def _event(number: int, kind: str, time: str, *objects: str, **attrs: Any) -> dict[str, Any]:
    return {"id": f"e{number}", "type": kind, "time": time,
            "attributes": [{"name": k, "value": v} for k, v in attrs.items()],
            "relationships": [{"objectId": o, "qualifier": ""} for o in objects]}


#: Two applications; application a1 has two documents; an officer handles both.
PERMITS: dict[str, Any] = {
    "objectTypes": [{"name": "application", "attributes": []},
                    {"name": "document", "attributes": []},
                    {"name": "resource", "attributes": []}],
    "eventTypes": [],
    "objects": [
        {"id": "a1", "type": "application",
         "attributes": [{"name": "district", "time": "2026-03-01T00:00:00Z", "value": "North"},
                        {"name": "district", "time": "2026-03-05T00:00:00Z", "value": "East"}]},
        {"id": "a2", "type": "application", "attributes": []},
        {"id": "d1", "type": "document"}, {"id": "d2", "type": "document"},
        {"id": "officer-7", "type": "resource"},
    ],
    "events": [
        _event(1, "Submit", "2026-03-02T09:00:00Z", "a1", "d1", "d2", pages=4),
        _event(2, "Submit", "2026-03-02T10:00:00+01:00", "a2"),
        _event(3, "Check documents", "2026-03-03T09:00:00Z", "a1", "d1", "officer-7"),
        _event(4, "Check documents", "2026-03-03T11:00:00Z", "d2", "officer-7"),
        _event(5, "Decide", "2026-03-04T09:00:00Z", "a1", "a2", "officer-7"),
    ],
}


@pytest.fixture
def permits(write_text: Callable[[str, str], Path]) -> Path:
    return write_text("permits.jsonocel", json.dumps(PERMITS))


def _traces(log: Any) -> dict[str, list[str]]:
    frame = log.frame
    return {case: frame.filter(frame[CASE] == case)[ACTIVITY].to_list()
            for case in sorted(set(frame[CASE]))}


def test_the_type_most_events_relate_to_becomes_the_case(permits: Path) -> None:
    log = read_log(permits)
    # application: 4 events, document: 3, resource: 3
    assert log.attributes["ocel:object_type"] == "application"
    # an event related to two applications appears in both cases
    assert _traces(log) == {"a1": ["Submit", "Check documents", "Decide"],
                            "a2": ["Submit", "Decide"]}
    a1 = log.frame.filter(log.frame[CASE] == "a1")
    assert a1[RESOURCE].to_list() == [None, "officer-7", "officer-7"]
    assert set(a1["case:district"]) == {"East"}  # the attribute's latest value
    assert a1["pages"].to_list() == ["4", None, None]


def test_another_object_type_can_be_chosen(permits: Path) -> None:
    log = read_ocel2_json(permits, object_type="document")
    assert _traces(log) == {"d1": ["Submit", "Check documents"],
                            "d2": ["Submit", "Check documents"]}
    assert log.events == 4


def test_times_with_offsets_are_read_as_utc(permits: Path) -> None:
    log = read_log(permits)
    a2 = log.frame.filter(log.frame[CASE] == "a2")
    assert a2["time:timestamp"].to_list()[0].isoformat() == "2026-03-02T09:00:00+00:00"


def test_our_export_reads_back_with_the_same_figures(shared_logs: Path, tmp_path: Path) -> None:
    original = read_xes(shared_logs / "running-example.xes")
    target = tmp_path / "running.json"
    write_ocel2_json(original, target)
    again = read_log(target)
    assert again.attributes["ocel:object_type"] == "case"
    assert sorted(set(again.frame[CASE])) == sorted(set(original.frame[CASE]))
    assert again.events == original.events

    def figures(log: Any) -> tuple[Any, ...]:
        ordered = mining.order(log)
        edges = {(e.source, e.target): (e.count, e.mean_s) for e in mining.dfg(ordered)}
        found = sorted((v.activities, v.count) for v in mining.variants(ordered))
        return edges, found, mining.start_activities(ordered)

    assert figures(again) == figures(original)


def test_mine_reads_an_ocel_log_on_the_chosen_type(permits: Path) -> None:
    result = CliRunner().invoke(app, ["mine", str(permits), "--json", "--object-type", "document"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert (figures["cases"], figures["events"]) == (2, 4)
    assert figures["start_activities"] == {"Submit": 2}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"events": [\n  {"id": 1,,}]}', r"not JSON \(line 2, column"),
        ('{"traces": []}', "not an OCEL 2.0 JSON log"),
        ('{"events": [{"id": "e1", "type": "a"}], "objects": []}', "event 1 has no time"),
        ('{"events": [{"id": "e1", "type": "a", "time": "2026-01-01T00:00:00Z"}], '
         '"objects": []}', "no event relates to any object"),
        ('{"events": [{"id": "e1", "type": "a", "time": "yesterday", "relationships": '
         '[{"objectId": "o", "qualifier": ""}]}], "objects": [{"id": "o", "type": "t"}]}',
         "event 1 has a time that is not ISO 8601: 'yesterday'"),
        ('{"events": [], "objects": [{"id": "x"}]}', "object 1 needs an 'id' and a 'type'"),
    ],
)
def test_a_bad_ocel_file_gets_a_clear_error(
    write_text: Callable[[str, str], Path], text: str, message: str
) -> None:
    with pytest.raises(LogError, match=message):
        read_log(write_text("bad.json", text))


def test_an_unknown_object_type_lists_the_known_ones(permits: Path) -> None:
    with pytest.raises(LogError, match=r"no object type 'case'; .*application, document, resource"):
        read_ocel2_json(permits, object_type="case")
    result = CliRunner().invoke(app, ["mine", str(permits), "--object-type", "case"])
    assert result.exit_code == 1
    assert "no object type 'case'" in result.output


def test_object_type_is_refused_for_logs_without_objects(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["mine", str(tmp_path / "log.xes"), "--object-type", "x"])
    assert result.exit_code == 2
    assert "only OCEL 2.0 logs" in result.output
