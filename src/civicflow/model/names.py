"""Namespace URIs and Clark names shared by the importer and the exporter."""

from __future__ import annotations

MODEL = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
XSI = "http://www.w3.org/2001/XMLSchema-instance"

#: Prefixes the exporter uses for namespaces the source file did not declare.
DEFAULT_PREFIXES: dict[str, str] = {
    MODEL: "bpmn",
    BPMNDI: "bpmndi",
    DC: "dc",
    DI: "di",
    XSI: "xsi",
    "http://camunda.org/schema/zeebe/1.0": "zeebe",
    "http://camunda.org/schema/1.0/bpmn": "camunda",
    "http://camunda.org/schema/modeler/1.0": "modeler",
    "http://bpmn.io/schema/bpmn/biocolor/1.0": "bioc",
    "http://www.omg.org/spec/BPMN/non-normative/color/1.0": "color",
}


def m(local: str) -> str:
    """Clark name of a BPMN model element."""
    return f"{{{MODEL}}}{local}"


def bpmndi(local: str) -> str:
    return f"{{{BPMNDI}}}{local}"


def dc(local: str) -> str:
    return f"{{{DC}}}{local}"


def di(local: str) -> str:
    return f"{{{DI}}}{local}"


XSI_TYPE = f"{{{XSI}}}type"
