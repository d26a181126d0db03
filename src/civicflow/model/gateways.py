"""Gateways (BPMN 2.0.2 chapter 10.6)."""

from __future__ import annotations

from dataclasses import dataclass

from civicflow.model.base import Expression, FlowNode


@dataclass(frozen=True, slots=True, kw_only=True)
class Gateway(FlowNode):
    """Common part of gateways; ``gateway_direction`` is as written (usually Unspecified)."""

    gateway_direction: str = "Unspecified"


@dataclass(frozen=True, slots=True, kw_only=True)
class ExclusiveGateway(Gateway):
    """Takes the first outgoing flow whose condition holds, else the ``default`` flow."""

    default: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class InclusiveGateway(Gateway):
    """Takes every outgoing flow whose condition holds, else the ``default`` flow."""

    default: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ParallelGateway(Gateway):
    """Splits into all outgoing flows; joins by waiting for all incoming flows."""


@dataclass(frozen=True, slots=True, kw_only=True)
class EventBasedGateway(Gateway):
    """Waits for the first of the events that follow it."""

    instantiate: bool = False
    event_gateway_type: str = "Exclusive"


@dataclass(frozen=True, slots=True, kw_only=True)
class ComplexGateway(Gateway):
    default: str | None = None
    activation_condition: Expression | None = None
