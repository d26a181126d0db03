"""Activities: tasks, call activities and loop characteristics (BPMN 2.0.2 chapter 10.3).

Subprocesses, which also contain flow elements, live in ``scope.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from civicflow.model.base import DataAssociation, Element, Expression, FlowNode, Property
from civicflow.model.xmlnode import XmlNode


@dataclass(frozen=True, slots=True, kw_only=True)
class LoopCharacteristics(Element):
    """Base of standard loops and multi-instance characteristics."""

    id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StandardLoopCharacteristics(LoopCharacteristics):
    """Repeat the activity while ``loop_condition`` holds (tested before or after each run)."""

    test_before: bool = False
    loop_maximum: int | None = None
    loop_condition: Expression | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MultiInstanceLoopCharacteristics(LoopCharacteristics):
    """Run the activity once per item or ``loop_cardinality`` times, in parallel or in sequence.

    Camunda 8 models put the collection in ``zeebe:loopCharacteristics`` instead (see
    ``Activity.zeebe.loop``).
    """

    is_sequential: bool = False
    behavior: str = "All"
    loop_cardinality: Expression | None = None
    loop_data_input_ref: str | None = None
    loop_data_output_ref: str | None = None
    input_data_item: XmlNode | None = None
    output_data_item: XmlNode | None = None
    completion_condition: Expression | None = None
    one_behavior_event_ref: str | None = None
    none_behavior_event_ref: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Activity(FlowNode):
    """What every activity has: loop characteristics, data associations, a default flow."""

    is_for_compensation: bool = False
    start_quantity: int = 1
    completion_quantity: int = 1
    default: str | None = None
    loop: LoopCharacteristics | None = None
    io_specification: XmlNode | None = None
    properties: tuple[Property, ...] = ()
    data_input_associations: tuple[DataAssociation, ...] = ()
    data_output_associations: tuple[DataAssociation, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Task(Activity):
    """A plain task (no type): the engine passes through it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class UserTask(Task):
    implementation: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ManualTask(Task):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceTask(Task):
    implementation: str | None = None
    operation_ref: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SendTask(Task):
    message_ref: str | None = None
    implementation: str | None = None
    operation_ref: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiveTask(Task):
    message_ref: str | None = None
    instantiate: bool = False
    implementation: str | None = None
    operation_ref: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ScriptTask(Task):
    """A script task; Camunda 8 models keep the FEEL script in ``zeebe.script`` instead."""

    script_format: str | None = None
    script: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class BusinessRuleTask(Task):
    implementation: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CallActivity(Activity):
    """Calls another process (``called_element``, or ``zeebe.called_element`` in Camunda 8)."""

    called_element: str | None = None
