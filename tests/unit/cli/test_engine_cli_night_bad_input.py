"""Bad input to the engine commands added on 2026-11-29 (deploy of several files, migrate
``--map``, pending-starts, withdraw-pending-start, correlate): one sentence, exit 2 for a wrong
value, 1 for a refusal, no traceback, and the database unchanged.
QA note: docs/qa/2026-11-29-night-bad-input.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from civicflow import Engine
from civicflow.cli import app
from civicflow.cli.engine_input import parse_vars
from civicflow.testing import bpmn, chain

runner = CliRunner()


def review(task: str) -> str:
    return bpmn(f'<bpmn:startEvent id="s"/><bpmn:userTask id="{task}"/><bpmn:endEvent id="e"/>'
                + chain("s", task, "e"))


def _refused(args: list[str], code: int, *words: str) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    for word in words:
        assert word in result.output
    return result.output


def _state(url: str) -> Any:
    eng = Engine.open(url)
    try:
        return ([(d.process_id, d.version) for d in eng.deployments()],
                [(i.id, i.version, i.state) for i in eng.instances()],
                [(p.id, p.parts_seen) for p in eng.pending_starts()])
    finally:
        eng.close()


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A database with version 1 (task ``review``) and 2 (task ``check``) of ``p`` and one
    instance on version 1."""
    url = f"sqlite:///{tmp_path / 'cf.db'}"
    for task in ("review", "check"):
        model = tmp_path / f"{task}.bpmn"
        model.write_text(review(task), encoding="utf-8")
        assert runner.invoke(app, ["deploy", str(model), "--database", url]).exit_code == 0
    eng = Engine.open(url)
    try:
        eng.start("p", version=1)
    finally:
        eng.close()
    return url


def _instance(url: str) -> str:
    [(instance_id, _, _)] = _state(url)[1]
    return str(instance_id)


@pytest.mark.parametrize(("args", "what"), [
    (["withdraw-pending-start", ""], "PENDING-START-ID"),
    (["correlate", ""], "MESSAGE"),
    (["correlate", "Paid", "--key", " "], "--key"),
    (["pending-starts", "--process", ""], "--process"),
    (["migrate", "", "--version", "2"], "INSTANCE-ID"),
    (["start", ""], "PROCESS-ID"),
    (["complete", ""], "TASK-ID"),
    (["retry", ""], "INCIDENT-ID"),
])
def test_an_empty_id_or_name_is_a_wrong_value_not_a_lookup(
    db: str, args: list[str], what: str,
) -> None:
    before = _state(db)
    _refused([*args, "--database", db], 2, what, "empty")
    assert _state(db) == before


@pytest.mark.parametrize(("maps", "words"), [
    (["review=check", "review=other"], "'review' is mapped twice"),
    (["review=check=x"], "is not old_id=new_id"),
    (["review"], "write e.g."),
])
def test_a_map_that_is_not_one_old_id_to_one_new_id_is_a_wrong_value(
    db: str, maps: list[str], words: str,
) -> None:
    before = _state(db)
    args = ["migrate", _instance(db), "--version", "2", "--database", db]
    for item in maps:
        args += ["--map", item]
    _refused(args, 2, words)
    assert _state(db) == before


def test_the_same_map_given_twice_is_one_mapping(db: str) -> None:
    moved = runner.invoke(app, ["migrate", _instance(db), "--version", "2", "--map",
                                "review=check", "--map", "review=check", "--database", db])
    assert moved.exit_code == 0, moved.output
    assert " p v2 active" in moved.output


def test_nan_and_infinity_stay_text_and_a_number_too_large_is_a_wrong_value(db: str) -> None:
    assert parse_vars(["a=NaN", "b=-Infinity", "c=[1, NaN]", "d=1.5"]) == {
        "a": "NaN", "b": "-Infinity", "c": "[1, NaN]", "d": 1.5}
    before = _state(db)
    _refused(["start", "p", "--var", "fee=1e999", "--database", db], 2,
             "too large", "fee=\"1e999\"")
    assert _state(db) == before
    started = runner.invoke(app, ["start", "p", "--var", "fee=NaN", "--database", db])
    assert started.exit_code == 0, started.output
    eng = Engine.open(db)
    try:
        assert eng.instance(started.output.split()[0]).variables == {"fee": "NaN"}
    finally:
        eng.close()


def test_deploying_the_same_file_twice_deploys_and_prints_it_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cf.db'}"
    model = tmp_path / "permit.bpmn"
    model.write_text(review("review"), encoding="utf-8")
    result = runner.invoke(app, ["deploy", str(model), str(model), "--database", url])
    assert result.exit_code == 0, result.output
    assert result.output.count("p version 1") == 1


def test_two_files_defining_one_process_are_refused_naming_both_and_nothing_is_stored(
    db: str, tmp_path: Path,
) -> None:
    a, b = tmp_path / "a.bpmn", tmp_path / "b.bpmn"
    a.write_text(review("one"), encoding="utf-8")
    b.write_text(review("two"), encoding="utf-8")
    before = _state(db)
    output = _refused(["deploy", str(a), str(b), "--database", db], 1, "is defined by both")
    assert "a.bpmn" in output
    assert "b.bpmn" in output
    assert _state(db) == before


def test_a_pending_start_whose_key_holds_a_line_break_is_listed_on_one_line(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'cf.db'}"
    eng = Engine.open(url)
    try:
        eng.deploy(bpmn(
            '<bpmn:startEvent id="s" parallelMultiple="true">'
            '<bpmn:messageEventDefinition messageRef="m1"/>'
            '<bpmn:messageEventDefinition messageRef="m2"/></bpmn:startEvent>'
            '<bpmn:endEvent id="e"/>' + chain("s", "e"),
            extra='<bpmn:message id="m1" name="Applied"/><bpmn:message id="m2" name="Paid"/>'))
        eng.correlate("Applied", "P-1\nP-2")
        eng.correlate("Applied", "")
    finally:
        eng.close()
    listed = runner.invoke(app, ["pending-starts", "--database", url])
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert len(lines) == 2
    assert 'key="P-1\\nP-2" seen=message:Applied' in lines[0]
    assert 'key="" seen=message:Applied' in lines[1]
