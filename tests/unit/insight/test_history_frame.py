"""The engine's history read as an event log: XES columns, activities only, on SQLite and
PostgreSQL; `civicflow mine` and the KPI loader accept a database URL."""

from __future__ import annotations

import json
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from civicflow.cli import app
from civicflow.insight.history import (
    ACTIVITY_TYPES,
    BUSINESS_KEY,
    PROCESS,
    is_database_url,
    read_history,
)
from civicflow.insight.log import (
    ACTIVITY,
    CASE,
    GROUP,
    LIFECYCLE,
    RESOURCE,
    TIMESTAMP,
    LogError,
)
from civicflow.testing import bpmn, chain, flow

LANES = ('<bpmn:laneSet id="ls">'
         '<bpmn:lane id="l1" name="Front Office"><bpmn:flowNodeRef>s</bpmn:flowNodeRef>'
         "<bpmn:flowNodeRef>register</bpmn:flowNodeRef><bpmn:flowNodeRef>g</bpmn:flowNodeRef>"
         "</bpmn:lane>"
         '<bpmn:lane id="l2" name="Zoning"><bpmn:flowNodeRef>review</bpmn:flowNodeRef>'
         "<bpmn:flowNodeRef>e</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>")
MODEL = bpmn(
    LANES
    + '<bpmn:startEvent id="s" name="Received"/>'
    + '<bpmn:scriptTask id="register" name="Register"><bpmn:extensionElements>'
    '<zeebe:script expression="=1" resultVariable="n"/></bpmn:extensionElements>'
    "</bpmn:scriptTask>"
    + '<bpmn:exclusiveGateway id="g"/>'
    + '<bpmn:userTask id="review"/>'
    + '<bpmn:endEvent id="e" name="Done"/>'
    + chain("s", "register", "g") + flow("g", "review", "=n = 1") + chain("review", "e")
)


def _run_one(engine: Any, clock: Any, key: str) -> str:
    inst = engine.start("p", business_key=key)
    clock.advance(timedelta(hours=2))
    engine.complete(engine.tasks(instance_id=inst.id)[0].id, actor="alice")
    return str(inst.id)


def test_history_frame_has_one_event_per_activity_start_and_end_with_xes_names(
    engine: Any, clock: Any, database_url: str
) -> None:
    engine.deploy(MODEL)
    first = _run_one(engine, clock, "P-1")
    second = _run_one(engine, clock, "P-2")

    log = read_history(database_url)
    frame = log.frame.sort(CASE, TIMESTAMP, maintain_order=True)
    assert log.cases == 2
    # gateways and events are control flow: only the script task and the user task remain
    assert set(frame[ACTIVITY]) == {"Register", "review"}
    expected = sum(1 for case in (first, second) for h in engine.history(case)
                   if h.element_type in ACTIVITY_TYPES)
    assert log.events == expected == 8
    one = frame.filter(frame[CASE] == first)
    # the user task waits in the worklist: XES schedule, not start (nobody claimed it)
    assert one[LIFECYCLE].to_list() == ["start", "complete", "schedule", "complete"]
    assert one[GROUP].to_list() == ["Front Office"] * 2 + ["Zoning"] * 2
    assert one[RESOURCE].to_list()[-1] == "alice"
    assert set(one[BUSINESS_KEY]) == {"P-1"}
    assert set(one[PROCESS]) == {"p"}
    review_end = one[TIMESTAMP].to_list()[-1]
    review_start = one[TIMESTAMP].to_list()[-2]
    assert review_end.utcoffset() == timedelta(0)
    assert review_end - review_start == timedelta(hours=2)
    assert review_end == next(h.at for h in engine.history(first)
                              if h.element_id == "review" and h.kind == "end").astimezone(UTC)


def test_all_elements_keeps_gateways_and_events_in_engine_order(
    engine: Any, clock: Any, database_url: str
) -> None:
    engine.deploy(MODEL)
    case = _run_one(engine, clock, "P-1")
    log = read_history(database_url, all_elements=True)
    names = log.frame[ACTIVITY].to_list()
    assert len(names) == len(engine.history(case))
    # a nameless element is named by its id
    assert names[:2] == ["Received", "Received"]
    assert "g" in names


def test_cancelled_activity_is_an_aborted_lifecycle(
    engine: Any, database_url: str
) -> None:
    engine.deploy(MODEL)
    inst = engine.start("p")
    engine.cancel(inst.id, actor="operator")
    frame = read_history(database_url).frame
    assert frame.filter(frame[ACTIVITY] == "review")[LIFECYCLE].to_list() == [
        "schedule", "ate_abort"]


def test_process_filter_keeps_only_that_process(engine: Any, database_url: str) -> None:
    engine.deploy(MODEL)
    engine.deploy(bpmn('<bpmn:startEvent id="s"/><bpmn:task id="t"/><bpmn:endEvent id="e"/>'
                       + chain("s", "t", "e"), process_id="other"))
    engine.start("other")
    engine.start("p")
    assert set(read_history(database_url, process_id="other").frame[PROCESS]) == {"other"}
    assert set(read_history(database_url).frame[PROCESS]) == {"p", "other"}


def test_missing_sqlite_file_is_refused_without_creating_it(tmp_path: Path) -> None:
    target = tmp_path / "nowhere.db"
    with pytest.raises(LogError, match="no database file"):
        read_history(f"sqlite:///{target}")
    assert not target.exists()


def test_database_without_engine_tables_gets_a_clear_error(tmp_path: Path) -> None:
    import sqlite3

    target = tmp_path / "other.db"
    sqlite3.connect(target).close()
    with pytest.raises(LogError, match="cf_history"):
        read_history(f"sqlite:///{target}")


def test_database_urls_are_told_apart_from_files() -> None:
    assert is_database_url("sqlite:///x.db")
    assert is_database_url("postgresql+psycopg://u@h/db")
    assert not is_database_url("receipt.xes")


def test_mine_and_kpi_commands_read_a_database_url(
    engine: Any, clock: Any, database_url: str, tmp_path: Path
) -> None:
    engine.deploy(MODEL)
    _run_one(engine, clock, "P-1")
    runner = CliRunner()
    mined = runner.invoke(app, ["mine", database_url, "--json"])
    assert mined.exit_code == 0, mined.output
    figures = json.loads(mined.output)
    # a database is mined as activity instances: Register and review
    assert (figures["cases"], figures["events"]) == (1, 2)
    assert figures["start_activities"] == {"Register": 1}
    definitions = tmp_path / "kpis.yaml"
    definitions.write_text(
        "version: 1\nend_activities: [review]\nkpis:\n"
        "  - {id: wip, name: WIP, type: work_in_progress}\n", encoding="utf-8")
    kpis = runner.invoke(app, ["kpi", database_url, "-d", str(definitions), "--json"])
    assert kpis.exit_code == 0, kpis.output
    assert '"cases": 1' in kpis.output


def test_an_engine_without_history_gives_an_empty_log_with_the_usual_columns(
    engine: Any, database_url: str
) -> None:
    log = read_history(database_url)
    assert log.events == 0
    assert {CASE, ACTIVITY, TIMESTAMP, RESOURCE, GROUP, LIFECYCLE} <= set(log.frame.columns)
