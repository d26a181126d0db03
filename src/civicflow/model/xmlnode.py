"""Verbatim XML kept inside the model: extension elements and BPMN parts we do not interpret.

Stored as a plain immutable tree (not lxml objects) so models compare, hash and pickle, and an
export writes back what the modeler's tool wrote. Whitespace-only text is dropped (it is layout,
not content); namespace prefixes are not part of the value (Clark names ``{uri}local``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple


class XmlNode(NamedTuple):
    """One XML element with its attributes, text and children, namespace-qualified (Clark names).

    A named tuple rather than a dataclass because vendor tools write thousands of these per
    file and a tuple is several times cheaper to build. ``line`` is not part of equality.
    """

    tag: str
    attributes: tuple[tuple[str, str], ...] = ()
    text: str | None = None
    children: tuple[XmlNode, ...] = ()
    tail: str | None = None
    line: int | None = None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, XmlNode):
            return NotImplemented
        return self[:5] == other[:5]

    def __ne__(self, other: object) -> bool:
        if not isinstance(other, XmlNode):
            return NotImplemented
        return self[:5] != other[:5]

    def __hash__(self) -> int:
        return hash(self[:5])

    @property
    def namespace(self) -> str | None:
        """The namespace URI, or None for an element in no namespace."""
        if self.tag.startswith("{"):
            return self.tag[1 : self.tag.index("}")]
        return None

    @property
    def local_name(self) -> str:
        """The tag without its namespace."""
        return self.tag.rpartition("}")[2]

    def get(self, name: str, default: str | None = None) -> str | None:
        """The value of attribute ``name`` (a Clark name for namespaced attributes)."""
        for key, value in self.attributes:
            if key == name:
                return value
        return default

    def find_all(self, local_name: str, namespace: str | None = None) -> Iterator[XmlNode]:
        """Direct children with this local name (and namespace, when given)."""
        for child in self.children:
            if child.local_name == local_name and (
                namespace is None or child.namespace == namespace
            ):
                yield child

    def find(self, local_name: str, namespace: str | None = None) -> XmlNode | None:
        """The first direct child with this local name, or None."""
        return next(self.find_all(local_name, namespace), None)

    @property
    def text_content(self) -> str:
        """All text inside the element, children included, in document order."""
        parts: list[str] = [self.text or ""]
        for child in self.children:
            parts.append(child.text_content)
            parts.append(child.tail or "")
        return "".join(parts)
