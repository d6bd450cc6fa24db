"""Crosswalk tables: CSV for spreadsheets (with CSVW metadata) and SSSOM TSV, one per code system.

CSV safety: every value is text and quoted; a cell that would start with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return (which spreadsheets run as a formula) is prefixed with an
apostrophe. Codes never start with those characters, so codes are written exactly as the code
system writes them (``S8L``, ``2229/09``, leading zeros kept).
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import yaml

from .. import __version__
from ..loader import NHS_OCCUPATION_CODE
from .common import BASE, CONFIDENCE_SCORE, MAPPINGS_BASE, CrosswalkRow, Inputs, crosswalk_rows

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# (column, description); the order is the CSV's column order.
CSV_COLUMNS: tuple[tuple[str, str], ...] = (
    ("data_version", "Version of the taxonomy data the row comes from (taxonomy/VERSION)."),
    ("profession_id", "Identifier of the profession; its IRI is https://w3id.org/pptaxonomy/<id>."),
    ("profession_name", "Preferred name of the profession."),
    ("profession_status", "established, emerging, pilot or deprecated."),
    (
        "level_id",
        "Generic level (assistant ... head-of-service); empty: the row holds for every level.",
    ),
    ("level_name", "Name of the generic level."),
    ("job_title", "Title the profession uses at that level."),
    ("band_min", "Lowest Agenda for Change band typical for the profession at that level."),
    ("band_max", "Highest Agenda for Change band typical for the profession at that level."),
    ("code_system", "Identifier of the target code system."),
    ("code_system_version", "Version of the target code system."),
    (
        "code",
        "The target code, as text exactly as the code system writes it; empty on a no-match row.",
    ),
    ("code_name", "The code's name in its code system."),
    ("code_status", "valid or retired in the code system."),
    ("predicate", "SKOS mapping relation from the profession (at the level) to the code."),
    ("no_match", "true on an explicit row saying the code system has no code for the profession."),
    (
        "justification",
        "How the row was made (SEMAPV): LogicalReasoning, ManualMappingCuration, ...",
    ),
    ("confidence", "verified, inferred or unverified."),
    ("level_expanded", "true when the level was filled in from a row that holds for every level."),
    ("sources", "Identifiers of the sources supporting the row, separated by spaces."),
    ("comment", "Note on the row."),
    ("valid_from", "Date from which the mapping holds, when known."),
    ("valid_to", "Date until which the mapping held, when known."),
    ("target_retired", "true when the code is knowingly a retired one (a historical mapping)."),
    ("subject_iri", "IRI of the profession, or of the profession at the level."),
    ("code_iri", "IRI of the code."),
)

# The SSSOM 1.1 canonical order (the order of the slots in the SSSOM schema, as sssom-py's
# ``sort_df_rows_columns`` applies it): metadata keys, then columns; rows sorted on the columns.
SSSOM_VERSION = "1.1"
SSSOM_COLUMNS = (
    "subject_id",
    "subject_label",
    "predicate_id",
    "object_id",
    "object_label",
    "mapping_justification",
    "confidence",
    "see_also",
    "other",
    "comment",
)
SSSOM_METADATA_ORDER = (
    "sssom_version",
    "curie_map",
    "mapping_set_id",
    "mapping_set_version",
    "mapping_set_title",
    "mapping_set_description",
    "license",
    "subject_source",
    "subject_source_version",
    "object_source",
    "object_source_version",
    "mapping_provider",
    "mapping_tool",
    "mapping_tool_version",
    "curation_rule_text",
    "see_also",
    "comment",
)
# The CURIE of the taxonomy (its concept scheme, https://w3id.org/pptaxonomy/) for
# subject_source, which SSSOM types as an entity reference (a CURIE, not an IRI).
W3ID_PREFIX = ("w3id", "https://w3id.org/")
SUBJECT_SOURCE = "w3id:pptaxonomy/"

NHS_RULE = (
    "Area-by-level rule: an NHS occupation code for the S (scientific, therapeutic and technical) "
    "matrix is S + a level character + an area character. The area is L (Applied Psychology) for "
    "psychologists and associate roles, M (Psychological Therapy) for therapists and "
    "practitioners, H (Art/Music/Dramatherapy) for arts therapists. The level character comes "
    "from the generic level (taxonomy/levels.yaml occupation_code_levels): 9 or 5 assistant, "
    "8 trainee, 1 (therapist) or 2 (scientist) qualified to principal, A consultant, 0 head of "
    "service. The manual has no profession-specific codes, so the rows are broadMatch "
    "(many-to-one) or relatedMatch for an alternative, with justification LogicalReasoning."
)

_WS = re.compile(r"\s+")


def _flat(text: Any) -> str:
    return _WS.sub(" ", str(text)).strip() if text is not None else ""


def _bool(value: bool) -> str:
    return "true" if value else "false"


def safe_cell(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (apostrophe prefix when needed)."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def write_csv(header: list[str], rows: list[list[str]]) -> bytes:
    """RFC 4180 CSV: every cell quoted (so codes read as text), CRLF line ends, UTF-8."""
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(_flat(v)) for v in row])
    return buf.getvalue().encode("utf-8")


def _csv_row(inputs: Inputs, r: CrosswalkRow) -> list[str]:
    m, p, pl = r.mapping, r.profession, r.profession_level
    cs = inputs.tax.code_systems[m.code_system]
    code_iri = "" if r.no_match else inputs.code_iri(m.code_system, m.code)
    values = {
        "data_version": inputs.data_version,
        "profession_id": p.id,
        "profession_name": p.name,
        "profession_status": p.status,
        "level_id": r.level.id if r.level else "",
        "level_name": r.level.name if r.level else "",
        "job_title": (pl.title or "") if pl else "",
        "band_min": (pl.band_min or "") if pl else "",
        "band_max": (pl.band_max or pl.band_min or "") if pl else "",
        "code_system": cs.id,
        "code_system_version": cs.version or "",
        "code": "" if r.no_match else m.code,
        "code_name": r.code.name if r.code else "",
        "code_status": r.code.code_status if r.code else "",
        "predicate": m.predicate,
        "no_match": _bool(r.no_match),
        "justification": m.justification,
        "confidence": m.confidence,
        "level_expanded": _bool(r.expanded),
        "sources": " ".join(m.sources),
        "comment": m.comment or "",
        "valid_from": m.valid_from or "",
        "valid_to": m.valid_to or "",
        "target_retired": _bool(m.target_retired),
        "subject_iri": r.subject_iri,
        "code_iri": code_iri,
    }
    return [values[c] for c, _ in CSV_COLUMNS]


def crosswalk_csv(inputs: Inputs, system: str) -> bytes:
    rows = [_csv_row(inputs, r) for r in crosswalk_rows(inputs, system)]
    return write_csv([c for c, _ in CSV_COLUMNS], rows)


# What a CSVW validator checks beyond the header: columns every row fills, the flags' values and
# the IRIs. Everything stays text (codes keep their leading zeros).
CSVW_REQUIRED = frozenset(
    {
        "data_version",
        "profession_id",
        "profession_name",
        "profession_status",
        "code_system",
        "predicate",
        "no_match",
        "justification",
        "confidence",
        "level_expanded",
        "target_retired",
        "subject_iri",
    }
)
CSVW_BOOLEAN = frozenset({"no_match", "level_expanded", "target_retired"})
CSVW_IRI = frozenset({"subject_iri", "code_iri"})


def _csvw_column(name: str, description: str) -> dict[str, Any]:
    datatype: Any = "string"
    if name in CSVW_BOOLEAN:
        datatype = {"base": "boolean", "format": "true|false"}
    elif name in CSVW_IRI:
        datatype = "anyURI"
    column: dict[str, Any] = {"name": name, "titles": name, "datatype": datatype}
    if name in CSVW_REQUIRED:
        column["required"] = True
    column["dc:description"] = description
    return column


def csv_metadata(inputs: Inputs, systems: list[str], extra_tables: tuple[dict, ...] = ()) -> bytes:
    """CSVW metadata (``csv-metadata.json``) for every crosswalk CSV: columns, types, provenance;
    ``extra_tables``: the CSVW descriptions of the other CSV files (the title index)."""
    prov = inputs.data_provenance
    columns = [_csvw_column(c, d) for c, d in CSV_COLUMNS]
    doc = {
        "@context": ["http://www.w3.org/ns/csvw", {"@language": "en"}],
        "dc:title": "pptaxonomy crosswalk tables",
        "dc:license": {"@id": inputs.licence},
        "schema:version": prov.data_version,
        "prov:wasGeneratedBy": prov.generator,
        "dc:source": [f"{s.path} sha256:{s.sha256}" for s in prov.sources],
        "dialect": {"encoding": "utf-8", "header": True, "lineTerminators": ["\r\n"]},
        # A tableSchema on each table: with only the group-level default, the csvw
        # validator checked no column at all.
        "tables": [
            {
                "url": f"{system}.csv",
                "dc:title": f"pptaxonomy to {inputs.tax.code_systems[system].name}",
                "tableSchema": {"columns": columns},
            }
            for system in systems
        ]
        + list(extra_tables),
    }
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


# -- SSSOM -----------------------------------------------------------------------------------


def _tsv_cell(value: Any) -> str:
    return _flat(value).replace("\t", " ")


def sssom_metadata(inputs: Inputs, system: str, rows: list[CrosswalkRow]) -> dict[str, Any]:
    tax = inputs.tax
    cs = tax.code_systems[system]
    curie_map = {"pptax": BASE, W3ID_PREFIX[0]: W3ID_PREFIX[1]}
    if cs.curie_prefix and cs.code_iri_prefix:
        curie_map[cs.curie_prefix] = cs.code_iri_prefix
    curie_map = dict(sorted(curie_map.items()))
    see_also = sorted(
        {tax.sources[s].url for r in rows for s in r.mapping.sources if s in tax.sources}
    )
    meta: dict[str, Any] = {
        "sssom_version": SSSOM_VERSION,
        "curie_map": curie_map,
        "mapping_set_id": f"{MAPPINGS_BASE}{system}.sssom.tsv",
        "mapping_set_version": inputs.data_version,
        "mapping_set_title": f"UK psychological professions (pptaxonomy) to {cs.name}",
        "mapping_set_description": (
            f"Crosswalk from the professions of the pptaxonomy taxonomy, and from each profession "
            f"at each of its levels, to {cs.name} (version {cs.version or 'unversioned'}). "
            "Rows whose object is sssom:NoTermFound state that the code system has no code "
            "for the profession."
        ),
        "license": inputs.licence,
        "mapping_provider": BASE,
        "mapping_tool": "pptaxonomy build",
        "mapping_tool_version": __version__,
        "subject_source": SUBJECT_SOURCE,
        "subject_source_version": inputs.data_version,
        "object_source": f"pptax:{system}",
    }
    if cs.version:
        meta["object_source_version"] = cs.version
    if system == NHS_OCCUPATION_CODE:
        meta["curation_rule_text"] = [NHS_RULE]
    if see_also:
        meta["see_also"] = see_also
    # No file-level ``other``: sssom-pydantic refuses it. The build's sources go in comment.
    meta["comment"] = (
        f"Generated by {inputs.data_provenance.generator} from taxonomy data version "
        f"{inputs.data_version}. confidence maps the taxonomy's categories to numbers: "
        + ", ".join(f"{k} {v}" for k, v in CONFIDENCE_SCORE.items())
        + "; the category and the source identifiers of each row are in its other column. "
        "Source files of this build (SHA-256): "
        + inputs.data_provenance.key_values().replace("|", "; ")
        + "."
    )
    return {k: meta[k] for k in SSSOM_METADATA_ORDER if k in meta}


def crosswalk_sssom(inputs: Inputs, system: str) -> bytes:
    rows = crosswalk_rows(inputs, system)
    meta = sssom_metadata(inputs, system, rows)
    header = yaml.safe_dump(
        meta, sort_keys=False, allow_unicode=True, default_flow_style=False, width=10_000
    )
    out = io.StringIO()
    for line in header.splitlines():
        out.write(f"#{line}\n")
    out.write("\t".join(SSSOM_COLUMNS) + "\n")
    tax = inputs.tax
    lines = []
    for r in rows:
        m = r.mapping
        urls = sorted({tax.sources[s].url for s in m.sources if s in tax.sources})
        other = [f"confidence_level={m.confidence}", "sources=" + " ".join(m.sources)]
        if r.expanded:
            other.append("level_expanded=true")
        values = {
            "subject_id": r.subject_iri.replace(BASE, "pptax:", 1),
            "subject_label": r.subject_label,
            "predicate_id": f"skos:{m.predicate}",
            "object_id": "sssom:NoTermFound" if r.no_match else inputs.code_curie(system, m.code),
            "object_label": r.code.name if r.code else "",
            "mapping_justification": f"semapv:{m.justification}",
            "confidence": f"{CONFIDENCE_SCORE[m.confidence]}",
            "comment": m.comment or "",
            "see_also": "|".join(urls),
            "other": "|".join(other),
        }
        lines.append([_tsv_cell(values[c]) for c in SSSOM_COLUMNS])
    for line in sorted(lines):
        out.write("\t".join(line) + "\n")
    return out.getvalue().encode("utf-8")
