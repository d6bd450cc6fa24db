"""The downloads page: every published artefact, copied into the site, with the data version."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .layout import esc, page

FOLDERS = ("artefacts", "mappings")
DESCRIPTIONS = {
    ".schema.json": "JSON Schema of the taxonomy files and the JSON export",
    ".owl.ttl": "The schema as an OWL 2 ontology (Turtle)",
    ".shacl.ttl": "SHACL shapes for validating RDF about the taxonomy",
    ".jsonld": "The taxonomy as JSON-LD",
    ".ttl": "The taxonomy as RDF Turtle (SKOS concept scheme)",
    ".conceptmap.json": "Crosswalk as a FHIR R4 ConceptMap",
    ".codesystem.json": "Professions, groups and levels as a FHIR R4 CodeSystem",
    "csv-metadata.json": "CSVW metadata describing the crosswalk CSV files",
    ".sssom.tsv": "Crosswalk in SSSOM TSV",
    ".csv": "Crosswalk table (CSV)",
    ".json": "The whole taxonomy as one JSON document",
    "syndication.xml": "Atom feed of the FHIR resources, for a terminology server (syndication)",
    ".fhir.tgz": "The FHIR resources as a FHIR NPM package",
}


NONE = "<p>No artefacts were found when the site was built.</p>"


def artefact_files(root: Path) -> list[tuple[str, Path]]:
    """Every published artefact under ``root``: (path relative to root, file), sorted."""
    out = []
    for folder in FOLDERS:
        base = root / folder
        if base.is_dir():
            for f in sorted(base.iterdir()):
                if f.is_file() and not f.name.startswith("."):
                    out.append((f"{folder}/{f.name}", f))
    return out


def describe(name: str) -> str:
    for suffix, text in DESCRIPTIONS.items():
        if name.endswith(suffix):
            return text
    return ""


def _size(n: int) -> str:
    return f"{n / 1024:.1f} KB" if n >= 1024 else f"{n} bytes"


def render(tax, files: list[tuple[str, bytes]]) -> str:
    sections = []
    for folder in FOLDERS:
        rows = []
        for rel, content in files:
            if not rel.startswith(folder + "/"):
                continue
            name = rel.split("/", 1)[1]
            digest = hashlib.sha256(content).hexdigest()
            rows.append(
                f'<tr><th scope="row"><a href="downloads/{esc(rel)}" download>{esc(name)}</a>'
                f"</th><td>{esc(describe(name))}</td><td>{_size(len(content))}</td>"
                f'<td><code class="sha">{digest[:16]}\u2026</code>'
                f'<span class="visually-hidden"> (full SHA-256 {digest})</span></td></tr>'
            )
        if rows:
            sections.append(
                f'<h2>{esc(folder)}/</h2>\n<div class="table-wrap"><table>'
                f'<caption class="visually-hidden">Files in {esc(folder)}</caption>'
                '<thead><tr><th scope="col">File</th><th scope="col">What it is</th>'
                '<th scope="col">Size</th><th scope="col">SHA-256</th></tr></thead><tbody>\n'
                + "\n".join(rows)
                + "\n</tbody></table></div>"
            )
    body = f"""<h1>Downloads</h1>
<p class="lede">Every published artefact of data version <strong>{esc(tax.data_version)}</strong>,
generated from the same taxonomy files as this site. The files are copies kept inside the site,
so the links work offline.</p>
{chr(10).join(sections) if sections else NONE}"""
    return page("Downloads", body, current="downloads.html", data_version=tax.data_version)
