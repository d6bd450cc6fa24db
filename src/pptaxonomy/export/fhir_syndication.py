"""The release's FHIR resources for other terminology servers: an Atom syndication feed
(``mappings/syndication.xml``, FHIR Terminology Syndication IG) and a FHIR NPM package
(``mappings/pptaxonomy.fhir.tgz``).

An Ontoserver administrator adds the feed's URL as a syndication source and loads the
CodeSystems, ValueSets and ConceptMaps it lists; any FHIR tool that reads packages (the HL7
validator, HAPI, Firely) loads the package. Both are deterministic: entry ids are UUIDv5 of the
resource's ``url|version``, times come from the resources' ``date``, and the package's tar and
gzip headers carry no clock time.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
import uuid
from xml.sax.saxutils import escape

from .common import MAPPINGS_BASE
from .provenance import Provenance

FEED = "syndication.xml"
PACKAGE = "pptaxonomy.fhir.tgz"
PACKAGE_NAME = "pptaxonomy.fhir"
ATOM = "http://www.w3.org/2005/Atom"
NCTS = "http://ns.electronichealth.net.au/ncts/syndication/asf/extensions/1.0.0"
NCTS_SCHEME = "http://ns.electronichealth.net.au/ncts/syndication/asf/scheme/1.0.0"
NCTS_PROFILE = "http://ns.electronichealth.net.au/ncts/syndication/asf/profile/1.0.0"
RESOURCE_TYPES = ("CodeSystem", "ValueSet", "ConceptMap")
SPDX = {"https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/": "OGL-UK-3.0"}
"""The SPDX identifier an NPM manifest wants for a licence URL."""


def fhir_resources(files: dict[str, bytes]) -> list[tuple[str, bytes, dict]]:
    """(file name, bytes, resource) of every CodeSystem, ValueSet and ConceptMap in ``files``
    (paths as ``build.generate`` returns them), sorted by file name."""
    out = []
    for path in sorted(files):
        if path.endswith(".json") and "/" in path:
            resource = json.loads(files[path])
            if isinstance(resource, dict) and resource.get("resourceType") in RESOURCE_TYPES:
                out.append((path.rsplit("/", 1)[1], files[path], resource))
    return out


def _instant(date: str) -> str:
    return date if "T" in date else f"{date}T00:00:00Z"


def feed(resources: list[tuple[str, bytes, dict]], provenance: Provenance) -> bytes:
    """The Atom feed listing ``resources`` (from ``fhir_resources``), one entry each; its
    provenance (data version, source checksums) in a leading comment."""
    data_version = provenance.data_version
    comment = [f"  {escape(line).replace('--', '- -')}" for line in provenance.header_lines(
        "Atom syndication feed of the pptaxonomy FHIR resources")]  # fmt: skip
    dates = sorted(_instant(r.get("date", "2026-01-01")) for _, _, r in resources)
    updated = dates[-1] if dates else "2026-01-01T00:00:00Z"
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<!--",
        *comment,
        "-->",
        f'<feed xmlns="{ATOM}" xmlns:ncts="{NCTS}">',
        f"  <title>pptaxonomy {escape(data_version)}: FHIR CodeSystems, ValueSets and "
        "ConceptMaps</title>",
        f'  <link rel="self" href="{MAPPINGS_BASE}{FEED}"/>',
        f"  <id>urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, MAPPINGS_BASE + FEED)}</id>",
        "  <generator>pptaxonomy build</generator>",
        f"  <updated>{updated}</updated>",
        f"  <ncts:atomSyndicationFormatProfile>{NCTS_PROFILE}</ncts:atomSyndicationFormatProfile>",
    ]
    for name, data, r in resources:
        canonical = f"{r['url']}|{r['version']}" if r.get("version") else r["url"]
        rtype = r["resourceType"]
        link = (
            f'    <link rel="alternate" type="application/fhir+json" '
            f'href="{MAPPINGS_BASE}{name}" length="{len(data)}" '
            f'ncts:sha256Hash="{hashlib.sha256(data).hexdigest()}"/>'
        )
        lines += [
            "  <entry>",
            f"    <title>{escape(r.get('title') or r.get('name') or name)}</title>",
            link,
            f'    <category term="FHIR_{rtype}" label="FHIR {rtype}" scheme="{NCTS_SCHEME}"/>',
            f"    <author><name>{escape(r.get('publisher', 'pptaxonomy contributors'))}</name>"
            "</author>",
            f"    <id>urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, canonical)}</id>",
            f"    <updated>{_instant(r.get('date', '2026-01-01'))}</updated>",
            f"    <published>{_instant(r.get('date', '2026-01-01'))}</published>",
            f"    <summary>{escape(r.get('description', rtype))}</summary>",
            f"    <ncts:contentItemIdentifier>{escape(r['url'])}</ncts:contentItemIdentifier>",
            f"    <ncts:contentItemVersion>{escape(canonical)}</ncts:contentItemVersion>",
            "  </entry>",
        ]
    lines.append("</feed>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def package(resources: list[tuple[str, bytes, dict]], data_version: str, licence: str) -> bytes:
    """A FHIR NPM package (``package/package.json``, ``package/.index.json`` and one file a
    resource, named ``{type}-{id}.json``) as a deterministic gzipped tar."""
    manifest = {
        "name": PACKAGE_NAME,
        "version": data_version,
        "description": "pptaxonomy: the UK psychological professions, their target code "
        "systems, value sets and crosswalks (FHIR R4).",
        "license": SPDX.get(licence, licence),
        "author": "pptaxonomy contributors",
        "url": MAPPINGS_BASE,
        "canonical": MAPPINGS_BASE.rsplit("mappings/", 1)[0] + "fhir",
        "fhirVersions": ["4.0.1"],
        "type": "fhir.ig",
        "dependencies": {"hl7.fhir.r4.core": "4.0.1"},
    }
    members: dict[str, bytes] = {}
    index = []
    for _, data, r in resources:
        name = f"{r['resourceType']}-{r['id']}.json"
        members[f"package/{name}"] = data
        entry = {"filename": name, "resourceType": r["resourceType"], "id": r["id"]}
        entry.update({k: r[k] for k in ("url", "version") if r.get(k)})
        index.append(entry)
    members["package/package.json"] = _json(manifest)
    members["package/.index.json"] = _json({"index-version": 1, "files": index})
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for path in sorted(members):
            info = tarfile.TarInfo(path)
            info.size, info.mtime, info.mode = len(members[path]), 0, 0o644
            tar.addfile(info, io.BytesIO(members[path]))
    return gzip.compress(raw.getvalue(), mtime=0)


def _json(value: object) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
