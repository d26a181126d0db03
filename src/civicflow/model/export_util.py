"""Small helpers the exporter shares: numbers, booleans, verbatim XML."""

from __future__ import annotations

from lxml import etree

from civicflow.model.xmlnode import XmlNode


def num(value: float) -> str:
    """A coordinate as a modeler wrote it: ``152`` rather than ``152.0``; exact otherwise."""
    value = float(value)  # ints are accepted too (models built in code)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def bool_attr(value: bool | None) -> str | None:
    """``true``/``false`` for an XML attribute, None to leave it out."""
    if value is None:
        return None
    return "true" if value else "false"


def write_xml_node(parent: etree._Element, node: XmlNode) -> etree._Element:
    """Append ``node`` (and its subtree) to ``parent``, exactly as it was read."""
    el = etree.SubElement(parent, node.tag)
    for key, value in node.attributes:
        el.set(key, value)
    el.text = node.text
    for child in node.children:
        write_xml_node(el, child)
    el.tail = node.tail
    return el
