"""Typed views of vendor extensions an engine needs: Camunda 8 ``zeebe:``, Camunda 7 ``camunda:``.

The model keeps every extension element verbatim (``Element.extension_elements``) and every
foreign attribute (``Element.attributes``); these classes only *read* them, so nothing a modeler
wrote is lost and export needs no special case. Camunda 7 also accepts the older Activiti
namespace, which Camunda Modeler still writes under the ``camunda`` prefix in old files.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from civicflow.model.xmlnode import XmlNode

ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
ACTIVITI_NS = "http://activiti.org/bpmn"
_CAMUNDA_NAMESPACES = (CAMUNDA_NS, ACTIVITI_NS)

Attributes = tuple[tuple[str, str], ...]


def _bool(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    return value.strip().lower() == "true"


@dataclass(frozen=True, slots=True)
class TaskDefinition:
    """``zeebe:taskDefinition``: the job type a worker or handler subscribes to."""

    type: str
    retries: str | None = None  #: kept as written: may be a number or a ``=`` FEEL expression


@dataclass(frozen=True, slots=True)
class TaskHeader:
    """``zeebe:header``: a static key/value handed to the job handler."""

    key: str
    value: str


@dataclass(frozen=True, slots=True)
class IoMapping:
    """One ``zeebe:input``/``zeebe:output``: ``source`` (FEEL, ``=``-prefixed) to ``target``."""

    source: str | None
    target: str


@dataclass(frozen=True, slots=True)
class ZeebeScript:
    """``zeebe:script``: a FEEL expression whose value is stored in ``result_variable``."""

    expression: str
    result_variable: str | None = None


@dataclass(frozen=True, slots=True)
class ZeebeCalledElement:
    """``zeebe:calledElement`` of a call activity."""

    process_id: str
    propagate_all_child_variables: bool = True
    propagate_all_parent_variables: bool = True


@dataclass(frozen=True, slots=True)
class ZeebeLoop:
    """``zeebe:loopCharacteristics`` of a multi-instance activity."""

    input_collection: str | None = None
    input_element: str | None = None
    output_collection: str | None = None
    output_element: str | None = None


@dataclass(frozen=True, slots=True)
class ZeebeAssignment:
    """``zeebe:assignmentDefinition`` of a user task (values may be ``=`` FEEL expressions)."""

    assignee: str | None = None
    candidate_groups: str | None = None
    candidate_users: str | None = None


@dataclass(frozen=True, slots=True)
class ZeebeForm:
    """``zeebe:formDefinition``: which form a user task shows."""

    form_key: str | None = None
    form_id: str | None = None
    external_reference: str | None = None


@dataclass(frozen=True, slots=True)
class ZeebeCalledDecision:
    """``zeebe:calledDecision`` of a business rule task."""

    decision_id: str
    result_variable: str | None = None


@dataclass(frozen=True, slots=True)
class ZeebeExtension:
    """Everything Camunda 8 wrote on one element; fields are None/empty when absent."""

    task_definition: TaskDefinition | None = None
    task_headers: tuple[TaskHeader, ...] = ()
    inputs: tuple[IoMapping, ...] = ()
    outputs: tuple[IoMapping, ...] = ()
    script: ZeebeScript | None = None
    called_element: ZeebeCalledElement | None = None
    called_decision: ZeebeCalledDecision | None = None
    loop: ZeebeLoop | None = None
    correlation_key: str | None = None  #: from ``zeebe:subscription`` on a message
    assignment: ZeebeAssignment | None = None
    form: ZeebeForm | None = None
    user_task_forms: tuple[
        tuple[str | None, str], ...
    ] = ()  #: (id, body) of ``zeebe:userTaskForm``
    properties: tuple[tuple[str, str], ...] = ()  #: ``zeebe:properties`` name/value pairs

    @property
    def is_empty(self) -> bool:
        """True when the element carries no Camunda 8 extension at all."""
        return self == _EMPTY_ZEEBE


_EMPTY_ZEEBE = ZeebeExtension()


@dataclass(frozen=True, slots=True)
class CamundaParameter:
    """A ``camunda:inputParameter``/``outputParameter``: text, or a script/list/map kept raw."""

    name: str
    value: str | None = None
    raw: XmlNode | None = None  #: the ``camunda:script``/``list``/``map`` child when not plain text


@dataclass(frozen=True, slots=True)
class CamundaExtension:
    """Camunda 7 attributes and extension elements of one element."""

    form_key: str | None = None
    assignee: str | None = None
    candidate_groups: str | None = None
    candidate_users: str | None = None
    class_name: str | None = None  #: ``camunda:class``
    expression: str | None = None
    delegate_expression: str | None = None
    topic: str | None = None  #: external task topic (with ``camunda:type="external"``)
    type: str | None = None
    result_variable: str | None = None
    async_before: bool = False
    async_after: bool = False
    input_parameters: tuple[CamundaParameter, ...] = ()
    output_parameters: tuple[CamundaParameter, ...] = ()
    properties: tuple[tuple[str, str], ...] = ()

    @property
    def is_empty(self) -> bool:
        """True when the element carries no Camunda 7 extension at all."""
        return self == _EMPTY_CAMUNDA


_EMPTY_CAMUNDA = CamundaExtension()


def _zeebe_children(node: XmlNode, local: str) -> tuple[XmlNode, ...]:
    return tuple(node.find_all(local, ZEEBE_NS))


@lru_cache(maxsize=4096)
def zeebe_extension(extension_elements: tuple[XmlNode, ...]) -> ZeebeExtension:
    """Read the Camunda 8 extension elements (cached: models are immutable)."""
    values: dict[str, object] = {}
    headers: list[TaskHeader] = []
    inputs: list[IoMapping] = []
    outputs: list[IoMapping] = []
    forms: list[tuple[str | None, str]] = []
    props: list[tuple[str, str]] = []
    for node in extension_elements:
        if node.namespace != ZEEBE_NS:
            continue
        local = node.local_name
        if local == "taskDefinition":
            values["task_definition"] = TaskDefinition(
                type=node.get("type") or "", retries=node.get("retries")
            )
        elif local == "taskHeaders":
            headers.extend(
                TaskHeader(h.get("key") or "", h.get("value") or "")
                for h in _zeebe_children(node, "header")
            )
        elif local == "ioMapping":
            inputs.extend(
                IoMapping(m.get("source"), m.get("target") or "")
                for m in _zeebe_children(node, "input")
            )
            outputs.extend(
                IoMapping(m.get("source"), m.get("target") or "")
                for m in _zeebe_children(node, "output")
            )
        elif local == "script":
            values["script"] = ZeebeScript(node.get("expression") or "", node.get("resultVariable"))
        elif local == "calledElement":
            values["called_element"] = ZeebeCalledElement(
                process_id=node.get("processId") or "",
                propagate_all_child_variables=_bool(node.get("propagateAllChildVariables"), True),
                propagate_all_parent_variables=_bool(node.get("propagateAllParentVariables"), True),
            )
        elif local == "calledDecision":
            values["called_decision"] = ZeebeCalledDecision(
                node.get("decisionId") or "", node.get("resultVariable")
            )
        elif local == "loopCharacteristics":
            values["loop"] = ZeebeLoop(
                node.get("inputCollection"),
                node.get("inputElement"),
                node.get("outputCollection"),
                node.get("outputElement"),
            )
        elif local == "subscription":
            values["correlation_key"] = node.get("correlationKey")
        elif local == "assignmentDefinition":
            values["assignment"] = ZeebeAssignment(
                node.get("assignee"), node.get("candidateGroups"), node.get("candidateUsers")
            )
        elif local == "formDefinition":
            values["form"] = ZeebeForm(
                node.get("formKey"), node.get("formId"), node.get("externalReference")
            )
        elif local == "userTaskForm":
            forms.append((node.get("id"), node.text_content))
        elif local == "properties":
            props.extend(
                (p.get("name") or "", p.get("value") or "")
                for p in _zeebe_children(node, "property")
            )
    if not (values or headers or inputs or outputs or forms or props):
        return _EMPTY_ZEEBE
    return ZeebeExtension(
        task_headers=tuple(headers),
        inputs=tuple(inputs),
        outputs=tuple(outputs),
        user_task_forms=tuple(forms),
        properties=tuple(props),
        **values,  # type: ignore[arg-type]
    )


def _camunda_parameter(node: XmlNode) -> CamundaParameter:
    name = node.get("name") or ""
    if node.children:
        return CamundaParameter(name=name, value=None, raw=node.children[0])
    return CamundaParameter(name=name, value=node.text)


@lru_cache(maxsize=4096)
def camunda_extension(
    extension_elements: tuple[XmlNode, ...], attributes: Attributes
) -> CamundaExtension:
    """Read Camunda 7 attributes and extension elements (cached: models are immutable)."""
    values: dict[str, object] = {}
    names = {
        "formKey": "form_key",
        "assignee": "assignee",
        "candidateGroups": "candidate_groups",
        "candidateUsers": "candidate_users",
        "class": "class_name",
        "expression": "expression",
        "delegateExpression": "delegate_expression",
        "topic": "topic",
        "type": "type",
        "resultVariable": "result_variable",
    }
    for key, value in attributes:
        namespace, _, local = key[1:].partition("}")
        if namespace not in _CAMUNDA_NAMESPACES:
            continue
        if local in names:
            values[names[local]] = value
        elif local in ("asyncBefore", "async"):
            values["async_before"] = _bool(value, False)
        elif local == "asyncAfter":
            values["async_after"] = _bool(value, False)
    inputs: list[CamundaParameter] = []
    outputs: list[CamundaParameter] = []
    props: list[tuple[str, str]] = []
    for node in extension_elements:
        if node.namespace not in _CAMUNDA_NAMESPACES:
            continue
        if node.local_name == "inputOutput":
            for child in node.children:
                if child.local_name == "inputParameter":
                    inputs.append(_camunda_parameter(child))
                elif child.local_name == "outputParameter":
                    outputs.append(_camunda_parameter(child))
        elif node.local_name == "properties":
            props.extend(
                (p.get("name") or "", p.get("value") or "") for p in node.find_all("property")
            )
    if not (values or inputs or outputs or props):
        return _EMPTY_CAMUNDA
    return CamundaExtension(
        input_parameters=tuple(inputs),
        output_parameters=tuple(outputs),
        properties=tuple(props),
        **values,  # type: ignore[arg-type]
    )
