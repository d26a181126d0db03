"""Reading boxed expressions (literal, decision table, context, invocation...) from DMN XML."""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from civicflow.dmn.errors import DmnImportError
from civicflow.dmn.model import (
    Aggregation,
    Binding,
    Conditional,
    Context,
    ContextEntry,
    DecisionTable,
    Expression,
    Filter,
    FunctionDefinition,
    HitPolicy,
    Invocation,
    Iteration,
    ListExpression,
    LiteralExpression,
    Parameter,
    Relation,
    Rule,
    TableInput,
    TableOutput,
)
from civicflow.dmn.xmlnames import child, children, local, namespace, text_of, type_ref

EXPRESSION_TAGS = frozenset({
    "literalExpression", "decisionTable", "context", "invocation", "relation", "list",
    "functionDefinition", "conditional", "filter", "for", "some", "every",
})

_HIT_POLICIES = {
    "UNIQUE": HitPolicy.UNIQUE, "ANY": HitPolicy.ANY, "PRIORITY": HitPolicy.PRIORITY,
    "FIRST": HitPolicy.FIRST, "RULE ORDER": HitPolicy.RULE_ORDER,
    "OUTPUT ORDER": HitPolicy.OUTPUT_ORDER, "COLLECT": HitPolicy.COLLECT,
}
_AGGREGATIONS = {
    "SUM": Aggregation.SUM, "MIN": Aggregation.MIN, "MAX": Aggregation.MAX,
    "COUNT": Aggregation.COUNT,
}


class ExpressionReader:
    """Turns the expression elements of one DMN file into model dataclasses."""

    def __init__(self, ns: str, source: str) -> None:
        self.ns = ns
        self.source = source
        self._anonymous = 0

    def _id(self, element: etree._Element) -> str:
        found = element.get("id")
        if found:
            return found
        self._anonymous += 1
        return f"line{element.sourceline}-{self._anonymous}"

    def _error(self, element: etree._Element, message: str) -> DmnImportError:
        return DmnImportError(f"{self.source}, line {element.sourceline}: {message}")

    def first_expression(self, parent: etree._Element | None) -> Expression | None:
        """The first boxed expression directly inside ``parent``, or None."""
        if parent is None:
            return None
        for item in parent:
            if (isinstance(item.tag, str) and namespace(item) == self.ns
                    and local(item) in EXPRESSION_TAGS):
                return self.expression(item)
        return None

    def expression(self, element: etree._Element) -> Expression:
        """Read one boxed expression element."""
        tag = local(element)
        readers: dict[str, Callable[[etree._Element], Expression]] = {
            "literalExpression": self._literal,
            "decisionTable": self._table,
            "context": self._context,
            "invocation": self._invocation,
            "relation": self._relation,
            "list": self._list,
            "functionDefinition": self.function,
            "conditional": self._conditional,
            "filter": self._filter,
            "for": self._iteration,
            "some": self._iteration,
            "every": self._iteration,
        }
        reader = readers.get(tag)
        if reader is None:
            raise self._error(element, f"<{tag}> is not a DMN expression.")
        return reader(element)

    def _literal(self, element: etree._Element) -> LiteralExpression:
        return LiteralExpression(self._id(element), text_of(element, self.ns) or "",
                                 type_ref(element, self.ns))

    def _table(self, element: etree._Element) -> DecisionTable:
        policy_text = element.get("hitPolicy", "UNIQUE")
        policy = _HIT_POLICIES.get(policy_text)
        if policy is None:
            raise self._error(element, f"unknown hit policy '{policy_text}'; use one of "
                              + ", ".join(_HIT_POLICIES) + ".")
        aggregation_text = element.get("aggregation")
        aggregation = None
        if aggregation_text is not None:
            aggregation = _AGGREGATIONS.get(aggregation_text)
            if aggregation is None:
                raise self._error(element, f"unknown aggregation '{aggregation_text}';"
                                  " use SUM, MIN, MAX or COUNT.")
            if policy is not HitPolicy.COLLECT:
                raise self._error(element, "an aggregation is only allowed with the COLLECT"
                                  " hit policy.")
        inputs = tuple(self._table_input(item) for item in children(element, "input", self.ns))
        outputs = tuple(self._table_output(item)
                        for item in children(element, "output", self.ns))
        if not outputs:
            raise self._error(element, "the decision table has no output column.")
        if aggregation is not None and len(outputs) > 1:
            raise self._error(element, "an aggregation needs a table with a single output.")
        rules = []
        for index, rule in enumerate(children(element, "rule", self.ns), start=1):
            inputs_text = tuple(text_of(e, self.ns) or "-"
                                for e in children(rule, "inputEntry", self.ns))
            outputs_text = tuple(text_of(e, self.ns) or ""
                                 for e in children(rule, "outputEntry", self.ns))
            if len(inputs_text) != len(inputs) or len(outputs_text) != len(outputs):
                raise self._error(rule, f"rule {index} has {len(inputs_text)} input and"
                                  f" {len(outputs_text)} output entries; the table has"
                                  f" {len(inputs)} inputs and {len(outputs)} outputs.")
            notes = tuple(text_of(e, self.ns) or ""
                          for e in children(rule, "annotationEntry", self.ns))
            rules.append(Rule(self._id(rule), index, inputs_text, outputs_text, notes))
        return DecisionTable(self._id(element), policy, aggregation, inputs, outputs,
                             tuple(rules), element.get("outputLabel"),
                             type_ref(element, self.ns))

    def _table_input(self, element: etree._Element) -> TableInput:
        expression = child(element, "inputExpression", self.ns)
        if expression is None:
            raise self._error(element, "a decision table input has no <inputExpression>.")
        return TableInput(
            self._id(element),
            element.get("label") or "",
            text_of(expression, self.ns) or "",
            type_ref(expression, self.ns),
            text_of(child(element, "inputValues", self.ns), self.ns),
        )

    def _table_output(self, element: etree._Element) -> TableOutput:
        return TableOutput(
            self._id(element),
            element.get("name") or "",
            element.get("label") or "",
            type_ref(element, self.ns),
            text_of(child(element, "outputValues", self.ns), self.ns),
            text_of(child(element, "defaultOutputEntry", self.ns), self.ns),
        )

    def _context(self, element: etree._Element) -> Context:
        entries = []
        for entry in children(element, "contextEntry", self.ns):
            variable = child(entry, "variable", self.ns)
            name = variable.get("name") if variable is not None else None
            entry_type = type_ref(variable, self.ns) if variable is not None else None
            entries.append(ContextEntry(name, self.first_expression(entry), entry_type))
        return Context(self._id(element), tuple(entries), type_ref(element, self.ns))

    def _invocation(self, element: etree._Element) -> Invocation:
        callee = self.first_expression(element)
        if not isinstance(callee, LiteralExpression):
            raise self._error(element, "an invocation must name its function in a literal"
                              " expression.")
        bindings = []
        for binding in children(element, "binding", self.ns):
            parameter = child(binding, "parameter", self.ns)
            if parameter is None or not parameter.get("name"):
                raise self._error(binding, "a binding has no <parameter name=...>.")
            bindings.append(Binding(parameter.get("name", ""), self.first_expression(binding)))
        return Invocation(self._id(element), callee.text.strip(), tuple(bindings),
                          type_ref(element, self.ns))

    def _relation(self, element: etree._Element) -> Relation:
        columns = tuple(c.get("name", "") for c in children(element, "column", self.ns))
        rows = []
        for row in children(element, "row", self.ns):
            cells = tuple(self.expression(c) for c in row
                          if isinstance(c.tag, str) and local(c) in EXPRESSION_TAGS)
            if len(cells) != len(columns):
                raise self._error(row, f"a relation row has {len(cells)} cells for"
                                  f" {len(columns)} columns.")
            rows.append(cells)
        return Relation(self._id(element), columns, tuple(rows), type_ref(element, self.ns))

    def _list(self, element: etree._Element) -> ListExpression:
        items = tuple(self.expression(c) for c in element
                      if isinstance(c.tag, str) and local(c) in EXPRESSION_TAGS)
        return ListExpression(self._id(element), items, type_ref(element, self.ns))

    def function(self, element: etree._Element) -> FunctionDefinition:
        """Read a function definition (also a business knowledge model's logic)."""
        parameters = tuple(
            Parameter(p.get("name", ""), type_ref(p, self.ns))
            for p in children(element, "formalParameter", self.ns)
        )
        return FunctionDefinition(self._id(element), parameters, self.first_expression(element),
                                  element.get("kind", "FEEL"), type_ref(element, self.ns))

    def _conditional(self, element: etree._Element) -> Conditional:
        return Conditional(
            self._id(element),
            self.first_expression(child(element, "if", self.ns)),
            self.first_expression(child(element, "then", self.ns)),
            self.first_expression(child(element, "else", self.ns)),
            type_ref(element, self.ns),
        )

    def _filter(self, element: etree._Element) -> Filter:
        return Filter(
            self._id(element),
            self.first_expression(child(element, "in", self.ns)),
            self.first_expression(child(element, "match", self.ns)),
            type_ref(element, self.ns),
        )

    def _iteration(self, element: etree._Element) -> Iteration:
        kind = local(element)
        body_tag = "return" if kind == "for" else "satisfies"
        return Iteration(
            self._id(element),
            kind,
            element.get("iteratorVariable", "item"),
            self.first_expression(child(element, "in", self.ns)),
            self.first_expression(child(element, body_tag, self.ns)),
            type_ref(element, self.ns),
        )
