"""Why a file could not be imported at all, in words a person can act on."""

from __future__ import annotations


class BpmnImportError(Exception):
    """A file could not be imported. ``line`` is where the problem is, when known."""

    def __init__(self, message: str, *, line: int | None = None, source: str | None = None):
        self.message = message
        self.line = line
        self.source = source
        where = f"{source}: " if source else ""
        at = f"line {line}: " if line else ""
        super().__init__(f"{where}{at}{message}")


class NotXmlError(BpmnImportError):
    """The file is not well-formed XML (or is not text at all)."""


class NotBpmnError(BpmnImportError):
    """The file is XML but not a BPMN 2.0 ``definitions`` document."""


class UnsafeXmlError(BpmnImportError):
    """The file uses XML features that untrusted uploads may not use (DTDs, entities) or is too
    large or too deeply nested."""
