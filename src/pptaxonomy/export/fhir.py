"""FHIR R4 resources: a CodeSystem of the taxonomy and a ConceptMap per target code system.

UK Core is FHIR R4, so ConceptMaps use the R4 ``equivalence`` codes (not R5 ``relationship``).
A row for one level of a profession maps the profession's code with a ``dependsOn`` naming
the level. SKOS predicates map to R4 equivalence as in ``EQUIVALENCE``; R4 requires a comment
on ``narrower`` and ``inexact`` targets, so one is always given.
"""

from __future__ import annotations

import json
import re
from typing import Any

from . import fhir_codesystems
from .common import BASE, FHIR_BASE, CrosswalkRow, Inputs, crosswalk_rows, entity_iri
from .provenance import Provenance

CODESYSTEM_URL = FHIR_BASE + "CodeSystem/pptaxonomy"
PROVENANCE_EXT = FHIR_BASE + "StructureDefinition/source-file"
DATA_VERSION_EXT = FHIR_BASE + "StructureDefinition/data-version"
LEVEL_PROPERTY = BASE + "level"  # the schema slot ProfessionLevel.level

EQUIVALENCE = {
    "exactMatch": "equivalent",
    "closeMatch": "inexact",
    "broadMatch": "wider",
    "narrowMatch": "narrower",
    "relatedMatch": "relatedto",
}
NEEDS_COMMENT = {"narrower", "inexact"}
SYNONYM = {"system": "http://snomed.info/sct", "code": "900000000000013009", "display": "Synonym"}
SHOWN_LABELS = ("alternative", "acronym", "protected_title")


def _extensions(prov: Provenance) -> list[dict[str, Any]]:
    ext: list[dict[str, Any]] = [{"url": DATA_VERSION_EXT, "valueString": prov.data_version}]
    for src in prov.sources:
        ext.append(
            {
                "url": PROVENANCE_EXT,
                "extension": [
                    {"url": "path", "valueString": src.path},
                    {"url": "sha256", "valueString": src.sha256},
                ],
            }
        )
    return ext


def _pascal(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", text))


def _dumps(resource: dict[str, Any]) -> bytes:
    return (json.dumps(resource, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def codesystem(inputs: Inputs) -> bytes:
    """The taxonomy's groups, professions and levels as one FHIR R4 CodeSystem."""
    tax = inputs.tax
    concepts: list[dict[str, Any]] = []

    def props(**values: Any) -> list[dict[str, Any]]:
        out = []
        for code, value in values.items():
            if value is None:
                continue
            key = {bool: "valueBoolean", int: "valueInteger"}.get(type(value), "valueCode")
            out.append({"code": code.replace("_", "-"), key: value})
        return out

    def status(entity: Any) -> str:
        deprecated = entity.deprecated or getattr(entity, "status", None) == "deprecated"
        return "deprecated" if deprecated else "active"

    for g in tax.groups.values():
        concepts.append(
            {
                "code": g.id,
                "display": g.name,
                "definition": g.description,
                "property": props(kind="group", status=status(g), replaced_by=g.replaced_by),
            }
        )
    for lv in tax.levels.values():
        concepts.append(
            {
                "code": lv.id,
                "display": lv.name,
                "definition": lv.description,
                "property": props(
                    kind="level", status=status(lv), rank=lv.rank, replaced_by=lv.replaced_by
                ),
            }
        )
    for p in tax.professions.values():
        concept: dict[str, Any] = {"code": p.id, "display": p.name, "definition": p.description}
        shown = [lab.text for lab in p.labels if lab.kind in SHOWN_LABELS and lab.text != p.name]
        if shown:
            concept["designation"] = [
                {"language": "en", "use": SYNONYM, "value": text} for text in dict.fromkeys(shown)
            ]
        concept["property"] = props(
            kind="profession",
            parent=p.group,
            status=status(p),
            inactive=True if status(p) == "deprecated" else None,
            replaced_by=p.replaced_by,
            core_twelve=p.core_twelve,
        )
        concepts.append(concept)
    concepts.extend(fhir_codesystems.level_concepts(inputs))
    concepts.sort(key=lambda c: c["code"])
    prop_defs = [
        ("level", LEVEL_PROPERTY, "code", "The level of a profession-at-level concept"),
        ("kind", None, "code", "profession, level, group or profession-level"),
        (
            "parent",
            "http://hl7.org/fhir/concept-properties#parent",
            "code",
            "The group a profession belongs to (in the NHS England taxonomy)",
        ),
        ("status", "http://hl7.org/fhir/concept-properties#status", "code", "active or deprecated"),
        (
            "inactive",
            "http://hl7.org/fhir/concept-properties#inactive",
            "boolean",
            "True for deprecated concepts",
        ),
        ("replaced-by", BASE + "replaced_by", "code", "The concept that replaces a deprecated one"),
        ("rank", BASE + "rank", "integer", "Position of a level on the career ladder"),
        (
            "core-twelve",
            BASE + "core_twelve",
            "boolean",
            "One of the twelve psychological professions named after the 2019 review",
        ),
    ]
    resource = {
        "resourceType": "CodeSystem",
        "id": "pptaxonomy",
        "extension": _extensions(inputs.data_provenance),
        "url": CODESYSTEM_URL,
        "identifier": [{"system": "urn:ietf:rfc:3986", "value": BASE}],
        "version": inputs.data_version,
        "name": "Pptaxonomy",
        "title": str(inputs.schema.get("title", "pptaxonomy")),
        "status": "active",
        "experimental": False,
        "publisher": "pptaxonomy contributors",
        "description": (
            "The professions of the UK psychological professions taxonomy, the groups they "
            "belong to and the generic career levels. Codes are the taxonomy's identifiers; "
            f"each concept's IRI is {BASE}<code>."
        ),
        "copyright": f"Licensed under {inputs.licence}",
        "caseSensitive": True,
        "hierarchyMeaning": "grouped-by",
        "content": "complete",
        "count": len(concepts),
        "property": [
            {"code": c, **({"uri": u} if u else {}), "description": d, "type": t}
            for c, u, t, d in prop_defs
        ],
        "concept": concepts,
    }
    return _dumps(resource)


def _target(inputs: Inputs, row: CrosswalkRow) -> dict[str, Any]:
    m = row.mapping
    target: dict[str, Any] = {}
    if row.no_match:
        target["equivalence"] = "unmatched"
    else:
        target["code"] = m.code
        if row.code is not None:
            target["display"] = row.code.name
        target["equivalence"] = EQUIVALENCE[m.predicate]
    comment = m.comment or ""
    if not comment and target["equivalence"] in NEEDS_COMMENT:
        comment = f"Mapped as skos:{m.predicate} ({m.confidence})."
    notes = [comment] if comment else []
    notes.append(f"confidence: {m.confidence}; justification: {m.justification}")
    target["comment"] = " ".join(notes)
    if row.level is not None:
        target["dependsOn"] = [
            {
                "property": LEVEL_PROPERTY,
                "system": CODESYSTEM_URL,
                "value": row.level.id,
                "display": row.level.name,
            }
        ]
    return target


def conceptmap(inputs: Inputs, system: str) -> bytes:
    tax = inputs.tax
    cs = tax.code_systems[system]
    elements: dict[str, dict[str, Any]] = {}
    for row in crosswalk_rows(inputs, system):
        p = row.profession
        element = elements.setdefault(p.id, {"code": p.id, "display": p.name, "target": []})
        element["target"].append(_target(inputs, row))
    group: dict[str, Any] = {
        "source": CODESYSTEM_URL,
        "sourceVersion": inputs.data_version,
        "target": fhir_codesystems.canonical_url(system),
    }
    if cs.version:
        group["targetVersion"] = cs.version
    group["element"] = [elements[k] for k in sorted(elements)]
    group["element"].extend(fhir_codesystems.level_elements(inputs, system))
    resource = {
        "resourceType": "ConceptMap",
        "id": f"pptaxonomy-to-{system}",
        "extension": _extensions(inputs.data_provenance),
        "url": f"{FHIR_BASE}ConceptMap/pptaxonomy-to-{system}",
        "identifier": {"system": "urn:ietf:rfc:3986", "value": entity_iri(system)},
        "version": inputs.data_version,
        "name": f"PptaxonomyTo{_pascal(system)}",
        "title": f"UK psychological professions (pptaxonomy) to {cs.name}",
        "status": "active",
        "experimental": False,
        "publisher": "pptaxonomy contributors",
        "description": (
            f"Crosswalk from the taxonomy's professions to {cs.name}. A target that depends on "
            "a level holds for the profession at that level only; equivalence unmatched means "
            "the code system has no code for the profession."
        ),
        "copyright": f"Licensed under {inputs.licence}",
        "group": [group],
    }
    return _dumps(resource)
