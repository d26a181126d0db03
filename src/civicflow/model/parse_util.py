"""Small helpers the importer uses to read lxml elements into model values."""

from __future__ import annotations

from typing import Any

from lxml import etree

from civicflow.model.base import Documentation, Expression
from civicflow.model.names import XSI_TYPE, m
from civicflow.model.xmlnode import XmlNode

Attrs = dict[str, str]

DOCUMENTATION = m("documentation")
EXTENSION_ELEMENTS = m("extensionElements")
INCOMING = m("incoming")
OUTGOING = m("outgoing")
_SKIPPED = frozenset((INCOMING, OUTGOING))


def line_of(el: Any) -> int | None:
    """The source line of an lxml node (the stubs type it loosely)."""
    line = el.sourceline
    return line if isinstance(line, int) else None


def all_text(el: etree._Element) -> str:
    """All text inside ``el`` (CDATA included), children's text too."""
    return "".join(str(t) for t in el.itertext())


def is_element(node: Any) -> bool:
    """True for elements; False for comments and processing instructions."""
    return isinstance(node.tag, str)


def text_or_none(text: str | None) -> str | None:
    """Text as written, or None when it is only layout whitespace."""
    if text is None or not text.strip():
        return None
    return text


_new_node = tuple.__new__


def xml_node(el: etree._Element) -> XmlNode:
    """A verbatim copy of ``el`` (comments and processing instructions are dropped).

    Hot path: vendor tools write thousands of extension elements, so this avoids helpers.
    """
    children = tuple([xml_node(c) for c in el if c.tag.__class__ is str])
    text = el.text
    if text is not None and (not text or text.isspace()):
        text = None
    tail = el.tail
    if tail is not None and (not tail or tail.isspace()):
        tail = None
    return _new_node(
        XmlNode, (el.tag, tuple(el.items()), text, children, tail, el.sourceline)
    )


def ref(value: str | None) -> str | None:
    """An id reference with any namespace prefix removed (ids never contain a colon)."""
    if value is None:
        return None
    value = value.strip()
    return value.rpartition(":")[2] if ":" in value else value


def pop_ref(attrs: Attrs, key: str) -> str | None:
    return ref(attrs.pop(key, None))


def pop_bool(attrs: Attrs, key: str, default: bool) -> bool:
    value = attrs.get(key)
    if value is None:
        return default
    text = value.strip().lower()
    if text in ("true", "1"):
        del attrs[key]
        return True
    if text in ("false", "0"):
        del attrs[key]
        return False
    return default  # unparseable: left in attrs, exported as written


def pop_opt_bool(attrs: Attrs, key: str) -> bool | None:
    if key not in attrs:
        return None
    return (
        pop_bool(attrs, key, False)
        if attrs.get(key, "").strip().lower()
        in (
            "true",
            "false",
            "1",
            "0",
        )
        else None
    )


def pop_int(attrs: Attrs, key: str, default: int | None) -> Any:
    value = attrs.get(key)
    if value is None:
        return default
    try:
        number = int(value.strip())
    except ValueError:
        return default
    del attrs[key]
    return number


def documentation(el: etree._Element) -> Documentation:
    return Documentation(text=el.text or "", text_format=el.get("textFormat"), id=el.get("id"))


def expression(el: etree._Element) -> Expression:
    """An expression element (``conditionExpression``, ``timeDate``...)."""
    attrs: Attrs = dict(el.items())  # type: ignore[arg-type]
    xsi_type = attrs.pop(XSI_TYPE, None)
    formal = xsi_type is not None and xsi_type.rpartition(":")[2] == "tFormalExpression"
    if xsi_type is not None and not formal and xsi_type.rpartition(":")[2] == "tExpression":
        xsi_type = None
    if xsi_type is not None and not formal:
        attrs[XSI_TYPE] = xsi_type
    body = all_text(el)
    return Expression(
        body=body.strip(),
        language=attrs.pop("language", None),
        formal=formal,
        evaluates_to_type_ref=attrs.pop("evaluatesToTypeRef", None),
        id=attrs.pop("id", None),
        attributes=tuple(attrs.items()),
        line=line_of(el),
    )


def local(tag: str) -> str:
    return tag.rpartition("}")[2]
