"""What every artefact family shares: the loaded inputs, IRIs, CURIEs and crosswalk rows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

from .. import __version__, model
from .._data import schema_path as packaged_schema_path
from .._data import taxonomy_dir
from ..loader import NHS_OCCUPATION_CODE, Taxonomy, read_containers, taxonomy_files
from .provenance import Provenance, SourceFile, source_file

BASE = "https://w3id.org/pptaxonomy/"
"""Entity IRIs are BASE + identifier; the taxonomy (the SKOS concept scheme) is BASE itself."""

FHIR_BASE = BASE + "fhir/"
MAPPINGS_BASE = BASE + "mappings/"

# SSSOM needs a number; the taxonomy records a category. Documented in docs/artefacts.md.
CONFIDENCE_SCORE = {"verified": 0.95, "inferred": 0.7, "unverified": 0.4}

_UNSAFE_ID = re.compile(r"[^A-Za-z0-9-]+")


def entity_iri(identifier: str) -> str:
    return BASE + identifier


def profession_level_iri(profession: str, level: str) -> str:
    """The IRI of a profession at one level: ``.../clinical-psychologist/trainee``.

    Identifiers are kebab-case and never contain ``/``, so these cannot collide with entities.
    """
    return f"{BASE}{profession}/{level}"


def safe_local(*parts: str) -> str:
    """A blank-node label built from identifiers and codes: ``.``-joined, one part each.

    Identifiers are kebab-case and never contain ``.``, so distinct parts give distinct labels.
    """
    return ".".join(_UNSAFE_ID.sub("_", p) or "_" for p in parts)


@dataclass
class Inputs:
    """Everything a build reads, loaded once."""

    taxonomy_root: Path
    schema_path: Path
    schema: dict[str, Any]
    tax: Taxonomy
    containers: list[tuple[Path, dict[str, Any]]]
    schema_provenance: Provenance
    data_provenance: Provenance

    @property
    def data_version(self) -> str:
        return self.tax.data_version

    @property
    def schema_version(self) -> str:
        return str(self.schema.get("version", ""))

    @property
    def licence(self) -> str:
        return str(self.schema["license"])

    # -- codes -----------------------------------------------------------------------------

    def code_entry(self, system: str, code: str) -> model.OccupationCode | None:
        codes = self.tax.codes.get(system, {})
        return codes.get(code) or codes.get(code.strip().upper())

    def code_iri(self, system: str, code: str) -> str:
        entry = self.code_entry(system, code)
        if entry is not None and entry.iri:
            return entry.iri
        cs = self.tax.code_systems[system]
        prefix = cs.code_iri_prefix or f"{BASE}code/{system}/"
        return prefix + quote(code, safe="/:")

    def code_curie(self, system: str, code: str) -> str:
        cs = self.tax.code_systems[system]
        iri = self.code_iri(system, code)
        if cs.curie_prefix and cs.code_iri_prefix and iri.startswith(cs.code_iri_prefix):
            return f"{cs.curie_prefix}:{iri[len(cs.code_iri_prefix) :]}"
        return iri

    def target_systems(self) -> list[str]:
        """Code systems that have crosswalk rows, NHS occupation codes first."""
        used = {m.code_system for m in self.tax.mappings}
        return sorted(
            used & set(self.tax.code_systems), key=lambda s: (s != NHS_OCCUPATION_CODE, s)
        )


def load_inputs(taxonomy_root: Path | None = None, schema_file: Path | None = None) -> Inputs:
    root = Path(taxonomy_root) if taxonomy_root is not None else taxonomy_dir()
    spath = Path(schema_file) if schema_file is not None else packaged_schema_path()
    schema_bytes = spath.read_bytes()
    schema = yaml.load(schema_bytes, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    containers = list(read_containers(root))
    tax = Taxonomy(root, containers)

    schema_src = source_file(spath, "schema/pptaxonomy.yaml")
    data_files = {p for p in taxonomy_files(root)}
    if (root / "VERSION").is_file():
        data_files.add(root / "VERSION")
    for cs in tax.code_systems.values():
        if cs.code_list_file and (root / cs.code_list_file).is_file():
            data_files.add(root / cs.code_list_file)
    data_srcs = [
        source_file(p, "taxonomy/" + p.relative_to(root).as_posix())
        for p in sorted(data_files, key=lambda p: p.relative_to(root).as_posix())
    ]
    version = str(schema.get("version", ""))

    def prov(srcs: list[SourceFile]) -> Provenance:
        return Provenance(tax.data_version, version, __version__, tuple(srcs))

    return Inputs(
        taxonomy_root=root,
        schema_path=spath,
        schema=schema,
        tax=tax,
        containers=containers,
        schema_provenance=prov([schema_src]),
        data_provenance=prov([schema_src, *data_srcs]),
    )


# -- crosswalk rows --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CrosswalkRow:
    """One published crosswalk row: a mapping, resolved, at one level or for every level."""

    mapping: model.Mapping
    profession: model.Profession
    level: model.Level | None
    profession_level: model.ProfessionLevel | None
    code: model.OccupationCode | None
    expanded: bool
    """True when the level was filled in from a row that names no level (NHS table only)."""

    @property
    def no_match(self) -> bool:
        """True for an explicit no-match row (and, defensively, a row without a code)."""
        return self.mapping.no_match or not self.mapping.code

    @property
    def subject_iri(self) -> str:
        if self.level is None:
            return entity_iri(self.profession.id)
        return profession_level_iri(self.profession.id, self.level.id)

    @property
    def subject_label(self) -> str:
        if self.level is None:
            return self.profession.name
        if self.profession_level is not None and self.profession_level.title:
            return self.profession_level.title
        return f"{self.profession.name} ({self.level.name.lower()})"


def crosswalk_rows(inputs: Inputs, system: str) -> list[CrosswalkRow]:
    """The rows of one code system's crosswalk, in publication order.

    NHS occupation codes are published one row per profession x level x code: a row that
    names no level stands for every level the profession has and is expanded, unless the
    profession has an explicit row for that level and code.
    """
    tax = inputs.tax
    rows: list[CrosswalkRow] = []
    explicit = {
        (m.profession, m.level, m.code) for m in tax.mappings if m.code_system == system and m.level
    }
    for m in tax.mappings:
        if m.code_system != system:
            continue
        prof = tax.professions[m.profession]
        code = inputs.code_entry(system, m.code) if m.code and not m.no_match else None
        if m.level is not None or system != NHS_OCCUPATION_CODE:
            level = tax.levels.get(m.level) if m.level else None
            rows.append(
                CrosswalkRow(m, prof, level, prof.level(m.level) if m.level else None, code, False)
            )
            continue
        for pl in prof.levels:
            if (prof.id, pl.level, m.code) in explicit:
                continue
            rows.append(CrosswalkRow(m, prof, tax.levels[pl.level], pl, code, True))

    def order(r: CrosswalkRow) -> tuple:
        rank = -1 if r.level is None else r.level.rank
        return (
            r.profession.id,
            rank,
            r.mapping.no_match,
            r.mapping.code or "",
            r.mapping.predicate,
        )

    rows.sort(key=order)
    return rows
