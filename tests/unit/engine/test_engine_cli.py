"""The engine's command line: deploy, start, tasks, complete, correlate, incidents, retry."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from civicflow.cli import app
from civicflow.testing import bpmn, chain

runner = CliRunner()

MODEL = bpmn(
    '<bpmn:startEvent id="s"/><bpmn:userTask id="t" name="Review"/>'
    '<bpmn:receiveTask id="r" messageRef="m"/><bpmn:exclusiveGateway id="g"/>'
    '<bpmn:endEvent id="e"/>' + chain("s", "t", "r", "g")
    + '<bpmn:sequenceFlow id="f_g_e" sourceRef="g" targetRef="e">'
    '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">=ok</bpmn:conditionExpression>'
    "</bpmn:sequenceFlow>",
    extra='<bpmn:message id="m" name="Paid"><bpmn:extensionElements>'
          '<zeebe:subscription correlationKey="=ref"/></bpmn:extensionElements></bpmn:message>',
)


def invoke(*args: str, db: str) -> str:
    result = runner.invoke(app, [*args, "--database", db])
    assert result.exit_code == 0, result.output
    return result.output


def test_cli_runs_a_process_from_deploy_to_completion(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cf.db'}"
    model = tmp_path / "m.bpmn"
    model.write_text(MODEL, encoding="utf-8")
    assert "database is up to date" in invoke("db", "upgrade", db=db)
    assert "p version 1" in invoke("deploy", str(model), db=db)
    started = invoke("start", "p", "--var", "ref=R-1", "--var", 'extra={"a": 1}', db=db)
    instance_id = started.split()[0]
    listing = invoke("tasks", db=db)
    assert "Review" in listing
    task_id = listing.split()[0]
    invoke("complete", task_id, "--var", "ok=false", "--actor", "alice", db=db)
    assert "correlated to 1" in invoke("correlate", "Paid", "--key", "R-1", db=db)
    incidents = invoke("incidents", db=db)
    assert "element=g" in incidents
    assert instance_id in incidents
    failed = runner.invoke(app, ["complete", task_id, "--database", db])
    assert failed.exit_code == 1
    assert "already completed by alice" in failed.output
    assert "Traceback" not in failed.output
    assert "active" in invoke("instances", db=db)


def test_cli_reports_an_unknown_process_without_a_traceback(tmp_path: Path) -> None:
    result = runner.invoke(app, ["start", "nope", "--database", f"sqlite:///{tmp_path}/x.db"])
    assert result.exit_code == 1
    assert "No process 'nope'" in result.output


def test_cli_claims_and_unclaims_a_task_and_refuses_a_second_claimant(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cf.db'}"
    model = tmp_path / "m.bpmn"
    model.write_text(MODEL, encoding="utf-8")
    invoke("deploy", str(model), db=db)
    invoke("start", "p", "--var", "ref=R-1", db=db)
    task_id = invoke("tasks", db=db).split()[0]
    assert f"claimed {task_id} for alice" in invoke("claim", task_id, "--actor", "alice", db=db)
    assert "assignee=alice claimed=" in invoke("tasks", db=db)
    refused = runner.invoke(app, ["claim", task_id, "--actor", "bob", "--database", db])
    assert refused.exit_code == 1
    assert "claimed by alice" in refused.output
    assert "Traceback" not in refused.output
    assert f"unclaimed {task_id}" in invoke("unclaim", task_id, db=db)
    assert "assignee=-" in invoke("tasks", db=db)
    missing = runner.invoke(app, ["claim", task_id, "--database", db])
    assert missing.exit_code == 2  # --actor is required
