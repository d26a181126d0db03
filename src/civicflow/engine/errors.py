"""Engine errors, each with a message a civil servant (or an operator) can act on."""

from __future__ import annotations


class EngineError(Exception):
    """Base class of every error the engine raises on purpose."""


class DeploymentError(EngineError):
    """A model cannot be deployed as written (names the element and what to change)."""


class NotFoundError(EngineError):
    """A process, instance, task, job or incident does not exist (any more)."""


class ConflictError(EngineError):
    """Someone else changed the same case at the same moment; reload and try again."""


class TaskAlreadyCompletedError(ConflictError):
    """A user task was completed (or cancelled) before this completion arrived."""


class TaskClaimedError(ConflictError):
    """A user task is claimed by (or assigned to) someone else; they or a supervisor must
    unclaim it first."""


class JobNotLockedError(ConflictError):
    """An external worker reports on a job it no longer holds (lock expired or job gone)."""


class InvalidCommandError(EngineError):
    """The command does not fit the current state (e.g. retrying a resolved incident)."""


class BpmnError(Exception):
    """Raised by a service handler to throw a BPMN error that a boundary event may catch.

    ``code`` is matched against the ``errorCode`` of error boundary and error start events.
    """

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(message or code)
        self.code = code
        self.message = message
