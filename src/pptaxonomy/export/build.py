"""``pptaxonomy build``: every published artefact from schema/ and taxonomy/, in one process.

All artefacts are generated in memory first; only when every one of them has been generated
are files written, each atomically (temporary file, then rename). A failure at any point leaves
the previous good artefacts in place. Output is byte-identical from build to build: no dates,
sorted collections, stable blank-node labels and canonical RDF serialisation.

Layout (relative to ``--out``)::

    artefacts/pptaxonomy.schema.json     JSON Schema (closed) of the taxonomy files and export
    artefacts/pptaxonomy.json            the whole taxonomy as JSON (one Container)
    artefacts/pptaxonomy.owl.ttl         the schema as OWL
    artefacts/pptaxonomy.shacl.ttl       the schema as SHACL shapes
    artefacts/pptaxonomy.ttl             the taxonomy as RDF: LinkML data + SKOS (Turtle)
    artefacts/pptaxonomy.jsonld          the same graph as JSON-LD
    mappings/<system>.csv                crosswalk for spreadsheets (one per code system)
    mappings/<system>.sssom.tsv          the same crosswalk as SSSOM
    mappings/<system>.conceptmap.json    the same crosswalk as a FHIR R4 ConceptMap
    mappings/csv-metadata.json           CSVW metadata of the CSV files
    mappings/pptaxonomy.codesystem.json  FHIR R4 CodeSystem of professions, groups and levels
    mappings/pptaxonomy-crosswalks.xlsx  the crosswalks as an accessible Excel workbook
    mappings/title-index.csv             title key -> the matcher's reading, for SQL engines
    mappings/title-index.parquet         the same table as Parquet
    mappings/<system>.codesystem.json    FHIR R4 CodeSystem of a target code system
    mappings/<id>.valueset.json          FHIR R4 ValueSets (professions, groups, levels, NHS codes)
    mappings/syndication.xml             Atom feed of the FHIR resources (Terminology Syndication)
    mappings/pptaxonomy.fhir.tgz         the FHIR resources as a FHIR NPM package
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .atomic import write_tree
from .common import Inputs, load_inputs

ARTEFACTS = "artefacts"
MAPPINGS = "mappings"


@dataclass
class BuildResult:
    out: Path
    files: dict[str, bytes]
    changed: list[str] = field(default_factory=list)
    seconds: float = 0.0


def generate(inputs: Inputs) -> dict[str, bytes]:
    """Every artefact, as relative path -> bytes. Writes nothing."""
    from linkml_runtime.utils.schemaview import SchemaView

    from . import (
        crosswalk,
        fhir,
        fhir_codesystems,
        fhir_syndication,
        jsonschema,
        rdf,
        title_index,
        workbook,
    )

    files: dict[str, bytes] = {}
    a, m = ARTEFACTS, MAPPINGS
    files[f"{a}/pptaxonomy.schema.json"] = jsonschema.dumps(
        jsonschema.json_schema(inputs), sort_keys=True
    )
    files[f"{a}/pptaxonomy.json"] = jsonschema.dumps(jsonschema.export(inputs), sort_keys=False)
    files[f"{a}/pptaxonomy.owl.ttl"] = rdf.owl_turtle(inputs)
    files[f"{a}/pptaxonomy.shacl.ttl"] = rdf.shacl_turtle(inputs, rdf.shacl_graph(inputs))
    graph = rdf.instance_graph(inputs, SchemaView(str(inputs.schema_path)))
    files[f"{a}/pptaxonomy.ttl"] = rdf.turtle(inputs, graph)
    files[f"{a}/pptaxonomy.jsonld"] = rdf.jsonld(inputs, graph)

    systems = inputs.target_systems()
    for system in systems:
        files[f"{m}/{system}.csv"] = crosswalk.crosswalk_csv(inputs, system)
        files[f"{m}/{system}.sssom.tsv"] = crosswalk.crosswalk_sssom(inputs, system)
        files[f"{m}/{system}.conceptmap.json"] = fhir.conceptmap(inputs, system)
    index = title_index.rows_for(inputs)
    files[f"{m}/title-index.csv"] = title_index.to_csv(index)
    prov = inputs.data_provenance
    files[f"{m}/title-index.parquet"] = title_index.to_parquet(
        index,
        {
            "data_version": prov.data_version,
            "generator": str(prov.generator),
            "sources": " ".join(f"{s.path} sha256:{s.sha256}" for s in prov.sources),
        },
    )
    files[f"{m}/csv-metadata.json"] = crosswalk.csv_metadata(
        inputs, systems, (title_index.csvw_table(inputs),)
    )
    files[f"{m}/pptaxonomy.codesystem.json"] = fhir.codesystem(inputs)
    files[f"{m}/pptaxonomy-crosswalks.xlsx"] = workbook.workbook(inputs, systems)
    files.update({f"{m}/{name}": data for name, data in fhir_codesystems.files(inputs).items()})
    resources = fhir_syndication.fhir_resources(files)
    files[f"{m}/{fhir_syndication.FEED}"] = fhir_syndication.feed(resources, inputs.data_provenance)
    files[f"{m}/{fhir_syndication.PACKAGE}"] = fhir_syndication.package(
        resources, inputs.data_version, inputs.licence
    )
    return files


def build(
    out: str | Path = ".",
    taxonomy_root: str | Path | None = None,
    schema_file: str | Path | None = None,
) -> BuildResult:
    """Generate every artefact, then write those that changed under ``out``."""
    t0 = time.perf_counter()
    inputs = load_inputs(
        Path(taxonomy_root) if taxonomy_root is not None else None,
        Path(schema_file) if schema_file is not None else None,
    )
    files = generate(inputs)
    out_dir = Path(out)
    changed = write_tree(out_dir, files)
    return BuildResult(out_dir, files, changed, time.perf_counter() - t0)


def run_cli(out: str) -> int:
    from ..errors import PPTaxonomyError

    kept = "no artefact was replaced by a partial one"
    try:
        result = build(out)
    except ModuleNotFoundError as exc:
        print(
            f"error: pptaxonomy build needs the build extra ({exc.name} is missing): "
            "pip install 'pptaxonomy[build]'",
            file=sys.stderr,
        )
        return 2
    except KeyError as exc:
        print(
            f"error: build failed on the unknown identifier {exc}; run `pptaxonomy validate`. "
            f"{kept[0].upper()}{kept[1:]}.",
            file=sys.stderr,
        )
        return 2
    except (PPTaxonomyError, OSError) as exc:
        print(f"error: build failed ({exc}); {kept}.", file=sys.stderr)
        return 2
    print(
        f"pptaxonomy build: {len(result.files)} artefacts under {result.out}/ "
        f"({len(result.changed)} changed) in {result.seconds:.1f} s"
    )
    for rel in result.changed:
        print(f"  wrote {rel}")
    return 0
