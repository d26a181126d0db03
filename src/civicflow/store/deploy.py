"""Deploying BPMN processes: versioning by content and scheduling timer start events.

A process whose content did not change keeps its version; a changed one becomes n+1, and its
timer start events replace the previous version's (Camunda 8).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, and_, select

from civicflow.engine.errors import DeploymentError
from civicflow.engine.graph import ProcessGraph
from civicflow.engine.job_commands import timer_start_jobs
from civicflow.engine.runtime import new_id
from civicflow.engine.views import Deployment
from civicflow.engine.work import Changes
from civicflow.store import tables as t
from civicflow.store.convert import to_db, utc
from civicflow.store.dbapi import Raw
from civicflow.store.state import next_version
from civicflow.store.writes import apply_changes

Source = str | bytes | Path


_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_LONGEST_PATH = 4096


def read_source(source: Source) -> str:
    """A path, bytes or XML text, as text (a ``str`` is XML when it starts with ``<``).

    Anything that is neither readable UTF-8/UTF-16 XML nor an existing file is a
    ``DeploymentError`` saying which, never a decoding or file-system exception.
    """
    if isinstance(source, bytes):
        return _xml(_decode(source, "the uploaded model"), "the uploaded model")
    given: object = source  # from Python callers, anything may come
    if not isinstance(given, str | Path):
        hint = ("; pass the files as separate arguments: engine.deploy(*files)"
                if isinstance(given, list | tuple) else "")
        raise TypeError("engine.deploy takes file paths, bytes or BPMN/DMN XML text, not "
                        f"{type(given).__name__}{hint}")
    if isinstance(source, str) and source.lstrip().startswith("<"):
        return source
    if isinstance(source, str) and ("\n" in source or len(source) > _LONGEST_PATH):
        raise DeploymentError(
            "This is neither BPMN/DMN XML (it does not start with '<') nor a file name.")
    path = Path(source)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DeploymentError(f"There is no file {path}; check the path.") from None
    except IsADirectoryError:
        raise DeploymentError(f"{path} is a folder; give a .bpmn or .dmn file.") from None
    except OSError as exc:
        raise DeploymentError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    return _xml(_decode(data, str(path)), str(path))


def _xml(text: str, what: str) -> str:
    """Refuse text that is not XML here: the model reader would take it for a file name."""
    if not text.lstrip().startswith("<"):
        raise DeploymentError(
            f"{what} is not XML (a BPMN or DMN model starts with '<'); export the model from "
            "your modeler as BPMN 2.0 (or DMN) XML.")
    return text


def _decode(data: bytes, what: str) -> str:
    try:
        if data.startswith(_UTF16_BOMS):
            return data.decode("utf-16")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DeploymentError(
            f"{what} is not UTF-8 or UTF-16 text; is it a BPMN or DMN XML file?") from None


def deploy_processes(conn: Connection, text: str, name: str | None, now: datetime,
                     graphs: dict[str, ProcessGraph], bundle_id: str | None = None, *,
                     force: bool = False) -> list[Deployment]:
    """Deploy every executable process of a BPMN file; new graphs go into ``graphs``.

    An unchanged process keeps its version unless ``force`` (another resource of the same
    ``engine.deploy`` call changed); new versions record ``bundle_id`` (decision 0311)."""
    from civicflow.engine.compile import compile_source

    compiled = compile_source(text)
    if not compiled:
        raise DeploymentError(
            "The model contains no executable process (isExecutable=\"true\"); "
            "mark the process executable in the modeler and deploy again."
        )
    out: list[Deployment] = []
    for graph in compiled:
        digest = hashlib.sha256((graph.process_id + "\0" + text).encode("utf-8")).hexdigest()
        c = t.deployments.c
        latest = conn.execute(
            select(t.deployments).where(c.process_id == graph.process_id)
            .order_by(c.version.desc()).limit(1)
        ).first()
        if latest is not None and latest.content_hash == digest and not force:
            out.append(Deployment(latest.id, latest.process_id, latest.version,
                                  latest.name, utc(latest.deployed_at)))  # type: ignore[arg-type]
            continue
        version = next_version(conn, graph.process_id)
        dep_id = new_id()
        conn.execute(t.deployments.insert().values(
            id=dep_id, process_id=graph.process_id, version=version,
            name=name or graph.name, content_hash=digest, source=text,
            deployed_at=to_db(now), bundle_id=bundle_id))
        _schedule_timer_starts(conn, graph, dep_id, latest, now)
        graphs[dep_id] = graph
        out.append(Deployment(dep_id, graph.process_id, version, name or graph.name, now))
    return out


def deploy_bundle(conn: Connection, texts: list[str], name: str | None, now: datetime,
                  graphs: dict[str, ProcessGraph], *,
                  labels: list[str] | None = None) -> list[Deployment]:
    """Deploy the resources of one ``engine.deploy`` call together (decision 0311).

    They share a bundle id, which binding type "deployment" follows from a process version to
    the decisions and processes deployed with it. So that this stays true, when any resource
    of a call of several changed, the unchanged ones get a new version too (same content).
    """
    from civicflow.store.decisions import deploy_decisions, is_dmn

    bundle_id = new_id()
    dmn_texts = tuple(text for text in texts if is_dmn(text))

    def one(text: str, force: bool) -> list[Deployment]:
        if is_dmn(text):
            return deploy_decisions(conn, text, name, now, bundle_id, force=force,
                                    siblings=dmn_texts)
        return deploy_processes(conn, text, name, now, graphs, bundle_id, force=force)

    def named(text: str, force: bool, label: str | None) -> list[Deployment]:
        try:
            return one(text, force)
        except DeploymentError as exc:
            if label is None:
                raise
            raise DeploymentError(f"{label}: {exc}") from exc

    names: list[str | None] = list(labels) if labels else [None] * len(texts)
    # the same file given twice is deployed once
    first: dict[str, str | None] = {}
    for text, label in zip(texts, names, strict=True):
        first.setdefault(text, label)
    texts, names = list(first), list(first.values())
    results = [named(text, False, label) for text, label in zip(texts, names, strict=True)]
    _refuse_two_definitions(results, names)
    if len(texts) > 1:
        stored = _stored_by(conn, bundle_id)
        changed = [any(d.id in stored for d in r) for r in results]
        if any(changed):
            results = [r if fresh else named(text, True, label)
                       for text, r, fresh, label in zip(texts, results, changed, names,
                                                        strict=True)]
    return [d for r in results for d in r]


def _refuse_two_definitions(results: list[list[Deployment]],
                            names: list[str | None]) -> None:
    """Two files of one call defining the same process or decision would give the bundle two
    versions of it, and binding type "deployment" could not say which one is meant."""
    seen: dict[tuple[str, str], int] = {}
    for position, deployed in enumerate(results):
        for d in deployed:
            other = seen.setdefault((d.kind, d.process_id), position)
            if other != position:
                what = "Decision" if d.kind == "decision" else "Process"
                one, two = (names[i] or f"file {i + 1}" for i in (other, position))
                raise DeploymentError(
                    f"{what} '{d.process_id}' is defined by both {one} and {two}; nothing "
                    "was deployed. Deploy the files in separate calls, or give one of them "
                    "another id.")


def _stored_by(conn: Connection, bundle_id: str) -> set[str]:
    """The process and decision versions the deploy call ``bundle_id`` stored so far."""
    ids: set[str] = set()
    for table in (t.deployments, t.decision_deployments):
        ids.update(str(r[0]) for r in conn.execute(
            select(table.c.id).where(table.c.bundle_id == bundle_id)))
    return ids


def _schedule_timer_starts(conn: Connection, graph: ProcessGraph, dep_id: str,
                           previous: Any, now: datetime) -> None:
    """A new version's timer start events replace the previous version's (Camunda 8), and
    its parallel multiple start events start collecting triggers afresh."""
    c = t.jobs.c
    if previous is not None:
        conn.execute(t.jobs.delete().where(and_(c.instance_id == "",
                                                c.token_id == previous.id)))
        # start triggers now go to the new version: the old one's partial parallel multiple
        # starts could never complete (decision 0303)
        conn.execute(t.pending_starts.delete().where(
            t.pending_starts.c.deployment_id == previous.id))
    jobs = timer_start_jobs(graph, dep_id, now)
    if jobs:
        apply_changes(Raw.of(conn), _jobs_only(jobs))


def _jobs_only(jobs: list[Any]) -> Changes:
    empty: tuple[list[Any], list[Any], list[str]] = ([], [], [])
    return Changes(instances=empty, locked_instances={}, scopes=empty, tokens=empty,
                   user_tasks=empty, jobs=(jobs, [], []), subscriptions=empty,
                   incidents=empty, variables_set=[], variables_deleted=[],
                   variable_scopes_cleared=[], mi_values_set=[], mi_scopes_cleared=[],
                   messages_inserted=[], messages_deleted=[], history=[])


def deployments(conn: Connection) -> list[Deployment]:
    """Deployed process versions, then deployed decision versions (``kind="decision"``)."""
    from civicflow.store.decisions import decision_deployments

    rows = conn.execute(select(t.deployments).order_by(
        t.deployments.c.process_id, t.deployments.c.version))
    processes = [Deployment(r.id, r.process_id, r.version, r.name, utc(r.deployed_at))  # type: ignore[arg-type]
                 for r in rows]
    return processes + decision_deployments(conn)


def find_deployment(raw: Raw, process_id: str, version: int | None) -> str | None:
    """The id of the latest (or the given) version of a deployed process."""
    sql = "SELECT id FROM cf_deployments WHERE process_id = ?"
    params: list[Any] = [process_id]
    if version is not None:
        sql += " AND version = ?"
        params.append(version)
    found = raw.tuples(sql + " ORDER BY version DESC LIMIT 1", params)
    return str(found[0][0]) if found else None
