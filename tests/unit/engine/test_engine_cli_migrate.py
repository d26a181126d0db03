"""``civicflow migrate``: move a running instance to another version, renaming elements."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from civicflow.cli import app
from civicflow.testing import bpmn, chain

runner = CliRunner()


def model(task: str) -> str:
    return bpmn(f'<bpmn:startEvent id="s"/><bpmn:userTask id="{task}"/><bpmn:endEvent id="e"/>'
                + chain("s", task, "e"))


def test_cli_migrates_an_instance_with_a_mapping_and_explains_a_refusal(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cf.db'}"
    v1, v2 = tmp_path / "v1.bpmn", tmp_path / "v2.bpmn"
    v1.write_text(model("review"), encoding="utf-8")
    v2.write_text(model("check"), encoding="utf-8")
    assert runner.invoke(app, ["deploy", str(v1), "--database", db]).exit_code == 0
    started = runner.invoke(app, ["start", "p", "--database", db])
    instance_id = started.output.split()[0]
    assert runner.invoke(app, ["deploy", str(v2), "--database", db]).exit_code == 0

    refused = runner.invoke(app, ["migrate", instance_id, "--version", "2", "--database", db])
    assert refused.exit_code == 1
    assert "'review' does not exist there" in refused.output
    assert "Traceback" not in refused.output

    bad = runner.invoke(app, ["migrate", instance_id, "--version", "2", "--map", "review",
                              "--database", db])
    assert bad.exit_code == 2
    assert "old_id=new_id" in bad.output

    moved = runner.invoke(app, ["migrate", instance_id, "--version", "2", "--map",
                                "review=check", "--database", db])
    assert moved.exit_code == 0, moved.output
    assert f"{instance_id} p v2 active" in moved.output
    assert "check" in runner.invoke(app, ["tasks", "--database", db]).output
