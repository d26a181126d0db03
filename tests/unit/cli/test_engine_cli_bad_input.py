"""Wrong ids, wrong ``--var`` syntax, unusable databases and broken files given to the engine
commands: one sentence, the documented exit status (1 refused, 2 wrong option), no traceback."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner

from civicflow.cli import app
from civicflow.cli.database_errors import explain
from civicflow.testing import bpmn, chain

runner = CliRunner()
MODEL = bpmn('<bpmn:startEvent id="s"/><bpmn:userTask id="t" name="Review"/>'
             '<bpmn:endEvent id="e"/>' + chain("s", "t", "e"))


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cf.db'}"
    model = tmp_path / "m.bpmn"
    model.write_text(MODEL, encoding="utf-8")
    assert runner.invoke(app, ["deploy", str(model), "--database", url]).exit_code == 0
    return url


def _refused(args: list[str], code: int, *words: str) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    for word in words:
        assert word in result.output
    return result.output


@pytest.mark.parametrize(("content", "words"), [
    (bytes(range(128, 256)) * 4, ("not a text file",)),
    ("<?xml version='1.0'?><a/>".encode("utf-16"), ("UTF-16", "UTF-8")),
    (b"vm\n", ("not XML",)),
    (b"<a/>", ("not a BPMN 2.0",)),
])
def test_deploying_a_file_that_is_no_model_says_what_it_is(
    db: str, tmp_path: Path, content: bytes, words: tuple[str, ...]
) -> None:
    bad = tmp_path / "bad.bpmn"
    bad.write_bytes(content)
    _refused(["deploy", str(bad), "--database", db], 1, *words)


@pytest.mark.parametrize(("url", "words"), [
    ("nonsense", ("not a database URL", "sqlite:///")),
    ("mysql://user@host/db", ("'mysql'", "postgresql://")),
    ("postgresql+asyncpg://user@host/db", ("asyncpg", "psycopg")),
])
def test_a_database_url_civicflow_cannot_use_is_a_wrong_option(
    url: str, words: tuple[str, ...]
) -> None:
    for command in (["instances"], ["db", "upgrade"], ["worker"]):
        _refused([*command, "--database", url], 2, *words)


def test_a_database_in_a_missing_folder_names_the_file_and_the_folder(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'no' / 'such' / 'cf.db'}"
    for command in (["instances"], ["db", "upgrade"], ["start", "p"]):
        _refused([*command, "--database", url], 1, "cf.db", "folder does not exist")


def test_a_file_that_is_no_database_is_not_taken_for_one(tmp_path: Path) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("not a database, but my notes " * 100, encoding="utf-8")
    _refused(["instances", "--database", f"sqlite:///{other}"], 1, "not an SQLite database")
    assert other.read_text(encoding="utf-8").startswith("not a database")


def test_a_postgresql_server_that_is_down_is_named_with_host_and_port() -> None:
    url = "postgresql://postgres@127.0.0.1:9/test"
    _refused(["tasks", "--database", url], 1, "cannot connect", "127.0.0.1:9")


def test_a_locked_sqlite_file_says_another_program_holds_it(tmp_path: Path) -> None:
    path = tmp_path / "cf.db"
    holder = sqlite3.connect(path, isolation_level=None)
    waiter = sqlite3.connect(path, isolation_level=None, timeout=0.05)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        with pytest.raises(sqlite3.OperationalError) as caught:
            waiter.execute("BEGIN IMMEDIATE")
    finally:
        waiter.close()
        holder.close()
    wrapped = OperationalError("BEGIN IMMEDIATE", {}, caught.value)
    explained = explain(wrapped, f"sqlite:///{path}")
    assert explained is not None
    message, code = explained
    assert code == 1
    assert str(path) in message
    assert "locked by another program" in message


@pytest.mark.parametrize(("args", "code", "word"), [
    (["complete", "nope"], 1, "no task nope"),
    (["retry", "nope"], 1, "no incident nope"),
    (["start", "nope"], 1, "No process 'nope'"),
    (["tasks", "--instance", "nope"], 1, "no process instance nope"),
    (["incidents", "--instance", "nope"], 1, "no process instance nope"),
    (["instances", "--state", "finished"], 2, "completed"),
    (["start", "p", "--var", "area"], 2, "name=value"),
    (["start", "p", "--var", "=120"], 2, "name=value"),
    (["complete", "x", "--var", "approved"], 2, "name=value"),
    (["retry", "x", "--retries", "0"], 2, "--retries"),
    (["worker", "--poll", "-1"], 2, "--poll"),
    (["worker", "--lease", "0"], 2, "--lease"),
    (["worker", "--handlers", "no_such_handlers_module"], 2, "cannot import"),
    (["worker", "--handlers", "json"], 2, "register(engine)"),
])
def test_wrong_ids_and_option_values_get_a_sentence_and_the_documented_status(
    db: str, args: list[str], code: int, word: str
) -> None:
    _refused([*args, "--database", db], code, word)


def test_empty_lists_say_so_on_stderr_and_succeed(db: str) -> None:
    result = runner.invoke(app, ["incidents", "--database", db])
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "No open incidents" in result.stderr


def test_a_handlers_module_that_breaks_while_loading_names_its_file_and_line(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "broken_crew_handlers.py").write_text("x = 1\nraise NameError('oops')\n",
                                                       encoding="utf-8")
    (tmp_path / "failing_crew_handlers.py").write_text(
        "def register(engine):\n    raise RuntimeError('no config')\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    _refused(["worker", "--handlers", "broken_crew_handlers", "--database", db], 2,
             "NameError: oops", "broken_crew_handlers.py, line 2")
    _refused(["worker", "--handlers", "failing_crew_handlers", "--database", db], 2,
             "RuntimeError: no config", "failing_crew_handlers.py, line 2")


def test_a_database_from_a_newer_civicflow_is_refused_with_a_sentence(db: str) -> None:
    path = db.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE cf_alembic_version SET version_num = '0099'")
    conn.close()
    for command in (["db", "upgrade"], ["instances"]):
        _refused([*command, "--database", db], 1, "0099", "newer CivicFlow")


def test_worker_processes_that_fail_say_why_in_one_line_each_without_a_traceback(
    db: str, tmp_path: Path
) -> None:
    """With --concurrency, the failure happens in child processes: each says why on stderr and
    the command exits with the documented status, not with a traceback per process."""
    import os
    import subprocess
    import sys

    (tmp_path / "failing_crew_handlers.py").write_text(
        "def register(engine):\n    raise RuntimeError('no config')\n", encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-m", "civicflow", "worker", "--concurrency", "2",
         "--handlers", "failing_crew_handlers", "--database", db],
        capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.count("RuntimeError: no config") == 2
    assert "worker process 1 stopped" in done.stderr
    assert "worker process 2 stopped" in done.stderr
