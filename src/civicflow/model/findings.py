"""Findings: what validation tells a person about a model, with where and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"  #: the model is inconsistent, or (executability) the engine cannot run it
    WARNING = "warning"  #: probably a mistake, but the model can be used as it is
    INFO = "info"  #: worth knowing (e.g. a part the engine ignores)


class Level(StrEnum):
    MODEL = "model"  #: the model itself is wrong (dangling reference, duplicate id...)
    EXECUTABILITY = "executability"  #: the model is fine, the CivicFlow engine cannot run it


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """One thing found in a model: which element, where in the file, what is wrong and why."""

    level: Level
    severity: Severity
    code: str  #: stable identifier, e.g. ``dangling-reference``
    message: str  #: plain language, says what to do
    element_id: str | None = None
    element_name: str | None = None
    line: int | None = None
    process_id: str | None = None

    def as_dict(self) -> dict[str, str | int | None]:
        return {
            "level": self.level.value,
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            "element_id": self.element_id,
            "element_name": self.element_name,
            "line": self.line,
            "process_id": self.process_id,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ProcessReport:
    """Whether one process can run on the CivicFlow engine, and what prevents it."""

    process_id: str
    name: str | None
    executable: bool
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckReport:
    """Everything ``check`` found in one file."""

    model_findings: tuple[Finding, ...]
    processes: tuple[ProcessReport, ...]

    @property
    def has_model_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.model_findings)

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Model findings first, then each process's executability findings."""
        out = list(self.model_findings)
        for process in self.processes:
            out.extend(process.findings)
        return tuple(out)
