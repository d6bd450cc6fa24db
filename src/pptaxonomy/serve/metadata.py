"""The server's CapabilityStatement, TerminologyCapabilities and $versions."""

from __future__ import annotations

from typing import Any

from .. import __version__
from ..export.common import FHIR_BASE
from .resources import Store

FHIR_VERSION = "4.0.1"
RELEASE_DATE = "2026-01-01"
OPS = "http://hl7.org/fhir/OperationDefinition/"
EXPANSION_PARAMS = (
    "activeOnly", "check-system-version", "count", "displayLanguage", "excludeNested",
    "filter", "force-system-version", "includeDefinition", "includeDesignations", "offset",
    "property", "system-version", "tx-resource",
)  # fmt: skip


def _search_params(*names: str) -> list[dict[str, str]]:
    types = {"_summary": "token", "_count": "number", "status": "token", "version": "token"}
    return [{"name": n, "type": types.get(n, "uri" if "system" in n or n == "url" else "string")}
            for n in names]  # fmt: skip


def capability_statement(data_version: str) -> dict[str, Any]:
    """The CapabilityStatement, instantiating HL7's terminology-server statement."""
    common = ("url", "version", "name", "title", "status", "_summary", "_count")

    def resource(rtype: str, ops: list[tuple[str, str]], extra: tuple[str, ...] = ()):
        return {
            "type": rtype,
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchParam": _search_params(*common, *extra),
            "operation": [{"name": n, "definition": OPS + d} for n, d in ops],
        }

    return {
        "resourceType": "CapabilityStatement",
        "extension": [
            {
                "url": "http://hl7.org/fhir/uv/application-feature/StructureDefinition/feature",
                "extension": [
                    {
                        "url": "definition",
                        "valueCanonical": (
                            "http://hl7.org/fhir/uv/tx-ecosystem/FeatureDefinition/"
                            "CodeSystemAsParameter"
                        ),
                    },
                    {"url": "value", "valueBoolean": True},
                ],
            }
        ],
        "url": FHIR_BASE + "CapabilityStatement/pptaxonomy-serve",
        "version": __version__,
        "name": "PptaxonomyTerminologyServer",
        "title": "pptaxonomy terminology server",
        "status": "active",
        "date": RELEASE_DATE,
        "publisher": "pptaxonomy contributors",
        "description": (
            f"A read-only FHIR R4 terminology server over the pptaxonomy release {data_version}."
        ),
        "kind": "instance",
        "instantiates": ["http://hl7.org/fhir/CapabilityStatement/terminology-server"],
        "software": {"name": "pptaxonomy", "version": __version__, "releaseDate": RELEASE_DATE},
        "implementation": {"description": "pptaxonomy serve"},
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "resource": [
                    resource(
                        "CodeSystem",
                        [
                            ("lookup", "CodeSystem-lookup"),
                            ("validate-code", "CodeSystem-validate-code"),
                            ("subsumes", "CodeSystem-subsumes"),
                        ],
                    ),
                    resource(
                        "ValueSet",
                        [
                            ("expand", "ValueSet-expand"),
                            ("validate-code", "ValueSet-validate-code"),
                        ],
                    ),
                    resource(
                        "ConceptMap",
                        [("translate", "ConceptMap-translate")],
                        ("source-system", "target-system"),
                    ),
                ],
                "operation": [
                    {"name": "versions", "definition": OPS + "CapabilityStatement-versions"}
                ],
            }
        ],
    }


def terminology_capabilities(store: Store, data_version: str) -> dict[str, Any]:
    """TerminologyCapabilities: every code system with its versions, and the $expand params."""
    systems = []
    for url in sorted(store.by_url["CodeSystem"]):
        versions = [{"code": v} for v in store.versions("CodeSystem", url)]
        systems.append({"uri": url, "version": versions} if versions else {"uri": url})
    return {
        "resourceType": "TerminologyCapabilities",
        "url": FHIR_BASE + "TerminologyCapabilities/pptaxonomy-serve",
        "version": __version__,
        "name": "PptaxonomyTerminologyServer",
        "title": "pptaxonomy terminology server",
        "status": "active",
        "date": RELEASE_DATE,
        "kind": "instance",
        "software": {"name": "pptaxonomy", "version": __version__},
        "codeSystem": systems,
        "expansion": {
            "hierarchical": True,
            "paging": True,
            "parameter": [{"name": n} for n in EXPANSION_PARAMS],
            "textFilter": "Every word must begin a word of a label (names, acronyms, hidden "
            "labels); the matcher's reading of the text ranks first.",
        },
        "validateCode": {"translations": False},
        "translation": {"needsMap": False},
    }


def versions() -> dict[str, Any]:
    """$versions: the FHIR versions this server speaks."""
    return {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "version", "valueString": FHIR_VERSION},
            {"name": "default", "valueString": FHIR_VERSION},
        ],
    }
