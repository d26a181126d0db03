"""Namespace-independent helpers for reading DMN elements of any version (1.1 to 1.5)."""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from civicflow.dmn.errors import DmnImportError

#: The MODEL namespace of each DMN version, to the version it names.
DMN_NAMESPACES: dict[str, str] = {
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd": "1.1",
    "http://www.omg.org/spec/DMN/20180521/MODEL/": "1.2",
    "https://www.omg.org/spec/DMN/20191111/MODEL/": "1.3",
    "https://www.omg.org/spec/DMN/20211108/MODEL/": "1.4",
    "https://www.omg.org/spec/DMN/20230324/MODEL/": "1.5",
}

#: Old and alternative spellings of FEEL's built-in type names, to the FEEL name.
TYPE_ALIASES: dict[str, str] = {
    "dateTime": "date and time",
    # Camunda 7 models type numbers by their Java type.
    "integer": "number",
    "long": "number",
    "double": "number",
    "dayTimeDuration": "days and time duration",
    "yearMonthDuration": "years and months duration",
    "any": "Any",
}


def local(element: etree._Element) -> str:
    """The element's name without its namespace."""
    return etree.QName(element).localname


def namespace(element: etree._Element) -> str:
    """The element's namespace URI ('' if none)."""
    return etree.QName(element).namespace or ""


def children(element: etree._Element, name: str, ns: str) -> Iterator[etree._Element]:
    """Child elements named ``name`` in the DMN namespace ``ns``."""
    return element.iterchildren(f"{{{ns}}}{name}")


def child(element: etree._Element, name: str, ns: str) -> etree._Element | None:
    """The first child named ``name`` in ``ns``, or None."""
    return element.find(f"{{{ns}}}{name}")


def child_text(element: etree._Element, name: str, ns: str) -> str | None:
    """The text of the first child named ``name`` ('' when empty), or None when absent."""
    return element.findtext(f"{{{ns}}}{name}")


def text_of(element: etree._Element | None, ns: str) -> str | None:
    """The ``<text>`` content of an element (literal expressions, unary tests), or None."""
    if element is None:
        return None
    return child_text(element, "text", ns)


def required(element: etree._Element, attribute: str, source: str) -> str:
    """An attribute the element must have; a clear error otherwise."""
    value = element.get(attribute)
    if value is None:
        raise DmnImportError(
            f"{source}, line {element.sourceline}: <{local(element)}> has no '{attribute}'"
            " attribute; add it in the modeller."
        )
    return value


def type_ref(element: etree._Element, ns: str) -> str | None:
    """The element's type reference (attribute or DMN 1.1 child), without a FEEL prefix."""
    raw = element.get("typeRef")
    if raw is None:
        raw = child_text(element, "typeRef", ns)
    if raw is None:
        return None
    raw = raw.strip()
    if ":" in raw:
        prefix, rest = raw.split(":", 1)
        if prefix in (element.nsmap or {}) or prefix == "feel":
            raw = rest
    return TYPE_ALIASES.get(raw, raw)
