"""RDF artefacts: the schema as OWL and SHACL (LinkML's generators), the taxonomy with rdflib.

The instance graph, published as Turtle and JSON-LD, is two things at once:

* the taxonomy's data in RDF exactly as the LinkML schema describes it (every slot under its
  ``slot_uri``, inlined objects as nodes, references as IRIs, enum values with a ``meaning`` as
  that IRI), so that the SHACL shapes generated from the schema validate it; and
* a SKOS concept scheme: the taxonomy is ``https://w3id.org/pptaxonomy/`` (a
  ``skos:ConceptScheme``); groups, professions, levels and each profession at each level are
  ``skos:Concept``s with ``skos:prefLabel``/``altLabel``/``hiddenLabel``, ``skos:definition``,
  ``skos:broader`` and ``skos:inScheme``; crosswalk rows become ``skos:exactMatch``,
  ``closeMatch``, ``broadMatch``, ``narrowMatch`` or ``relatedMatch`` links to code IRIs.

Two choices keep the SHACL validation meaningful (see docs/artefacts.md):

* Four classes share ``class_uri: skos:Concept`` and three ``schema:Organization``. LinkML
  1.12.1 sets ``sh:targetClass`` to the class_uri (and merges shapes that share one), so a
  level would be checked as a profession. The shapes are therefore generated from the schema
  with ``class_uri`` left out: one shape per class, targeting the class's own IRI
  (``pptax:Profession``) and referring to other classes with ``sh:class pptax:<Class>``.
  Instance nodes are typed with both the class IRI and the class_uri.
* Shapes are generated open (``closed=False``): the SKOS view adds properties the schema does
  not declare (``skos:altLabel``, ``skos:inScheme``, mapping links). Closedness is enforced on
  the authored YAML by the closed JSON Schema.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .common import BASE, Inputs, crosswalk_rows, entity_iri, profession_level_iri, safe_local
from .provenance import Provenance

if TYPE_CHECKING:
    from linkml_runtime.utils.schemaview import SchemaView
    from rdflib import Graph

SPDX = "http://spdx.org/rdf/terms#"
PROV = "http://www.w3.org/ns/prov#"
SKOS = "http://www.w3.org/2004/02/skos/core#"

# SKOS lexical labels and documentation properties: published as English literals (``@en``), so
# that ``FILTER(lang(?l) = "en")`` finds them; the SHACL shapes ask for ``rdf:langString``.
LANGUAGE = "en"
TAGGED = tuple(
    SKOS + local
    for local in (
        "prefLabel",
        "altLabel",
        "hiddenLabel",
        "definition",
        "note",
        "scopeNote",
        "changeNote",
        "editorialNote",
        "historyNote",
        "example",
    )
)

# Label kinds -> the SKOS label they are published as. Historic names resolve old records but
# are not shown, so they are hidden labels, like misspellings.
SKOS_LABEL = {
    "alternative": "altLabel",
    "acronym": "altLabel",
    "protected_title": "altLabel",
    "hidden": "hiddenLabel",
    "historic": "hiddenLabel",
}

# Generator options, explicit so that no deprecation warning about changing defaults prints.
# OWL 2 DL: LinkML's defaults model types as classes (``type_objects``), add the metamodel's
# classes (``metaclasses``) and make enum values with a ``meaning`` (skos:exactMatch, ...)
# classes, which redeclares SKOS properties as classes (an illegal pun). Slots with a type range
# then become datatype properties, enum values named individuals.
OWL_OPTIONS: dict[str, Any] = {
    "skip_vacuous_min_zero_cardinality_axioms": True,
    "skip_vacuous_local_range_axioms": True,
    "consolidate_cardinality_axioms": True,
    "type_objects": False,
    "metaclasses": False,
    "add_ols_annotations": False,
}
SHACL_OPTIONS = {"closed": False, "use_class_uri_names": True}


# -- schema artefacts --------------------------------------------------------------------------


def _with_header(text: str, prov: Provenance, what: str) -> bytes:
    header = "".join(f"# {line}\n" for line in prov.header_lines(what))
    return (header + "\n" + text.rstrip("\n") + "\n").encode("utf-8")


def _stamp(graph: Graph, subject: Any, prov: Provenance, version: str) -> None:
    """Provenance as triples: version, and each source file with its SHA-256 (SPDX terms)."""
    from rdflib import OWL, RDF, BNode, Literal, Namespace, URIRef
    from rdflib.namespace import DCTERMS

    spdx, provns = Namespace(SPDX), Namespace(PROV)
    graph.bind("spdx", spdx)
    graph.bind("prov", provns)
    graph.add((subject, OWL.versionInfo, Literal(version)))
    graph.add((subject, DCTERMS.creator, Literal(prov.generator)))
    for src in prov.sources:
        node = BNode(safe_local("source", src.path))
        checksum = BNode(safe_local("sha256", src.path))
        graph.add((subject, provns.wasDerivedFrom, node))
        graph.add((node, RDF.type, provns.Entity))
        graph.add((node, DCTERMS.identifier, Literal(src.path)))
        graph.add((node, spdx.checksum, checksum))
        graph.add((checksum, RDF.type, spdx.Checksum))
        graph.add((checksum, spdx.algorithm, URIRef(SPDX + "checksumAlgorithm_sha256")))
        graph.add((checksum, spdx.checksumValue, Literal(src.sha256)))


def owl_turtle(inputs: Inputs) -> bytes:
    """The schema as an OWL ontology (LinkML's OWL generator), stamped with provenance."""
    from linkml.generators.owlgen import OwlSchemaGenerator
    from linkml_runtime.utils.rdf_canonicalize import canonicalize_rdf_graph
    from rdflib import OWL, RDF

    gen = OwlSchemaGenerator(
        str(inputs.schema_path), default_permissible_value_type=OWL.NamedIndividual, **OWL_OPTIONS
    )
    graph = gen.as_graph()
    for ontology in sorted(graph.subjects(RDF.type, OWL.Ontology)):
        _stamp(graph, ontology, inputs.schema_provenance, inputs.schema_version)
    _owl2_dl(graph, inputs)  # after the stamp, whose PROV/SPDX terms need declaring too
    text = canonicalize_rdf_graph(graph, output_format="turtle")
    return _with_header(text, inputs.schema_provenance, "pptaxonomy schema as OWL (Turtle)")


def _owl2_dl(graph: Graph, inputs: Inputs) -> None:
    """What LinkML's generator has no option for (documented in docs/artefacts.md).

    * ``xsd:pattern`` facets: XML Schema regular expressions are anchored and have no ``^``/``$``
      anchors, so the schema's ``^...$`` are dropped (the JSON Schema keeps them).
    * A ``-`` ending a character class is escaped (``\\-``) for HermiT.
    * ``xsd:date`` is not in the OWL 2 datatype map (HermiT stops on it): in the OWL it is
      ``rdfs:Literal`` (the data keeps ``xsd:date`` literals, which SHACL checks).
    * The ontology gets a version IRI (``<ontology>/<version>``) and its ``dcterms:license`` is
      the licence IRI, not a string.
    * OWL 2 DL wants every entity declared: a property used only in annotations (SKOS, Dublin
      Core, PROV, SPDX on the provenance) is declared ``owl:AnnotationProperty``, and a type
      of an individual (``prov:Entity``, ``spdx:Checksum``) ``owl:Class``. The OWL API's
      ``OWL2DLProfile`` check found 389 such undeclared uses and nothing else.
    """
    from rdflib import OWL, RDF, RDFS, Literal, URIRef
    from rdflib.namespace import DCTERMS, XSD

    for s, p, o in list(graph.triples((None, XSD.pattern, None))):
        text = str(o)
        if text.startswith("^") and text.endswith("$") and not text.endswith("\\$"):
            text = text[1:-1]
        # A ``-`` closing a character class, escaped: legal XML Schema either way, but
        # HermiT's regex engine rejects the bare form.
        text = text.replace("-]", "\\-]")
        if text != str(o):
            graph.remove((s, p, o))
            graph.add((s, p, Literal(text)))
    for s, p, o in list(graph.triples((None, None, XSD.date))):
        graph.remove((s, p, o))
        graph.add((s, p, RDFS.Literal))
    for ontology in list(graph.subjects(RDF.type, OWL.Ontology)):
        graph.remove((ontology, DCTERMS.license, None))
        graph.add((ontology, DCTERMS.license, URIRef(inputs.licence)))
        graph.add((ontology, OWL.versionIRI, URIRef(f"{ontology}/{inputs.schema_version}")))
    builtin = tuple(str(ns) for ns in (RDF, RDFS, OWL, XSD))
    kinds = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
    declared = {s for kind in kinds for s in graph.subjects(RDF.type, kind)}
    for pred in sorted(set(graph.predicates())):
        if not str(pred).startswith(builtin) and pred not in declared:
            graph.add((pred, RDF.type, OWL.AnnotationProperty))
    classes = set(graph.subjects(RDF.type, OWL.Class))
    for kind in sorted(set(graph.objects(None, RDF.type))):
        if isinstance(kind, URIRef) and not str(kind).startswith(builtin) and kind not in classes:
            graph.add((kind, RDF.type, OWL.Class))


def shacl_graph(inputs: Inputs) -> Graph:
    """SHACL shapes from LinkML's generator: one per class, targeting the class's own IRI."""
    from linkml.generators.shaclgen import ShaclGenerator
    from linkml_runtime.linkml_model.meta import SchemaDefinition
    from linkml_runtime.loaders import yaml_loader
    from rdflib import OWL, RDF, Literal, Namespace, URIRef
    from rdflib.namespace import DCTERMS, XSD

    schema = yaml_loader.load(str(inputs.schema_path), SchemaDefinition)
    for cls in schema.classes.values():
        cls.class_uri = None
    graph = ShaclGenerator(schema, **SHACL_OPTIONS).as_graph()
    sh = Namespace("http://www.w3.org/ns/shacl#")
    for shape in list(graph.subjects(sh.datatype, XSD.string)):
        if str(graph.value(shape, sh.path)) in TAGGED:
            graph.remove((shape, sh.datatype, XSD.string))
            graph.add((shape, sh.datatype, RDF.langString))
    # Licence and version of the shapes graph, on the schema's ontology IRI (as in the OWL).
    ontology = URIRef(str(schema.id))
    graph.add((ontology, RDF.type, OWL.Ontology))
    graph.add((ontology, OWL.versionInfo, Literal(inputs.schema_version)))
    graph.add((ontology, OWL.versionIRI, URIRef(f"{ontology}/{inputs.schema_version}")))
    graph.add((ontology, DCTERMS.license, URIRef(inputs.licence)))
    return graph


def shacl_turtle(inputs: Inputs, graph: Graph) -> bytes:
    from linkml_runtime.utils.rdf_canonicalize import canonicalize_rdf_graph

    text = canonicalize_rdf_graph(graph, output_format="turtle")
    what = (
        "pptaxonomy schema as SHACL shapes (Turtle): open shapes, one per class, each "
        "targeting the class IRI pptax:<Class> (class_uri left out; see docs/artefacts.md)"
    )
    return _with_header(text, inputs.schema_provenance, what)


# -- the instance graph ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Slot:
    name: str
    uri: Any  # URIRef
    kind: str  # "ref" | "inline" | "enum" | "iri" | "literal"
    range: str
    multivalued: bool
    datatype: Any = None  # URIRef or None for plain strings
    enum: dict[str, Any] | None = None


class _SchemaIndex:
    """Per class: the RDF type IRIs and how each slot is written, read from the SchemaView."""

    def __init__(self, sv: SchemaView):
        from rdflib import Literal, URIRef
        from rdflib.namespace import XSD

        self.sv = sv
        classes, enums, types = sv.all_classes(), sv.all_enums(), sv.all_types()
        by_schema = sv.element_by_schema_map()
        self.types: dict[str, tuple[Any, ...]] = {}
        self.slots: dict[str, dict[str, _Slot]] = {}
        for cname, cls in classes.items():
            native = URIRef(sv.get_uri(cls, expand=True, native=True))
            curi = URIRef(sv.get_uri(cls, expand=True))
            # Ancestors' IRIs too (materialised is_a), so that a shape asking for an abstract
            # parent (replaced_by ranges over Entity) holds without RDFS inference.
            parents = tuple(
                URIRef(sv.get_uri(classes[a], expand=True, native=True))
                for a in sv.class_ancestors(cname, reflexive=False)
            )
            own = (native,) if native == curi else (native, curi)
            self.types[cname] = own + tuple(p for p in parents if p not in own)
            table: dict[str, _Slot] = {}
            for s in sv.class_induced_slots(cname):
                if s.name in by_schema:
                    uri = URIRef(sv.get_uri(s, expand=True))
                else:
                    uri = URIRef(sv.expand_curie(f"{sv.schema.default_prefix}:{s.name}"))
                r = s.range or sv.schema.default_range or "string"
                multi = bool(s.multivalued)
                if r in classes:
                    kind = "ref" if sv.get_identifier_slot(r) is not None else "inline"
                    table[s.name] = _Slot(s.name, uri, kind, r, multi)
                elif r in enums:
                    values = {
                        name: URIRef(sv.expand_curie(pv.meaning)) if pv.meaning else Literal(name)
                        for name, pv in enums[r].permissible_values.items()
                    }
                    table[s.name] = _Slot(s.name, uri, "enum", r, multi, enum=values)
                else:
                    t = sv.induced_type(r) if r in types else None
                    turi = sv.get_uri(t, expand=True) if t is not None and t.uri else None
                    if turi == str(XSD.anyURI):
                        table[s.name] = _Slot(s.name, uri, "iri", r, multi)
                    else:
                        dt = None if turi in (None, str(XSD.string)) else URIRef(turi)
                        table[s.name] = _Slot(s.name, uri, "literal", r, multi, datatype=dt)
            self.slots[cname] = table


class _Emitter:
    """Writes schema-shaped dictionaries (the YAML as authored) into the graph."""

    def __init__(self, graph: Graph, index: _SchemaIndex):
        self.g = graph
        self.index = index

    def node(self, obj: dict[str, Any], cls: str, subject: Any, local: str, owner: str) -> None:
        """Add ``obj`` (an instance of ``cls``) as ``subject``; ``owner`` is the top entity's id."""
        from rdflib import RDF

        for t in self.index.types[cls]:
            self.g.add((subject, RDF.type, t))
        table = self.index.slots[cls]
        for key, value in obj.items():
            slot = table.get(key)
            if slot is None or value is None:
                continue
            values = value if isinstance(value, list) else [value]
            for i, v in enumerate(values):
                term = self.term(slot, v, f"{local}.{key}.{i}", owner)
                self.g.add((subject, slot.uri, term))

    def term(self, slot: _Slot, value: Any, local: str, owner: str) -> Any:
        from rdflib import BNode, Literal, URIRef

        if slot.kind == "ref":
            return URIRef(entity_iri(str(value)))
        if slot.kind == "inline":
            if slot.range == "ProfessionLevel":
                # A profession at a level is a concept of its own, with a stable IRI.
                node = URIRef(profession_level_iri(owner, str(value["level"])))
            else:
                node = BNode(local)
            self.node(value, slot.range, node, local, owner)
            return node
        if slot.kind == "enum":
            return slot.enum.get(str(value), Literal(str(value)))
        if slot.kind == "iri":
            return URIRef(str(value))
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        if slot.datatype is not None:
            return Literal(value, datatype=slot.datatype)
        return Literal(str(value))


# Container list -> class of its items (the Container's slots).
_CONTAINER_CLASSES = {
    "sources": "Source",
    "code_systems": "CodeSystem",
    "regulators": "Regulator",
    "professional_bodies": "ProfessionalBody",
    "registers": "Register",
    "groups": "ProfessionGroup",
    "levels": "Level",
    "professions": "Profession",
}


def new_graph() -> Graph:
    from rdflib import Graph, Namespace
    from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, XSD

    g = Graph(bind_namespaces="none")
    for prefix, ns in (
        ("pptax", BASE),
        ("skos", SKOS),
        ("dcterms", str(DCTERMS)),
        ("owl", str(OWL)),
        ("rdf", str(RDF)),
        ("rdfs", str(RDFS)),
        ("xsd", str(XSD)),
        ("schema", "http://schema.org/"),
        ("pav", "http://purl.org/pav/"),
        ("oboInOwl", "http://www.geneontology.org/formats/oboInOwl#"),
        ("semapv", "https://w3id.org/semapv/vocab/"),
        ("prov", PROV),
        ("spdx", SPDX),
    ):
        g.bind(prefix, Namespace(ns))
    return g


def instance_graph(inputs: Inputs, sv: SchemaView) -> Graph:
    """The taxonomy as RDF: LinkML-shaped data plus the SKOS concept scheme view."""
    from rdflib import OWL, RDF, BNode, Literal, Namespace, URIRef
    from rdflib.namespace import DCTERMS

    tax = inputs.tax
    skos = Namespace(SKOS)
    g = new_graph()
    for system in tax.code_systems.values():
        if system.curie_prefix and system.code_iri_prefix:
            g.bind(system.curie_prefix, Namespace(system.code_iri_prefix))
    emit = _Emitter(g, _SchemaIndex(sv))

    # 1. Every entity and crosswalk row, as the schema describes it.
    for _path, container in inputs.containers:
        for key, items in (container or {}).items():
            for item in items or ():
                if key in _CONTAINER_CLASSES:
                    ident = item["id"]
                    emit.node(
                        item, _CONTAINER_CLASSES[key], URIRef(entity_iri(ident)), ident, ident
                    )
                elif key == "mappings":
                    parts = (item.get("level"), item["code_system"], item.get("code"))
                    local = safe_local(
                        "mapping", item["profession"], *(str(p or "") for p in parts)
                    )
                    emit.node(item, "Mapping", BNode(local), local, item["profession"])

    # 2. The SKOS view.
    scheme = URIRef(BASE)
    title = str(inputs.schema.get("title", "pptaxonomy"))
    g.add((scheme, RDF.type, skos.ConceptScheme))
    g.add((scheme, DCTERMS.title, Literal(title, lang=LANGUAGE)))
    g.add((scheme, skos.prefLabel, Literal(title, lang=LANGUAGE)))
    g.add((scheme, DCTERMS.license, URIRef(inputs.licence)))
    _stamp(g, scheme, inputs.data_provenance, inputs.data_version)
    for group in tax.groups.values():
        node = URIRef(entity_iri(group.id))
        g.add((node, skos.inScheme, scheme))
        g.add((node, skos.topConceptOf, scheme))
        g.add((scheme, skos.hasTopConcept, node))
    # The generic levels are a facet of their own: top concepts, not orphans.
    for level in tax.levels.values():
        node = URIRef(entity_iri(level.id))
        g.add((node, skos.inScheme, scheme))
        g.add((node, skos.topConceptOf, scheme))
        g.add((scheme, skos.hasTopConcept, node))
    for p in tax.professions.values():
        node = URIRef(entity_iri(p.id))
        g.add((node, skos.inScheme, scheme))
        if p.is_deprecated and not p.deprecated:
            g.add((node, OWL.deprecated, Literal(True)))
        seen = {p.name}
        for kind in ("altLabel", "hiddenLabel"):
            for label in p.labels:
                if SKOS_LABEL.get(label.kind) == kind and label.text not in seen:
                    seen.add(label.text)
                    g.add((node, skos[kind], Literal(label.text)))
        for pl in p.levels:
            pnode = URIRef(profession_level_iri(p.id, pl.level))
            level = tax.levels[pl.level]
            g.add((pnode, RDF.type, skos.Concept))
            title = pl.title or f"{p.name} ({level.name.lower()})"
            g.add((pnode, skos.prefLabel, Literal(title)))
            g.add((pnode, skos.broader, node))
            g.add((pnode, skos.inScheme, scheme))
    for system in inputs.target_systems():
        for row in crosswalk_rows(inputs, system):
            m = row.mapping
            if row.no_match or row.expanded:
                continue
            code_node = URIRef(inputs.code_iri(system, m.code))
            g.add((URIRef(row.subject_iri), skos[m.predicate], code_node))
            _code_concept(g, inputs, system, m.code, code_node)
    _skos_integrity(g, scheme)
    _code_scheme_integrity(g, scheme)
    return g


def _code_scheme_integrity(g: Graph, main_scheme: Any) -> None:
    """The code systems' schemes get what the taxonomy's has: every concept reachable from a
    top concept, and no prefLabel shared within a scheme.

    A code with no broader code in the file is a top concept of its scheme. A code whose
    official name repeats its broader code's (SOC 2020 sub-unit ``2229/99`` and unit group
    ``2229`` are both "Therapy professionals n.e.c.") gets its notation in the prefLabel; the
    official name stays an altLabel.
    """
    from rdflib import RDF, Literal, Namespace

    skos = Namespace(SKOS)
    for scheme in sorted(set(g.subjects(RDF.type, skos.ConceptScheme)) - {main_scheme}):
        concepts = sorted(g.subjects(skos.inScheme, scheme))
        for concept in concepts:
            if g.value(concept, skos.broader) is None:
                g.add((concept, skos.topConceptOf, scheme))
                g.add((scheme, skos.hasTopConcept, concept))
        by_label: dict[str, list[Any]] = {}
        for concept in concepts:
            for label in g.objects(concept, skos.prefLabel):
                by_label.setdefault(str(label), []).append(concept)
        for label, shared in sorted(by_label.items()):
            # The broadest code keeps the name (the one with no broader code, else the first).
            keeper = min(shared, key=lambda c: (g.value(c, skos.broader) is not None, str(c)))
            for concept in shared:
                if concept == keeper:
                    continue
                notation = g.value(concept, skos.notation)
                g.remove((concept, skos.prefLabel, None))
                g.add((concept, skos.prefLabel, Literal(f"{label} ({notation})", lang=LANGUAGE)))
                g.add((concept, skos.altLabel, Literal(label, lang=LANGUAGE)))


def _skos_integrity(g: Graph, scheme: Any) -> None:
    """SKOS integrity: English labels, ``skos:narrower`` asserted, one prefLabel per concept
    per scheme.

    A profession-level title shared with another concept of the scheme (``Clinical
    psychologist`` at two levels) is made unique by naming the level; the title stays an
    altLabel.
    """
    from rdflib import Literal, Namespace, URIRef

    skos = Namespace(SKOS)
    tagged = {URIRef(t) for t in TAGGED}
    for s_, p, o in list(g):
        if p in tagged and isinstance(o, Literal) and o.language is None and o.datatype is None:
            g.remove((s_, p, o))
            g.add((s_, p, Literal(str(o), lang=LANGUAGE)))
    for narrower, broader in list(g.subject_objects(skos.broader)):
        g.add((broader, skos.narrower, narrower))
    by_label: dict[str, list[Any]] = {}
    for concept in sorted(g.subjects(skos.inScheme, scheme)):
        for label in g.objects(concept, skos.prefLabel):
            by_label.setdefault(str(label), []).append(concept)
    for label, concepts in sorted(by_label.items()):
        if len(concepts) < 2:
            continue
        for concept in concepts:
            broader = g.value(concept, skos.broader)
            if broader is None or not str(concept).startswith(str(broader) + "/"):
                continue  # not a profession at a level: keeps its label
            level = str(concept).rsplit("/", 1)[-1]
            name = g.value(broader, skos.prefLabel)
            g.remove((concept, skos.prefLabel, None))
            unique = f"{label} ({name}, {level})"
            g.add((concept, skos.prefLabel, Literal(unique, lang=LANGUAGE)))
            g.add((concept, skos.altLabel, Literal(label, lang=LANGUAGE)))


def _code_concept(g: Graph, inputs: Inputs, system: str, code: str, node: Any) -> None:
    """A mapped code as a SKOS concept of its code system (SKOS only, not a LinkML instance)."""
    from rdflib import OWL, RDF, Literal, Namespace, URIRef

    skos = Namespace(SKOS)
    g.add((node, RDF.type, skos.Concept))
    g.add((node, skos.notation, Literal(code)))
    g.add((node, skos.inScheme, URIRef(entity_iri(system))))
    entry = inputs.code_entry(system, code)
    if entry is None:
        return
    g.add((node, skos.prefLabel, Literal(entry.name)))
    if not entry.is_valid:
        g.add((node, OWL.deprecated, Literal(True)))
    if entry.parent_code and inputs.code_entry(system, entry.parent_code) is not None:
        parent = URIRef(inputs.code_iri(system, entry.parent_code))
        g.add((node, skos.broader, parent))
        _code_concept(g, inputs, system, entry.parent_code, parent)


def _sorted_turtle(graph: Graph) -> str:
    """Turtle with subjects in IRI order (rdflib orders by reference count, which moves blocks
    around whenever a reference is added); inlined blank nodes follow their referrer."""
    import io

    from rdflib import BNode
    from rdflib.plugins.serializers.turtle import TurtleSerializer

    class SortedTurtle(TurtleSerializer):
        def orderSubjects(self) -> list[Any]:
            return sorted(self._subjects, key=lambda s: (isinstance(s, BNode), str(s)))

    buf = io.BytesIO()
    SortedTurtle(graph).serialize(buf, encoding="utf-8")
    return buf.getvalue().decode("utf-8")


def turtle(inputs: Inputs, graph: Graph) -> bytes:
    text = _sorted_turtle(graph)
    what = "pptaxonomy: the taxonomy as RDF (LinkML data and a SKOS concept scheme), Turtle"
    return _with_header(text, inputs.data_provenance, what)


def jsonld(inputs: Inputs, graph: Graph) -> bytes:
    """JSON-LD with an inline context (no remote context), nodes and values in a stable order."""
    context = {prefix: str(ns) for prefix, ns in sorted(graph.namespaces()) if prefix}
    doc = json.loads(graph.serialize(format="json-ld", context=context, auto_compact=True))
    nodes = doc.get("@graph", [])
    for node in nodes:
        for key, value in node.items():
            if isinstance(value, list):
                node[key] = sorted(value, key=lambda v: json.dumps(v, sort_keys=True))
    nodes.sort(key=lambda n: (str(n.get("@id", "")).startswith("_:"), str(n.get("@id", ""))))
    out = {"@context": doc.get("@context", context), "@graph": nodes}
    return (json.dumps(out, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
