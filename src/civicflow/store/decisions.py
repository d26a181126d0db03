"""DMN models deployed to the engine (Camunda 8 style) and the audit of their evaluations.

Every decision of a deployed DMN file becomes a versioned row: the same content keeps its
version, a changed model gives version n+1. Which version a business rule task evaluates is
its binding (latest, deployment, versionTag, Camunda 7 version), resolved by the engine
(``civicflow.engine.decisions``) from the rows read here.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from civicflow.engine.errors import DeploymentError
from civicflow.engine.runtime import new_id
from civicflow.engine.views import DecisionEvaluation, Deployment
from civicflow.store import tables as t
from civicflow.store.convert import loads, to_db, utc
from civicflow.store.dmn_imports import (
    MAIN,
    definitions_of,
    imported_namespaces,
    resolve,
    stored_model,
)

_DMN_NS = re.compile(r"""xmlns(?::[\w.-]+)?\s*=\s*["']https?://www\.omg\.org/spec/DMN/""")
_BPMN_NS = "www.omg.org/spec/BPMN/20100524/MODEL"


def is_dmn(text: str) -> bool:
    """Detected by content: the file declares a DMN namespace and is not a BPMN model."""
    return _BPMN_NS not in text and _DMN_NS.search(text) is not None


def parse_dmn(text: str, imports: str | None = None) -> Any:
    """The ``DmnModel`` of a deployed decision version (its file and the files it imported
    at deployment), or a ``DeploymentError`` saying what is wrong."""
    from civicflow.dmn import DmnError

    try:
        return stored_model(definitions_of(text, MAIN), imports)
    except DmnError as exc:
        raise _unreadable(exc) from exc


def _unreadable(exc: Exception) -> DeploymentError:
    return DeploymentError(
        f"The DMN model cannot be read: {exc} Nothing was deployed; fix the model in the "
        "modeler and deploy it again.")


def deploy_decisions(conn: Connection, text: str, name: str | None, now: datetime,
                     bundle_id: str | None = None, *, force: bool = False,
                     siblings: tuple[str, ...] = ()) -> list[Deployment]:
    """Store each decision of the DMN file (inside the caller's transaction).

    A decision whose content (with the files it imports) did not change keeps its version
    unless ``force`` (another resource of the same ``engine.deploy`` call changed, decision
    0311); new versions record ``bundle_id``, the call that deployed them, the decision's
    version tag, the file's namespace and the imported files. ``siblings`` are the other DMN
    files of the call: imports are looked for there first, and a file without decisions is
    accepted when one of them imports it.
    """
    from civicflow.dmn import DmnError

    try:
        main = definitions_of(text, MAIN)
        model, imports = resolve(conn, main, [s for s in siblings if s != text])
    except DmnError as exc:
        raise _unreadable(exc) from exc
    decisions = [d for d in model.main.decisions if d.id]
    if not decisions:
        if main.namespace and main.namespace in imported_namespaces(list(siblings)):
            return []  # a library of knowledge models, stored with the files importing it
        raise DeploymentError(
            "The DMN model defines no decision with an id; nothing was deployed. Add a "
            "decision (with an id) in the modeler and deploy again; if the file is a library "
            "another DMN file imports, deploy the two together (civicflow deploy main.dmn "
            "library.dmn).")
    out: list[Deployment] = []
    c = t.decision_deployments.c
    for decision in decisions:
        digest = hashlib.sha256("\0".join((decision.id, text, imports or ""))
                                .encode("utf-8")).hexdigest()
        latest = conn.execute(
            select(t.decision_deployments).where(c.decision_id == decision.id)
            .order_by(c.version.desc()).limit(1)).first()
        if latest is not None and latest.content_hash == digest and not force:
            out.append(Deployment(latest.id, latest.decision_id, latest.version, latest.name,
                                  utc(latest.deployed_at), "decision"))  # type: ignore[arg-type]
            continue
        current = conn.execute(select(func.max(c.version))
                               .where(c.decision_id == decision.id)).scalar()
        version = int(current or 0) + 1
        dep_id = new_id()
        label = name or decision.name or decision.id
        conn.execute(t.decision_deployments.insert().values(
            id=dep_id, decision_id=decision.id, version=version, name=label,
            content_hash=digest, source=text, deployed_at=to_db(now), bundle_id=bundle_id,
            version_tag=decision.version_tag, namespace=main.namespace or None,
            imports=imports))
        out.append(Deployment(dep_id, decision.id, version, label, now, "decision"))
    return out


def decision_deployments(conn: Connection) -> list[Deployment]:
    c = t.decision_deployments.c
    rows = conn.execute(select(t.decision_deployments).order_by(c.decision_id, c.version))
    return [Deployment(r.id, r.decision_id, r.version, r.name, utc(r.deployed_at),  # type: ignore[arg-type]
                       "decision") for r in rows]


def evaluations(conn: Connection, instance_id: str) -> list[DecisionEvaluation]:
    """The audited decisions of one instance, in the order they were taken."""
    c = t.decision_evaluations.c
    rows = conn.execute(select(t.decision_evaluations).where(c.instance_id == instance_id)
                        .order_by(c.id))
    return [DecisionEvaluation(r.instance_id, r.element_id, r.decision_id, r.decision_name,
                               r.version, tuple(loads(r.matched_rules)), loads(r.result),
                               tuple(loads(r.warnings)), utc(r.at))  # type: ignore[arg-type]
            for r in rows]
