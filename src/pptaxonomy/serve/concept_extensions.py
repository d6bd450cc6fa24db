"""Concept extensions an expansion reports: as R5 concept properties, or copied onto the entry.

A CodeSystem concept (or a supplement's, once merged) and a value set's ``compose.include.concept``
may carry extensions that FHIR R5 turns into expansion properties with URIs in
``http://hl7.org/fhir/concept-properties``: ``codesystem-label`` / ``valueset-label`` ->
``label``, ``itemWeight`` -> ``weight``, ``codesystem-conceptOrder`` / ``valueset-conceptOrder``
-> ``order`` and a code system concept's ``structuredefinition-standards-status`` -> ``status``.
A value set's value wins over the code system's. The rendering extensions and the value set's
own concept marks (``valueset-deprecated``, ``valueset-concept-definition``, a standards
status) are copied onto the expansion entry;
any other extension (unknown ones included) is not repeated.
"""

from __future__ import annotations

from typing import Any

SD = "http://hl7.org/fhir/StructureDefinition/"
CONCEPT_PROPERTIES = "http://hl7.org/fhir/concept-properties"

FROM_CODESYSTEM: dict[str, tuple[str, str]] = {
    SD + "codesystem-label": ("label", "valueString"),
    SD + "itemWeight": ("weight", "valueDecimal"),
    SD + "codesystem-conceptOrder": ("order", "valueDecimal"),
    SD + "structuredefinition-standards-status": ("status", "valueCode"),
}
"""A code system concept's extension URL -> (expansion property code, value type)."""
FROM_VALUESET: dict[str, tuple[str, str]] = {
    SD + "valueset-label": ("label", "valueString"),
    SD + "itemWeight": ("weight", "valueDecimal"),
    SD + "valueset-conceptOrder": ("order", "valueDecimal"),
}
"""The same for a value set's ``compose.include.concept`` (a standards status there is a mark
on the value set's use of the concept: it is copied, not made a property)."""

PROPERTY_URI = {
    "label": f"{CONCEPT_PROPERTIES}#label",
    "weight": f"{CONCEPT_PROPERTIES}#itemWeight",
    "order": f"{CONCEPT_PROPERTIES}#order",
    "status": f"{CONCEPT_PROPERTIES}#status",
}
"""The URI each of these properties is declared with in ``expansion.property``."""

COPIED_FROM_CODESYSTEM = frozenset({SD + "rendering-style", SD + "rendering-xhtml"})
COPIED_FROM_VALUESET = COPIED_FROM_CODESYSTEM | {
    SD + "valueset-deprecated",
    SD + "valueset-concept-definition",
    SD + "structuredefinition-standards-status",
}


def _value(ext: dict[str, Any]) -> Any:
    return next((v for k, v in ext.items() if k.startswith("value")), None)


def properties(
    cs_extensions: list[dict[str, Any]], vs_extensions: list[dict[str, Any]] = ()
) -> dict[str, tuple[str, Any]]:
    """code -> (value type, value) of the properties these extensions give (the value set's
    extensions, read last, override the code system's)."""
    out: dict[str, tuple[str, Any]] = {}
    for exts, mapping in ((cs_extensions, FROM_CODESYSTEM), (vs_extensions, FROM_VALUESET)):
        for ext in exts:
            mapped = mapping.get(ext.get("url", "")) if isinstance(ext, dict) else None
            value = _value(ext) if mapped else None
            if mapped and value is not None:
                out[mapped[0]] = (mapped[1], value)
    return out


def copied(
    cs_extensions: list[dict[str, Any]], vs_extensions: list[dict[str, Any]] = ()
) -> list[dict[str, Any]]:
    """The extensions the expansion entry carries: rendering ones from the code system, then
    the value set's concept marks; a later one replaces an earlier one with the same URL."""
    by_url: dict[str, dict[str, Any]] = {}
    sources = ((cs_extensions, COPIED_FROM_CODESYSTEM), (vs_extensions, COPIED_FROM_VALUESET))
    for exts, allowed in sources:
        for ext in exts:
            if isinstance(ext, dict) and ext.get("url") in allowed:
                by_url[ext["url"]] = ext
    return list(by_url.values())


def supplements_declared(vs: dict[str, Any]) -> list[str]:
    """The supplements a value set asks for with the ``valueset-supplement`` extension."""
    return [
        str(_value(e))
        for e in vs.get("extension", ()) or ()
        if isinstance(e, dict) and e.get("url") == SD + "valueset-supplement" and _value(e)
    ]
