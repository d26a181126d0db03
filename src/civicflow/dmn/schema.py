"""Checking a DMN 1.3 file against the OMG XML schema (DMN13.xsd), for modellers and tests.

Evaluation never needs this: the importer reads DMN 1.1-1.5 leniently. Schema checking answers
"would another DMN tool accept this file?" for files in the DMN 1.3 namespace. The schema files
are not shipped with CivicFlow; pass the folder holding DMN13.xsd and its imports.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from lxml import etree

from civicflow.dmn.xmlsafe import parse_xml

DMN13_NAMESPACE = "https://www.omg.org/spec/DMN/20191111/MODEL/"


@lru_cache(maxsize=4)
def _schema(folder: Path) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(folder / "DMN13.xsd"), parser))


def schema_errors(data: bytes, xsd_folder: Path, source: str = "<memory>") -> list[str]:
    """Schema violations of a DMN 1.3 document, each with its line; [] when it is valid.

    A document in another DMN namespace gets one finding saying so, since DMN13.xsd cannot
    judge it.
    """
    root = parse_xml(data, source)
    namespace = etree.QName(root).namespace
    if namespace != DMN13_NAMESPACE:
        return [f"{source}: namespace {namespace} is not DMN 1.3; DMN13.xsd cannot check it."]
    schema = _schema(xsd_folder.resolve())
    if schema.validate(root):
        return []
    # lxml's error log is iterable; its stubs do not say so.
    entries = cast(Iterable[Any], schema.error_log)
    return [f"{source}, line {entry.line}: {entry.message}" for entry in entries]
