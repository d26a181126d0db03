"""DMN files that import other DMN files (DMN 1.3+ ``<import>``), resolved at deployment.

An import names a namespace; the engine finds the file with that namespace among the other
DMN files of the same ``engine.deploy`` call, else among the DMN files already deployed (the
newest one with that namespace), and so on for what those import. The files found are stored
with every decision version of the importing file (column ``imports``), so a version always
evaluates with the imported models it was deployed with (decision 0311).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, select

from civicflow.engine.errors import DeploymentError
from civicflow.store import tables as t

MAIN = "deployed file"  #: label of the deployed file itself in messages and import links


def dmn_imports(definitions: Any) -> list[Any]:
    """The imports of a file that are DMN models (others, e.g. XML schemas, are ignored)."""
    return [i for i in definitions.imports if "DMN" in i.import_type.upper()]


def definitions_of(text: str, label: str) -> Any:
    """One file's ``Definitions``; ``label`` names it in messages and import links."""
    from civicflow.dmn import parse_definitions

    return parse_definitions(text.encode("utf-8"), label)


def resolve(conn: Connection, main: Any, siblings: list[str]) -> tuple[Any, str | None]:
    """The ``DmnModel`` of ``main`` with every file it imports (directly or not), and those
    files as stored JSON (None when it imports nothing); a missing import is refused."""
    from civicflow.dmn.parse import DmnModel, ImportLink

    others = [definitions_of(text, f"file {n + 1} of this deployment")
              for n, text in enumerate(siblings)]
    texts = dict(zip((id(d) for d in others), siblings, strict=True))
    files: dict[str, tuple[str, Any]] = {}  # label -> (text, definitions)
    links: list[ImportLink] = []
    pending = [main]
    while pending:
        current = pending.pop()
        for item in dmn_imports(current):
            if item.namespace == main.namespace:
                links.append(ImportLink(str(current.source), item.name, MAIN))
                continue
            label = f"imported model {item.namespace}"
            if label not in files:
                text = _find(conn, item, current, others, texts)
                found = definitions_of(text, label)
                files[label] = (text, found)
                pending.append(found)
            links.append(ImportLink(str(current.source), item.name, label))
    if not links:
        return DmnModel(main), None
    model = DmnModel(main, tuple(d for _, d in files.values()), tuple(links))
    stored = {"files": [[label, text] for label, (text, _) in files.items()],
              "links": [[k.importer, k.name, k.target] for k in links]}
    return model, json.dumps(stored, ensure_ascii=False)


def stored_model(main: Any, imports: str | None) -> Any:
    """The ``DmnModel`` of a deployed decision version from its file and stored imports."""
    from civicflow.dmn.parse import DmnModel, ImportLink

    if not imports:
        return DmnModel(main)
    stored = json.loads(imports)
    imported = tuple(definitions_of(text, label) for label, text in stored["files"])
    return DmnModel(main, imported, tuple(ImportLink(*link) for link in stored["links"]))


def imported_namespaces(texts: list[str]) -> set[str]:
    """The namespaces the DMN files ``texts`` import (a file without decisions may be deployed
    beside a file that imports it)."""
    from civicflow.dmn import DmnError

    found: set[str] = set()
    for text in texts:
        try:
            found.update(i.namespace for i in dmn_imports(definitions_of(text, MAIN)))
        except DmnError:  # an unreadable file is refused on its own turn
            continue
    return found


def _find(conn: Connection, item: Any, importer: Any, others: list[Any],
          texts: dict[int, str]) -> str:
    for candidate in others:
        if candidate.namespace == item.namespace:
            return texts[id(candidate)]
    c = t.decision_deployments.c
    row = conn.execute(select(c.source).where(c.namespace == item.namespace)
                       .order_by(c.deployed_at.desc(), c.version.desc()).limit(1)).first()
    if row is not None:
        return str(row.source)
    where = "the deployed file" if importer.source == MAIN else f"the {importer.source}"
    raise DeploymentError(
        f"DMN import '{item.name}' of {where} needs the model with namespace "
        f"'{item.namespace}', but no DMN file of this deployment or deployed before has that "
        "namespace. Nothing was deployed; deploy the imported file together with this one "
        "(engine.deploy(\"main.dmn\", \"imported.dmn\")) or before it.")
