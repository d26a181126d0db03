"""Engine commands: deploy, start, instances, tasks, claim, unclaim, complete, correlate,
incidents, retry, migrate, worker and ``db upgrade``. Thin: parse options, call
``civicflow.Engine``, print results."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer

DATABASE = typer.Option(
    None, "--database", envvar="CIVICFLOW_DATABASE_URL",
    help="Database URL (sqlite:///file.db or postgresql://...). Default: civicflow.db here.",
)
VARS = typer.Option(None, "--var", help="A variable as name=value (value read as JSON if it "
                    "parses, else as text). Repeat for more.")

TO_VERSION = typer.Option(..., "--version", min=1, help="Version of the same process to move to")
MAPPINGS = typer.Option(None, "--map", help="An element renamed in that version, as "
                        "old_id=new_id. Repeat for more.")

FILE_ARG = typer.Argument(..., exists=True, dir_okay=False, help="BPMN file to deploy")

T = TypeVar("T")


def parse_vars(items: list[str] | None) -> dict[str, Any]:
    """``["a=1", "b=text"]`` -> ``{"a": 1, "b": "text"}``."""
    out: dict[str, Any] = {}
    for item in items or []:
        name, sep, raw = item.partition("=")
        if not sep or not name.strip():
            raise typer.BadParameter(f"{item!r} is not name=value", param_hint="--var")
        try:
            out[name.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            out[name.strip()] = raw
    return out


def _engine(url: str | None) -> Any:
    from civicflow.store.db import default_url
    from civicflow.store.service import Engine

    return Engine.open(url or default_url())


def _run(action: Callable[[], T]) -> T:
    """Run a library call; print its error (not a traceback) and exit 1 on failure."""
    from civicflow.engine.errors import EngineError

    try:
        return action()
    except EngineError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(1) from exc
    except OSError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(1) from exc


def register(app: typer.Typer) -> None:
    """Attach the engine commands to the root ``civicflow`` app."""

    @app.command()
    def deploy(file: Path = FILE_ARG, database: str | None = DATABASE) -> None:
        """Deploy the executable processes of a BPMN file or the decisions of a DMN file (a
        changed model gets a new version)."""
        eng = _engine(database)
        for d in _run(lambda: eng.deploy(file)):
            what = "decision " if d.kind == "decision" else ""
            typer.echo(f"{what}{d.process_id} version {d.version} ({d.id})")

    @app.command()
    def start(process_id: str = typer.Argument(..., help="Process id to start"),
              var: list[str] | None = VARS,
              business_key: str | None = typer.Option(None, "--business-key"),
              database: str | None = DATABASE) -> None:
        """Start a process instance."""
        eng = _engine(database)
        inst = _run(lambda: eng.start(process_id, parse_vars(var), business_key=business_key))
        typer.echo(f"{inst.id} {inst.process_id} v{inst.version} {inst.state}")

    @app.command()
    def instances(process_id: str | None = typer.Option(None, "--process"),
                  state: str | None = typer.Option(None, "--state"),
                  database: str | None = DATABASE) -> None:
        """List process instances."""
        eng = _engine(database)
        for i in _run(lambda: eng.instances(process_id=process_id, state=state)):
            typer.echo(f"{i.id} {i.process_id} v{i.version} {i.state} {i.business_key or ''}")

    @app.command()
    def tasks(instance: str | None = typer.Option(None, "--instance"),
              assignee: str | None = typer.Option(None, "--assignee"),
              group: str | None = typer.Option(None, "--group"),
              database: str | None = DATABASE) -> None:
        """List open user tasks (the worklist)."""
        eng = _engine(database)
        for t in _run(lambda: eng.tasks(instance_id=instance, assignee=assignee,
                                        candidate_group=group)):
            claimed = f" claimed={t.claimed_at:%Y-%m-%dT%H:%M}" if t.claimed_at else ""
            typer.echo(f"{t.id} {t.element_id} {t.name or ''} instance={t.instance_id} "
                       f"assignee={t.assignee or '-'}{claimed}")

    @app.command()
    def complete(task_id: str, var: list[str] | None = VARS,
                 actor: str | None = typer.Option(None, "--actor"),
                 database: str | None = DATABASE) -> None:
        """Complete a user task."""
        eng = _engine(database)
        _run(lambda: eng.complete(task_id, parse_vars(var), actor=actor))
        typer.echo(f"completed {task_id}")

    @app.command()
    def claim(task_id: str, actor: str = typer.Option(..., "--actor",
                                                      help="Who takes the task."),
              database: str | None = DATABASE) -> None:
        """Take a user task from the worklist and start working on it."""
        eng = _engine(database)
        _run(lambda: eng.claim(task_id, actor))
        typer.echo(f"claimed {task_id} for {actor}")

    @app.command()
    def unclaim(task_id: str, actor: str | None = typer.Option(
                    None, "--actor", help="Who releases it (default: its holder)."),
                database: str | None = DATABASE) -> None:
        """Put a claimed user task back in the worklist, unassigned."""
        eng = _engine(database)
        _run(lambda: eng.unclaim(task_id, actor=actor))
        typer.echo(f"unclaimed {task_id}")

    @app.command()
    def correlate(message: str, key: str | None = typer.Option(None, "--key"),
                  var: list[str] | None = VARS, database: str | None = DATABASE) -> None:
        """Publish a message to the instances waiting for it (buffered if none is)."""
        eng = _engine(database)
        n = _run(lambda: eng.correlate(message, key, parse_vars(var)))
        typer.echo(f"correlated to {n} instance(s)" if n else "buffered (nobody waits yet)")

    @app.command()
    def incidents(instance: str | None = typer.Option(None, "--instance"),
                  database: str | None = DATABASE) -> None:
        """List open incidents."""
        eng = _engine(database)
        for i in _run(lambda: eng.incidents(instance_id=instance)):
            typer.echo(f"{i.id} instance={i.instance_id} element={i.element_id}: {i.message}")

    @app.command()
    def retry(incident_id: str, retries: int = typer.Option(1, "--retries"),
              database: str | None = DATABASE) -> None:
        """Retry the step behind an incident after fixing its cause."""
        eng = _engine(database)
        _run(lambda: eng.retry(incident_id, retries=retries))
        typer.echo(f"retried {incident_id}")

    @app.command()
    def migrate(instance_id: str, version: int = TO_VERSION,
                mapping: list[str] | None = MAPPINGS,
                database: str | None = DATABASE) -> None:
        """Move a running instance to another version of its process (exit 1, naming the
        elements, when it cannot move)."""
        pairs: dict[str, str] = {}
        for item in mapping or []:
            old, sep, new = item.partition("=")
            if not sep or not old.strip() or not new.strip():
                raise typer.BadParameter(f"{item!r} is not old_id=new_id", param_hint="--map")
            pairs[old.strip()] = new.strip()
        eng = _engine(database)
        inst = _run(lambda: eng.migrate(instance_id, version, mappings=pairs))
        typer.echo(f"{inst.id} {inst.process_id} v{inst.version} {inst.state}")

    @app.command()
    def worker(concurrency: int = typer.Option(1, "--concurrency", min=1),
               handlers: str | None = typer.Option(
                   None, "--handlers", help="module (with register(engine)) that registers "
                   "service-task handlers"),
               poll: float = typer.Option(0.5, "--poll", help="seconds between idle polls"),
               lease: float = typer.Option(30.0, "--lease", help="job lease in seconds"),
               database: str | None = DATABASE) -> None:
        """Run the job executor: due timers and registered service-task handlers."""
        from civicflow.store.db import default_url
        from civicflow.worker import run_workers

        url = database or default_url()
        _run(lambda: run_workers(url, concurrency=concurrency, handlers=handlers,
                                 poll_seconds=poll, lease_seconds=lease))

    db_app = typer.Typer(help="Database schema commands.", no_args_is_help=True)

    @db_app.command("upgrade")
    def db_upgrade(database: str | None = DATABASE) -> None:
        """Create or migrate the schema to the newest version."""
        from civicflow.store.db import connect, default_url
        from civicflow.store.migrate import upgrade

        sql = connect(database or default_url())
        _run(lambda: upgrade(sql))
        sql.dispose()
        typer.echo("database is up to date")

    app.add_typer(db_app, name="db")
