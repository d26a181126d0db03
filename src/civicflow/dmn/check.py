"""Checking a DMN model before it is used: broken links, unknown types, FEEL syntax errors.

Evaluation is forgiving (problems become null plus a warning at run time); a check finds the
same problems once, up front, with the element that has them, so a modeller can fix them
before a process depends on the model.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from civicflow import feel
from civicflow.dmn.model import (
    Conditional,
    Context,
    DecisionTable,
    Definitions,
    DrgElement,
    Expression,
    Filter,
    FunctionDefinition,
    HitPolicy,
    Invocation,
    Iteration,
    ListExpression,
    LiteralExpression,
    Reference,
    Relation,
)
from civicflow.dmn.names import model_names
from civicflow.dmn.parse import DmnModel
from civicflow.dmn.types import BUILTIN_TYPES, resolver_for


@dataclass(frozen=True)
class Finding:
    """One problem: the element it is on, what is wrong, and how bad it is."""

    element_id: str
    message: str
    severity: str = "error"  #: "error" breaks evaluation; "warning" may give nulls


def check_model(model: DmnModel) -> tuple[Finding, ...]:
    """Every problem found in the model's main definitions (imports are checked as used)."""
    checker = _Checker(model)
    return tuple(checker.run(model.main))


class _Checker:
    def __init__(self, model: DmnModel) -> None:
        self.model = model
        self.names = model_names(model)

    def run(self, definitions: Definitions) -> Iterator[Finding]:
        yield from self._duplicates(definitions)
        resolve = resolver_for(definitions, self.model.import_target)
        for decision in definitions.decisions:
            refs = (decision.required_decisions + decision.required_inputs
                    + decision.required_knowledge)
            yield from self._links(definitions, decision.id, refs)
            if decision.expression is None:
                yield Finding(decision.id, f"decision '{decision.name}' has no decision logic;"
                              " its value is always null", "warning")
            yield from self._expression(decision.id, decision.expression)
        for bkm in definitions.knowledge_models:
            yield from self._links(definitions, bkm.id, bkm.required_knowledge)
            yield from self._expression(bkm.id, bkm.logic)
        for element_id, type_ref in self._type_refs(definitions):
            if type_ref not in BUILTIN_TYPES and not type_ref.startswith("list<") \
                    and resolve(type_ref) is None:
                yield Finding(element_id, f"type '{type_ref}' is neither a FEEL type nor an"
                              " item definition of the model; values are not checked",
                              "warning")

    def _duplicates(self, definitions: Definitions) -> Iterator[Finding]:
        seen: dict[str, str] = {}
        elements: list[DrgElement] = [*definitions.decisions, *definitions.input_data,
                    *definitions.knowledge_models, *definitions.decision_services]
        for element in elements:
            if element.name in seen:
                yield Finding(element.id, f"the name '{element.name}' is also used by"
                              f" {seen[element.name]}; names must be unique")
            seen.setdefault(element.name, element.id)

    def _links(self, definitions: Definitions, element_id: str,
               refs: tuple[Reference, ...]) -> Iterator[Finding]:
        for ref in refs:
            if not self._resolves(definitions, ref):
                yield Finding(element_id, f"requirement '{ref.namespace}#{ref.id}' points to"
                              " no element of the model or its imports")

    def _resolves(self, definitions: Definitions, ref: Reference) -> bool:
        if ref.namespace == definitions.namespace and definitions.element(ref.id):
            return True
        for item in definitions.imports:
            target = self.model.import_target(definitions, item.name)
            if item.namespace == ref.namespace and target and target.element(ref.id):
                return True
        return False

    def _type_refs(self, definitions: Definitions) -> Iterator[tuple[str, str]]:
        for item in definitions.input_data:
            if item.type_ref:
                yield item.id, item.type_ref
        for decision in definitions.decisions:
            if decision.type_ref:
                yield decision.id, decision.type_ref

    def _expression(self, owner: str, expression: Expression | None) -> Iterator[Finding]:
        if expression is None:
            return
        if isinstance(expression, LiteralExpression):
            yield from self._feel(owner, expression.text, unary=False)
        elif isinstance(expression, DecisionTable):
            yield from self._table(owner, expression)
        elif isinstance(expression, Context):
            for entry in expression.entries:
                yield from self._expression(owner, entry.expression)
        elif isinstance(expression, Invocation):
            for binding in expression.bindings:
                yield from self._expression(owner, binding.expression)
        elif isinstance(expression, Relation):
            for row in expression.rows:
                for cell in row:
                    yield from self._expression(owner, cell)
        elif isinstance(expression, ListExpression):
            for item in expression.items:
                yield from self._expression(owner, item)
        elif isinstance(expression, FunctionDefinition):
            yield from self._expression(owner, expression.body)
        elif isinstance(expression, Conditional):
            for part in (expression.condition, expression.then, expression.otherwise):
                yield from self._expression(owner, part)
        elif isinstance(expression, Filter | Iteration):
            parts = ((expression.source, expression.match) if isinstance(expression, Filter)
                     else (expression.source, expression.body))
            for part in parts:
                yield from self._expression(owner, part)

    def _table(self, owner: str, table: DecisionTable) -> Iterator[Finding]:
        for column in table.inputs:
            yield from self._feel(owner, column.expression, unary=False)
        for rule in table.rules:
            for entry in rule.input_entries:
                yield from self._feel(owner, entry, unary=True, where=f"rule {rule.index}")
            for entry in rule.output_entries:
                yield from self._feel(owner, entry, unary=False, where=f"rule {rule.index}")
        if table.hit_policy in (HitPolicy.PRIORITY, HitPolicy.OUTPUT_ORDER) and not any(
                o.output_values for o in table.outputs):
            yield Finding(owner, f"table {table.id} uses hit policy {table.hit_policy.name} but"
                          " no output has output values to rank by; rule order is used",
                          "warning")

    def _feel(self, owner: str, text: str, *, unary: bool,
              where: str = "") -> Iterator[Finding]:
        if not text.strip() or (unary and text.strip() == "-"):
            return
        try:
            if unary:
                feel.compile_unary_tests(text, known_names=self.names)
            else:
                feel.compile_expression(text, known_names=self.names)
        except feel.FeelSyntaxError as exc:
            place = f" ({where})" if where else ""
            yield Finding(owner, f"FEEL syntax error{place} in {text!r}: {exc}")
