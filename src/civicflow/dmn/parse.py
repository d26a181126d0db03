"""Import DMN 1.1-1.5 XML into ``Definitions`` and whole models with their imports."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from civicflow.dmn.errors import DmnImportError
from civicflow.dmn.model import (
    BusinessKnowledgeModel,
    Decision,
    DecisionService,
    Definitions,
    FunctionDefinition,
    Import,
    InputData,
    ItemDefinition,
    Reference,
)
from civicflow.dmn.parse_expressions import ExpressionReader
from civicflow.dmn.xmlnames import (
    DMN_NAMESPACES,
    TYPE_ALIASES,
    child,
    children,
    local,
    namespace,
    required,
    text_of,
    type_ref,
)
from civicflow.dmn.xmlsafe import parse_file, parse_xml


@dataclass(frozen=True)
class DmnModel:
    """A model ready to evaluate: the main definitions and every model it imports."""

    main: Definitions
    imported: tuple[Definitions, ...] = ()

    def by_namespace(self, ns: str) -> Definitions | None:
        """The definitions whose namespace is ``ns`` (the main one included), or None."""
        if ns == self.main.namespace:
            return self.main
        for item in self.imported:
            if item.namespace == ns:
                return item
        return None


def parse_definitions(data: bytes, source: str = "<memory>") -> Definitions:
    """Parse one DMN file's bytes (any DMN version 1.1-1.5)."""
    return _read_definitions(parse_xml(data, source), source)


def load_definitions(path: Path) -> Definitions:
    """Parse the DMN file at ``path``."""
    return _read_definitions(parse_file(path), str(path))


def load_model(path: Path | str) -> DmnModel:
    """Load a DMN file and, recursively, the models it imports from the same folder."""
    path = Path(path)
    main = load_definitions(path)
    return DmnModel(main, tuple(_resolve_imports(main, path.parent)))


def model_from_bytes(data: bytes, source: str = "<memory>") -> DmnModel:
    """A model from one file's bytes; it may not import other models."""
    main = parse_definitions(data, source)
    if any(item.import_type.endswith("/MODEL/") or "DMN" in item.import_type
           for item in main.imports):
        raise DmnImportError(f"{source}: the model imports other DMN models; load it from a"
                             " file with load_model() so the imports can be found beside it.")
    return DmnModel(main)


def _resolve_imports(main: Definitions, folder: Path) -> Iterable[Definitions]:
    found: dict[str, Definitions] = {main.namespace: main}
    candidates: dict[str, Definitions] | None = None
    pending = [main]
    while pending:
        current = pending.pop()
        for item in current.imports:
            if item.namespace in found or "DMN" not in item.import_type.upper():
                continue
            loaded = None
            if item.location:
                location = folder / item.location
                if location.is_file():
                    loaded = load_definitions(location)
            if loaded is None or loaded.namespace != item.namespace:
                if candidates is None:
                    candidates = _index_folder(folder)
                loaded = candidates.get(item.namespace)
            if loaded is None:
                raise DmnImportError(
                    f"{current.source}: imports '{item.name}' (namespace {item.namespace}) but no"
                    f" .dmn file with that namespace is in {folder}; put the imported model"
                    " beside the importing one."
                )
            found[loaded.namespace] = loaded
            pending.append(loaded)
    del found[main.namespace]
    return found.values()


def _index_folder(folder: Path) -> dict[str, Definitions]:
    index: dict[str, Definitions] = {}
    for candidate in sorted(folder.glob("*.dmn")):
        try:
            definitions = load_definitions(candidate)
        except DmnImportError:
            continue
        index.setdefault(definitions.namespace, definitions)
    return index


def _read_definitions(root: etree._Element, source: str) -> Definitions:
    ns = namespace(root)
    version = DMN_NAMESPACES.get(ns)
    if local(root) != "definitions" or version is None:
        raise DmnImportError(
            f"{source}: the root element is <{local(root)}> in namespace '{ns}', not a DMN"
            " <definitions> (DMN 1.1 to 1.5); export the model as DMN XML."
        )
    reader = _DefinitionsReader(ns, source, root.get("namespace", ""))
    return reader.read(root, version)


def _output_type(function_item: etree._Element | None) -> str | None:
    if function_item is None:
        return None
    found = function_item.get("outputTypeRef")
    return TYPE_ALIASES.get(found, found) if found else None


class _DefinitionsReader:
    def __init__(self, ns: str, source: str, model_namespace: str) -> None:
        self.ns = ns
        self.source = source
        self.model_namespace = model_namespace
        self.expressions = ExpressionReader(ns, source)

    def read(self, root: etree._Element, version: str) -> Definitions:
        ns = self.ns
        return Definitions(
            id=root.get("id", ""),
            name=root.get("name", ""),
            namespace=self.model_namespace,
            dmn_version=version,
            imports=tuple(self._import(e) for e in children(root, "import", ns)),
            item_definitions=tuple(self._item(e) for e in children(root, "itemDefinition", ns)),
            decisions=tuple(self._decision(e) for e in children(root, "decision", ns)),
            input_data=tuple(self._input(e) for e in children(root, "inputData", ns)),
            knowledge_models=tuple(self._bkm(e)
                                   for e in children(root, "businessKnowledgeModel", ns)),
            decision_services=tuple(self._service(e)
                                    for e in children(root, "decisionService", ns)),
            source=self.source,
        )

    def _ref(self, element: etree._Element) -> Reference:
        href = required(element, "href", self.source).strip()
        if "#" not in href:
            raise DmnImportError(f"{self.source}, line {element.sourceline}: href '{href}' has"
                                 " no '#id' part.")
        ns, element_id = href.split("#", 1)
        return Reference(ns or self.model_namespace, element_id)

    def _refs(self, element: etree._Element, wrapper: str, name: str) -> tuple[Reference, ...]:
        found: list[Reference] = []
        for requirement in children(element, wrapper, self.ns):
            found.extend(self._ref(r) for r in children(requirement, name, self.ns))
        return tuple(found)

    def _element_id(self, element: etree._Element) -> str:
        """The element's id; a missing id (allowed by lenient modellers) falls back to its name."""
        return element.get("id") or required(element, "name", self.source)

    def _variable_type(self, element: etree._Element) -> str | None:
        variable = child(element, "variable", self.ns)
        return type_ref(variable, self.ns) if variable is not None else None

    def _import(self, element: etree._Element) -> Import:
        return Import(
            name=element.get("name", ""),
            namespace=required(element, "namespace", self.source),
            import_type=element.get("importType", ""),
            location=element.get("locationURI"),
        )

    def _item(self, element: etree._Element) -> ItemDefinition:
        allowed = text_of(child(element, "allowedValues", self.ns), self.ns)
        constraint = text_of(child(element, "typeConstraint", self.ns), self.ns)
        function_item = child(element, "functionItem", self.ns)
        return ItemDefinition(
            name=required(element, "name", self.source),
            type_ref=type_ref(element, self.ns),
            is_collection=element.get("isCollection", "false") == "true",
            components=tuple(self._item(e) for e in children(element, "itemComponent", self.ns)),
            allowed_values=allowed,
            type_constraint=constraint,
            function_item=function_item is not None,
            function_output=_output_type(function_item),
        )

    def _decision(self, element: etree._Element) -> Decision:
        return Decision(
            id=self._element_id(element),
            name=required(element, "name", self.source),
            expression=self.expressions.first_expression(element),
            type_ref=self._variable_type(element),
            required_decisions=self._refs(element, "informationRequirement", "requiredDecision"),
            required_inputs=self._refs(element, "informationRequirement", "requiredInput"),
            required_knowledge=self._refs(element, "knowledgeRequirement", "requiredKnowledge"),
        )

    def _input(self, element: etree._Element) -> InputData:
        return InputData(
            id=self._element_id(element),
            name=required(element, "name", self.source),
            type_ref=self._variable_type(element),
        )

    def _bkm(self, element: etree._Element) -> BusinessKnowledgeModel:
        logic_element = child(element, "encapsulatedLogic", self.ns)
        logic: FunctionDefinition | None = None
        if logic_element is not None:
            logic = self.expressions.function(logic_element)
        return BusinessKnowledgeModel(
            id=self._element_id(element),
            name=required(element, "name", self.source),
            logic=logic,
            type_ref=self._variable_type(element),
            required_knowledge=self._refs(element, "knowledgeRequirement", "requiredKnowledge"),
        )

    def _service(self, element: etree._Element) -> DecisionService:
        def refs(name: str) -> tuple[Reference, ...]:
            return tuple(self._ref(e) for e in children(element, name, self.ns))

        return DecisionService(
            id=self._element_id(element),
            name=required(element, "name", self.source),
            output_decisions=refs("outputDecision"),
            encapsulated_decisions=refs("encapsulatedDecision"),
            input_decisions=refs("inputDecision"),
            input_data=refs("inputData"),
            type_ref=self._variable_type(element),
        )

