"""Engine commands: deploy, start, instances, tasks, claim, unclaim, complete, correlate,
pending-starts, withdraw-pending-start, incidents, retry, migrate, worker and ``db upgrade``.
Thin: parse options, call ``civicflow.Engine``, print results.

Exit status: 0 done; 1 the engine or the database refused (unknown id, task already completed
or claimed by someone else, model not deployable, instance that cannot migrate, database
locked, down or not writable); 2 a wrong option value (a ``--var`` without ``=`` or with a
number too large for a float, a ``--map`` that is not old_id=new_id or maps an element twice,
an empty id, name, ``--key`` or ``--process``, an unknown ``--state``, a ``--database`` that
is not a SQLite or PostgreSQL URL, a ``--handlers`` module that cannot be loaded); 141 the
reader of the output went away (``| head``).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import typer

from civicflow.cli.database_errors import USAGE, check_url, explain
from civicflow.cli.engine_input import given as _given
from civicflow.cli.engine_input import parse_mappings, parse_vars

DATABASE = typer.Option(
    None, "--database", envvar="CIVICFLOW_DATABASE_URL", metavar="URL",
    help="Database URL (sqlite:///file.db or postgresql://user@host/db). Default: civicflow.db "
    "in the current folder.",
)
VARS = typer.Option(None, "--var", metavar="NAME=VALUE",
                    help="A variable as name=value (value read as JSON if it parses, else as "
                    "text), e.g. --var area=120 --var 'owner=\"J. Ortiz\"'. Repeat for more.")
INSTANCE = typer.Option(None, "--instance", metavar="INSTANCE-ID",
                        help="Only those of this process instance.")

TO_VERSION = typer.Option(..., "--version", min=1, metavar="N",
                          help="Version of the same process to move to.")
MAPPINGS = typer.Option(None, "--map", metavar="OLD-ID=NEW-ID",
                        help="An element renamed in that version, as old_id=new_id. Repeat for "
                        "more.")

FILE_ARG = typer.Argument(..., exists=True, dir_okay=False, metavar="FILE...",
                          help="BPMN or DMN files to deploy, together (one bundle).")

STATES = ("active", "completed", "terminated")
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


def _target(url: str | None) -> str:
    from civicflow.store.db import default_url

    target = url or default_url()
    problem = check_url(target)
    if problem is not None:
        _fail(problem, USAGE)
    return target


@contextlib.contextmanager
def _reported(url: str) -> Iterator[None]:
    """Engine and database errors become one line on stderr and an exit code, no traceback."""
    from civicflow.engine.errors import EngineError
    from civicflow.model import BpmnImportError

    try:
        yield
    except (EngineError, BpmnImportError) as exc:
        _fail(str(exc))
    except Exception as exc:
        explained = explain(exc, url)
        if explained is not None:
            _fail(*explained)
        if isinstance(exc, OSError):
            _fail(f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""))
        raise


@contextlib.contextmanager
def _engine(url: str | None) -> Iterator[Any]:
    """An open ``Engine`` on ``--database`` (migrated), closed afterwards."""
    from civicflow.store.service import Engine

    target = _target(url)
    with _reported(target):
        eng = Engine.open(target)
    try:
        with _reported(target):
            yield eng
    finally:
        eng.close()


def _model_text(file: Path) -> str:
    """The model as text, refusing binary, UTF-16 and non-XML files with a sentence."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        _fail(f"cannot read {file}: {exc.strerror or exc}")
    if data.startswith(UTF16_BOMS):
        _fail(f"{file} is UTF-16 text; save (export) it as UTF-8 and deploy again.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        _fail(f"{file} is not a text file; export the model from your modeler as BPMN 2.0 "
              "(or DMN) XML and deploy that file.")
    if not text.lstrip().startswith("<"):
        _fail(f"{file} is not XML (a BPMN or DMN model starts with '<'); export the model "
              "from your modeler as BPMN 2.0 (or DMN) XML.")
    return text


def _key_shown(key: str | None) -> str:
    """A correlation key as one word: ``-`` for none, quoted (JSON) when it is empty or holds
    spaces or line breaks, so a listing stays one line per pending start."""
    if key is None:
        return "-"
    return key if key and key.isprintable() and not any(c.isspace() for c in key) \
        else json.dumps(key, ensure_ascii=False)


def _none(what: str) -> None:
    typer.echo(f"No {what}.", err=True)


def register(app: typer.Typer) -> None:
    """Attach the engine commands to the root ``civicflow`` app."""

    @app.command()
    def deploy(files: list[Path] = FILE_ARG, database: str | None = DATABASE) -> None:
        """Deploy the executable processes of BPMN files and the decisions of DMN files (a
        changed model gets a new version); files given together are deployed together."""
        for file in files:
            _model_text(file)  # refuse what is not XML text, naming the file, before opening
        with _engine(database) as eng:
            deployed = eng.deploy(*files)  # paths: an error names the file it is about
        for d in deployed:
            what = "decision " if d.kind == "decision" else ""
            typer.echo(f"{what}{d.process_id} version {d.version} ({d.id})")

    @app.command()
    def start(process_id: str = typer.Argument(..., metavar="PROCESS-ID",
                                               help="Id of the deployed process to start."),
              var: list[str] | None = VARS,
              business_key: str | None = typer.Option(
                  None, "--business-key", metavar="KEY",
                  help="The case's own reference, e.g. P-2026-0001."),
              database: str | None = DATABASE) -> None:
        """Start a process instance."""
        _given(process_id, "PROCESS-ID")
        variables = parse_vars(var)
        with _engine(database) as eng:
            inst = eng.start(process_id, variables, business_key=business_key)
        typer.echo(f"{inst.id} {inst.process_id} v{inst.version} {inst.state}")

    @app.command()
    def instances(process_id: str | None = typer.Option(
                      None, "--process", metavar="PROCESS-ID", help="Only this process."),
                  state: str | None = typer.Option(
                      None, "--state", metavar="|".join(STATES), help="Only in this state."),
                  database: str | None = DATABASE) -> None:
        """List process instances."""
        _given(process_id, "--process")
        if state is not None and state not in STATES:
            raise typer.BadParameter(f"{state!r} is not a state; use one of {', '.join(STATES)}",
                                     param_hint="--state")
        with _engine(database) as eng:
            found = eng.instances(process_id=process_id, state=state)
        for i in found:
            typer.echo(f"{i.id} {i.process_id} v{i.version} {i.state} {i.business_key or ''}")
        if not found:
            _none("process instances")

    @app.command()
    def tasks(instance: str | None = INSTANCE,
              assignee: str | None = typer.Option(None, "--assignee", metavar="USER",
                                                  help="Only tasks assigned to this person."),
              group: str | None = typer.Option(None, "--group", metavar="GROUP",
                                               help="Only tasks offered to this group."),
              database: str | None = DATABASE) -> None:
        """List open user tasks (the worklist)."""
        with _engine(database) as eng:
            if instance is not None:
                eng.instance(instance)  # an unknown id is an error, not an empty worklist
            found = eng.tasks(instance_id=instance, assignee=assignee, candidate_group=group)
        for t in found:
            claimed = f" claimed={t.claimed_at:%Y-%m-%dT%H:%M}" if t.claimed_at else ""
            typer.echo(f"{t.id} {t.element_id} {t.name or ''} instance={t.instance_id} "
                       f"assignee={t.assignee or '-'}{claimed}")
        if not found:
            _none("open tasks")

    @app.command()
    def complete(task_id: str = typer.Argument(..., metavar="TASK-ID",
                                               help="Id of the task (see civicflow tasks)."),
                 var: list[str] | None = VARS,
                 actor: str | None = typer.Option(None, "--actor", metavar="USER",
                                                  help="Who completed it (kept in the history)."),
                 database: str | None = DATABASE) -> None:
        """Complete a user task."""
        _given(task_id, "TASK-ID")
        variables = parse_vars(var)
        with _engine(database) as eng:
            eng.complete(task_id, variables, actor=actor)
        typer.echo(f"completed {task_id}")

    @app.command()
    def claim(task_id: str = typer.Argument(..., metavar="TASK-ID",
                                            help="Id of the task (see civicflow tasks)."),
              actor: str = typer.Option(..., "--actor", metavar="USER",
                                        help="Who takes the task."),
              database: str | None = DATABASE) -> None:
        """Take a user task from the worklist and start working on it."""
        _given(task_id, "TASK-ID")
        with _engine(database) as eng:
            eng.claim(task_id, actor)
        typer.echo(f"claimed {task_id} for {actor}")

    @app.command()
    def unclaim(task_id: str = typer.Argument(..., metavar="TASK-ID",
                                              help="Id of the task (see civicflow tasks)."),
                actor: str | None = typer.Option(
                    None, "--actor", metavar="USER",
                    help="Who releases it (default: its holder)."),
                database: str | None = DATABASE) -> None:
        """Put a claimed user task back in the worklist, unassigned."""
        _given(task_id, "TASK-ID")
        with _engine(database) as eng:
            eng.unclaim(task_id, actor=actor)
        typer.echo(f"unclaimed {task_id}")

    @app.command()
    def correlate(message: str = typer.Argument(..., metavar="MESSAGE",
                                                help="Name of the message, as in the model."),
                  key: str | None = typer.Option(
                      None, "--key", metavar="KEY",
                      help="Correlation key: which case the message is for."),
                  var: list[str] | None = VARS, database: str | None = DATABASE) -> None:
        """Publish a message to the instances waiting for it (buffered for an hour if none is)."""
        _given(message, "MESSAGE")
        _given(key, "--key")
        variables = parse_vars(var)
        with _engine(database) as eng:
            n = eng.correlate(message, key, variables)
        typer.echo(f"correlated to {n} instance(s)" if n else
                   "buffered for an hour (nobody waits for it yet)")

    @app.command("pending-starts")
    def pending_starts(process_id: str | None = typer.Option(
                           None, "--process", metavar="PROCESS-ID", help="Only this process."),
                       database: str | None = DATABASE) -> None:
        """List parallel multiple start events waiting for their other triggers: the parts
        that occurred, the parts missing, and when the pending start expires."""
        _given(process_id, "--process")
        with _engine(database) as eng:
            found = eng.pending_starts(process_id)
        for p in found:
            expires = f"{p.expires_at:%Y-%m-%dT%H:%M:%SZ}" if p.expires_at else "never"
            typer.echo(f"{p.id} {p.process_id} v{p.version} {p.start_event} "
                       f"key={_key_shown(p.correlation_key)} "
                       f"seen={','.join(p.parts_seen) or '-'} "
                       f"missing={','.join(p.parts_missing) or '-'} expires={expires}")
        if not found:
            _none("pending starts")

    @app.command("withdraw-pending-start")
    def withdraw_pending_start(pending_id: str = typer.Argument(
                                   ..., metavar="PENDING-START-ID",
                                   help="Id of the pending start (see civicflow "
                                   "pending-starts)."),
                               database: str | None = DATABASE) -> None:
        """Forget the triggers a pending start collected; no instance starts from them."""
        _given(pending_id, "PENDING-START-ID")
        with _engine(database) as eng:
            gone = eng.withdraw_pending_start(pending_id)
        typer.echo(f"withdrew {gone.id} ({gone.process_id} v{gone.version}, "
                   f"seen {','.join(gone.parts_seen) or '-'})")

    @app.command()
    def incidents(instance: str | None = INSTANCE, database: str | None = DATABASE) -> None:
        """List open incidents."""
        with _engine(database) as eng:
            if instance is not None:
                eng.instance(instance)
            found = eng.incidents(instance_id=instance)
        for i in found:
            typer.echo(f"{i.id} instance={i.instance_id} element={i.element_id}: {i.message}")
        if not found:
            _none("open incidents")

    @app.command()
    def retry(incident_id: str = typer.Argument(..., metavar="INCIDENT-ID",
                                                help="Id of the incident (see civicflow "
                                                "incidents)."),
              retries: int = typer.Option(1, "--retries", min=1, metavar="N",
                                          help="Attempts to allow before a new incident."),
              database: str | None = DATABASE) -> None:
        """Retry the step behind an incident after fixing its cause."""
        _given(incident_id, "INCIDENT-ID")
        with _engine(database) as eng:
            eng.retry(incident_id, retries=retries)
        typer.echo(f"retried {incident_id}")

    @app.command()
    def migrate(instance_id: str = typer.Argument(..., metavar="INSTANCE-ID",
                                                  help="Id of the running instance."),
                version: int = TO_VERSION,
                mapping: list[str] | None = MAPPINGS,
                database: str | None = DATABASE) -> None:
        """Move a running instance to another version of its process (exit 1, naming the
        elements, when it cannot move)."""
        _given(instance_id, "INSTANCE-ID")
        pairs = parse_mappings(mapping)
        with _engine(database) as eng:
            inst = eng.migrate(instance_id, version, mappings=pairs)
        typer.echo(f"{inst.id} {inst.process_id} v{inst.version} {inst.state}")

    @app.command()
    def worker(concurrency: int = typer.Option(1, "--concurrency", min=1, metavar="N",
                                               help="Worker processes to run."),
               handlers: str | None = typer.Option(
                   None, "--handlers", metavar="MODULE", help="Python module with a "
                   "register(engine) function that registers the service-task handlers."),
               poll: float = typer.Option(0.5, "--poll", min=0.01, metavar="SECONDS",
                                          help="Pause between looks for due work when idle."),
               lease: float = typer.Option(30.0, "--lease", min=1.0, metavar="SECONDS",
                                           help="How long a job stays claimed; a worker that "
                                           "dies loses its jobs to others after this."),
               database: str | None = DATABASE) -> None:
        """Run the job executor: due timers and registered service-task handlers."""
        from civicflow.worker import (
            HandlerSetupError,
            WorkerProcessError,
            load_handlers,
            run_workers,
        )

        try:
            load_handlers(handlers)  # refuse a wrong module now, not in every worker process
        except HandlerSetupError as exc:
            _fail(str(exc), USAGE)
        url = _target(database)
        with _engine(url):
            pass  # reachable, writable and migrated before the workers start
        with _reported(url):
            try:
                run_workers(url, concurrency=concurrency, handlers=handlers,
                            poll_seconds=poll, lease_seconds=lease)
            except HandlerSetupError as exc:
                _fail(str(exc), USAGE)
            except WorkerProcessError as exc:
                _fail(str(exc))

    db_app = typer.Typer(help="Database schema commands.", no_args_is_help=True)

    @db_app.command("upgrade")
    def db_upgrade(database: str | None = DATABASE) -> None:
        """Create or migrate the schema to the newest version."""
        with _engine(database):
            pass  # opening migrates
        typer.echo("database is up to date")

    app.add_typer(db_app, name="db")
