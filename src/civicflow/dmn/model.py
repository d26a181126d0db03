"""The DMN model as frozen dataclasses: what a ``.dmn`` file says, independent of its XML version.

The importer (``civicflow.dmn.parse``) builds these; the evaluator reads them. Expression texts are
kept as FEEL source so they can be compiled once per model and cached by ``civicflow.feel``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class HitPolicy(Enum):
    """Which matched rules of a decision table make its result (DMN 1.5, 8.2.11)."""

    UNIQUE = "U"  #: at most one rule may match; more is an error
    ANY = "A"  #: any number may match, but all must give the same output
    PRIORITY = "P"  #: the match whose output comes first in the output values wins
    FIRST = "F"  #: the first match in rule order wins
    RULE_ORDER = "R"  #: a list of every match's output, in rule order
    OUTPUT_ORDER = "O"  #: a list of every match's output, by output value priority
    COLLECT = "C"  #: every match's output, as a list or aggregated


class Aggregation(Enum):
    """The operator that folds a COLLECT table's outputs into one value (``C+``, ``C<``...)."""

    SUM = "+"  #: the sum of the outputs
    MIN = "<"  #: the smallest output
    MAX = ">"  #: the largest output
    COUNT = "#"  #: how many distinct outputs


# ----------------------------------------------------------------------------- expressions


@dataclass(frozen=True)
class LiteralExpression:
    """A FEEL expression in text form."""

    id: str
    text: str
    type_ref: str | None = None


@dataclass(frozen=True)
class TableInput:
    """An input column: the expression whose value each rule's input entry tests."""

    id: str
    label: str
    expression: str
    type_ref: str | None = None
    input_values: str | None = None  #: unary tests the input value must satisfy, if any


@dataclass(frozen=True)
class TableOutput:
    """An output column; ``output_values`` also orders outputs for the P and O hit policies."""

    id: str
    name: str
    label: str
    type_ref: str | None = None
    output_values: str | None = None
    default_output_entry: str | None = None  #: FEEL text used when no rule matches


@dataclass(frozen=True)
class Rule:
    """One rule (row) of a decision table; ``index`` counts from 1 as in the modeller."""

    id: str
    index: int
    input_entries: tuple[str, ...]
    output_entries: tuple[str, ...]
    annotations: tuple[str, ...] = ()


@dataclass(frozen=True)
class DecisionTable:
    """A decision table with its hit policy and, for COLLECT, an optional aggregation."""

    id: str
    hit_policy: HitPolicy
    aggregation: Aggregation | None
    inputs: tuple[TableInput, ...]
    outputs: tuple[TableOutput, ...]
    rules: tuple[Rule, ...]
    output_label: str | None = None
    type_ref: str | None = None


@dataclass(frozen=True)
class ContextEntry:
    """A boxed context entry; an entry without a name is the context's final result."""

    name: str | None
    expression: Expression | None
    type_ref: str | None = None


@dataclass(frozen=True)
class Context:
    """A boxed context: named entries evaluated in order, each seeing the ones before it."""

    id: str
    entries: tuple[ContextEntry, ...]
    type_ref: str | None = None


@dataclass(frozen=True)
class Binding:
    """Binds one parameter of an invocation to an expression (no expression binds null)."""

    parameter: str
    expression: Expression | None


@dataclass(frozen=True)
class Invocation:
    """A boxed invocation: calls a function (usually a business knowledge model) by name."""

    id: str
    callee: str
    bindings: tuple[Binding, ...]
    type_ref: str | None = None


@dataclass(frozen=True)
class Relation:
    """A boxed relation: a list of contexts that share the column names."""

    id: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Expression | None, ...], ...]
    type_ref: str | None = None


@dataclass(frozen=True)
class ListExpression:
    """A boxed list: each item an expression."""

    id: str
    items: tuple[Expression | None, ...]
    type_ref: str | None = None


@dataclass(frozen=True)
class Parameter:
    """A formal parameter of a function definition or business knowledge model."""

    name: str
    type_ref: str | None = None


@dataclass(frozen=True)
class FunctionDefinition:
    """A boxed function; ``kind`` is FEEL, Java or PMML (only FEEL bodies are evaluated)."""

    id: str
    parameters: tuple[Parameter, ...]
    body: Expression | None
    kind: str = "FEEL"
    type_ref: str | None = None


@dataclass(frozen=True)
class Conditional:
    """A boxed ``if``/``then``/``else`` (DMN 1.4)."""

    id: str
    condition: Expression | None
    then: Expression | None
    otherwise: Expression | None
    type_ref: str | None = None


@dataclass(frozen=True)
class Filter:
    """A boxed filter (DMN 1.4): the items of ``source`` for which ``match`` is true."""

    id: str
    source: Expression | None
    match: Expression | None
    type_ref: str | None = None


@dataclass(frozen=True)
class Iteration:
    """A boxed ``for``, ``some`` or ``every`` (DMN 1.4) over ``source`` with one variable."""

    id: str
    kind: str  #: "for", "some" or "every"
    variable: str
    source: Expression | None
    body: Expression | None  #: the ``return`` or ``satisfies`` expression
    type_ref: str | None = None


Expression = (
    LiteralExpression
    | DecisionTable
    | Context
    | Invocation
    | Relation
    | ListExpression
    | FunctionDefinition
    | Conditional
    | Filter
    | Iteration
)


# ----------------------------------------------------------------------------- types


@dataclass(frozen=True)
class ItemDefinition:
    """A named data type: a base type, a list of another, or a structure of components."""

    name: str
    type_ref: str | None = None
    is_collection: bool = False
    components: tuple[ItemDefinition, ...] = ()
    allowed_values: str | None = None  #: unary tests every value must satisfy
    type_constraint: str | None = None  #: DMN 1.5 typeConstraint, applied like allowedValues
    function_item: bool = False
    function_output: str | None = None  #: a function item's outputTypeRef


# ----------------------------------------------------------------------------- DRG elements


@dataclass(frozen=True)
class Reference:
    """A ``href`` to another DRG element, possibly in an imported model (``namespace#id``)."""

    namespace: str
    id: str


@dataclass(frozen=True)
class InputData:
    """A value given to the model from outside, with its declared type."""

    id: str
    name: str
    type_ref: str | None = None


@dataclass(frozen=True)
class Decision:
    """A decision: its logic and the decisions, inputs and knowledge it requires."""

    id: str
    name: str
    expression: Expression | None
    type_ref: str | None = None
    required_decisions: tuple[Reference, ...] = ()
    required_inputs: tuple[Reference, ...] = ()
    required_knowledge: tuple[Reference, ...] = ()
    #: the modeler's version label (Camunda 8 ``<zeebe:versionTag value>`` in the decision's
    #: extension elements, else Camunda 7 ``camunda:versionTag``); engines bind by it
    version_tag: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class BusinessKnowledgeModel:
    """Reusable decision logic, called like a function from decisions."""

    id: str
    name: str
    logic: FunctionDefinition | None
    type_ref: str | None = None
    required_knowledge: tuple[Reference, ...] = ()


@dataclass(frozen=True)
class DecisionService:
    """A set of decisions callable as one function: parameters are its inputs."""

    id: str
    name: str
    output_decisions: tuple[Reference, ...]
    encapsulated_decisions: tuple[Reference, ...]
    input_decisions: tuple[Reference, ...]
    input_data: tuple[Reference, ...]
    type_ref: str | None = None


@dataclass(frozen=True)
class Import:
    """An import of another model, whose elements are then visible under ``name``."""

    name: str
    namespace: str
    import_type: str
    location: str | None = None


DrgElement = InputData | Decision | BusinessKnowledgeModel | DecisionService


@dataclass(frozen=True)
class Definitions:
    """One DMN file: its namespace, imports, item definitions and DRG elements."""

    id: str
    name: str
    namespace: str
    dmn_version: str
    imports: tuple[Import, ...] = ()
    item_definitions: tuple[ItemDefinition, ...] = ()
    decisions: tuple[Decision, ...] = ()
    input_data: tuple[InputData, ...] = ()
    knowledge_models: tuple[BusinessKnowledgeModel, ...] = ()
    decision_services: tuple[DecisionService, ...] = ()
    source: str | None = field(default=None, compare=False)  #: file it came from, for messages

    def element(self, element_id: str) -> DrgElement | None:
        """The DRG element with this id, or None."""
        for group in (self.decisions, self.input_data, self.knowledge_models,
                      self.decision_services):
            for item in group:
                if item.id == element_id:
                    return item
        return None

    def item_definition(self, name: str) -> ItemDefinition | None:
        """The top-level item definition named ``name``, or None."""
        for item in self.item_definitions:
            if item.name == name:
                return item
        return None
