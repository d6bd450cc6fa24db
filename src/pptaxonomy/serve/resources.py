"""The resources the server holds, indexed by type, id and canonical URL (with versions).

At start the taxonomy's CodeSystem, the target CodeSystems, the ValueSets and the ConceptMaps
are generated in memory by the same code as ``pptaxonomy build`` (no LinkML, no files read from
``mappings/``), so the server and the published files agree and canonical URLs come from
``export.fhir_codesystems.canonical_url``. A request's ``tx-resource`` parameters are added to a
per-request overlay (``Store.overlay``); the shared store is never changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import FhirError

RESOURCE_TYPES = ("CodeSystem", "ValueSet", "ConceptMap")
INACTIVE_STATUSES = {"retired", "deprecated", "inactive"}


def _prop_value(p: dict[str, Any]) -> Any:
    for k, v in p.items():
        if k.startswith("value"):
            return v
    return None


@dataclass
class Concept:
    """One concept of a CodeSystem, flattened out of any nesting."""

    code: str
    display: str | None
    definition: str | None
    designations: list[dict[str, Any]]
    properties: list[dict[str, Any]]
    parents: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    extensions: list[dict[str, Any]] = field(default_factory=list)
    """The concept's extensions (a merged supplement's after the code system's own)."""
    not_selectable_codes: frozenset[str] = frozenset({"notSelectable"})
    """The property codes that mean notSelectable in its code system (``notSelectable`` and
    any declared with the concept-properties#notSelectable URI)."""

    def prop(self, code: str) -> list[Any]:
        return [_prop_value(p) for p in self.properties if p.get("code") == code]

    @property
    def inactive(self) -> bool:
        if any(v is True for v in self.prop("inactive")):
            return True
        return any(str(v) in INACTIVE_STATUSES for v in self.prop("status"))

    @property
    def deprecated(self) -> bool:
        return any(str(v) == "deprecated" for v in self.prop("status"))

    @property
    def abstract(self) -> bool:
        return any(
            p.get("valueBoolean") is True
            for p in self.properties
            if p.get("code") in self.not_selectable_codes
        )


class CodeSystemIndex:
    """A CodeSystem with its concepts indexed by code, and the is-a hierarchy."""

    def __init__(self, resource: dict[str, Any]):
        self.resource = resource
        self.url: str = resource.get("url", "")
        self.version: str | None = resource.get("version")
        self.used_supplements: list[str] = resource.get("used_supplements", [])
        """The supplements (url|version) merged in for this request (``Store.supplemented``)."""
        self.case_sensitive: bool = resource.get("caseSensitive", True) is not False
        self.concepts: dict[str, Concept] = {}
        self._lower: dict[str, str] = {}
        parent_props = {"parent"}
        not_selectable = {"notSelectable"}
        for p in resource.get("property", ()) or ():
            if p.get("uri") == "http://hl7.org/fhir/concept-properties#parent":
                parent_props.add(p.get("code", "parent"))
            if p.get("uri") == "http://hl7.org/fhir/concept-properties#notSelectable":
                not_selectable.add(p.get("code", "notSelectable"))
        self._not_selectable = frozenset(not_selectable)
        self._walk(resource.get("concept") or [], None, parent_props)
        for c in self.concepts.values():
            for parent in c.parents:
                if parent in self.concepts and c.code not in self.concepts[parent].children:
                    self.concepts[parent].children.append(c.code)

    def _walk(self, items: list[dict[str, Any]], parent: str | None, parent_props: set[str]):
        for item in items:
            code = item.get("code")
            if not isinstance(code, str):
                raise FhirError(400, "invalid", f"a concept of CodeSystem {self.url} has no code")
            props = list(item.get("property") or [])
            parents = [parent] if parent else []
            parents += [str(_prop_value(p)) for p in props if p.get("code") in parent_props]
            designations = list(item.get("designation") or [])
            concept = Concept(
                code=code,
                display=item.get("display"),
                definition=item.get("definition"),
                designations=designations,
                properties=props,
                parents=list(dict.fromkeys(parents)),
                extensions=list(item.get("extension") or []),
                not_selectable_codes=self._not_selectable,
            )
            concept.labels = [
                t for t in [item.get("display"), *(d.get("value") for d in designations)] if t
            ]
            self.concepts[code] = concept
            self._lower.setdefault(code.lower(), code)
            self._walk(item.get("concept") or [], code, parent_props)

    def get(self, code: str) -> Concept | None:
        """The concept of ``code``; case-insensitively when the CodeSystem says so."""
        c = self.concepts.get(code)
        if c is None and not self.case_sensitive:
            real = self._lower.get(code.lower())
            c = self.concepts.get(real) if real else None
        return c

    def ancestors(self, code: str) -> set[str]:
        """Every code above ``code`` in the hierarchy (not ``code`` itself)."""
        seen: set[str] = set()
        todo = list(self.concepts[code].parents) if code in self.concepts else []
        while todo:
            p = todo.pop()
            if p in seen:
                continue
            seen.add(p)
            if p in self.concepts:
                todo.extend(self.concepts[p].parents)
        return seen

    def descendants(self, code: str) -> set[str]:
        """Every code below ``code`` (not ``code`` itself)."""
        seen: set[str] = set()
        todo = list(self.concepts[code].children) if code in self.concepts else []
        while todo:
            c = todo.pop()
            if c in seen:
                continue
            seen.add(c)
            todo.extend(self.concepts[c].children)
        return seen


def version_matches(pattern: str, version: str) -> bool:
    """Does ``version`` fit ``pattern``: equal, or a prefix of its dot-separated parts
    (``1.0`` fits 1.0.0), where an ``x`` or ``*`` part fits any (``1.x.x`` fits 1.2.0)?"""
    if pattern == version:
        return True
    want, have = pattern.split("."), version.split(".")
    if len(want) > len(have):
        return False
    return all(w in ("x", "X", "*") or w == h for w, h in zip(want, have, strict=False))


def _version_key(v: str | None) -> tuple:
    parts = []
    for piece in (v or "").replace("-", ".").split("."):
        parts.append((0, int(piece), "") if piece.isdigit() else (1, 0, piece))
    return tuple(parts)


class Store:
    """Resources by type: ``by_id[type][id]`` and ``by_url[type][url]`` (versions, newest last)."""

    def __init__(self) -> None:
        self.by_id: dict[str, dict[str, dict[str, Any]]] = {t: {} for t in RESOURCE_TYPES}
        self.by_url: dict[str, dict[str, list[dict[str, Any]]]] = {t: {} for t in RESOURCE_TYPES}
        self._cs_index: dict[tuple[str, str | None], CodeSystemIndex] = {}
        self.labels: dict[str, dict[str, list[str]]] = {}
        """Extra search labels per CodeSystem URL and code (the taxonomy's hidden labels)."""

    def add(self, resource: dict[str, Any]) -> None:
        """Add (or replace) a CodeSystem, ValueSet or ConceptMap."""
        rtype = resource.get("resourceType")
        if rtype not in RESOURCE_TYPES:
            raise FhirError(400, "not-supported", f"resources of type {rtype!r} are not supported")
        rid = resource.get("id") or f"{rtype.lower()}-{len(self.by_id[rtype]) + 1}"
        self.by_id[rtype][rid] = resource
        url = resource.get("url")
        if url:
            # A ConceptMap with the same url|version is kept beside the other (the HL7 test
            # cases pass two such maps for different systems); $translate reads both.
            versions = [
                r
                for r in self.by_url[rtype].get(url, [])
                if rtype == "ConceptMap" or r.get("version") != resource.get("version")
            ]
            versions.append(resource)
            versions.sort(key=lambda r: _version_key(r.get("version")))
            self.by_url[rtype][url] = versions
            self._cs_index = {k: v for k, v in self._cs_index.items() if k[0] != url}

    def overlay(self, resources: list[dict[str, Any]]) -> Store:
        """A copy of this store with ``resources`` added (for ``tx-resource``)."""
        if not resources:
            return self
        new = Store()
        for t in RESOURCE_TYPES:
            new.by_id[t] = dict(self.by_id[t])
            new.by_url[t] = {k: list(v) for k, v in self.by_url[t].items()}
        new._cs_index = dict(self._cs_index)
        new.labels = self.labels
        for r in resources:
            new.add(r)
        return new

    def supplemented(self, canonicals: list[str]) -> Store:
        """A copy of this store in which each CodeSystem supplement of ``canonicals``
        (``useSupplement``, ``url`` or ``url|version``) has been merged into the CodeSystem
        it supplements: its property definitions, and each concept's designations and
        properties. The merged CodeSystem lists the supplements in ``used_supplements``."""
        if not canonicals:
            return self
        merged: dict[str, dict[str, Any]] = {}
        for canonical in canonicals:
            supplement = self.find("CodeSystem", canonical)
            if supplement is None or not supplement.get("supplements"):
                raise FhirError(404, "not-found", f"Required supplement not found: {canonical}")
            target = supplement["supplements"]
            base = merged.get(target) or self.find("CodeSystem", target)
            if base is None:
                raise FhirError(
                    404,
                    "not-found",
                    f"A definition for CodeSystem '{target}' (supplemented by {canonical}) "
                    "could not be found",
                )
            if _canonical(supplement) in base.get("used_supplements", []):
                continue  # already merged (useSupplement and the value set both name it)
            merged[target] = _merge_supplement(base, supplement)
        return self.overlay(list(merged.values()))

    def read(self, rtype: str, rid: str) -> dict[str, Any]:
        r = self.by_id.get(rtype, {}).get(rid)
        if r is None:
            raise FhirError(404, "not-found", f"{rtype}/{rid} is not known to this server")
        return r

    def find(self, rtype: str, url: str, version: str | None = None) -> dict[str, Any] | None:
        """The resource with canonical ``url`` (``url|version`` accepted), newest if unversioned."""
        if version is None and "|" in url:
            url, version = url.split("|", 1)
        versions = self.by_url[rtype].get(url)
        if not versions:
            return None
        if version is None:
            return versions[-1]
        for r in versions:
            if r.get("version") == version:
                return r
        # A version like 1.0, 1.x or 1.x.x matches 1.0.0 / the newest 1.*.
        matches = [r for r in versions if version_matches(version, str(r.get("version", "")))]
        return matches[-1] if matches else None

    def versions(self, rtype: str, url: str) -> list[str]:
        return [str(r.get("version")) for r in self.by_url[rtype].get(url, []) if r.get("version")]

    def codesystem(self, url: str, version: str | None = None) -> CodeSystemIndex | None:
        """The indexed CodeSystem of ``url`` (and ``version``), or None when unknown."""
        resource = self.find("CodeSystem", url, version)
        if resource is None:
            return None
        key = (resource.get("url", url), resource.get("version"))
        index = self._cs_index.get(key)
        if index is None:
            index = CodeSystemIndex(resource)
            extra = self.labels.get(index.url, {})
            for code, labels in extra.items():
                if code in index.concepts:
                    index.concepts[code].labels.extend(labels)
            self._cs_index[key] = index
        return index


def _canonical(resource: dict[str, Any]) -> str:
    """A resource's url|version (url alone when it has no version)."""
    version = resource.get("version")
    return resource.get("url", "") + (f"|{version}" if version else "")


def _merge_supplement(base: dict[str, Any], supplement: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``supplement``'s property definitions, designations and properties."""
    label = _canonical(supplement)
    extra = {c.get("code"): c for c in flat_concepts(supplement.get("concept") or [])}

    def merge(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for item in items:
            item = dict(item)
            add = extra.get(item.get("code"))
            if add:
                item["designation"] = [*item.get("designation", []), *add.get("designation", [])]
                item["property"] = [*item.get("property", []), *add.get("property", [])]
                if add.get("extension"):
                    item["extension"] = [*item.get("extension", []), *add["extension"]]
            if item.get("concept"):
                item["concept"] = merge(item["concept"])
            out.append(item)
        return out

    known = {p.get("code") for p in base.get("property", [])}
    out = dict(base)
    out["property"] = [
        *base.get("property", []),
        *(p for p in supplement.get("property", []) if p.get("code") not in known),
    ]
    out["concept"] = merge(base.get("concept") or [])
    out["used_supplements"] = [*base.get("used_supplements", []), label]
    return out


def flat_concepts(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every concept of a CodeSystem ``concept`` list, nested ones included, parents first."""
    out = []
    for item in items:
        out.append(item)
        out += flat_concepts(item.get("concept") or [])
    return out


FHIR_CORE = Path(__file__).with_name("fhir_core")
"""FHIR R4 core CodeSystems and ValueSets the server holds (their source: its README.md)."""


def fhir_core_resources() -> list[dict[str, Any]]:
    """The FHIR R4 core definitions in ``fhir_core/`` (administrative-gender and
    publication-status, with their value sets), in file-name order."""
    return [
        json.loads(path.read_text(encoding="utf-8")) for path in sorted(FHIR_CORE.glob("*.json"))
    ]


def load_store() -> tuple[Store, Any]:
    """The server's store, generated from the packaged taxonomy; also returns the taxonomy."""
    from ..export import fhir, fhir_codesystems
    from ..export.common import load_inputs

    inputs = load_inputs()
    store = Store()
    store.add(json.loads(fhir.codesystem(inputs)))
    for data in fhir_codesystems.files(inputs).values():
        store.add(json.loads(data))
    for system in inputs.target_systems():
        store.add(json.loads(fhir.conceptmap(inputs, system)))
    for resource in fhir_core_resources():
        store.add(resource)
    tax = inputs.tax
    labels = {p.id: [lab.text for lab in p.labels] for p in tax.professions.values()}
    store.labels = {fhir_codesystems.TAXONOMY_CODESYSTEM: labels}
    return store, tax
