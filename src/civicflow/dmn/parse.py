"""Import DMN 1.1-1.5 XML into ``Definitions`` and whole models with their imports."""

from __future__ import annotations

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
class ImportLink:
    """Import ``name`` of the file ``importer`` resolved to the file ``target`` (sources)."""

    importer: str
    name: str
    target: str


@dataclass(frozen=True)
class DmnModel:
    """A model ready to evaluate: the main definitions, the files it imports, and which
    import of which file resolved to which file (namespaces alone need not be unique)."""

    main: Definitions
    imported: tuple[Definitions, ...] = ()
    links: tuple[ImportLink, ...] = ()

    def all_definitions(self) -> tuple[Definitions, ...]:
        """The main definitions followed by every imported file."""
        return (self.main, *self.imported)

    def import_target(self, importer: Definitions, name: str) -> Definitions | None:
        """The definitions that ``importer``'s import ``name`` resolved to, or None."""
        for link in self.links:
            if link.importer == importer.source and link.name == name:
                for item in self.all_definitions():
                    if item.source == link.target:
                        return item
        for declared in importer.imports:  # models assembled in memory: match by namespace
            if declared.name == name:
                return self.by_namespace(declared.namespace, exclude=importer)
        return None

    def by_namespace(self, ns: str, exclude: Definitions | None = None) -> Definitions | None:
        """The first definitions whose namespace is ``ns`` (the main one first), or None."""
        for item in self.all_definitions():
            if item.namespace == ns and item is not exclude:
                return item
        return None


def parse_definitions(data: bytes, source: str = "<memory>") -> Definitions:
    """Parse one DMN file's bytes (any DMN version 1.1-1.5)."""
    return _read_definitions(parse_xml(data, source), source)


def load_definitions(path: Path) -> Definitions:
    """Parse the DMN file at ``path``."""
    return _read_definitions(parse_file(path), str(path))


def load_model(path: Path | str) -> DmnModel:
    """Load a DMN file and, recursively, the models it imports.

    An import is found by its ``locationURI`` relative to the importing file, else by its
    namespace among the ``.dmn`` files of the same folder.
    """
    path = Path(path)
    main = load_definitions(path)
    files: dict[str, Definitions] = {str(path): main}
    links: list[ImportLink] = []
    pending = [(path, main)]
    while pending:
        current_path, current = pending.pop()
        for item in current.imports:
            if "DMN" not in item.import_type.upper():
                continue
            target = _find_import(current_path, current, item.name, item.namespace,
                                  item.location)
            links.append(ImportLink(str(current_path), item.name, str(target)))
            if str(target) not in files:
                files[str(target)] = load_definitions(target)
                pending.append((target, files[str(target)]))
    imported = tuple(d for source, d in files.items() if source != str(path))
    return DmnModel(main, imported, tuple(links))


def model_from_bytes(data: bytes, source: str = "<memory>") -> DmnModel:
    """A model from one file's bytes; it may not import other models."""
    main = parse_definitions(data, source)
    if any("DMN" in item.import_type.upper() for item in main.imports):
        raise DmnImportError(f"{source}: the model imports other DMN models; load it from a"
                             " file with load_model() so the imports can be found beside it.")
    return DmnModel(main)


def _find_import(importer_path: Path, importer: Definitions, name: str, ns: str,
                 location: str | None) -> Path:
    folder = importer_path.parent
    if location:
        candidate = folder / location
        if candidate.is_file():
            return candidate
    for candidate in sorted(folder.glob("*.dmn")):
        if candidate.resolve() == importer_path.resolve():
            continue
        try:
            if _namespace_of(candidate) == ns:
                return candidate
        except DmnImportError:
            continue
    raise DmnImportError(
        f"{importer.source}: imports '{name}' (namespace {ns}) but no .dmn file with that"
        f" namespace is in {folder}; put the imported model beside the importing one."
    )


_ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"
_CAMUNDA7_DMN_NS = "http://camunda.org/schema/1.0/dmn"


def _version_tag(element: etree._Element, ns: str) -> str | None:
    """A decision's version tag: Camunda 8 writes ``<zeebe:versionTag value>`` into its
    extension elements, Camunda 7 a ``camunda:versionTag`` attribute; blank counts as none."""
    extensions = child(element, "extensionElements", ns)
    tag = None
    if extensions is not None:
        found = child(extensions, "versionTag", _ZEEBE_NS)
        tag = found.get("value") if found is not None else None
    if tag is None:
        tag = element.get(f"{{{_CAMUNDA7_DMN_NS}}}versionTag")
    return (tag.strip() or None) if tag is not None else None


def _namespace_of(path: Path) -> str:
    return parse_file(path).get("namespace", "")


def _read_definitions(root: etree._Element, source: str) -> Definitions:
    ns = namespace(root)
    version = DMN_NAMESPACES.get(ns)
    if version is None and local(root) == "definitions" and ns == root.get("namespace"):
        # Some exporters put the elements in the model's own namespace and declare the DMN
        # namespace only under a prefix (public TCK 0036); read them as that DMN version.
        version = next((DMN_NAMESPACES[uri] for uri in (root.nsmap or {}).values()
                        if uri in DMN_NAMESPACES), None)
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
            version_tag=_version_tag(element, self.ns),
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

