"""Each published artefact checked by its own ecosystem's validator, and questions users ask of it.

JSON Schema: jsonschema (meta-schema, export, taxonomy files). RDF: rdflib parses Turtle and
JSON-LD, pyshacl validates the instance graph against the generated shapes, SPARQL answers.
SSSOM: sssom-py parses and validates. FHIR: fhir.resources parses the resources as R4B, whose
CodeSystem and ConceptMap are those of R4 (see test_fhir_models_are_r4b_which_keep_r4_shapes).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
import rdflib
from rdflib import BNode, URIRef

from pptaxonomy.export.common import BASE
from tests.build_support import (
    DEPRECATED_ID,
    REPLACEMENT_ID,
    built_tree,
    variant_taxonomy,
)

PREFIXES = f"""
PREFIX pptax: <{BASE}>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""
# Third-party deprecation noise while reading the artefacts (not ours to fix).
pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib.plugins.parsers.jsonld"),
    pytest.mark.filterwarnings("ignore:::sssom.util"),
]
MATCHES = "skos:exactMatch skos:closeMatch skos:broadMatch skos:narrowMatch skos:relatedMatch"


def artefact(rel: str, root: Path | None = None) -> Path:
    return (root or built_tree()) / rel


@cache
def instance_graph(root: Path | None = None) -> rdflib.Graph:
    return rdflib.Graph().parse(artefact("artefacts/pptaxonomy.ttl", root), format="turtle")


@cache
def shapes_graph() -> rdflib.Graph:
    return rdflib.Graph().parse(artefact("artefacts/pptaxonomy.shacl.ttl"), format="turtle")


def select(graph: rdflib.Graph, query: str) -> list[tuple[str, ...]]:
    return [tuple(str(v) for v in row) for row in graph.query(PREFIXES + query)]


# -- JSON Schema --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def json_schema() -> dict:
    return json.loads(artefact("artefacts/pptaxonomy.schema.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def validator(json_schema):
    from jsonschema.validators import validator_for

    cls = validator_for(json_schema)
    cls.check_schema(json_schema)
    return cls(json_schema)


def test_json_schema_is_valid_against_its_meta_schema(json_schema):
    from jsonschema import Draft201909Validator
    from jsonschema.validators import validator_for

    assert validator_for(json_schema) is Draft201909Validator
    Draft201909Validator.check_schema(json_schema)


def test_json_export_validates_against_the_schema(validator, tax):
    export = json.loads(artefact("artefacts/pptaxonomy.json").read_text(encoding="utf-8"))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(export)]
    assert errors == []
    assert {p["id"] for p in export["professions"]} == set(tax.professions)
    assert len(export["mappings"]) == len(tax.mappings)
    assert export["provenance"]["data_version"] == tax.data_version


def test_the_json_schema_is_closed(validator):
    assert list(validator.iter_errors({"professionz": []}))
    bad = {"professions": [{"id": "x", "name": "X", "favourite_colour": "blue"}]}
    assert any("favourite_colour" in e.message for e in validator.iter_errors(bad))


def test_every_taxonomy_file_validates_against_the_published_schema(validator, shipped_dir):
    from pptaxonomy.export.jsonschema import _SlotOrder
    from pptaxonomy.loader import read_containers

    normalise = _SlotOrder({}).normalise  # YAML dates to ISO text, as a JSON reader sees them
    files = list(read_containers(shipped_dir))
    assert len(files) > 5
    for path, container in files:
        errors = [e.message for e in validator.iter_errors(normalise(container, None))]
        assert errors == [], f"{path}: {errors[:3]}"


# -- RDF ------------------------------------------------------------------------------------


def test_turtle_and_json_ld_parse_to_the_same_graph():
    ttl = instance_graph()
    jsonld = rdflib.Graph().parse(artefact("artefacts/pptaxonomy.jsonld"), format="json-ld")
    assert len(ttl) == len(jsonld) > 1000

    def ground(g: rdflib.Graph) -> set:
        return {t for t in g if not any(isinstance(x, BNode) for x in t)}

    assert ground(ttl) == ground(jsonld)
    text = artefact("artefacts/pptaxonomy.jsonld").read_text(encoding="utf-8")
    assert '"@context": {' in text  # an inline context: nothing is fetched


def test_owl_and_shacl_parse_and_describe_the_schema():
    owl = rdflib.Graph().parse(artefact("artefacts/pptaxonomy.owl.ttl"), format="turtle")
    assert (URIRef(BASE + "Profession"), rdflib.RDF.type, rdflib.OWL.Class) in owl
    ontologies = list(owl.subjects(rdflib.RDF.type, rdflib.OWL.Ontology))
    assert len(ontologies) == 1
    shapes = shapes_graph()
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    targets = {str(o).removeprefix(BASE) for o in shapes.objects(None, sh.targetClass)}
    assert {"Profession", "Level", "ProfessionGroup", "Register", "Mapping"} <= targets


def test_the_instance_graph_conforms_to_the_shacl_shapes():
    import pyshacl

    conforms, _, text = pyshacl.validate(instance_graph(), shacl_graph=shapes_graph())
    assert conforms, text[:4000]


def test_the_shapes_do_check_the_professions():
    """Guard against a vacuous pass: break a profession and the validation must fail."""
    import pyshacl

    broken = rdflib.Graph()
    for t in instance_graph():
        broken.add(t)
    cp = URIRef(BASE + "clinical-psychologist")
    skos = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")
    broken.remove((cp, skos.prefLabel, None))
    broken.set(
        (URIRef(BASE + "psychologists"), URIRef(BASE + "in_hee_taxonomy"), rdflib.Literal("yes"))
    )
    conforms, report, _ = pyshacl.validate(broken, shacl_graph=shapes_graph())
    assert not conforms
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    focus = {str(o).removeprefix(BASE) for o in report.objects(None, sh.focusNode)}
    assert {"clinical-psychologist", "psychologists"} <= focus


def test_skos_labels_follow_the_skos_integrity_rules():
    g = instance_graph()
    skos = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")
    for concept in set(g.subjects(rdflib.RDF.type, skos.Concept)):
        prefs = list(g.objects(concept, skos.prefLabel))
        assert len(prefs) <= 1, concept
        alts, hidden = (
            set(g.objects(concept, skos.altLabel)),
            set(g.objects(concept, skos.hiddenLabel)),
        )
        assert not (set(prefs) & alts or set(prefs) & hidden or alts & hidden), concept


# -- SPARQL: questions users ask -------------------------------------------------------------


def test_sparql_professions_regulated_by_the_hcpc(tax):
    rows = select(
        instance_graph(),
        """
        SELECT ?id ?name WHERE {
          ?p a pptax:Profession ; pptax:regulator pptax:hcpc ;
             dcterms:identifier ?id ; skos:prefLabel ?name }""",
    )
    assert {r[0] for r in rows} == {p.id for p in tax if p.regulator == "hcpc"}
    assert ("clinical-psychologist", "Clinical psychologist") in rows


def test_sparql_occupation_codes_for_a_trainee_pwp(tax):
    rows = select(
        instance_graph(),
        f"""
        SELECT DISTINCT ?code ?name WHERE {{
          VALUES ?subject {{ <{BASE}psychological-wellbeing-practitioner/trainee>
                             pptax:psychological-wellbeing-practitioner }}
          VALUES ?relation {{ {MATCHES} }}
          ?subject ?relation ?c .
          ?c skos:inScheme pptax:nhs-occupation-code ; skos:notation ?code ; skos:prefLabel ?name
        }}""",
    )
    codes = sorted(r[0] for r in rows)
    assert codes == tax.occupation_codes_for("psychological-wellbeing-practitioner", "trainee")
    assert codes == ["S8M"]


def test_sparql_the_2019_twelve(tax):
    rows = select(
        instance_graph(),
        """
        SELECT ?id WHERE { ?p pptax:core_twelve true ; dcterms:identifier ?id }
        """,
    )
    ids = {r[0] for r in rows}
    assert ids == {p.id for p in tax if p.core_twelve}
    assert len(ids) == 12


def test_sparql_protected_titles(tax):
    rows = select(
        instance_graph(),
        """
        SELECT DISTINCT ?title ?regulator WHERE {
          { ?p pptax:labels ?l } UNION { ?r pptax:protected_titles ?l }
          ?l pptax:label_kind "protected_title" ; rdfs:label ?title .
          OPTIONAL { ?l pptax:protected_by ?regulator } }""",
    )
    titles = {r[0] for r in rows}
    expected = {lab.text for p in tax for lab in p.labels if lab.kind == "protected_title"}
    expected |= {lab.text for reg in tax.registers.values() for lab in reg.protected_titles}
    assert titles == expected
    assert "Clinical psychologist" in titles


def test_sparql_explicit_no_match_rows(tax):
    rows = select(
        instance_graph(),
        """
        SELECT ?profession WHERE {
          ?m a pptax:Mapping ; pptax:no_match true ; skos:inScheme pptax:esco-occupation ;
             pptax:profession ?p . ?p dcterms:identifier ?profession }""",
    )
    expected = {
        m.profession for m in tax.mappings if m.code_system == "esco-occupation" and m.no_match
    }
    assert {r[0] for r in rows} == expected


DEPRECATED_QUERY = """
    SELECT ?entity ?replacement WHERE {
      ?e owl:deprecated true ; dcterms:identifier ?entity .
      OPTIONAL { ?e dcterms:isReplacedBy ?replacement } }"""


def test_sparql_deprecated_entries_and_their_replacements(tax):
    rows = select(instance_graph(), DEPRECATED_QUERY)
    assert {r[0] for r in rows} == {p.id for p in tax if p.is_deprecated}
    _, variant_out = variant_taxonomy()
    graph = instance_graph(variant_out)
    replacements = dict(select(graph, DEPRECATED_QUERY))
    assert replacements[DEPRECATED_ID].removeprefix(BASE) == REPLACEMENT_ID


def test_the_variant_taxonomy_with_a_deprecated_entry_conforms_too():
    import pyshacl

    _, variant_out = variant_taxonomy()
    conforms, _, text = pyshacl.validate(instance_graph(variant_out), shacl_graph=shapes_graph())
    assert conforms, text[:4000]


# -- SSSOM --------------------------------------------------------------------------------------


def sssom_files() -> list[Path]:
    files = sorted((built_tree() / "mappings").glob("*.sssom.tsv"))
    assert len(files) >= 5
    return files


def test_sssom_files_parse_and_validate_with_sssom_py(tax):
    from sssom.constants import SchemaValidationType as V
    from sssom.constants import _get_sssom_schema_object
    from sssom.parsers import parse_sssom_table
    from sssom.validators import validate

    standard = set(_get_sssom_schema_object().mapping_set_slots)
    for path in sssom_files():
        system = path.name.removesuffix(".sssom.tsv")
        msdf = parse_sssom_table(path)
        reports = validate(
            msdf, [V.JsonSchema, V.PrefixMapCompleteness, V.StrictCurieFormat], fail_on_error=False
        )
        problems = {k.value: [r.message for r in v.results] for k, v in reports.items()}
        assert all(not v for v in problems.values()), (path.name, problems)
        # sssom-py 0.4.21's strict mode rejects every regular file (its check is inverted),
        # so check here that every metadata key is a standard SSSOM slot.
        assert set(msdf.metadata) <= standard, set(msdf.metadata) - standard
        meta = msdf.metadata
        assert meta["mapping_set_version"] == tax.data_version
        assert meta["license"].startswith("https://")
        assert meta["mapping_set_id"].endswith(path.name)
        df = msdf.df
        no_match = [m for m in tax.mappings if m.code_system == system and m.no_match]
        assert (df["object_id"] == "sssom:NoTermFound").sum() == len(no_match)
        assert set(df["mapping_justification"]) <= {
            "semapv:LogicalReasoning",
            "semapv:ManualMappingCuration",
            "semapv:LexicalMatching",
            "semapv:UnspecifiedMatching",
        }
        assert df["confidence"].between(0, 1).all()


# -- FHIR -----------------------------------------------------------------------------------

R4_EQUIVALENCE = {
    "relatedto",
    "equivalent",
    "equal",
    "wider",
    "subsumes",
    "narrower",
    "specializes",
    "inexact",
    "unmatched",
    "disjoint",
}


def test_fhir_models_are_r4b_which_keep_r4_shapes():
    """fhir.resources 8 has R5 at the top level, R4B (4.3.0) and STU3 as subpackages; no R4.

    R4B changed no element of CodeSystem or ConceptMap from R4 (4.0.1): ConceptMap still has
    ``equivalence`` with the R4 codes (R5 replaced it with ``relationship``). So a resource
    that parses as R4B CodeSystem/ConceptMap is an R4 one. The R5 model must reject it.
    """
    import fhir.resources
    import fhir.resources.R4B
    from fhir.resources.R4B.conceptmap import ConceptMapGroupElementTarget

    assert fhir.resources.R4B.__fhir_version__ == "4.3.0"
    assert fhir.resources.__fhir_version__.startswith("5.")
    assert "equivalence" in ConceptMapGroupElementTarget.model_fields


def test_fhir_codesystem_parses_as_r4(tax):
    from fhir.resources.R4B.codesystem import CodeSystem

    data = artefact("mappings/pptaxonomy.codesystem.json").read_text(encoding="utf-8")
    cs = CodeSystem.model_validate_json(data)
    codes = {c.code for c in cs.concept}
    at_level = {f"{p.id}/{pl.level}" for p in tax.professions.values() for pl in p.levels}
    assert set(tax.professions) | set(tax.levels) | set(tax.groups) | at_level == codes
    assert cs.count == len(codes) and cs.version == tax.data_version
    with pytest.raises(ValueError):  # the model is strict: not a vacuous parse
        CodeSystem.model_validate({**json.loads(data), "unknownElement": 1})


def test_fhir_conceptmaps_parse_as_r4_with_r4_equivalence(tax):
    from fhir.resources.R4B.conceptmap import ConceptMap

    files = sorted((built_tree() / "mappings").glob("*.conceptmap.json"))
    assert len(files) >= 5
    levels = set(tax.levels)
    for path in files:
        cm = ConceptMap.model_validate_json(path.read_text(encoding="utf-8"))
        system = path.name.removesuffix(".conceptmap.json")
        (group,) = cm.group
        assert group.source == "https://w3id.org/pptaxonomy/fhir/CodeSystem/pptaxonomy"
        targets = [(e.code, t) for e in group.element for t in e.target if "/" not in e.code]
        # Level rows appear again under their profession-at-level code, without dependsOn.
        at_level = [(e.code, t) for e in group.element for t in e.target if "/" in e.code]
        assert len(at_level) == sum(1 for _, t in targets if t.dependsOn)
        assert all(not t.dependsOn for _, t in at_level)
        csv_rows = (built_tree() / "mappings" / f"{system}.csv").read_text().count("\n") - 1
        assert len(targets) == csv_rows  # the same rows as the CSV (and the SSSOM file)
        for code, t in targets:
            assert code in tax.professions
            assert t.equivalence in R4_EQUIVALENCE
            if t.equivalence in ("narrower", "inexact"):
                assert t.comment  # R4 invariant cmd-1
            assert (t.code is None) == (t.equivalence == "unmatched")
            for dep in t.dependsOn or ():
                assert dep.value in levels
        unmatched = sum(1 for _, t in targets if t.equivalence == "unmatched")
        assert unmatched == sum(1 for m in tax.mappings if m.code_system == system and m.no_match)
