"""Parse untrusted XML without letting it reach the network, expand entities or exhaust memory.

Uploaded BPMN files come from anyone. We refuse DTDs outright (BPMN never needs one, and they are
the vehicle of XXE and billion-laughs attacks), cap the size before reading, and rely on
libxml2's nesting limit (256 levels without ``huge_tree``) for depth. See decision 0101.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lxml import etree

from civicflow.model.errors import NotXmlError, UnsafeXmlError

#: Largest file accepted, in bytes. Real BPMN models are well under 5 MB.
MAX_BYTES = 20 * 1024 * 1024
#: Deepest element nesting accepted (libxml2's own limit without ``huge_tree``).
MAX_DEPTH = 256

_PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": False,
    "remove_pis": False,
    "collect_ids": False,
}


def _parser() -> etree.XMLParser:
    return etree.XMLParser(**_PARSER_OPTIONS)  # type: ignore[arg-type]


def read_source(
    source: str | bytes | Path, *, max_bytes: int = MAX_BYTES
) -> tuple[bytes, str | None]:
    """The bytes of ``source`` (a path, XML text or XML bytes) and a name for messages.

    A ``str`` that starts with ``<`` (after whitespace) is XML text; any other ``str`` is a path.
    A missing, unreadable or folder path raises ``NotXmlError``, like any file that cannot be
    imported, never a bare ``OSError``.
    """
    name: str | None = None
    if isinstance(source, str) and not source.lstrip("\ufeff \t\r\n").startswith("<"):
        source = Path(source)
    if isinstance(source, Path):
        name = str(source)
        if source.is_dir():
            raise NotXmlError(
                f"this is a folder, not a file; give the files in it, e.g. {name}/*.bpmn",
                source=name)
        try:
            size = source.stat().st_size
            if size > max_bytes:
                raise UnsafeXmlError(_too_big(size, max_bytes), source=name)
            with source.open("rb") as handle:
                data = handle.read(max_bytes + 1)
        except OSError as exc:
            raise NotXmlError(f"cannot read the file: {exc.strerror or exc}", source=name) from exc
    elif isinstance(source, str):
        data = source.lstrip("\ufeff").encode("utf-8")
    else:
        data = bytes(source)
    if len(data) > max_bytes:
        raise UnsafeXmlError(_too_big(len(data), max_bytes), source=name)
    return data, name


def _too_big(size: int, limit: int) -> str:
    return (
        f"the file is {size / 1_048_576:.1f} MB; the limit for a BPMN model is "
        f"{limit / 1_048_576:.0f} MB. Split the model or remove embedded content."
    )


def parse_xml(data: bytes, *, name: str | None = None) -> etree._Element:
    """Parse ``data`` safely and return the root element, or raise a clear ``BpmnImportError``."""
    head = data[:4096]
    if b"<!DOCTYPE" in head or b"<!ENTITY" in data:
        raise UnsafeXmlError(
            "the file contains a DOCTYPE or ENTITY declaration. BPMN files never need one and "
            "they can be used to attack the server, so they are refused; remove it and retry.",
            source=name,
        )
    if text_str := data.lstrip()[:1]:
        if text_str not in (b"<", b"\xef", b"\xff", b"\xfe"):
            raise NotXmlError("the file is not XML (it does not start with '<').", source=name)
    else:
        raise NotXmlError("the file is empty.", source=name)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        message = str(exc.msg or exc)
        line = exc.lineno if exc.lineno else None
        if "depth" in message.lower() or "nesting" in message.lower():
            raise UnsafeXmlError(
                f"elements are nested too deeply (more than {MAX_DEPTH} levels); "
                "this is not a real BPMN model.",
                line=line,
                source=name,
            ) from None
        raise NotXmlError(
            f"the file is not well-formed XML: {message}", line=line, source=name
        ) from None
    docinfo: Any = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise UnsafeXmlError(
            "the file contains a DOCTYPE declaration; BPMN files never need one, so it is refused.",
            source=name,
        )
    return root
