"""Safe parsing of untrusted DMN XML: no entities, no DTDs, no network, bounded size and depth."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from civicflow.dmn.errors import DmnImportError

#: Larger files are refused: real decision models are kilobytes, the TCK's largest ~300 KB.
MAX_BYTES = 20 * 1024 * 1024
#: Deeper nesting is refused; boxed expressions nest a few levels, never hundreds.
MAX_DEPTH = 200


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(data: bytes, source: str) -> etree._Element:
    """Parse ``data`` into an element tree, refusing anything an attacker could abuse."""
    if len(data) > MAX_BYTES:
        raise DmnImportError(f"{source}: the file is larger than {MAX_BYTES // (1024 * 1024)} MB;"
                             " split the model or check that this is a DMN file.")
    if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data:
        raise DmnImportError(f"{source}: DTDs and entity declarations are not allowed in DMN files;"
                             " remove the <!DOCTYPE ...> declaration.")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise DmnImportError(f"{source}: not well-formed XML: {exc.msg} (line {exc.lineno})."
                             ) from exc
    _check_depth(root, source)
    return root


def parse_file(path: Path) -> etree._Element:
    """Read and safely parse the XML file at ``path``."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise DmnImportError(f"{path}: the file is larger than {MAX_BYTES // (1024 * 1024)}"
                                 " MB; split the model or check that this is a DMN file.")
        data = path.read_bytes()
    except OSError as exc:
        raise DmnImportError(f"{path}: cannot read the file: {exc.strerror}.") from exc
    return parse_xml(data, str(path))


def _check_depth(root: etree._Element, source: str) -> None:
    # One XPath step per level, evaluated in C: is any element nested MAX_DEPTH + 1 deep?
    too_deep = root.xpath("/*" + "/*" * MAX_DEPTH)
    if isinstance(too_deep, list) and too_deep:
        element = too_deep[0]
        line = element.sourceline if isinstance(element, etree._Element) else "?"
        raise DmnImportError(f"{source}: elements nest deeper than {MAX_DEPTH} levels"
                             f" (line {line}); the file is not a usable model.")
