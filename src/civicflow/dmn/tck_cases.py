"""Reading DMN TCK test case files (the ``testCases`` XML format) and comparing values.

A test file names its model, then test cases with input nodes and result nodes; values carry an
``xsi:type`` (``xsd:decimal``, ``xsd:date``...), or are lists (``<list><item>``), contexts
(``<component name=...>``) or nil.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from lxml import etree

from civicflow.dmn import feel_bridge
from civicflow.dmn.errors import DmnImportError
from civicflow.dmn.xmlnames import local
from civicflow.dmn.xmlsafe import parse_file

XSI = "http://www.w3.org/2001/XMLSchema-instance"
_NUMBER_TYPES = frozenset({"decimal", "double", "float", "integer", "int", "long", "short",
                           "byte", "nonNegativeInteger", "positiveInteger"})
_TEMPORAL = {"date": "date", "dateTime": "date and time", "time": "time",
             "duration": "duration"}


@dataclass(frozen=True)
class InputNode:
    """A value given to the model, by input name (and namespace for imported inputs)."""

    name: str
    value: Any
    namespace: str | None = None


@dataclass(frozen=True)
class ResultNode:
    """An expected result of a decision; ``error`` marks results the spec says must fail."""

    name: str
    expected: Any
    error: bool = False
    type: str = "decision"


@dataclass(frozen=True)
class TestCase:
    """One test case: inputs, expected results, and optionally a decision service to invoke."""

    id: str
    inputs: tuple[InputNode, ...]
    results: tuple[ResultNode, ...]
    invocable: str | None = None
    type: str = "decision"
    description: str = ""


@dataclass(frozen=True)
class TestFile:
    """A test case file and the model file it exercises."""

    path: Path
    model: Path
    cases: tuple[TestCase, ...]


def is_test_file(path: Path) -> bool:
    """Whether ``path`` looks like a TCK test case file (checked by its root element)."""
    if path.suffix != ".xml":
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(2048)
    except OSError:
        return False
    return b"testCases" in head


def read_test_file(path: Path) -> TestFile:
    """Parse a test case file; values become FEEL values."""
    root = parse_file(path)
    if local(root) != "testCases":
        raise DmnImportError(f"{path}: the root element is <{local(root)}>, not <testCases>.")
    model_name = _child_text(root, "modelName")
    if not model_name:
        raise DmnImportError(f"{path}: <modelName> is missing; it names the .dmn file to test.")
    cases = tuple(_case(element) for element in _children(root, "testCase"))
    return TestFile(path, path.parent / model_name.strip(), cases)


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in element if isinstance(c.tag, str) and local(c) == name]


def _child_text(element: etree._Element, name: str) -> str | None:
    found = _children(element, name)
    return (found[0].text or "") if found else None


def _case(element: etree._Element) -> TestCase:
    inputs = tuple(
        InputNode(node.get("name", ""), read_value(node), node.get("namespace"))
        for node in _children(element, "inputNode")
    )
    results = []
    for node in _children(element, "resultNode"):
        expected = _children(node, "expected")
        results.append(ResultNode(
            node.get("name", ""),
            read_value(expected[0]) if expected else None,
            node.get("errorResult", "false") == "true",
            node.get("type", "decision"),
        ))
    return TestCase(
        id=element.get("id", "?"),
        inputs=inputs,
        results=tuple(results),
        invocable=element.get("invocableName"),
        type=element.get("type", "decision"),
        description=(_child_text(element, "description") or "").strip(),
    )


def read_value(holder: etree._Element) -> Any:
    """The FEEL value held by an ``inputNode``, ``expected``, ``item`` or ``component``."""
    if holder.get(f"{{{XSI}}}nil") == "true":
        return None
    components = _children(holder, "component")
    if components:
        return {c.get("name", ""): read_value(c) for c in components}
    lists = _children(holder, "list")
    if lists:
        listed = lists[0]
        if listed.get(f"{{{XSI}}}nil") == "true":
            return None
        return [read_value(item) for item in _children(listed, "item")]
    values = _children(holder, "value")
    if values:
        return _scalar(values[0])
    return None


def _scalar(element: etree._Element) -> Any:
    if element.get(f"{{{XSI}}}nil") == "true":
        return None
    if _children(element, "component") or _children(element, "list"):
        return read_value(element)
    text = element.text or ""
    xsi_type = element.get(f"{{{XSI}}}type", "")
    kind = xsi_type.split(":", 1)[-1]
    if kind in _NUMBER_TYPES:
        try:
            return Decimal(text.strip())
        except InvalidOperation:
            return None
    if kind == "boolean":
        return text.strip() == "true"
    if kind in _TEMPORAL:
        return feel_bridge.from_text(_TEMPORAL[kind], text.strip())
    return text


def same(expected: Any, actual: Any) -> bool:
    """Whether an actual result equals the expected one, compared by type and value.

    Numbers compare numerically; an expected value with 9 or more significant digits is
    compared at its own precision (see ``_same_at_expected_precision``).
    """
    if expected is None or actual is None:
        return expected is None and actual is None
    if isinstance(expected, bool) or isinstance(actual, bool):
        return isinstance(expected, bool) and isinstance(actual, bool) and expected == actual
    if isinstance(expected, Decimal):
        if not isinstance(actual, Decimal | int):
            return False
        actual_number = Decimal(actual)
        if expected.is_nan() or actual_number.is_nan():
            return expected.is_nan() and actual_number.is_nan()
        if actual_number == expected:
            return True
        return _same_at_expected_precision(expected, actual_number)
    if isinstance(expected, str):
        return isinstance(actual, str) and expected == actual
    if isinstance(expected, list):
        return (isinstance(actual, list) and len(actual) == len(expected)
                and all(same(e, a) for e, a in zip(expected, actual, strict=True)))
    if isinstance(expected, dict):
        return (isinstance(actual, dict) and set(actual) == set(expected)
                and all(same(expected[k], actual[k]) for k in expected))
    if isinstance(actual, str | Decimal | list | dict):
        return False
    if feel_bridge.equal(expected, actual) is True:
        return bool(type(expected) is type(actual))
    return False


def _same_at_expected_precision(expected: Decimal, actual: Decimal) -> bool:
    """Long expected numbers are rounded real results (``1.38629436`` for ln 4) or doubles:
    when the expected value has at least 9 significant digits, the actual value rounded to as
    many decimal places must equal it, or differ by less than 1e-13 relative: the kit's long
    expected values were computed in double or reduced precision (its loan-payment cases are
    off by up to 5e-14 from exact decimal arithmetic). Shorter expected values must match
    exactly."""
    digits = expected.as_tuple().digits
    exponent = expected.as_tuple().exponent
    if len(digits) < 9 or not isinstance(exponent, int):
        return False
    if abs(actual - expected) < abs(expected) * Decimal("1e-13"):
        return True
    try:
        return actual.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_EVEN) == expected
    except InvalidOperation:
        return False
