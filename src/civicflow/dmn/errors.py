"""Errors of the DMN layer, each with a message a person can act on."""

from __future__ import annotations


class DmnError(Exception):
    """Base class of every DMN error."""


class DmnImportError(DmnError):
    """A DMN file could not be read: names the file, line and element, and what to fix."""


class DmnEvaluationError(DmnError):
    """A decision cannot be evaluated at all: unknown decision, or FEEL stopped a runaway
    evaluation (a loop or recursion beyond its safety bounds)."""


class DecisionNotFoundError(DmnEvaluationError):
    """The model has no decision (or decision service) with the requested name or id."""
